// A driver module. Load runs probe() in a `modprobe` task: kmem_cache_create for its caches, kmalloc for its
// control structures, vmalloc for firmware; a failure unwinds what probe took and fails with -ENOMEM, as a
// probe that returns an error does. While loaded, one worker thread per CPU serves requests: each arrival
// allocates a request object (kmalloc or one of its caches), each completion frees it. Unload runs remove() in
// an `rmmod` task; with `leak` set, remove() forgets its control structures and in-flight requests, its caches
// are destroyed anyway (SLUB reports the objects remaining), and kmemleak reports what is unreferenced.
import type {ExecContext} from '../kernel/context.js';
import {GFP_KERNEL} from '../kernel/gfp.js';
import {arrivals, sample} from './dist.js';
import {MinHeap} from './heap.js';
import type {DriverSpec} from './spec.js';
import type {System, Task} from './system.js';
import {kmemleakReport, type Leak, ModuleWorkload} from './workload.js';

/** A request in flight: its object and the cache it came from (-1: kmalloc). */
type Request = {readonly addr: bigint; readonly cache: number; readonly size: number; readonly tick: number; readonly by: number};

export class DriverWorkload extends ModuleWorkload<DriverSpec> {
  /** struct kmem_cache pointers, in the order the spec lists the caches. */
  private caches: bigint[] = [];
  private control: {addr: bigint; size: number}[] = [];
  private firmware = 0n;
  /** Per worker: requests waiting to be served, and those in flight by completion tick. */
  private pending: number[] = [];
  private inflight: MinHeap<Request>[] = [];
  private workers: number[] = [];
  private probePid = -1;
  /** The modprobe task that ran probe (kmemleak names it). */
  private probedBy = 0;
  private probedAt = 0;
  private probeDone = false;
  /** The index of the cache requests come from (-1: kmalloc). */
  private readonly requestCache = this.spec.requests?.cache === undefined ? -1 : this.spec.caches.findIndex((c) => c.name === this.spec.requests?.cache);

  start(sys: System): void {
    if (!this.mayLoad(sys)) return;
    this.state = 'loading';
    this.probeDone = false;
    this.probePid = sys.spawn(this.index, 'modprobe', this.cpus[0], 'probe').pid;
    this.probedBy = this.probePid;
    this.probedAt = sys.tick;
  }

  stop(sys: System): void {
    if (!this.mayUnload(sys)) return;
    this.state = 'unloading';
    for (const pid of this.workers) {
      const t = sys.tasks.get(pid);
      if (t) sys.exit(t);
    }
    this.workers = [];
    sys.spawn(this.index, 'rmmod', this.cpus[0], 'remove');
  }

  override tick(sys: System): void {
    const r = this.spec.requests;
    if (this.state !== 'running' || !r) return;
    for (let i = 0; i < this.workers.length; i++) {
      this.pending[i] += arrivals(r.arrival, sys.tick, sys.machine.prng, i);
      // Beyond a software queue as deep as the hardware one, submitters are turned away (BLK_STS_RESOURCE).
      if (this.pending[i] > r.maxInflight) {
        this.count('busy', this.pending[i] - r.maxInflight);
        this.pending[i] = r.maxInflight;
      }
      const t = sys.tasks.get(this.workers[i]);
      if (t && t.state === 'S' && ((this.pending[i] > 0 && this.inflight[i].size < r.maxInflight) || this.inflight[i].peekKey() <= sys.tick)) sys.wake(t);
    }
  }

  // ---- probe and remove -----------------------------------------------------------------------------------

  protected probeStep(sys: System, task: Task): void {
    const m = sys.machine;
    const ctx = this.taskCtx(task);
    if (!this.probeDone) {
      this.probeDone = true;
      for (const c of this.spec.caches) {
        const ptr = m.kmemCacheCreate(ctx, c.name, c.size, c.align, c.flags);
        this.called(sys);
        if (ptr === 0n) return this.probeFailed(sys, task, `kmem_cache_create(${c.name}) failed`);
        this.caches.push(ptr);
      }
      for (const size of this.spec.control) {
        const r = m.kmalloc(ctx, size, GFP_KERNEL);
        if (!this.allocated(sys, task, r.addr !== 0n, r.stallTicks)) return this.probeFailed(sys, task, `kmalloc(${size}) failed`);
        this.control.push({addr: r.addr, size});
        this.heldKmalloc(size, 1);
      }
      if (this.spec.firmware > 0) {
        const r = m.vmalloc(ctx, this.spec.firmware, GFP_KERNEL, -1, `${this.name}_probe+0x5c/0x1f0 [${this.name}]`);
        if (!this.allocated(sys, task, r.addr !== 0n, r.stallTicks)) return this.probeFailed(sys, task, `vmalloc(${this.spec.firmware}) failed for the firmware`);
        this.firmware = r.addr;
        this.stats.vmallocBytes += this.spec.firmware;
      }
      // Probe slept in direct reclaim: it completes when the task wakes.
      if (sys.asleep(task)) return;
    }
    this.state = 'running';
    this.log(sys, task.cpu, `${this.name}: probed: ${this.spec.caches.length} caches, ${this.control.length} control structures, ${this.firmware ? this.spec.firmware + ' bytes of firmware' : 'no firmware'}`);
    sys.exit(task);
    this.probePid = -1;
    if (!this.spec.requests) return;
    this.pending = [];
    this.inflight = [];
    this.workers = this.cpus.map((cpu, i) => {
      this.pending.push(0);
      this.inflight.push(new MinHeap<Request>());
      const t = sys.spawn(this.index, `${this.name}/${cpu}`, cpu, 'worker', i);
      sys.sleep(t, 'S', 'work', Infinity);
      return t.pid;
    });
  }

  /** Probe returned -ENOMEM: what it took is given back in reverse order. */
  private probeFailed(sys: System, task: Task, why: string): void {
    const ctx = this.taskCtx(task);
    this.releaseAll(sys, ctx, false);
    this.state = 'failed';
    this.count('probe_failures');
    this.log(sys, task.cpu, `${this.name}: probe with driver ${this.name} failed with error -12`, [why]);
    sys.exit(task);
    this.probePid = -1;
  }

  protected removeStep(sys: System, task: Task): void {
    const ctx = this.taskCtx(task);
    const leaks = this.releaseAll(sys, ctx, this.spec.leak);
    this.state = 'stopped';
    this.log(sys, task.cpu, `${this.name}: removed${leaks.length ? `, leaving ${leaks.length} objects behind` : ''}`);
    if (leaks.length) {
      this.count('leaked', leaks.length);
      kmemleakReport(sys, task.cpu, leaks);
    }
    sys.exit(task);
  }

  /** Free requests, control structures, firmware and caches; with `leak`, forget the objects instead. */
  private releaseAll(sys: System, ctx: ExecContext, leak: boolean): Leak[] {
    const m = sys.machine;
    const leaks: Leak[] = [];
    const site = (fn: string) => `${fn}+0x4c/0x120 [${this.name}]`;
    for (const heap of this.inflight) {
      for (const r of heap.drain()) {
        const comm = `${this.name}/${this.cpus[this.inflight.indexOf(heap)]}`;
        if (leak) leaks.push({addr: r.addr, size: r.size, comm, pid: r.by, tick: r.tick, cache: r.cache >= 0, site: site(`${this.name}_queue_rq`)});
        else this.freeRequest(sys, ctx, r);
      }
    }
    for (const c of this.control.splice(0).reverse()) {
      if (leak) leaks.push({addr: c.addr, size: c.size, comm: 'modprobe', pid: this.probedBy, tick: this.probedAt, cache: false, site: site(`${this.name}_probe`)});
      else {
        m.kfree(ctx, c.addr);
        this.called(sys);
        this.heldKmalloc(c.size, -1);
      }
    }
    if (this.firmware !== 0n) {
      m.vfree(ctx, this.firmware);
      this.called(sys);
      this.stats.vmallocBytes -= this.spec.firmware;
      this.firmware = 0n;
    }
    for (const ptr of this.caches.splice(0).reverse()) {
      m.kmemCacheDestroy(ctx, ptr);
      this.called(sys);
    }
    if (leak) {
      // Forgotten objects are no longer the driver's: the machine still holds them, the workload does not.
      this.stats.slabObjects = 0;
      this.stats.pages = 0;
    }
    this.inflight = [];
    this.pending = [];
    return leaks;
  }

  // ---- requests -------------------------------------------------------------------------------------------

  protected workerStep(sys: System, task: Task): void {
    const r = this.spec.requests;
    if (!r || this.state !== 'running') return;
    const m = sys.machine;
    const ctx = this.taskCtx(task);
    const i = task.arg;
    const heap = this.inflight[i];
    while (heap.peekKey() <= sys.tick) this.freeRequest(sys, ctx, heap.pop() as Request);
    const cache = this.requestCache;
    while (this.pending[i] > 0 && heap.size < r.maxInflight) {
      this.pending[i]--;
      this.count('requests');
      const size = cache >= 0 ? this.spec.caches[cache].size : Math.max(1, sample(r.size, m.prng));
      const a = cache >= 0 ? m.kmemCacheAlloc(ctx, this.caches[cache], r.gfp) : m.kmalloc(ctx, size, r.gfp);
      if (this.allocated(sys, task, a.addr !== 0n, a.stallTicks)) {
        heap.push(sys.tick + Math.max(1, sample(r.lifetime, m.prng)), {addr: a.addr, cache, size, tick: sys.tick, by: task.pid});
        if (cache >= 0) this.stats.slabObjects++;
        else this.heldKmalloc(size, 1);
      } else {
        this.count('request_errors');
      }
      if (sys.asleep(task)) return;
    }
    // Nothing to do until the next completion (or an arrival wakes it).
    if (this.pending[i] === 0 || heap.size >= r.maxInflight) sys.sleep(task, 'S', 'work', heap.size ? heap.peekKey() - sys.tick : Infinity);
  }

  private freeRequest(sys: System, ctx: ExecContext, r: Request): void {
    const m = sys.machine;
    if (r.cache >= 0) {
      m.kmemCacheFree(ctx, this.caches[r.cache], r.addr);
      this.stats.slabObjects--;
    } else {
      m.kfree(ctx, r.addr);
      this.heldKmalloc(r.size, -1);
    }
    this.called(sys);
  }
}
