// A pane's content is lines of styled spans, measured in terminal cells, built by plain functions and drawn by
// PaneFrame. Measuring ourselves (every glyph used here is one cell wide) is what lets a pane fit its box exactly:
// Ink never has to wrap or clip anything.
import type {Role} from '../theme.js';

export type Span = {readonly text: string; readonly role?: Role};
export type Line = readonly Span[];

export const ELLIPSIS = '…';

export function span(text: string | number, role?: Role): Span {
  return role === undefined ? {text: String(text)} : {text: String(text), role};
}

/** Text from the machine, made safe to measure: tabs become spaces, other control characters go. */
export function clean(text: string): string {
  return text.replace(/\t/g, '  ').replace(/[\x00-\x1f\x7f]/g, '');
}

export function lineWidth(line: Line): number {
  let n = 0;
  for (const s of line) n += s.text.length;
  return n;
}

/** Cut a string to `width` cells, ending in an ellipsis when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return text.slice(0, width - 1) + ELLIPSIS;
}

export const padEnd = (text: string, width: number): string => truncate(text, width).padEnd(width);
export const padStart = (text: string, width: number): string => truncate(text, width).padStart(width);

/** Exactly `width` cells: cut with an ellipsis (in the role of the span that was cut) or padded with spaces. */
export function fitLine(line: Line, width: number): Span[] {
  const out: Span[] = [];
  let used = 0;
  // Trailing blanks may be cut without saying so.
  let total = lineWidth(line);
  for (let i = line.length - 1; i >= 0; i--) {
    const t = line[i].text;
    const kept = t.trimEnd().length;
    total -= t.length - kept;
    if (kept) break;
  }
  for (const s of line) {
    if (used >= width) break;
    const room = width - used;
    if (s.text.length >= room) {
      out.push({...s, text: total > width ? truncate(s.text + ' ', room) : s.text.slice(0, room)});
      used = width;
      break;
    }
    out.push(s);
    used += s.text.length;
  }
  if (used < width) out.push({text: ' '.repeat(width - used)});
  return merge(out);
}

/** Adjacent spans of one role become one (fewer Ink nodes per frame). */
export function merge(line: Line): Span[] {
  const out: Span[] = [];
  for (const s of line) {
    if (!s.text) continue;
    const last = out[out.length - 1];
    if (last && last.role === s.role) out[out.length - 1] = {...last, text: last.text + s.text};
    else out.push(s);
  }
  return out;
}

/**
 * A count in at most `width` cells: exact while it fits, then k/M/G with one decimal where there is room
 * (12345 in 4 cells is "12k", 1234 in 3 cells is "1k"; always rounded down, never more than there is).
 */
export function compact(n: number, width: number): string {
  const exact = String(n);
  if (exact.length <= width) return exact;
  for (const [unit, div] of [['k', 1e3], ['M', 1e6], ['G', 1e9], ['T', 1e12]] as const) {
    const v = n / div;
    const tenths = Math.floor(v * 10);
    if (v < 10 && tenths % 10 !== 0 && (tenths / 10).toFixed(1).length + 1 <= width) return (tenths / 10).toFixed(1) + unit;
    if (v >= 1 && String(Math.floor(v)).length + 1 <= width) return String(Math.floor(v)) + unit;
    if (v < 1 && tenths >= 1 && width >= 3) return `.${tenths}${unit}`;
  }
  return '+'.repeat(Math.max(0, width));
}

/** Bytes as the kernel's tools print sizes: 4K, 1.5M, 32T (binary units). */
export function bytes(n: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const s = v >= 100 || Number.isInteger(v) ? String(Math.floor(v)) : (Math.floor(v * 10) / 10).toFixed(1).replace(/\.0$/, '');
  return s + units[u];
}

/** Pages of 4 KiB as bytes. */
export const pagesBytes = (pages: number): string => bytes(pages * 4096);

/**
 * Label/value pairs ("free 123  min 4 ...") as spans; `sep` between pairs. Pairs that do not fit the width are
 * left out whole rather than cut in the middle of a number.
 */
export function pairs(items: readonly (readonly [string, string | number, Role?])[], width: number, sep = '  '): Span[] {
  const out: Span[] = [];
  let used = 0;
  for (const [label, value, role] of items) {
    const text = String(value);
    const need = (out.length ? sep.length : 0) + (label ? label.length + 1 : 0) + text.length;
    if (used + need > width) break;
    if (out.length) out.push(span(sep));
    if (label) out.push(span(label + ' ', 'label'));
    out.push(span(text, role ?? 'value'));
    used += need;
  }
  return out;
}

/** Items padded to one width and flowed into lines `width` wide, `gap` cells apart (as many a line as fit). */
export function flow(items: readonly Span[][], width: number, gap = 3): Line[] {
  const w = items.reduce((a, it) => Math.max(a, lineWidth(it)), 0);
  const per = Math.max(1, Math.floor((width + gap) / (w + gap)));
  const out: Line[] = [];
  for (let i = 0; i < items.length; i += per) {
    const line: Span[] = [];
    items.slice(i, i + per).forEach((it, k) => {
      if (k) line.push(span(' '.repeat(gap)));
      line.push(...it, span(' '.repeat(w - lineWidth(it))));
    });
    out.push(line);
  }
  return out;
}

/** Words into lines of at most `width` cells; a word longer than a line is cut. */
export function wrapWords(text: string, width: number, most: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const w of text.split(/ +/)) {
    if (cur && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = w;
    } else cur = cur ? `${cur} ${w}` : w;
  }
  if (cur) out.push(cur);
  if (out.length > most) {
    const kept = out.slice(0, most);
    kept[most - 1] = kept[most - 1] + ' ' + out[most]; // the frame cuts it with an ellipsis: something was left
    return kept;
  }
  return out;
}
