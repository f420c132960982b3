// The dashboard's own state (ui-state.ts) as an external store, like the controller: React reads it with
// useSyncExternalStore, and code outside React (the key handler, a replay feeding recorded keys, a headless
// export) changes it without a render in between. A replay restores it when it steps back.
import {initialUiState, type UiState} from './ui-state.js';

export class UiStore {
  private state: UiState;
  private readonly listeners = new Set<() => void>();

  constructor(initial: UiState = initialUiState()) {
    this.state = initial;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): UiState => this.state;

  set(next: UiState): void {
    if (next === this.state) return;
    this.state = next;
    for (const l of this.listeners) l();
  }
}
