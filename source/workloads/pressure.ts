// Memory pressure: one user process per CPU of `cpus` that reads files and touches anonymous memory. Each step
// reads `read` pages into the page cache (filemap_read: movable order-0 pages on the LRU; the process does not own
// them and kswapd or direct reclaim take them back) and faults in `anon` user pages (do_anonymous_page:
// GFP_HIGHUSER_MOVABLE order-0), each unmapped after its `lifetime`, at most `anon_max` bytes per process.
// Pages are unmapped in lifetime order, not in the order they came, so the survivors end up scattered over the
// zones: that is what fragments memory for later high-order requests. The page cache fills the rest of memory,
// drives the zones down to their watermarks, wakes kswapd and makes the readers reclaim directly; a process
// whose allocation entered direct reclaim sleeps in D ('reclaim') for the stall and then goes on.
// Simplified: user pages are not reclaimable (no swap: Machine.allocUserPage), so only the page cache gives memory
// back; no OOM killer, so a fault that finds no page fails, is counted, and the process tries again next step.
import type {ExecContext} from '../kernel/context.js';
import {PAGE_SIZE} from '../kernel/page-alloc/types.js';
import {sample} from './dist.js';
import {MinHeap} from './heap.js';
import type {PressureSpec} from './spec.js';
import type {System, Task} from './system.js';
import {Workload} from './workload.js';

export class PressureWorkload extends Workload<PressureSpec> {
  /** The processes' pids, by slot. */
  private procs: number[] = [];
  /** Per process: its user pages (pfns) by the tick it unmaps them. */
  private anon: MinHeap<number>[] = [];

  /** User pages a process holds at most. */
  private get anonLimit(): number {
    return Math.floor(this.spec.anonMax / PAGE_SIZE);
  }

  /** A process that reads nothing has nothing to do while it holds its limit of user pages (or faults none). */
  private idle(held: number): boolean {
    const none = (d: PressureSpec['read']) => d.kind === 'fixed' && d.value === 0;
    return none(this.spec.read) && (held >= this.anonLimit || none(this.spec.anon));
  }

  start(sys: System): void {
    if (this.state === 'running') return;
    this.state = 'running';
    this.anon = [];
    this.procs = this.cpus.map((cpu, i) => {
      this.anon.push(new MinHeap<number>());
      return sys.spawn(this.index, this.name, cpu, 'process', i).pid;
    });
  }

  /** The processes exit: exit_mmap() unmaps every user page they hold. */
  stop(sys: System): void {
    if (this.state !== 'running') return;
    this.procs.forEach((pid, i) => {
      const t = sys.tasks.get(pid);
      const cpu = t?.cpu ?? this.cpus[i];
      const ctx: ExecContext = {cpu, context: 'process', comm: this.name};
      const heap = this.anon[i];
      while (heap.size) this.unmap(sys, ctx, heap.pop() as number);
      if (t) sys.exit(t);
    });
    this.procs = [];
    this.anon = [];
    this.state = 'stopped';
  }

  override runTask(sys: System, task: Task): void {
    if (this.state !== 'running') return;
    const m = sys.machine;
    const ctx = this.taskCtx(task);
    const heap = this.anon[task.arg];
    while (heap.peekKey() <= sys.tick) this.unmap(sys, ctx, heap.pop() as number);

    const read = sample(this.spec.read, m.prng);
    if (read > 0) {
      const r = m.pageCacheRead(ctx, read * PAGE_SIZE);
      this.allocated(sys, task, r.pages === read, r.stallTicks);
      this.count('pagecache_pages', r.pages);
      if (sys.asleep(task)) return;
    }

    const want = Math.min(sample(this.spec.anon, m.prng), this.anonLimit - heap.size);
    for (let i = 0; i < want; i++) {
      const r = m.allocUserPage(ctx);
      if (this.allocated(sys, task, r.pfn >= 0, r.stallTicks)) {
        heap.push(sys.tick + Math.max(1, sample(this.spec.lifetime, m.prng)), r.pfn);
        this.stats.pages++;
        this.count('anon_faults');
      } else {
        // No OOM killer here: the fault fails and the process tries again at its next step.
        this.count('anon_failures');
        break;
      }
      if (sys.asleep(task)) return;
    }
    // At its limit with no file to read, it waits for its next page to be unmapped.
    if (this.idle(heap.size)) sys.sleep(task, 'S', 'timer', heap.peekKey() - sys.tick);
  }

  private unmap(sys: System, ctx: ExecContext, pfn: number): void {
    sys.machine.freeUserPage(ctx, pfn);
    this.called(sys);
    this.stats.pages--;
  }
}
