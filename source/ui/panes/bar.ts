// Bars, gauges and sparklines as spans. Block glyphs carry the quantity, so they read without colour.
import type {Role} from '../theme.js';
import {type Span, span} from './spans.js';

/** Vertical eighths, empty to full (a column bar's cell, a sparkline's cell). */
export const VERTICAL = ' ▁▂▃▄▅▆▇█';
/** Horizontal eighths, empty to full. */
export const HORIZONTAL = ' ▏▎▍▌▋▊▉█';
export const FULL = '█';
export const EMPTY = '░';
export const SPARK_ZERO = '·';

/** log2(1 + v) against log2(1 + max): counts that span orders of magnitude still show the small ones. */
export function logFraction(v: number, max: number): number {
  if (v <= 0 || max <= 0) return 0;
  return Math.min(1, Math.log2(1 + v) / Math.log2(1 + max));
}

/** A horizontal bar `width` cells long filled to `fraction`, in eighths; anything above zero shows. */
export function hbar(fraction: number, width: number, role: Role, emptyRole: Role = 'barEmpty'): Span[] {
  if (width <= 0) return [];
  let eighths = Math.round(Math.max(0, Math.min(1, fraction)) * width * 8);
  if (fraction > 0 && eighths === 0) eighths = 1;
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  const out: Span[] = [span(FULL.repeat(full), role)];
  if (part) out.push(span(HORIZONTAL[part], role));
  const left = width - full - (part ? 1 : 0);
  if (left > 0) out.push(span(EMPTY.repeat(left), emptyRole));
  return out;
}

/** The cell of row `row` (0 = top) of a column bar `rows` high filled to `fraction` (at least one eighth if > 0). */
export function vbarCell(fraction: number, rows: number, row: number): string {
  let eighths = Math.round(Math.max(0, Math.min(1, fraction)) * rows * 8);
  if (fraction > 0 && eighths === 0) eighths = 1;
  const fromBottom = rows - 1 - row;
  return VERTICAL[Math.max(0, Math.min(8, eighths - fromBottom * 8))];
}

export type Mark = {readonly at: number; readonly glyph: string; readonly role: Role};

/**
 * A gauge `width` cells wide over 0..max: filled to `value` in `role`, with marks (a letter each, so the marks read
 * without colour) set at their positions. A value beyond max fills the gauge and ends it in "»".
 */
export function gauge(value: number, max: number, width: number, role: Role, marks: readonly Mark[] = []): Span[] {
  if (width <= 0) return [];
  const filled = max > 0 ? Math.min(width, Math.round((value / max) * width)) : 0;
  const cells: {ch: string; role: Role}[] = [];
  for (let i = 0; i < width; i++) cells.push(i < filled || (i === 0 && value > 0) ? {ch: FULL, role} : {ch: EMPTY, role: 'barEmpty'});
  for (const m of marks) {
    const at = max > 0 ? Math.max(0, Math.min(width - 1, Math.round((m.at / max) * width) - 1)) : 0;
    cells[at] = {ch: m.glyph, role: m.role};
  }
  if (value > max) cells[width - 1] = {ch: '»', role};
  return cells.map((c) => span(c.ch, c.role));
}

/**
 * The newest `width` values as a sparkline (one cell a value, the newest at the right). Counts per interval
 * (`base` 'zero') are scaled to the largest shown: a zero is a dot on the baseline, anything else at least ▁.
 * Levels (`base` 'min': free pages, MemFree) are scaled between the smallest and the largest shown, since their
 * changes are small against their size: the smallest is ▁, a level that never moved is all ▁.
 */
export function sparkline(series: readonly number[], width: number, base: 'zero' | 'min' = 'zero'): {text: string; max: number; min: number} {
  if (width <= 0) return {text: '', max: 0, min: 0};
  const shown = series.slice(Math.max(0, series.length - width));
  const max = shown.reduce((a, b) => Math.max(a, b), 0);
  const min = shown.reduce((a, b) => Math.min(a, b), shown.length ? Infinity : 0);
  let text = '';
  for (const v of shown) {
    if (base === 'min') text += max > min ? VERTICAL[1 + Math.round(((v - min) / (max - min)) * 7)] : VERTICAL[1];
    else if (v <= 0 || max <= 0) text += SPARK_ZERO;
    else text += VERTICAL[Math.max(1, Math.round((v / max) * 8))];
  }
  return {text: text.padStart(width), max, min};
}
