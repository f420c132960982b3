// The base of every generator: its state, what it holds, and the bookkeeping around each kernel call, so the
// per-workload accounting (pages, slab objects, vmalloc bytes held, failures, stalls) is kept in one place.
// A generator only reaches the machine through its public kernel API (kmalloc, alloc_pages_node, vmalloc, ...).
import type {ExecContext} from '../kernel/context.js';
import {PAGE_SIZE} from '../kernel/page-alloc/types.js';
import {KMALLOC_MAX_CACHE_SIZE} from '../kernel/slab/geometry.js';
import type {WorkloadSpec, WorkloadType} from './spec.js';
import type {System, Task} from './system.js';

export type WorkloadState = 'stopped' | 'loading' | 'running' | 'unloading' | 'failed';

export type WorkloadStats = {
  /** Pages held through the page allocator (blocks count 1 << order). */
  pages: number;
  /** Slab objects held (kmalloc and kmem_cache objects). */
  slabObjects: number;
  /** Bytes of vmalloc'd memory held (what was asked for, not rounded). */
  vmallocBytes: number;
  /** Allocations that returned NULL. */
  failures: number;
  /** Allocations that entered direct reclaim, and the ticks they slept. */
  stalls: number;
  stallTicks: number;
  /** Kernel API calls made (allocations and frees). */
  calls: number;
};

export abstract class Workload<S extends WorkloadSpec = WorkloadSpec> {
  state: WorkloadState = 'stopped';
  readonly stats: WorkloadStats = {pages: 0, slabObjects: 0, vmallocBytes: 0, failures: 0, stalls: 0, stallTicks: 0, calls: 0};
  /** Counters of the generator's own events (requests, interrupts, drops, forks ...), for the JSON and the pane. */
  readonly counters: Record<string, number> = {};

  constructor(
    readonly index: number,
    readonly name: string,
    readonly spec: S,
    /** The CPUs it runs on. */
    readonly cpus: readonly number[],
  ) {}

  get type(): WorkloadType {
    return this.spec.type;
  }

  /** Load or start: called at the tick of the timeline action (or at boot). */
  abstract start(sys: System): void;
  /** Unload or stop. */
  abstract stop(sys: System): void;
  /** Right after boot, before anything else runs (allocate_at_boot). */
  boot(_sys: System): void {}
  /** Once per tick while not stopped, before the CPUs step: arrivals, interrupts raised. */
  tick(_sys: System): void {}
  /** One process-context step of one of its tasks. */
  runTask(_sys: System, _task: Task): void {}
  /** One hardirq-context step on a CPU: the handler of a pending interrupt. */
  hardirq(_sys: System, _cpu: number): void {}
  /** One softirq-context step on a CPU; true if more work is left (the softirq stays raised). */
  softirq(_sys: System, _cpu: number): boolean {
    return false;
  }

  protected count(name: string, n = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + n;
  }

  /** The context a task's calls run in. */
  protected taskCtx(task: Task): ExecContext {
    return {cpu: task.cpu, context: 'process', comm: task.comm};
  }

  /**
   * After an allocation: count the call, a failure, a stall. A task whose allocation entered direct reclaim
   * sleeps (D) for the stall's ticks; the generator stops its step there (see System.asleep).
   */
  protected allocated(sys: System, task: Task | undefined, ok: boolean, stallTicks: number): boolean {
    sys.calls++;
    this.stats.calls++;
    if (!ok) this.stats.failures++;
    if (stallTicks > 0) {
      this.stats.stalls++;
      this.stats.stallTicks += stallTicks;
      if (task) sys.stall(task, stallTicks);
    }
    return ok;
  }

  /** After a free (or any call that allocates nothing). */
  protected called(sys: System): void {
    sys.calls++;
    this.stats.calls++;
  }

  /** A kmalloc'd object held (+1) or given back (-1): a slab object, or kmalloc_large pages above 8 KiB. */
  protected heldKmalloc(size: number, sign: 1 | -1): void {
    if (size > KMALLOC_MAX_CACHE_SIZE) this.stats.pages += sign * (1 << Math.ceil(Math.log2(Math.ceil(size / PAGE_SIZE))));
    else this.stats.slabObjects += sign;
  }

  log(sys: System, cpu: number, text: string, detail: readonly string[] = []): void {
    sys.machine.log(cpu, 'workload', text, detail);
  }
}

/**
 * A module-like workload (driver, DMA device): load runs probe() in a modprobe task, unload runs remove() in an
 * rmmod task, and while loaded its worker threads serve requests. This dispatches each task's step to its role.
 */
export abstract class ModuleWorkload<S extends WorkloadSpec> extends Workload<S> {
  protected abstract probeStep(sys: System, task: Task): void;
  protected abstract removeStep(sys: System, task: Task): void;
  protected abstract workerStep(sys: System, task: Task): void;

  override runTask(sys: System, task: Task): void {
    switch (task.role) {
      case 'probe':
        return this.probeStep(sys, task);
      case 'remove':
        return this.removeStep(sys, task);
      case 'worker':
        return this.workerStep(sys, task);
    }
  }

  /**
   * Can a module-like workload be loaded now? If not, say what kmod's modprobe would: a loaded module is
   * "already in kernel" (modprobe --first-time; plain modprobe returns quietly), one still unloading is busy.
   */
  protected mayLoad(sys: System): boolean {
    if (this.state === 'stopped' || this.state === 'failed') return true;
    const why = this.state === 'unloading' ? 'Device or resource busy' : 'Module already in kernel';
    this.log(sys, this.cpus[0], `modprobe: ERROR: could not insert '${this.name}': ${why}`);
    return false;
  }

  /** Can it be unloaded now? If not, rmmod's words: not loaded, or busy in its init or exit (delete_module -EBUSY). */
  protected mayUnload(sys: System): boolean {
    if (this.state === 'running') return true;
    const busy = this.state === 'loading' || this.state === 'unloading';
    this.log(sys, this.cpus[0], busy ? `rmmod: ERROR: could not remove '${this.name}': Device or resource busy` : `rmmod: ERROR: Module ${this.name} is not currently loaded`);
    return false;
  }
}

/** An object a workload forgot, as kmemleak describes it. */
export type Leak = {readonly addr: bigint; readonly size: number; readonly comm: string; readonly pid: number; readonly tick: number; readonly cache: boolean; readonly site: string};

/** INITIAL_JIFFIES, and HZ=250 with a tick of 200 ms. */
const INITIAL_JIFFIES = 4294667296;
const JIFFIES_PER_TICK = 50;
const KMEMLEAK_SHOWN = 8;

/** mm/kmemleak.c: the scan's summary line, and the first objects as /sys/kernel/debug/kmemleak shows them. */
export function kmemleakReport(sys: System, cpu: number, leaks: readonly Leak[]): void {
  const detail: string[] = [];
  for (const l of leaks.slice(0, KMEMLEAK_SHOWN)) {
    detail.push(
      `unreferenced object 0x${l.addr.toString(16)} (size ${l.size}):`,
      `  comm "${l.comm}", pid ${l.pid}, jiffies ${(INITIAL_JIFFIES + l.tick * JIFFIES_PER_TICK) % 2 ** 32}`,
      `  backtrace (crc 0):`,
      `    ${l.cache ? 'kmem_cache_alloc_noprof+0x1c2/0x3a0' : l.size > KMALLOC_MAX_CACHE_SIZE ? '__kmalloc_large_noprof+0x2b/0xc0' : '__kmalloc_cache_noprof+0x2b3/0x390'}`,
      `    ${l.site}`,
    );
  }
  if (leaks.length > KMEMLEAK_SHOWN) detail.push(`... and ${leaks.length - KMEMLEAK_SHOWN} more unreferenced objects`);
  sys.machine.log(cpu, 'kmemleak', `kmemleak: ${leaks.length} new suspected memory leaks (see /sys/kernel/debug/kmemleak)`, detail);
}
