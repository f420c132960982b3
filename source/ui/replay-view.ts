// The view side of a replay: recorded keys go through the dashboard's own key handler (key-handler.ts) into the
// view's store and the driven controller; the recorded terminal size is what PgUp/PgDn measure against (the
// replay may draw at another size); and the view's state is what a replay keeps at its checkpoints.
import type {DashboardDriver} from '../session/controller.js';
import type {PlaybackView} from '../session/playback.js';
import {keyInput, pressKey} from './key-handler.js';
import {CONTEXTS} from '../kernel/context.js';
import {SLAB_SORT_KEYS} from './panes/types.js';
import {initialUiState, PANES, type UiState} from './ui-state.js';
import {UiStore} from './ui-store.js';

type Size = {readonly columns: number; readonly rows: number};
type Saved = {ui: unknown; size: {cols: number; rows: number}};

/** A view state from a recording's header: each field it has that is a valid value, the rest as a fresh dashboard's. */
export function uiFromJson(v: unknown): UiState {
  const init = initialUiState();
  if (typeof v !== 'object' || v === null) return init;
  const x = v as Record<string, unknown>;
  const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  const text = (t: unknown): t is string => typeof t === 'string';
  const oneOf = <T extends string>(list: readonly T[], t: unknown): t is T => list.includes(t as T);
  const scroll = typeof x.scroll === 'object' && x.scroll !== null ? (x.scroll as Record<string, unknown>) : {};
  return {
    focus: oneOf(PANES, x.focus) ? x.focus : init.focus,
    scroll: Object.fromEntries(PANES.map((p) => [p, count(scroll[p]) ? scroll[p] : 0])) as UiState['scroll'],
    sort: oneOf(SLAB_SORT_KEYS, x.sort) ? x.sort : init.sort,
    filter: text(x.filter) ? x.filter : init.filter,
    selected: text(x.selected) ? x.selected : null,
    detail: typeof x.detail === 'boolean' ? x.detail : init.detail,
    byType: typeof x.byType === 'boolean' ? x.byType : init.byType,
    help: typeof x.help === 'boolean' ? x.help : init.help,
    mode: oneOf(['keys', 'command', 'filter', 'marker'] as const, x.mode) ? x.mode : init.mode,
    draft: text(x.draft) ? x.draft : init.draft,
    history: Array.isArray(x.history) && x.history.every(text) ? x.history : init.history,
    historyAt: count(x.historyAt) ? x.historyAt : init.historyAt,
    cpu: count(x.cpu) ? x.cpu : init.cpu,
    context: oneOf(CONTEXTS, x.context) ? x.context : init.context,
    notice: text(x.notice) ? x.notice : null,
  };
}

export function replayView(controller: DashboardDriver, ui: UiStore = new UiStore()): PlaybackView & {readonly ui: UiStore; readonly size: () => Size} {
  let size: Size = {columns: 80, rows: 24};
  const target = {controller, ui, size: () => size, onQuit: () => {}};
  return {
    ui,
    size: () => size,
    feedKey: (name) => pressKey(target, name, keyInput(name)),
    resize: (cols, rows) => {
      size = {columns: cols, rows};
    },
    save: (): Saved => ({ui: ui.getSnapshot(), size: {cols: size.columns, rows: size.rows}}),
    restore: (saved) => {
      const s = saved as Saved;
      ui.set(uiFromJson(s.ui));
      size = {columns: s.size.cols, rows: s.size.rows};
    },
  };
}
