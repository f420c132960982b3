// mm/page_alloc.c: one zone's buddy allocator. The kernel keeps free blocks on free_area[order].free_list[mt];
// a block of 2^order pages is split by expand() and merged back by __free_one_page() with its buddy
// pfn ^ (1 << order). When a type's lists run dry, __rmqueue() falls back to other types (fallback.ts); per-CPU
// lists sit in front of the buddy lists (pcp.ts).
//
// We model that with per-page state in typed arrays indexed by (pfn - startPfn): 11 bytes a page (two list
// links, state, order, info), never one object per page. The kernel's page->lru / page->pcp_list / the LRU are
// one union; so are our links: a page is on at most one list at a time.
// Simplified: free blocks go on the list of their pageblock's type at free time (6.6 behaviour, before 6.10's
// strict freelist/pageblock consistency); no CMA, no isolation.
import {listAdd, listAddTail, listDel} from './page-list.js';
import {rmqueueFallback} from './fallback.js';
import {freeToPcp, NR_PCP_LISTS, rmqueuePcplist} from './pcp.js';
import {
  ALLOC_HIGHATOMIC,
  ALLOC_MIN_RESERVE,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_RESERVES,
  COSTLY_ORDER,
  MAX_ORDER,
  MIGRATE_HIGHATOMIC,
  MIGRATE_MOVABLE,
  MIGRATE_PCPTYPES,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  type MigrateType,
  NR_MIGRATETYPES,
  NR_ORDERS,
  PAGEBLOCK_ORDER,
  PAGEBLOCK_PAGES,
  PG_ALLOC,
  PG_BUDDY,
  PG_HOLE,
  PG_RESERVED,
  PG_TAIL,
} from './types.js';

const NIL = -1;

export type ZoneInit = {
  readonly nid: number;
  /** The zone type's index in the node (ZONE_DMA = 0, ...), as lowmem_reserve[] and gfp_zone count. */
  readonly zoneIdx: number;
  readonly name: string;
  readonly startPfn: number;
  readonly spanned: number;
  readonly nrCpus: number;
  readonly pcp: boolean;
};

/** Counters the kernel keeps in vmstat, per zone. */
export type ZoneStats = {
  pgalloc: number; // pages handed out
  pgfree: number; // pages given back
  allocFail: number; // allocations that found no block in this zone after the watermark check
  fallbacks: number; // __rmqueue_fallback calls that took a foreign block
  steals: number; // pageblocks whose type changed by stealing
  // zone_statistics(): allocations on the preferred node (hit) or not (miss, counted as foreign on the
  // preferred zone), and whether the zone is on the calling CPU's node (local) or not (other).
  numaHit: number;
  numaMiss: number;
  numaForeign: number;
  numaLocal: number;
  numaOther: number;
};

export class Zone {
  readonly nid: number;
  readonly zoneIdx: number;
  readonly name: string;
  readonly startPfn: number;
  readonly spanned: number;
  present = 0;
  managed = 0;

  // Per page (index = pfn - startPfn).
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly state: Uint8Array;
  readonly order: Uint8Array;
  /** Free or pcp block: the list's migrate type. Allocated block: mt | owner << 2. */
  readonly info: Uint8Array;
  /** Per pageblock: its migrate type (get_pageblock_migratetype). */
  readonly pbType: Uint8Array;
  readonly pbBase: number;

  // free_area[order].free_list[mt]: heads, tails and counts by order * NR_MIGRATETYPES + mt.
  readonly freeHead: Int32Array;
  readonly freeTail: Int32Array;
  readonly freeCount: Int32Array;
  /** free_area[order].nr_free */
  readonly nrFree: Int32Array;
  /** NR_FREE_PAGES: pages in the buddy lists (not on per-CPU lists). */
  freePages = 0;

  // Watermarks, set by setupWatermarks().
  wmarkMin = 0;
  wmarkLow = 0;
  wmarkHigh = 0;
  wmarkPromo = 0;
  /** lowmem_reserve[j]: pages to keep free here for an allocation whose highest zone is j. */
  lowmemReserve: number[] = [];
  nrReservedHighatomic = 0;

  // Per-CPU page lists.
  readonly pcpEnabled: boolean;
  readonly nrCpus: number;
  readonly pcpHead: Int32Array;
  readonly pcpTail: Int32Array;
  /** pcp->count in pages, per CPU. */
  readonly pcpCount: Int32Array;
  pcpBatch = 1;
  pcpHigh = 0;

  // The file LRU of this zone: page-cache pages, newest at the head; reclaim takes from the tail.
  private readonly lruHeadArr = new Int32Array(1).fill(NIL);
  private readonly lruTailArr = new Int32Array(1).fill(NIL);
  lruCount = 0;
  /** User (anonymous) pages held by processes: NR_ANON_MAPPED. They sit on no LRU here (no swap to reclaim to). */
  anonPages = 0;

  readonly stats: ZoneStats = {pgalloc: 0, pgfree: 0, allocFail: 0, fallbacks: 0, steals: 0, numaHit: 0, numaMiss: 0, numaForeign: 0, numaLocal: 0, numaOther: 0};

  constructor(init: ZoneInit) {
    this.nid = init.nid;
    this.zoneIdx = init.zoneIdx;
    this.name = init.name;
    this.startPfn = init.startPfn;
    this.spanned = init.spanned;
    this.nrCpus = init.nrCpus;
    this.pcpEnabled = init.pcp;
    const n = init.spanned;
    this.next = new Int32Array(n);
    this.prev = new Int32Array(n);
    this.state = new Uint8Array(n).fill(PG_HOLE);
    this.order = new Uint8Array(n);
    this.info = new Uint8Array(n);
    this.pbBase = init.startPfn >>> PAGEBLOCK_ORDER;
    const pbEnd = n === 0 ? this.pbBase : (init.startPfn + n - 1) >>> PAGEBLOCK_ORDER;
    // At boot every pageblock is Movable (memmap_init_range).
    this.pbType = new Uint8Array(n === 0 ? 0 : pbEnd - this.pbBase + 1).fill(MIGRATE_MOVABLE);
    const lists = NR_ORDERS * NR_MIGRATETYPES;
    this.freeHead = new Int32Array(lists).fill(NIL);
    this.freeTail = new Int32Array(lists).fill(NIL);
    this.freeCount = new Int32Array(lists);
    this.nrFree = new Int32Array(NR_ORDERS);
    const pcpLists = init.pcp ? init.nrCpus * NR_PCP_LISTS : 0;
    this.pcpHead = new Int32Array(pcpLists).fill(NIL);
    this.pcpTail = new Int32Array(pcpLists).fill(NIL);
    this.pcpCount = new Int32Array(init.pcp ? init.nrCpus : 0);
  }

  /** The LRU's newest and oldest page (-1 when empty). */
  get lruHead(): number {
    return this.lruHeadArr[0];
  }

  get lruTail(): number {
    return this.lruTailArr[0];
  }

  get endPfn(): number {
    return this.startPfn + this.spanned;
  }

  spans(pfn: number): boolean {
    return pfn >= this.startPfn && pfn < this.startPfn + this.spanned;
  }

  /** get_pfnblock_migratetype() */
  pageblockType(idx: number): MigrateType {
    return this.pbType[((this.startPfn + idx) >>> PAGEBLOCK_ORDER) - this.pbBase] as MigrateType;
  }

  setPageblockType(idx: number, mt: MigrateType): void {
    this.pbType[((this.startPfn + idx) >>> PAGEBLOCK_ORDER) - this.pbBase] = mt;
  }

  // ---- boot ---------------------------------------------------------------------------------------------

  /** Memory that exists but is never given to the buddy allocator (memblock reservations). */
  markReserved(idx: number, count: number): void {
    this.state.fill(PG_RESERVED, idx, idx + count);
    this.present += count;
  }

  /**
   * mm/memblock.c __free_pages_memory(): hand a present range to the buddy allocator in the largest aligned
   * blocks, each freed to the tail of its list (FPI_TO_TAIL), so the lists start in address order.
   */
  freeBootRange(idx: number, count: number): void {
    this.present += count;
    this.managed += count;
    let pfn = this.startPfn + idx;
    const end = pfn + count;
    while (pfn < end) {
      let order = pfn === 0 ? MAX_ORDER : Math.min(MAX_ORDER, ctz(pfn));
      while (pfn + (1 << order) > end) order--;
      const i = pfn - this.startPfn;
      this.state.fill(PG_TAIL, i, i + (1 << order));
      this.freeOnePage(i, order, this.pageblockType(i), true);
      pfn += 1 << order;
    }
  }

  // ---- free lists: each change of a list changes its counters in the same place ----------------------------

  /** __add_to_free_list() */
  addToFreeList(idx: number, order: number, mt: number, tail: boolean): void {
    const li = order * NR_MIGRATETYPES + mt;
    this.state[idx] = PG_BUDDY;
    this.order[idx] = order;
    this.info[idx] = mt;
    if (tail) listAddTail(this.next, this.prev, this.freeHead, this.freeTail, li, idx);
    else listAdd(this.next, this.prev, this.freeHead, this.freeTail, li, idx);
    this.freeCount[li]++;
    this.nrFree[order]++;
    this.freePages += 1 << order;
  }

  /** del_page_from_free_list(): the block's head stops being PageBuddy. */
  delFromFreeList(idx: number): void {
    const order = this.order[idx];
    const li = order * NR_MIGRATETYPES + this.info[idx];
    listDel(this.next, this.prev, this.freeHead, this.freeTail, li, idx);
    this.state[idx] = PG_TAIL;
    this.freeCount[li]--;
    this.nrFree[order]--;
    this.freePages -= 1 << order;
  }

  /** move_to_free_list(): same order, another type's list. */
  moveToFreeList(idx: number, mt: number): void {
    const order = this.order[idx];
    this.delFromFreeList(idx);
    this.addToFreeList(idx, order, mt, true);
  }

  /** expand(): give the unused upper halves of a split block back to the lower free lists. */
  expand(idx: number, low: number, high: number, mt: number): void {
    let size = 1 << high;
    while (high > low) {
      high--;
      size >>= 1;
      this.addToFreeList(idx + size, high, mt, false);
    }
  }

  /** __rmqueue_smallest(): the smallest free block of this type that is big enough, split down to order. */
  rmqueueSmallest(order: number, mt: number): number {
    for (let o = order; o < NR_ORDERS; o++) {
      const idx = this.freeHead[o * NR_MIGRATETYPES + mt];
      if (idx === NIL) continue;
      this.delFromFreeList(idx);
      this.expand(idx, order, o, mt);
      return idx;
    }
    return NIL;
  }

  /**
   * __free_one_page(): merge with the buddy while it is free at the same order, then put the block on a list:
   * on the tail when the next larger buddy is free too (buddy_merge_likely), so it stays unused and can merge.
   */
  freeOnePage(idx: number, order: number, mt: number, toTail: boolean): void {
    const start = this.startPfn;
    let pfn = start + idx;
    let buddyPfn = 0;
    while (order < MAX_ORDER) {
      buddyPfn = pfn ^ (1 << order);
      const bi = buddyPfn - start;
      if (bi < 0 || bi >= this.spanned || this.state[bi] !== PG_BUDDY || this.order[bi] !== order) break;
      // Pageblocks of HighAtomic type do not merge with others above pageblock_order.
      if (order >= PAGEBLOCK_ORDER) {
        const bmt = this.pageblockType(bi);
        if (bmt !== mt && (bmt >= MIGRATE_PCPTYPES || mt >= MIGRATE_PCPTYPES)) break;
      }
      this.delFromFreeList(bi);
      pfn &= buddyPfn;
      order++;
    }
    idx = pfn - start;
    if (!toTail && order < MAX_ORDER - 1) toTail = this.buddyMergeLikely(pfn, order);
    this.addToFreeList(idx, order, mt, toTail);
  }

  /** buddy_merge_likely(): is the buddy of the block one order up free? */
  private buddyMergeLikely(pfn: number, order: number): boolean {
    const buddy = pfn ^ (1 << order);
    const higher = buddy & pfn;
    const hb = (higher ^ (1 << (order + 1))) - this.startPfn;
    return hb >= 0 && hb < this.spanned && this.state[hb] === PG_BUDDY && this.order[hb] === order + 1;
  }

  /** __rmqueue(): our type first, then steal from another type and retry. */
  rmqueue(order: number, mt: number, allocFlags: number): number {
    for (;;) {
      const idx = this.rmqueueSmallest(order, mt);
      if (idx !== NIL) return idx;
      if (!rmqueueFallback(this, order, mt, allocFlags)) return NIL;
    }
  }

  /** rmqueue_buddy(): high-order atomic allocations may dip into the HighAtomic reserve. */
  rmqueueBuddy(order: number, mt: number, allocFlags: number): number {
    let idx = NIL;
    if (order > 0 && allocFlags & ALLOC_HIGHATOMIC) idx = this.rmqueueSmallest(order, MIGRATE_HIGHATOMIC);
    if (idx === NIL) {
      idx = this.rmqueue(order, mt, allocFlags);
      if (idx === NIL && allocFlags & (ALLOC_OOM | ALLOC_NON_BLOCK)) idx = this.rmqueueSmallest(order, MIGRATE_HIGHATOMIC);
    }
    return idx;
  }

  // ---- allocate and free a block --------------------------------------------------------------------------

  /** rmqueue(): per-CPU lists for orders 0..3, else the buddy lists. Marks the block allocated. */
  allocBlock(cpu: number, order: number, mt: number, allocFlags: number, owner: number): number {
    let idx = NIL;
    if (this.pcpEnabled && order <= COSTLY_ORDER) idx = rmqueuePcplist(this, cpu, order, mt, allocFlags);
    if (idx === NIL) idx = this.rmqueueBuddy(order, mt, allocFlags);
    if (idx === NIL) return NIL;
    this.state[idx] = PG_ALLOC;
    this.order[idx] = order;
    this.info[idx] = mt | (owner << 2);
    this.stats.pgalloc += 1 << order;
    return idx;
  }

  /** free_unref_page() / __free_pages_ok(): the caller has checked that idx heads an allocated block of order. */
  freeBlock(cpu: number, idx: number, order: number): void {
    this.stats.pgfree += 1 << order;
    if (this.pcpEnabled && order <= COSTLY_ORDER) {
      freeToPcp(this, cpu, idx, order);
      return;
    }
    this.state[idx] = PG_TAIL;
    this.freeOnePage(idx, order, this.pageblockType(idx), false);
  }

  // ---- watermarks -----------------------------------------------------------------------------------------

  /**
   * __zone_watermark_ok(): enough free pages above the (possibly lowered) mark plus the lowmem reserve, and
   * for order > 0 at least one block big enough on a list the caller may use.
   */
  watermarkOk(order: number, mark: number, highestIdx: number, allocFlags: number, free = this.freePages): boolean {
    let min = mark;
    free -= (1 << order) - 1;
    if (allocFlags & ALLOC_RESERVES) {
      // __GFP_HIGH gets half of min; a non-blocking __GFP_HIGH request (GFP_ATOMIC) a further quarter.
      if (allocFlags & ALLOC_MIN_RESERVE) {
        min -= Math.floor(min / 2);
        if (allocFlags & ALLOC_NON_BLOCK) min -= Math.floor(min / 4);
      }
      if (allocFlags & ALLOC_OOM) min -= Math.floor(min / 2);
    } else {
      free -= this.nrReservedHighatomic;
    }
    if (free <= min + (this.lowmemReserve[highestIdx] ?? 0)) return false;
    if (order === 0) return true;
    for (let o = order; o < NR_ORDERS; o++) {
      if (this.nrFree[o] === 0) continue;
      const base = o * NR_MIGRATETYPES;
      if (
        this.freeHead[base + MIGRATE_UNMOVABLE] !== NIL ||
        this.freeHead[base + MIGRATE_MOVABLE] !== NIL ||
        this.freeHead[base + MIGRATE_RECLAIMABLE] !== NIL
      )
        return true;
      if (allocFlags & (ALLOC_HIGHATOMIC | ALLOC_OOM) && this.freeHead[base + MIGRATE_HIGHATOMIC] !== NIL) return true;
    }
    return false;
  }

  // ---- the page-cache LRU ---------------------------------------------------------------------------------

  /** lru_add: a new page-cache page goes to the head. */
  lruAdd(idx: number): void {
    listAdd(this.next, this.prev, this.lruHeadArr, this.lruTailArr, 0, idx);
    this.lruCount++;
  }

  lruDel(idx: number): void {
    listDel(this.next, this.prev, this.lruHeadArr, this.lruTailArr, 0, idx);
    this.lruCount--;
  }

  // ---- views for dumps and the checker -------------------------------------------------------------------

  /** Free blocks of one order and type (pagetypeinfo's count). */
  freeCountOf(order: number, mt: number): number {
    return this.freeCount[order * NR_MIGRATETYPES + mt];
  }

  /** Pageblocks of each type whose first pfn lies in the zone span (pagetypeinfo_showblockcount_print). */
  pageblockCounts(): number[] {
    const counts = new Array<number>(NR_MIGRATETYPES).fill(0);
    for (let pfn = this.startPfn; pfn < this.endPfn; pfn += PAGEBLOCK_PAGES) {
      counts[this.pageblockType(pfn - this.startPfn)]++;
    }
    return counts;
  }

  pcpTotal(): number {
    let n = 0;
    for (let c = 0; c < this.pcpCount.length; c++) n += this.pcpCount[c];
    return n;
  }
}

/** __ffs(): index of the lowest set bit. */
function ctz(n: number): number {
  return 31 - Math.clz32(n & -n);
}
