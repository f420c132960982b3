// mm/slab_common.c and the parts of mm/slub.c both models share: kmem_cache_create/destroy, the kmalloc
// caches and size classes, kmalloc_large for sizes above 8 KiB, new_slab()/discard_slab() on top of the buddy
// allocator, and the consistency checks SLUB debugging does on free (double free, invalid pointers, wrong
// cache), reported to the log with the state left unchanged. Objects are named by physical address here;
// the Machine turns them into direct-map addresses.
// Simplified: no cache merging (aliases), no memcg accounting beyond the kmalloc-cg family, no KASAN/poisoning,
// no freelist randomisation; debugging checks are always on (as with slub_debug=F) but cost nothing.
import {commOf, type ExecContext, inAtomic} from '../context.js';
import {type EventLog, TICKS_PER_SECOND} from '../events.js';
import {
  __GFP_ACCOUNT,
  __GFP_COMP,
  __GFP_DIRECT_RECLAIM,
  __GFP_DMA,
  __GFP_DMA32,
  __GFP_HIGHMEM,
  __GFP_NOFAIL,
  __GFP_NOMEMALLOC,
  __GFP_RECLAIM,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RECLAIMABLE,
  __GFP_ZERO,
  GFP_ZONEMASK,
  formatGfp,
  formatMode,
} from '../gfp.js';
import type {PageAllocator} from '../page-alloc/allocator.js';
import {sleepingInAtomic} from '../page-alloc/report.js';
import {OWNER_KMALLOC_LARGE, OWNER_SLAB, PAGE_SIZE} from '../page-alloc/types.js';
import {CacheNode, KmemCache, Slab} from './cache.js';
import {
  cacheGeometry,
  getOrder,
  KMALLOC_MAX_CACHE_SIZE,
  KMALLOC_SIZES,
  kmallocCacheName,
  kmallocIndex,
  SLAB_CACHE_DMA,
  SLAB_CACHE_DMA32,
  calculateAlignment,
  calculateOrder,
  calculateSizes,
  KMALLOC_MAX_SIZE,
  SLAB_PANIC,
  SLAB_RECLAIM_ACCOUNT,
} from './geometry.js';

/** kmalloc(0) returns ZERO_SIZE_PTR; we name it -2 among physical addresses (-1 is NULL). */
export const ZERO_SIZE = -2;
export const NULL_OBJ = -1;

export const KMALLOC_FAMILIES = ['normal', 'dma', 'rcl', 'cg'] as const;
/** kmalloc_type(): the family's index in KMALLOC_FAMILIES: DMA, then reclaimable, then accounted, else normal. */
function kmallocType(gfp: number): number {
  if ((gfp & (__GFP_DMA | __GFP_RECLAIMABLE | __GFP_ACCOUNT)) === 0) return 0;
  return gfp & __GFP_DMA ? 1 : gfp & __GFP_RECLAIMABLE ? 2 : 3;
}

/** The size class index of every size 1..8192 (kmalloc_index() as a table, like the kernel's size_index). */
const SIZE_CLASS = (() => {
  const t = new Uint8Array(KMALLOC_MAX_CACHE_SIZE + 1);
  for (let n = 1; n <= KMALLOC_MAX_CACHE_SIZE; n++) t[n] = KMALLOC_SIZES.indexOf(kmallocIndex(n) as (typeof KMALLOC_SIZES)[number]);
  return t;
})();

/** What each model does; the shared machinery below calls it. */
export interface SlabModel {
  readonly name: 'slub' | 'slab';
  /** Set the cache's model-specific tunables once it exists. */
  setup(c: KmemCache): void;
  /** Hand out one object for ctx's CPU, or NULL_OBJ when no slab could be had. */
  alloc(c: KmemCache, ctx: ExecContext, gfp: number): number;
  /** Take back an object the shared checks found allocated. */
  free(c: KmemCache, slab: Slab, idx: number, ctx: ExecContext): void;
  /** Give every per-CPU slab and object back to the node lists (flush_all / drain). */
  flush(c: KmemCache, ctx: ExecContext): void;
  /** kmem_cache_shrink(): flush and free every empty slab; returns the slabs freed. */
  shrink(c: KmemCache, ctx: ExecContext): number;
  /** Periodic work at the end of a tick (classic SLAB's cache_reap). */
  tick(caches: readonly KmemCache[], now: number): void;
  /** Classic SLAB: an object the slab counts as allocated but that waits in an array cache (free to the user). */
  isCachedFree?(slab: Slab, idx: number): boolean;
}

export type SlabHost = {
  readonly pa: PageAllocator;
  readonly events: EventLog;
  readonly nrCpus: number;
  readonly cpuNode: Int32Array;
  /** Direct-map address of a physical address, for messages. */
  readonly virt: (phys: number) => bigint;
};

export class SlabAllocator {
  readonly caches: KmemCache[] = [];
  /** Live caches by id (a struct kmem_cache pointer names its cache by id). */
  readonly byId = new Map<number, KmemCache>();
  /** kmalloc caches by family index * NR_KMALLOC_SIZES + size class index (kmalloc_caches[type][index]). */
  private readonly kmallocCaches: KmemCache[] = [];
  /**
   * Live slabs by id. Every page of a slab carries its slab's id in the zone's `next` link, which allocated
   * pages do not otherwise use: the kernel finds a page's slab in its struct page the same way.
   */
  private readonly slabById: (Slab | undefined)[] = [];
  private readonly freeIds: number[] = [];
  /** Stall ticks of the last allocation (direct reclaim while getting a slab). */
  lastStall = 0;
  /** Slab pages per node: [reclaimable, unreclaimable], for zoneinfo's nr_slab_* counters. */
  readonly slabPages: [number, number][];
  /** kmalloc_large allocations live. */
  largePages = 0;
  private nextId = 0;
  /** The object index findObject() found, beside the slab it returns (no result object per free). */
  private foundIdx = 0;

  constructor(
    readonly host: SlabHost,
    readonly model: SlabModel,
  ) {
    this.slabPages = host.pa.nodes.map(() => [0, 0]);
    // create_kmalloc_caches(): every family and size exists from boot, empty; per type (normal, reclaimable,
    // DMA, cgroup: enum kmalloc_cache_type) first kmalloc-96 and kmalloc-192, then the powers of two.
    for (const family of ['normal', 'rcl', 'dma', 'cg'] as const) {
      for (const size of [96, 192, ...KMALLOC_SIZES.filter((x) => x !== 96 && x !== 192)]) {
        const flags = family === 'dma' ? SLAB_CACHE_DMA : family === 'rcl' ? SLAB_RECLAIM_ACCOUNT : 0;
        const c = this.newCache(kmallocCacheName(family, size), size, 0, flags, true);
        this.kmallocCaches[KMALLOC_FAMILIES.indexOf(family) * KMALLOC_SIZES.length + KMALLOC_SIZES.indexOf(size)] = c;
      }
    }
  }

  private get tick(): number {
    return this.host.pa.tick;
  }

  private newCache(name: string, size: number, align: number, flags: number, kmalloc: boolean): KmemCache {
    const geo = cacheGeometry(size, align, flags, this.host.nrCpus);
    const allocflags =
      (flags & SLAB_CACHE_DMA ? __GFP_DMA : 0) | (flags & SLAB_CACHE_DMA32 ? __GFP_DMA32 : 0) | (flags & SLAB_RECLAIM_ACCOUNT ? __GFP_RECLAIMABLE : 0);
    const c = new KmemCache(this.nextId++, name, size, align, flags, geo, allocflags, this.host.pa.nodes.length, this.host.nrCpus, kmalloc);
    this.model.setup(c);
    // slab_caches: list_add() puts the newest first, which is the order /proc/slabinfo prints.
    this.caches.unshift(c);
    this.byId.set(c.id, c);
    return c;
  }

  // ---- kmem_cache API -------------------------------------------------------------------------------------

  /** kmem_cache_create(name, size, align, flags, NULL) */
  createCache(ctx: ExecContext, name: string, size: number, align: number, flags: number): KmemCache | null {
    let why = '';
    if (name === '') why = 'no name';
    else if (inAtomic(ctx)) why = 'called from interrupt context';
    else if (!Number.isSafeInteger(size) || size < 1 || size > KMALLOC_MAX_SIZE) why = `size ${size} out of range`;
    else if (!Number.isSafeInteger(align) || align < 0 || align > PAGE_SIZE || (align !== 0 && 2 ** Math.round(Math.log2(align)) !== align)) {
      why = `align ${align} is not a power of two up to the page size`;
    } else if (calculateOrder(calculateSizes(size, calculateAlignment(flags, align, size), flags).size, this.host.nrCpus) < 0) {
      why = `a slot of ${size} bytes does not fit a slab of MAX_PAGE_ORDER`;
    }
    if (why) {
      // kmem_cache_sanity_check() then create_cache() fails with -EINVAL; SLAB_PANIC turns that into a panic.
      if (flags & SLAB_PANIC) this.log(ctx, 'bug', `Kernel panic - not syncing: kmem_cache_create: Failed to create slab '${name}'. Error -22`, [why]);
      else this.log(ctx, 'warning', `kmem_cache_create(${name}) integrity check failed`, [why]);
      return null;
    }
    return this.newCache(name, size, align, flags, false);
  }

  /** kmem_cache_alloc(cache, gfp): a physical address or NULL_OBJ. */
  cacheAlloc(c: KmemCache, ctx: ExecContext, gfp: number): number {
    this.lastStall = 0;
    if (c.destroyed) {
      this.log(ctx, 'bug', `BUG: kmem_cache_alloc() on destroyed cache ${c.name}`);
      return NULL_OBJ;
    }
    // slab_pre_alloc_hook() -> might_alloc(): a warning only; a new slab's pages may then need reclaim, which the
    // page allocator refuses in interrupt context with "scheduling while atomic".
    if (gfp & __GFP_DIRECT_RECLAIM && inAtomic(ctx)) sleepingInAtomic(this.host.events, this.tick, ctx, 'mm/slub.c');
    const obj = this.model.alloc(c, ctx, gfp);
    if (obj === NULL_OBJ) {
      c.stats.allocFailures++;
      if (!(gfp & __GFP_NOWARN)) this.slabOutOfMemory(c, ctx, gfp);
      return NULL_OBJ;
    }
    c.stats.allocs++;
    c.inuse++;
    return obj;
  }

  /** kmem_cache_free(cache, obj) */
  cacheFree(c: KmemCache, ctx: ExecContext, obj: number): boolean {
    if (obj === NULL_OBJ) return false;
    const found = this.findObject(ctx, obj, 'kmem_cache_free');
    if (!found) return false;
    if (found.cache !== c) {
      this.log(ctx, 'warning', `WARNING: CPU: ${ctx.cpu} PID: 0 at mm/slub.c cache_from_obj`, [
        `kmem_cache_free: Wrong slab cache. ${c.name} but object is from ${found.cache.name}`,
      ]);
      return false;
    }
    this.freeObject(found, this.foundIdx, ctx);
    return true;
  }

  /** slab_out_of_memory(): what SLUB prints when no slab could be had. */
  private slabOutOfMemory(c: KmemCache, ctx: ExecContext, gfp: number): void {
    // slub_oom_rs: DEFAULT_RATELIMIT_INTERVAL (5 s), DEFAULT_RATELIMIT_BURST (10).
    if (!this.host.events.ratelimit('slab_out_of_memory', this.tick, ctx.cpu, 5 * TICKS_PER_SECOND, 10)) return;
    const detail = [
      `  cache: ${c.name}, object size: ${c.objectSize}, buffer size: ${c.size}, default order: ${c.geo.order}, min order: ${c.geo.minOrder}`,
      ...c.nodes.map((n) => `  node ${n.nid}: slabs: ${n.nrSlabs}, objs: ${n.totalObjects}, free: ${[...n.partial].reduce((a, s) => a + s.nfree, 0)}`),
    ];
    this.log(ctx, 'alloc_fail', `SLUB: Unable to allocate memory on node -1, ${formatMode(gfp).replace('mode:', 'gfp=')}`, detail);
  }

  /** kmem_cache_destroy(): refused, with SLUB's report, while objects are live. */
  destroyCache(c: KmemCache, ctx: ExecContext): boolean {
    if (c.destroyed) {
      this.log(ctx, 'bug', `BUG: kmem_cache_destroy() of ${c.name}, which is already destroyed`);
      return false;
    }
    if (c.kmalloc) {
      this.log(ctx, 'warning', `WARNING: CPU: ${ctx.cpu} PID: 0 at mm/slab_common.c kmem_cache_destroy`, [`${c.name} is a kmalloc cache and cannot be destroyed`]);
      return false;
    }
    this.model.flush(c, ctx);
    if (c.inuse > 0) {
      // __kmem_cache_shutdown() -> list_slab_objects() for each slab with objects, then kmem_cache_destroy()'s WARN.
      const detail: string[] = [];
      for (const n of c.nodes) {
        for (const list of [n.partial, n.full]) {
          for (const s of list) {
            detail.push(`Slab 0x${this.host.virt(s.base).toString(16)} objects=${s.objects} used=${s.inuse}`);
            for (let i = 0; i < s.objects; i++) if (s.allocated[i]) detail.push(`Object 0x${this.host.virt(s.base + i * c.size).toString(16)} @offset=${i * c.size}`);
          }
        }
      }
      // Long lists are cut (the log pane cannot show hundreds of objects); the closing WARN line always stays.
      const shown = detail.length > 40 ? [...detail.slice(0, 39), `... ${detail.length - 39} more lines`] : detail;
      shown.push(`kmem_cache_destroy ${c.name}: Slab cache still has objects when called from ${ctx.comm}`);
      this.log(ctx, 'bug', `BUG ${c.name} (Not tainted): Objects remaining in ${c.name} on __kmem_cache_shutdown()`, shown);
      return false;
    }
    this.model.shrink(c, ctx);
    for (const n of c.nodes) for (const list of [n.partial, n.full, n.free]) for (const s of [...list]) this.discardSlab(s, ctx);
    c.destroyed = true;
    this.caches.splice(this.caches.indexOf(c), 1);
    this.byId.delete(c.id);
    return true;
  }

  shrinkCache(c: KmemCache, ctx: ExecContext): number {
    return c.destroyed ? 0 : this.model.shrink(c, ctx);
  }

  // ---- kmalloc family -------------------------------------------------------------------------------------

  /** kmalloc_type(): DMA, reclaimable, accounted or normal. */
  kmallocCache(size: number, gfp: number): KmemCache | undefined {
    if (size > KMALLOC_MAX_CACHE_SIZE || size < 1) return undefined;
    return this.kmallocCaches[kmallocType(gfp) * KMALLOC_SIZES.length + SIZE_CLASS[size]];
  }

  /** kmalloc(size, gfp): a size class, or the page allocator above 8 KiB (kmalloc_large). */
  kmalloc(ctx: ExecContext, size: number, gfp: number): number {
    this.lastStall = 0;
    if (size === 0) return ZERO_SIZE;
    const c = this.kmallocCache(size, gfp);
    if (c) return this.cacheAlloc(c, ctx, gfp);
    return this.kmallocLarge(ctx, size, gfp);
  }

  /** __kmalloc_large_node(): compound pages straight from the buddy allocator, on the caller's node. */
  private kmallocLarge(ctx: ExecContext, size: number, gfp: number): number {
    const order = getOrder(size);
    const r = this.host.pa.allocPages(ctx, this.host.cpuNode[ctx.cpu] ?? 0, gfp | __GFP_COMP, order, OWNER_KMALLOC_LARGE);
    this.lastStall = r.stallTicks;
    if (r.pfn < 0) return NULL_OBJ;
    this.largePages += 1 << order;
    return r.pfn * PAGE_SIZE; // not <<: pfns past 2 GiB overflow an int32 shift
  }

  /** kfree(obj): a slab object back to its cache, or kmalloc_large pages back to the buddy allocator. */
  kfree(ctx: ExecContext, obj: number): boolean {
    if (obj === NULL_OBJ || obj === ZERO_SIZE) return false;
    const pfn = Math.floor(obj / 4096);
    // A slab page is never a kmalloc_large block, so the common case, a slab object, skips the page lookup.
    const slab = obj >= 0 ? this.slabOf(pfn) : undefined;
    if (!slab && this.host.pa.ownerOf(pfn) === OWNER_KMALLOC_LARGE) {
      if (obj % 4096 !== 0) {
        this.log(ctx, 'warning', `WARNING: CPU: ${ctx.cpu} PID: 0 at mm/slub.c free_large_kmalloc`, [`object pointer: 0x${this.host.virt(obj).toString(16)} is not the start of the allocation`]);
        return false;
      }
      const order = this.host.pa.allocatedOrder(pfn);
      this.largePages -= 1 << order;
      return this.host.pa.freePages(ctx, pfn, order, OWNER_KMALLOC_LARGE);
    }
    const found = this.findObject(ctx, obj, 'kfree', slab);
    if (!found) return false;
    this.freeObject(found, this.foundIdx, ctx);
    return true;
  }

  /** ksize(): the usable size: the slot of a slab object, the pages of kmalloc_large; 0 for ZERO_SIZE_PTR. */
  ksize(obj: number): number {
    if (obj === NULL_OBJ || obj === ZERO_SIZE) return 0;
    const pfn = Math.floor(obj / 4096);
    if (this.host.pa.ownerOf(pfn) === OWNER_KMALLOC_LARGE) return 4096 << this.host.pa.allocatedOrder(pfn);
    const s = this.slabOf(pfn);
    return s ? s.cache.size : 0;
  }

  /** krealloc(): the same object while it fits, else a new one (the old one freed); size 0 frees. */
  krealloc(ctx: ExecContext, obj: number, size: number, gfp: number): number {
    if (obj === NULL_OBJ || obj === ZERO_SIZE) return this.kmalloc(ctx, size, gfp);
    if (size === 0) {
      this.kfree(ctx, obj);
      return ZERO_SIZE;
    }
    if (this.ksize(obj) === 0) {
      this.findObject(ctx, obj, 'krealloc'); // reports what is wrong with the pointer
      return NULL_OBJ;
    }
    if (this.ksize(obj) >= size) return obj;
    const n = this.kmalloc(ctx, size, gfp & ~__GFP_ZERO);
    if (n >= 0) this.kfree(ctx, obj);
    return n;
  }

  // ---- slabs ----------------------------------------------------------------------------------------------

  /** new_slab() -> allocate_slab(): the cache's order without retries first, then the smallest that holds one. */
  newSlab(c: KmemCache, ctx: ExecContext, gfp: number, nid: number): Slab | null {
    const pa = this.host.pa;
    // Only reclaim and placement flags of the caller count; the cache decides the zone and mobility.
    if (gfp & (__GFP_DMA32 | __GFP_HIGHMEM)) {
      // kmalloc_fix_flags(): zone bits a slab cannot honour are dropped, loudly.
      const fixed = gfp & ~(__GFP_DMA32 | __GFP_HIGHMEM);
      this.log(ctx, 'warning', `Unexpected gfp: 0x${(gfp & (__GFP_DMA32 | __GFP_HIGHMEM)).toString(16)} (${formatGfp(gfp & (__GFP_DMA32 | __GFP_HIGHMEM))}). Fixing up to gfp: 0x${fixed.toString(16)} (${formatGfp(fixed)}). Fix your code!`);
    }
    const base = (gfp & ~(GFP_ZONEMASK | __GFP_RECLAIMABLE | __GFP_ZERO)) | c.allocflags;
    let order = c.geo.order;
    let objects = c.geo.objects;
    // allocate_slab(): the preferred order without warnings or retries, and without reclaim when a smaller
    // order could do; then the minimum order with the caller's own flags.
    let first = (base | __GFP_NOWARN | __GFP_NORETRY) & ~__GFP_NOFAIL;
    if (first & __GFP_DIRECT_RECLAIM && order > c.geo.minOrder) first = (first | __GFP_NOMEMALLOC) & ~__GFP_RECLAIM;
    let r = pa.allocPages(ctx, nid, first | (order ? __GFP_COMP : 0), order, OWNER_SLAB);
    this.lastStall += r.stallTicks;
    if (r.pfn < 0) {
      order = c.geo.minOrder;
      objects = c.geo.minObjects;
      r = pa.allocPages(ctx, nid, base | (order ? __GFP_COMP : 0), order, OWNER_SLAB);
      this.lastStall += r.stallTicks;
    }
    if (r.pfn < 0) return null;
    const zone = pa.zoneOf(r.pfn)!;
    const slab = new Slab(c, r.pfn, order, objects, zone.nid);
    slab.id = this.freeIds.pop() ?? this.slabById.length;
    this.slabById[slab.id] = slab;
    zone.next.fill(slab.id, r.pfn - zone.startPfn, r.pfn - zone.startPfn + (1 << order));
    const n = c.nodes[slab.nid];
    n.nrSlabs++;
    n.totalObjects += objects;
    this.slabPages[slab.nid][c.allocflags & __GFP_RECLAIMABLE ? 0 : 1] += 1 << order;
    c.stats.slabsAllocated++;
    return slab;
  }

  /** discard_slab(): the slab's pages back to the buddy allocator. The caller has taken it off its list. */
  discardSlab(slab: Slab, ctx: ExecContext): void {
    if (slab.list) slab.list.remove(slab);
    const c = slab.cache;
    const n: CacheNode = c.nodes[slab.nid];
    n.nrSlabs--;
    n.totalObjects -= slab.objects;
    this.slabPages[slab.nid][c.allocflags & __GFP_RECLAIMABLE ? 0 : 1] -= 1 << slab.order;
    this.slabById[slab.id] = undefined;
    this.freeIds.push(slab.id);
    c.stats.slabsFreed++;
    this.host.pa.freePages(ctx, slab.pfn, slab.order, OWNER_SLAB);
  }

  /**
   * The slab a pfn belongs to. The page's `next` link names a slab id only while the page is a slab page; any
   * other value either names no live slab or one that does not cover this pfn (live slabs never overlap).
   */
  slabOf(pfn: number): Slab | undefined {
    const z = this.host.pa.zoneOf(pfn);
    if (!z) return undefined;
    const s = this.slabById[z.next[pfn - z.startPfn]];
    return s !== undefined && pfn >= s.pfn && pfn < s.pfn + (1 << s.order) ? s : undefined;
  }

  /** Live slabs (for the checker). */
  liveSlabs(): readonly (Slab | undefined)[] {
    return this.slabById;
  }

  /** Take an object off its slab's freelist (the models' common step). */
  takeObject(slab: Slab): number {
    const idx = slab.freelist[--slab.nfree];
    slab.allocated[idx] = 1;
    slab.inuse++;
    return slab.base + idx * slab.cache.size;
  }

  /** Put an object back on its slab's freelist. */
  putObject(slab: Slab, idx: number): void {
    slab.allocated[idx] = 0;
    slab.freelist[slab.nfree++] = idx;
    slab.inuse--;
  }

  /**
   * free_consistency_checks(): is obj an allocated object of some slab? Reports as SLUB debugging does
   * ("Invalid object pointer", "Object already free") and returns undefined when it is not; else its slab, with
   * the object's index in foundIdx. kfree() passes the slab it has already looked up.
   */
  private findObject(ctx: ExecContext, obj: number, fn: string, slab = obj >= 0 ? this.slabOf(Math.floor(obj / 4096)) : undefined): Slab | undefined {
    const pfn = Math.floor(obj / 4096);
    // The messages' addresses are made only when there is something to report: a BigInt and its hex string
    // on every free were half the cost of kfree().
    if (!slab) {
      const what = this.host.pa.zoneOf(pfn) ? 'which is no slab object and no kmalloc_large allocation' : 'which is no kernel memory';
      this.log(ctx, 'warning', `WARNING: CPU: ${ctx.cpu} PID: 0 at mm/slub.c ${fn}`, [`${fn}(${this.hexVirt(Math.max(0, obj))}) of an address ${what}`]);
      return undefined;
    }
    const c = slab.cache;
    const off = (obj - slab.base) | 0; // < 4 MiB: an int32, so the modulo below stays an integer one
    if (off % c.size !== 0 || off / c.size >= slab.objects) {
      this.log(ctx, 'bug', `BUG ${c.name} (Not tainted): Invalid object pointer ${this.hexVirt(obj)}`, [this.slabInfo(slab), `${fn}() with a pointer that is not the start of an object`]);
      return undefined;
    }
    const idx = off / c.size;
    if (!slab.allocated[idx] || this.model.isCachedFree?.(slab, idx)) {
      this.log(ctx, 'bug', `BUG ${c.name} (Not tainted): Object already free`, [this.slabInfo(slab), `Object ${this.hexVirt(obj)} @offset=${off}`, `${fn}() of an object that is already free (double free)`]);
      return undefined;
    }
    this.foundIdx = idx;
    return slab;
  }

  /** A physical address as the direct-map address the kernel prints. */
  private hexVirt(phys: number): string {
    return `0x${this.host.virt(phys).toString(16)}`;
  }

  /** SLUB's slab_err() line about a slab. */
  private slabInfo(slab: Slab): string {
    return `Slab ${this.hexVirt(slab.base)} objects=${slab.objects} used=${slab.inuse}`;
  }

  private freeObject(slab: Slab, idx: number, ctx: ExecContext): void {
    const c = slab.cache;
    c.stats.frees++;
    c.inuse--;
    this.model.free(c, slab, idx, ctx);
  }

  /** End of a tick: the model's periodic work. */
  endTick(): void {
    this.model.tick(this.caches, this.tick);
  }

  /** A report in the kernel log, with the CPU and task line the kernel adds. */
  log(ctx: ExecContext, kind: 'bug' | 'warning' | 'alloc_fail', text: string, detail: readonly string[] = []): void {
    this.host.events.push(this.tick, ctx.cpu, kind, text, [...detail, `CPU: ${ctx.cpu} Comm: ${commOf(ctx)}`]);
  }
}

