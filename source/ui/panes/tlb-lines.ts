// The TLB pane's lines: a sparkline of flushes per tick (newest at the right), the totals, then per CPU the
// flushes by kind, pages flushed and shootdown IPIs (what /proc/interrupts' TLB line and nr_tlb_* would show).
// Live mode has only what the host counts: shootdowns received per CPU (the TLB: line of /proc/interrupts,
// arch/x86/kernel/irq.c arch_show_interrupts, irq_tlb_count) with their changes and rate, and /proc/vmstat's
// nr_tlb_* where the kernel counts them (mm/vmstat.c prints them only with CONFIG_DEBUG_TLBFLUSH).
import type {LiveTlb, TlbPaneView} from '../../session/view-model.js';
import {SPARK_ZERO, sparkline} from './bar.js';
import {deltaSpan, noticeAlone, underNotice, withDelta} from './live-lines.js';
import {flow, type Line, lineWidth, merge, pairs, type Span, span} from './spans.js';
import {type Column, headerLine, placeColumns, rowLine} from './table.js';

type CpuRow = TlbPaneView['cpus'][number];

const COLUMNS: Column<CpuRow>[] = [
  {id: 'cpu', header: 'CPU', align: 'left', priority: 0, value: (c) => `cpu${c.cpu}`, role: () => 'label'},
  {id: 'full', header: '  full', align: 'right', priority: 1, value: (c) => c.full},
  {id: 'single', header: '  single', align: 'right', priority: 2, value: (c) => c.single},
  {id: 'pages', header: '  pages', align: 'right', priority: 5, value: (c) => c.pagesFlushed},
  {id: 'sent', header: '  IPIs sent', align: 'right', priority: 3, value: (c) => c.ipisSent},
  {id: 'received', header: '  IPIs rcvd', align: 'right', priority: 4, value: (c) => c.ipisReceived},
];

export function sparkLine(t: TlbPaneView, width: number, label = 'flushes/tick '): Line {
  const shown = Math.max(0, width - label.length - 8);
  const {text, max} = sparkline(t.series, shown);
  const cells = [...text].map((ch) => span(ch, ch === SPARK_ZERO || ch === ' ' ? 'dim' : 'spark'));
  return merge([span(label, 'label'), ...cells, span(` max ${max}`.padEnd(8).slice(0, 8), 'value')]);
}

export function totalsLine(t: TlbPaneView, width: number): Line {
  const sum = (f: (c: CpuRow) => number) => t.cpus.reduce((a, c) => a + f(c), 0);
  return pairs(
    [
      ['full', sum((c) => c.full), 'strong'],
      ['single', sum((c) => c.single), 'strong'],
      ['remote', t.remoteFlushes],
      ['IPIs', sum((c) => c.ipisSent)],
      ['pages', sum((c) => c.pagesFlushed)],
    ],
    width,
  );
}

/** Per CPU "cpu0 1712380 ▲12": shootdowns received and their change, flowed across the pane. */
export function liveCpuLines(t: TlbPaneView, l: LiveTlb, width: number): Line[] {
  const nameW = `cpu${t.cpus.reduce((a, c) => Math.max(a, c.cpu), 0)}`.length;
  const valW = t.cpus.reduce((a, c) => Math.max(a, String(c.ipisReceived).length), 1);
  const items = t.cpus.map((c, i): Span[] => [span(`cpu${c.cpu}`.padEnd(nameW + 1), 'label'), span(String(c.ipisReceived).padStart(valW), 'value'), span(' '), deltaSpan(l.deltaReceived[i] ?? 0)]);
  return flow(items, width);
}


/** Shootdowns received over all CPUs, their change and rate. */
export function liveTotalsLine(t: TlbPaneView, l: LiveTlb, width: number): Line {
  const received = t.cpus.reduce((a, c) => a + c.ipisReceived, 0);
  const change = l.deltaReceived.reduce((a, d) => a + d, 0);
  const items: Span[][] = [
    [span('received ', 'label'), ...withDelta(String(received), change, 'strong')],
    [span('rate ', 'label'), span(`${l.rate.toFixed(l.rate < 10 ? 1 : 0)}/s`, 'value')],
  ];
  const out: Span[] = [];
  for (const it of items) {
    if (lineWidth(out) + (out.length ? 2 : 0) + lineWidth(it) > width) break;
    if (out.length) out.push(span('  '));
    out.push(...it);
  }
  return out;
}

/** /proc/vmstat's nr_tlb_* with their changes, or one dim line where the kernel does not count them. */
export function countersLines(l: LiveTlb, width: number): Line[] {
  if (l.counters === null) return [[span('nr_tlb_* not counted (kernel without CONFIG_DEBUG_TLBFLUSH)', 'dim')]];
  const items = l.counters.map((c): Span[] => [span(`${c.name.replace(/^nr_tlb_/, '')} `, 'label'), ...withDelta(String(c.value), c.delta)]);
  return flow(items, width, 2);
}

/** Live: shootdowns per sample, the totals and rate, nr_tlb_*, then each CPU; under the notice, in `rows` rows. */
export function tlbLiveContent(t: TlbPaneView, l: LiveTlb, inner: number, notice?: string, rows = Infinity): Line[] {
  if (notice && t.cpus.length === 0 && l.counters === null) return noticeAlone(notice, inner, rows);
  const lines = [sparkLine(t, inner, 'shootdowns/sample '), liveTotalsLine(t, l, inner), ...countersLines(l, inner), ...liveCpuLines(t, l, inner)];
  return underNotice(notice, inner, rows, () => ({lines})).lines;
}

/** The pane's lines for `rows` rows (the frame cuts what does not fit; the notice takes two where rows are spare). */
export function tlbContent(t: TlbPaneView, inner: number, notice?: string, rows = Infinity): Line[] {
  if (t.live) return tlbLiveContent(t, t.live, inner, notice, rows);
  const cols = placeColumns(COLUMNS, t.cpus, inner);
  const lines = [sparkLine(t, inner), totalsLine(t, inner), headerLine(cols), ...t.cpus.map((c) => rowLine(cols, c))];
  return underNotice(notice, inner, rows, () => ({lines})).lines;
}

/** Rows the pane would like in a box `width` wide: its lines and the border (the emulator's: a row per CPU). */
export function tlbRowsWanted(t: TlbPaneView, width: number, notice?: string): number {
  if (!t.live) return 5 + t.cpus.length;
  return 2 + tlbLiveContent(t, t.live, Math.max(0, width - 2), notice).length;
}
