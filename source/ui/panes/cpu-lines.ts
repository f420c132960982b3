// The CPU pane's lines: a row per CPU (the context it ran in during the last tick and what ran, steps by context
// since boot, interrupts taken) and a row per workload (what it holds and how it fared), scrolled as one list.
import type {CpuView, WorkloadView} from '../../workloads/report.js';
import type {Role} from '../theme.js';
import {noticeAlone, underNotice} from './live-lines.js';
import {clean, type Line} from './spans.js';
import {type Column, headerLine, placeColumns, rowLine} from './table.js';

export const CONTEXT_ROLE: Readonly<Record<CpuView['context'], Role>> = {idle: 'ctxIdle', process: 'ctxProcess', softirq: 'ctxSoftirq', hardirq: 'ctxHardirq'};

const STATE_ROLE: Readonly<Record<WorkloadView['state'], Role>> = {running: 'ok', loading: 'warn', unloading: 'warn', stopped: 'dim', failed: 'bad'};

function cpuColumns(multiNode: boolean): Column<CpuView>[] {
  const cols: Column<CpuView>[] = [
    {id: 'cpu', header: 'CPU', align: 'left', priority: 0, value: (c) => `cpu${c.cpu}`, role: () => 'strong'},
    {id: 'node', header: 'node', align: 'right', priority: 7, value: (c) => c.node, role: () => 'label'},
    {id: 'context', header: 'context', align: 'left', priority: 1, value: (c) => c.context, role: (c) => CONTEXT_ROLE[c.context]},
    {id: 'current', header: 'running', align: 'left', priority: 0, flex: true, min: 10, value: (c) => (c.current ? clean(c.current) : '-') + (c.pid > 0 ? ` [${c.pid}]` : '')},
    {id: 'hardirq', header: 'hardirq', align: 'right', priority: 3, value: (c) => c.steps.hardirq, role: (c) => (c.steps.hardirq ? 'ctxHardirq' : 'dim')},
    {id: 'softirq', header: 'softirq', align: 'right', priority: 4, value: (c) => c.steps.softirq, role: (c) => (c.steps.softirq ? 'ctxSoftirq' : 'dim')},
    {id: 'process', header: 'process', align: 'right', priority: 5, value: (c) => c.steps.process},
    {id: 'idle', header: 'idle', align: 'right', priority: 6, value: (c) => c.steps.idle, role: () => 'dim'},
    {id: 'irqs', header: 'irqs', align: 'right', priority: 2, value: (c) => c.interrupts},
  ];
  return multiNode ? cols : cols.filter((c) => c.id !== 'node');
}

const WORKLOAD_COLUMNS: Column<WorkloadView>[] = [
  {id: 'name', header: 'workload', align: 'left', priority: 0, flex: true, min: 8, value: (w) => clean(w.name), role: () => 'strong'},
  {id: 'type', header: 'type', align: 'left', priority: 6, value: (w) => w.type, role: () => 'label'},
  {id: 'state', header: 'state', align: 'left', priority: 1, value: (w) => w.state, role: (w) => STATE_ROLE[w.state]},
  {id: 'pages', header: 'pages', align: 'right', priority: 2, value: (w) => w.pages},
  {id: 'slab', header: 'slab objs', align: 'right', priority: 3, value: (w) => w.slab_objects},
  {id: 'vmalloc', header: 'vmalloc KiB', align: 'right', priority: 4, value: (w) => Math.ceil(w.vmalloc_bytes / 1024)},
  {id: 'failures', header: 'fail', align: 'right', priority: 1, value: (w) => w.failures, role: (w) => (w.failures ? 'bad' : 'dim')},
  {id: 'stalls', header: 'stalls', align: 'right', priority: 5, value: (w) => w.stalls, role: (w) => (w.stalls ? 'warn' : 'dim')},
];

/** Every line, before scrolling: the CPU table, then the workload table. */
export function cpuLines(cpus: readonly CpuView[], workloads: readonly WorkloadView[], inner: number): Line[] {
  const cc = placeColumns(cpuColumns(cpus.some((c) => c.node > 0)), cpus, inner);
  const lines: Line[] = [headerLine(cc), ...cpus.map((c) => rowLine(cc, c))];
  if (workloads.length) {
    const wc = placeColumns(WORKLOAD_COLUMNS, workloads, inner);
    lines.push(headerLine(wc), ...workloads.map((w) => rowLine(wc, w)));
  }
  return lines;
}

/** The height the pane would like: every line plus the border. */
export const cpuPaneRows = (cpus: number, workloads: number): number => 2 + 1 + cpus + (workloads ? 1 + workloads : 0);

export type CpuContent = {readonly lines: Line[]; readonly info: string};

/** The lines from `scroll` on (clamped so the last page stays full); a live notice above them. */
export function cpuContent(cpus: readonly CpuView[], workloads: readonly WorkloadView[], inner: number, allRows: number, scroll: number, notice?: string): CpuContent {
  if (notice && cpus.length === 0 && workloads.length === 0) return {lines: noticeAlone(notice, inner, allRows), info: ''};
  const all = cpuLines(cpus, workloads, inner);
  return underNotice(notice, inner, allRows, (rows) => {
    const first = Math.max(0, Math.min(scroll, all.length - rows));
    // Lines below the last row: the frame's last row says "…more" instead of the line it would show.
    const cut = first + rows < all.length;
    const last = Math.min(all.length, first + rows - (cut ? 1 : 0));
    const summary = `${cpus.length} CPU${cpus.length === 1 ? '' : 's'}, ${workloads.length} workload${workloads.length === 1 ? '' : 's'}`;
    const info = all.length > rows ? `lines ${first + 1}-${last}/${all.length}` : summary;
    return {lines: all.slice(first, first + rows + (cut ? 1 : 0)), info};
  });
}
