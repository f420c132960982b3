// The emulated CPUs and their tasks (kernel/sched/core.c, much simplified): each tick every CPU runs at most one
// step, in its highest pending context - a hardirq handler, then a raised softirq, then the next runnable task
// of its run queue, round robin. Tasks belong to one CPU and are R (runnable), S (interruptible sleep: a timer,
// waiting for work) or D (uninterruptible: direct reclaim, as the kernel's reclaim_throttle() sleeps).
// kswapd is one kernel thread per node, on the node's first CPU, runnable while its node is being balanced.
// Softirqs (kernel/softirq.c): a hardirq step ends in irq_exit(), which runs the softirqs its handler raised
// (__do_softirq: up to MAX_SOFTIRQ_RESTART rounds); what is still pending then is handed to the CPU's
// ksoftirqd/N thread, which competes with the other tasks. So an interrupt storm keeps its softirq going and
// starves the CPU's tasks - receive livelock - as it does in Linux.
// Simplified: no priorities, preemption or migration; __do_softirq's 2 ms limit is not modelled, only its rounds.
import type {ExecContext} from '../kernel/context.js';
import type {Machine} from '../kernel/machine.js';
import {MinHeap} from './heap.js';
import type {NamedWorkload} from './spec.js';
import type {Workload} from './workload.js';

export type TaskState = 'R' | 'S' | 'D';
/** What a sleeping task waits for (the wchan a ps would show). */
export type WaitReason = '' | 'reclaim' | 'timer' | 'work' | 'kswapd' | 'ksoftirqd' | 'completion';

export type Task = {
  readonly pid: number;
  readonly comm: string;
  readonly cpu: number;
  state: TaskState;
  wait: WaitReason;
  /** The tick a sleeping task wakes at (Infinity: until something wakes it). */
  wakeAt: number;
  steps: number;
  stalls: number;
  stallTicks: number;
  /** The workload it belongs to; -1 for kernel threads (kswapd). */
  readonly owner: number;
  /** What the owner uses it for, and an argument (a node for kswapd, a slot for workers). */
  readonly role: string;
  readonly arg: number;
  /** In its CPU's run queue now. */
  queued: boolean;
};

export type CpuContext = 'idle' | 'process' | 'softirq' | 'hardirq';

export type Cpu = {
  readonly id: number;
  /** What the CPU ran in the last tick, and who. */
  context: CpuContext;
  current: number;
  label: string;
  readonly steps: Record<CpuContext, number>;
  /** Runnable tasks in round-robin order (pids; entries of tasks that died are skipped). */
  runq: number[];
  runqHead: number;
  /** Workloads with a pending interrupt on this CPU, oldest first; each line is pending at most once. */
  readonly hardirq: number[];
  /** Workloads that raised their softirq on this CPU. */
  readonly softirq: number[];
  /** The CPU's ksoftirqd: it takes over softirqs that irq_exit() left pending. */
  ksoftirqd: number;
  /** Interrupts received (what /proc/interrupts counts), by workload index. */
  readonly interrupts: Record<number, number>;
};

/** kernel/softirq.c: __do_softirq() restarts at most this many times before it leaves the rest to ksoftirqd. */
export const MAX_SOFTIRQ_RESTART = 10;

/** Builds a generator from its scenario spec. */
export type WorkloadFactory = (index: number, named: NamedWorkload, cpus: readonly number[]) => Workload;

export class System {
  readonly cpus: Cpu[];
  readonly tasks = new Map<number, Task>();
  readonly workloads: Workload[] = [];
  /** Kernel API calls made by all workloads. */
  calls = 0;
  /** Caches the kernel creates at boot for its own objects (task_struct ...), by name; never destroyed. */
  private readonly kernelCaches = new Map<string, bigint>();
  private readonly timers = new MinHeap<number>();
  private nextPid = 2;
  private readonly kswapdPids: number[] = [];

  constructor(
    readonly machine: Machine,
    workloads: readonly NamedWorkload[],
    factory: WorkloadFactory,
  ) {
    const n = machine.nrCpus;
    this.cpus = Array.from({length: n}, (_, id) => ({
      id,
      context: 'idle' as CpuContext,
      current: -1,
      label: '',
      steps: {idle: 0, process: 0, softirq: 0, hardirq: 0},
      runq: [],
      runqHead: 0,
      hardirq: [],
      softirq: [],
      ksoftirqd: -1,
      interrupts: {},
    }));

    // kswapd becomes a task of ours: the machine no longer runs it at the end of each tick.
    machine.kswapdThreads = true;
    for (let nid = 0; nid < machine.nrNodes; nid++) {
      const t = this.spawn(-1, `kswapd${nid}`, machine.kswapdCpu(nid), 'kswapd', nid);
      this.sleep(t, 'S', 'kswapd', Infinity);
      this.kswapdPids.push(t.pid);
    }
    for (const c of this.cpus) {
      const t = this.spawn(-1, `ksoftirqd/${c.id}`, c.id, 'ksoftirqd', c.id);
      this.sleep(t, 'S', 'ksoftirqd', Infinity);
      c.ksoftirqd = t.pid;
    }
    workloads.forEach((w, i) => {
      const cpus = w.spec.cpus ?? Array.from({length: n}, (_, c) => c);
      this.workloads.push(factory(i, w, cpus));
    });
  }

  get tick(): number {
    return this.machine.tick;
  }

  workload(name: string): Workload | undefined {
    return this.workloads.find((w) => w.name === name);
  }

  // ---- tasks ----------------------------------------------------------------------------------------------

  /** A new runnable task on a CPU (fork + wake_up_new_task). */
  spawn(owner: number, comm: string, cpu: number, role: string, arg = 0): Task {
    const t: Task = {pid: this.nextPid++, comm, cpu, state: 'R', wait: '', wakeAt: 0, steps: 0, stalls: 0, stallTicks: 0, owner, role, arg, queued: false};
    this.tasks.set(t.pid, t);
    this.enqueue(t);
    return t;
  }

  /** The task leaves the machine (do_exit); its run-queue entry is skipped. */
  exit(t: Task): void {
    this.tasks.delete(t.pid);
  }

  /** Put a task to sleep for `ticks` (Infinity: until wake()). */
  sleep(t: Task, state: 'S' | 'D', wait: WaitReason, ticks: number): void {
    t.state = state;
    t.wait = wait;
    t.wakeAt = this.tick + ticks;
    if (ticks !== Infinity) this.timers.push(t.wakeAt, t.pid);
  }

  /** Direct reclaim took `ticks`: the task sleeps uninterruptibly that long (more if it already does). */
  stall(t: Task, ticks: number): void {
    t.stalls++;
    t.stallTicks += ticks;
    const base = t.state === 'D' && t.wait === 'reclaim' ? t.wakeAt : this.tick;
    this.sleep(t, 'D', 'reclaim', base - this.tick + ticks);
  }

  /** Is the task no longer running its step (it went to sleep or exited)? */
  asleep(t: Task): boolean {
    return t.state !== 'R' || !this.tasks.has(t.pid);
  }

  /** wake_up_process(): a sleeping task becomes runnable. A task in D for reclaim is not woken early. */
  wake(t: Task): void {
    if (t.state === 'R' || (t.state === 'D' && t.wakeAt > this.tick)) return;
    t.state = 'R';
    t.wait = '';
    this.enqueue(t);
  }

  private enqueue(t: Task): void {
    if (t.queued) return;
    t.queued = true;
    this.cpus[t.cpu].runq.push(t.pid);
  }

  // ---- interrupts -----------------------------------------------------------------------------------------

  /** An interrupt of a workload's line arrives on a CPU; a line already pending there stays pending once. */
  raiseIrq(w: Workload, cpu: number): void {
    const c = this.cpus[cpu];
    c.interrupts[w.index] = (c.interrupts[w.index] ?? 0) + 1;
    if (!c.hardirq.includes(w.index)) c.hardirq.push(w.index);
  }

  /** raise_softirq() on a CPU. */
  raiseSoftirq(w: Workload, cpu: number): void {
    const c = this.cpus[cpu];
    if (!c.softirq.includes(w.index)) c.softirq.push(w.index);
  }

  /** The context a workload's handler runs in. */
  irqCtx(cpu: number, context: 'hardirq' | 'softirq'): ExecContext {
    return {cpu, context, comm: `swapper/${cpu}`};
  }

  // ---- the tick -------------------------------------------------------------------------------------------

  /**
   * A cache the kernel creates once at boot for its own objects (fork_init()'s task_struct), shared by every
   * workload that needs it and never destroyed. Created on the first request; 0n if it cannot be.
   */
  kernelCache(name: string, size: number, align: number, flags: number): bigint {
    let ptr = this.kernelCaches.get(name);
    if (ptr === undefined) {
      ptr = this.machine.kmemCacheCreate({cpu: 0, context: 'process', comm: 'swapper/0'}, name, size, align, flags);
      this.calls++;
      if (ptr !== 0n) this.kernelCaches.set(name, ptr);
    }
    return ptr;
  }

  /** Right after boot: workloads that take memory at boot do so now. */
  boot(): void {
    for (const w of this.workloads) w.boot(this);
  }

  /** One tick of the CPUs: arrivals, wakeups, then one step per CPU. The caller moves the clock around it. */
  runTick(): void {
    for (const w of this.workloads) if (w.state !== 'stopped' && w.state !== 'failed') w.tick(this);
    const now = this.tick;
    while (this.timers.peekKey() <= now) {
      const t = this.tasks.get(this.timers.pop() as number);
      if (t && t.state !== 'R' && t.wakeAt <= now) {
        t.state = 'R';
        t.wait = '';
        this.enqueue(t);
      }
    }
    for (let nid = 0; nid < this.kswapdPids.length; nid++) {
      const t = this.tasks.get(this.kswapdPids[nid]) as Task;
      if (t.state === 'S' && this.machine.kswapdAwake(nid)) this.wake(t);
    }
    for (const c of this.cpus) this.stepCpu(c);
  }

  private stepCpu(c: Cpu): void {
    if (c.hardirq.length) {
      const w = this.workloads[c.hardirq.shift() as number];
      this.ran(c, 'hardirq', -1, `irq ${w.name}`);
      w.hardirq(this, c.id);
      // irq_exit(): the softirqs the handler raised run now, on the way out of the interrupt (even while
      // ksoftirqd is awake: 6.5 reverted 4.9's "let ksoftirqd do its job").
      if (c.softirq.length) this.doSoftirq(c);
      return;
    }
    if (c.softirq.length && !this.ksoftirqdAwake(c)) {
      this.ran(c, 'softirq', -1, `softirq ${this.workloads[c.softirq[0]].name}`);
      this.doSoftirq(c);
      return;
    }
    while (c.runqHead < c.runq.length) {
      const pid = c.runq[c.runqHead++];
      const t = this.tasks.get(pid);
      if (!t) continue;
      t.queued = false;
      if (t.state !== 'R') continue;
      if (c.runqHead > 64 && c.runqHead * 2 > c.runq.length) {
        c.runq = c.runq.slice(c.runqHead);
        c.runqHead = 0;
      }
      this.ran(c, 'process', t.pid, t.comm);
      t.steps++;
      if (t.role === 'kswapd') this.kswapdStep(t);
      else if (t.role === 'ksoftirqd') this.ksoftirqdStep(c, t);
      else this.workloads[t.owner].runTask(this, t);
      if (t.state === 'R' && this.tasks.has(t.pid)) this.enqueue(t);
      return;
    }
    this.ran(c, 'idle', -1, '');
  }

  private ran(c: Cpu, context: CpuContext, pid: number, label: string): void {
    c.context = context;
    c.current = pid;
    c.label = label;
    c.steps[context]++;
  }

  /**
   * __do_softirq(): every raised softirq of the CPU gets a round, and again while some are still raised, up to
   * MAX_SOFTIRQ_RESTART rounds; what is left wakes ksoftirqd (wakeup_softirqd()).
   */
  private doSoftirq(c: Cpu): void {
    for (let round = 0; round < MAX_SOFTIRQ_RESTART && c.softirq.length; round++) {
      const pending = c.softirq.splice(0);
      for (const i of pending) if (this.workloads[i].softirq(this, c.id) && !c.softirq.includes(i)) c.softirq.push(i);
    }
    if (c.softirq.length) this.wake(this.tasks.get(c.ksoftirqd) as Task);
  }

  /** Is the CPU's ksoftirqd runnable: softirqs raised outside an interrupt then wait for it. */
  private ksoftirqdAwake(c: Cpu): boolean {
    return (this.tasks.get(c.ksoftirqd) as Task).state === 'R';
  }

  /** run_ksoftirqd(): the softirqs run in process context, as a task among the others. */
  private ksoftirqdStep(c: Cpu, t: Task): void {
    this.doSoftirq(c);
    if (!c.softirq.length) this.sleep(t, 'S', 'ksoftirqd', Infinity);
  }

  /** balance_pgdat() for one step; back to sleep once the node is balanced. */
  private kswapdStep(t: Task): void {
    this.machine.kswapdStep(t.arg);
    if (!this.machine.kswapdAwake(t.arg)) this.sleep(t, 'S', 'kswapd', Infinity);
  }
}
