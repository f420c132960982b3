// mm/slab.c, the classic SLAB allocator (removed in 6.8): every slab sits on one of its node's three lists,
// slabs_partial, slabs_full or slabs_free, and objects travel to and from them in batches through per-CPU
// array caches (LIFO stacks of free objects, struct array_cache) and, on SMP, a per-node shared array.
// ____cache_alloc() pops the CPU's array; when it is empty, cache_alloc_refill() takes batchcount objects from
// the shared array, else from the slabs (partial first, then free), else from a new slab. __cache_free()
// pushes onto the array; a full array first gives its oldest batchcount objects to the shared array, else
// back to their slabs (free_block(), which destroys free slabs while the node holds more than free_limit
// free objects). cache_reap() runs on every CPU every REAPTIMEOUT_AC: it trims arrays nobody touched since
// the last pass and, every REAPTIMEOUT_NODE per node, the shared array and a fifth of free_limit worth of
// free slabs (unless a refill took a free slab since the last pass).
// Which mm/slab.c: the layout of 4.6-6.7 (get_first_slab, alloc_block, fixup_slab_list, cache_grow_begin/end,
// a free_block() that sheds surplus free slabs after its loop, drain_array_locked). The copy of mm/slab.c
// stored for torvalds/linux is a 4.4-era one; it does the same with the steps placed differently (cache_grow
// then retry, the surplus check inside free_block's loop). Tunables are enable_cpucache()'s without
// CONFIG_DEBUG_SLAB; an untouched array refills at most BATCHREFILL_LIMIT (16) objects, as both versions do.
// Time: the kernel counts jiffies. One tick here is 1/SLAB_HZ s (200 ms), scaled so reaping shows within a
// short scenario: each CPU runs cache_reap every REAPTIMEOUT_AC = 2 s = 10 ticks (CPU c at ticks 5 + c, 15 + c,
// ...), and a node's turn comes at the first of its CPUs' passes once REAPTIMEOUT_NODE = 4 s = 20 ticks have
// gone by (node.nextReap counts them down, staggered by cache id as the kernel staggers by cachep address).
// Simplified: the geometry (size, order, objects per slab) is SLUB's (c.geo) rather than SLAB's own
// cache_estimate()/calculate_slab_order() with on- or off-slab freelists and colouring; no alien caches (as
// with noaliencache: an object freed on a CPU of another node goes straight back to its slab); no
// kmem_cache_alloc_node(), no pfmemalloc handling, no slabinfo writes (tunables are set once, at creation).
// Objects in the arrays are allocated as far as their slab knows (slab.allocated); the model records them
// (isCached / isCachedFree) so the shared checks still catch a double free of one.
import type {ExecContext} from '../context.js';
import {PAGE_SIZE} from '../page-alloc/types.js';
import {type CacheCpu, type CacheNode, type KmemCache, type Slab} from './cache.js';
import {NULL_OBJ, type SlabAllocator, type SlabModel} from './slab-allocator.js';

/** Ticks per second of emulated time, for the timeouts mm/slab.c states in jiffies (HZ). */
export const SLAB_HZ = 5;
/** REAPTIMEOUT_AC: how often each CPU runs cache_reap() (2 * HZ). */
export const REAPTIMEOUT_AC = 2 * SLAB_HZ;
/** REAPTIMEOUT_NODE: how often a node's shared array and free slabs are reaped (4 * HZ). */
export const REAPTIMEOUT_NODE = 4 * SLAB_HZ;
/** BATCHREFILL_LIMIT: an untouched array refills at most this many objects at a time. */
export const BATCHREFILL_LIMIT = 16;

/** enable_cpucache(): the array size, guessed by object size (the kernel's "should auto-tune" numbers). */
export function cpucacheLimit(size: number): number {
  if (size > 131072) return 1;
  if (size > PAGE_SIZE) return 8;
  if (size > 1024) return 24;
  if (size > 256) return 54;
  return 120;
}

/** enable_cpucache(): limit, batchcount and shared as /proc/slabinfo prints them. */
export function cpucacheTunables(size: number, nrCpus: number): {limit: number; batchcount: number; shared: number} {
  const limit = cpucacheLimit(size);
  const shared = size <= PAGE_SIZE && nrCpus > 1 ? 8 : 0;
  return {limit, batchcount: (limit + 1) >> 1, shared};
}

/** Is it CPU cpu's turn to run cache_reap() at tick now? (start_cpu_timer: about 1 s after boot, then every 2 s, skewed by CPU.) */
export function cacheReapDue(cpu: number, now: number): boolean {
  const first = SLAB_HZ + (cpu % REAPTIMEOUT_AC);
  return now >= first && (now - first) % REAPTIMEOUT_AC === 0;
}

/** What struct kmem_cache_node has and CacheNode does not: n->free_touched and n->shared->touched. */

export class ClassicSlabModel implements SlabModel {
  readonly name = 'slab' as const;
  private sa!: SlabAllocator;
  /** Objects sitting in an array cache or a shared array (physical addresses): allocated as far as their slab knows, free for the user. */
  private readonly cached = new Set<number>();
  /** nr_cpus_node() */
  private readonly cpusOnNode: number[] = [];

  constructor(private readonly cpuNode: Int32Array) {
    for (const nid of cpuNode) this.cpusOnNode[nid] = (this.cpusOnNode[nid] ?? 0) + 1;
  }

  attach(sa: SlabAllocator): void {
    this.sa = sa;
  }

  /** Is this object in an array cache (free for the user, allocated for its slab)? */
  isCached(phys: number): boolean {
    return this.cached.has(phys);
  }

  /** SlabModel.isCachedFree, for free_consistency_checks(): object idx of slab waits in an array, free for the user. */
  isCachedFree(slab: Slab, idx: number): boolean {
    return this.cached.has(slab.base + idx * slab.cache.size);
  }

  private nodeOf(cpu: number): number {
    return this.cpuNode[cpu] ?? 0;
  }

  // ---- setup ----------------------------------------------------------------------------------------------

  /** enable_cpucache() -> do_tune_cpucache() -> alloc_kmem_cache_node(). Runs before attach() for kmalloc caches. */
  setup(c: KmemCache): void {
    const t = cpucacheTunables(c.size, this.cpuNode.length);
    c.limit = t.limit;
    c.batchcount = t.batchcount;
    c.sharedFactor = t.shared;
    for (const ac of c.cpus) {
      ac.entries = [];
      ac.limit = t.limit;
      ac.batchcount = t.batchcount;
      ac.touched = false;
    }
    for (const n of c.nodes) {
      n.freeLimit = (1 + (this.cpusOnNode[n.nid] ?? 0)) * t.batchcount + c.geo.objects;
      n.shared = [];
      n.sharedLimit = t.shared * t.batchcount;
      // jiffies + REAPTIMEOUT_NODE + (unsigned long)cachep % REAPTIMEOUT_NODE; here a countdown staggered by id.
      n.nextReap = REAPTIMEOUT_NODE + (c.id % REAPTIMEOUT_NODE);
      n.freeTouched = false;
      n.sharedTouched = false;
    }
  }

  // ---- array caches ---------------------------------------------------------------------------------------

  /** ac->entry[ac->avail++] = objp */
  private acPut(ac: CacheCpu, phys: number): void {
    ac.entries.push(phys);
    this.cached.add(phys);
  }

  /** ac->entry[--ac->avail]: the most recently freed object, cache-warm. */
  private acGet(ac: CacheCpu): number {
    const phys = ac.entries.pop() as number;
    this.cached.delete(phys);
    return phys;
  }

  /** transfer_objects(): the top of one array onto the top of another; returns how many moved. */
  private transferObjects(to: number[], toLimit: number, from: number[], max: number): number {
    const nr = Math.min(from.length, max, toLimit - to.length);
    if (nr <= 0) return 0;
    for (const phys of from.splice(from.length - nr, nr)) to.push(phys);
    return nr;
  }

  // ---- slab lists -----------------------------------------------------------------------------------------

  /** get_first_slab(): a partial slab, else a free one (noting that the free list was used). */
  private getFirstSlab(n: CacheNode): Slab | null {
    if (n.partial.head) return n.partial.head;
    n.freeTouched = true;
    return n.free.head;
  }

  /** fixup_slab_list(): after objects were taken, a slab goes to the head of slabs_full or slabs_partial. */
  private fixupSlabList(n: CacheNode, s: Slab): void {
    if (s.list) s.list.remove(s);
    if (s.nfree === 0) n.full.add(s);
    else n.partial.add(s);
  }

  /** alloc_block(): up to batchcount objects of one slab into the array; returns what is left of batchcount. */
  private allocBlock(ac: CacheCpu, s: Slab, batchcount: number): number {
    while (s.nfree > 0 && batchcount > 0) {
      this.acPut(ac, this.sa.takeObject(s));
      batchcount--;
    }
    return batchcount;
  }

  /** cache_grow_end(): a new slab joins its node, on slabs_free if nothing was taken from it yet. */
  private cacheGrowEnd(c: KmemCache, s: Slab): void {
    const n = c.nodes[s.nid];
    if (s.inuse === 0) n.free.add(s, true);
    else this.fixupSlabList(n, s);
    n.freeObjects += s.nfree;
  }

  /**
   * free_block(): objects back to their slabs on node nid. A slab that empties goes to the head of slabs_free,
   * any other to the tail of slabs_partial (the most time for its other objects to come back); then free slabs
   * beyond free_limit leave the node, oldest first, and are destroyed (slabs_destroy()).
   */
  private freeBlock(c: KmemCache, objs: readonly number[], nid: number, ctx: ExecContext): void {
    const n = c.nodes[nid];
    n.freeObjects += objs.length;
    for (const phys of objs) {
      this.cached.delete(phys);
      const s = this.sa.slabOf(Math.floor(phys / PAGE_SIZE)) as Slab;
      if (s.list) s.list.remove(s);
      this.sa.putObject(s, (phys - s.base) / c.size);
      if (s.inuse === 0) n.free.add(s);
      else n.partial.add(s, true);
    }
    while (n.freeObjects > n.freeLimit && n.free.tail) {
      const s = n.free.tail;
      n.freeObjects -= s.objects;
      this.sa.discardSlab(s, ctx);
    }
  }

  /** drain_freelist(): destroy up to tofree free slabs of a node, oldest first; returns how many. */
  private drainFreelist(n: CacheNode, tofree: number, ctx: ExecContext): number {
    let freed = 0;
    while (freed < tofree && n.free.tail) {
      const s = n.free.tail;
      n.freeObjects -= s.objects;
      this.sa.discardSlab(s, ctx);
      freed++;
    }
    return freed;
  }

  // ---- allocation -----------------------------------------------------------------------------------------

  /** ____cache_alloc(): the top of the CPU's array, else cache_alloc_refill(). */
  alloc(c: KmemCache, ctx: ExecContext, gfp: number): number {
    const ac = c.cpus[ctx.cpu];
    if (ac.entries.length > 0) {
      ac.touched = true;
      return this.acGet(ac);
    }
    return this.cacheAllocRefill(c, ac, ctx, gfp);
  }

  /** cache_alloc_refill(): a batch from the shared array, else from the node's slabs, else from a new slab. */
  private cacheAllocRefill(c: KmemCache, ac: CacheCpu, ctx: ExecContext, gfp: number): number {
    const nid = this.nodeOf(ctx.cpu);
    const n = c.nodes[nid];
    let batchcount = ac.batchcount;
    // Little recent activity: refill only partly, or objects would bounce between the array and the slabs.
    if (!ac.touched && batchcount > BATCHREFILL_LIMIT) batchcount = BATCHREFILL_LIMIT;
    if (n.freeObjects > 0 || n.shared.length > 0) {
      if (this.transferObjects(ac.entries, ac.limit, n.shared, batchcount) > 0) {
        n.sharedTouched = true;
      } else {
        while (batchcount > 0) {
          const s = this.getFirstSlab(n);
          if (!s) break;
          batchcount = this.allocBlock(ac, s, batchcount);
          this.fixupSlabList(n, s);
        }
        n.freeObjects -= ac.entries.length;
      }
    }
    if (ac.entries.length === 0) {
      // cache_grow_begin() asks for this node only (gfp_exact_node); a slab that lands elsewhere is fallback_alloc()'s.
      const s = this.sa.newSlab(c, ctx, gfp, nid);
      if (s && s.nid !== nid) {
        this.cacheGrowEnd(c, s);
        return this.cacheAllocNode(c.nodes[s.nid]);
      }
      if (s) {
        this.allocBlock(ac, s, batchcount);
        this.cacheGrowEnd(c, s);
      }
      if (ac.entries.length === 0) return this.fallbackAlloc(c, nid);
    }
    ac.touched = true;
    return this.acGet(ac);
  }

  /** ____cache_alloc_node(): one object straight from a node's slabs, bypassing the array. */
  private cacheAllocNode(n: CacheNode): number {
    const s = this.getFirstSlab(n);
    if (!s) return NULL_OBJ;
    const phys = this.sa.takeObject(s);
    n.freeObjects--;
    this.fixupSlabList(n, s);
    return phys;
  }

  /** fallback_alloc(): no slab could be had on this node; take an object from another node that has free ones. */
  private fallbackAlloc(c: KmemCache, nid: number): number {
    for (const n of c.nodes) if (n.nid !== nid && n.freeObjects > 0) return this.cacheAllocNode(n);
    return NULL_OBJ;
  }

  // ---- free -----------------------------------------------------------------------------------------------

  /** __cache_free(): onto the CPU's array; a full array is first flushed by batchcount. */
  free(c: KmemCache, s: Slab, idx: number, ctx: ExecContext): void {
    const phys = s.base + idx * c.size;
    const nid = this.nodeOf(ctx.cpu);
    if (s.nid !== nid) {
      // cache_free_alien() without alien caches: a remote object goes back to its own node's slabs.
      this.freeBlock(c, [phys], s.nid, ctx);
      return;
    }
    const ac = c.cpus[ctx.cpu];
    if (ac.entries.length >= ac.limit) this.cacheFlusharray(c, ac, nid, ctx);
    this.acPut(ac, phys);
  }

  /** cache_flusharray(): the oldest batchcount objects to the shared array if it has room, else to the slabs. */
  private cacheFlusharray(c: KmemCache, ac: CacheCpu, nid: number, ctx: ExecContext): void {
    const n = c.nodes[nid];
    let batchcount = ac.batchcount;
    const room = n.sharedLimit - n.shared.length;
    if (room > 0) {
      batchcount = Math.min(batchcount, room);
      for (const phys of ac.entries.splice(0, batchcount)) n.shared.push(phys);
      return;
    }
    this.freeBlock(c, ac.entries.splice(0, batchcount), nid, ctx);
  }

  // ---- drain, shrink, reap --------------------------------------------------------------------------------

  /** drain_cpu_caches(): every CPU's array (do_drain) and every shared array back to the slabs. */
  flush(c: KmemCache, ctx: ExecContext): void {
    for (const ac of c.cpus) {
      if (ac.entries.length > 0) this.freeBlock(c, ac.entries.splice(0), this.nodeOf(ac.cpu), ctx);
    }
    for (const n of c.nodes) if (n.shared.length > 0) this.freeBlock(c, n.shared.splice(0), n.nid, ctx);
  }

  /** __kmem_cache_shrink(): drain, then drain_freelist() of every free slab; returns all slabs destroyed. */
  shrink(c: KmemCache, ctx: ExecContext): number {
    const before = c.stats.slabsFreed;
    this.flush(c, ctx);
    for (const n of c.nodes) this.drainFreelist(n, n.free.count, ctx);
    return c.stats.slabsFreed - before;
  }

  /**
   * drain_array(): an array used since the last pass is only marked untouched; an idle one gives back
   * (limit + 4) / 5 of its oldest objects (half of them if it holds fewer).
   */
  private drainArray(c: KmemCache, entries: number[], limit: number, nid: number, ctx: ExecContext): void {
    let tofree = Math.floor((limit + 4) / 5);
    if (tofree > entries.length) tofree = (entries.length + 1) >> 1;
    this.freeBlock(c, entries.splice(0, tofree), nid, ctx);
  }

  /** The end of a tick: node reap countdowns move; each CPU whose turn it is runs cache_reap(). */
  tick(caches: readonly KmemCache[], now: number): void {
    for (const c of caches) for (const n of c.nodes) if (n.nextReap > 0) n.nextReap--;
    for (let cpu = 0; cpu < this.cpuNode.length; cpu++) if (cacheReapDue(cpu, now)) this.cacheReap(caches, cpu);
  }

  /** cache_reap() on one CPU (in its kworker): its own arrays, then its node's shared array and free slabs when due. */
  private cacheReap(caches: readonly KmemCache[], cpu: number): void {
    const ctx: ExecContext = {cpu, context: 'process', comm: `kworker/${cpu}:1`};
    const nid = this.nodeOf(cpu);
    for (const c of caches) {
      const n = c.nodes[nid];
      const ac = c.cpus[cpu];
      if (ac.entries.length > 0) {
        if (ac.touched) ac.touched = false;
        else this.drainArray(c, ac.entries, ac.limit, nid, ctx);
      }
      if (n.nextReap > 0) continue;
      n.nextReap = REAPTIMEOUT_NODE;
      if (n.shared.length > 0) {
        if (n.sharedTouched) n.sharedTouched = false;
        else this.drainArray(c, n.shared, n.sharedLimit, nid, ctx);
      }
      if (n.freeTouched) n.freeTouched = false;
      else this.drainFreelist(n, Math.floor((n.freeLimit + 5 * c.geo.objects - 1) / (5 * c.geo.objects)), ctx);
    }
  }
}
