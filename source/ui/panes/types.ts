// What every pane is given: its data from the view model (session/view-model.ts), the box it may draw in, and the
// part of the UI state that is its own. Panes draw; they compute nothing the view model could (STYLE.md).
import type {EventView, LiveMemory, LiveView, SlabView, TlbPaneView, VmallocView, ZoneView} from '../../session/view-model.js';
import type {CpuView, WorkloadView} from '../../workloads/report.js';

/** The box a pane draws in, border included, and whether it has the keyboard focus. */
export type PaneBox = {readonly width: number; readonly height: number; readonly focused: boolean};

/** Live mode: the pane's one-line notice (a file it could not read and what to run), drawn above its content. */
export type Noticed = {readonly notice?: string | undefined};

export type FreeAreaPaneProps = PaneBox & Noticed & {
  readonly zones: readonly ZoneView[];
  /** Show each order's free blocks by migrate type instead of one bar (the `t` toggle). */
  readonly byType: boolean;
  /** First zone shown (scrolling when the zones do not all fit). */
  readonly scroll: number;
};

/**
 * Every column the slab table sorts by. The emulator's `s` cycles through its eight (as it always has); live mode's
 * through slabtop's (procps slabtop: a active, b objs per slab, c cache size, l slabs, n name, o objects,
 * p pages per slab, s object size, u use; v, active slabs, is left out: SLUB's slabinfo prints num_slabs for both)
 * with the lists and the change since the previous sample.
 */
export const SLAB_SORT_KEYS = ['name', 'objsize', 'active', 'total', 'full', 'partial', 'empty', 'pages', 'use', 'cache', 'slabs', 'objperslab', 'pagesperslab', 'delta'] as const;
export type SlabSortKey = (typeof SLAB_SORT_KEYS)[number];

export const EMULATOR_SORT_CYCLE: readonly SlabSortKey[] = ['name', 'objsize', 'active', 'total', 'full', 'partial', 'empty', 'pages'];
/**
 * The emulator's order first; cache size (slabtop's unit) takes the place of pages. No empty: live mode never
 * knows it (SLUB's sysfs does not tell empty slabs from partial ones; classic SLAB has no sysfs).
 */
export const LIVE_SORT_CYCLE: readonly SlabSortKey[] = ['name', 'objsize', 'active', 'total', 'full', 'partial', 'cache', 'use', 'slabs', 'objperslab', 'pagesperslab', 'delta'];

/** The `s` cycle for a view model: live mode's when it has live fields. */
export const sortCycle = (vm: {readonly live?: LiveView | undefined}): readonly SlabSortKey[] => (vm.live ? LIVE_SORT_CYCLE : EMULATOR_SORT_CYCLE);

/**
 * Live mode's slab table: how full/partial/empty were known (SLUB's /sys/kernel/slab: full and partial, not
 * empty; or not at all) and the pane's notice.
 */
export type SlabLive = {readonly lists: LiveView['slabLists']; readonly notice?: string | undefined};

/** The slab table's live part of a view model (undefined for the emulator's). */
export const slabLiveOf = (vm: {readonly live?: LiveView | undefined}): SlabLive | undefined => (vm.live ? {lists: vm.live.slabLists, notice: vm.live.notices.slabs} : undefined);

export type SlabPaneProps = PaneBox & {
  readonly caches: readonly SlabView[];
  readonly sort: SlabSortKey;
  /** Only caches whose name contains this (the `/` filter); '' for all. */
  readonly filter: string;
  /** First row shown, and the selected cache's name (its per-node and per-CPU detail is shown), or null. */
  readonly scroll: number;
  readonly selected: string | null;
  /** The row the cursor is on (drawn highlighted; defaults to `selected`): a cache can be highlighted with its
   *  detail closed. */
  readonly highlighted?: string | null;
  /** Live mode only. */
  readonly live?: SlabLive | undefined;
};

export type VmallocPaneProps = PaneBox & Noticed & {readonly vmalloc: VmallocView};

export type TlbPaneProps = PaneBox & Noticed & {readonly tlb: TlbPaneView};

export type CpuPaneProps = PaneBox & Noticed & {
  readonly cpus: readonly CpuView[];
  readonly workloads: readonly WorkloadView[];
  readonly scroll: number;
};

/** Live mode's memory pane, in the CPU pane's place: /proc/meminfo's rows. */
export type MemoryPaneProps = PaneBox & Noticed & {
  readonly memory: LiveMemory;
  readonly scroll: number;
};

export type EventsPaneProps = PaneBox & Noticed & {
  readonly events: readonly EventView[];
  /** Lines scrolled back from the newest (0: the newest line is the last one shown). */
  readonly scroll: number;
};
