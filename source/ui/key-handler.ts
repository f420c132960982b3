// What a key does, outside React: the dashboard's App calls it for each key it reads from the terminal, and a
// replay calls it for each recorded key, so both go through the same code and a replay ends where the
// recording did. Session changes go to the controller, view changes to the UI store.
import type {DashboardDriver} from '../session/controller.js';
import {type Action, actionOf} from './keymap.js';
import {layout} from './layout.js';
import {memoryRowsWanted} from './panes/memory-lines.js';
import {slabPageRows} from './panes/slab-lines.js';
import {tlbRowsWanted} from './panes/tlb-lines.js';
import {slabLiveOf, sortCycle} from './panes/types.js';
import {orderCaches} from './slab-order.js';
import {focusNext, move, nextContext, nextCpu, nextSort, openInput, type PaneId, toggle, typeKey, type UiContext} from './ui-state.js';
import type {UiStore} from './ui-store.js';

/** What a recorder wants to hear of the keys. */
export type KeyHooks = {
  /** A key that acts on the session or the view, before it acts (r, m and a marker's label are not among them). */
  readonly onKey?: (name: string) => void;
  /** r: start or stop recording. */
  readonly record?: () => void;
  /** m, then Enter: a marker with its label (empty for none). */
  readonly marker?: (label: string) => void;
  /** Whether m can put a marker anywhere now (a recording or a cast is being written). */
  readonly canMark?: () => boolean;
};

export type KeyTarget = {
  readonly controller: DashboardDriver;
  readonly ui: UiStore;
  /** The terminal the keys act in (page sizes for PgUp/PgDn depend on it). */
  readonly size: () => {readonly columns: number; readonly rows: number};
  readonly onQuit: () => void;
  readonly hooks?: KeyHooks;
};

/** Rows the CPU pane would like: borders, a title, its CPUs, a header and the workloads. */
export const cpuRowsWanted = (cpus: number, workloads: number) => 2 + cpus + (workloads ? 2 + workloads : 0);

/** The dashboard's layout for a terminal size and the controller's current view model. */
export function dashboardLayout(controller: DashboardDriver, columns: number, rows: number) {
  const vm = controller.viewModel();
  if (!vm.live) return layout(columns, rows, {cpus: cpuRowsWanted(vm.cpus.length, vm.workloads.length), tlb: 5 + vm.cpus.length});
  // Live: the memory pane in the CPU pane's place, and the TLB pane's per-CPU figures flowed across its width.
  const left = Math.floor((columns - 1) / 2);
  const right = columns - 1 - left;
  const n = vm.live.notices;
  const cpus = memoryRowsWanted(vm.live.memory ?? {rows: [], history: []}, right, n.cpus);
  return layout(columns, rows, {cpus, tlb: tlbRowsWanted(vm.tlb, left, n.tlb)});
}

/** The character a key name stands for (the inverse of keymap.ts keyName for what a recording stores). */
export function keyInput(name: string): string {
  if (name === 'space') return ' ';
  return [...name].length === 1 ? name : '';
}

/** One key, by its keymap name (keyName()) and the character typed (keyInput() of the name for a replay). */
export function pressKey(t: KeyTarget, name: string, input: string): void {
  const {controller, ui} = t;
  // A key without a name here (Home, F1...: Ink gives no input for them) does nothing, and is not recorded.
  if (name === '') return;
  if (name === 'ctrl-c') return t.onQuit();
  // The last notice has been read: every key clears it (before anything that may set a new one).
  if (ui.getSnapshot().notice !== null) ui.set({...ui.getSnapshot(), notice: null});
  const s = ui.getSnapshot();
  // A marker's label, and the r and m keys, belong to the recording, not to the session it records: they work
  // over a pausing note or the help too (a note is the natural place for a marker).
  if (s.mode === 'marker') {
    const r = typeKey(s, name, input);
    ui.set(r.state);
    if (r.mark !== undefined) t.hooks?.marker?.(r.mark);
    return;
  }
  if (s.mode === 'keys') {
    const a = actionOf(name);
    if (a === 'record') return t.hooks?.record ? t.hooks.record() : ui.set({...s, notice: 'r records only in the dashboard (kmemscope [scenario])'});
    if (a === 'marker') {
      const can = t.hooks?.marker !== undefined && (t.hooks.canMark?.() ?? true);
      return ui.set(can ? openInput(s, 'marker') : {...s, notice: 'not recording: r starts a recording, then m puts a marker in it'});
    }
  }
  t.hooks?.onKey?.(name);
  // A pausing note, or the help, takes the next key (q still quits).
  if (controller.getSnapshot().note) {
    if (name === 'q' && s.mode === 'keys') return t.onQuit();
    controller.dismissNote();
    // Space goes on with the run; any other key only closes the note.
    if (name === 'space') controller.play();
    return;
  }
  if (s.help) {
    if (name === 'q') return t.onQuit();
    return ui.set(toggle(s, 'help'));
  }
  if (s.mode !== 'keys') {
    const r = typeKey(s, name, input);
    ui.set(r.state);
    if (r.run !== undefined) controller.command(r.run, s.cpu, s.context);
    return;
  }
  // Live mode has no N, c or x (no ticks, no CPUs to run a kcall on).
  const a = actionOf(name, () => controller.viewModel().live !== undefined);
  if (a) act(t, a);
}

function act(t: KeyTarget, a: Action): void {
  const {controller, ui} = t;
  const s = ui.getSnapshot();
  const page = (p: PaneId) => {
    const {columns, rows} = t.size();
    const lay = dashboardLayout(controller, columns, rows);
    if (lay.tooSmall) return 1;
    const box = lay.panes[p];
    // The slab table's rows depend on whether the selected cache's detail takes the lower part.
    if (p === 'slabs') return Math.max(1, slabPageRows({caches: controller.viewModel().slabs, selected: s.detail ? s.selected : null, width: box.width, height: box.height, live: slabLiveOf(controller.viewModel())}));
    return Math.max(1, box.height - 4);
  };
  const ctx = (): UiContext => ({
    slabRows: orderCaches(controller.viewModel().slabs, s.sort, s.filter).map((c) => c.name),
    page: {free: page('free'), slabs: page('slabs'), vmalloc: page('vmalloc'), tlb: page('tlb'), cpus: page('cpus'), events: page('events')},
    nrCpus: controller.viewModel().cpus.length,
  });
  switch (a) {
    case 'quit':
      return t.onQuit();
    case 'toggle':
      return controller.toggle();
    case 'step':
      return controller.step(1);
    case 'step100':
      return controller.step(100);
    case 'back':
      return controller.stepBack(1);
    case 'faster':
      return controller.faster();
    case 'slower':
      return controller.slower();
    case 'focusNext':
      return ui.set(focusNext(s, 1));
    case 'focusPrev':
      return ui.set(focusNext(s, -1));
    case 'up':
      return ui.set(move(s, -1, ctx()));
    case 'down':
      return ui.set(move(s, 1, ctx()));
    case 'pageUp':
      return ui.set(move(s, -page(s.focus), ctx()));
    case 'pageDown':
      return ui.set(move(s, page(s.focus), ctx()));
    case 'sort':
      return ui.set(nextSort(s, sortCycle(controller.viewModel())));
    case 'filter':
      return ui.set(openInput(s, 'filter'));
    case 'select': {
      if (s.focus !== 'slabs') return;
      const first = ctx().slabRows[0] ?? null;
      return ui.set(toggle(s.selected === null ? {...s, selected: first} : s, 'detail'));
    }
    case 'types': {
      const next = toggle(s, 'byType');
      controller.showTypes?.(next.byType);
      return ui.set(next);
    }
    case 'cpu':
      return ui.set(nextCpu(s, ctx().nrCpus));
    case 'context':
      return ui.set(nextContext(s));
    case 'command':
      return ui.set(openInput(s, 'command'));
    case 'help':
      return ui.set(toggle(s, 'help'));
    case 'record':
    case 'marker':
      return; // handled above, before the key reaches the session
  }
}
