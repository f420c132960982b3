// What every pane is given: its data from the view model (session/view-model.ts), the box it may draw in, and the
// part of the UI state that is its own. Panes draw; they compute nothing the view model could (STYLE.md).
import type {CacheFigures} from '../../kernel/slab/figures.js';
import type {EventView, TlbPaneView, VmallocView, ZoneView} from '../../session/view-model.js';
import type {CpuView, WorkloadView} from '../../workloads/report.js';

/** The box a pane draws in, border included, and whether it has the keyboard focus. */
export type PaneBox = {readonly width: number; readonly height: number; readonly focused: boolean};

export type FreeAreaPaneProps = PaneBox & {
  readonly zones: readonly ZoneView[];
  /** Show each order's free blocks by migrate type instead of one bar (the `t` toggle). */
  readonly byType: boolean;
  /** First zone shown (scrolling when the zones do not all fit). */
  readonly scroll: number;
};

export const SLAB_SORT_KEYS = ['name', 'objsize', 'active', 'total', 'full', 'partial', 'empty', 'pages'] as const;
export type SlabSortKey = (typeof SLAB_SORT_KEYS)[number];

export type SlabPaneProps = PaneBox & {
  readonly caches: readonly CacheFigures[];
  readonly sort: SlabSortKey;
  /** Only caches whose name contains this (the `/` filter); '' for all. */
  readonly filter: string;
  /** First row shown, and the selected cache's name (its per-node and per-CPU detail is shown), or null. */
  readonly scroll: number;
  readonly selected: string | null;
  /** The row the cursor is on (drawn highlighted; defaults to `selected`): a cache can be highlighted with its
   *  detail closed. */
  readonly highlighted?: string | null;
};

export type VmallocPaneProps = PaneBox & {readonly vmalloc: VmallocView};

export type TlbPaneProps = PaneBox & {readonly tlb: TlbPaneView};

export type CpuPaneProps = PaneBox & {
  readonly cpus: readonly CpuView[];
  readonly workloads: readonly WorkloadView[];
  readonly scroll: number;
};

export type EventsPaneProps = PaneBox & {
  readonly events: readonly EventView[];
  /** Lines scrolled back from the newest (0: the newest line is the last one shown). */
  readonly scroll: number;
};
