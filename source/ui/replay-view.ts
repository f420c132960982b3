// The view side of a replay: recorded keys go through the dashboard's own key handler (key-handler.ts) into the
// view's store and the driven controller; the recorded terminal size is what PgUp/PgDn measure against (the
// replay may draw at another size); and the view's state is what a replay keeps at its checkpoints.
import type {Controller} from '../session/controller.js';
import type {PlaybackView} from '../session/playback.js';
import {keyInput, pressKey} from './key-handler.js';
import {initialUiState, type UiState} from './ui-state.js';
import {UiStore} from './ui-store.js';

type Size = {readonly columns: number; readonly rows: number};
type Saved = {ui: unknown; size: {cols: number; rows: number}};

/** A view state from a recording's header: the fields it has that fit, the rest as a fresh dashboard's. */
export function uiFromJson(v: unknown): UiState {
  const init = initialUiState();
  if (typeof v !== 'object' || v === null) return init;
  const out: Record<string, unknown> = {...init};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const want = (init as Record<string, unknown>)[k];
    if (k in init && (typeof x === typeof want || (want === null && (x === null || typeof x === 'string')) || (typeof want === 'string' && x === null && k === 'selected'))) out[k] = x;
  }
  return out as UiState;
}

export function replayView(controller: Controller, ui: UiStore = new UiStore()): PlaybackView & {readonly ui: UiStore; readonly size: () => Size} {
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
