// mm/vmalloc.c: vmalloc/vzalloc/vmalloc_node/vfree, ioremap/iounmap and VMAP_STACK kernel stacks over the
// vmalloc region. An area is the lowest free range that fits (plus a guard page); its pages come one by one
// from the buddy allocator, so they are scattered; the kernel page tables get PTEs for them. vfree clears the
// PTEs without flushing and leaves the area "unpurged"; when the lazily freed pages pass lazy_max_pages(),
// one purge flushes the union of their ranges on every CPU and returns them to free space.
// Simplified: the purge runs at the end of the tick in which the threshold is crossed (the kernel's
// drain_vmap_work) or at once when an allocation finds no room; no per-CPU vmap blocks (vm_map_ram), no huge
// vmap mappings; the per-CPU cache of two freed stacks (kernel/fork.c) is the caller's (workloads/vmalloc-churn.ts); i386's region is
// [high_memory + 8 MiB, the pkmap area) with the pkmap area fixed at 0xff400000 (config.ts sizes lowmem so
// that an explicit vmalloc= size is the region's size).
import {commOf, type ExecContext, inAtomic} from '../context.js';
import {type EventLog, TICKS_PER_SECOND} from '../events.js';
import {warnAllocRatelimit} from '../page-alloc/report.js';
import {__GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM, __GFP_NOWARN, __GFP_ZERO, formatMode, GFP_KERNEL, gfpAllowsBlocking} from '../gfp.js';
import type {PageAllocator} from '../page-alloc/allocator.js';
import {OWNER_VMALLOC, PAGE_SHIFT, PAGE_SIZE, PG_HOLE, fls} from '../page-alloc/types.js';
import {AreaSpace, type VmArea} from './areas.js';
import {KernelPageTables} from './pgtable.js';
import {TLB_SINGLE_PAGE_FLUSH_CEILING, TlbAccounting} from './tlb.js';

/** x86_64 VMALLOC_START (4-level paging, no KASLR) and the region's size. */
export const X86_64_VMALLOC_START = 0xffffc90000000000n;
/** i386: VMALLOC_OFFSET between high_memory and the region, and the start of the pkmap area. */
export const I386_VMALLOC_OFFSET = 8n << 20n;
export const I386_PKMAP_BASE = 0xff400000n;
/** THREAD_SIZE on x86_64 with VMAP_STACK (and its alignment). */
export const THREAD_SIZE = 16384;
/** The caller symbol vmallocinfo shows for kernel stacks on a 6.x kernel (alloc_thread_stack_node inlined). */
export const STACK_CALLER = 'kernel_clone+0x94/0x3e0';

export type VmallocStats = {
  purges: number;
  pagesPurged: number;
  failures: number;
  deferredFrees: number;
};

export type VmResult = {addr: bigint; stallTicks: number};

export type VmallocHost = {
  readonly pa: PageAllocator;
  readonly events: EventLog;
  readonly nrCpus: number;
  readonly cpuNode: Int32Array;
  readonly profile: 'x86_64' | 'i386';
  /** Bytes of the region (the machine's vmalloc setting). */
  readonly regionBytes: number;
  /** i386: first byte address past the direct map (high_memory); unused on x86_64. */
  readonly highMemory: bigint;
};

export class Vmalloc {
  readonly start: bigint;
  readonly pages: number;
  readonly space: AreaSpace;
  readonly pt: KernelPageTables;
  readonly tlb: TlbAccounting;
  /** vmap_lazy_nr: pages (guard pages included) of areas freed but not purged. */
  lazyPages = 0;
  readonly lazyMax: number;
  /** Unpurged areas, in the order they were freed. */
  readonly unpurged: VmArea[] = [];
  readonly stats: VmallocStats = {purges: 0, pagesPurged: 0, failures: 0, deferredFrees: 0};
  /** vfree_atomic(): areas freed from interrupt context, freed for real at the end of the tick. */
  private readonly deferred: {start: number; cpu: number}[] = [];
  private readonly deferredStarts = new Set<number>();
  private purgeWanted = false;

  constructor(readonly host: VmallocHost) {
    if (host.profile === 'x86_64') {
      this.start = X86_64_VMALLOC_START;
      this.pages = Math.floor(host.regionBytes / PAGE_SIZE);
    } else {
      // VMALLOC_START = high_memory + VMALLOC_OFFSET; VMALLOC_END = PKMAP_BASE - 2 pages.
      this.start = host.highMemory + I386_VMALLOC_OFFSET;
      this.pages = Number((I386_PKMAP_BASE - 2n * BigInt(PAGE_SIZE) - this.start) >> BigInt(PAGE_SHIFT));
    }
    this.space = new AreaSpace(this.pages, Number(this.start >> BigInt(PAGE_SHIFT)));
    this.pt = new KernelPageTables(host.pa, host.profile, Number(this.start >> BigInt(PAGE_SHIFT)));
    this.tlb = new TlbAccounting(host.nrCpus);
    // lazy_max_pages(): fls(num_online_cpus()) * (32 MiB / PAGE_SIZE)
    this.lazyMax = fls(host.nrCpus) * ((32 << 20) / PAGE_SIZE);
  }

  get end(): bigint {
    return this.start + (BigInt(this.pages) << BigInt(PAGE_SHIFT));
  }

  private tick(): number {
    return this.host.pa.tick;
  }

  /** The address of an area's first byte. */
  addrOf(a: VmArea): bigint {
    return this.start + (BigInt(a.start) << BigInt(PAGE_SHIFT));
  }

  /** The area an address starts, or undefined. */
  areaAt(addr: bigint): VmArea | undefined {
    if (addr < this.start || addr >= this.end) return undefined;
    const off = addr - this.start;
    if (off & BigInt(PAGE_SIZE - 1)) return undefined;
    const a = this.space.busy.get(Number(off >> BigInt(PAGE_SHIFT)));
    return a && a.mapped ? a : undefined;
  }

  /** is_vmalloc_addr() */
  contains(addr: bigint): boolean {
    return addr >= this.start && addr < this.end;
  }

  // ---- allocation ---------------------------------------------------------------------------------------

  /**
   * alloc_vmap_area(): lowest fit with alignment; when nothing fits, purge the lazy areas and retry once,
   * then warn. `pages` includes the guard page.
   */
  private allocVmapArea(ctx: ExecContext, pages: number, alignPages: number, gfp: number): number {
    let start = this.space.take(pages, alignPages);
    if (start < 0 && this.unpurged.length > 0) {
      this.purge(ctx.cpu);
      start = this.space.take(pages, alignPages);
    }
    if (start < 0 && !(gfp & __GFP_NOWARN)) {
      // printk_ratelimit(): 5 s, 10 messages.
      if (this.host.events.ratelimit('alloc_vmap_area', this.tick(), ctx.cpu, 5 * TICKS_PER_SECOND, 10)) {
        this.log(ctx, 'alloc_fail', `vmap allocation for size ${pages * PAGE_SIZE} failed: use vmalloc=<size> to increase size`);
      }
    }
    return start;
  }

  /** __vmalloc_node_range(): the whole vmalloc. */
  vmalloc(ctx: ExecContext, size: number, gfp: number, nid: number, caller: string, alignBytes = PAGE_SIZE): VmResult {
    const fail = (stallTicks = 0): VmResult => {
      this.stats.failures++;
      return {addr: 0n, stallTicks};
    };
    if (inAtomic(ctx)) {
      // __get_vm_area_node(): BUG_ON(in_interrupt()) - an oops on a real kernel; the emulator returns NULL and goes on.
      this.log(ctx, 'bug', 'kernel BUG at mm/vmalloc.c!', [
        'Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI',
        'vmalloc() from interrupt context: __get_vm_area_node() has BUG_ON(in_interrupt())',
      ]);
      return fail();
    }
    if (!gfpAllowsBlocking(gfp)) {
      this.log(ctx, 'bug', `BUG: vmalloc() with a non-sleeping ${formatMode(gfp)}`, ['vmalloc() may sleep: it allocates page tables with GFP_KERNEL']);
      return fail();
    }
    if (size <= 0) {
      this.log(ctx, 'warning', `WARNING: CPU: ${ctx.cpu} PID: 0 at mm/vmalloc.c __vmalloc_node_range`, ['vmalloc() of size 0']);
      return fail();
    }
    const nrPages = Math.ceil(size / PAGE_SIZE);
    if (nrPages > this.host.pa.zones.reduce((a, z) => a + z.managed, 0)) {
      this.warnAlloc(ctx, gfp, `vmalloc error: size ${size}, exceeds total pages`);
      return fail();
    }
    if (nid < 0) nid = this.host.cpuNode[ctx.cpu] ?? 0;
    const start = this.allocVmapArea(ctx, nrPages + 1, Math.max(1, Math.ceil(alignBytes / PAGE_SIZE)), gfp);
    if (start < 0) {
      this.warnAlloc(ctx, gfp, `vmalloc error: size ${size}, vm_struct allocation failed`);
      return fail();
    }
    const area: VmArea = {start, pages: nrPages + 1, kind: 'vmalloc', caller, pfns: [], ioPages: 0, phys: 0, nrPages: 0, mapped: false};
    this.space.busy.set(start, area);
    // __vmalloc_area_node(): order-0 pages one at a time (HighMem welcome unless DMA was asked for), then the
    // page tables, then the PTEs.
    const pageGfp = gfp & (__GFP_DMA | __GFP_DMA32) ? gfp : gfp | __GFP_HIGHMEM;
    let stall = 0;
    for (let i = 0; i < nrPages; i++) {
      const r = this.host.pa.allocPages(ctx, nid, pageGfp | __GFP_NOWARN, 0, OWNER_VMALLOC);
      stall += r.stallTicks;
      if (r.pfn < 0) break;
      area.pfns.push(r.pfn);
    }
    area.nrPages = area.pfns.length;
    if (area.nrPages !== nrPages) {
      this.warnAlloc(ctx, gfp, `vmalloc error: size ${area.nrPages * PAGE_SIZE}, failed to allocate pages`);
      this.release(ctx, area); // vfree() of what was taken
      return fail(stall);
    }
    if (!this.pt.populate(ctx, nid, start, nrPages)) {
      this.warnAlloc(ctx, gfp, `vmalloc error: size ${area.nrPages * PAGE_SIZE}, failed to map pages`);
      this.release(ctx, area);
      return fail(stall);
    }
    this.pt.set(nrPages);
    area.mapped = true;
    return {addr: this.addrOf(area), stallTicks: stall};
  }

  /** ioremap(phys, size): map device memory (never RAM) into the region; no pages are allocated. */
  ioremap(ctx: ExecContext, phys: number, size: number, caller: string): bigint {
    if (!(size > 0)) return 0n;
    const offset = phys % PAGE_SIZE;
    const first = phys - offset;
    const nrPages = Math.ceil((offset + size) / PAGE_SIZE);
    // phys_addr_valid(): the range must fit the CPU's physical address width (46 bits; 32 on non-PAE i386).
    if (first + nrPages * PAGE_SIZE > 2 ** (this.host.profile === 'x86_64' ? 46 : 32)) {
      this.log(ctx, 'warning', `WARNING: CPU: ${ctx.cpu} PID: 0 at arch/x86/mm/ioremap.c __ioremap_caller`, [`ioremap: invalid physical address ${phys.toString(16)}`]);
      return 0n;
    }
    // __ioremap_check_ram(): refuse any range that overlaps RAM (pages of a zone that are not holes).
    const lo = first / PAGE_SIZE;
    const hi = lo + nrPages;
    for (const z of this.host.pa.zones) {
      for (let pfn = Math.max(lo, z.startPfn); pfn < Math.min(hi, z.endPfn); pfn++) {
        if (z.state[pfn - z.startPfn] === PG_HOLE) continue;
        this.log(ctx, 'warning', `WARNING: CPU: ${ctx.cpu} PID: 0 at arch/x86/mm/ioremap.c __ioremap_caller`, [
          `ioremap on RAM at 0x${first.toString(16).padStart(16, '0')} - 0x${(first + nrPages * PAGE_SIZE - 1).toString(16).padStart(16, '0')}`,
        ]);
        return 0n;
      }
    }
    // VM_IOREMAP areas are aligned to their size's power of two, up to IOREMAP_MAX_ORDER (PUD_SHIFT on x86_64,
    // PMD_SHIFT on i386).
    const maxShift = (this.host.profile === 'x86_64' ? 30 : 22) - PAGE_SHIFT;
    const align = 2 ** Math.min(Math.max(Math.ceil(Math.log2(nrPages)), 0), maxShift);
    const start = this.allocVmapArea(ctx, nrPages + 1, align, GFP_KERNEL);
    if (start < 0) return 0n;
    const area: VmArea = {start, pages: nrPages + 1, kind: 'ioremap', caller, pfns: [], ioPages: nrPages, phys: first, nrPages: 0, mapped: false};
    this.space.busy.set(start, area);
    if (!this.pt.populate(ctx, this.host.cpuNode[ctx.cpu] ?? 0, start, nrPages)) {
      this.space.busy.delete(start);
      this.space.give(start, nrPages + 1);
      return 0n;
    }
    this.pt.set(nrPages);
    area.mapped = true;
    return this.addrOf(area) + BigInt(offset);
  }

  /** A VMAP_STACK kernel stack: THREAD_SIZE + guard, THREAD_SIZE aligned, on the task's node. */
  allocStack(ctx: ExecContext, nid: number): VmResult {
    return this.vmalloc({...ctx, context: 'process'}, THREAD_SIZE, GFP_KERNEL | __GFP_ZERO, nid, STACK_CALLER, THREAD_SIZE);
  }

  // ---- freeing ------------------------------------------------------------------------------------------

  /** vfree(): from interrupt context deferred (vfree_atomic); else unmap now and free lazily. */
  vfree(ctx: ExecContext, addr: bigint, fn = 'vfree'): boolean {
    if (addr === 0n) return false;
    const a = this.areaAt(addr);
    if (!a || a.kind !== (fn === 'iounmap' ? 'ioremap' : 'vmalloc') || this.deferredStarts.has(a.start)) {
      const what = fn === 'iounmap' ? `iounmap: bad address 0x${addr.toString(16)}` : `Trying to vfree() nonexistent vm area (0x${addr.toString(16)})`;
      this.log(ctx, 'warning', `WARNING: CPU: ${ctx.cpu} PID: 0 at mm/vmalloc.c ${fn}`, [what]);
      return false;
    }
    if (inAtomic(ctx) && fn === 'vfree') {
      this.deferred.push({start: a.start, cpu: ctx.cpu});
      this.deferredStarts.add(a.start);
      this.stats.deferredFrees++;
      return true;
    }
    this.release(ctx, a);
    return true;
  }

  /** iounmap() */
  iounmap(ctx: ExecContext, addr: bigint): boolean {
    const base = addr - ((addr - this.start) & BigInt(PAGE_SIZE - 1));
    return this.vfree(ctx, base, 'iounmap');
  }

  /** remove_vm_area() + vm_reset_perms: clear the PTEs, give the pages back, queue the area as lazy. */
  private release(ctx: ExecContext, a: VmArea): void {
    if (a.mapped) {
      this.pt.clear(a.kind === 'vmalloc' ? a.nrPages : a.ioPages);
      a.mapped = false;
    }
    if (a.kind === 'vmalloc') {
      for (const pfn of a.pfns) this.host.pa.freePages(ctx, pfn, 0, OWNER_VMALLOC);
    }
    // free_vmap_area_noflush(): the area stays out of free space until a purge.
    this.unpurged.push(a);
    this.lazyPages += a.pages;
    if (this.lazyPages > this.lazyMax) this.purgeWanted = true;
  }

  /**
   * __purge_vmap_area_lazy(): one flush of the union of every unpurged area's range, on every CPU, then the
   * areas go back to free space. Returns the pages purged.
   */
  purge(cpu: number): number {
    if (this.unpurged.length === 0) return 0;
    let lo = Infinity;
    let hi = 0;
    for (const a of this.unpurged) {
      lo = Math.min(lo, a.start);
      hi = Math.max(hi, a.start + a.pages);
    }
    this.tlb.flushKernelRange(cpu, hi - lo);
    const areas = this.unpurged.length;
    let n = 0;
    for (const a of this.unpurged) {
      this.space.busy.delete(a.start);
      this.space.give(a.start, a.pages);
      n += a.pages;
    }
    this.unpurged.length = 0;
    this.lazyPages -= n;
    this.stats.purges++;
    this.stats.pagesPurged += n;
    this.purgeWanted = false;
    // The purge_vmap_area_lazy tracepoint's fields; the kernel logs nothing here, the event pane wants to see it.
    const flush = hi - lo > TLB_SINGLE_PAGE_FLUSH_CEILING ? 'full TLB flush' : `${hi - lo} single-page flushes`;
    this.host.events.push(this.tick(), cpu, 'purge', `purge_vmap_area_lazy: start=0x${(this.start + BigInt(lo * PAGE_SIZE)).toString(16)} end=0x${(this.start + BigInt(hi * PAGE_SIZE)).toString(16)} npurged=${areas}`, [
      `${n} pages of ${areas} lazily freed areas; ${flush} on ${this.host.nrCpus} CPU${this.host.nrCpus === 1 ? '' : 's'}`,
    ]);
        return n;
  }

  /** End of a tick: deferred vfree_atomic work, the lazy purge if due, the TLB series. */
  endTick(): void {
    this.deferredStarts.clear();
    for (const d of this.deferred.splice(0)) {
      const a = this.space.busy.get(d.start);
      if (a && a.mapped) this.release({cpu: d.cpu, context: 'process', comm: `kworker/${d.cpu}:1`}, a);
    }
    if (this.purgeWanted) this.purge(0);
    this.tlb.endTick();
  }

  // ---- views --------------------------------------------------------------------------------------------

  /** Areas in address order. */
  areas(): VmArea[] {
    return [...this.space.busy.values()].sort((a, b) => a.start - b.start);
  }

  /** Pages mapped by live (not freed) areas. */
  mappedPages(): number {
    let n = 0;
    for (const a of this.space.busy.values()) if (a.mapped) n += a.kind === 'vmalloc' ? a.nrPages : a.ioPages;
    return n;
  }

  private warnAlloc(ctx: ExecContext, gfp: number, msg: string): void {
    if (gfp & __GFP_NOWARN || !warnAllocRatelimit(this.host.events, this.tick(), ctx.cpu)) return;
    const nodes = this.host.pa.nodes.length;
    const mems = nodes === 1 ? '0' : `0-${nodes - 1}`;
    this.log(ctx, 'alloc_fail', `${commOf(ctx)}: ${msg}, ${formatMode(gfp)}, nodemask=(null),cpuset=/,mems_allowed=${mems}`);
  }

  log(ctx: ExecContext, kind: 'bug' | 'warning' | 'alloc_fail' | 'info', text: string, detail: readonly string[] = []): void {
    this.host.events.push(this.tick(), ctx.cpu, kind, text, [...detail, `CPU: ${ctx.cpu} Comm: ${commOf(ctx)}`]);
  }
}

