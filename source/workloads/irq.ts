// An interrupt line, packet-buffer style (the pre-NAPI netif_rx() receive path). Each CPU of the line is one
// queue of a multi-queue device, with its own vector and its own arrival process. The hardirq handler takes
// `buffers` buffers per interrupt (kmalloc of `size`, or pages of `order`) with the line's GFP flags - which
// must not sleep: GFP_ATOMIC dips below min into the reserves, wakes kswapd and fails rather than reclaim -
// and queues them on its CPU's backlog; beyond `backlog` (net.core.netdev_max_backlog) the buffer is dropped,
// i.e. freed at once, as enqueue_to_backlog() drops the skb. Then it hands them on to the consumer:
// - softirq: it raises its softirq (NET_RX style), which runs at irq_exit() in the same hardirq step. A round
//   frees up to `budget` buffers (the NAPI weight) and raises it again while work is left; __do_softirq() runs
//   up to MAX_SOFTIRQ_RESTART rounds and leaves the rest to the CPU's ksoftirqd/N task (system.ts).
// - task: it wakes the queue's threaded handler `irq/<N>-<name>` (request_threaded_irq() with a primary handler
//   and without IRQF_ONESHOT, so the line stays unmasked), which frees up to `budget` buffers a step.
// A CPU runs tasks only in the steps it has no interrupt to handle, so a storm of interrupts starves them - the
// threaded handler, ksoftirqd, kswapd if it shares the CPU - while the softirq keeps up at irq_exit: receive
// livelock, as in Linux. With `bug_sleeping_alloc` the handler uses GFP_KERNEL: might_alloc() prints "BUG:
// sleeping function called from invalid context" (as CONFIG_DEBUG_ATOMIC_SLEEP does, at most once a second) and
// the allocation keeps its flags; if it then needs direct reclaim, the page allocator prints "BUG: scheduling
// while atomic" and fails it (a real kernel would schedule in the interrupt), so the handler never sleeps.
// Simplified: arrivals between two steps of a CPU coalesce into one handler run that takes every pending
// interrupt's buffers (the device's RX ring holds the packets meanwhile); after a failed allocation the handler
// takes no more buffers in that run (the device misses those packets, counted as `missed`); the default IRQ
// number is 24 upwards in the order of the scenario's irq lines, one vector per queue; comms are not truncated
// to TASK_COMM_LEN; drops are logged once per episode (full to drained), where the kernel only counts them in
// /proc/net/softnet_stat.
import type {ExecContext} from '../kernel/context.js';
import {GFP_KERNEL} from '../kernel/gfp.js';
import {arrivals, sample} from './dist.js';
import type {IrqSpec} from './spec.js';
import type {System, Task} from './system.js';
import {Workload} from './workload.js';

/** The first IRQ number handed out when a line names none (the first after the legacy ISA and IOAPIC pins). */
const FIRST_IRQ = 24;

/** One CPU's backlog: a FIFO of buffers (kmalloc addresses or first pfns) with their sizes. */
class Backlog {
  private bufs: (bigint | number)[] = [];
  private sizes: number[] = [];
  private head = 0;

  get length(): number {
    return this.bufs.length - this.head;
  }

  push(buf: bigint | number, size: number): void {
    this.bufs.push(buf);
    this.sizes.push(size);
  }

  /** The oldest buffer's size; shift() then takes it. */
  peekSize(): number {
    return this.sizes[this.head];
  }

  shift(): bigint | number {
    const b = this.bufs[this.head++];
    if (this.head >= 1024 && this.head * 2 >= this.bufs.length) {
      this.bufs = this.bufs.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    return b;
  }
}

/** One queue of the line: its CPU, vector, pending interrupts, backlog and (threaded) consumer. */
type Queue = {
  readonly cpu: number;
  irq: number;
  /** Interrupts raised and not yet handled. */
  pending: number;
  backlog: Backlog;
  /** The threaded handler's pid (-1: softirq consumer, or stopped). */
  thread: number;
  /** Dropping since the backlog last filled; the drops of this episode. */
  dropping: boolean;
  episodeDrops: number;
};

export class IrqWorkload extends Workload<IrqSpec> {
  private readonly queues: Queue[];
  /** Queue index by CPU id. */
  private readonly slot = new Map<number, number>();
  /** The first tick the line ran (-1: not yet): periodic and burst processes count from it. */
  private startedAt = -1;

  constructor(index: number, name: string, spec: IrqSpec, cpus: readonly number[]) {
    super(index, name, spec, cpus);
    this.queues = [];
    for (const cpu of cpus) {
      if (this.slot.has(cpu)) continue;
      this.slot.set(cpu, this.queues.length);
      this.queues.push({cpu, irq: -1, pending: 0, backlog: new Backlog(), thread: -1, dropping: false, episodeDrops: 0});
    }
  }

  /** The GFP flags the handler passes: the spec's, or GFP_KERNEL for the sleeping-allocation bug. */
  private get gfp(): number {
    return this.spec.bugSleepingAlloc ? this.spec.gfp | GFP_KERNEL : this.spec.gfp;
  }

  /** The vector of the queue on a CPU (-1 if the line has no queue there). */
  irqOf(cpu: number): number {
    const i = this.slot.get(cpu);
    return i === undefined ? -1 : this.queues[i].irq;
  }

  /** Buffers queued on a CPU's backlog now. */
  backlogOf(cpu: number): number {
    const i = this.slot.get(cpu);
    return i === undefined ? 0 : this.queues[i].backlog.length;
  }

  /** The action name of a queue, as /proc/interrupts and the thread's comm show it. */
  private action(q: number): string {
    return this.queues.length === 1 ? this.name : `${this.name}-rx-${q}`;
  }

  /** The first vector: the spec's, or the next free one after the lines listed before this one. */
  private firstIrq(sys: System): number {
    if (this.spec.irq >= 0) return this.spec.irq;
    let n = FIRST_IRQ;
    for (const w of sys.workloads) {
      if (w === this) break;
      if (w instanceof IrqWorkload) n += w.queues.length;
    }
    return n;
  }

  // ---- request_irq / free_irq -----------------------------------------------------------------------------

  start(sys: System): void {
    if (this.state === 'running') return;
    this.state = 'running';
    this.startedAt = -1;
    const first = this.firstIrq(sys);
    this.queues.forEach((q, i) => {
      q.irq = first + i;
      q.pending = 0;
      q.dropping = false;
      q.episodeDrops = 0;
      q.backlog = new Backlog();
      if (this.spec.consumer === 'task') {
        const t = sys.spawn(this.index, `irq/${q.irq}-${this.action(i)}`, q.cpu, 'irq_thread', i);
        sys.sleep(t, 'S', 'work', Infinity);
        q.thread = t.pid;
      }
    });
    const what = this.spec.alloc === 'pages' ? `order-${this.spec.order} pages` : 'kmalloc buffers';
    const vectors = this.queues.map((q) => `${q.irq} on CPU ${q.cpu}`).join(', ');
    const threads = this.queues.map((q, i) => `irq/${q.irq}-${this.action(i)}`);
    const consumer = this.spec.consumer === 'task' ? `${threads.join(', ')} ${threads.length > 1 ? 'free' : 'frees'} them` : 'the softirq frees them';
    this.log(sys, this.queues[0].cpu, `${this.name}: IRQ ${vectors}: handler takes ${what} with ${this.spec.gfpText}, ${consumer}`);
  }

  /** free_irq(): no more interrupts; what is queued is freed (flush_backlog), the threads exit. */
  stop(sys: System): void {
    if (this.state !== 'running') return;
    this.state = 'stopped';
    let freed = 0;
    for (const q of this.queues) {
      const ctx: ExecContext = {cpu: q.cpu, context: 'process', comm: this.name};
      freed += q.backlog.length;
      while (q.backlog.length > 0) this.freeOldest(sys, ctx, q.backlog);
      q.pending = 0;
      if (q.thread >= 0) {
        const t = sys.tasks.get(q.thread);
        if (t) sys.exit(t);
        q.thread = -1;
      }
    }
    this.log(sys, this.queues[0].cpu, `${this.name}: free_irq: ${freed} queued buffers freed`);
  }

  // ---- the interrupt --------------------------------------------------------------------------------------

  /** Arrivals: each queue's own process, counted from the start (queue i staggered i ticks ahead of queue 0). */
  override tick(sys: System): void {
    const prng = sys.machine.prng;
    if (this.startedAt < 0) this.startedAt = sys.tick;
    for (let i = 0; i < this.queues.length; i++) {
      const n = arrivals(this.spec.arrival, sys.tick, prng, i - this.startedAt);
      if (n === 0) continue;
      const q = this.queues[i];
      q.pending += n;
      this.count('interrupts', n);
      for (let k = 0; k < n; k++) sys.raiseIrq(this, q.cpu);
    }
  }

  /** The handler: buffers for every pending interrupt, queued to the backlog; then the consumer is kicked. */
  override hardirq(sys: System, cpu: number): void {
    const i = this.slot.get(cpu);
    if (this.state !== 'running' || i === undefined) return;
    const q = this.queues[i];
    const m = sys.machine;
    const ctx = sys.irqCtx(cpu, 'hardirq');
    const gfp = this.gfp;
    let want = 0;
    for (let k = 0; k < q.pending; k++) want += sample(this.spec.buffers, m.prng);
    q.pending = 0;
    let queued = 0;
    for (let k = 0; k < want; k++) {
      let buf: bigint | number;
      let size: number;
      let ok: boolean;
      if (this.spec.alloc === 'pages') {
        size = this.spec.order;
        const r = m.allocPagesNode(ctx, -1, gfp, size);
        buf = r.pfn;
        ok = this.allocated(sys, undefined, r.pfn >= 0, r.stallTicks);
        if (ok) this.stats.pages += 1 << size;
      } else {
        size = Math.max(1, sample(this.spec.size, m.prng));
        const r = m.kmalloc(ctx, size, gfp);
        buf = r.addr;
        ok = this.allocated(sys, undefined, r.addr !== 0n, r.stallTicks);
        if (ok) this.heldKmalloc(size, 1);
      }
      if (!ok) {
        // The RX ring could not be refilled: the device misses the rest of this run's packets.
        this.count('alloc_failures');
        this.count('missed', want - k - 1);
        break;
      }
      this.count('buffers');
      if (q.backlog.length >= this.spec.backlog) {
        // enqueue_to_backlog(): the backlog is full, the buffer is dropped (freed) here.
        this.freeBuffer(sys, ctx, buf, size);
        this.count('drops');
        q.episodeDrops++;
        if (!q.dropping) {
          q.dropping = true;
          this.log(sys, cpu, `${this.name}: CPU ${cpu} backlog full (${this.spec.backlog} buffers): dropping`);
        }
        continue;
      }
      q.backlog.push(buf, size);
      queued++;
    }
    if (queued === 0 && q.backlog.length === 0) return;
    if (this.spec.consumer === 'softirq') sys.raiseSoftirq(this, cpu);
    else {
      const t = sys.tasks.get(q.thread);
      if (t) sys.wake(t);
    }
  }

  // ---- the consumer ---------------------------------------------------------------------------------------

  /** NET_RX-style softirq, one round of __do_softirq(): up to `budget` buffers; raised again while some are left. */
  override softirq(sys: System, cpu: number): boolean {
    const i = this.slot.get(cpu);
    if (this.state !== 'running' || i === undefined) return false;
    return this.consume(sys, sys.irqCtx(cpu, 'softirq'), this.queues[i]);
  }

  /** The threaded handler: up to `budget` buffers per step; sleeps when the backlog is empty. */
  override runTask(sys: System, task: Task): void {
    if (task.role !== 'irq_thread' || this.state !== 'running') return;
    const q = this.queues[task.arg];
    if (!this.consume(sys, this.taskCtx(task), q)) sys.sleep(task, 'S', 'work', Infinity);
  }

  /** Free up to a budget of the oldest buffers; true while some are left. */
  private consume(sys: System, ctx: ExecContext, q: Queue): boolean {
    const n = Math.min(this.spec.budget, q.backlog.length);
    for (let k = 0; k < n; k++) this.freeOldest(sys, ctx, q.backlog);
    if (n > 0) this.count('consumed', n);
    if (q.backlog.length > 0) return true;
    if (q.dropping) {
      q.dropping = false;
      this.log(sys, q.cpu, `${this.name}: CPU ${q.cpu} backlog drained, ${q.episodeDrops} buffers dropped while it was full`);
      q.episodeDrops = 0;
    }
    return false;
  }

  private freeOldest(sys: System, ctx: ExecContext, b: Backlog): void {
    const size = b.peekSize();
    this.freeBuffer(sys, ctx, b.shift(), size);
  }

  /** Give a buffer back: kfree, or __free_pages of its order. */
  private freeBuffer(sys: System, ctx: ExecContext, buf: bigint | number, size: number): void {
    if (this.spec.alloc === 'pages') {
      sys.machine.freePagesPfn(ctx, buf as number, size);
      this.stats.pages -= 1 << size;
    } else {
      sys.machine.kfree(ctx, buf as bigint);
      this.heldKmalloc(size, -1);
    }
    this.called(sys);
  }
}
