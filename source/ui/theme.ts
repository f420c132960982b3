// The dashboard's looks as data: each role a piece of a pane can play (a label, a watermark, a migrate type, an
// event kind...) maps to a text style. Panes name roles, never colours, so a theme is one table.
// - default: for a dark terminal on a laptop.
// - high-contrast: for a projector: the terminal's own foreground for text, bold colours, nothing dim or grey (dim
//   text vanishes in a lit room), black on a colour for what must be seen from the back.
// - NO_COLOR (https://no-color.org): no colour at all. The panes already carry their meaning in characters
//   (bar glyphs, U/M/R/H, m/l/h marks, words for states); this mode keeps bold, underline and inverse for the
//   few things that must stand out (focus, the selected row, BUG splats).
import type {EventKind} from '../kernel/events.js';

export type Style = {
  readonly color?: string;
  readonly backgroundColor?: string;
  readonly bold?: boolean;
  readonly dimColor?: boolean;
  readonly inverse?: boolean;
  readonly underline?: boolean;
};

export const ROLES = [
  'text', 'dim', 'label', 'value', 'strong',
  'border', 'borderFocused', 'title', 'titleFocused', 'info', 'more',
  'header', 'sortKey', 'selected',
  'ok', 'warn', 'bad', 'critical',
  'bar', 'barEmpty', 'markMin', 'markLow', 'markHigh', 'spark',
  'mtU', 'mtM', 'mtR', 'mtH',
  'vmUsed', 'vmGuard', 'vmLazy', 'vmFree',
  'ctxIdle', 'ctxProcess', 'ctxSoftirq', 'ctxHardirq',
  'tick',
  'rise', 'fall',
  'ev_alloc_fail', 'ev_bug', 'ev_warning', 'ev_kswapd', 'ev_reclaim', 'ev_purge', 'ev_pcp', 'ev_note', 'ev_workload', 'ev_kmemleak', 'ev_info',
] as const;
export type Role = (typeof ROLES)[number];

// Every event kind has a role: adding a kind without one fails to compile here.
export const EVENT_ROLE: Record<EventKind, Role> = {
  alloc_fail: 'ev_alloc_fail',
  bug: 'ev_bug',
  warning: 'ev_warning',
  kswapd: 'ev_kswapd',
  reclaim: 'ev_reclaim',
  purge: 'ev_purge',
  pcp: 'ev_pcp',
  note: 'ev_note',
  workload: 'ev_workload',
  kmemleak: 'ev_kmemleak',
  info: 'ev_info',
};

export const THEME_NAMES = ['default', 'high-contrast'] as const;
export type ThemeName = (typeof THEME_NAMES)[number];

export type Theme = {
  readonly name: ThemeName;
  /** False under NO_COLOR: no colour escape is ever written. */
  readonly color: boolean;
  readonly styles: Readonly<Record<Role, Style>>;
};

const DEFAULT_STYLES: Record<Role, Style> = {
  text: {},
  dim: {color: 'gray'},
  label: {color: 'gray'},
  value: {},
  strong: {bold: true},
  border: {color: 'gray'},
  borderFocused: {color: 'cyan', bold: true},
  title: {bold: true},
  titleFocused: {bold: true, color: 'black', backgroundColor: 'cyan'},
  info: {color: 'gray'},
  more: {color: 'gray'},
  header: {bold: true, color: 'cyan'},
  sortKey: {bold: true, underline: true, color: 'yellow'},
  selected: {inverse: true},
  ok: {color: 'green'},
  warn: {color: 'yellow'},
  bad: {color: 'red'},
  critical: {color: 'red', bold: true},
  bar: {color: 'cyan'},
  barEmpty: {color: 'gray'},
  markMin: {color: 'red', bold: true},
  markLow: {color: 'yellow', bold: true},
  markHigh: {color: 'green', bold: true},
  spark: {color: 'cyan'},
  mtU: {color: 'red'},
  mtM: {color: 'green'},
  mtR: {color: 'blue'},
  mtH: {color: 'magenta'},
  vmUsed: {color: 'cyan'},
  vmGuard: {color: 'red'},
  vmLazy: {color: 'yellow'},
  vmFree: {color: 'gray'},
  ctxIdle: {color: 'gray'},
  ctxProcess: {color: 'green'},
  ctxSoftirq: {color: 'yellow'},
  ctxHardirq: {color: 'red', bold: true},
  tick: {color: 'gray'},
  rise: {color: 'green', bold: true},
  fall: {color: 'magenta', bold: true},
  ev_alloc_fail: {color: 'red', bold: true},
  ev_bug: {color: 'white', backgroundColor: 'red', bold: true},
  ev_warning: {color: 'yellow', bold: true},
  ev_kswapd: {color: 'cyan'},
  ev_reclaim: {color: 'magenta'},
  ev_purge: {color: 'yellow'},
  ev_pcp: {color: 'gray'},
  ev_note: {color: 'green'},
  ev_workload: {},
  ev_kmemleak: {color: 'magenta'},
  ev_info: {},
};

// For a projector: nothing grey or dim (it vanishes in a lit room), text in the terminal's own foreground (the one
// colour sure to contrast with its background, dark or light), every colour bold, and the things that must be seen
// from the back (focus, BUG, below min) as black on a colour, which reads on any background.
const HIGH_CONTRAST_STYLES: Record<Role, Style> = {
  ...DEFAULT_STYLES,
  text: {},
  dim: {},
  label: {},
  value: {bold: true},
  strong: {bold: true},
  border: {},
  borderFocused: {color: 'yellow', bold: true},
  title: {bold: true},
  titleFocused: {bold: true, color: 'black', backgroundColor: 'yellow'},
  info: {},
  more: {bold: true},
  header: {bold: true, underline: true},
  sortKey: {bold: true, color: 'black', backgroundColor: 'yellow'},
  selected: {inverse: true, bold: true},
  ok: {color: 'green', bold: true},
  warn: {color: 'yellow', bold: true},
  bad: {color: 'red', bold: true},
  critical: {color: 'black', backgroundColor: 'red', bold: true},
  bar: {color: 'cyan', bold: true},
  barEmpty: {},
  markMin: {color: 'red', bold: true},
  markLow: {color: 'yellow', bold: true},
  markHigh: {color: 'green', bold: true},
  spark: {color: 'cyan', bold: true},
  mtU: {color: 'red', bold: true},
  mtM: {color: 'green', bold: true},
  mtR: {color: 'cyan', bold: true},
  mtH: {color: 'magenta', bold: true},
  vmUsed: {color: 'cyan', bold: true},
  vmGuard: {color: 'red', bold: true},
  vmLazy: {color: 'yellow', bold: true},
  vmFree: {},
  ctxIdle: {},
  ctxProcess: {color: 'green', bold: true},
  ctxSoftirq: {color: 'yellow', bold: true},
  ctxHardirq: {color: 'red', bold: true},
  tick: {},
  rise: {color: 'green', bold: true},
  fall: {color: 'magenta', bold: true},
  ev_alloc_fail: {color: 'red', bold: true},
  ev_bug: {color: 'black', backgroundColor: 'red', bold: true},
  ev_warning: {color: 'black', backgroundColor: 'yellow', bold: true},
  ev_kswapd: {color: 'cyan', bold: true},
  ev_reclaim: {color: 'magenta', bold: true},
  ev_purge: {color: 'yellow', bold: true},
  ev_pcp: {},
  ev_note: {color: 'green', bold: true},
  ev_workload: {},
  ev_kmemleak: {color: 'magenta', bold: true},
  ev_info: {},
};

// Without colour, only what must stand out gets an attribute; everything else reads from its characters.
const NO_COLOR_EMPHASIS: Partial<Record<Role, Style>> = {
  strong: {bold: true},
  title: {bold: true},
  titleFocused: {bold: true, inverse: true},
  borderFocused: {bold: true},
  header: {bold: true},
  sortKey: {bold: true, underline: true},
  selected: {inverse: true},
  critical: {bold: true},
  bad: {bold: true},
  ev_alloc_fail: {bold: true},
  ev_bug: {bold: true, inverse: true},
  ev_warning: {bold: true},
  ev_note: {bold: true},
  ctxHardirq: {bold: true},
  // A change since the previous sample: its text carries ▲/▼ where there is room; a count that only changed
  // (a buddyinfo cell) still differs: more is bold, fewer underlined.
  rise: {bold: true},
  fall: {underline: true},
};

export const DEFAULT_THEME: Theme = {name: 'default', color: true, styles: DEFAULT_STYLES};
export const HIGH_CONTRAST_THEME: Theme = {name: 'high-contrast', color: true, styles: HIGH_CONTRAST_STYLES};

/** The same theme with every colour taken out (NO_COLOR). */
export function withoutColor(t: Theme): Theme {
  const styles = Object.fromEntries(ROLES.map((r) => [r, NO_COLOR_EMPHASIS[r] ?? {}])) as Record<Role, Style>;
  return {name: t.name, color: false, styles};
}

/** NO_COLOR is honoured when set to anything but the empty string (no-color.org). */
export function noColorRequested(env: Readonly<Record<string, string | undefined>>): boolean {
  const v = env['NO_COLOR'];
  return v !== undefined && v !== '';
}

export function isThemeName(name: string): name is ThemeName {
  return (THEME_NAMES as readonly string[]).includes(name);
}

/** The theme for --theme NAME and the environment (NO_COLOR wins over any theme's colours). */
export function resolveTheme(name: ThemeName = 'default', env: Readonly<Record<string, string | undefined>> = {}): Theme {
  const t = name === 'high-contrast' ? HIGH_CONTRAST_THEME : DEFAULT_THEME;
  return noColorRequested(env) ? withoutColor(t) : t;
}
