import {describe, expect, test} from 'vitest';
import {layout} from '../../../source/ui/layout.js';
import {CpuPane} from '../../../source/ui/panes/CpuPane.js';
import {EventsPane} from '../../../source/ui/panes/EventsPane.js';
import {FreeAreaPane} from '../../../source/ui/panes/FreeAreaPane.js';
import {PaneFrame} from '../../../source/ui/panes/PaneFrame.js';
import {SlabPane} from '../../../source/ui/panes/SlabPane.js';
import {compact, fitLine, span, truncate} from '../../../source/ui/panes/spans.js';
import {TlbPane} from '../../../source/ui/panes/TlbPane.js';
import {VmallocPane} from '../../../source/ui/panes/VmallocPane.js';
import {HIGH_CONTRAST_THEME, resolveTheme, ROLES, THEME_NAMES, withoutColor} from '../../../source/ui/theme.js';
import {body, COLOUR_SGR, draw, drawRaw, expectBox, viewAt} from './draw.js';

describe('PaneFrame', () => {
  const lines = (n: number) => Array.from({length: n}, (_, i) => [span(`line ${i + 1}`)]);

  test('exactly its box: title in the top edge, the note at the right, lines cut with an ellipsis', () => {
    const out = draw(<PaneFrame title="Slabs" info="sort active" width={30} height={5} focused={false} lines={[[span('x'.repeat(40))], ...lines(2)]} />, 30);
    expectBox(out, 30, 5);
    expect(out[0]).toBe('┌─ Slabs ────── sort active ─┐');
    expect(body(out)).toEqual([`${'x'.repeat(27)}…`, 'line 1'.padEnd(28), 'line 2'.padEnd(28)]);
  });

  test('more lines than rows: the last row says "…more"; focus is a double border', () => {
    const out = draw(<PaneFrame title="Events" width={20} height={5} focused lines={lines(9)} />, 20);
    expectBox(out, 20, 5);
    expect(out[0]).toMatch(/^╔═ Events ═+╗$/);
    expect(body(out).map((r) => r.trim())).toEqual(['line 1', 'line 2', '…more']);
  });

  test('tiny boxes: the title and the note give way, the box stays whole', () => {
    for (const [w, h] of [[2, 2], [3, 3], [8, 3], [12, 4]] as const) {
      expectBox(draw(<PaneFrame title="Free areas" info="2 zones" width={w} height={h} focused={false} lines={lines(5)} />, w), w, h);
    }
    expect(draw(<PaneFrame title="Free areas" info="2 zones" width={12} height={3} focused={false} lines={[]} />, 12)[0]).toBe('┌─ Free ar…┐');
  });
});

describe('text helpers', () => {
  test('compact counts fit their cells and never round up', () => {
    expect([compact(999, 3), compact(1234, 3), compact(1234, 4), compact(12345, 4), compact(1999, 4), compact(123456, 3), compact(1_500_000, 4), compact(99_999, 3), compact(2_000_000, 4)]).toEqual(['999', '1k', '1234', '12k', '1999', '.1M', '1.5M', '99k', '2M']);
    expect(truncate('kmalloc-rcl-8k', 8)).toBe('kmalloc…');
    expect(fitLine([span('ab'), span('cd', 'label')], 3)).toEqual([span('ab'), span('…', 'label')]);
    expect(fitLine([span('ab  ')], 2)).toEqual([span('ab')]);
  });
});

describe('themes', () => {
  test('NO_COLOR (when set and not empty) takes every colour out of any theme', () => {
    expect(resolveTheme('default', {NO_COLOR: ''}).color).toBe(true);
    for (const name of THEME_NAMES) {
      const t = resolveTheme(name, {NO_COLOR: '1'});
      expect(t.color).toBe(false);
      for (const r of ROLES) expect(t.styles[r].color ?? t.styles[r].backgroundColor ?? t.styles[r].dimColor).toBeUndefined();
    }
    expect(withoutColor(HIGH_CONTRAST_THEME).styles.selected).toEqual({inverse: true});
  });

  test('high contrast has nothing grey or dim (it vanishes on a projector)', () => {
    for (const r of ROLES) {
      const s = HIGH_CONTRAST_THEME.styles[r];
      expect(s.dimColor, r).toBeUndefined();
      expect([s.color, s.backgroundColor], r).not.toContain('gray');
    }
  });
});

describe('every pane at the lecture-room sizes', () => {
  const vm = viewAt('tour', 300);
  for (const [columns, rows] of [[80, 24], [120, 40], [160, 50], [200, 60]] as const) {
    test(`${columns}x${rows}: each pane exactly its box, in every theme; NO_COLOR without colour`, () => {
      const lay = layout(columns, rows, {cpus: 9, tlb: 7});
      if (lay.tooSmall) throw new Error('layout refused a lecture-room size');
      const p = lay.panes;
      const panes = [
        [p.free, <FreeAreaPane {...p.free} focused zones={vm.zones} byType={false} scroll={0} />],
        [p.free, <FreeAreaPane {...p.free} focused={false} zones={vm.zones} byType scroll={1} />],
        [p.slabs, <SlabPane {...p.slabs} focused={false} caches={vm.slabs} sort="active" filter="" scroll={0} selected="task_struct" />],
        [p.vmalloc, <VmallocPane {...p.vmalloc} focused={false} vmalloc={vm.vmalloc} />],
        [p.tlb, <TlbPane {...p.tlb} focused={false} tlb={vm.tlb} />],
        [p.cpus, <CpuPane {...p.cpus} focused={false} cpus={vm.cpus} workloads={vm.workloads} scroll={0} />],
        [p.events, <EventsPane {...p.events} focused={false} events={vm.events} scroll={0} />],
      ] as const;
      for (const [box, el] of panes) {
        for (const theme of [resolveTheme('default'), resolveTheme('high-contrast'), resolveTheme('default', {NO_COLOR: '1'})]) {
          expectBox(draw(el, box.width, theme), box.width, box.height);
        }
        expect(drawRaw(el, box.width, resolveTheme('high-contrast', {NO_COLOR: '1'}))).not.toMatch(COLOUR_SGR);
      }
    });
  }
});
