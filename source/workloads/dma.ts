// A device that DMAs to physically contiguous memory below 16 MiB (a 24-bit mask: ZONE_DMA) or 4 GiB (a 32-bit
// mask: ZONE_DMA32). Load runs probe() in a `modprobe` task: dma_alloc_coherent() of the ring's `count` blocks of
// `ring.order`, which dma-direct turns into alloc_pages_node(dev_to_node(dev), GFP_KERNEL | GFP_DMA or GFP_DMA32,
// order) (kernel/dma/direct.c __dma_direct_alloc_pages); a failure frees what probe took and fails it with
// -ENOMEM. While loaded, one worker on the device's first CPU allocates streaming buffers of `buffers.order` as
// they arrive and frees each after its lifetime. Unload runs remove() in an `rmmod` task. The device's node is
// its first CPU's (dev_to_node).
// With `allocate_at_boot`, the driver is built in: it takes the ring and a pool of `buffers.pool` blocks during
// boot, before memory fragments, and keeps them for the device's life; load and unload reuse them and buffers
// come from the pool while it lasts, so a later fragmentation cannot fail the device (what CMA or a driver's own
// boot-time pool achieve on a real machine).
// Simplified: no IOMMU, swiotlb or CMA (dma_alloc_contiguous); dma-direct's retry in a lower zone when a page
// lands above the mask is not needed (the zone modifier already keeps pages below it). Streaming buffers are
// taken with __GFP_NOWARN, as refill paths do, and the driver reports their failures itself, ratelimited.
import type {ExecContext} from '../kernel/context.js';
import {__GFP_NOWARN, GFP_DMA, GFP_DMA32, GFP_KERNEL} from '../kernel/gfp.js';
import {PAGE_SIZE} from '../kernel/page-alloc/types.js';
import {arrivals, sample} from './dist.js';
import {MinHeap} from './heap.js';
import type {DmaSpec} from './spec.js';
import type {System, Task} from './system.js';
import {ModuleWorkload} from './workload.js';

/** A streaming buffer in flight: its first pfn, and whether it came from the boot-time pool. */
type Buffer = {readonly pfn: number; readonly pool: boolean};

/** Requests waiting for a buffer at most (the device's queue); arrivals beyond it are dropped. */
const QUEUE_DEPTH = 256;
/** dev_warn_ratelimited(): at most one failure line per this many ticks (5 s at 200 ms a tick). */
const WARN_INTERVAL = 25;

export class DmaWorkload extends ModuleWorkload<DmaSpec> {
  /** First pfns of the coherent ring's blocks. */
  private ring: number[] = [];
  /** Pool blocks not in use, and how many blocks the pool owns in all (boot only). */
  private pool: number[] = [];
  private poolBlocks = 0;
  /** The ring (and pool) were taken at boot: probe and remove leave them alone. */
  private bootRing = false;
  private inflight = new MinHeap<Buffer>();
  private pending = 0;
  private worker = -1;
  private lastWarn = -Infinity;
  private failedSinceWarn = 0;

  /** The coherent ring's blocks (first pfns), for the panes and tests. */
  get ringPfns(): readonly number[] {
    return this.ring;
  }

  /** Boot-time pool blocks not in use. */
  get poolFree(): number {
    return this.pool.length;
  }

  /** GFP_KERNEL plus the zone modifier dma_direct_optimal_gfp_mask() picks for the device's mask. */
  private get gfp(): number {
    return GFP_KERNEL | (this.spec.zone === 'DMA' ? GFP_DMA : GFP_DMA32);
  }

  private get gfpText(): string {
    return `GFP_KERNEL | ${this.spec.zone === 'DMA' ? 'GFP_DMA' : 'GFP_DMA32'}`;
  }

  /** dev_to_node(): the device sits on the node of its first CPU. */
  private nid(sys: System): number {
    return sys.machine.nodeOfCpu(this.cpus[0]);
  }

  private kb(order: number): number {
    return (PAGE_SIZE << order) / 1024;
  }

  override boot(sys: System): void {
    if (!this.spec.allocateAtBoot) return;
    // Built-in drivers probe from do_initcalls() in PID 1, still named swapper/0.
    const ctx: ExecContext = {cpu: this.cpus[0], context: 'process', comm: 'swapper/0'};
    const b = this.spec.buffers;
    if (!this.takeRing(sys, ctx, undefined)) return;
    for (let i = 0; b && i < b.pool; i++) {
      const pfn = this.allocBlock(sys, ctx, undefined, b.order, this.gfp);
      if (pfn < 0) return this.probeFailed(sys, ctx, `${this.name}: dma_alloc_coherent(${PAGE_SIZE << b.order}, ${this.gfpText}) failed for pool buffer ${i} of ${b.pool}`);
      this.pool.push(pfn);
      this.poolBlocks++;
    }
    this.bootRing = true;
    const pool = b && b.pool > 0 ? `, ${this.poolBlocks} x ${this.kb(b.order)} KiB buffer pool` : '';
    this.log(sys, ctx.cpu, `${this.name}: reserved at boot: ${this.ring.length} x ${this.kb(this.spec.ring.order)} KiB coherent ring${pool} (ZONE_${this.spec.zone})`);
  }

  /** Probe returns -ENOMEM: what it took is given back, newest first. */
  private probeFailed(sys: System, ctx: ExecContext, why: string): void {
    for (const pfn of this.pool.splice(0).reverse()) this.freeBlock(sys, ctx, pfn, this.spec.buffers?.order ?? 0);
    this.releaseRing(sys, ctx);
    this.poolBlocks = 0;
    this.state = 'failed';
    this.count('probe_failures');
    this.log(sys, ctx.cpu, `${this.name}: probe with driver ${this.name} failed with error -12`, [why]);
  }

  start(sys: System): void {
    if (!this.mayLoad(sys)) return;
    this.state = 'loading';
    sys.spawn(this.index, 'modprobe', this.cpus[0], 'probe');
  }

  stop(sys: System): void {
    if (!this.mayUnload(sys)) return;
    this.state = 'unloading';
    const t = sys.tasks.get(this.worker);
    if (t) sys.exit(t);
    this.worker = -1;
    sys.spawn(this.index, 'rmmod', this.cpus[0], 'remove');
  }

  override tick(sys: System): void {
    const b = this.spec.buffers;
    if (this.state !== 'running' || !b) return;
    const n = arrivals(b.arrival, sys.tick, sys.machine.prng);
    const room = QUEUE_DEPTH - this.pending;
    if (n > room) this.count('dropped', n - room);
    this.pending += Math.min(n, room);
    const t = sys.tasks.get(this.worker);
    if (t && t.state === 'S' && (this.pending > 0 || this.inflight.peekKey() <= sys.tick)) sys.wake(t);
  }

  // ---- probe and remove -----------------------------------------------------------------------------------

  /** Probe: the ring, one block per call; a call that slept in direct reclaim goes on when the task wakes. */
  protected probeStep(sys: System, task: Task): void {
    if (!this.bootRing) {
      if (!this.takeRing(sys, this.taskCtx(task), task)) {
        sys.exit(task);
        return;
      }
      if (sys.asleep(task)) return;
    }
    this.state = 'running';
    const r = this.spec.ring;
    this.log(sys, task.cpu, `${this.name}: probed: ${r.count} x ${this.kb(r.order)} KiB coherent ring in ZONE_${this.spec.zone}${this.bootRing ? ' (reserved at boot)' : ''}`);
    sys.exit(task);
    if (!this.spec.buffers) return;
    this.pending = 0;
    const t = sys.spawn(this.index, `${this.name}/${this.cpus[0]}`, this.cpus[0], 'worker');
    sys.sleep(t, 'S', 'work', Infinity);
    this.worker = t.pid;
  }

  /**
   * dma_alloc_coherent() for the ring's blocks still missing. False when one failed: probe then returns -ENOMEM
   * after freeing what it took. With a task, it stops after a call that slept (the caller checks asleep).
   */
  private takeRing(sys: System, ctx: ExecContext, task: Task | undefined): boolean {
    const {count, order} = this.spec.ring;
    while (this.ring.length < count) {
      const pfn = this.allocBlock(sys, ctx, task, order, this.gfp);
      if (pfn < 0) {
        this.probeFailed(sys, ctx, `${this.name}: dma_alloc_coherent(${PAGE_SIZE << order}, ${this.gfpText}) failed for ring block ${this.ring.length} of ${count}`);
        return false;
      }
      this.ring.push(pfn);
      if (task && sys.asleep(task)) return true;
    }
    return true;
  }

  private releaseRing(sys: System, ctx: ExecContext): void {
    for (const pfn of this.ring.splice(0).reverse()) this.freeBlock(sys, ctx, pfn, this.spec.ring.order);
  }

  protected removeStep(sys: System, task: Task): void {
    const ctx = this.taskCtx(task);
    for (const b of this.inflight.drain()) this.putBuffer(sys, ctx, b);
    this.pending = 0;
    if (!this.bootRing) this.releaseRing(sys, ctx);
    this.state = 'stopped';
    this.log(sys, task.cpu, `${this.name}: removed${this.bootRing ? ', ring and pool kept for the device' : ''}`);
    sys.exit(task);
  }

  // ---- streaming buffers ----------------------------------------------------------------------------------

  protected workerStep(sys: System, task: Task): void {
    const b = this.spec.buffers;
    if (!b || this.state !== 'running') return;
    const m = sys.machine;
    const ctx = this.taskCtx(task);
    while (this.inflight.peekKey() <= sys.tick) this.putBuffer(sys, ctx, this.inflight.pop() as Buffer);
    while (this.pending > 0) {
      this.pending--;
      this.count('buffers');
      const due = sys.tick + Math.max(1, sample(b.lifetime, m.prng));
      const fromPool = this.pool.pop();
      if (fromPool !== undefined) {
        this.count('pool_buffers');
        this.inflight.push(due, {pfn: fromPool, pool: true});
        continue;
      }
      const pfn = this.allocBlock(sys, ctx, task, b.order, this.gfp | __GFP_NOWARN);
      if (pfn >= 0) this.inflight.push(due, {pfn, pool: false});
      else this.bufferFailed(sys, task.cpu, b.order);
      if (sys.asleep(task)) return;
    }
    sys.sleep(task, 'S', 'work', this.inflight.size ? this.inflight.peekKey() - sys.tick : Infinity);
  }

  private bufferFailed(sys: System, cpu: number, order: number): void {
    this.count('buffer_failures');
    this.failedSinceWarn++;
    if (sys.tick - this.lastWarn < WARN_INTERVAL) return;
    const more = this.failedSinceWarn > 1 ? ` (${this.failedSinceWarn - 1} more since the last message)` : '';
    this.log(sys, cpu, `${this.name}: failed to allocate a ${this.kb(order)} KiB DMA buffer in ZONE_${this.spec.zone}${more}`);
    this.lastWarn = sys.tick;
    this.failedSinceWarn = 0;
  }

  /** A buffer's I/O completed: back to the pool, or to the page allocator. */
  private putBuffer(sys: System, ctx: ExecContext, b: Buffer): void {
    if (b.pool) this.pool.push(b.pfn);
    else this.freeBlock(sys, ctx, b.pfn, this.spec.buffers?.order ?? 0);
  }

  // ---- pages ----------------------------------------------------------------------------------------------

  private allocBlock(sys: System, ctx: ExecContext, task: Task | undefined, order: number, gfp: number): number {
    const r = sys.machine.allocPagesNode(ctx, this.nid(sys), gfp, order);
    if (this.allocated(sys, task, r.pfn >= 0, r.stallTicks)) this.stats.pages += 1 << order;
    return r.pfn;
  }

  private freeBlock(sys: System, ctx: ExecContext, pfn: number, order: number): void {
    sys.machine.freePagesPfn(ctx, pfn, order);
    this.called(sys);
    this.stats.pages -= 1 << order;
  }
}
