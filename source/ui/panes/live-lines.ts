// What the panes share in live mode (issue 9): a change since the previous sample as "▲1014" / "▼1014" in the
// rise or fall role (the glyph carries the direction without colour), a pane's notice (what to run, or a file it
// could not read: one line, two where the pane has rows to spare), kB figures as MiB and GiB, and a sparkline of a
// level over the kept samples.
import type {LiveHeader, LiveView} from '../../session/view-model.js';
import type {Role} from '../theme.js';
import {sparkline} from './bar.js';
import {clean, type Line, type Span, span, wrapWords} from './spans.js';

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

/** Rows from which a pane gives a long notice its second line even where its content could use that row. */
export const NOTICE_TALL = 10;

/** A notice as lines of `width`: "! " and the text, wrapped at words onto at most `most` lines (the frame cuts the last). */
export function noticeLines(text: string, width: number, most = 1): Line[] {
  const t = clean(text);
  const parts = most > 1 ? wrapWords(t, Math.max(1, width - 2), most) : [t];
  return parts.map((p, i): Line => [span(`${i ? '  ' : '! '}${p}`, 'warn')]);
}

/** Lines a notice would like in a box `width` wide: one, or two where one does not hold it (0 for none). */
export const noticeWant = (notice: string | undefined, width: number): number => (!notice ? 0 : clean(notice).length + 2 <= width ? 1 : 2);

/**
 * A pane's notice: one line, or two where one does not hold it and the pane has rows to spare - its content,
 * `wanted` lines, still shows whole under two, or the pane is tall (at 80x24 the panes are short: one line there,
 * and the notices put what to run first).
 */
export function noticeHead(notice: string | undefined, width: number, rows: number, wanted: number): Line[] {
  if (!notice) return [];
  const two = noticeWant(notice, width) === 2 && rows >= 2 && (wanted <= rows - 2 || rows >= NOTICE_TALL);
  return noticeLines(notice, width, two ? 2 : 1);
}

/** A pane with no data of its own: the notice alone (what it would otherwise show says less), on up to two lines. */
export const noticeAlone = (notice: string, width: number, rows: number): Line[] => noticeHead(notice, width, rows, 0);

/**
 * A pane's content under its notice: `build(rows)` gives the content for that many rows, asked for the rows left
 * under a one-line notice, then under a two-line one if the notice takes two.
 */
export function underNotice<C extends {readonly lines: readonly Line[]}>(notice: string | undefined, width: number, rows: number, build: (rows: number) => C): C {
  if (!notice) return build(rows);
  const one = build(Math.max(0, rows - 1));
  const head = noticeHead(notice, width, rows, one.lines.length);
  const c = head.length > 1 ? build(rows - head.length) : one;
  return {...c, lines: [...head, ...c.lines]};
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
