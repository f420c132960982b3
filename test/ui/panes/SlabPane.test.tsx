import {describe, expect, test} from 'vitest';
import type {CacheFigures} from '../../../source/kernel/slab/figures.js';
import {slabPageRows} from '../../../source/ui/panes/slab-lines.js';
import {SlabPane} from '../../../source/ui/panes/SlabPane.js';
import type {SlabSortKey} from '../../../source/ui/panes/types.js';
import {resolveTheme} from '../../../source/ui/theme.js';
import {body, COLOUR_SGR, draw, drawRaw, expectBox, numbers, viewAt} from './draw.js';

type Opts = {width?: number; height?: number; sort?: SlabSortKey; filter?: string; scroll?: number; selected?: string | null; highlighted?: string | null};
const pane = (caches: readonly CacheFigures[], o: Opts = {}) => (
  <SlabPane
    caches={caches}
    width={o.width ?? 80}
    height={o.height ?? 20}
    focused={false}
    sort={o.sort ?? 'active'}
    filter={o.filter ?? ''}
    scroll={o.scroll ?? 0}
    selected={o.selected ?? null}
    {...(o.highlighted === undefined ? {} : {highlighted: o.highlighted})}
  />
);

/** The table's rows (after the header) as {name, figures}, up to the detail rule. */
function table(rows: readonly string[]): {name: string; figures: number[]; marked: boolean}[] {
  const end = rows.findIndex((r) => r.startsWith('── '));
  return rows
    .slice(1, end < 0 ? undefined : end)
    .filter((r) => r.trim())
    .map((r) => ({marked: r.startsWith('▶'), name: r.slice(1).trim().split(/\s+/)[0], figures: numbers(r.slice(1).trim().split(/\s+/).slice(1).join(' '))}));
}

describe('SlabPane', () => {
  // slab-churn at tick 100: 117 blk requests spread over 29 slabs.
  const vm = viewAt('slab-churn', 100);
  const byName = new Map(vm.slabs.map((c) => [c.name, c]));

  test('the columns: name, size, active and total objects, full/partial/empty slabs, objects and pages per slab', () => {
    const lines = draw(pane(vm.slabs), 80);
    expectBox(lines, 80, 20);
    const rows = body(lines);
    expect(rows[0].trim().split(/\s+/)).toEqual(['name', 'size', '▼active', 'total', 'full', 'part', 'empty', 'obj/slab', 'pg/slab', 'pages']);
    const blk = table(rows).find((r) => r.name === 'blk_request')!;
    const c = byName.get('blk_request')!;
    expect(blk.figures).toEqual([c.objsize, c.active_objs, c.num_objs, c.full, c.partial, c.empty, c.objperslab, c.pagesperslab, c.num_slabs * c.pagesperslab]);
    expect(c.num_slabs).toBe(29);
  });

  test('sorted: active objects descending (ties by name), or names ascending', () => {
    const rows = table(body(draw(pane(vm.slabs, {height: 40}), 80)));
    const active = rows.map((r) => byName.get(r.name)!.active_objs);
    expect(active).toEqual([...active].sort((a, b) => b - a));
    for (let i = 1; i < rows.length; i++) if (active[i] === active[i - 1]) expect(rows[i - 1].name < rows[i].name).toBe(true);
    expect(rows[0].name).toBe([...vm.slabs].sort((a, b) => b.active_objs - a.active_objs || a.name.localeCompare(b.name))[0].name);
    const names = table(body(draw(pane(vm.slabs, {sort: 'name', height: 40}), 80))).map((r) => r.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    expect(names[0]).toBe([...vm.slabs].map((c) => c.name).sort((a, b) => a.localeCompare(b))[0]);
    const pages = table(body(draw(pane(vm.slabs, {sort: 'pages', width: 40}), 40)));
    // Narrow: the sorted column stays even where others go.
    expect(pages.map((r) => r.figures[r.figures.length - 1])).toEqual(pages.map((r) => byName.get(r.name)!.num_slabs * byName.get(r.name)!.pagesperslab));
  });

  test('filtered by name; the title says the sort, the filter and the rows shown', () => {
    const lines = draw(pane(vm.slabs, {filter: 'kmalloc-2'}), 80);
    const rows = table(body(lines));
    const want = vm.slabs.filter((c) => c.name.includes('kmalloc-2'));
    expect(rows.map((r) => r.name).sort()).toEqual(want.map((c) => c.name).sort());
    expect(lines[0]).toContain(`sort active  /kmalloc-2  ${want.length}`);
    expect(body(draw(pane(vm.slabs, {filter: 'zzz'}), 80))[1]).toContain('no cache matches "zzz"');
  });

  test('scrolled: the first row is the one at `scroll`; past the end the last page shows', () => {
    const all = table(body(draw(pane(vm.slabs, {height: 80}), 80))).map((r) => r.name);
    expect(all.length).toBe(vm.slabs.length);
    const lines = draw(pane(vm.slabs, {scroll: 5, height: 12}), 80);
    const page = table(body(lines)).map((r) => r.name);
    expect(page).toEqual(all.slice(5, 5 + 9));
    expect(lines[0]).toContain(`6-14/${all.length}`);
    expect(table(body(draw(pane(vm.slabs, {scroll: 999, height: 12}), 80))).map((r) => r.name)).toEqual(all.slice(-9));
  });

  test('the selected cache: its row marked, and its slabs per node and per CPU below', () => {
    const c = byName.get('blk_request')!;
    const lines = draw(pane(vm.slabs, {selected: 'blk_request'}), 80);
    expectBox(lines, 80, 20);
    const rows = body(lines);
    expect(table(rows).filter((r) => r.marked).map((r) => r.name)).toEqual(['blk_request']);
    const rule = rows.findIndex((r) => r.startsWith('── blk_request '));
    expect(rule).toBeGreaterThan(rows.length / 2 - 1);
    const detail = rows.slice(rule + 1);
    expect(detail[0]).toContain(`in use ${c.inuse_objs}/${c.num_objs}`);
    const n = c.nodes[0];
    expect(detail.find((r) => r.startsWith('node 0 '))).toContain(`partial ${n.partial}  full ${n.full}  free ${n.free}  slabs ${n.slabs}`);
    for (const x of c.cpus) expect(detail.join('\n')).toContain(`cpu${x.cpu} ${x.slab === null ? 'no slab' : `slab ${x.slab_inuse}/${c.objperslab}`}  partial ${x.partial_slabs}`);
    // The table shows as many rows as slabPageRows says (the page the keys move by).
    expect(table(rows).length).toBe(slabPageRows({caches: vm.slabs, selected: 'blk_request', width: 80, height: 20}));
  });

  test('a highlighted row with its detail closed; classic SLAB shows the per-CPU arrays', () => {
    const rows = body(draw(pane(vm.slabs, {highlighted: 'kmalloc-2k'}), 80));
    expect(table(rows).filter((r) => r.marked).map((r) => r.name)).toEqual(['kmalloc-2k']);
    expect(rows.some((r) => r.startsWith('── '))).toBe(false);
    const slab = viewAt('slab-vs-slub', 100);
    const c = slab.slabs.find((x) => x.name === 'blk_request')!;
    expect(c.cpus[0].array_limit).toBeGreaterThan(0);
    const detail = body(draw(pane(slab.slabs, {selected: 'blk_request'}), 80)).join('\n');
    for (const x of c.cpus) expect(detail).toContain(`cpu${x.cpu} array ${x.array_avail}/${x.array_limit}`);
  });

  test('fits every box; NO_COLOR marks the selection with ▶ and inverse, without colour', () => {
    for (const [w, h] of [[40, 11], [60, 16], [80, 24], [100, 30], [30, 6], [12, 3]] as const) {
      for (const selected of [null, 'blk_request']) expectBox(draw(pane(vm.slabs, {width: w, height: h, selected}), w), w, h);
    }
    const raw = drawRaw(pane(vm.slabs, {selected: 'blk_request'}), 80, resolveTheme('default', {NO_COLOR: '1'}));
    expect(raw).not.toMatch(COLOUR_SGR);
    expect(raw).toContain('\x1b[7m▶blk_request');
  });
});
