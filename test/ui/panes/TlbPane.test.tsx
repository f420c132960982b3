import {describe, expect, test} from 'vitest';
import type {TlbPaneView} from '../../../source/session/view-model.js';
import {TlbPane} from '../../../source/ui/panes/TlbPane.js';
import {resolveTheme} from '../../../source/ui/theme.js';
import {body, COLOUR_SGR, draw, drawRaw, expectBox, numbers, viewAt} from './draw.js';

const pane = (tlb: TlbPaneView, width = 79, height = 7) => <TlbPane tlb={tlb} width={width} height={height} focused={false} />;

describe('TlbPane', () => {
  // i386-vmalloc-exhaustion at tick 1010: one lazy purge at 1006 flushed every CPU in full, CPU 0 asking CPU 1.
  const tlb = viewAt('i386-vmalloc-exhaustion', 1010).tlb;

  test('per CPU: full and single flushes, pages flushed, IPIs sent and received; the totals and remote flushes', () => {
    const lines = draw(pane(tlb), 79);
    expectBox(lines, 79, 7);
    const rows = body(lines);
    expect(rows[1].trim()).toBe(`full 2  single 0  remote ${tlb.remoteFlushes}  IPIs 1  pages 0`);
    expect(rows[2].trim().split(/\s{2,}/)).toEqual(['CPU', 'full', 'single', 'pages', 'IPIs sent', 'IPIs rcvd']);
    for (const c of tlb.cpus) {
      const row = rows.find((r) => r.startsWith(`cpu${c.cpu} `))!;
      expect(numbers(row.slice(4))).toEqual([c.full, c.single, c.pagesFlushed, c.ipisSent, c.ipisReceived]);
    }
    expect(tlb.cpus.map((c) => [c.ipisSent, c.ipisReceived])).toEqual([[1, 0], [0, 1]]);
  });

  test('the sparkline: the newest ticks at the right, one cell each, scaled to the largest', () => {
    const rows = body(draw(pane(tlb), 79));
    const m = /^flushes\/tick (.+) max (\d+)\s*$/.exec(rows[0])!;
    const cells = [...m[1]];
    expect(cells.length).toBe(77 - 'flushes/tick '.length - 8);
    const shown = tlb.series.slice(-cells.length);
    expect(Number(m[2])).toBe(Math.max(...shown));
    cells.forEach((ch, i) => expect(ch === '·', `tick ${i}: ${shown[i]}`).toBe(shown[i] === 0));
    expect(cells[shown.indexOf(Math.max(...shown))]).toBe('█');
    // A quiet machine: a flat line of dots, max 0, blank before the first tick.
    const quiet = viewAt('tour', 30).tlb;
    const row = body(draw(pane(quiet), 79))[0];
    expect(row).toMatch(/^flushes\/tick +·+ max 0\s*$/);
    expect(row.split('·').length - 1).toBe(Math.min(quiet.series.length, 77 - 13 - 8));
  });

  test('fits every box; a short pane keeps the sparkline and says "…more"; NO_COLOR has no colour', () => {
    for (const [w, h] of [[39, 4], [59, 7], [79, 7], [99, 9], [20, 3]] as const) expectBox(draw(pane(tlb, w, h), w), w, h);
    const short = body(draw(pane(tlb, 39, 4), 39));
    expect(short[0]).toMatch(/^flushes\/tick /);
    expect(short[1]).toMatch(/^…more/);
    expect(drawRaw(pane(tlb), 79, resolveTheme('high-contrast', {NO_COLOR: 'yes'}))).not.toMatch(COLOUR_SGR);
  });
});
