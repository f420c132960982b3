// Samples of the host into the dashboard's view model (session/view-model.ts): the types the emulator fills, so
// the same panes draw both, plus the live fields - what changed since the previous sample, recent history for the
// sparklines, and per pane a notice where a file could not be read. Figures the host does not publish (a cache's
// per-CPU slabs, a flush's kind) stay 0 and the live fields say they are unknown.
import type {EventKind} from '../kernel/events.js';
import {EVENTS_KEPT, type EventView, fragmentationIndex, type LiveNotices, type SlabView, type TlbPaneView, type ViewModel, type VmallocView, type VmSegment, type ZoneView} from '../session/view-model.js';
import type {Sample, SampleCache, SampleZone} from './sample.js';

/** Samples the sparklines cover, up to the one shown. */
export const HISTORY = 60;

export type LiveContext = {
  /** "/proc", a --proc-root directory, or a recording's file. */
  readonly source: string;
  /** The sampling interval, ms. */
  readonly interval: number;
  /** What changed, sample by sample (sampleEvents()), oldest first. */
  readonly events: readonly EventView[];
};

const ZERO_TYPES = [0, 0, 0, 0];
const PAGE_KB = 4;

/** The view model of `samples[at]`, against the sample before it. */
export function liveViewModel(samples: readonly Sample[], at: number, ctx: LiveContext): ViewModel {
  const cur = samples[at];
  const prev = at > 0 ? samples[at - 1] : null;
  const hist = samples.slice(Math.max(0, at - HISTORY + 1), at + 1);
  const elapsed = prev ? (cur.time - prev.time) / 1000 : 0;
  const memKb = cur.meminfo?.MemTotal;
  const cpus = cur.tlb?.length ?? null;
  const machine = [
    cur.kernel ? `Linux ${cur.kernel}` : 'Linux',
    ...(cpus !== null ? [`${cpus} CPU${cpus === 1 ? '' : 's'}`] : []),
    ...(memKb !== undefined ? [`${(memKb / 1024 / 1024).toFixed(1)} GiB`] : []),
  ].join(', ');
  const vm: ViewModel = {
    header: {
      scenario: 'live',
      tick: cur.seq,
      seed: 0,
      machine,
      live: {source: ctx.source, sample: cur.seq, newest: samples[samples.length - 1].seq, kept: samples.length, time: cur.time, interval: ctx.interval, elapsed},
    },
    zones: zonesView(cur, prev, hist),
    slabs: slabsView(cur, prev),
    vmalloc: vmallocView(cur, prev, hist),
    tlb: tlbView(cur, prev, hist, elapsed),
    cpus: [],
    workloads: [],
    events: eventsUpTo(ctx.events, cur.seq),
    live: {
      notices: notices(cur),
      slabLists: cur.caches?.some((c) => c.lists !== null) ? 'sysfs' : 'none',
      memory: memoryView(cur, prev, hist),
      skipped: {...cur.skipped},
    },
  };
  return vm;
}

function zonesView(cur: Sample, prev: Sample | null, hist: readonly Sample[]): ZoneView[] {
  const find = (s: Sample | null, z: SampleZone) => s?.zones?.find((x) => x.node === z.node && x.zone === z.zone) ?? null;
  // As the emulator's view: zones the kernel manages no page of are left out.
  return (cur.zones ?? [])
    .filter((z) => z.managed === null || z.managed > 0)
    .map((z) => {
      const p = find(prev, z);
      return {
        node: z.node,
        zone: z.zone,
        managed: z.managed ?? 0,
        free: z.free,
        min: z.min ?? 0,
        low: z.low ?? 0,
        high: z.high ?? 0,
        blocks: z.blocks,
        byType: z.byType ?? z.blocks.map(() => ZERO_TYPES),
        fragIndex: fragmentationIndex(z.blocks),
        live: {
          deltaFree: p ? z.free - p.free : 0,
          deltaBlocks: z.blocks.map((b, o) => (p ? b - (p.blocks[o] ?? 0) : 0)),
          history: hist.map((s) => find(s, z)?.free ?? 0),
          known: {watermarks: z.min !== null && z.low !== null && z.high !== null, types: z.byType !== null},
        },
      };
    });
}

function slabsView(cur: Sample, prev: Sample | null): SlabView[] {
  const old = new Map((prev?.caches ?? []).map((c) => [c.name, c]));
  return (cur.caches ?? []).map((c) => cacheView(c, prev ? (old.get(c.name) ?? null) : c));
}

/** A cache as the emulator's figures; `prev` null: new since the previous sample (its figures are all change). */
function cacheView(c: SampleCache, prev: SampleCache | null): SlabView {
  const l = c.lists;
  return {
    name: c.name,
    active_objs: c.active_objs,
    num_objs: c.num_objs,
    objsize: c.objsize,
    objperslab: c.objperslab,
    pagesperslab: c.pagesperslab,
    limit: c.limit,
    batchcount: c.batchcount,
    sharedfactor: c.sharedfactor,
    active_slabs: c.active_slabs,
    num_slabs: c.num_slabs,
    shared_avail: c.shared_avail,
    // slabinfo's active_objs is what the host publishes; objects sitting free in CPU slabs count as active there.
    inuse_objs: c.active_objs,
    object_size: c.objsize,
    align: 0,
    full: l?.full ?? 0,
    partial: l?.partial ?? 0,
    // SLUB's sysfs does not tell empty slabs (kept on the partial list up to min_partial) from partial ones.
    empty: 0,
    places: {cpu: l?.cpu ?? 0, cpu_partial: 0, partial: l?.partial ?? 0, full: l?.full ?? 0, free: 0},
    nodes: [],
    cpus: [],
    live: {deltaActive: c.active_objs - (prev?.active_objs ?? 0), deltaTotal: c.num_objs - (prev?.num_objs ?? 0)},
  };
}

function vmallocView(cur: Sample, prev: Sample | null, hist: readonly Sample[]): VmallocView {
  const v = cur.vmalloc;
  const totalKb = cur.meminfo?.VmallocTotal;
  const usedKb = cur.meminfo?.VmallocUsed;
  // VmallocTotal is (VMALLOC_END - VMALLOC_START) >> 10, and x86_64's VMALLOC_END is the region's last byte.
  const regionPages = totalKb !== undefined ? Math.ceil(totalKb / PAGE_KB) : 0;
  // Bytes of busy areas: a lazily freed range is no memory any more, and a purge must not read as a drop.
  const bytesOf = (s: Sample) => (s.vmalloc?.areas ?? []).reduce((a, x) => (x.kind === 'unpurged' ? a : a + x.pages * 4096), 0);
  const busyOf = (s: Sample | null) => (s?.vmalloc?.areas ?? []).filter((a) => a.kind !== 'unpurged').length;
  let used = 0;
  let guard = 0;
  let lazy = 0;
  let top = 0;
  const kinds = new Map<string, {kind: string; areas: number; bytes: number; pages: number}>();
  const nodes = new Map<number, number>();
  for (const a of v?.areas ?? []) {
    // vmallocinfo's size counts the guard page after each vm_struct area (not after vm_map_ram blocks or unpurged
    // ranges, which print their whole range).
    if (a.kind === 'unpurged') lazy += a.pages;
    else if (a.kind === 'vm_map_ram') used += a.pages;
    else {
      used += a.pages - 1;
      guard += 1;
    }
    const k = kinds.get(a.kind) ?? {kind: a.kind, areas: 0, bytes: 0, pages: 0};
    k.areas++;
    k.bytes += a.pages * 4096;
    for (const [n, p] of Object.entries(a.nodes)) {
      k.pages += p;
      const node = Number(n.slice(1));
      nodes.set(node, (nodes.get(node) ?? 0) + p);
    }
    kinds.set(a.kind, k);
  }
  // The strip shows the low end of the region, where vmalloc packs its areas. Areas past a gap of half the region
  // (the percpu chunks pcpu_get_vm_areas() puts at its top) or past its end (module and BPF text, x86_64's
  // execmem) would stretch the window over terabytes of nothing: they are counted, not drawn.
  const lastAt = regionPages > 0 ? regionPages : Infinity;
  for (const a of v && !v.hashed ? v.areas : []) {
    const start = a.start ?? 0;
    if (start >= lastAt || (top > 0 && start - top > lastAt / 2)) break;
    top = Math.max(top, start + a.pages);
  }
  const region = regionPages || top;
  let windowPages = 4096;
  while (windowPages < top * 1.25 && windowPages < region) windowPages *= 2;
  windowPages = Math.min(windowPages, Math.max(region, 4096));
  const segments: VmSegment[] = [];
  let largest = 0;
  let end = 0;
  if (v && !v.hashed) {
    for (const a of v.areas) {
      const start = a.start ?? 0;
      if (start >= region) break;
      largest = Math.max(largest, start - end);
      end = Math.max(end, start + a.pages);
      if (start >= windowPages) continue;
      if (a.kind === 'unpurged') segments.push({start, pages: a.pages, kind: 'lazy'});
      else if (a.kind === 'vm_map_ram') segments.push({start, pages: a.pages, kind: 'used'});
      else {
        segments.push({start, pages: a.pages - 1, kind: 'used'});
        segments.push({start: start + a.pages - 1, pages: 1, kind: 'guard'});
      }
    }
    largest = Math.max(largest, Math.max(0, region - end));
  }
  const busy = used + guard + lazy;
  return {
    // Where the region starts is known only from an area's real address.
    start: v?.base ?? (v?.hashed ? '(hashed)' : '?'),
    regionPages: region,
    windowPages,
    usedPages: used,
    guardPages: guard,
    lazyPages: lazy,
    lazyMax: 0,
    freePages: Math.max(0, region - busy),
    largestFreePages: v && !v.hashed ? largest : 0,
    areas: busyOf(cur),
    purges: 0,
    segments,
    live: {
      hashed: v?.hashed ?? true,
      kinds: [...kinds.values()].sort((a, b) => b.bytes - a.bytes || a.kind.localeCompare(b.kind)),
      nodes: [...nodes.entries()].sort((a, b) => a[0] - b[0]).map(([node, pages]) => ({node, pages})),
      meminfo: totalKb !== undefined && usedKb !== undefined ? {totalKb, usedKb} : null,
      deltaAreas: prev ? busyOf(cur) - busyOf(prev) : 0,
      deltaBytes: prev ? bytesOf(cur) - bytesOf(prev) : 0,
      history: hist.map(bytesOf),
    },
  };
}

/** The TLB column of each CPU, by CPU number (a CPU offline has no column; columns are not CPU numbers then). */
function tlbByCpu(s: Sample): Map<number, number> {
  const out = new Map<number, number>();
  s.tlb?.forEach((n, i) => out.set(s.tlbCpus?.[i] ?? i, n));
  return out;
}

/** The kernel's irq_tlb_count is an unsigned int: a count below the one before has wrapped at 2^32. */
const counted = (now: number, before: number): number => (now >= before ? now - before : now + 2 ** 32 - before);

/** Shootdowns received by each CPU between two samples (0 for a CPU not in both, or without the TLB line). */
function shootdownsByCpu(a: Sample | null, b: Sample): Map<number, number> {
  const out = new Map<number, number>();
  if (!a?.tlb || !b.tlb) return out;
  const before = tlbByCpu(a);
  for (const [cpu, n] of tlbByCpu(b)) {
    const p = before.get(cpu);
    if (p !== undefined) out.set(cpu, counted(n, p));
  }
  return out;
}

function shootdowns(a: Sample | null, b: Sample): number {
  let sum = 0;
  for (const n of shootdownsByCpu(a, b).values()) sum += n;
  return sum;
}

function tlbView(cur: Sample, prev: Sample | null, hist: readonly Sample[], elapsed: number): TlbPaneView {
  const received = [...tlbByCpu(cur)];
  const delta = shootdownsByCpu(prev, cur);
  const total = shootdowns(prev, cur);
  const counters = cur.tlbCounters
    ? Object.entries(cur.tlbCounters).map(([name, value]) => ({name, value, delta: prev?.tlbCounters ? value - (prev.tlbCounters[name] ?? 0) : 0}))
    : null;
  return {
    cpus: received.map(([cpu, n]) => ({cpu, full: 0, single: 0, pagesFlushed: 0, ipisSent: 0, ipisReceived: n})),
    remoteFlushes: cur.tlbCounters?.nr_tlb_remote_flush ?? 0,
    series: hist.map((s, i) => (i === 0 ? 0 : shootdowns(hist[i - 1], s))),
    live: {deltaReceived: received.map(([cpu]) => delta.get(cpu) ?? 0), rate: elapsed > 0 ? total / elapsed : 0, counters},
  };
}

/** The meminfo lines that say where kernel memory went, in this order, where the kernel prints them. */
export const MEMORY_ROWS = ['MemTotal', 'MemFree', 'MemAvailable', 'Cached', 'AnonPages', 'Slab', 'SReclaimable', 'SUnreclaim', 'KernelStack', 'PageTables', 'VmallocUsed', 'Percpu'] as const;

function memoryView(cur: Sample, prev: Sample | null, hist: readonly Sample[]) {
  const m = cur.meminfo;
  if (!m) return null;
  const rows = MEMORY_ROWS.filter((k) => m[k] !== undefined).map((name) => ({name, kb: m[name], delta: prev?.meminfo?.[name] !== undefined ? m[name] - prev.meminfo[name] : 0}));
  return {rows, history: hist.map((s) => s.meminfo?.MemFree ?? 0)};
}

/** Each pane's notice: the first file it draws from that could not be read. */
function notices(s: Sample): LiveNotices {
  const p = s.problems;
  const out: LiveNotices = {};
  const free = p.buddyinfo ?? p.zoneinfo ?? (p.pagetypeinfo ? `${p.pagetypeinfo} (migrate types, t, unknown)` : undefined);
  if (free) out.free = free;
  const slabs = p.slabinfo ?? p.sysfs;
  if (slabs) out.slabs = slabs;
  const vmalloc = p.vmallocinfo ?? p.meminfo;
  if (vmalloc) out.vmalloc = vmalloc;
  if (p.interrupts) out.tlb = p.interrupts;
  if (p.meminfo) out.cpus = p.meminfo;
  return out;
}

function eventsUpTo(events: readonly EventView[], seq: number): EventView[] {
  let end = events.length;
  while (end > 0 && events[end - 1].tick > seq) end--;
  return events.slice(Math.max(0, end - EVENTS_KEPT), end);
}

// ---- what changed: the event log of live mode ------------------------------------------------------------

/** A cache's objects must move by this many, and by this share, to be worth a line. */
const CACHE_EVENT_MIN = 256;
const CACHE_EVENT_SHARE = 0.1;
const CACHE_EVENTS_MOST = 3;
/** Shootdowns in one interval worth a line. */
const TLB_EVENT_MIN = 1000;

type Level = 'min' | 'low' | 'high' | 'ok';
const levelOf = (z: SampleZone): Level | null =>
  z.min === null || z.low === null || z.high === null ? null : z.free < z.min ? 'min' : z.free < z.low ? 'low' : z.free < z.high ? 'high' : 'ok';

/** The lines of what changed from `prev` to `cur` (the first sample: what is being read, and what cannot be). */
export function sampleEvents(prev: Sample | null, cur: Sample, source: string, firstSeq: number): EventView[] {
  const out: EventView[] = [];
  const push = (kind: EventKind, text: string, detail: readonly string[] = []) => out.push({seq: firstSeq + out.length, tick: cur.seq, cpu: 0, kind, text, detail});
  if (!prev) {
    push('info', `live: sampling ${source}${cur.kernel ? ` (Linux ${cur.kernel})` : ''}`);
    for (const [file, why] of Object.entries(cur.problems)) push('warning', `live: ${why}`, [file]);
    return out;
  }
  for (const [file, why] of Object.entries(cur.problems)) if (prev.problems[file as keyof Sample['problems']] !== why) push('warning', `live: ${why}`);
  for (const file of Object.keys(prev.problems)) if (!(file in cur.problems)) push('info', `live: ${file} readable again`);
  for (const z of cur.zones ?? []) {
    const p = prev.zones?.find((x) => x.node === z.node && x.zone === z.zone);
    if (!p) continue;
    const a = levelOf(p);
    const b = levelOf(z);
    if (a === null || b === null || a === b) continue;
    const where = `Node ${z.node} ${z.zone}: free ${z.free} pages`;
    if (b === 'min') push('alloc_fail', `${where} below min ${z.min}: only atomic and reserve allocations get through`);
    else if (b === 'low') push('kswapd', `${where} below low ${z.low}: kswapd wakes`);
    else if (b === 'high') push('info', `${where} ${a === 'ok' ? 'fell below' : 'back above low, below'} high ${z.high}`);
    else push('info', `${where} back above high ${z.high}: kswapd may sleep`);
  }
  if (cur.caches && prev.caches) {
    const old = new Map(prev.caches.map((c) => [c.name, c]));
    const moved = cur.caches
      .map((c) => ({c, d: c.active_objs - (old.get(c.name)?.active_objs ?? 0)}))
      .filter(({c, d}) => Math.abs(d) >= CACHE_EVENT_MIN && Math.abs(d) >= CACHE_EVENT_SHARE * Math.max(1, c.active_objs - d))
      .sort((x, y) => Math.abs(y.d) - Math.abs(x.d) || x.c.name.localeCompare(y.c.name))
      .slice(0, CACHE_EVENTS_MOST);
    for (const {c, d} of moved) push('info', `slab ${c.name}: ${d > 0 ? '+' : ''}${d} objects (${c.active_objs - d} -> ${c.active_objs}, ${c.objsize} B each)`);
    for (const c of cur.caches) if (!old.has(c.name)) push('info', `slab ${c.name}: new cache (${c.objsize} B objects)`);
    const names = new Set(cur.caches.map((c) => c.name));
    for (const c of prev.caches) if (!names.has(c.name)) push('info', `slab ${c.name}: cache gone`);
  }
  if (cur.vmalloc && prev.vmalloc) {
    const count = (s: Sample) => (s.vmalloc?.areas ?? []).filter((a) => a.kind !== 'unpurged').length;
    const d = count(cur) - count(prev);
    if (d !== 0) push('info', `vmalloc: ${d > 0 ? '+' : ''}${d} area${Math.abs(d) === 1 ? '' : 's'} (${count(cur)} busy)`);
  }
  const sd = shootdowns(prev, cur);
  if (sd >= TLB_EVENT_MIN) push('purge', `TLB: ${sd} shootdowns in ${((cur.time - prev.time) / 1000).toFixed(1)} s`);
  return out;
}
