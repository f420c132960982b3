import {describe, expect, test} from 'vitest';
import {VmallocPane} from '../../../source/ui/panes/VmallocPane.js';
import {VM_GLYPH, VM_SOME} from '../../../source/ui/panes/vmalloc-lines.js';
import type {VmallocView} from '../../../source/session/view-model.js';
import {resolveTheme} from '../../../source/ui/theme.js';
import {body, COLOUR_SGR, draw, drawRaw, expectBox, viewAt} from './draw.js';

const pane = (vmalloc: VmallocView, width = 79, height = 7) => <VmallocPane vmalloc={vmalloc} width={width} height={height} focused={false} />;

/** Cells of the strip whose pages are mostly of `kind`, computed from the segments. */
function mostly(v: VmallocView, cells: number, kind: 'used' | 'lazy'): number[] {
  const per = v.windowPages / cells;
  const out: number[] = [];
  for (let c = 0; c < cells; c++) {
    let n = 0;
    for (const s of v.segments) if (s.kind === kind) n += Math.max(0, Math.min(s.start + s.pages, (c + 1) * per) - Math.max(s.start, c * per));
    if (n > per / 2) out.push(c);
  }
  return out;
}

describe('VmallocPane', () => {
  test('the strip: a cell per column of the window, each in the state most of its pages are in', () => {
    // vmalloc-vs-kmalloc at tick 300: module images loaded and some unloaded (lazily freed, not yet purged).
    const v = viewAt('vmalloc-vs-kmalloc', 300).vmalloc;
    expect(v.lazyPages).toBeGreaterThan(0);
    const lines = draw(pane(v), 79);
    expectBox(lines, 79, 7);
    const strip = [...body(lines)[0]];
    expect(strip.length).toBe(77);
    expect(new Set(strip).size).toBeGreaterThan(2);
    for (const ch of strip) expect([...Object.values(VM_GLYPH), VM_SOME]).toContain(ch);
    expect(strip.flatMap((ch, i) => (ch === VM_GLYPH.used ? [i] : []))).toEqual(mostly(v, 77, 'used'));
    expect(strip.flatMap((ch, i) => (ch === VM_GLYPH.lazy ? [i] : []))).toEqual(mostly(v, 77, 'lazy'));
    // Past the last area the window is free.
    expect(strip[76]).toBe(VM_GLYPH.free);
  });

  test('the figures: window, used/total, largest free chunk, areas, purges, lazy pages against lazy_max', () => {
    // i386: a 128 MiB region filled by module images; the purge at tick 1006 flushed the lazily freed ones.
    const before = viewAt('i386-vmalloc-exhaustion', 1000).vmalloc;
    const rows = body(draw(pane(before), 79));
    expect(rows[1]).toMatch(/^0xf8800000 .*█ used {2}\| guard {2}▒ lazy {2}· free .*\+107M$/);
    expect(rows[2]).toContain('used 102M/107M  largest free 2.1M  window 107M of 107M');
    expect(rows[3]).toContain(`areas ${before.areas}  guard pages ${before.guardPages}  purges 0`);
    expect(rows[4]).toMatch(new RegExp(`^lazy █+░+ ${before.lazyPages}/${before.lazyMax} pages$`));
    const after = viewAt('i386-vmalloc-exhaustion', 1010).vmalloc;
    const rows2 = body(draw(pane(after), 79));
    expect(rows2[3]).toContain('purges 1');
    expect(rows2[4]).toMatch(/^lazy ░+ 0\/16384 pages$/);
  });

  test('fits every box, the strip first and "…more" when short; NO_COLOR keeps the glyphs and drops the colour', () => {
    const v = viewAt('vmalloc-vs-kmalloc', 300).vmalloc;
    for (const [w, h] of [[39, 5], [59, 5], [79, 7], [99, 9], [20, 4], [79, 3]] as const) expectBox(draw(pane(v, w, h), w), w, h);
    const small = body(draw(pane(v, 39, 5), 39));
    expect(small.map((r) => r.split(' ')[0].replace(/[^a-z]/g, ''))).toEqual(['', 'used', 'lazy']);
    const tiny = body(draw(pane(v, 39, 4), 39));
    expect(tiny[1]).toMatch(/^…more/);
    const raw = drawRaw(pane(v), 79, resolveTheme('default', {NO_COLOR: '1'}));
    expect(raw).not.toMatch(COLOUR_SGR);
    expect(raw).toContain(VM_GLYPH.lazy);
  });
});
