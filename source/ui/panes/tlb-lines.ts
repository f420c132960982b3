// The TLB pane's lines: a sparkline of flushes per tick (newest at the right), the totals, then per CPU the
// flushes by kind, pages flushed and shootdown IPIs (what /proc/interrupts' TLB line and nr_tlb_* would show).
import type {TlbPaneView} from '../../session/view-model.js';
import {SPARK_ZERO, sparkline} from './bar.js';
import {type Line, merge, pairs, span} from './spans.js';
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

export function sparkLine(t: TlbPaneView, width: number): Line {
  const label = 'flushes/tick ';
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

export function tlbContent(t: TlbPaneView, inner: number): Line[] {
  const cols = placeColumns(COLUMNS, t.cpus, inner);
  return [sparkLine(t, inner), totalsLine(t, inner), headerLine(cols), ...t.cpus.map((c) => rowLine(cols, c))];
}
