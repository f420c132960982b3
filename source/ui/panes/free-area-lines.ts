// The free-area pane's lines: per zone a header, free pages against the watermarks, and the buddyinfo picture as
// one column per order (a bar on a log scale, the block size, the count, the count per migrate type, the
// fragmentation index). Column widths follow the pane's width; the bars' height follows what is left of its height.
// Live mode adds what changed since the previous sample: free pages' change, a sparkline of free pages over the kept
// samples, and the per-order counts that changed highlighted. What it did not read (watermarks without zoneinfo,
// migrate types without pagetypeinfo) it says so of, rather than draw the view model's 0s as figures.
import type {ZoneView} from '../../session/view-model.js';
import type {Role} from '../theme.js';
import {gauge, logFraction, vbarCell} from './bar.js';
import {deltaRole, levelSpark, noticeAlone, underNotice, withDelta} from './live-lines.js';
import {compact, type Line, lineWidth, pairs, padStart, type Span, span} from './spans.js';

/** Block size of each order with 4 KiB pages. */
export const ORDER_SIZES = ['4K', '8K', '16K', '32K', '64K', '128K', '256K', '512K', '1M', '2M', '4M'] as const;
/** Migrate types in the view model's byType order. */
export const MIGRATE_LETTERS: readonly {letter: string; role: Role}[] = [
  {letter: 'U', role: 'mtU'},
  {letter: 'M', role: 'mtM'},
  {letter: 'R', role: 'mtR'},
  {letter: 'H', role: 'mtH'},
];
const MAX_BAR_ROWS = 6;

export type FreeAreaGeometry = {
  /** Cells per order column, and the width of the label column at the left. */
  readonly col: number;
  readonly label: number;
  readonly barRows: number;
  /** Block sizes (4K ... 4M) when they fit a column, else order numbers. */
  readonly sizes: boolean;
};

/** Live: whether the zone's min/low/high and its split by migrate type were read (the emulator always knows). */
export const watermarksKnown = (z: ZoneView): boolean => z.live?.known.watermarks ?? true;
export const typesKnown = (z: ZoneView): boolean => z.live?.known.types ?? true;

/** Rows of migrate types under a zone's counts: none, the four types, or one line saying why they are not shown. */
export const typeRows = (z: ZoneView, byType: boolean): number => (!byType ? 0 : typesKnown(z) ? 4 : 1);

/** Lines a zone takes besides its bars: header, gauge, sizes, counts, fragmentation, and its migrate-type rows. */
export const fixedZoneLines = (types: number): number => 5 + types;

/** `types`: the migrate-type rows of the zones shown (typeRows: 0, 4, or 1 where they are not known). */
export function freeAreaGeometry(inner: number, rows: number, zones: number, types: number, orders: number): FreeAreaGeometry {
  const col = Math.max(3, Math.min(8, Math.floor((inner - 2) / orders)));
  const label = Math.max(0, inner - orders * col);
  const fixed = fixedZoneLines(types);
  // As many zones as possible with at least one bar row, then the tallest bars that keep that many.
  const most = Math.min(zones, Math.floor(rows / (fixed + 1)));
  let barRows = 0;
  if (most >= 1) barRows = Math.min(MAX_BAR_ROWS, Math.floor(rows / most) - fixed);
  return {col, label, barRows, sizes: col - 1 >= 4};
}

/** The longest of `names` that fits the label column. */
function labelCell(names: readonly string[], width: number, role: Role = 'label'): Span {
  // No gap needed: the first column's numbers are right-aligned with at least one blank before them.
  const text = names.find((n) => n.length <= width) ?? '';
  return span(text.padEnd(width), role);
}

/** The index as extfrag_index prints it (0.xxx, from thousandths); narrower columns keep fewer digits. */
export function fragText(v: number | null, room: number): string {
  if (v === null) return '-';
  if (v >= 1000) return room >= 5 ? '1.000' : room >= 2 ? '1.000'.slice(0, room) : '1';
  const digits = '.' + String(v).padStart(3, '0');
  return room >= 5 ? '0' + digits : digits.slice(0, Math.max(1, room));
}

export type WatermarkState = {readonly word: string; readonly role: Role};

/** Where free pages stand against the watermarks: below min only atomic allocations get through, below low kswapd wakes. */
export function watermarkState(z: ZoneView): WatermarkState {
  if (z.free < z.min) return {word: '<min', role: 'critical'};
  if (z.free < z.low) return {word: '<low', role: 'bad'};
  if (z.free < z.high) return {word: '<high', role: 'warn'};
  return {word: '≥high', role: 'ok'};
}

export function zoneHeader(z: ZoneView, inner: number): Line {
  const name = `Node ${z.node} ${z.zone}`;
  if (z.live) {
    // Live: free pages with their change since the previous sample, then the watermarks as room allows.
    const free: Span[] = [span('free ', 'label'), ...withDelta(String(z.free), z.live.deltaFree, 'strong')];
    const room = inner - name.length - 2 - lineWidth(free);
    if (room < 0) return [span(name, 'strong')];
    // Without zoneinfo there are no watermarks and no managed count to show (the view model has 0s there).
    const marks: [string, number][] = watermarksKnown(z) ? [['min', z.min], ['low', z.low], ['high', z.high]] : [];
    const rest = pairs([...marks, ...(z.managed > 0 ? [['managed', z.managed] as [string, number]] : [])], Math.max(0, room - 2));
    return [span(name, 'strong'), span('  '), ...free, ...(rest.length ? [span('  '), ...rest] : [])];
  }
  const rest = pairs(
    [
      ['free', z.free, 'strong'],
      ['min', z.min],
      ['low', z.low],
      ['high', z.high],
      ['managed', z.managed],
    ],
    Math.max(0, inner - name.length - 2),
  );
  return [span(name, 'strong'), ...(rest.length ? [span('  '), ...rest] : [])];
}

/** Cells of the free-pages sparkline at the gauge's right in live mode (none in a narrow pane). */
export const sparkCells = (inner: number): number => (inner >= 30 ? Math.min(24, Math.floor(inner / 4)) : 0);

/** Live without zoneinfo, in the gauge's place: the longest that fits. */
export const WATERMARKS_UNKNOWN = ['min/low/high not read (/proc/zoneinfo)', 'watermarks not read', 'no watermarks', '?'] as const;

/** Free pages on a scale of 0..2*high, the watermarks marked m, l, h; the state in words at the right. */
export function watermarkGauge(z: ZoneView, inner: number): Line {
  const st = watermarkState(z);
  const word = ` ${st.word.padEnd(5)}`;
  // Live: free pages over the kept samples at the right, after the state's word.
  const spark = z.live ? sparkCells(inner) : 0;
  const tail: Span[] = spark ? [span(' '), ...levelSpark(z.live?.history ?? [], spark)] : [];
  const width = Math.max(1, inner - word.length - lineWidth(tail));
  if (!watermarksKnown(z)) {
    // No scale, no marks, no state: words in the gauge's place, the sparkline where the other zones have theirs.
    const text = WATERMARKS_UNKNOWN.find((t) => t.length <= width) ?? '';
    return [span(text.padEnd(width + word.length), 'dim'), ...tail];
  }
  const max = z.high > 0 ? 2 * z.high : z.managed;
  const marks = [
    {at: z.min, glyph: 'm', role: 'markMin' as const},
    {at: z.low, glyph: 'l', role: 'markLow' as const},
    {at: z.high, glyph: 'h', role: 'markHigh' as const},
  ];
  // The fill in the state's colour; below min the word stands out on its own (a background), the bar stays a bar.
  const fill: Role = st.role === 'critical' ? 'bad' : st.role;
  return [...gauge(z.free, max, width, fill, marks), span(word, st.role), ...tail];
}

function row(lead: Span, cells: readonly Span[]): Line {
  return [lead, ...cells];
}

/**
 * In place of the migrate-type rows of a zone whose split was not read: the pane's notice says why when it is
 * about pagetypeinfo; else the file was not asked for yet (live mode reads it only while `t` shows the split).
 * Simplified: the view model does not say why the split is missing, so the notice's file name tells (a notice of
 * buddyinfo or zoneinfo hides one of pagetypeinfo: the pane shows one notice).
 */
export function typesUnknownText(notice: string | undefined): string {
  return notice?.includes('pagetypeinfo') ? 'migrate types: /proc/pagetypeinfo not read' : 'migrate types from the next sample';
}

/** Every line of one zone; `typesNote` in place of the migrate-type rows where they are not known. */
export function zoneLines(z: ZoneView, g: FreeAreaGeometry, inner: number, byType: boolean, typesNote = typesUnknownText(undefined)): Line[] {
  const orders = z.blocks.length;
  const room = g.col - 1;
  const out: Line[] = [zoneHeader(z, inner), watermarkGauge(z, inner)];
  const max = z.blocks.reduce((a, b) => Math.max(a, b), 0);
  const barWidth = Math.max(1, Math.min(room, 4));
  for (let r = 0; r < g.barRows; r++) {
    const cells: Span[] = [];
    for (let o = 0; o < orders; o++) {
      const glyph = vbarCell(logFraction(z.blocks[o], max), g.barRows, r);
      cells.push(span(' '.repeat(g.col - barWidth)), span(glyph.repeat(barWidth), 'bar'));
    }
    out.push(row(span(' '.repeat(g.label)), cells));
  }
  const sizes = Array.from({length: orders}, (_, o) => span(padStart(g.sizes ? (ORDER_SIZES[o] ?? `o${o}`) : String(o), g.col), 'label'));
  out.push(row(g.sizes ? span(' '.repeat(g.label)) : labelCell(['order', 'o'], g.label), sizes));
  // Live: a count that changed since the previous sample in the rise or fall role.
  const countRole = (b: number, o: number): Role => (z.live?.deltaBlocks[o] ? deltaRole(z.live.deltaBlocks[o]) : b ? 'value' : 'dim');
  out.push(row(labelCell(['blocks', 'blks', 'nr'], g.label), z.blocks.map((b, o) => span(padStart(compact(b, room), g.col), countRole(b, o)))));
  if (byType && !typesKnown(z)) out.push([span(typesNote, 'dim')]);
  else if (byType) {
    MIGRATE_LETTERS.forEach(({letter, role}, mt) => {
      const cells = z.byType.map((types) => {
        const n = types[mt] ?? 0;
        return span(padStart(n ? compact(n, room) : '·', g.col), n ? role : 'dim');
      });
      out.push(row(labelCell([letter], g.label, role), cells));
    });
  }
  const frag = z.fragIndex.map((v) => span(padStart(fragText(v, room), g.col), v === null ? 'dim' : v > 500 ? 'warn' : 'value'));
  out.push(row(labelCell(['frag', 'fi'], g.label), frag));
  return out;
}

export type FreeAreaContent = {readonly lines: Line[]; readonly info: string};

/**
 * The zones from `scroll` on, as many as the rows hold (the last one cut with "…more" by the frame); a live
 * notice (a file that could not be read) above them.
 */
export function freeAreaContent(zones: readonly ZoneView[], inner: number, allRows: number, byType: boolean, scroll: number, notice?: string): FreeAreaContent {
  if (zones.length === 0) return {lines: notice ? noticeAlone(notice, inner, allRows) : [[span('no zones', 'dim')]], info: ''};
  const first = Math.max(0, Math.min(zones.length - 1, scroll));
  const shown = zones.slice(first);
  const types = shown.reduce((a, z) => Math.max(a, typeRows(z, byType)), 0);
  const note = typesUnknownText(notice);
  return underNotice(notice, inner, allRows, (rows) => {
    const g = freeAreaGeometry(inner, rows, shown.length, types, zones[0].blocks.length);
    const lines: Line[] = [];
    let whole = 0;
    for (const z of shown) {
      if (lines.length >= rows) break;
      const zl = zoneLines(z, g, inner, byType, note);
      if (lines.length + zl.length <= rows) whole++;
      lines.push(...zl);
    }
    const last = first + Math.max(1, whole);
    const range = last - first === 1 ? `zone ${first + 1}` : `zones ${first + 1}-${last}`;
    const info = first === 0 && last === zones.length ? `${zones.length} zone${zones.length === 1 ? '' : 's'}` : `${range}/${zones.length}`;
    return {lines, info};
  });
}
