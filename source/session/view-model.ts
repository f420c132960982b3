// What the dashboard draws, as plain data built from a Session by plain functions (no React): the panes receive
// these and draw them. Every figure here costs what the machine's structure costs - zones, orders, caches, vmap
// areas, CPUs - never the emulated memory size, so a frame of a 64 GiB machine costs what one of 256 MiB does.
// The live mode (issue 9) fills the same types from the host's /proc.
import type {EventKind} from '../kernel/events.js';
import {formatBytes} from '../kernel/config.js';
import {MIGRATETYPE_NAMES, NR_MIGRATETYPES, NR_ORDERS} from '../kernel/page-alloc/types.js';
import {slabinfoView, tlbView} from '../kernel/procfs.js';
import type {CacheFigures} from '../kernel/slab/figures.js';
import {type CpuView, cpusView, type WorkloadView, workloadsView} from '../workloads/report.js';
import type {Session} from './session.js';

export type HeaderView = {
  scenario: string;
  tick: number;
  seed: number;
  /** e.g. "x86_64 256 MiB, 1 node, 2 CPUs, SLUB". */
  machine: string;
  /** Live mode: the sample shown instead of a tick and a seed. */
  live?: LiveHeader;
};

// ---- live mode (source/live/): the same types, filled from the host's /proc, with what changed between samples ----

export type LiveHeader = {
  /** Where the samples come from: "/proc", or the --proc-root directory, or a recording's. */
  source: string;
  /** The sample shown (1 = the first taken), how many are kept, and the newest one's number. */
  sample: number;
  newest: number;
  kept: number;
  /** When the shown sample was taken (ms since the epoch), and the sampling interval (ms). */
  time: number;
  interval: number;
  /** Seconds between the shown sample and the one before it (0 for the first): what rates divide by. */
  elapsed: number;
};

/** A pane's one-line notice in live mode: a file it could not read and what to run, or what this kernel lacks. */
export type LiveNotices = Partial<Record<'free' | 'slabs' | 'vmalloc' | 'tlb' | 'cpus' | 'events', string>>;

export type LiveZone = {
  /** Free pages and free blocks per order against the previous sample (0s for the first). */
  deltaFree: number;
  deltaBlocks: number[];
  /** Free pages over the kept samples up to the shown one, oldest first. */
  history: number[];
  /** Whether min/low/high (zoneinfo) and the split by migrate type (pagetypeinfo) were read: where not, the view
   *  model holds 0s the panes must not draw as figures. */
  known: {watermarks: boolean; types: boolean};
};

export type LiveCache = {
  /** active_objs and num_objs against the previous sample. */
  deltaActive: number;
  deltaTotal: number;
};

export type LiveVmalloc = {
  /** The kernel hides the addresses (%pK hashed, or zeros under kptr_restrict): no strip, counts and sizes only. */
  hashed: boolean;
  /** Areas by kind (vmalloc, ioremap, vmap, user, unpurged ... as vmallocinfo flags them), biggest first. */
  kinds: {kind: string; areas: number; bytes: number; pages: number}[];
  /** Pages of vmalloc areas per NUMA node (the N<node>= counts). */
  nodes: {node: number; pages: number}[];
  /** /proc/meminfo's VmallocTotal, VmallocUsed (kB), or null when unreadable. */
  meminfo: {totalKb: number; usedKb: number} | null;
  deltaAreas: number;
  deltaBytes: number;
  /** Bytes of all areas over the kept samples, oldest first. */
  history: number[];
};

export type LiveTlb = {
  /** Shootdown IPIs received per CPU since the previous sample, and their rate per second over all CPUs. */
  deltaReceived: number[];
  rate: number;
  /** /proc/vmstat's nr_tlb_* counters with their deltas, or null where the kernel lacks CONFIG_DEBUG_TLBFLUSH. */
  counters: {name: string; value: number; delta: number}[] | null;
};

/** /proc/meminfo lines the memory pane shows (in live mode it takes the CPU pane's place). */
export type LiveMemory = {
  rows: {name: string; kb: number; delta: number}[];
  /** MemFree over the kept samples, oldest first (kB). */
  history: number[];
};

export type LiveView = {
  notices: LiveNotices;
  /** How slab caches' full/partial/empty were known: sysfs (SLUB's /sys/kernel/slab), or not at all. */
  slabLists: 'sysfs' | 'none';
  memory: LiveMemory | null;
  /** Lines of each file skipped as unknown, by file name (only files with some). */
  skipped: Record<string, number>;
};

export type ZoneView = {
  node: number;
  zone: string;
  managed: number;
  /** Free pages and the watermarks, in pages. */
  free: number;
  min: number;
  low: number;
  high: number;
  /** Free blocks per order (a buddyinfo row). */
  blocks: number[];
  /** Free blocks per order and migrate type: byType[order][mt], mt in MIGRATETYPE_NAMES order. */
  byType: number[][];
  /**
   * The fragmentation index per order (mm/vmstat.c __fragmentation_index, as extfrag_index shows it in
   * thousandths): null where a free block of that order exists (the kernel's -1000); else 0..1000, towards 1000
   * when failure would be fragmentation (free memory scattered), towards 0 when it would be lack of memory.
   */
  fragIndex: (number | null)[];
  live?: LiveZone;
};

/** A stretch of the vmalloc region, in pages from its start. */
export type VmSegment = {start: number; pages: number; kind: 'used' | 'guard' | 'lazy'};

export type VmallocView = {
  /** VMALLOC_START as hex, and the region's size in pages. */
  start: string;
  regionPages: number;
  /** The part of the region the strip shows: from the start, a power of two covering every area (at least 16 MiB). */
  windowPages: number;
  usedPages: number;
  guardPages: number;
  lazyPages: number;
  lazyMax: number;
  freePages: number;
  largestFreePages: number;
  areas: number;
  purges: number;
  /** Busy and lazily freed areas inside the window, in address order. */
  segments: VmSegment[];
  live?: LiveVmalloc;
};

export type TlbPaneView = {
  cpus: {cpu: number; full: number; single: number; pagesFlushed: number; ipisSent: number; ipisReceived: number}[];
  remoteFlushes: number;
  /** CPU-level flush operations per tick, oldest first (the last 120 ticks); live: shootdowns per sample. */
  series: number[];
  live?: LiveTlb;
};

export type EventView = {seq: number; tick: number; cpu: number; kind: EventKind; text: string; detail: readonly string[]};

/** A slab cache's figures; in live mode with what changed since the previous sample. */
export type SlabView = CacheFigures & {live?: LiveCache};

export type ViewModel = {
  header: HeaderView;
  zones: ZoneView[];
  slabs: SlabView[];
  vmalloc: VmallocView;
  tlb: TlbPaneView;
  cpus: CpuView[];
  workloads: WorkloadView[];
  /** The newest events, oldest first. */
  events: EventView[];
  /** Live mode only. */
  live?: LiveView;
};

export const EVENTS_KEPT = 200;

export function buildViewModel(s: Session, events = EVENTS_KEPT): ViewModel {
  return {
    header: headerView(s),
    zones: zonesView(s),
    slabs: slabinfoView(s.machine),
    vmalloc: vmallocView(s),
    tlb: tlbPaneView(s),
    cpus: cpusView(s.sys),
    workloads: workloadsView(s.sys),
    events: eventsView(s, events),
  };
}

export function headerView(s: Session): HeaderView {
  const c = s.machine.config;
  const nodes = s.machine.nrNodes;
  const machine = `${c.profile} ${formatBytes(c.memory)}, ${nodes} node${nodes === 1 ? '' : 's'}, ${c.nrCpus} CPU${c.nrCpus === 1 ? '' : 's'}, ${c.slab === 'slab' ? 'SLAB' : 'SLUB'}`;
  return {scenario: s.scenario.name, tick: s.tick, seed: s.seed, machine};
}

export function zonesView(s: Session): ZoneView[] {
  const out: ZoneView[] = [];
  for (const z of s.machine.pa.zones) {
    if (z.managed === 0) continue;
    const blocks = Array.from(z.nrFree);
    const byType = blocks.map((_, o) => Array.from({length: NR_MIGRATETYPES}, (_, mt) => z.freeCountOf(o, mt)));
    out.push({node: z.nid, zone: z.name, managed: z.managed, free: z.freePages, min: z.wmarkMin, low: z.wmarkLow, high: z.wmarkHigh, blocks, byType, fragIndex: fragmentationIndex(blocks)});
  }
  return out;
}

/** mm/vmstat.c: fill_contig_page_info() + __fragmentation_index() for every order, in thousandths. */
export function fragmentationIndex(blocks: readonly number[]): (number | null)[] {
  let total = 0;
  let freePages = 0;
  for (let o = 0; o < blocks.length; o++) {
    total += blocks[o];
    freePages += blocks[o] << o;
  }
  return blocks.map((_, order) => {
    let suitable = 0;
    for (let o = order; o < blocks.length; o++) suitable += blocks[o] << (o - order);
    if (total === 0) return 0;
    if (suitable > 0) return null;
    const requested = 1 << order;
    return 1000 - Math.floor((1000 + Math.floor((freePages * 1000) / requested)) / total);
  });
}

export function vmallocView(s: Session): VmallocView {
  const vm = s.machine.vm;
  const space = vm.space;
  const unpurged = new Set(vm.unpurged);
  let used = 0;
  let guard = 0;
  let lazy = 0;
  let top = 0;
  const areas = [...space.busy.values()].sort((a, b) => a.start - b.start);
  for (const a of areas) {
    top = Math.max(top, a.start + a.pages);
    if (unpurged.has(a)) lazy += a.pages;
    else {
      used += a.pages - 1;
      guard += 1;
    }
  }
  let windowPages = 4096; // 16 MiB
  while (windowPages < top * 1.25 && windowPages < space.totalPages) windowPages *= 2;
  windowPages = Math.min(windowPages, space.totalPages);
  const segments: VmSegment[] = [];
  for (const a of areas) {
    if (a.start >= windowPages) break;
    if (unpurged.has(a)) segments.push({start: a.start, pages: a.pages, kind: 'lazy'});
    else {
      segments.push({start: a.start, pages: a.pages - 1, kind: 'used'});
      segments.push({start: a.start + a.pages - 1, pages: 1, kind: 'guard'});
    }
  }
  return {
    start: '0x' + vm.start.toString(16),
    regionPages: space.totalPages,
    windowPages,
    usedPages: used,
    guardPages: guard,
    lazyPages: lazy,
    lazyMax: vm.lazyMax,
    freePages: space.freePages(),
    largestFreePages: space.largestFree(),
    areas: areas.length - unpurged.size,
    purges: vm.stats.purges,
    segments,
  };
}

export function tlbPaneView(s: Session): TlbPaneView {
  const t = tlbView(s.machine);
  return {
    cpus: t.cpus.map((c) => ({cpu: c.cpu, full: c.full_flushes, single: c.single_flushes, pagesFlushed: c.pages_flushed, ipisSent: c.ipis_sent, ipisReceived: c.ipis_received})),
    remoteFlushes: t.vmstat.nr_tlb_remote_flush,
    series: t.series,
  };
}

export function eventsView(s: Session, n: number): EventView[] {
  const ev = s.machine.events;
  return ev.since(Math.max(0, ev.count - n)).map((e) => ({seq: e.seq, tick: e.tick, cpu: e.cpu, kind: e.kind, text: e.text, detail: e.detail}));
}

/** Migrate-type names in the order byType uses. */
export const MIGRATE_TYPES: readonly string[] = MIGRATETYPE_NAMES.slice(0, NR_MIGRATETYPES);
export const ORDERS = NR_ORDERS;
