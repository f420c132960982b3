// mm/page_alloc.c: migrate-type fallback and the pageblock machinery. When a type's free lists run dry,
// __rmqueue_fallback() takes a block from another type's lists (fallbacks[]) and, when the block is big enough or
// the caller's type scatters badly, claims its whole pageblock so later allocations of the type stay together.
// High-order atomic allocations keep their pageblock as a HighAtomic reserve, which is given back under pressure.
//
// We model 6.6's __rmqueue_fallback(), find_suitable_fallback(), steal_suitable_fallback() and
// move_freepages_block() on the zone's typed arrays, and the HighAtomic reserve with its count.
// Simplified: fallbacks[] has rows for the per-CPU types only; no watermark boosting (steal_suitable_fallback()'s
// boost_watermark()), no CMA. change_pageblock_range() follows 6.12's fix for HighAtomic pageblocks.
import {
  ALLOC_NOFRAGMENT,
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
} from './types.js';
import type {Zone} from './zone.js';

const NIL = -1;

/**
 * __rmqueue_fallback() (6.6): look for the largest block on another type's lists, claim its whole pageblock
 * when that is worth it, and leave the block on our type's list for __rmqueue_smallest() to take.
 */
export function rmqueueFallback(z: Zone, order: number, startMt: number, allocFlags: number): boolean {
  if (startMt >= MIGRATE_PCPTYPES) return false; // fallbacks[] has rows for the pcp types only
  let minOrder = order;
  if (order < PAGEBLOCK_ORDER && allocFlags & ALLOC_NOFRAGMENT) minOrder = PAGEBLOCK_ORDER;
  let found = -1;
  let current = MAX_ORDER;
  let canSteal = false;
  for (; current >= minOrder; current--) {
    const r = findSuitableFallback(z, current, startMt);
    if (r < 0) continue;
    found = r & 0xff;
    canSteal = (r & 0x100) !== 0;
    // Movable allocations that cannot steal take the smallest block, to leave large ones for others.
    if (!canSteal && startMt === MIGRATE_MOVABLE && current > order) {
      for (current = order; current < NR_ORDERS; current++) {
        const s = findSuitableFallback(z, current, startMt);
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
  const idx = z.freeHead[current * NR_MIGRATETYPES + found];
  z.stats.fallbacks++;
  stealSuitableFallback(z, idx, current, startMt, canSteal);
  return true;
}

/** find_suitable_fallback(): the first fallback type with a block at this order; bit 8 = can_steal. */
function findSuitableFallback(z: Zone, order: number, mt: number): number {
  if (z.nrFree[order] === 0) return -1;
  const steal = canStealFallback(order, mt) ? 0x100 : 0;
  const fb = FALLBACKS[mt];
  for (let i = 0; i < 2; i++) {
    if (z.freeHead[order * NR_MIGRATETYPES + fb[i]] !== NIL) return fb[i] | steal;
  }
  return -1;
}

/** steal_suitable_fallback() */
function stealSuitableFallback(z: Zone, idx: number, order: number, startMt: number, wholeBlock: boolean): void {
  const oldType = z.pageblockType(idx);
  if (oldType !== MIGRATE_HIGHATOMIC) {
    if (order >= PAGEBLOCK_ORDER) {
      // change_pageblock_range(): the block covers whole pageblocks; they all become ours.
      changePageblockRange(z, idx, order, startMt as MigrateType);
      z.stats.steals += (1 << order) >> PAGEBLOCK_ORDER;
    } else if (wholeBlock) {
      const {moved, movable} = moveFreepagesBlock(z, idx, startMt);
      if (moved > 0) {
        // Pages in the block already allocated as our type ("alike") count towards claiming it.
        let alike = 0;
        if (startMt === MIGRATE_MOVABLE) alike = movable;
        else if (oldType === MIGRATE_MOVABLE) alike = PAGEBLOCK_PAGES - (moved + movable);
        if (moved + alike >= PAGEBLOCK_PAGES >> 1) {
          z.setPageblockType(idx, startMt as MigrateType);
          z.stats.steals++;
        }
        return;
      }
    }
  }
  z.moveToFreeList(idx, startMt);
}

/**
 * change_pageblock_range(): retype every pageblock a block of order >= pageblock_order covers. A HighAtomic
 * pageblock among them leaves the reserve (the fix of 6.12's "highatomic typing in multi-block buddies";
 * 6.6 checked the first pageblock only and leaked the reserve count).
 */
function changePageblockRange(z: Zone, idx: number, order: number, mt: MigrateType): void {
  for (let i = 0; i < 1 << order; i += PAGEBLOCK_PAGES) {
    if (z.pageblockType(idx + i) === MIGRATE_HIGHATOMIC) {
      z.nrReservedHighatomic -= Math.min(PAGEBLOCK_PAGES, z.nrReservedHighatomic);
    }
    z.setPageblockType(idx + i, mt);
  }
}

/**
 * move_freepages_block(): move every free block in idx's pageblock to mt's lists; count the pages that
 * are allocated and movable (on the LRU) on the way.
 */
export function moveFreepagesBlock(z: Zone, idx: number, mt: number): {moved: number; movable: number} {
  const pfn = z.startPfn + idx;
  const blockStart = (pfn & ~(PAGEBLOCK_PAGES - 1)) - z.startPfn;
  const e = blockStart + PAGEBLOCK_PAGES;
  if (e > z.spanned) return {moved: 0, movable: 0}; // do not cross the zone's end
  const s = blockStart < 0 ? idx : blockStart; // nor its start: begin at the page itself
  let moved = 0;
  let movable = 0;
  for (let i = s; i < e; ) {
    const st = z.state[i];
    if (st === PG_BUDDY) {
      const o = z.order[i];
      z.moveToFreeList(i, mt); // list_move_tail(), even onto the list it is on
      moved += 1 << o;
      i += 1 << o;
      continue;
    }
    if (st === PG_ALLOC) {
      const owner = z.info[i] >> 2;
      if ((z.info[i] & 3) === MIGRATE_MOVABLE && (owner === OWNER_PAGECACHE || owner === OWNER_USER)) movable++;
    }
    i++;
  }
  return {moved, movable};
}

/** can_steal_fallback(): whole pageblocks are worth claiming for big blocks and for unmovable/reclaimable. */
function canStealFallback(order: number, startMt: number): boolean {
  if (order >= PAGEBLOCK_ORDER) return true;
  return order >= PAGEBLOCK_ORDER >> 1 || startMt === MIGRATE_RECLAIMABLE || startMt === MIGRATE_UNMOVABLE;
}

// ---- the HighAtomic reserve -------------------------------------------------------------------------------

/** reserve_highatomic_pageblock(): keep the pageblock of a successful high-order atomic allocation for such. */
export function reserveHighatomicPageblock(z: Zone, idx: number): void {
  const max = Math.floor(z.managed / 100) + PAGEBLOCK_PAGES;
  if (z.nrReservedHighatomic >= max) return;
  const mt = z.pageblockType(idx);
  if (mt >= MIGRATE_PCPTYPES) return; // only pageblocks that can merge with others
  z.nrReservedHighatomic += PAGEBLOCK_PAGES;
  z.setPageblockType(idx, MIGRATE_HIGHATOMIC);
  moveFreepagesBlock(z, idx, MIGRATE_HIGHATOMIC);
}

/** unreserve_highatomic_pageblock() for one zone: give one reserved pageblock back to mt. */
export function unreserveHighatomicPageblock(z: Zone, mt: number, force: boolean): boolean {
  if (!force && z.nrReservedHighatomic <= PAGEBLOCK_PAGES) return false;
  for (let o = 0; o < NR_ORDERS; o++) {
    const idx = z.freeHead[o * NR_MIGRATETYPES + MIGRATE_HIGHATOMIC];
    if (idx === NIL) continue;
    // A free block of order 10 spans two pageblocks: both leave the reserve (6.12 behaviour, see above).
    if (o > PAGEBLOCK_ORDER) changePageblockRange(z, idx, o, mt as MigrateType);
    else {
      if (z.pageblockType(idx) === MIGRATE_HIGHATOMIC) {
        z.nrReservedHighatomic -= Math.min(PAGEBLOCK_PAGES, z.nrReservedHighatomic);
      }
      z.setPageblockType(idx, mt as MigrateType);
    }
    if (moveFreepagesBlock(z, idx, mt).moved > 0) return true;
  }
  return false;
}
