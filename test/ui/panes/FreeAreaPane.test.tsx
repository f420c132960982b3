import {describe, expect, test} from 'vitest';
import {FreeAreaPane} from '../../../source/ui/panes/FreeAreaPane.js';
import {DEFAULT_THEME, resolveTheme} from '../../../source/ui/theme.js';
import {body, COLOUR_SGR, draw, drawRaw, expectBox, numbers, viewAt} from './draw.js';

type Opts = {width?: number; height?: number; byType?: boolean; scroll?: number; focused?: boolean};
const pane = (zones: ReturnType<typeof viewAt>['zones'], o: Opts = {}) => (
  <FreeAreaPane zones={zones} width={o.width ?? 79} height={o.height ?? 20} focused={o.focused ?? false} byType={o.byType ?? false} scroll={o.scroll ?? 0} />
);

/** The content row of a zone that starts with `label`, from the zone's header on. */
function rowOf(rows: readonly string[], zone: string, label: RegExp): string {
  const at = rows.findIndex((r) => r.startsWith(`Node 0 ${zone} `));
  expect(at, `zone ${zone} shown`).toBeGreaterThanOrEqual(0);
  const r = rows.slice(at + 1).find((x) => label.test(x));
  expect(r, `row ${label} of ${zone}`).toBeDefined();
  return r!;
}

describe('FreeAreaPane', () => {
  // tour at tick 10: the big read took DMA32 below its low watermark and left a few scattered blocks.
  const vm = viewAt('tour', 10);
  const dma32 = vm.zones.find((z) => z.zone === 'DMA32')!;

  test('a zone: its header figures, the buddyinfo counts per order under 4K ... 4M, the fragmentation index', () => {
    const lines = draw(pane(vm.zones), 79);
    expectBox(lines, 79, 20);
    const rows = body(lines);
    const header = rows.find((r) => r.startsWith('Node 0 DMA32 '))!;
    expect(header).toContain(`free ${dma32.free}  min ${dma32.min}  low ${dma32.low}  high ${dma32.high}`);
    expect(rowOf(rows, 'DMA32', /^\s+4K\s+8K/).trim().split(/\s+/)).toEqual(['4K', '8K', '16K', '32K', '64K', '128K', '256K', '512K', '1M', '2M', '4M']);
    expect(numbers(rowOf(rows, 'DMA32', /^blocks /))).toEqual(dma32.blocks);
    const frag = rowOf(rows, 'DMA32', /^frag /).trim().split(/\s+/).slice(1);
    expect(frag).toEqual(dma32.fragIndex.map((v) => (v === null ? '-' : (v / 1000).toFixed(3))));
    // This moment has orders with no block left: their index is a figure, not "-".
    expect(frag.filter((f) => f !== '-').length).toBeGreaterThan(0);
  });

  test('free pages against the watermarks: m, l and h marks in order, the state in words', () => {
    const rows = body(draw(pane(vm.zones), 79));
    const at = rows.findIndex((r) => r.startsWith('Node 0 DMA32 '));
    const gauge = rows[at + 1];
    expect(dma32.free).toBeLessThan(dma32.low);
    expect(gauge).toMatch(/<low\s*$/);
    const [m, l, h] = ['m', 'l', 'h'].map((c) => gauge.indexOf(c));
    expect(m).toBeGreaterThan(0);
    expect(l).toBeGreaterThan(m);
    expect(h).toBeGreaterThan(l);
    // Filled up to about free/(2*high) of the gauge, empty after.
    expect(gauge.slice(0, m)).toMatch(/^█+$/);
    expect(gauge.slice(l, h)).toContain('░');
    const dma = rows[rows.findIndex((r) => r.startsWith('Node 0 DMA ')) + 1];
    expect(dma).toMatch(/≥high\s*$/);
  });

  test('bars: a column per order over the count, taller for more blocks, none for an empty order', () => {
    const rows = body(draw(pane(vm.zones), 79));
    const at = rows.findIndex((r) => r.startsWith('Node 0 DMA32 '));
    const sizes = rows.findIndex((r, i) => i > at && /^\s+4K/.test(r));
    const bars = rows.slice(at + 2, sizes);
    expect(bars.length).toBeGreaterThan(0);
    const bottom = bars[bars.length - 1];
    // Each order's bar ends where its size label ends.
    const ends = [...rows[sizes].matchAll(/\S+/g)].map((m) => m.index + m[0].length);
    expect(ends.length).toBe(11);
    dma32.blocks.forEach((n, o) => expect(bottom[ends[o] - 1] !== ' ', `order ${o}: ${n} blocks`).toBe(n > 0));
  });

  test('the migrate-type toggle adds a U, M, R and H row with the counts of each type', () => {
    const plain = body(draw(pane(vm.zones, {height: 30}), 79));
    expect(plain.some((r) => /^U /.test(r))).toBe(false);
    const lines = draw(pane(vm.zones, {height: 30, byType: true}), 79);
    expectBox(lines, 79, 30);
    expect(lines[0]).toContain('Free areas by migrate type');
    const rows = body(lines);
    ['U', 'M', 'R', 'H'].forEach((letter, mt) => {
      const cells = rowOf(rows, 'DMA32', new RegExp(`^${letter} `)).trim().split(/\s+/).slice(1);
      expect(cells.map((c) => (c === '·' ? 0 : Number(c)))).toEqual(dma32.byType.map((t) => t[mt]));
    });
    // The types add up to the order's count.
    expect(dma32.byType.map((t) => t.reduce((a, b) => a + b, 0))).toEqual(dma32.blocks);
  });

  test('zones scroll: from the second zone on, and the title says which are shown', () => {
    const numa = viewAt('numa', 10);
    expect(numa.zones.length).toBe(3);
    const lines = draw(pane(numa.zones, {height: 14, scroll: 1}), 79);
    expectBox(lines, 79, 14);
    const rows = body(lines);
    expect(rows[0]).toMatch(/^Node 0 DMA32 /);
    expect(rows.some((r) => r.startsWith('Node 0 DMA '))).toBe(false);
    expect(rows.some((r) => r.startsWith('Node 1 DMA32 '))).toBe(true);
    expect(lines[0]).toContain('zones 2-3/3');
    const one = draw(pane(numa.zones, {height: 10, scroll: 1}), 79);
    expect(one[0]).toContain('zone 2/3');
    expect(body(one).filter((r) => r.startsWith('Node '))).toEqual([expect.stringMatching(/^Node 0 DMA32 /)]);
    // Scrolled past the end: the last zone.
    expect(body(draw(pane(numa.zones, {height: 14, scroll: 9}), 79))[0]).toMatch(/^Node 1 DMA32 /);
  });

  test('fits every box: the lecture-room sizes and smaller, saying "…more" when cut', () => {
    for (const [w, h] of [[39, 7], [59, 18], [79, 20], [99, 28], [30, 5], [20, 3], [79, 4]] as const) {
      for (const byType of [false, true]) {
        const lines = draw(pane(vm.zones, {width: w, height: h, byType}), w);
        expectBox(lines, w, h);
      }
    }
    const small = body(draw(pane(vm.zones, {width: 39, height: 7, byType: true}), 39));
    expect(small[small.length - 1]).toMatch(/^…more/);
    // Narrow columns number the orders instead of naming the block sizes.
    expect(small.some((r) => /^o\s+0\s+1\s+2/.test(r))).toBe(true);
  });

  test('focus is a double border and the title inverse; NO_COLOR writes no colour and keeps the marks', () => {
    const focused = draw(pane(vm.zones, {focused: true}), 79);
    expect(focused[0]).toMatch(/^╔═ Free areas ═/);
    expect(drawRaw(pane(vm.zones), 79, DEFAULT_THEME)).toMatch(COLOUR_SGR);
    const raw = drawRaw(pane(vm.zones, {byType: true, height: 30, focused: true}), 79, resolveTheme('high-contrast', {NO_COLOR: '1'}));
    expect(raw).not.toMatch(COLOUR_SGR);
    expect(raw).toContain('<low');
    expect(raw).toMatch(/m█*░*l░*h/);
  });
});
