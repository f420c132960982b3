// The slab pane's lines: a /proc/slabinfo-like table (filtered, sorted, scrolled, the selected cache marked) and,
// for the selected cache, where its slabs are: per node (partial, full, free lists) and per CPU (SLUB's CPU slab
// and CPU partial list, or classic SLAB's array cache).
// Live mode draws slabtop's columns (objects, active, use, object size, slabs, objects and pages per slab, cache
// size) with the change of active objects since the previous sample; full/partial/empty come from SLUB's
// /sys/kernel/slab when it is readable ("?" when not; empty is "-": SLUB keeps its empty slabs on the partial list).
import type {CacheFigures} from '../../kernel/slab/figures.js';
import type {SlabView} from '../../session/view-model.js';
import type {Role} from '../theme.js';
import {cachePages, orderCaches, usePercent} from '../slab-order.js';
import {deltaRole, deltaText, noticeAlone, noticeHead, NOT_TOLD, UNKNOWN} from './live-lines.js';
import {innerHeight, innerWidth} from './PaneFrame.js';
import {bytes, clean, flow, type Line, lineWidth, pairs, type Span, span} from './spans.js';
import {type Column, headerLine, placeColumns, rowLine} from './table.js';
import type {SlabLive, SlabSortKey} from './types.js';

export const SELECTED_MARK = '▶';

/** Rows the detail of the selected cache takes: what it needs, at most the lower half of the pane. */
export function detailHeight(caches: readonly CacheFigures[], selected: string | null, inner: number, rows: number): number {
  if (selected === null) return 0;
  return Math.min(Math.floor(rows / 2), detailLines(caches.find((c) => c.name === selected), selected, inner).length);
}

/**
 * Cache rows the table shows (the page Up/Down and PgUp/PgDn move by): the pane's rows less the header and the
 * detail of the `selected` cache.
 */
export function slabPageRows(p: {readonly caches: readonly CacheFigures[]; readonly selected: string | null; readonly width: number; readonly height: number; readonly live?: SlabLive | undefined}): number {
  const inner = innerWidth(p.width);
  const rows = innerHeight(p.height) - liveNoteLines(p.live, p.caches, p.selected, inner, innerHeight(p.height)).length;
  return Math.max(0, rows - detailHeight(p.caches, p.selected, inner, rows) - 1);
}

const pages = cachePages;

function columns(selected: string | null, live: SlabLive | undefined): Column<SlabView>[] {
  if (live) return liveColumns(selected, live);
  const empty = (c: CacheFigures) => (c.num_objs === 0 ? ('dim' as const) : undefined);
  return [
    {id: 'name', header: ' name', align: 'left', priority: 0, flex: true, min: 20, value: (c) => (c.name === selected ? SELECTED_MARK : ' ') + clean(c.name), role: (c) => (c.num_objs === 0 ? 'dim' : 'strong')},
    {id: 'objsize', header: 'size', align: 'right', priority: 5, value: (c) => c.objsize, role: empty},
    {id: 'active', header: 'active', align: 'right', priority: 1, value: (c) => c.active_objs, role: empty},
    {id: 'total', header: 'total', align: 'right', priority: 2, value: (c) => c.num_objs, role: empty},
    {id: 'full', header: 'full', align: 'right', priority: 4, value: (c) => c.full, role: empty},
    {id: 'partial', header: 'part', align: 'right', priority: 3, value: (c) => c.partial, role: empty},
    {id: 'empty', header: 'empty', align: 'right', priority: 6, value: (c) => c.empty, role: empty},
    {id: 'objperslab', header: 'obj/slab', align: 'right', priority: 7, value: (c) => c.objperslab, role: empty},
    {id: 'pagesperslab', header: 'pg/slab', align: 'right', priority: 8, value: (c) => c.pagesperslab, role: empty},
    {id: 'pages', header: 'pages', align: 'right', priority: 9, value: pages, role: empty},
  ];
}

/** A list count as live mode knows it: the figure, "?" without /sys/kernel/slab, "-" for what sysfs cannot tell. */
function listValue(n: number, live: SlabLive, list: 'full' | 'partial' | 'empty'): string | number {
  if (live.lists === 'none') return UNKNOWN;
  return list === 'empty' ? NOT_TOLD : n;
}

/** slabtop's columns, with the change of active objects and the lists where they are known. */
function liveColumns(selected: string | null, live: SlabLive): Column<SlabView>[] {
  const empty = (c: SlabView): Role | undefined => (c.num_objs === 0 ? 'dim' : undefined);
  const list = (id: 'full' | 'partial' | 'empty', header: string, priority: number): Column<SlabView> => ({
    id,
    header,
    align: 'right',
    priority,
    value: (c) => listValue(c[id], live, id),
    role: (c) => (typeof listValue(c[id], live, id) === 'string' ? 'dim' : empty(c)),
  });
  const delta = (c: SlabView): number => c.live?.deltaActive ?? 0;
  return [
    {id: 'name', header: ' name', align: 'left', priority: 0, flex: true, min: 20, value: (c) => (c.name === selected ? SELECTED_MARK : ' ') + clean(c.name), role: (c) => (c.num_objs === 0 ? 'dim' : 'strong')},
    {id: 'objsize', header: 'size', align: 'right', priority: 8, value: (c) => c.objsize, role: empty},
    {id: 'active', header: 'active', align: 'right', priority: 1, value: (c) => c.active_objs, role: empty},
    {id: 'delta', header: 'Δ', align: 'right', priority: 2, value: (c) => deltaText(delta(c)) || '·', role: (c) => deltaRole(delta(c))},
    {id: 'total', header: 'total', align: 'right', priority: 3, value: (c) => c.num_objs, role: empty},
    {id: 'use', header: 'use', align: 'right', priority: 4, value: (c) => `${Math.round(usePercent(c))}%`, role: empty},
    list('full', 'full', 7),
    list('partial', 'part', 6),
    list('empty', 'empty', 9),
    {id: 'slabs', header: 'slabs', align: 'right', priority: 10, value: (c) => c.num_slabs, role: empty},
    {id: 'objperslab', header: 'obj/slab', align: 'right', priority: 11, value: (c) => c.objperslab, role: empty},
    {id: 'pagesperslab', header: 'pg/slab', align: 'right', priority: 12, value: (c) => c.pagesperslab, role: empty},
    {id: 'cache', header: 'cache', align: 'right', priority: 5, value: (c) => bytes(cachePages(c) * 4096), role: empty},
  ];
}

/**
 * Live mode's lines above the table: the pane's notice (two lines where one does not hold it and the pane is tall,
 * or the table - its header, a row per cache, the selected cache's detail - still shows whole under them), or why
 * the lists show "?" when nothing else says.
 */
function liveNoteLines(live: SlabLive | undefined, caches: readonly CacheFigures[], selected: string | null, inner: number, rows: number): Line[] {
  if (!live) return [];
  if (live.notice) {
    const detail = selected === null ? 0 : detailLines(caches.find((c) => c.name === selected), selected, inner).length;
    return noticeHead(live.notice, inner, rows, 1 + Math.max(1, caches.length) + detail);
  }
  if (live.lists === 'none') return [[span(`${UNKNOWN} full/part/empty: no readable /sys/kernel/slab here (SLUB's lists are not in /proc/slabinfo)`, 'dim')]];
  return [];
}

/** Classic SLAB keeps per-CPU arrays (tunables limit > 0); SLUB a CPU slab and a CPU partial list. */
export const isClassicSlab = (c: CacheFigures): boolean => c.limit > 0 || c.cpus.some((x) => x.array_limit > 0);

/** The selected cache: a rule with its name, its geometry, then its nodes and CPUs. */
export function detailLines(c: SlabView | undefined, name: string, width: number): Line[] {
  const rule = (t: string): Line => [span('── ', 'border'), span(t, 'strong'), span(' ' + '─'.repeat(Math.max(0, width - t.length - 4)), 'border')];
  if (!c) return [rule(clean(name)), [span('no such cache now', 'dim')]];
  const out: Line[] = [rule(clean(c.name))];
  // Live: slabinfo tells no object size apart from the slot, nor the alignment; it tells the slab's geometry.
  const geometry: [string, string | number, Role?][] = c.live
    ? [['active', `${c.active_objs}/${c.num_objs}`, 'strong'], ['slot', `${c.objsize}B`], ['per slab', `${c.objperslab} objects in ${c.pagesperslab} page${c.pagesperslab === 1 ? '' : 's'}`], ['slabs', c.num_slabs]]
    : [['in use', `${c.inuse_objs}/${c.num_objs}`, 'strong'], ['object', `${c.object_size}B`], ['slot', `${c.objsize}B`], ['align', c.align], ['slabs', c.num_slabs]];
  out.push(pairs(geometry, width));
  if (c.live) {
    const change = (label: string, d: number): Span[] => [span(label, 'label'), span(deltaText(d) || '0', deltaRole(d))];
    out.push([...change('since the last sample: active ', c.live.deltaActive), span('  '), ...change('total ', c.live.deltaTotal)]);
  }
  for (const n of c.nodes) {
    out.push([span(`node ${n.node}`.padEnd(7), 'label'), ...pairs([['partial', n.partial], ['full', n.full], ['free', n.free], ['slabs', n.slabs], ['objs', `${n.inuse}/${n.objects}`]], width - 7)]);
  }
  const classic = isClassicSlab(c);
  const items = c.cpus.map((x): Span[] => {
    const head = span(`cpu${x.cpu} `, 'label');
    if (classic) return [head, span('array ', 'label'), span(`${x.array_avail}/${x.array_limit}`, 'value')];
    const slab = x.slab === null ? [span('no slab', 'dim')] : [span('slab ', 'label'), span(`${x.slab_inuse}/${c.objperslab}`, 'value')];
    return [head, ...slab, span('  partial ', 'label'), span(x.partial_slabs, 'value')];
  });
  out.push(...flow(items, width));
  if (classic && c.shared_avail) out.push(pairs([['shared array', c.shared_avail]], width));
  return out;
}

export type SlabContent = {readonly lines: Line[]; readonly info: string};

export function slabContent(
  caches: readonly SlabView[],
  sort: SlabSortKey,
  filter: string,
  scroll: number,
  selected: string | null,
  highlighted: string | null,
  inner: number,
  allRows: number,
  live?: SlabLive,
): SlabContent {
  // Live: a notice (slabinfo unreadable, lists unknown) takes the first rows; no caches at all, and it is all there
  // is (with the sort, no count: there is nothing counted).
  if (live?.notice && caches.length === 0) return {lines: noticeAlone(live.notice, inner, allRows), info: `sort ${sort}${filter ? `  /${clean(filter)}` : ''}`};
  const notes = liveNoteLines(live, caches, selected, inner, allRows);
  const rows = Math.max(0, allRows - notes.length);
  const ordered = orderCaches(caches, sort, filter);
  const detail = selected === null ? [] : detailLines(caches.find((c) => c.name === selected), selected, inner);
  const below = Math.min(Math.floor(rows / 2), detail.length);
  const page = Math.max(0, rows - below - 1);
  const first = Math.max(0, Math.min(scroll, ordered.length - page));
  const shown = ordered.slice(first, first + page);
  const cols = placeColumns(columns(highlighted, live), ordered, inner, sort, 1);
  const arrow = sort === 'name' ? '▲' : '▼';
  const lines: Line[] = [...notes, headerLine(cols, sort, arrow)];
  if (ordered.length === 0) lines.push([span(filter ? `no cache matches "${clean(filter)}"` : 'no caches', 'dim')]);
  for (const c of shown) {
    const sel = c.name === highlighted;
    const line = rowLine(cols, c, sel ? 'selected' : undefined);
    lines.push(sel ? [...line, span(' '.repeat(Math.max(0, inner - lineWidth(line))), 'selected')] : line);
  }
  if (below > 0) {
    while (lines.length < allRows - below) lines.push([]);
    lines.push(...(detail.length > below ? [...detail.slice(0, below - 1), [span('…more', 'more')]] : detail));
  }
  const range = ordered.length > shown.length ? `${first + 1}-${first + shown.length}/${ordered.length}` : `${ordered.length}`;
  const info = `sort ${sort}${filter ? `  /${clean(filter)}` : ''}  ${range}`;
  return {lines, info};
}
