// mm/page_alloc.c __alloc_pages(): the zonelist walk, the fast path at the low watermark, the slow path that
// wakes kswapd, lowers the watermark by what the GFP flags allow, reclaims directly when the caller may sleep,
// and finally warns "page allocation failure". Freeing checks the page the way free_pages_prepare() does.
// Simplified: no compaction and no OOM killer (an allocation reclaim cannot satisfy fails, where the kernel
// would compact or kill and retry); direct reclaim does its work at once and reports how many ticks the caller
// would have slept; cpusets and mempolicies are not modelled.
import type {MachineConfig} from '../config.js';
import {type ExecContext, inAtomic} from '../context.js';
import type {EventLog} from '../events.js';
import {
  __GFP_DIRECT_RECLAIM,
  __GFP_HIGH,
  __GFP_KSWAPD_RECLAIM,
  __GFP_MEMALLOC,
  __GFP_NOMEMALLOC,
  __GFP_NORETRY,
  __GFP_NOWARN,
  __GFP_RETRY_MAYFAIL,
  __GFP_THISNODE,
  formatMode,
  gfpMigratetype,
  gfpToAllocFlags,
  gfpZone,
} from '../gfp.js';
import {reserveHighatomicPageblock, unreserveHighatomicPageblock} from './fallback.js';
import {drainPcp} from './pcp.js';
import {directReclaim, kswapdStep, shouldReclaimRetry, wakeupKswapd} from './reclaim.js';
import {badPage, bugSplat, schedulingWhileAtomic, sleepingInAtomic, warnAlloc, warnSplat} from './report.js';
import {
  ALLOC_CPUSET,
  ALLOC_HIGHATOMIC,
  ALLOC_KSWAPD,
  ALLOC_NO_WATERMARKS,
  ALLOC_NOFRAGMENT,
  ALLOC_WMARK_LOW,
  ALLOC_WMARK_MASK,
  ALLOC_WMARK_MIN,
  COSTLY_ORDER,
  MAX_ORDER,
  OWNER_KERNEL,
  OWNER_KMALLOC_LARGE,
  OWNER_NAMES,
  OWNER_PAGECACHE,
  OWNER_PGTABLE,
  OWNER_SLAB,
  OWNER_USER,
  OWNER_VMALLOC,
  PG_ALLOC,
  PG_BUDDY,
  PG_HOLE,
  PG_PCP,
  PG_RESERVED,
  DIRECT_RECLAIM_PAGES_PER_TICK,
  SWAP_CLUSTER_MAX,
} from './types.js';
import {calculateMinFreeKbytes, setupLowmemReserve, setupPerZoneWmarks, zoneBatchsize, zoneHighsize} from './watermarks.js';
import {Zone} from './zone.js';

export type KswapdState = {
  awake: boolean;
  /** kswapd_order / kswapd_highest_zoneidx: what the wakers asked for. */
  order: number;
  highestIdx: number;
  /** kswapd_failures: runs that reclaimed nothing; at MAX_RECLAIM_RETRIES the node is left to direct reclaim. */
  failures: number;
  /** Pages reclaimed since this wake-up. */
  reclaimed: number;
  /** The CPU kswapd runs on (the node's first CPU, or CPU 0 for a memory-only node). */
  cpu: number;
};

export type PgNode = {
  readonly nid: number;
  readonly startPfn: number;
  readonly endPfn: number;
  readonly cpus: readonly number[];
  /** Every zone type of the profile by zone index; empty ones have spanned 0. */
  readonly zones: readonly Zone[];
  /** build_zonelists(): this node's zones high to low, then the other nodes' by distance. Populated zones only. */
  zonelist: Zone[];
  readonly kswapd: KswapdState;
};

export type AllocStats = {
  allocstall: number; // direct reclaim entries
  stallTicks: number; // ticks callers would have slept in direct reclaim
  pgstealKswapd: number;
  pgstealDirect: number;
  kswapdWakeups: number;
  allocFailures: number; // allocations that returned NULL
  highatomicReserved: number;
};

export type AllocResult = {
  /** The first pfn of the block, or -1 for NULL. */
  readonly pfn: number;
  /** Ticks the caller would sleep in direct reclaim; 0 if it never entered it. */
  readonly stallTicks: number;
};

const NULL_RESULT: AllocResult = {pfn: -1, stallTicks: 0};

/** Why __free_pages() refuses a block that belongs to someone else, as free_pages_prepare() would say it. */
const OWNED_BY: Record<number, string> = {
  [OWNER_PAGECACHE]: 'non-NULL mapping: a page-cache page (reclaim or truncation frees it)',
  [OWNER_SLAB]: 'PageSlab: a slab page (kfree or kmem_cache_free frees its objects)',
  [OWNER_VMALLOC]: 'a vmalloc page (vfree frees it)',
  [OWNER_PGTABLE]: 'a page-table page in use',
  [OWNER_KMALLOC_LARGE]: 'a kmalloc() allocation (kfree frees it)',
};

export class PageAllocator {
  readonly nodes: PgNode[] = [];
  /** Populated or not, every zone, in pfn order. */
  readonly zones: Zone[] = [];
  readonly cpuNode: Int32Array;
  readonly minFreeKbytes: number;
  /** Direct-reclaim work per CPU not yet slept for (pages). */
  private readonly reclaimCarry: Int32Array;
  readonly stats: AllocStats = {allocstall: 0, stallTicks: 0, pgstealKswapd: 0, pgstealDirect: 0, kswapdWakeups: 0, allocFailures: 0, highatomicReserved: 0};
  /** Zone index per 4 MiB chunk of pfns (-1 none, -2 several: search). */
  private readonly chunkZone: Int16Array;
  private readonly hasHighmem: boolean;
  private readonly hasDma32: boolean;
  /** The clock, set by the machine before each tick's work, for the log. */
  tick = 0;

  constructor(
    readonly config: MachineConfig,
    readonly events: EventLog,
  ) {
    this.hasHighmem = config.zoneNames.includes('HighMem');
    this.hasDma32 = config.zoneNames.includes('DMA32');
    this.cpuNode = new Int32Array(config.nrCpus);
    this.reclaimCarry = new Int32Array(config.nrCpus);
    for (const n of config.nodes) {
      for (const c of n.cpus) this.cpuNode[c] = n.nid;
      const zones = n.zones.map(
        (z) => new Zone({nid: n.nid, zoneIdx: z.zoneIdx, name: z.name, startPfn: z.start, spanned: z.end - z.start, nrCpus: config.nrCpus, pcp: config.pcp}),
      );
      this.nodes.push({
        nid: n.nid,
        startPfn: n.startPfn,
        endPfn: n.endPfn,
        cpus: n.cpus,
        zones,
        zonelist: [],
        kswapd: {awake: false, order: 0, highestIdx: 0, failures: 0, reclaimed: 0, cpu: n.cpus[0] ?? 0},
      });
      this.zones.push(...zones.filter((z) => z.spanned > 0));
    }
    this.zones.sort((a, b) => a.startPfn - b.startPfn);
    const totalPfn = this.nodes[this.nodes.length - 1].endPfn;
    this.chunkZone = new Int16Array(Math.ceil(totalPfn / 1024) + 1).fill(-1);
    this.zones.forEach((z, i) => {
      for (let c = z.startPfn >>> 10; c <= (z.endPfn - 1) >>> 10; c++) this.chunkZone[c] = this.chunkZone[c] === -1 ? i : -2;
    });
    this.boot();
    for (const n of this.nodes) n.zonelist = this.buildZonelist(n.nid);
    this.minFreeKbytes = config.minFreeKbytes ?? calculateMinFreeKbytes(this.lowmemManaged());
    this.setupWatermarks();
  }

  // ---- boot ---------------------------------------------------------------------------------------------

  /** memblock_free_all(): holes stay holes, reservations stay reserved, the rest goes to the buddy lists. */
  private boot(): void {
    const {holes, reserved} = this.config;
    for (const zone of this.zones) {
      // Mark what is not free, then free the gaps between, in address order.
      const cuts: {start: number; end: number; hole: boolean}[] = [];
      for (const h of holes) cuts.push({start: h.start, end: h.end, hole: true});
      for (const r of reserved) cuts.push({start: r.start, end: r.end, hole: false});
      const mark = new Uint8Array(zone.spanned); // 0 free, 1 reserved, 2 hole
      for (const c of cuts) {
        const s = Math.max(c.start, zone.startPfn) - zone.startPfn;
        const e = Math.min(c.end, zone.endPfn) - zone.startPfn;
        if (e <= s) continue;
        if (c.hole) mark.fill(2, s, e);
        else for (let i = s; i < e; i++) if (mark[i] === 0) mark[i] = 1;
      }
      let i = 0;
      while (i < zone.spanned) {
        const kind = mark[i];
        let j = i + 1;
        while (j < zone.spanned && mark[j] === kind) j++;
        if (kind === 1) zone.markReserved(i, j - i);
        else if (kind === 0) zone.freeBootRange(i, j - i);
        i = j;
      }
    }
  }

  /** Managed pages of the zones that are not HighMem or Movable (what nr_free_buffer_pages() sees at boot). */
  lowmemManaged(): number {
    let n = 0;
    for (const z of this.zones) if (!this.isHighmemOrMovable(z)) n += z.managed;
    return n;
  }

  isHighmemOrMovable(z: Zone): boolean {
    return z.name === 'HighMem' || z.name === 'Movable';
  }

  /** build_zonelists(): nodes in order of distance (ties by node id), each node's zones from high to low. */
  private buildZonelist(nid: number): Zone[] {
    const dist = this.config.distance[nid];
    const order = this.nodes.map((n) => n.nid).sort((a, b) => (a === nid ? -1 : b === nid ? 1 : dist[a] - dist[b] || a - b));
    const list: Zone[] = [];
    for (const o of order) {
      const zs = this.nodes[o].zones;
      for (let z = zs.length - 1; z >= 0; z--) if (zs[z].managed > 0) list.push(zs[z]);
    }
    return list;
  }

  /** init_per_zone_wmark_min() and the pcp batch/high that follow from it. */
  setupWatermarks(): void {
    const all = this.nodes.flatMap((n) => n.zones);
    setupPerZoneWmarks(
      all.map((zone) => ({zone, highmemOrMovable: this.isHighmemOrMovable(zone)})),
      this.minFreeKbytes,
      this.config.watermarkScaleFactor,
    );
    for (const n of this.nodes) {
      setupLowmemReserve(n.zones, this.config.lowmemReserveRatio);
      for (const z of n.zones) {
        z.pcpBatch = zoneBatchsize(z.managed);
        z.pcpHigh = zoneHighsize(z.wmarkLow, n.cpus.length, this.config.nrCpus, z.pcpBatch);
      }
    }
  }

  // ---- lookups --------------------------------------------------------------------------------------------

  /** page_zone(): the zone a pfn belongs to, or undefined for a pfn with no zone. */
  zoneOf(pfn: number): Zone | undefined {
    if (pfn < 0) return undefined;
    const c = pfn >>> 10;
    if (c >= this.chunkZone.length) return undefined;
    const zi = this.chunkZone[c];
    if (zi >= 0) {
      const z = this.zones[zi];
      return z.spans(pfn) ? z : undefined;
    }
    if (zi === -1) return undefined;
    for (const z of this.zones) if (z.spans(pfn)) return z;
    return undefined;
  }

  /** Index of a zone type by name in this profile (ZONE_NORMAL = 2 on x86_64, 1 on i386). */
  zoneIdxOf(name: string): number {
    return this.config.zoneNames.indexOf(name);
  }

  // ---- allocation -----------------------------------------------------------------------------------------

  /**
   * __alloc_pages(gfp, order, preferred_nid): the whole allocation, fast path and slow path. `owner` says what
   * the pages are for (page cache pages go on the LRU). Returns the block's first pfn or -1.
   */
  allocPages(ctx: ExecContext, nid: number, gfp: number, order: number, owner: number): AllocResult {
    if (order > MAX_ORDER) {
      // The kernel: WARN_ON_ONCE(!(gfp & __GFP_NOWARN)) and NULL.
      if (!(gfp & __GFP_NOWARN)) warnSplat(this.events, this.tick, ctx, `order ${order} is above MAX_PAGE_ORDER (${MAX_ORDER})`, '__alloc_pages');
      this.stats.allocFailures++;
      return NULL_RESULT;
    }
    const zname = gfpZone(gfp, this.hasHighmem);
    if (zname === undefined) {
      bugSplat(this.events, this.tick, ctx, 'include/linux/gfp.h', `gfp_zone(): invalid zone modifiers in ${formatMode(gfp)}`);
      this.stats.allocFailures++;
      return NULL_RESULT;
    }
    // might_alloc() -> might_sleep(): a warning only; the allocation goes on with the caller's flags.
    if (gfp & __GFP_DIRECT_RECLAIM && inAtomic(ctx)) sleepingInAtomic(this.events, this.tick, ctx, 'mm/page_alloc.c');
    const highestIdx = this.zoneIdxOf(zname);
    const node = this.nodes[nid];
    const zonelist = gfp & __GFP_THISNODE ? node.zonelist.filter((z) => z.nid === nid) : node.zonelist;
    const mt = gfpMigratetype(gfp);
    const preferred = zonelist.find((z) => z.zoneIdx <= highestIdx);
    if (!preferred) return this.nopage(ctx, gfp, order, 0, nid);

    // Fast path: the low watermark, no reserves; ALLOC_NOFRAGMENT when a DMA32 zone sits under Normal.
    let allocFlags = ALLOC_WMARK_LOW | ALLOC_CPUSET | (gfp & __GFP_KSWAPD_RECLAIM);
    allocFlags |= this.allocFlagsNofragment(preferred);
    let pfn = this.getPageFromFreelist(ctx.cpu, zonelist, highestIdx, order, mt, allocFlags, owner, preferred);
    if (pfn >= 0) return {pfn, stallTicks: 0};

    // Slow path.
    allocFlags = gfpToAllocFlags(gfp, order);
    if (allocFlags & ALLOC_KSWAPD) this.wakeAllKswapds(zonelist, order, highestIdx);
    pfn = this.getPageFromFreelist(ctx.cpu, zonelist, highestIdx, order, mt, allocFlags, owner, preferred);
    if (pfn >= 0) return {pfn, stallTicks: 0};
    // __gfp_pfmemalloc_flags(): __GFP_MEMALLOC may ignore the watermarks altogether (unless __GFP_NOMEMALLOC).
    if (gfp & __GFP_MEMALLOC && !(gfp & __GFP_NOMEMALLOC)) {
      pfn = this.getPageFromFreelist(ctx.cpu, zonelist, highestIdx, order, mt, ALLOC_NO_WATERMARKS | (allocFlags & ALLOC_KSWAPD), owner, preferred);
      if (pfn >= 0) return {pfn, stallTicks: 0};
    }
    if (!(gfp & __GFP_DIRECT_RECLAIM)) return this.nopage(ctx, gfp, order, 0, nid);
    if (inAtomic(ctx)) {
      // Direct reclaim would sleep in interrupt context: the kernel's "scheduling while atomic". We stop here.
      schedulingWhileAtomic(this.events, this.tick, ctx);
      return this.nopage(ctx, gfp, order, 0, nid);
    }

    let stallTicks = 0;
    let noProgressLoops = 0;
    for (;;) {
      if (allocFlags & ALLOC_KSWAPD) this.wakeAllKswapds(zonelist, order, highestIdx);
      // __alloc_pages_direct_reclaim(): reclaim, retry; on failure drain the per-CPU lists once and retry.
      const reclaimed = directReclaim(this, ctx.cpu, zonelist, highestIdx, order);
      this.stats.allocstall++;
      const ticks = this.reclaimStall(ctx.cpu, reclaimed);
      stallTicks += ticks;
      this.stats.stallTicks += ticks;
      pfn = this.getPageFromFreelist(ctx.cpu, zonelist, highestIdx, order, mt, allocFlags, owner, preferred);
      if (pfn < 0) {
        // unreserve_highatomic_pageblock(): one pageblock back, from the first eligible zone that has one.
        for (const z of zonelist) if (z.zoneIdx <= highestIdx && unreserveHighatomicPageblock(z, mt, false)) break;
        this.drainAllPages();
        pfn = this.getPageFromFreelist(ctx.cpu, zonelist, highestIdx, order, mt, allocFlags, owner, preferred);
      }
      if (pfn >= 0) return {pfn, stallTicks};
      if (gfp & __GFP_NORETRY) break;
      if (order > COSTLY_ORDER && !(gfp & __GFP_RETRY_MAYFAIL)) break;
      if (reclaimed > 0 && order <= COSTLY_ORDER) noProgressLoops = 0;
      else noProgressLoops++;
      if (!shouldReclaimRetry(this, zonelist, highestIdx, order, allocFlags, noProgressLoops, mt)) break;
    }
    return this.nopage(ctx, gfp, order, stallTicks, nid);
  }

  /** Ticks a caller sleeps for a direct-reclaim round that freed `reclaimed` pages (see DIRECT_RECLAIM_PAGES_PER_TICK). */
  private reclaimStall(cpu: number, reclaimed: number): number {
    if (reclaimed === 0) return 1;
    const work = this.reclaimCarry[cpu] + Math.max(reclaimed, SWAP_CLUSTER_MAX);
    const ticks = Math.floor(work / DIRECT_RECLAIM_PAGES_PER_TICK);
    this.reclaimCarry[cpu] = work - ticks * DIRECT_RECLAIM_PAGES_PER_TICK;
    return ticks;
  }

  /** alloc_flags_nofragment(): prefer falling back to DMA32 over fragmenting Normal with foreign pageblocks. */
  private allocFlagsNofragment(preferred: Zone): number {
    if (!this.hasDma32 || preferred.name !== 'Normal') return 0;
    const node = this.nodes[preferred.nid];
    if (this.nodes.length > 1 && node.zones[preferred.zoneIdx - 1].managed === 0) return 0;
    return ALLOC_NOFRAGMENT;
  }

  /** get_page_from_freelist(): the first zone of the zonelist that passes its watermark and has a block. */
  getPageFromFreelist(cpu: number, zonelist: readonly Zone[], highestIdx: number, order: number, mt: number, allocFlags: number, owner: number, preferred: Zone): number {
    const localNid = preferred.nid;
    for (;;) {
      let restart = false;
      for (let i = 0; i < zonelist.length; i++) {
        const zone = zonelist[i];
        if (zone.zoneIdx > highestIdx) continue;
        if (allocFlags & ALLOC_NOFRAGMENT && zone.nid !== localNid) {
          // Fragmenting the local node is better than going remote.
          allocFlags &= ~ALLOC_NOFRAGMENT;
          restart = true;
          break;
        }
        const w = allocFlags & ALLOC_WMARK_MASK;
        const mark = w === ALLOC_WMARK_MIN ? zone.wmarkMin : w === ALLOC_WMARK_LOW ? zone.wmarkLow : zone.wmarkHigh;
        if (!zone.watermarkOk(order, mark, highestIdx, allocFlags) && !(allocFlags & ALLOC_NO_WATERMARKS)) continue;
        const idx = zone.allocBlock(cpu, order, mt, allocFlags, owner);
        if (idx < 0) {
          zone.stats.allocFail++;
          continue;
        }
        if (allocFlags & ALLOC_HIGHATOMIC) {
          const before = zone.nrReservedHighatomic;
          reserveHighatomicPageblock(zone, idx);
          if (zone.nrReservedHighatomic > before) this.stats.highatomicReserved++;
        }
        if (owner === OWNER_PAGECACHE) zone.lruAdd(idx);
        else if (owner === OWNER_USER) zone.anonPages += 1 << order;
        this.zoneStatistics(preferred, zone, cpu);
        return zone.startPfn + idx;
      }
      if (restart) continue;
      if (allocFlags & ALLOC_NOFRAGMENT) {
        allocFlags &= ~ALLOC_NOFRAGMENT;
        continue;
      }
      return -1;
    }
  }

  /** zone_statistics() */
  private zoneStatistics(preferred: Zone, z: Zone, cpu: number): void {
    if (z.nid === preferred.nid) z.stats.numaHit++;
    else {
      z.stats.numaMiss++;
      preferred.stats.numaForeign++;
    }
    if (z.nid === this.cpuNode[cpu]) z.stats.numaLocal++;
    else z.stats.numaOther++;
  }

  private wakeAllKswapds(zonelist: readonly Zone[], order: number, highestIdx: number): void {
    let last = -1;
    for (const z of zonelist) {
      if (z.zoneIdx > highestIdx || z.nid === last) continue;
      last = z.nid;
      wakeupKswapd(this, this.nodes[z.nid], order, highestIdx);
    }
  }

  /** drain_all_pages(): every CPU's lists in every zone back to the buddy lists. */
  drainAllPages(): number {
    let n = 0;
    for (const z of this.zones) for (let c = 0; c < this.config.nrCpus; c++) n += drainPcp(z, c);
    return n;
  }

  private nopage(ctx: ExecContext, gfp: number, order: number, stallTicks: number, nid: number): AllocResult {
    this.stats.allocFailures++;
    if (!(gfp & __GFP_NOWARN)) warnAlloc(this.events, this.tick, ctx, gfp, order, this.nodes, nid);
    return {pfn: -1, stallTicks};
  }

  // ---- freeing --------------------------------------------------------------------------------------------

  /**
   * __free_pages(page, order): checks the page as free_pages_prepare()/bad_page() do; a page that is not an
   * allocated block of that order is reported and left alone. Returns whether the block was freed.
   */
  freePages(ctx: ExecContext, pfn: number, order: number, owner = OWNER_KERNEL): boolean {
    const zone = this.zoneOf(pfn);
    if (!zone) {
      badPage(this.events, this.tick, ctx, pfn, 'no memory behind this pfn (pfn_valid() fails)');
      return false;
    }
    const idx = pfn - zone.startPfn;
    const st = zone.state[idx];
    if (st !== PG_ALLOC) {
      const why =
        st === PG_BUDDY ? 'PageBuddy: the page is already free'
        : st === PG_PCP ? 'the page is already free (on a per-CPU list)'
        : st === PG_RESERVED ? 'PageReserved: memory the kernel reserved at boot'
        : st === PG_HOLE ? 'no memory behind this pfn'
        : 'not the first page of an allocated block (a tail page, or already free)';
      badPage(this.events, this.tick, ctx, pfn, why);
      return false;
    }
    if (zone.order[idx] !== order) {
      badPage(this.events, this.tick, ctx, pfn, `freed with order ${order}, allocated with order ${zone.order[idx]}`);
      return false;
    }
    // free_pages_prepare() refuses pages that still belong to a subsystem (PageSlab, a mapping, ...): only the
    // owner's own free path (kfree, vfree, reclaim) may give them back.
    const has = zone.info[idx] >> 2;
    if (has !== owner && has !== OWNER_USER) {
      badPage(this.events, this.tick, ctx, pfn, OWNED_BY[has] ?? `owned by ${OWNER_NAMES[has]}`);
      return false;
    }
    if (has === OWNER_PAGECACHE) zone.lruDel(idx);
    else if (has === OWNER_USER) zone.anonPages -= 1 << order;
    zone.freeBlock(ctx.cpu, idx, order);
    return true;
  }

  /** The owner recorded for an allocated block (OWNER_*), or -1 if pfn heads no allocated block. */
  ownerOf(pfn: number): number {
    const zone = this.zoneOf(pfn);
    if (!zone) return -1;
    const idx = pfn - zone.startPfn;
    return zone.state[idx] === PG_ALLOC ? zone.info[idx] >> 2 : -1;
  }

  /** The order of the allocated block pfn heads, or -1. */
  allocatedOrder(pfn: number): number {
    const zone = this.zoneOf(pfn);
    if (!zone) return -1;
    const idx = pfn - zone.startPfn;
    return zone.state[idx] === PG_ALLOC ? zone.order[idx] : -1;
  }

  // ---- the machine's clock --------------------------------------------------------------------------------

  /** One tick of the kernel threads of the page allocator: each awake kswapd reclaims a bounded batch. */
  runKswapds(): void {
    for (const n of this.nodes) if (n.kswapd.awake) kswapdStep(this, n);
  }
}
