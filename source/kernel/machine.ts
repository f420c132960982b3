// The emulated machine: nodes, zones and CPUs, the tick clock, the event log, the seeded PRNG, and the public
// kernel API (alloc_pages_node, __get_free_pages, __free_pages, free_pages, ...) in the kernel's terms:
// pages are struct page pointers in the vmemmap, addresses are direct-map virtual addresses.
import {type MachineConfig, type MachineSpec, resolveMachineConfig, type ConfigError} from './config.js';
import {type ContextName, type ExecContext, commOf} from './context.js';
import {EventLog} from './events.js';
import {__GFP_HIGHMEM, GFP_HIGHUSER_MOVABLE} from './gfp.js';
import {type AllocResult, PageAllocator} from './page-alloc/allocator.js';
import {bugSplat, warnSplat} from './page-alloc/report.js';
import {OWNER_KERNEL, OWNER_PAGECACHE, PAGE_SHIFT, PAGE_SIZE} from './page-alloc/types.js';
import type {Zone} from './page-alloc/zone.js';
import {Prng} from './prng.js';

/** x86_64 without KASLR: the direct map (PAGE_OFFSET) and the vmemmap of 64-byte struct pages. */
export const X86_64_PAGE_OFFSET = 0xffff888000000000n;
export const X86_64_VMEMMAP = 0xffffea0000000000n;
/** i386 3G/1G split: lowmem is mapped at 0xc0000000; mem_map holds 32-byte struct pages. */
export const I386_PAGE_OFFSET = 0xc0000000n;

export type BootResult = {ok: true; machine: Machine} | {ok: false; error: ConfigError};

export class Machine {
  readonly pa: PageAllocator;
  readonly events: EventLog;
  readonly prng: Prng;
  tick = 0;
  private readonly pageOffset: bigint;
  private readonly memmapBase: bigint;
  private readonly structPage: bigint;
  /** First pfn past the direct map (max_low_pfn): on i386, HighMem pages have no permanent address. */
  private readonly maxLowPfn: number;

  constructor(
    readonly config: MachineConfig,
    readonly seed = 1,
  ) {
    this.events = new EventLog();
    this.prng = new Prng(seed);
    this.pa = new PageAllocator(config, this.events);
    if (config.profile === 'x86_64') {
      this.pageOffset = X86_64_PAGE_OFFSET;
      this.memmapBase = X86_64_VMEMMAP;
      this.structPage = 64n;
      this.maxLowPfn = this.pa.nodes[this.pa.nodes.length - 1].endPfn;
    } else {
      this.pageOffset = I386_PAGE_OFFSET;
      const memmap = config.reserved.find((r) => r.what.startsWith('struct pages'));
      this.memmapBase = I386_PAGE_OFFSET + BigInt((memmap?.start ?? 0) * PAGE_SIZE);
      this.structPage = 32n;
      const highmem = this.pa.nodes[0].zones.find((z) => z.name === 'HighMem');
      this.maxLowPfn = highmem && highmem.spanned > 0 ? highmem.startPfn : this.pa.nodes[0].endPfn;
    }
  }

  /** Check the spec, lay the machine out and boot it. */
  static boot(spec: MachineSpec, seed = 1): BootResult {
    const r = resolveMachineConfig(spec);
    if (!r.ok) return r;
    return {ok: true, machine: new Machine(r.config, seed)};
  }

  get nrCpus(): number {
    return this.config.nrCpus;
  }

  /** A calling context; the default is process context on CPU 0 as task "kcall". */
  ctx(cpu = 0, context: ContextName = 'process', comm = 'kcall'): ExecContext {
    return {cpu, context, comm};
  }

  /** numa_node_id() of a CPU. */
  nodeOfCpu(cpu: number): number {
    return this.pa.cpuNode[cpu] ?? 0;
  }

  // ---- the clock ------------------------------------------------------------------------------------------

  /** Advance one tick: the clock moves, then the kernel threads (kswapd) take their step. */
  step(): void {
    this.beginTick();
    this.endTick();
  }

  /** The clock moves to the next tick; calls made now happen at it. */
  beginTick(): void {
    this.tick++;
    this.pa.tick = this.tick;
  }

  /** The end of a tick: each awake kswapd reclaims its batch. */
  endTick(): void {
    this.pa.runKswapds();
  }

  /** Log a line as the kernel (or the scenario) would. */
  log(cpu: number, kind: Parameters<EventLog['push']>[2], text: string, detail: readonly string[] = []): void {
    this.events.push(this.tick, cpu, kind, text, detail);
  }

  // ---- page allocator API ---------------------------------------------------------------------------------

  private checkCpu(ctx: ExecContext): boolean {
    if (Number.isInteger(ctx.cpu) && ctx.cpu >= 0 && ctx.cpu < this.nrCpus) return true;
    this.events.push(this.tick, 0, 'bug', `BUG: CPU ${ctx.cpu} does not exist (the machine has CPUs 0-${this.nrCpus - 1})`);
    return false;
  }

  /** alloc_pages_node(nid, gfp, order); nid -1 (NUMA_NO_NODE) means the calling CPU's node. */
  allocPagesNode(ctx: ExecContext, nid: number, gfp: number, order: number, owner = OWNER_KERNEL): AllocResult {
    this.pa.tick = this.tick;
    if (!this.checkCpu(ctx)) return {pfn: -1, stallTicks: 0};
    if (nid === -1) nid = this.nodeOfCpu(ctx.cpu);
    if (!Number.isInteger(nid) || nid < 0 || nid >= this.pa.nodes.length) {
      bugSplat(this.pa.events, this.pa.tick, ctx, 'include/linux/gfp.h', `alloc_pages_node(): VM_BUG_ON(nid < 0 || nid >= MAX_NUMNODES): node ${nid} does not exist (nodes 0-${this.pa.nodes.length - 1})`);
      return {pfn: -1, stallTicks: 0};
    }
    if (!Number.isInteger(order) || order < 0) {
      warnSplat(this.pa.events, this.pa.tick, ctx, `order ${order} is not a valid order`, '__alloc_pages');
      return {pfn: -1, stallTicks: 0};
    }
    return this.pa.allocPages(ctx, nid, gfp, order, owner);
  }

  /** alloc_pages(gfp, order): the calling CPU's node. */
  allocPages(ctx: ExecContext, gfp: number, order: number): AllocResult {
    return this.allocPagesNode(ctx, -1, gfp, order);
  }

  /** __get_free_pages(gfp, order): a direct-map address, or 0n. __GFP_HIGHMEM is masked off, as the kernel does. */
  getFreePages(ctx: ExecContext, gfp: number, order: number): {addr: bigint; stallTicks: number} {
    const r = this.allocPagesNode(ctx, -1, gfp & ~__GFP_HIGHMEM, order);
    return {addr: r.pfn < 0 ? 0n : (this.pfnToVirt(r.pfn) ?? 0n), stallTicks: r.stallTicks};
  }

  /** __free_pages(page, order) with the page given by pfn. */
  freePagesPfn(ctx: ExecContext, pfn: number, order: number): boolean {
    this.pa.tick = this.tick;
    if (!this.checkCpu(ctx)) return false;
    return this.pa.freePages(ctx, pfn, order);
  }

  /** __free_pages(page, order) with a struct page pointer. */
  freePagesPage(ctx: ExecContext, page: bigint, order: number): boolean {
    const pfn = this.pageToPfn(page);
    if (pfn === undefined) {
      bugSplat(this.pa.events, this.pa.tick, ctx, 'mm/page_alloc.c', `__free_pages(): 0x${page.toString(16)} is not a struct page pointer`);
      return false;
    }
    return this.freePagesPfn(ctx, pfn, order);
  }

  /** free_pages(addr, order): addr must be a direct-map address; 0 is ignored as the kernel does. */
  freePagesAddr(ctx: ExecContext, addr: bigint, order: number): boolean {
    if (addr === 0n) return false;
    const pfn = this.virtToPfn(addr);
    if (pfn === undefined) {
      bugSplat(this.pa.events, this.pa.tick, ctx, 'mm/page_alloc.c', `free_pages(): VM_BUG_ON(!virt_addr_valid(0x${addr.toString(16)}))`);
      return false;
    }
    return this.freePagesPfn(ctx, pfn, order);
  }

  /**
   * filemap_read() of a file of `bytes`: order-0 page-cache pages (GFP_HIGHUSER_MOVABLE) that go on the
   * LRU, for reclaim to take back. Stops at the first failure. Returns the pages read and the stall.
   */
  pageCacheRead(ctx: ExecContext, bytes: number): {pages: number; stallTicks: number} {
    const want = Math.ceil(bytes / PAGE_SIZE);
    let pages = 0;
    let stallTicks = 0;
    for (; pages < want; pages++) {
      const r = this.allocPagesNode(ctx, -1, GFP_HIGHUSER_MOVABLE, 0, OWNER_PAGECACHE);
      stallTicks += r.stallTicks;
      if (r.pfn < 0) break;
    }
    return {pages, stallTicks};
  }

  /** echo 1 > /proc/sys/vm/drop_caches: every page-cache page back to the allocator. */
  dropCaches(ctx: ExecContext): number {
    let n = 0;
    for (const z of this.pa.zones) {
      while (z.lruTail !== -1) {
        const idx = z.lruTail;
        z.lruDel(idx);
        z.freeBlock(ctx.cpu, idx, 0);
        n++;
      }
    }
    return n;
  }

  /** drain_all_pages() */
  drainAllPages(): number {
    return this.pa.drainAllPages();
  }

  // ---- addresses ------------------------------------------------------------------------------------------

  /** page_address() of a lowmem page; undefined for HighMem (no permanent mapping). */
  pfnToVirt(pfn: number): bigint | undefined {
    if (pfn < 0 || pfn >= this.maxLowPfn) return undefined;
    return this.pageOffset + (BigInt(pfn) << BigInt(PAGE_SHIFT));
  }

  /** virt_to_pfn() for a direct-map address (any byte inside the page), or undefined. */
  virtToPfn(addr: bigint): number | undefined {
    if (addr < this.pageOffset) return undefined;
    const pfn = Number((addr - this.pageOffset) >> BigInt(PAGE_SHIFT));
    if (pfn >= this.maxLowPfn || !this.pa.zoneOf(pfn)) return undefined;
    return pfn;
  }

  /** pfn_to_page(): the struct page pointer. */
  pfnToPage(pfn: number): bigint {
    return this.memmapBase + BigInt(pfn) * this.structPage;
  }

  /** page_to_pfn() for a struct page pointer, or undefined if it is not one. */
  pageToPfn(page: bigint): number | undefined {
    const off = page - this.memmapBase;
    if (off < 0n || off % this.structPage !== 0n) return undefined;
    const pfn = Number(off / this.structPage);
    return this.pa.zoneOf(pfn) ? pfn : undefined;
  }

  /** The zone a pfn is in. */
  zoneOf(pfn: number): Zone | undefined {
    return this.pa.zoneOf(pfn);
  }

  /** A short description of where a block lives, for results: "Node 0 DMA32". */
  describePfn(pfn: number): string {
    const z = this.pa.zoneOf(pfn);
    return z ? `Node ${z.nid} ${z.name}` : 'no zone';
  }

  comm(ctx: ExecContext): string {
    return commOf(ctx);
  }
}
