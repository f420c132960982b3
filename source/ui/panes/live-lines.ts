// What the panes share in live mode (issue 9): a change since the previous sample as "▲1014" / "▼1014" in the
// rise or fall role (the glyph carries the direction without colour), a pane's one-line notice (a file it could
// not read and what to run), kB figures as MiB and GiB, and a sparkline of a level over the kept samples.
import type {LiveHeader, LiveView} from '../../session/view-model.js';
import type {Role} from '../theme.js';
import {sparkline} from './bar.js';
import {clean, type Line, type Span, span} from './spans.js';

export const RISE = '▲';
export const FALL = '▼';
/** Where a figure is not known (SLUB's lists without /sys/kernel/slab). */
export const UNKNOWN = '?';
/** Where a figure cannot be told from what the kernel exports (SLUB's empty slabs sit on its partial list). */
export const NOT_TOLD = '-';

export const deltaRole = (d: number): Role => (d > 0 ? 'rise' : d < 0 ? 'fall' : 'dim');

/** "▲12", "▼3", or '' for no change; `fmt` prints the size of the change (kib, bytes...). */
export function deltaText(d: number, fmt: (n: number) => string = String): string {
  if (d === 0 || !Number.isFinite(d)) return '';
  return (d > 0 ? RISE : FALL) + fmt(Math.abs(d));
}

/** The change as a span ('' and no role when nothing changed). */
export function deltaSpan(d: number, fmt?: (n: number) => string): Span {
  const text = deltaText(d, fmt);
  return text ? span(text, deltaRole(d)) : span('');
}

/** A figure and its change: "12034 ▼1014" (the change left out when there was none). */
export function withDelta(value: string, d: number, role: Role = 'value', fmt?: (n: number) => string): Span[] {
  const dt = deltaText(d, fmt);
  return dt ? [span(value, role), span(' '), span(dt, deltaRole(d))] : [span(value, role)];
}

/** A pane's notice as its first line. */
export const noticeLine = (text: string): Line => [span(`! ${clean(text)}`, 'warn')];

/**
 * A pane's lines with its notice on top; a pane with no data of its own shows the notice alone (what it would
 * otherwise show - "no zones", an empty table - says less than the notice does).
 */
export function withNotice(notice: string | undefined, lines: readonly Line[], empty: boolean): Line[] {
  if (!notice) return [...lines];
  return empty ? [noticeLine(notice)] : [noticeLine(notice), ...lines];
}

/** kB (as /proc/meminfo counts) in binary units: "32.00 TiB", "7.67 GiB", "120.6 MiB", "512 KiB". */
export function kib(kb: number): string {
  const n = Math.abs(kb);
  if (n >= 2 ** 30) return `${(kb / 2 ** 30).toFixed(2)} TiB`;
  if (n >= 1 << 20) return `${(kb / (1 << 20)).toFixed(2)} GiB`;
  if (n >= 1 << 10) return `${(kb / (1 << 10)).toFixed(1)} MiB`;
  return `${kb} KiB`;
}

/** A level's history as sparkline spans `width` cells wide (scaled between its lowest and highest). */
export function levelSpark(history: readonly number[], width: number): Span[] {
  const {text} = sparkline(history, width, 'min');
  return [span(text, 'spark')];
}

/** The sampling interval as a person reads it: "1s", "500ms", "2.5s". */
export function intervalLabel(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}

/** A sample's wall-clock time, HH:MM:SS on this machine's clock (what `date` says next to it). */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** The status line's resting text in live mode: the kept samples, and the lines of each file not understood. */
export function liveStatusText(header: LiveHeader, live: LiveView): string {
  const kept = `${header.kept} sample${header.kept === 1 ? '' : 's'} kept: b and n walk them, space freezes the view`;
  const skipped = Object.entries(live.skipped).filter(([, n]) => n > 0);
  if (skipped.length === 0) return ` ${kept}`;
  // What the parsers could not read comes first: a narrow line keeps it.
  return ` lines skipped as unknown: ${skipped.map(([file, n]) => `${file} ${n}`).join(', ')}  ·  ${kept}`;
}
