// The dashboard's own state (focus, scrolling, the slab table's sort/filter/selection, overlays, the command line)
// and how each key action changes it: a pure reducer over an immutable state (immer), so every key is testable
// without React. What changes the machine goes to the controller instead (App does that).
import {produce} from 'immer';
import {CONTEXTS, type ContextName} from '../kernel/context.js';
import {EMULATOR_SORT_CYCLE, type SlabSortKey} from './panes/types.js';

export const PANES = ['free', 'slabs', 'vmalloc', 'tlb', 'cpus', 'events'] as const;
export type PaneId = (typeof PANES)[number];

export type InputMode = 'keys' | 'command' | 'filter' | 'marker';

export type UiState = {
  readonly focus: PaneId;
  readonly scroll: Readonly<Record<PaneId, number>>;
  readonly sort: SlabSortKey;
  readonly filter: string;
  /** The selected cache (by name) and whether its detail is open. */
  readonly selected: string | null;
  readonly detail: boolean;
  readonly byType: boolean;
  readonly help: boolean;
  /** What typed characters go to: keys, the command line, the slab filter, or a recording marker's label. */
  readonly mode: InputMode;
  readonly draft: string;
  /** Command lines run, oldest first, and where Up/Down is in them (history.length: the draft). */
  readonly history: readonly string[];
  readonly historyAt: number;
  /** Where the command line's kcalls run. */
  readonly cpu: number;
  readonly context: ContextName;
  /** A one-line message for the status line until the next key (e.g. why m did nothing). */
  readonly notice: string | null;
};

export function initialUiState(): UiState {
  return {
    focus: 'free',
    scroll: {free: 0, slabs: 0, vmalloc: 0, tlb: 0, cpus: 0, events: 0},
    sort: 'active',
    filter: '',
    selected: null,
    detail: false,
    byType: false,
    help: false,
    mode: 'keys',
    draft: '',
    history: [],
    historyAt: 0,
    cpu: 0,
    context: 'process',
    notice: null,
  };
}

/** What the reducer needs to know about the screen: the slab rows in table order, the page sizes, the CPUs. */
export type UiContext = {readonly slabRows: readonly string[]; readonly page: Readonly<Record<PaneId, number>>; readonly nrCpus: number};

export const focusNext = (s: UiState, dir: 1 | -1): UiState =>
  produce(s, (d) => {
    d.focus = PANES[(PANES.indexOf(s.focus) + dir + PANES.length) % PANES.length];
  });

/** Up/Down/PgUp/PgDn: the slab table moves its selection (and scrolls to keep it shown); other panes scroll. */
export function move(s: UiState, by: number, ctx: UiContext): UiState {
  return produce(s, (d) => {
    if (s.focus === 'slabs' && ctx.slabRows.length) {
      const at = s.selected === null ? -1 : ctx.slabRows.indexOf(s.selected);
      const next = Math.max(0, Math.min(ctx.slabRows.length - 1, (at < 0 ? (by > 0 ? -1 : ctx.slabRows.length) : at) + by));
      d.selected = ctx.slabRows[next];
      const page = Math.max(1, ctx.page.slabs);
      if (next < s.scroll.slabs) d.scroll.slabs = next;
      else if (next >= s.scroll.slabs + page) d.scroll.slabs = next - page + 1;
      return;
    }
    // Events scroll back from the newest: Up goes back in time.
    const delta = s.focus === 'events' ? -by : by;
    d.scroll[s.focus] = Math.max(0, s.scroll[s.focus] + delta);
  });
}

/** s: the next column of `cycle` (the emulator's, or live mode's: sortCycle()); from a column not in it, the first. */
export const nextSort = (s: UiState, cycle: readonly SlabSortKey[] = EMULATOR_SORT_CYCLE): UiState =>
  produce(s, (d) => {
    d.sort = cycle[(cycle.indexOf(s.sort) + 1) % cycle.length];
    d.scroll.slabs = 0;
  });

export const toggle = (s: UiState, what: 'byType' | 'help' | 'detail'): UiState =>
  produce(s, (d) => {
    d[what] = !s[what];
  });

export const nextCpu = (s: UiState, nrCpus: number): UiState =>
  produce(s, (d) => {
    d.cpu = (s.cpu + 1) % Math.max(1, nrCpus);
  });

export const nextContext = (s: UiState): UiState =>
  produce(s, (d) => {
    d.context = CONTEXTS[(CONTEXTS.indexOf(s.context) + 1) % CONTEXTS.length];
  });

/** Open the command line or the filter; typed characters go there until Enter or Esc. */
export const openInput = (s: UiState, mode: 'command' | 'filter' | 'marker'): UiState =>
  produce(s, (d) => {
    d.mode = mode;
    d.draft = mode === 'filter' ? s.filter : '';
    d.historyAt = s.history.length;
    if (mode === 'filter') d.focus = 'slabs';
  });

/** Key names that are not text (see keymap.ts keyName). */
const SPECIAL = new Set(['enter', 'escape', 'backspace', 'up', 'down', 'left', 'right', 'pageup', 'pagedown', 'tab', 'shift-tab']);

/**
 * A key while the command line or the filter is open: `name` from keyName(), `input` what was typed (several
 * characters at once when pasted or typed fast: all of them go in). Returns the new state and, on Enter, the line
 * to run.
 */
export function typeKey(s: UiState, name: string, input: string): {state: UiState; run?: string; mark?: string} {
  if (name === 'escape') {
    return {state: produce(s, (d) => {
      d.mode = 'keys';
      d.draft = '';
      if (s.mode === 'filter') d.filter = '';
    })};
  }
  if (name === 'enter') {
    if (s.mode === 'marker') {
      return {state: produce(s, (d) => {
        d.mode = 'keys';
        d.draft = '';
      }), mark: s.draft.trim()};
    }
    if (s.mode === 'filter') {
      return {state: produce(s, (d) => {
        d.mode = 'keys';
        d.filter = s.draft.trim();
        d.scroll.slabs = 0;
      })};
    }
    const line = s.draft.trim();
    return {
      state: produce(s, (d) => {
        d.mode = 'keys';
        d.draft = '';
        if (line && s.history.at(-1) !== line) d.history.push(line);
        d.historyAt = d.history.length;
      }),
      ...(line ? {run: line} : {}),
    };
  }
  return {state: produce(s, (d) => {
    if (name === 'backspace') d.draft = s.draft.slice(0, -1);
    else if (s.mode === 'command' && (name === 'up' || name === 'down')) {
      const at = Math.max(0, Math.min(s.history.length, s.historyAt + (name === 'up' ? -1 : 1)));
      d.historyAt = at;
      d.draft = at < s.history.length ? s.history[at] : '';
    } else if (!SPECIAL.has(name) && !name.startsWith('ctrl-')) d.draft = s.draft + input.replace(/[\x00-\x1f\x7f]/g, '');
    if (s.mode === 'filter') d.filter = d.draft;
  })};
}
