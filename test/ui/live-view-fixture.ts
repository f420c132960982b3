// Hand-built live view models for the pane tests: a small host (two zones of this VM's buddyinfo, a few slab caches,
// vmallocinfo hashed or not, two CPUs' TLB line, meminfo rows) at sample 12 of 15, with known changes since sample
// 11, so every delta, highlight and sparkline a test looks for is a figure written here. `liveView(patch)` takes
// any part to change; the builders below give the parts alone.
import type {CacheFigures} from '../../source/kernel/slab/figures.js';
import type {ControllerState, DashboardDriver} from '../../source/session/controller.js';
import type {LiveMemory, LiveView, SlabView, TlbPaneView, ViewModel, VmallocView, ZoneView} from '../../source/session/view-model.js';
import {fragmentationIndex} from '../../source/session/view-model.js';
import type {Line} from '../../source/ui/panes/spans.js';
import type {Role} from '../../source/ui/theme.js';

/** 2026-11-25 14:03:07 UTC: what the header's clock shows in this machine's time zone is computed by the tests. */
export const SAMPLE_TIME = Date.UTC(2026, 10, 25, 14, 3, 7);

export function liveZone(o: {zone: string; free: number; blocks: number[]; deltaFree: number; deltaBlocks: number[]; history: number[]; min?: number; low?: number; high?: number; managed?: number}): ZoneView {
  return {
    node: 0,
    zone: o.zone,
    managed: o.managed ?? 6000000,
    free: o.free,
    min: o.min ?? 11000,
    low: o.low ?? 13700,
    high: o.high ?? 16400,
    blocks: o.blocks,
    byType: o.blocks.map(() => [0, 0, 0, 0]),
    fragIndex: fragmentationIndex(o.blocks),
    live: {deltaFree: o.deltaFree, deltaBlocks: o.deltaBlocks, history: o.history, known: {watermarks: true, types: true}},
  };
}

/**
 * A zone as live-view.ts gives it where zoneinfo (watermarks: false) or pagetypeinfo (types: false) was not read:
 * 0s in the view model where the figures would be (zoneinfo also gives managed).
 */
export function unreadZone(z: ZoneView, known: {watermarks: boolean; types: boolean}): ZoneView {
  return {
    ...z,
    ...(known.watermarks ? {} : {min: 0, low: 0, high: 0, managed: 0}),
    byType: known.types ? z.byType : z.blocks.map(() => [0, 0, 0, 0]),
    live: {...z.live!, known},
  };
}

/** This VM's DMA32 and Normal zones (test/fixtures/proc/linux-6.18/buddyinfo) after a sample that took 1014 pages. */
export function liveZones(): ZoneView[] {
  const normal = [1979, 4248, 3440, 2099, 1195, 755, 450, 305, 186, 155, 292];
  const dma32 = [1, 1, 4, 2, 5, 4, 3, 3, 4, 2, 752];
  return [
    liveZone({zone: 'DMA32', free: 789000, blocks: dma32, deltaFree: 0, deltaBlocks: dma32.map(() => 0), history: [789000, 789000, 789000], min: 300, low: 375, high: 450, managed: 800000}),
    liveZone({
      zone: 'Normal',
      free: 12034,
      blocks: normal,
      deltaFree: -1014,
      // Order 0 gained 7 blocks, order 3 lost 2, the rest did not move.
      deltaBlocks: [7, 0, 0, -2, 0, 0, 0, 0, 0, 0, 0],
      history: [13500, 13300, 13048, 12800, 13048, 12034],
    }),
  ];
}

export function liveCache(name: string, active: number, total: number, objsize: number, objperslab: number, pagesperslab: number, delta: [number, number], lists = {full: 0, partial: 0}): SlabView {
  const slabs = Math.ceil(total / objperslab);
  const c: CacheFigures = {
    name,
    active_objs: active,
    num_objs: total,
    objsize,
    objperslab,
    pagesperslab,
    limit: 0,
    batchcount: 0,
    sharedfactor: 0,
    active_slabs: slabs,
    num_slabs: slabs,
    shared_avail: 0,
    inuse_objs: active,
    object_size: objsize,
    align: 0,
    full: lists.full,
    partial: lists.partial,
    empty: 0,
    places: {cpu: 0, cpu_partial: 0, partial: lists.partial, full: lists.full, free: 0},
    nodes: [],
    cpus: [],
  };
  return {...c, live: {deltaActive: delta[0], deltaTotal: delta[1]}};
}

/** Five caches: one grew, one shrank, two did not move, one is empty. */
export function liveSlabs(): SlabView[] {
  return [
    liveCache('dentry', 52000, 52500, 192, 21, 1, [120, 126], {full: 2400, partial: 30}),
    liveCache('kmalloc-64', 9000, 9600, 64, 64, 1, [-300, 0], {full: 130, partial: 20}),
    liveCache('task_struct', 310, 330, 10368, 3, 8, [0, 0], {full: 100, partial: 10}),
    liveCache('inode_cache', 7000, 7000, 624, 26, 4, [0, 0], {full: 269, partial: 0}),
    liveCache('btrfs_delayed_node', 0, 0, 312, 13, 1, [0, 0]),
  ];
}

const NO_STRIP: Pick<VmallocView, 'segments' | 'windowPages'> = {segments: [], windowPages: 4096};

/** vmallocinfo as an unprivileged reader sees it on this VM: hashed addresses, so counts and sizes only. */
export function hashedVmalloc(): VmallocView {
  return {
    start: '(hashed)',
    regionPages: 8589934592,
    ...NO_STRIP,
    usedPages: 30000,
    guardPages: 1034,
    lazyPages: 8,
    lazyMax: 0,
    freePages: 8589903000,
    largestFreePages: 0,
    areas: 1034,
    purges: 0,
    live: {
      hashed: true,
      kinds: [
        {kind: 'vmalloc', areas: 812, bytes: 120 << 20, pages: 30720},
        {kind: 'ioremap', areas: 40, bytes: 2 << 20, pages: 0},
        {kind: 'vmap', areas: 3, bytes: 12 << 10, pages: 0},
        {kind: 'unpurged', areas: 2, bytes: 8 << 10, pages: 0},
      ],
      nodes: [{node: 0, pages: 30720}],
      meminfo: {totalKb: 34359738367, usedKb: 123456},
      deltaAreas: 3,
      deltaBytes: 64 << 10,
      history: [100 << 20, 110 << 20, 120 << 20, 122 << 20],
    },
  };
}

/** The same with real addresses (root): two areas and a guard page each, one lazily freed, in a 16 MiB window. */
export function realVmalloc(): VmallocView {
  const v = hashedVmalloc();
  return {
    ...v,
    start: '0xffffc90000000000',
    windowPages: 4096,
    segments: [
      {start: 0, pages: 1023, kind: 'used'},
      {start: 1023, pages: 1, kind: 'guard'},
      {start: 2048, pages: 512, kind: 'lazy'},
    ],
    live: {...v.live!, hashed: false},
  };
}

/** Two CPUs' TLB shootdowns (this VM's /proc/interrupts), 12 more on cpu0 since the previous sample. */
export function liveTlb(counters: {name: string; value: number; delta: number}[] | null = null): TlbPaneView {
  return {
    cpus: [
      {cpu: 0, full: 0, single: 0, pagesFlushed: 0, ipisSent: 0, ipisReceived: 1712380},
      {cpu: 1, full: 0, single: 0, pagesFlushed: 0, ipisSent: 0, ipisReceived: 1546685},
    ],
    remoteFlushes: 0,
    series: [0, 3, 5, 0, 12],
    live: {deltaReceived: [12, 0], rate: 12, counters},
  };
}

export function liveMemory(): LiveMemory {
  return {
    rows: [
      {name: 'MemTotal', kb: 24684084, delta: 0},
      {name: 'MemFree', kb: 24374536, delta: -12288},
      {name: 'MemAvailable', kb: 24352556, delta: -10240},
      {name: 'Cached', kb: 88044, delta: 2048},
      {name: 'Slab', kb: 61000, delta: 40},
      {name: 'KernelStack', kb: 3600, delta: 0},
      {name: 'VmallocUsed', kb: 123456, delta: 64},
    ],
    history: [24390000, 24388000, 24386824, 24374536],
  };
}

export type LivePatch = Partial<Omit<ViewModel, 'live'>> & {live?: Partial<LiveView>};

/** A live view model of the small host above; `patch` replaces what it names (live's fields one by one). */
export function liveView(patch: LivePatch = {}): ViewModel {
  const {live, ...rest} = patch;
  return {
    header: {
      scenario: 'live',
      tick: 12,
      seed: 0,
      machine: 'Linux 6.18.0, 2 CPUs, 23.5 GiB',
      live: {source: '/proc', sample: 12, newest: 15, kept: 15, time: SAMPLE_TIME, interval: 1000, elapsed: 1},
    },
    zones: liveZones(),
    slabs: liveSlabs(),
    vmalloc: hashedVmalloc(),
    tlb: liveTlb(),
    cpus: [],
    workloads: [],
    events: [
      {seq: 0, tick: 11, cpu: 0, kind: 'info', text: 'Normal: free pages fell by 1014', detail: []},
      {seq: 1, tick: 12, cpu: 0, kind: 'warning', text: 'dentry grew by 120 objects', detail: []},
    ],
    ...rest,
    live: {notices: {}, slabLists: 'sysfs', memory: liveMemory(), skipped: {}, ...live},
  };
}

/** A line's text, and the role of the span holding `part` (undefined: no span holds it whole). */
export const lineText = (line: Line): string => line.map((s) => s.text).join('');
export const roleOf = (line: Line, part: string): Role | undefined => line.find((s) => s.text.includes(part))?.role;

/** A still DashboardDriver showing `vm` (sampling or frozen); what the keys ask of it is recorded. */
export function liveDriver(vm: ViewModel, running = true, interval = 1000) {
  const calls: string[] = [];
  const state: ControllerState = {version: 0, tick: vm.header.tick, running, speed: interval, note: null, command: null, oldestTick: 1};
  const driver: DashboardDriver = {
    subscribe: () => () => {},
    getSnapshot: () => state,
    viewModel: () => vm,
    toggle: () => void calls.push('toggle'),
    play: () => void calls.push('play'),
    step: (n = 1) => void calls.push(`step ${n}`),
    stepBack: (n = 1) => void calls.push(`back ${n}`),
    faster: () => void calls.push('faster'),
    slower: () => void calls.push('slower'),
    dismissNote: () => {},
    command: (text) => {
      calls.push(`command ${text}`);
      return {text, ok: false, output: 'live'};
    },
  };
  return {driver, calls};
}
