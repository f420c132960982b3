// Where each pane goes for a terminal size: a header line, the panes, a status/command line and a footer line.
// Free areas, vmalloc and TLB share the left column; slabs and CPUs the right; the event log runs across the
// bottom. Below MIN_COLS x MIN_ROWS the dashboard shows only a message saying how big the terminal must be.
import type {PaneId} from './ui-state.js';

export const MIN_COLS = 80;
export const MIN_ROWS = 24;

export type Rect = {readonly width: number; readonly height: number};
export type Layout =
  | {readonly tooSmall: true; readonly columns: number; readonly rows: number}
  | {
      readonly tooSmall: false;
      readonly columns: number;
      readonly rows: number;
      readonly left: number;
      readonly right: number;
      readonly panes: Readonly<Record<PaneId, Rect>>;
    };

/**
 * The fixed lines: header, status/command line, footer - and one row left empty at the bottom: a frame as tall as
 * the terminal makes Ink clear the whole screen on every frame (flicker); one row shorter, it rewrites only the
 * lines that changed.
 */
export const CHROME_ROWS = 4;

/** `want`: the rows the CPU pane and the TLB pane would like (their CPUs, workloads, borders and titles). */
export function layout(columns: number, rows: number, want: {readonly cpus: number; readonly tlb: number}): Layout {
  if (columns < MIN_COLS || rows < MIN_ROWS) return {tooSmall: true, columns, rows};
  // Keep one column free: a line exactly as wide as the terminal makes some terminals wrap.
  const width = columns - 1;
  const body = rows - CHROME_ROWS;
  const left = Math.floor(width / 2);
  const right = width - left;
  const events = Math.max(5, Math.floor(body * 0.22));
  const top = body - events;
  const vmalloc = top >= 24 ? 6 : 5;
  const tlb = Math.max(4, Math.min(want.tlb, Math.floor(top * 0.25)));
  const free = top - vmalloc - tlb;
  const cpus = Math.max(5, Math.min(want.cpus, Math.floor(top * 0.45)));
  const slabs = top - cpus;
  return {
    tooSmall: false,
    columns,
    rows,
    left,
    right,
    panes: {
      free: {width: left, height: free},
      vmalloc: {width: left, height: vmalloc},
      tlb: {width: left, height: tlb},
      slabs: {width: right, height: slabs},
      cpus: {width: right, height: cpus},
      events: {width, height: events},
    },
  };
}
