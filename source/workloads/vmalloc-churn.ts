// vmalloc-heavy churn: module images and kernel stacks coming and going, for the vmalloc region and the TLB.
//
// module_loader: one `modprobe` task per CPU loads a module at each arrival - its image is
// vmalloc(size, GFP_KERNEL) (kernel/module/main.c load_module -> module_memory_alloc -> execmem_alloc) - and
// unloads it after its lifetime with vfree, which leaves the area unpurged until the lazily freed pages pass
// lazy_max_pages() and the machine purges them with one TLB flush on every CPU.
// Simplified: x86_64 really puts module images in their own mapping (MODULES_VADDR, via execmem), not in the
// vmalloc region, and frees them with VM_FLUSH_RESET_PERMS (a flush at once); we use the vmalloc region and the
// ordinary lazy vfree to show its churn. On i386 modules do live in the vmalloc region (MODULES_VADDR is
// VMALLOC_START). One area per module (the kernel allocates text, data and rodata separately); one task per
// CPU does what modprobe and rmmod processes would.
//
// fork_churn: a task per CPU forks at each arrival (kernel/fork.c copy_process -> dup_task_struct): a
// task_struct from the `task_struct` cache (5888 bytes on 6.18 x86_64, L1-aligned, as fork_init() creates it)
// and a kernel stack; the child sleeps (S) for its lifetime, then exits and frees both. On x86_64 the stack is
// a VMAP_STACK area (16 KiB + guard) and the kernel keeps NR_CACHED_STACKS (2) freed stacks per CPU:
// free_thread_stack() puts a stack in the cache while there is room and alloc_thread_stack_node() takes from
// it first, which is why fork churn rarely reaches vmalloc. i386 has no VMAP_STACK (HAVE_ARCH_VMAP_STACK is
// x86_64 only): its 8 KiB stacks are order-1 pages of lowmem (THREAD_SIZE_ORDER 1) and there is no cache.
// A failed fork returns -ENOMEM to the parent, which says so once per burst of failures.
// Simplified: the cache of stacks is this workload's, not shared by every forker of the CPU; stop frees it (the
// kernel frees it when the CPU goes offline); the child frees its stack and task_struct in its own exit step
// (the kernel frees the stack from an RCU callback and the task_struct when the parent has reaped it); the
// child runs on its parent's CPU; i386 uses x86_64's task_struct size (no i386 fixture).
import type {ExecContext} from '../kernel/context.js';
import {__GFP_ZERO, GFP_KERNEL} from '../kernel/gfp.js';
import {I386_THREAD_SIZE_ORDER} from '../kernel/machine.js';
import {SLAB_ACCOUNT, SLAB_PANIC} from '../kernel/slab/geometry.js';
import {THREAD_SIZE} from '../kernel/vmalloc/vmalloc.js';
import {arrivals, sample} from './dist.js';
import {MinHeap} from './heap.js';
import type {ForkChurnSpec, ModuleLoaderSpec} from './spec.js';
import type {System, Task} from './system.js';
import {Workload} from './workload.js';

/** The caller vmallocinfo shows for a module image. */
export const LOAD_MODULE_CALLER = 'load_module+0x1c4e/0x2a40';
/** A failure more than this many ticks after the previous one starts a new burst (and a new log line). */
const BURST_GAP = 100;

/** Logs the first failure of each burst of failures, and counts the bursts. */
class FailureBursts {
  private last = -Infinity;

  /** A failure at `tick`: true if it starts a new burst (the caller logs it). */
  failed(tick: number): boolean {
    const fresh = tick - this.last > BURST_GAP;
    this.last = tick;
    return fresh;
  }
}

// ---- module_loader ------------------------------------------------------------------------------------------

type Module = {readonly addr: bigint; readonly size: number};

export class ModuleLoaderWorkload extends Workload<ModuleLoaderSpec> {
  /** Per CPU slot: the modprobe task (-1: none), loads waiting, loaded modules by unload tick. */
  private tasks: number[] = [];
  private pending: number[] = [];
  private loaded: MinHeap<Module>[] = [];
  private readonly bursts = new FailureBursts();
  private seq = 0;

  start(sys: System): void {
    if (this.state === 'running') {
      this.log(sys, this.cpus[0], `${this.name}: already running`);
      return;
    }
    this.state = 'running';
    this.cpus.forEach((cpu, i) => {
      this.pending[i] = 0;
      this.loaded[i] ??= new MinHeap<Module>();
      if ((this.tasks[i] ?? -1) >= 0) return; // still unloading from the last run
      const t = sys.spawn(this.index, 'modprobe', cpu, 'modprobe', i);
      sys.sleep(t, 'S', 'work', Infinity);
      this.tasks[i] = t.pid;
    });
  }

  /** No more loads; loaded modules are unloaded at the end of their lifetimes, then the tasks exit. */
  stop(sys: System): void {
    if (this.state !== 'running') return;
    this.state = 'unloading';
    this.pending.fill(0);
    for (const pid of this.tasks) {
      const t = sys.tasks.get(pid);
      if (t && t.state === 'S') sys.wake(t);
    }
  }

  override tick(sys: System): void {
    if (this.state !== 'running') return;
    for (let i = 0; i < this.tasks.length; i++) {
      const n = arrivals(this.spec.arrival, sys.tick, sys.machine.prng, i);
      if (n === 0) continue;
      this.pending[i] += n;
      const t = sys.tasks.get(this.tasks[i]);
      if (t && t.state === 'S') sys.wake(t);
    }
  }

  override runTask(sys: System, task: Task): void {
    const m = sys.machine;
    const ctx = this.taskCtx(task);
    const i = task.arg;
    const heap = this.loaded[i];
    while (heap.peekKey() <= sys.tick) {
      const mod = heap.pop() as Module;
      m.vfree(ctx, mod.addr);
      this.called(sys);
      this.stats.vmallocBytes -= mod.size;
      this.count('unloads');
    }
    while (this.pending[i] > 0) {
      this.pending[i]--;
      const size = Math.max(1, sample(this.spec.size, m.prng));
      const r = m.vmalloc(ctx, size, GFP_KERNEL, -1, LOAD_MODULE_CALLER);
      const name = `mod${this.seq++}`;
      if (this.allocated(sys, task, r.addr !== 0n, r.stallTicks)) {
        heap.push(sys.tick + Math.max(1, sample(this.spec.lifetime, m.prng)), {addr: r.addr, size});
        this.stats.vmallocBytes += size;
        this.count('loads');
      } else {
        this.count('load_failures');
        if (this.bursts.failed(sys.tick)) {
          this.count('failure_bursts');
          this.log(sys, task.cpu, `modprobe: ERROR: could not insert '${name}': Cannot allocate memory`, [`load_module(): the module image (${size} bytes) did not fit the vmalloc region`]);
        }
      }
      if (sys.asleep(task)) return;
    }
    if (this.state !== 'running' && heap.size === 0) return this.exitTask(sys, task);
    sys.sleep(task, 'S', 'work', heap.size ? heap.peekKey() - sys.tick : Infinity);
  }

  private exitTask(sys: System, task: Task): void {
    sys.exit(task);
    this.tasks[task.arg] = -1;
    if (this.tasks.every((p) => p < 0)) this.state = 'stopped';
  }
}

// ---- fork_churn ---------------------------------------------------------------------------------------------

/** kernel/fork.c: NR_CACHED_STACKS */
export const NR_CACHED_STACKS = 2;
/** arch_task_struct_size on 6.18 x86_64 (test/fixtures/proc/slabinfo-6.18-2cpu.txt). */
export const TASK_STRUCT_SIZE = 5888;
/** L1_CACHE_BYTES: fork_init()'s alignment of task_struct. */
const TASK_STRUCT_ALIGN = 64;

/** A child: its task_struct and its kernel stack (a vmalloc address, or an i386 stack's direct-map address). */
type Child = {readonly ts: bigint; readonly stack: bigint};

/** fork_init(): kmem_cache_create_usercopy("task_struct", arch_task_struct_size, L1_CACHE_BYTES, SLAB_PANIC | SLAB_ACCOUNT, ...) */
function taskStructCache(sys: System): bigint {
  return sys.kernelCache('task_struct', TASK_STRUCT_SIZE, TASK_STRUCT_ALIGN, SLAB_PANIC | SLAB_ACCOUNT);
}

export class ForkChurnWorkload extends Workload<ForkChurnSpec> {
  /** struct kmem_cache of task_struct (0n: not created). */
  private cache = 0n;
  /** Per CPU slot: the forking task (-1: none) and forks waiting. */
  private forkers: number[] = [];
  private pending: number[] = [];
  private readonly children = new Map<number, Child>();
  /** Per CPU id: cached_stacks[NR_CACHED_STACKS] (x86_64 only). */
  private stackCache: bigint[][] = [];
  private readonly bursts = new FailureBursts();

  /** VMAP_STACK: x86_64 only. */
  private vmapStack(sys: System): boolean {
    return sys.machine.config.profile === 'x86_64';
  }

  /** fork_init() runs at boot: the task_struct cache exists before the first fork. */
  override boot(sys: System): void {
    this.cache = taskStructCache(sys);
  }

  start(sys: System): void {
    if (this.state === 'running') {
      this.log(sys, this.cpus[0], `${this.name}: already running`);
      return;
    }
    if (this.cache === 0n) {
      this.cache = taskStructCache(sys);
      if (this.cache === 0n) {
        this.state = 'failed';
        return;
      }
    }
    if (this.stackCache.length === 0) this.stackCache = Array.from({length: sys.machine.nrCpus}, () => []);
    this.state = 'running';
    this.cpus.forEach((cpu, i) => {
      this.pending[i] = 0;
      const t = sys.spawn(this.index, this.name, cpu, 'forker', i);
      sys.sleep(t, 'S', 'work', Infinity);
      this.forkers[i] = t.pid;
    });
  }

  /** No more forks: the forkers exit; children live out their lifetimes; the last one out tears down. */
  stop(sys: System): void {
    if (this.state !== 'running') return;
    this.state = 'unloading';
    for (const pid of this.forkers) {
      const t = sys.tasks.get(pid);
      if (t) sys.exit(t);
    }
    this.forkers = [];
    this.pending = [];
    if (this.children.size === 0) this.teardown(sys, this.ctxOn(this.cpus[0]));
  }

  override tick(sys: System): void {
    if (this.state !== 'running') return;
    for (let i = 0; i < this.forkers.length; i++) {
      const n = arrivals(this.spec.arrival, sys.tick, sys.machine.prng, i);
      if (n === 0) continue;
      this.pending[i] += n;
      const t = sys.tasks.get(this.forkers[i]);
      if (t && t.state === 'S') sys.wake(t);
    }
  }

  override runTask(sys: System, task: Task): void {
    if (task.role === 'child') return this.childExit(sys, task);
    const i = task.arg;
    while (this.pending[i] > 0) {
      this.pending[i]--;
      this.fork(sys, task);
      if (sys.asleep(task)) return;
    }
    sys.sleep(task, 'S', 'work', Infinity);
  }

  /** copy_process() -> dup_task_struct(): the task_struct, then the stack; the child sleeps for its lifetime. */
  private fork(sys: System, task: Task): void {
    const m = sys.machine;
    const ctx = this.taskCtx(task);
    const ts = m.kmemCacheAlloc(ctx, this.cache, GFP_KERNEL);
    if (!this.allocated(sys, task, ts.addr !== 0n, ts.stallTicks)) return this.forkFailed(sys, task, 'alloc_task_struct_node() returned NULL');
    this.stats.slabObjects++;
    const stack = this.allocThreadStack(sys, task, ctx);
    if (stack === 0n) {
      // free_task_struct()
      m.kmemCacheFree(ctx, this.cache, ts.addr);
      this.called(sys);
      this.stats.slabObjects--;
      return this.forkFailed(sys, task, 'alloc_thread_stack_node() returned NULL');
    }
    const child = sys.spawn(this.index, task.comm, task.cpu, 'child');
    sys.sleep(child, 'S', 'timer', Math.max(1, sample(this.spec.lifetime, m.prng)));
    this.children.set(child.pid, {ts: ts.addr, stack});
    this.count('forks');
  }

  /** alloc_thread_stack_node(): a cached stack of this CPU first, else a new one. */
  private allocThreadStack(sys: System, task: Task, ctx: ExecContext): bigint {
    const m = sys.machine;
    if (!this.vmapStack(sys)) {
      const r = m.allocKernelStack(ctx, -1);
      if (!this.allocated(sys, task, r.addr !== 0n, r.stallTicks)) return 0n;
      this.stats.pages += 1 << I386_THREAD_SIZE_ORDER;
      return r.addr;
    }
    const cached = this.stackCache[task.cpu].pop();
    if (cached !== undefined) {
      this.count('stack_cache_hits');
      return cached;
    }
    const r = m.allocKernelStack(ctx, -1);
    if (!this.allocated(sys, task, r.addr !== 0n, r.stallTicks)) return 0n;
    this.stats.vmallocBytes += THREAD_SIZE;
    this.count('stack_vmallocs');
    return r.addr;
  }

  private forkFailed(sys: System, task: Task, why: string): void {
    this.count('fork_failures');
    if (this.bursts.failed(sys.tick)) {
      this.count('failure_bursts');
      this.log(sys, task.cpu, `${task.comm}: fork: Cannot allocate memory`, [`copy_process(): ${why}: -ENOMEM`]);
    }
  }

  /** do_exit(): the child gives back its stack (to the CPU's cache if there is room) and its task_struct. */
  private childExit(sys: System, task: Task): void {
    const m = sys.machine;
    const ctx = this.taskCtx(task);
    const c = this.children.get(task.pid) as Child;
    this.children.delete(task.pid);
    if (!this.vmapStack(sys)) {
      m.freeKernelStack(ctx, c.stack);
      this.stats.pages -= 1 << I386_THREAD_SIZE_ORDER;
      this.called(sys);
    } else if (this.stackCache[task.cpu].length < NR_CACHED_STACKS) {
      // try_release_thread_stack_to_cache()
      this.stackCache[task.cpu].push(c.stack);
    } else {
      this.freeStack(sys, ctx, c.stack);
    }
    m.kmemCacheFree(ctx, this.cache, c.ts);
    this.called(sys);
    this.stats.slabObjects--;
    this.count('exits');
    sys.exit(task);
    if (this.state === 'unloading' && this.children.size === 0) this.teardown(sys, ctx);
  }

  private freeStack(sys: System, ctx: ExecContext, addr: bigint): void {
    sys.machine.freeKernelStack(ctx, addr);
    this.called(sys);
    this.stats.vmallocBytes -= THREAD_SIZE;
  }

  /** Every child has exited: the cached stacks are freed (free_vm_stack_cache); task_struct stays, as the kernel's does. */
  private teardown(sys: System, ctx: ExecContext): void {
    for (const stacks of this.stackCache) for (const s of stacks.splice(0)) this.freeStack(sys, ctx, s);
    this.state = 'stopped';
  }

  private ctxOn(cpu: number): ExecContext {
    return {cpu, context: 'process', comm: this.name};
  }
}
