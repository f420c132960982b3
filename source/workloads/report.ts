// What the CPUs, tasks and workloads are doing, as data (for --json and the dashboard) and as text (--dump tasks,
// --dump workloads). The task table reads like `ps -eo pid,psr,stat,wchan,comm`; the CPU table like a per-CPU
// slice of /proc/stat (steps per context) plus the interrupts each CPU took.
import type {CpuContext, System, TaskState, WaitReason} from './system.js';
import type {WorkloadState, WorkloadStats} from './workload.js';

export type CpuView = {
  cpu: number;
  node: number;
  /** What the CPU ran in the last tick: the context and the task or handler. */
  context: CpuContext;
  current: string;
  pid: number;
  steps: Record<CpuContext, number>;
  runnable: number;
  interrupts: number;
  /** Interrupts by the workload whose line raised them. */
  interrupts_by_line: Record<string, number>;
};
export type TaskView = {pid: number; cpu: number; state: TaskState; wait: WaitReason; comm: string; workload: string; steps: number; stalls: number; stall_ticks: number; wakes_at: number | null};
export type WorkloadView = {
  name: string;
  type: string;
  state: WorkloadState;
  cpus: readonly number[];
  pages: number;
  slab_objects: number;
  vmalloc_bytes: number;
  failures: number;
  stalls: number;
  stall_ticks: number;
  calls: number;
  counters: Record<string, number>;
};

export function cpusView(sys: System): CpuView[] {
  return sys.cpus.map((c) => {
    let runnable = 0;
    for (let i = c.runqHead; i < c.runq.length; i++) if (sys.tasks.get(c.runq[i])?.state === 'R') runnable++;
    const interrupts = Object.values(c.interrupts).reduce((a, b) => a + b, 0);
    const byLine = Object.fromEntries(Object.entries(c.interrupts).map(([w, n]) => [sys.workloads[Number(w)].name, n]));
    return {cpu: c.id, node: sys.machine.nodeOfCpu(c.id), context: c.context, current: c.label, pid: c.current, steps: {...c.steps}, runnable, interrupts, interrupts_by_line: byLine};
  });
}

export function tasksView(sys: System): TaskView[] {
  return [...sys.tasks.values()]
    .sort((a, b) => a.pid - b.pid)
    .map((t) => ({
      pid: t.pid,
      cpu: t.cpu,
      state: t.state,
      wait: t.wait,
      comm: t.comm,
      workload: t.owner < 0 ? '' : sys.workloads[t.owner].name,
      steps: t.steps,
      stalls: t.stalls,
      stall_ticks: t.stallTicks,
      wakes_at: t.state === 'R' || t.wakeAt === Infinity ? null : t.wakeAt,
    }));
}

export function workloadsView(sys: System): WorkloadView[] {
  return sys.workloads.map((w) => {
    const st: WorkloadStats = w.stats;
    return {
      name: w.name,
      type: w.type,
      state: w.state,
      cpus: w.cpus,
      pages: st.pages,
      slab_objects: st.slabObjects,
      vmalloc_bytes: st.vmallocBytes,
      failures: st.failures,
      stalls: st.stalls,
      stall_ticks: st.stallTicks,
      calls: st.calls,
      counters: {...w.counters},
    };
  });
}

const row = (cells: readonly (string | number)[], widths: readonly number[]): string =>
  cells.map((c, i) => (i === cells.length - 1 && widths[i] <= 0 ? String(c) : widths[i] < 0 ? String(c).padEnd(-widths[i]) : String(c).padStart(widths[i]))).join('  ').trimEnd();

/** --dump tasks: the CPUs, then every task. */
export function renderTasks(sys: System): string {
  const out: string[] = [];
  const cw = [3, 4, -8, -24, 8, 8, 8, 8, 10];
  out.push(row(['CPU', 'NODE', 'CONTEXT', 'CURRENT', 'HARDIRQ', 'SOFTIRQ', 'PROCESS', 'IDLE', 'INTERRUPTS'], cw));
  for (const c of cpusView(sys)) out.push(row([c.cpu, c.node, c.context, c.current || '-', c.steps.hardirq, c.steps.softirq, c.steps.process, c.steps.idle, c.interrupts], cw));
  out.push('');
  const tw = [6, 3, 1, -10, 8, 6, -16, 0];
  out.push(row(['PID', 'CPU', 'S', 'WCHAN', 'STEPS', 'STALLS', 'WORKLOAD', 'COMM'], tw));
  for (const t of tasksView(sys)) out.push(row([t.pid, t.cpu, t.state, t.wait || '-', t.steps, t.stalls, t.workload || '-', t.comm], tw));
  return out.join('\n') + '\n';
}

/** --dump workloads: what each workload holds and how it fared. */
export function renderWorkloads(sys: System): string {
  const w = [-16, -14, -9, 8, 10, 12, 8, 7, 10, 0];
  const out = [row(['WORKLOAD', 'TYPE', 'STATE', 'PAGES', 'SLAB_OBJS', 'VMALLOC_KB', 'FAILURES', 'STALLS', 'CALLS', 'COUNTERS'], w)];
  for (const v of workloadsView(sys)) {
    const counters = Object.entries(v.counters).map(([k, n]) => `${k}=${n}`).join(' ');
    out.push(row([v.name, v.type, v.state, v.pages, v.slab_objects, Math.ceil(v.vmalloc_bytes / 1024), v.failures, v.stalls, v.calls, counters || '-'], w));
  }
  return out.join('\n') + '\n';
}
