// The emulated machine: nodes, zones and CPUs, the tick clock, the event log, the seeded PRNG, and the public
// kernel API (alloc_pages_node, __get_free_pages, __free_pages, free_pages, ...) in the kernel's terms:
// pages are struct page pointers in the vmemmap, addresses are direct-map virtual addresses.
import {type MachineConfig, type MachineSpec, resolveMachineConfig, type ConfigError} from './config.js';
import {type ContextName, type ExecContext, commOf} from './context.js';
import {EventLog} from './events.js';
import {__GFP_HIGHMEM, __GFP_NOFAIL, __GFP_ZERO, GFP_KERNEL_ACCOUNT, __GFP_NORETRY, __GFP_NOWARN, __GFP_RETRY_MAYFAIL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, gfpAllowsBlocking} from './gfp.js';
import {type AllocResult, PageAllocator} from './page-alloc/allocator.js';
import {kswapdStep} from './page-alloc/reclaim.js';
import {bugSplat, warnSplat} from './page-alloc/report.js';
import {OWNER_KERNEL, OWNER_PAGECACHE, OWNER_USER, PAGE_SIZE} from './page-alloc/types.js';
import type {Zone} from './page-alloc/zone.js';
import {Prng} from './prng.js';
import {cloneState} from './snapshot.js';
import {DirectMap} from './direct-map.js';
import type {KmemCache} from './slab/cache.js';
import {KMALLOC_MAX_SIZE} from './slab/geometry.js';
import {NULL_OBJ, SlabAllocator, type SlabModel, ZERO_SIZE} from './slab/slab-allocator.js';
import {SlubModel} from './slab/slub.js';
import {ClassicSlabModel} from './slab/slab-classic.js';
import {Vmalloc} from './vmalloc/vmalloc.js';

export {I386_PAGE_OFFSET, X86_64_PAGE_OFFSET, X86_64_VMEMMAP} from './direct-map.js';

/** i386's THREAD_SIZE_ORDER: 8 KiB kernel stacks. */
export const I386_THREAD_SIZE_ORDER = 1;

/** ZERO_SIZE_PTR: what kmalloc(0) returns. */
export const ZERO_SIZE_PTR = 16n;
/** struct kmem_cache pointers: a made-up kernel data address per cache (the kernel's live in the kmem_cache cache). */
const KMEM_CACHE_BASE = 0xffffffff83000000n;
const KMEM_CACHE_STRIDE = 0x100n;

export type BootResult = {ok: true; machine: Machine} | {ok: false; error: ConfigError};

export class Machine {
  readonly pa: PageAllocator;
  readonly slab: SlabAllocator;
  readonly vm: Vmalloc;
  readonly events: EventLog;
  readonly prng: Prng;
  tick = 0;
  /** kswapd runs as a task of the emulated CPUs (workloads/system.ts) rather than at the end of each tick. */
  kswapdThreads = false;
  /** Kernel addresses of physical memory: the direct map and struct pages. */
  readonly map: DirectMap;

  constructor(
    readonly config: MachineConfig,
    readonly seed = 1,
  ) {
    this.events = new EventLog();
    this.prng = new Prng(seed);
    this.pa = new PageAllocator(config, this.events);
    this.map = new DirectMap(config, this.pa);
    const model: SlabModel & {attach(sa: SlabAllocator): void} =
      config.slab === 'slab' ? new ClassicSlabModel(this.pa.cpuNode) : new SlubModel(this.pa.cpuNode);
    this.slab = new SlabAllocator(
      {pa: this.pa, events: this.events, nrCpus: config.nrCpus, cpuNode: this.pa.cpuNode, virt: (phys) => this.physToVirt(phys)},
      model,
    );
    model.attach(this.slab);
    this.vm = new Vmalloc({
      pa: this.pa,
      events: this.events,
      nrCpus: config.nrCpus,
      cpuNode: this.pa.cpuNode,
      profile: config.profile,
      regionBytes: config.vmalloc,
      highMemory: this.map.highMemory,
    });
  }

  /** A complete, independent copy of the machine at this tick (for step back and replay checks). */
  snapshot(): Machine {
    return cloneState(this);
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

  /** The end of a tick: each awake kswapd reclaims its batch; the slab model does its periodic work. */
  endTick(): void {
    if (!this.kswapdThreads) this.pa.runKswapds();
    this.slab.endTick();
    this.vm.endTick();
  }

  get nrNodes(): number {
    return this.pa.nodes.length;
  }

  /** The CPU a node's kswapd runs on (the node's first CPU, CPU 0 for a node without CPUs). */
  kswapdCpu(nid: number): number {
    return this.pa.nodes[nid].kswapd.cpu;
  }

  /** Is a node's kswapd awake (balancing its node)? */
  kswapdAwake(nid: number): boolean {
    return this.pa.nodes[nid]?.kswapd.awake ?? false;
  }

  /** One step of a node's kswapd: reclaim a batch if it is awake. */
  kswapdStep(nid: number): void {
    this.pa.tick = this.tick;
    const n = this.pa.nodes[nid];
    if (n?.kswapd.awake) kswapdStep(this.pa, n);
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

  /** A node id a caller passed: an existing node or NUMA_NO_NODE (-1); anything else is the kernel's VM_BUG_ON. */
  private validNid(ctx: ExecContext, nid: number, fn: string): boolean {
    if (Number.isInteger(nid) && nid >= -1 && nid < this.pa.nodes.length) return true;
    bugSplat(this.pa.events, this.pa.tick, ctx, 'include/linux/gfp.h', `${fn}(): VM_BUG_ON(nid < 0 || nid >= MAX_NUMNODES): node ${nid} does not exist (nodes 0-${this.pa.nodes.length - 1})`);
    return false;
  }

  /** alloc_pages_node(nid, gfp, order); nid -1 (NUMA_NO_NODE) means the calling CPU's node. */
  allocPagesNode(ctx: ExecContext, nid: number, gfp: number, order: number, owner = OWNER_KERNEL): AllocResult {
    this.pa.tick = this.tick;
    if (!this.checkCpu(ctx)) return {pfn: -1, stallTicks: 0};
    if (!this.validNid(ctx, nid, 'alloc_pages_node')) return {pfn: -1, stallTicks: 0};
    if (nid === -1) nid = this.nodeOfCpu(ctx.cpu);
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
    // Past the managed memory the reader would only evict its own pages: the kernel's loop gets no further.
    const managed = this.pa.zones.reduce((a, z) => a + z.managed, 0);
    const want = Math.min(Math.ceil(bytes / PAGE_SIZE), managed);
    let pages = 0;
    let stallTicks = 0;
    for (; pages < want; pages++) {
      const r = this.allocPagesNode(ctx, -1, GFP_HIGHUSER_MOVABLE, 0, OWNER_PAGECACHE);
      stallTicks += r.stallTicks;
      if (r.pfn < 0) break;
    }
    return {pages, stallTicks};
  }

  /**
   * A user page faulted in (do_anonymous_page): order-0, GFP_HIGHUSER_MOVABLE, owned by a process until it
   * unmaps it with freeUserPage. Simplified: there is no swap, so reclaim cannot take user pages.
   */
  allocUserPage(ctx: ExecContext, nid = -1): AllocResult {
    return this.allocPagesNode(ctx, nid, GFP_HIGHUSER_MOVABLE, 0, OWNER_USER);
  }

  /** A process unmaps a user page. */
  freeUserPage(ctx: ExecContext, pfn: number): boolean {
    this.pa.tick = this.tick;
    if (!this.checkCpu(ctx)) return false;
    return this.pa.freePages(ctx, pfn, 0, OWNER_USER);
  }

  /** echo 1 > /proc/sys/vm/drop_caches: every page-cache page back to the allocator. */
  dropCaches(ctx: ExecContext): number {
    if (!this.checkCpu(ctx)) return 0;
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

  // ---- slab API -------------------------------------------------------------------------------------------

  private objAddr(phys: number): bigint {
    return phys === NULL_OBJ ? 0n : phys === ZERO_SIZE ? ZERO_SIZE_PTR : this.physToVirt(phys);
  }

  /** A direct-map address as the slab allocator names objects (a physical address), or undefined. */
  private objPhys(ctx: ExecContext, addr: bigint, fn: string): number | undefined {
    if (addr === 0n) return NULL_OBJ;
    if (addr === ZERO_SIZE_PTR) return ZERO_SIZE;
    const phys = this.map.physOf(addr);
    if (phys < 0) {
      this.slab.log(ctx, 'warning', `WARNING: CPU: ${ctx.cpu} PID: 0 at mm/slub.c ${fn}`, [`${fn}(0x${addr.toString(16)}) of an address which is no kernel memory`]);
      return undefined;
    }
    return phys;
  }

  private obj(r: number): {addr: bigint; stallTicks: number} {
    return {addr: this.objAddr(r), stallTicks: this.slab.lastStall};
  }

  kmalloc(ctx: ExecContext, size: number, gfp: number): {addr: bigint; stallTicks: number} {
    if (!this.checkCpu(ctx)) return {addr: 0n, stallTicks: 0};
    this.pa.tick = this.tick;
    return this.obj(this.slab.kmalloc(ctx, size, gfp));
  }

  /** kmalloc_array(): NULL when n * size overflows size_t, as check_mul_overflow() makes it. */
  kmallocArray(ctx: ExecContext, n: bigint, size: bigint, gfp: number): {addr: bigint; stallTicks: number} {
    const bytes = n * size;
    if (bytes >= 1n << 64n) return {addr: 0n, stallTicks: 0};
    return this.kmalloc(ctx, bytes > BigInt(KMALLOC_MAX_SIZE) * 2n ? KMALLOC_MAX_SIZE * 2 : Number(bytes), gfp);
  }

  krealloc(ctx: ExecContext, addr: bigint, size: number, gfp: number): {addr: bigint; stallTicks: number} {
    if (!this.checkCpu(ctx)) return {addr: 0n, stallTicks: 0};
    const p = this.objPhys(ctx, addr, 'krealloc');
    if (p === undefined) return {addr: 0n, stallTicks: 0};
    return this.obj(this.slab.krealloc(ctx, p, size, gfp));
  }

  ksize(addr: bigint): number {
    if (addr === 0n || addr === ZERO_SIZE_PTR) return 0;
    const pfn = this.virtToPfn(addr);
    return pfn === undefined ? 0 : this.slab.ksize(Number(addr - this.map.pageOffset));
  }

  kfree(ctx: ExecContext, addr: bigint): boolean {
    if (!this.checkCpu(ctx)) return false;
    this.pa.tick = this.tick;
    const p = this.objPhys(ctx, addr, 'kfree');
    return p === undefined ? false : this.slab.kfree(ctx, p);
  }

  /** The struct kmem_cache pointer of a cache. */
  cachePtr(c: KmemCache): bigint {
    return KMEM_CACHE_BASE + BigInt(c.id) * KMEM_CACHE_STRIDE;
  }

  /** The live cache a struct kmem_cache pointer names, or undefined. */
  cacheOf(ptr: bigint): KmemCache | undefined {
    // Number arithmetic after one subtraction: this is on every kmem_cache_alloc and kmem_cache_free.
    const off = Number(ptr - KMEM_CACHE_BASE);
    const stride = Number(KMEM_CACHE_STRIDE);
    if (off < 0 || off > 0xffffffff || off % stride !== 0) return undefined;
    return this.slab.byId.get(off / stride);
  }

  private cacheArg(ctx: ExecContext, ptr: bigint, fn: string): KmemCache | undefined {
    const c = this.cacheOf(ptr);
    if (!c) this.slab.log(ctx, 'bug', `BUG: ${fn}() with 0x${ptr.toString(16)}, which is no live kmem_cache`);
    return c;
  }

  kmemCacheCreate(ctx: ExecContext, name: string, size: number, align: number, flags: number): bigint {
    if (!this.checkCpu(ctx)) return 0n;
    this.pa.tick = this.tick;
    const c = this.slab.createCache(ctx, name, size, align, flags);
    return c ? this.cachePtr(c) : 0n;
  }

  kmemCacheAlloc(ctx: ExecContext, cache: bigint, gfp: number): {addr: bigint; stallTicks: number} {
    if (!this.checkCpu(ctx)) return {addr: 0n, stallTicks: 0};
    this.pa.tick = this.tick;
    const c = this.cacheArg(ctx, cache, 'kmem_cache_alloc');
    return c ? this.obj(this.slab.cacheAlloc(c, ctx, gfp)) : {addr: 0n, stallTicks: 0};
  }

  kmemCacheFree(ctx: ExecContext, cache: bigint, addr: bigint): boolean {
    if (!this.checkCpu(ctx)) return false;
    this.pa.tick = this.tick;
    const c = this.cacheArg(ctx, cache, 'kmem_cache_free');
    const p = c && this.objPhys(ctx, addr, 'kmem_cache_free');
    return c !== undefined && p !== undefined && this.slab.cacheFree(c, ctx, p);
  }

  kmemCacheShrink(ctx: ExecContext, cache: bigint): number {
    if (!this.checkCpu(ctx)) return 0;
    this.pa.tick = this.tick;
    const c = this.cacheArg(ctx, cache, 'kmem_cache_shrink');
    return c ? this.slab.shrinkCache(c, ctx) : 0;
  }

  kmemCacheDestroy(ctx: ExecContext, cache: bigint): boolean {
    if (!this.checkCpu(ctx)) return false;
    this.pa.tick = this.tick;
    const c = this.cacheArg(ctx, cache, 'kmem_cache_destroy');
    return c ? this.slab.destroyCache(c, ctx) : false;
  }

  // ---- vmalloc API ----------------------------------------------------------------------------------------

  /** vmalloc(size) / vzalloc / vmalloc_node / __vmalloc(size, gfp): nid -1 is the calling CPU's node. */
  vmalloc(ctx: ExecContext, size: number, gfp = GFP_KERNEL, nid = -1, caller = 'kcall+0x0/0x0'): {addr: bigint; stallTicks: number} {
    if (!this.checkCpu(ctx)) return {addr: 0n, stallTicks: 0};
    this.pa.tick = this.tick;
    if (!this.validNid(ctx, nid, 'vmalloc_node')) return {addr: 0n, stallTicks: 0};
    return this.vm.vmalloc(ctx, size, gfp, nid, caller);
  }

  vfree(ctx: ExecContext, addr: bigint): boolean {
    if (!this.checkCpu(ctx)) return false;
    this.pa.tick = this.tick;
    return this.vm.vfree(ctx, addr);
  }

  ioremap(ctx: ExecContext, phys: number, size: number, caller = 'kcall+0x0/0x0'): bigint {
    if (!this.checkCpu(ctx)) return 0n;
    this.pa.tick = this.tick;
    return this.vm.ioremap(ctx, phys, size, caller);
  }

  iounmap(ctx: ExecContext, addr: bigint): boolean {
    if (!this.checkCpu(ctx)) return false;
    this.pa.tick = this.tick;
    return this.vm.iounmap(ctx, addr);
  }

  /**
   * kvmalloc_node(): kmalloc first (without warnings or retries above a page), then vmalloc for requests that
   * may sleep.
   */
  kvmalloc(ctx: ExecContext, size: number, gfp: number, nid = -1): {addr: bigint; stallTicks: number} {
    if (size > 0x7fffffff) {
      // kvmalloc_node(): no allocation above INT_MAX.
      if (!(gfp & __GFP_NOWARN)) warnSplat(this.pa.events, this.pa.tick, ctx, `kvmalloc of ${size} bytes is above INT_MAX`, 'kvmalloc_node');
      return {addr: 0n, stallTicks: 0};
    }
    let kgfp = gfp;
    if (size > PAGE_SIZE) {
      kgfp |= __GFP_NOWARN;
      if (!(kgfp & __GFP_RETRY_MAYFAIL)) kgfp |= __GFP_NORETRY;
      kgfp &= ~__GFP_NOFAIL;
    }
    const k = this.kmalloc(ctx, size, kgfp);
    // Up to a page kmalloc's answer stands; a request that may not sleep cannot vmalloc.
    if (k.addr !== 0n || size <= PAGE_SIZE || !gfpAllowsBlocking(gfp)) return k;
    const v = this.vmalloc(ctx, size, gfp, nid);
    return {addr: v.addr, stallTicks: k.stallTicks + v.stallTicks};
  }

  /** kvfree(): vfree for a vmalloc address, kfree otherwise. */
  kvfree(ctx: ExecContext, addr: bigint): boolean {
    return this.vm.contains(addr) ? this.vfree(ctx, addr) : this.kfree(ctx, addr);
  }

  /**
   * alloc_thread_stack_node(): on x86_64 a VMAP_STACK kernel stack (16 KiB + guard) in the vmalloc region; i386
   * has no VMAP_STACK, so its 8 KiB stack is an order-1 lowmem block (THREADINFO_GFP). Freed with freeKernelStack.
   */
  allocKernelStack(ctx: ExecContext, nid = -1): {addr: bigint; stallTicks: number} {
    if (!this.checkCpu(ctx) || !this.validNid(ctx, nid, 'alloc_thread_stack_node')) return {addr: 0n, stallTicks: 0};
    this.pa.tick = this.tick;
    const node = nid < 0 ? this.nodeOfCpu(ctx.cpu) : nid;
    if (this.config.profile === 'x86_64') return this.vm.allocStack(ctx, node);
    const r = this.allocPagesNode(ctx, node, GFP_KERNEL_ACCOUNT | __GFP_ZERO, I386_THREAD_SIZE_ORDER);
    return {addr: r.pfn < 0 ? 0n : (this.pfnToVirt(r.pfn) ?? 0n), stallTicks: r.stallTicks};
  }

  /** free_thread_stack(): a vmalloc'd stack goes back lazily, like any vfree (deferred from interrupt context). */
  freeKernelStack(ctx: ExecContext, addr: bigint): boolean {
    return this.config.profile === 'x86_64' ? this.vfree(ctx, addr) : this.freePagesAddr(ctx, addr, I386_THREAD_SIZE_ORDER);
  }

  // ---- addresses (direct-map.ts) -------------------------------------------------------------------------

  physToVirt(phys: number): bigint {
    return this.map.physToVirt(phys);
  }

  pfnToVirt(pfn: number): bigint | undefined {
    return this.map.pfnToVirt(pfn);
  }

  /** virt_to_pfn() for a direct-map address (any byte inside the page), or undefined. */
  virtToPfn(addr: bigint): number | undefined {
    const phys = this.map.physOf(addr);
    return phys < 0 ? undefined : Math.floor(phys / PAGE_SIZE);
  }

  pfnToPage(pfn: number): bigint {
    return this.map.pfnToPage(pfn);
  }

  pageToPfn(page: bigint): number | undefined {
    return this.map.pageToPfn(page);
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
