// mm/page_alloc.c: one zone's buddy allocator. The kernel keeps free blocks on free_area[order].free_list[mt];
// a block of 2^order pages is split by expand() and merged back by __free_one_page() with its buddy
// pfn ^ (1 << order). Blocks of migrate types that ran dry are stolen from other types a pageblock at a time.
// Per-CPU lists (orders 0..3) sit in front of it and move pages in batches.
//
// We model that with per-page state in typed arrays indexed by (pfn - startPfn): 11 bytes a page (two list
// links, state, order, info), never one object per page. The kernel's page->lru / page->pcp_list / the LRU are
// one union; so are our links: a page is on at most one list at a time.
// Simplified: free blocks go on the list of their pageblock's type at free time (6.6 behaviour, before 6.10's
// strict freelist/pageblock consistency); pcp batch and high are the static values (no adaptive pcp->high,
// no alloc_factor/free_factor scaling); no watermark boosting, no CMA, no isolation.
import {
  ALLOC_HIGHATOMIC,
  ALLOC_MIN_RESERVE,
  ALLOC_NOFRAGMENT,
  ALLOC_NON_BLOCK,
  ALLOC_OOM,
  ALLOC_RESERVES,
  COSTLY_ORDER,
  FALLBACKS,
  MAX_ORDER,
  MIGRATE_HIGHATOMIC,
  MIGRATE_MOVABLE,
  MIGRATE_PCPTYPES,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
  type MigrateType,
  NR_MIGRATETYPES,
  NR_ORDERS,
  OWNER_PAGECACHE,
  OWNER_USER,
  PAGEBLOCK_ORDER,
  PAGEBLOCK_PAGES,
  PG_ALLOC,
  PG_BUDDY,
  PG_HOLE,
  PG_PCP,
  PG_RESERVED,
  PG_TAIL,
} from './types.js';

/** Lists per CPU per zone: (COSTLY_ORDER + 1) orders x MIGRATE_PCPTYPES types; order_to_pindex(). */
export const NR_PCP_LISTS = (COSTLY_ORDER + 1) * MIGRATE_PCPTYPES;
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
  lruHead = NIL;
  lruTail = NIL;
  lruCount = 0;

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
    if (tail) {
      const t = this.freeTail[li];
      this.prev[idx] = t;
      this.next[idx] = NIL;
      if (t === NIL) this.freeHead[li] = idx;
      else this.next[t] = idx;
      this.freeTail[li] = idx;
    } else {
      const h = this.freeHead[li];
      this.next[idx] = h;
      this.prev[idx] = NIL;
      if (h === NIL) this.freeTail[li] = idx;
      else this.prev[h] = idx;
      this.freeHead[li] = idx;
    }
    this.freeCount[li]++;
    this.nrFree[order]++;
    this.freePages += 1 << order;
  }

  /** del_page_from_free_list(): the block's head stops being PageBuddy. */
  delFromFreeList(idx: number): void {
    const order = this.order[idx];
    const li = order * NR_MIGRATETYPES + this.info[idx];
    const n = this.next[idx];
    const p = this.prev[idx];
    if (p === NIL) this.freeHead[li] = n;
    else this.next[p] = n;
    if (n === NIL) this.freeTail[li] = p;
    else this.prev[n] = p;
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

  // ---- migrate-type fallback ------------------------------------------------------------------------------

  /**
   * __rmqueue_fallback() (6.6): look for the largest block on another type's lists, claim its whole pageblock
   * when that is worth it, and leave the block on our type's list for __rmqueue_smallest() to take.
   */
  rmqueueFallback(order: number, startMt: number, allocFlags: number): boolean {
    if (startMt >= MIGRATE_PCPTYPES) return false; // fallbacks[] has rows for the pcp types only
    let minOrder = order;
    if (order < PAGEBLOCK_ORDER && allocFlags & ALLOC_NOFRAGMENT) minOrder = PAGEBLOCK_ORDER;
    let found = -1;
    let current = MAX_ORDER;
    let canSteal = false;
    for (; current >= minOrder; current--) {
      const r = this.findSuitableFallback(current, startMt);
      if (r < 0) continue;
      found = r & 0xff;
      canSteal = (r & 0x100) !== 0;
      // Movable allocations that cannot steal take the smallest block, to leave large ones for others.
      if (!canSteal && startMt === MIGRATE_MOVABLE && current > order) {
        for (current = order; current < NR_ORDERS; current++) {
          const s = this.findSuitableFallback(current, startMt);
          if (s >= 0) {
            found = s & 0xff;
            canSteal = (s & 0x100) !== 0;
            break;
          }
        }
      }
      break;
    }
    if (found < 0 || current > MAX_ORDER) return false; // the kernel VM_BUG_ONs the second case
    const idx = this.freeHead[current * NR_MIGRATETYPES + found];
    this.stats.fallbacks++;
    this.stealSuitableFallback(idx, current, startMt, canSteal);
    return true;
  }

  /** find_suitable_fallback(): the first fallback type with a block at this order; bit 8 = can_steal. */
  private findSuitableFallback(order: number, mt: number): number {
    if (this.nrFree[order] === 0) return -1;
    const steal = canStealFallback(order, mt) ? 0x100 : 0;
    const fb = FALLBACKS[mt];
    for (let i = 0; i < 2; i++) {
      if (this.freeHead[order * NR_MIGRATETYPES + fb[i]] !== NIL) return fb[i] | steal;
    }
    return -1;
  }

  /** steal_suitable_fallback() */
  private stealSuitableFallback(idx: number, order: number, startMt: number, wholeBlock: boolean): void {
    const oldType = this.pageblockType(idx);
    if (oldType !== MIGRATE_HIGHATOMIC) {
      if (order >= PAGEBLOCK_ORDER) {
        // change_pageblock_range(): the block covers whole pageblocks; they all become ours.
        this.changePageblockRange(idx, order, startMt as MigrateType);
        this.stats.steals += (1 << order) >> PAGEBLOCK_ORDER;
      } else if (wholeBlock) {
        const {moved, movable} = this.moveFreepagesBlock(idx, startMt);
        if (moved > 0) {
          // Pages in the block already allocated as our type ("alike") count towards claiming it.
          let alike = 0;
          if (startMt === MIGRATE_MOVABLE) alike = movable;
          else if (oldType === MIGRATE_MOVABLE) alike = PAGEBLOCK_PAGES - (moved + movable);
          if (moved + alike >= PAGEBLOCK_PAGES >> 1) {
            this.setPageblockType(idx, startMt as MigrateType);
            this.stats.steals++;
          }
          return;
        }
      }
    }
    this.moveToFreeList(idx, startMt);
  }

  /**
   * change_pageblock_range(): retype every pageblock a block of order >= pageblock_order covers. A HighAtomic
   * pageblock among them leaves the reserve (the fix of 6.12's "highatomic typing in multi-block buddies";
   * 6.6 checked the first pageblock only and leaked the reserve count).
   */
  private changePageblockRange(idx: number, order: number, mt: MigrateType): void {
    for (let i = 0; i < 1 << order; i += PAGEBLOCK_PAGES) {
      if (this.pageblockType(idx + i) === MIGRATE_HIGHATOMIC) {
        this.nrReservedHighatomic -= Math.min(PAGEBLOCK_PAGES, this.nrReservedHighatomic);
      }
      this.setPageblockType(idx + i, mt);
    }
  }

  /**
   * move_freepages_block(): move every free block in idx's pageblock to mt's lists; count the pages that
   * are allocated and movable (on the LRU) on the way.
   */
  moveFreepagesBlock(idx: number, mt: number): {moved: number; movable: number} {
    const pfn = this.startPfn + idx;
    const blockStart = (pfn & ~(PAGEBLOCK_PAGES - 1)) - this.startPfn;
    const e = blockStart + PAGEBLOCK_PAGES;
    if (e > this.spanned) return {moved: 0, movable: 0}; // do not cross the zone's end
    const s = blockStart < 0 ? idx : blockStart; // nor its start: begin at the page itself
    let moved = 0;
    let movable = 0;
    for (let i = s; i < e; ) {
      const st = this.state[i];
      if (st === PG_BUDDY) {
        const o = this.order[i];
        this.moveToFreeList(i, mt); // list_move_tail(), even onto the list it is on
        moved += 1 << o;
        i += 1 << o;
        continue;
      }
      if (st === PG_ALLOC) {
        const owner = this.info[i] >> 2;
        if ((this.info[i] & 3) === MIGRATE_MOVABLE && (owner === OWNER_PAGECACHE || owner === OWNER_USER)) movable++;
      }
      i++;
    }
    return {moved, movable};
  }

  /** __rmqueue(): our type first, then steal from another type and retry. */
  rmqueue(order: number, mt: number, allocFlags: number): number {
    for (;;) {
      const idx = this.rmqueueSmallest(order, mt);
      if (idx !== NIL) return idx;
      if (!this.rmqueueFallback(order, mt, allocFlags)) return NIL;
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

  // ---- per-CPU lists --------------------------------------------------------------------------------------

  private pcpAddHead(li: number, idx: number): void {
    const h = this.pcpHead[li];
    this.next[idx] = h;
    this.prev[idx] = NIL;
    if (h === NIL) this.pcpTail[li] = idx;
    else this.prev[h] = idx;
    this.pcpHead[li] = idx;
  }

  private pcpAddTail(li: number, idx: number): void {
    const t = this.pcpTail[li];
    this.prev[idx] = t;
    this.next[idx] = NIL;
    if (t === NIL) this.pcpHead[li] = idx;
    else this.next[t] = idx;
    this.pcpTail[li] = idx;
  }

  private pcpUnlink(li: number, idx: number): void {
    const n = this.next[idx];
    const p = this.prev[idx];
    if (p === NIL) this.pcpHead[li] = n;
    else this.next[p] = n;
    if (n === NIL) this.pcpTail[li] = p;
    else this.prev[n] = p;
  }

  /** rmqueue_pcplist(): take from this CPU's list; refill it with a batch from the buddy lists when empty. */
  rmqueuePcplist(cpu: number, order: number, mt: number, allocFlags: number): number {
    const li = cpu * NR_PCP_LISTS + order * MIGRATE_PCPTYPES + mt;
    if (this.pcpHead[li] === NIL) {
      // rmqueue_bulk(): batch blocks of this order (at least 2 for order > 0), no watermark check.
      const batch = order ? Math.max(this.pcpBatch >> order, 2) : this.pcpBatch;
      for (let i = 0; i < batch; i++) {
        const idx = this.rmqueue(order, mt, allocFlags);
        if (idx === NIL) break;
        this.state[idx] = PG_PCP;
        this.order[idx] = order;
        this.info[idx] = mt;
        this.pcpAddTail(li, idx);
        this.pcpCount[cpu] += 1 << order;
      }
      if (this.pcpHead[li] === NIL) return NIL;
    }
    const idx = this.pcpHead[li];
    this.pcpUnlink(li, idx);
    this.pcpCount[cpu] -= 1 << order;
    return idx;
  }

  /** free_unref_page_commit(): onto the CPU's list; past pcp->high, a batch goes back to the buddy lists. */
  private freeToPcp(cpu: number, idx: number, order: number): void {
    let mt = this.pageblockType(idx) as number;
    if (mt >= MIGRATE_PCPTYPES) mt = MIGRATE_MOVABLE; // HighAtomic pages wait on the movable list
    const pindex = order * MIGRATE_PCPTYPES + mt;
    this.state[idx] = PG_PCP;
    this.order[idx] = order;
    this.info[idx] = mt;
    this.pcpAddHead(cpu * NR_PCP_LISTS + pindex, idx);
    this.pcpCount[cpu] += 1 << order;
    if (this.pcpCount[cpu] >= this.pcpHigh) {
      const n = this.pcpHigh < this.pcpBatch ? 1 : this.pcpBatch;
      this.freePcppagesBulk(cpu, n, pindex);
    }
  }

  /** free_pcppages_bulk(): round robin over the lists, oldest pages (the tails) first. */
  freePcppagesBulk(cpu: number, count: number, pindex: number): void {
    count = Math.min(this.pcpCount[cpu], count);
    const base = cpu * NR_PCP_LISTS;
    pindex = pindex - 1;
    while (count > 0) {
      let li: number;
      do {
        if (++pindex > NR_PCP_LISTS - 1) pindex = 0;
        li = base + pindex;
      } while (this.pcpHead[li] === NIL);
      const order = (pindex / MIGRATE_PCPTYPES) | 0;
      do {
        const idx = this.pcpTail[li];
        this.pcpUnlink(li, idx);
        count -= 1 << order;
        this.pcpCount[cpu] -= 1 << order;
        this.state[idx] = PG_TAIL;
        this.freeOnePage(idx, order, this.pageblockType(idx), false);
      } while (count > 0 && this.pcpHead[li] !== NIL);
    }
  }

  /** drain_pages_zone(): everything on a CPU's lists goes back to the buddy lists. */
  drainPcp(cpu: number): number {
    if (!this.pcpEnabled) return 0;
    const n = this.pcpCount[cpu];
    if (n > 0) this.freePcppagesBulk(cpu, n, 0);
    return n;
  }

  // ---- allocate and free a block --------------------------------------------------------------------------

  /** rmqueue(): per-CPU lists for orders 0..3, else the buddy lists. Marks the block allocated. */
  allocBlock(cpu: number, order: number, mt: number, allocFlags: number, owner: number): number {
    let idx = NIL;
    if (this.pcpEnabled && order <= COSTLY_ORDER) idx = this.rmqueuePcplist(cpu, order, mt, allocFlags);
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
      this.freeToPcp(cpu, idx, order);
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

  // ---- the HighAtomic reserve -----------------------------------------------------------------------------

  /** reserve_highatomic_pageblock(): keep the pageblock of a successful high-order atomic allocation for such. */
  reserveHighatomicPageblock(idx: number): void {
    const max = Math.floor(this.managed / 100) + PAGEBLOCK_PAGES;
    if (this.nrReservedHighatomic >= max) return;
    const mt = this.pageblockType(idx);
    if (mt >= MIGRATE_PCPTYPES) return; // only pageblocks that can merge with others
    this.nrReservedHighatomic += PAGEBLOCK_PAGES;
    this.setPageblockType(idx, MIGRATE_HIGHATOMIC);
    this.moveFreepagesBlock(idx, MIGRATE_HIGHATOMIC);
  }

  /** unreserve_highatomic_pageblock() for one zone: give one reserved pageblock back to mt. */
  unreserveHighatomicPageblock(mt: number, force: boolean): boolean {
    if (!force && this.nrReservedHighatomic <= PAGEBLOCK_PAGES) return false;
    for (let o = 0; o < NR_ORDERS; o++) {
      const idx = this.freeHead[o * NR_MIGRATETYPES + MIGRATE_HIGHATOMIC];
      if (idx === NIL) continue;
      // A free block of order 10 spans two pageblocks: both leave the reserve (6.12 behaviour, see above).
      if (o > PAGEBLOCK_ORDER) this.changePageblockRange(idx, o, mt as MigrateType);
      else {
        if (this.pageblockType(idx) === MIGRATE_HIGHATOMIC) {
          this.nrReservedHighatomic -= Math.min(PAGEBLOCK_PAGES, this.nrReservedHighatomic);
        }
        this.setPageblockType(idx, mt as MigrateType);
      }
      if (this.moveFreepagesBlock(idx, mt).moved > 0) return true;
    }
    return false;
  }

  // ---- the page-cache LRU ---------------------------------------------------------------------------------

  /** lru_add: a new page-cache page goes to the head. */
  lruAdd(idx: number): void {
    const h = this.lruHead;
    this.next[idx] = h;
    this.prev[idx] = NIL;
    if (h === NIL) this.lruTail = idx;
    else this.prev[h] = idx;
    this.lruHead = idx;
    this.lruCount++;
  }

  lruDel(idx: number): void {
    const n = this.next[idx];
    const p = this.prev[idx];
    if (p === NIL) this.lruHead = n;
    else this.next[p] = n;
    if (n === NIL) this.lruTail = p;
    else this.prev[n] = p;
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

/** can_steal_fallback(): whole pageblocks are worth claiming for big blocks and for unmovable/reclaimable. */
function canStealFallback(order: number, startMt: number): boolean {
  if (order >= PAGEBLOCK_ORDER) return true;
  return order >= PAGEBLOCK_ORDER >> 1 || startMt === MIGRATE_RECLAIMABLE || startMt === MIGRATE_UNMOVABLE;
}

/** __ffs(): index of the lowest set bit. */
function ctz(n: number): number {
  return 31 - Math.clz32(n & -n);
}
