// Live mode's memory pane (it takes the CPU pane's place: the host runs no workloads of ours to show):
// /proc/meminfo's rows (fs/proc/meminfo.c meminfo_proc_show, in kB) as MiB and GiB with their changes since the
// previous sample, flowed into as many columns as the pane is wide, under a sparkline of MemFree.
import type {LiveMemory} from '../../session/view-model.js';
import {deltaText, deltaRole, kib, levelSpark, noticeAlone, noticeWant, underNotice} from './live-lines.js';
import {clean, type Line, lineWidth, type Span, span} from './spans.js';

/** MemFree over the kept samples, and its figure now. */
export function memFreeLine(m: LiveMemory, width: number): Line {
  const now = m.history.length ? kib(m.history[m.history.length - 1]) : '?';
  const label = 'MemFree ';
  const room = width - label.length - now.length - 1;
  if (room < 4) return [span(label, 'label'), span(now, 'strong')];
  return [span(label, 'label'), ...levelSpark(m.history, room), span(' '), span(now, 'strong')];
}

/** A row each: name, size, change. */
function rowItems(m: LiveMemory): Span[][] {
  const names = m.rows.map((r) => clean(r.name) + ':');
  const values = m.rows.map((r) => kib(r.kb));
  const deltas = m.rows.map((r) => deltaText(r.delta, kib));
  const nw = Math.max(0, ...names.map((n) => n.length));
  const vw = Math.max(0, ...values.map((v) => v.length));
  const dw = Math.max(0, ...deltas.map((d) => d.length));
  return m.rows.map((r, i): Span[] => {
    const items = [span(names[i].padEnd(nw + 1), 'label'), span(values[i].padStart(vw), 'value')];
    // Every item as wide as the others (a row without a change pads its place), so the columns line up.
    if (dw) items.push(span(' '), span(deltas[i].padEnd(dw), deltaRole(r.delta)));
    return items;
  });
}

/**
 * Every row, read down each column (meminfo's order) then across: as many columns as `width` holds, so the
 * rows take the fewest lines.
 */
export function memoryRowLines(m: LiveMemory, width: number): Line[] {
  const items = rowItems(m);
  if (items.length === 0) return [];
  const gap = 3;
  const w = lineWidth(items[0]);
  const per = Math.max(1, Math.floor((width + gap) / (w + gap)));
  const lines = Math.ceil(items.length / per);
  const out: Line[] = [];
  for (let l = 0; l < lines; l++) {
    const line: Span[] = [];
    for (let c = 0; c < per && c * lines + l < items.length; c++) line.push(...(c ? [span(' '.repeat(gap))] : []), ...items[c * lines + l]);
    out.push(line);
  }
  return out;
}

/** Lines the pane would like (its border, its notice, the sparkline, the rows) in a box `width` wide. */
export function memoryRowsWanted(m: LiveMemory, width: number, notice?: string): number {
  const inner = Math.max(0, width - 2);
  return 2 + noticeWant(notice, inner) + 1 + memoryRowLines(m, inner).length;
}

export type MemoryContent = {readonly lines: Line[]; readonly info: string};

/** The sparkline, then the rows from `scroll` on (clamped so the last page stays full). */
export function memoryContent(m: LiveMemory, inner: number, rows: number, scroll: number, notice?: string): MemoryContent {
  if (m.rows.length === 0 && m.history.length === 0) return {lines: notice ? noticeAlone(notice, inner, rows) : [[span('no /proc/meminfo figures', 'dim')]], info: ''};
  const head = [memFreeLine(m, inner)];
  const all = memoryRowLines(m, inner);
  return underNotice(notice, inner, rows, (left) => {
    const room = Math.max(0, left - head.length);
    const first = Math.max(0, Math.min(scroll, all.length - room));
    const info = all.length > room ? `lines ${first + 1}-${Math.min(all.length, first + room)}/${all.length}` : `${m.rows.length} rows`;
    return {lines: [...head, ...all.slice(first)], info};
  });
}
