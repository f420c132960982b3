// The slab pane in live mode: slabtop's columns and sort keys with the change of active objects since the previous
// sample, the lists as /sys/kernel/slab tells them ("?" without it, "-" for empty slabs SLUB does not tell apart),
// and the pane's notice.
import {describe, expect, test} from 'vitest';
import {slabContent, slabPageRows} from '../../../source/ui/panes/slab-lines.js';
import {SlabPane} from '../../../source/ui/panes/SlabPane.js';
import {EMULATOR_SORT_CYCLE, LIVE_SORT_CYCLE, SLAB_SORT_KEYS, type SlabLive, type SlabSortKey, sortCycle} from '../../../source/ui/panes/types.js';
import {orderCaches} from '../../../source/ui/slab-order.js';
import {resolveTheme} from '../../../source/ui/theme.js';
import {initialUiState, nextSort} from '../../../source/ui/ui-state.js';
import {lineText, liveSlabs, liveView, roleOf} from '../live-view-fixture.js';
import {body, COLOUR_SGR, draw, drawRaw, expectBox} from './draw.js';

const SYSFS: SlabLive = {lists: 'sysfs'};
const NONE: SlabLive = {lists: 'none'};
const caches = liveSlabs();

type Opts = {width?: number; height?: number; sort?: SlabSortKey; selected?: string | null; live?: SlabLive};
const pane = (o: Opts = {}) => (
  <SlabPane caches={caches} width={o.width ?? 80} height={o.height ?? 14} focused={false} sort={o.sort ?? 'active'} filter="" scroll={0} selected={o.selected ?? null} live={o.live ?? SYSFS} />
);

/** Rows of the table by cache name: the cells after the name. */
function cells(rows: readonly string[]): Map<string, string[]> {
  const at = rows.findIndex((r) => /^ name /.test(r));
  return new Map(
    rows
      .slice(at + 1)
      .filter((r) => r.trim() && !r.startsWith('──'))
      .map((r) => {
        const [name, ...rest] = r.slice(1).trim().split(/\s+/);
        return [name, rest] as const;
      }),
  );
}

describe('slabs, live', () => {
  test("slabtop's columns with the change of active objects: at 80 columns the least needed go first", () => {
    const lines = draw(pane(), 80);
    expectBox(lines, 80, 14);
    const rows = body(lines);
    expect(rows[0].trim().split(/\s+/)).toEqual(['name', 'size', '▼active', 'Δ', 'total', 'use', 'full', 'part', 'empty', 'slabs', 'cache']);
    const t = cells(rows);
    // dentry: 52000 of 52500 objects (99%), 2500 slabs of one page: 9.7M; 120 more active than a sample ago.
    expect(t.get('dentry')).toEqual(['192', '52000', '▲120', '52500', '99%', '2400', '30', '-', '2500', '9.7M']);
    expect(t.get('kmalloc-64')).toEqual(['64', '9000', '▼300', '9600', '94%', '130', '20', '-', '150', '600K']);
    expect(t.get('task_struct')).toEqual(['10368', '310', '·', '330', '94%', '100', '10', '-', '110', '3.4M']);
    expect(t.get('btrfs_delayed_node')).toEqual(['312', '0', '·', '0', '0%', '0', '0', '-', '0', '0']);
    // Wide: every column, objects and pages per slab too.
    const wide = body(draw(pane({width: 120}), 120));
    expect(wide[0].trim().split(/\s+/)).toEqual(['name', 'size', '▼active', 'Δ', 'total', 'use', 'full', 'part', 'empty', 'slabs', 'obj/slab', 'pg/slab', 'cache']);
    expect(cells(wide).get('task_struct')).toEqual(['10368', '310', '·', '330', '94%', '100', '10', '-', '110', '3', '8', '3.4M']);
  });

  test('the change in the rise or fall role; unchanged dim', () => {
    const {lines} = slabContent(caches, 'active', '', 0, null, null, 78, 12, SYSFS);
    const row = (name: string) => lines.find((l) => lineText(l).includes(` ${name} `))!;
    expect(roleOf(row('dentry'), '▲120')).toBe('rise');
    expect(roleOf(row('kmalloc-64'), '▼300')).toBe('fall');
    expect(roleOf(row('inode_cache'), '·')).toBe('dim');
    const raw = drawRaw(pane(), 80, resolveTheme('default', {NO_COLOR: '1'}));
    expect(raw).not.toMatch(COLOUR_SGR);
    expect(raw).toMatch(/\x1b\[1m ?▲120\x1b\[22m/);
  });

  test('without /sys/kernel/slab the lists are "?", and a line says why (unless the notice does)', () => {
    const rows = body(draw(pane({live: NONE}), 80));
    expect(rows[0]).toMatch(/^\? full\/part\/empty: no readable \/sys\/kernel\/slab here/);
    expect(cells(rows).get('dentry')!.slice(5, 8)).toEqual(['?', '?', '?']);
    const notice = 'run sudo kmemscope live: /sys/kernel/slab is not readable: full/partial/empty unknown';
    // 12 rows: a tall pane, the notice on two lines.
    const withNotice = body(draw(pane({live: {lists: 'none', notice}}), 80));
    expect(withNotice.slice(0, 2).map((r) => r.trimEnd())).toEqual(['! run sudo kmemscope live: /sys/kernel/slab is not readable:', '  full/partial/empty unknown']);
    expect(withNotice[2]).toMatch(/^ name /);
    expect(withNotice.filter((r) => r.startsWith('?'))).toEqual([]);
    // The note takes a row: a page of the table is one row shorter.
    expect(slabPageRows({caches, selected: null, width: 80, height: 14, live: NONE})).toBe(slabPageRows({caches, selected: null, width: 80, height: 14}) - 1);
    expect(slabPageRows({caches, selected: null, width: 80, height: 14, live: SYSFS})).toBe(slabPageRows({caches, selected: null, width: 80, height: 14}));
  });

  test('slabinfo unreadable: no caches, and the notice is all the pane shows', () => {
    const notice = '/proc/slabinfo is readable by root only: run sudo kmemscope live';
    const {lines, info} = slabContent([], 'active', '', 0, null, null, 78, 12, {lists: 'none', notice});
    expect(lines.map(lineText)).toEqual([`! ${notice}`]);
    expect(lines[0][0].role).toBe('warn');
    // The sort, and no count of caches that were not read.
    expect(info).toBe('sort active');
    expect(draw(<SlabPane caches={[]} width={80} height={14} focused={false} sort="delta" filter="" scroll={0} selected={null} live={{lists: 'none', notice}} />, 80)[0]).toMatch(/─ sort delta ─┐$/);
    // Read, and none there (or none matching): the count says so.
    expect(slabContent([], 'active', '', 0, null, null, 78, 12, SYSFS).info).toBe('sort active  0');
  });

  test("the s cycle: the emulator's eight columns as before; live, slabtop's and the change, the emulator's order first", () => {
    const cycle = (keys: readonly SlabSortKey[]) => {
      let s = initialUiState();
      const seen: SlabSortKey[] = [];
      for (let i = 0; i < keys.length; i++) {
        s = nextSort(s, keys);
        seen.push(s.sort);
      }
      return seen;
    };
    expect(cycle(EMULATOR_SORT_CYCLE)).toEqual(['total', 'full', 'partial', 'empty', 'pages', 'name', 'objsize', 'active']);
    expect(nextSort(initialUiState()).sort).toBe('total');
    // No empty: SLUB's sysfs does not tell empty slabs from partial ones, and classic SLAB has no sysfs.
    expect(cycle(LIVE_SORT_CYCLE)).toEqual(['total', 'full', 'partial', 'cache', 'use', 'slabs', 'objperslab', 'pagesperslab', 'delta', 'name', 'objsize', 'active']);
    expect(LIVE_SORT_CYCLE).not.toContain('empty');
    expect(LIVE_SORT_CYCLE.slice(0, 6)).toEqual(EMULATOR_SORT_CYCLE.slice(0, 6));
    // Sorted by empty in the emulator, s in live mode goes on to the first column.
    expect(nextSort({...initialUiState(), sort: 'empty'}, LIVE_SORT_CYCLE).sort).toBe('name');
    for (const k of LIVE_SORT_CYCLE) expect(SLAB_SORT_KEYS).toContain(k);
    expect(sortCycle(liveView())).toBe(LIVE_SORT_CYCLE);
    expect(sortCycle({})).toBe(EMULATOR_SORT_CYCLE);
    // A column the cycle lacks goes to its first.
    expect(nextSort({...initialUiState(), sort: 'delta'}).sort).toBe('name');
  });

  test('sorted by the change (either way, the biggest first), by use, by cache size', () => {
    const names = (sort: SlabSortKey) => orderCaches(caches, sort, '').map((c) => c.name);
    expect(names('delta')).toEqual(['kmalloc-64', 'dentry', 'btrfs_delayed_node', 'inode_cache', 'task_struct']);
    // Both print 94%; task_struct's 310/330 (93.9%) is above kmalloc-64's 9000/9600 (93.75%).
    expect(names('use')).toEqual(['inode_cache', 'dentry', 'task_struct', 'kmalloc-64', 'btrfs_delayed_node']);
    expect(names('cache')).toEqual(['dentry', 'inode_cache', 'task_struct', 'kmalloc-64', 'btrfs_delayed_node']);
    const rows = body(draw(pane({sort: 'delta'}), 80));
    expect(rows[0]).toContain('▼Δ');
    expect([...cells(rows).keys()]).toEqual(names('delta'));
  });

  test("the selected cache's detail says what changed since the last sample", () => {
    const rows = body(draw(pane({selected: 'dentry', height: 20}), 80));
    const rule = rows.findIndex((r) => r.startsWith('── dentry '));
    // What slabinfo tells: no object size apart from the slot, no alignment.
    expect(rows[rule + 1].trimEnd()).toBe('active 52000/52500  slot 192B  per slab 21 objects in 1 page  slabs 2500');
    expect(rows[rule + 2]).toMatch(/^since the last sample: active ▲120 {2}total ▲126/);
  });

  test('a long notice: one line, cut, in a short pane (80x24); two in a tall one; paging agrees with the rows drawn', () => {
    const notice = 'run sudo kmemscope live: /sys/kernel/slab is not readable: full/partial/empty unknown';
    const live: SlabLive = {lists: 'none', notice};
    // 40x9 (80x24): seven rows, the table wants more: one line.
    const short = body(draw(pane({width: 40, height: 9, live}), 40));
    expect(short[0]).toBe('! run sudo kmemscope live: /sys/kerne…');
    expect(short[1]).toMatch(/^ name /);
    for (const [width, height, selected] of [[40, 9, null], [40, 14, null], [60, 20, 'dentry'], [80, 30, 'dentry']] as const) {
      const rows = body(draw(pane({width, height, live, selected}), width));
      const cacheRows = [...cells(rows).keys()].filter((name) => caches.some((c) => c.name === name)).length;
      const page = slabPageRows({caches, selected, width, height, live});
      expect(Math.min(page, caches.length), `${width}x${height}`).toBe(cacheRows);
      const noticeRows = rows.findIndex((r) => /^ name /.test(r));
      expect(noticeRows, `${width}x${height}`).toBe(height - 2 >= 10 ? 2 : 1);
    }
    // A notice that fits takes one line wherever.
    expect(body(draw(pane({width: 80, height: 30, live: {lists: 'none', notice: 'run sudo kmemscope live'}}), 80))[1]).toMatch(/^ name /);
  });
});
