// Keys are data (STYLE.md): one table feeds the input handler, the footer and the ? help screen, so the three never
// disagree, and a key is rebound in one place. Key names are what keyName() makes of Ink's useInput arguments.
import type {Key} from 'ink';

export type Action =
  | 'toggle'
  | 'step'
  | 'step100'
  | 'back'
  | 'faster'
  | 'slower'
  | 'focusNext'
  | 'focusPrev'
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'sort'
  | 'filter'
  | 'select'
  | 'types'
  | 'cpu'
  | 'context'
  | 'command'
  | 'help'
  | 'record'
  | 'marker'
  | 'quit';

export type Binding<A extends string = Action> = {readonly action: A; readonly keys: readonly string[]; readonly help: string; readonly footer?: string};

/** The footer shows these first, so a narrow terminal never cuts them off. */
export const FOOTER_FIRST: readonly string[] = ['quit', 'help'];

export const KEYMAP: readonly Binding[] = [
  {action: 'toggle', keys: ['space'], help: 'pause / resume', footer: 'pause'},
  {action: 'step', keys: ['n', 'right'], help: 'step one tick', footer: 'step'},
  {action: 'step100', keys: ['N'], help: 'step 100 ticks', footer: '+100'},
  {action: 'back', keys: ['b', 'left'], help: 'step back one tick', footer: 'back'},
  {action: 'faster', keys: ['+', '='], help: 'faster (ticks per second, up to flat out)', footer: 'speed'},
  {action: 'slower', keys: ['-'], help: 'slower (down to 1 tick per second)'},
  {action: 'focusNext', keys: ['tab'], help: 'focus the next pane', footer: 'pane'},
  {action: 'focusPrev', keys: ['shift-tab'], help: 'focus the previous pane'},
  {action: 'up', keys: ['up', 'k'], help: 'scroll the focused pane up (slabs: select the cache above)'},
  {action: 'down', keys: ['down', 'j'], help: 'scroll the focused pane down (slabs: select the cache below)'},
  {action: 'pageUp', keys: ['pageup'], help: 'scroll a page up'},
  {action: 'pageDown', keys: ['pagedown'], help: 'scroll a page down'},
  {action: 'sort', keys: ['s'], help: 'slabs: next sort column', footer: 'sort'},
  {action: 'filter', keys: ['/'], help: 'slabs: filter caches by name (Enter keeps, Esc clears)', footer: 'filter'},
  {action: 'select', keys: ['enter'], help: 'slabs: show or hide the selected cache\'s per-node and per-CPU detail'},
  {action: 'types', keys: ['t'], help: 'free areas: split each order by migrate type', footer: 'types'},
  {action: 'cpu', keys: ['c'], help: 'command line: next CPU to run on'},
  {action: 'context', keys: ['x'], help: 'command line: next context (process, softirq, hardirq)'},
  {action: 'command', keys: [':'], help: 'command line: a kernel call such as kmalloc(5000, GFP_ATOMIC)', footer: 'kcall'},
  {action: 'record', keys: ['r'], help: 'start or stop recording the session (kmemscope replay FILE plays it back)', footer: 'rec'},
  {action: 'marker', keys: ['m'], help: 'recording: put a marker here, with an optional label (Enter)', footer: 'mark'},
  {action: 'help', keys: ['?'], help: 'this help', footer: 'help'},
  {action: 'quit', keys: ['q', 'ctrl-c'], help: 'quit', footer: 'quit'},
];

/** Live mode's keys: the dashboard's where they make sense on the host (no kcall, no CPU or context to run it on). */
export type LiveAction = Exclude<Action, 'step100' | 'cpu' | 'context'>;

export const LIVE_KEYMAP: readonly Binding<LiveAction>[] = [
  {action: 'toggle', keys: ['space'], help: 'freeze / unfreeze the view (sampling goes on; unfreezing shows the newest)', footer: 'freeze'},
  {action: 'back', keys: ['b', 'left'], help: 'back through the kept samples', footer: 'back'},
  {action: 'step', keys: ['n', 'right'], help: 'forward through the kept samples', footer: 'next'},
  {action: 'faster', keys: ['+', '='], help: 'sample more often (a shorter interval)', footer: 'interval'},
  {action: 'slower', keys: ['-'], help: 'sample less often (a longer interval)'},
  {action: 'focusNext', keys: ['tab'], help: 'focus the next pane', footer: 'pane'},
  {action: 'focusPrev', keys: ['shift-tab'], help: 'focus the previous pane'},
  {action: 'up', keys: ['up', 'k'], help: 'scroll the focused pane up (slabs: select the cache above)'},
  {action: 'down', keys: ['down', 'j'], help: 'scroll the focused pane down (slabs: select the cache below)'},
  {action: 'pageUp', keys: ['pageup'], help: 'scroll a page up'},
  {action: 'pageDown', keys: ['pagedown'], help: 'scroll a page down'},
  {action: 'sort', keys: ['s'], help: 'slabs: next sort column (slabtop\'s, then the change since the last sample)', footer: 'sort'},
  {action: 'filter', keys: ['/'], help: 'slabs: filter caches by name (Enter keeps, Esc clears)', footer: 'filter'},
  {action: 'select', keys: ['enter'], help: 'slabs: show or hide the selected cache\'s detail'},
  {action: 'types', keys: ['t'], help: 'free areas: split each order by migrate type (/proc/pagetypeinfo)', footer: 'types'},
  {action: 'command', keys: [':'], help: 'command line: kernel calls run on an emulated machine (kmemscope SCENARIO); here it says so'},
  {action: 'record', keys: ['r'], help: 'start or stop recording the samples (kmemscope replay FILE plays them back)', footer: 'rec'},
  {action: 'marker', keys: ['m'], help: 'recording: put a marker here, with an optional label (Enter)', footer: 'mark'},
  {action: 'help', keys: ['?'], help: 'this help', footer: 'help'},
  {action: 'quit', keys: ['q', 'ctrl-c'], help: 'quit', footer: 'quit'},
];

/** What the live view's marks mean, for the help screen under the keys. */
export const LIVE_LEGEND: readonly string[] = [
  '▲ ▼  more or less than at the previous sample (a changed buddyinfo count is highlighted)',
  '?    not known: SLUB\'s full and partial lists come from /sys/kernel/slab, which is not there or not readable',
  '-    not told by the kernel: SLUB keeps its empty slabs on the partial list',
  '!    a file this pane could not read, and what to run',
];

/** The viewer's keys while a recording plays back (the recorded keys drive the dashboard underneath). */
export type ReplayAction = 'toggle' | 'step' | 'back' | 'nextMarker' | 'prevMarker' | 'faster' | 'slower' | 'help' | 'quit';

export const REPLAY_KEYMAP: readonly Binding<ReplayAction>[] = [
  {action: 'toggle', keys: ['space'], help: 'pause / resume the replay', footer: 'pause'},
  {action: 'step', keys: ['n', 'right'], help: 'step: on to the recorded session\'s next tick', footer: 'step'},
  {action: 'back', keys: ['b', 'left'], help: 'step back to the previous tick', footer: 'back'},
  {action: 'nextMarker', keys: [']'], help: 'jump to the next marker', footer: 'marker'},
  {action: 'prevMarker', keys: ['['], help: 'jump to the previous marker'},
  {action: 'faster', keys: ['+', '='], help: 'replay faster (x2, up to x64)', footer: 'speed'},
  {action: 'slower', keys: ['-'], help: 'replay slower (down to x1/8)'},
  {action: 'help', keys: ['?'], help: 'this help', footer: 'help'},
  {action: 'quit', keys: ['q', 'ctrl-c'], help: 'quit', footer: 'quit'},
];

const REPLAY_BY_KEY = new Map<string, ReplayAction>(REPLAY_KEYMAP.flatMap((b) => b.keys.map((k) => [k, b.action] as const)));

export function replayActionOf(name: string): ReplayAction | undefined {
  return REPLAY_BY_KEY.get(name);
}

const BY_KEY = new Map<string, Action>(KEYMAP.flatMap((b) => b.keys.map((k) => [k, b.action] as const)));
const LIVE_BY_KEY = new Map<string, LiveAction>(LIVE_KEYMAP.flatMap((b) => b.keys.map((k) => [k, b.action] as const)));

/** A key's name for the table: 'space', 'left', 'shift-tab', 'ctrl-c', 'pageup', or the character typed. */
export function keyName(input: string, key: Key): string {
  if (key.ctrl && input) return `ctrl-${input.toLowerCase()}`;
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.return) return 'enter';
  if (key.escape) return 'escape';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.backspace || key.delete) return 'backspace';
  if (input === ' ') return 'space';
  return input;
}

/** A key's action: the dashboard's, or with `live` live mode's (where :, c, x and N do nothing). */
export function actionOf(name: string, live: boolean | (() => boolean) = false): Action | undefined {
  const a = BY_KEY.get(name);
  const l = LIVE_BY_KEY.get(name);
  // The mode is asked only for a key the two tables bind differently (a view model may cost something to build).
  if (a === l) return a;
  return (typeof live === 'function' ? live() : live) ? l : a;
}

/** How a key is shown: "space", "→", "PgUp"... */
export function keyLabel(k: string): string {
  const labels: Record<string, string> = {right: '→', left: '←', up: '↑', down: '↓', pageup: 'PgUp', pagedown: 'PgDn', enter: 'Enter', tab: 'Tab', 'shift-tab': 'S-Tab', 'ctrl-c': 'C-c'};
  return labels[k] ?? k;
}
