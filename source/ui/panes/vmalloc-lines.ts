// The vmalloc pane's lines: the window of the region as a strip (each cell the state most of its pages are in), the
// window's address and size, used against the region, the largest free chunk, and lazily freed pages against
// lazy_max_pages() (a purge flushes the TLB once they pass it).
// Live mode (/proc/vmallocinfo and /proc/meminfo): areas and bytes by kind, pages per node, VmallocUsed against
// VmallocTotal and the changes since the previous sample; the strip only where the addresses are real. %pK
// (lib/vsprintf.c restricted_pointer) hashes them with kptr_restrict 0 unless the kernel booted with
// no_hash_pointers, prints them to a reader with CAP_SYSLOG with 1 (zeros to others), zeros with 2.
import type {LiveVmalloc, VmallocView} from '../../session/view-model.js';
import type {Role} from '../theme.js';
import {gauge} from './bar.js';
import {kib, levelSpark, noticeAlone, underNotice, withDelta} from './live-lines.js';
import {bytes, type Line, lineWidth, pagesBytes, pairs, type Span, span} from './spans.js';

type Kind = 'used' | 'guard' | 'lazy' | 'free';
export const VM_GLYPH: Readonly<Record<Kind, string>> = {used: '█', guard: '|', lazy: '▒', free: '·'};
/** A cell mostly free but holding a little of something: small areas (a kernel stack) still show. */
export const VM_SOME = '▁';
const ROLE: Readonly<Record<Kind, Role>> = {used: 'vmUsed', guard: 'vmGuard', lazy: 'vmLazy', free: 'vmFree'};

/** Per cell, the pages of each state, from the segments (address order): O(segments + cells). */
export function stripCells(v: VmallocView, cells: number): {used: number; guard: number; lazy: number; free: number}[] {
  const out = Array.from({length: cells}, () => ({used: 0, guard: 0, lazy: 0, free: 0}));
  if (cells <= 0 || v.windowPages <= 0) return out;
  const per = v.windowPages / cells;
  for (const s of v.segments) {
    const end = Math.min(v.windowPages, s.start + s.pages);
    if (end <= s.start) continue;
    const c0 = Math.floor(s.start / per);
    const c1 = Math.min(cells - 1, Math.floor((end - 1) / per));
    for (let c = c0; c <= c1; c++) out[c][s.kind] += Math.max(0, Math.min(end, (c + 1) * per) - Math.max(s.start, c * per));
  }
  for (let c = 0; c < cells; c++) {
    const busy = out[c].used + out[c].guard + out[c].lazy;
    out[c].free = Math.max(0, per - busy);
  }
  return out;
}

export function strip(v: VmallocView, width: number): Span[] {
  return stripCells(v, width).map((c) => {
    const kinds: Kind[] = ['used', 'lazy', 'guard', 'free'];
    const top = kinds.reduce((a, k) => (c[k] > c[a] ? k : a), 'free' as Kind);
    if (top === 'free' && c.used + c.lazy + c.guard > 0) {
      const some: Kind = c.lazy > c.used ? 'lazy' : c.used > 0 ? 'used' : 'guard';
      return span(VM_SOME, ROLE[some]);
    }
    return span(VM_GLYPH[top], ROLE[top]);
  });
}

export function legend(): Span[] {
  const item = (k: Kind, name: string): Span[] => [span(VM_GLYPH[k], ROLE[k]), span(` ${name}  `, 'label')];
  return [...item('used', 'used'), ...item('guard', 'guard'), ...item('lazy', 'lazy'), ...item('free', 'free'), span(VM_SOME, 'vmUsed'), span(' a little', 'label')];
}

/** The window's start at the left, the legend between (when it fits), its size at the right. */
export function axis(v: VmallocView, width: number): Line {
  const right = `+${pagesBytes(v.windowPages)}`;
  const left = v.start;
  const lg = legend();
  const mid = width - left.length - right.length;
  const lgw = lineWidth(lg);
  if (mid >= lgw + 4) {
    const pad = mid - lgw;
    const a = Math.floor(pad / 2);
    return [span(left, 'label'), span(' '.repeat(a)), ...lg, span(' '.repeat(pad - a)), span(right, 'label')];
  }
  return [span(left, 'label'), span(' '.repeat(Math.max(1, mid))), span(right, 'label')];
}

export function usageLine(v: VmallocView, width: number): Line {
  return pairs(
    [
      ['used', `${pagesBytes(v.usedPages)}/${pagesBytes(v.regionPages)}`, 'strong'],
      ['largest free', pagesBytes(v.largestFreePages)],
      ['window', `${pagesBytes(v.windowPages)} of ${pagesBytes(v.regionPages)}`],
    ],
    width,
  );
}

export function countsLine(v: VmallocView, width: number): Line {
  return pairs(
    [
      ['areas', v.areas],
      ['guard pages', v.guardPages],
      ['purges', v.purges],
      ['used pages', v.usedPages],
    ],
    width,
  );
}

/** Lazily freed pages against lazy_max: the purge threshold. */
export function lazyLine(v: VmallocView, width: number): Line {
  const label = 'lazy ';
  const text = ` ${v.lazyPages}/${v.lazyMax} pages`;
  const w = Math.max(4, width - label.length - text.length);
  const role: Role = v.lazyPages > v.lazyMax ? 'bad' : 'vmLazy';
  return [span(label, 'label'), ...gauge(v.lazyPages, v.lazyMax, w, role), span(text, 'value')];
}

/** Spans while they fit `width`: whole items only, `sep` between them. */
function fitItems(items: readonly Span[][], width: number, sep = '  '): Span[] {
  const out: Span[] = [];
  let used = 0;
  for (const it of items) {
    const need = (out.length ? sep.length : 0) + lineWidth(it);
    if (used + need > width) break;
    if (out.length) out.push(span(sep));
    out.push(...it);
    used += need;
  }
  return out;
}

/** VmallocUsed/VmallocTotal from meminfo, the areas and their bytes with their changes. */
export function liveTotalsLine(l: LiveVmalloc, v: VmallocView, width: number): Line {
  const items: Span[][] = [];
  if (l.meminfo) items.push([span('used ', 'label'), span(`${kib(l.meminfo.usedKb)}/${kib(l.meminfo.totalKb)}`, 'strong')]);
  if (l.kinds.length) {
    const areaBytes = l.kinds.reduce((a, k) => a + k.bytes, 0);
    items.push([span('areas ', 'label'), ...withDelta(String(v.areas), l.deltaAreas)]);
    items.push([span('bytes ', 'label'), ...withDelta(bytes(areaBytes), l.deltaBytes, 'value', bytes)]);
  }
  return fitItems(items, width);
}

/** Areas and bytes by kind (vmalloc, ioremap, vmap, unpurged ...), biggest first, as many as fit. */
export function kindsLine(l: LiveVmalloc, width: number): Line {
  return fitItems(l.kinds.map((k) => [span(`${k.kind} `, 'label'), span(String(k.areas), 'value'), span(`·${bytes(k.bytes)}`, 'value')]), width);
}

/** Pages of vmalloc areas per node, and the areas' bytes over the kept samples at the right. */
export function nodesLine(l: LiveVmalloc, width: number): Line {
  const cells = Math.min(l.history.length, 24, Math.floor(width / 3));
  const tail: Span[] = cells >= 2 ? [span('bytes ', 'label'), ...levelSpark(l.history, cells)] : [];
  const nodes = fitItems(l.nodes.map((n) => [span(`N${n.node} `, 'label'), span(`${n.pages} pages`, 'value')]), width - lineWidth(tail) - 7);
  const head: Span[] = nodes.length ? [span('node ', 'label'), ...nodes] : [];
  const gap = Math.max(tail.length ? 2 : 0, width - lineWidth(head) - lineWidth(tail));
  return [...head, span(' '.repeat(gap)), ...tail];
}

/**
 * Why there is no strip, as long as fits: the view model cannot tell hashed addresses (kptr_restrict 0) from zeros
 * (2, or 1 without CAP_SYSLOG) - both make an area's end - start differ from its size - so "hidden" covers both.
 */
export const HIDDEN_ADDRESSES = [
  'addresses hidden: no strip (real ones need kptr_restrict=1 and root, or no_hash_pointers)',
  'addresses hidden: no strip (kptr_restrict=1 as root, or no_hash_pointers)',
  'addresses hidden: no strip (kptr_restrict=1 as root)',
  'addresses hidden: no strip',
] as const;

/** Live, under no notice: what /proc/vmallocinfo and /proc/meminfo tell, the strip first when the addresses are real. */
function liveLines(v: VmallocView, l: LiveVmalloc, inner: number, rows: number): Line[] {
  const lines: Line[] = [];
  if (!l.hashed && l.kinds.length) {
    lines.push(strip(v, inner));
    if (rows >= 5) lines.push(axis(v, inner));
  }
  lines.push(liveTotalsLine(l, v, inner));
  if (l.kinds.length) lines.push(kindsLine(l, inner), nodesLine(l, inner));
  if (l.hashed && l.kinds.length) lines.push([span(HIDDEN_ADDRESSES.find((t) => t.length <= inner) ?? HIDDEN_ADDRESSES[HIDDEN_ADDRESSES.length - 1], 'dim')]);
  // Cut here, most important first, rather than the frame's "…more" taking the place of the kinds.
  return lines.slice(0, Math.max(1, rows));
}

/** Live: the notice (alone when nothing was read), then what the files tell in the rows left. */
export function vmallocLiveContent(v: VmallocView, l: LiveVmalloc, inner: number, rows: number, notice?: string): Line[] {
  if (notice && l.kinds.length === 0 && l.meminfo === null) return noticeAlone(notice, inner, rows);
  return underNotice(notice, inner, rows, (left) => ({lines: liveLines(v, l, inner, left)})).lines;
}

/** The lines for `rows` rows: the strip first, then what matters most. */
export function vmallocContent(v: VmallocView, inner: number, rows: number, notice?: string): Line[] {
  if (v.live) return vmallocLiveContent(v, v.live, inner, rows, notice);
  const lines: Line[] = [strip(v, inner)];
  const ax = axis(v, inner);
  if (rows >= 4) lines.push(ax);
  lines.push(usageLine(v, inner));
  if (rows >= 5) lines.push(countsLine(v, inner));
  lines.push(lazyLine(v, inner));
  if (rows >= 6 && ax.length <= 3) lines.push(legend());
  return underNotice(notice, inner, rows, () => ({lines})).lines;
}
