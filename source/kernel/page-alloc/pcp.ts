// mm/page_alloc.c: the per-CPU page lists. Each CPU keeps, per zone, short lists of free blocks of orders
// 0..3 in front of the buddy lists, so most allocations and frees touch neither the zone lock nor the buddy
// lists; rmqueue_bulk() refills a list by a batch and free_pcppages_bulk() gives a batch back past pcp->high.
//
// We model the lists with the zone's per-page links (a page on a pcp list is on no other list) and heads and
// tails per CPU per list, indexed by cpu * NR_PCP_LISTS + order_to_pindex().
// Simplified: pcp batch and high are the static values (no adaptive pcp->high, no alloc_factor/free_factor
// scaling).
import {COSTLY_ORDER, MIGRATE_MOVABLE, MIGRATE_PCPTYPES, PG_PCP, PG_TAIL} from './types.js';
import {listAdd, listAddTail, listDel} from './page-list.js';
import type {Zone} from './zone.js';

/** Lists per CPU per zone: (COSTLY_ORDER + 1) orders x MIGRATE_PCPTYPES types; order_to_pindex(). */
export const NR_PCP_LISTS = (COSTLY_ORDER + 1) * MIGRATE_PCPTYPES;
const NIL = -1;

/** rmqueue_pcplist(): take from this CPU's list; refill it with a batch from the buddy lists when empty. */
export function rmqueuePcplist(z: Zone, cpu: number, order: number, mt: number, allocFlags: number): number {
  const li = cpu * NR_PCP_LISTS + order * MIGRATE_PCPTYPES + mt;
  if (z.pcpHead[li] === NIL) {
    // rmqueue_bulk(): batch blocks of this order (at least 2 for order > 0), no watermark check.
    const batch = order ? Math.max(z.pcpBatch >> order, 2) : z.pcpBatch;
    for (let i = 0; i < batch; i++) {
      const idx = z.rmqueue(order, mt, allocFlags);
      if (idx === NIL) break;
      z.state[idx] = PG_PCP;
      z.order[idx] = order;
      z.info[idx] = mt;
      listAddTail(z.next, z.prev, z.pcpHead, z.pcpTail, li, idx);
      z.pcpCount[cpu] += 1 << order;
    }
    if (z.pcpHead[li] === NIL) return NIL;
  }
  const idx = z.pcpHead[li];
  listDel(z.next, z.prev, z.pcpHead, z.pcpTail, li, idx);
  z.pcpCount[cpu] -= 1 << order;
  return idx;
}

/** free_unref_page_commit(): onto the CPU's list; past pcp->high, a batch goes back to the buddy lists. */
export function freeToPcp(z: Zone, cpu: number, idx: number, order: number): void {
  let mt = z.pageblockType(idx) as number;
  if (mt >= MIGRATE_PCPTYPES) mt = MIGRATE_MOVABLE; // HighAtomic pages wait on the movable list
  const pindex = order * MIGRATE_PCPTYPES + mt;
  z.state[idx] = PG_PCP;
  z.order[idx] = order;
  z.info[idx] = mt;
  listAdd(z.next, z.prev, z.pcpHead, z.pcpTail, cpu * NR_PCP_LISTS + pindex, idx);
  z.pcpCount[cpu] += 1 << order;
  if (z.pcpCount[cpu] >= z.pcpHigh) {
    const n = z.pcpHigh < z.pcpBatch ? 1 : z.pcpBatch;
    freePcppagesBulk(z, cpu, n, pindex);
  }
}

/** free_pcppages_bulk(): round robin over the lists, oldest pages (the tails) first. */
export function freePcppagesBulk(z: Zone, cpu: number, count: number, pindex: number): void {
  count = Math.min(z.pcpCount[cpu], count);
  const base = cpu * NR_PCP_LISTS;
  pindex = pindex - 1;
  while (count > 0) {
    let li: number;
    do {
      if (++pindex > NR_PCP_LISTS - 1) pindex = 0;
      li = base + pindex;
    } while (z.pcpHead[li] === NIL);
    const order = (pindex / MIGRATE_PCPTYPES) | 0;
    do {
      const idx = z.pcpTail[li];
      listDel(z.next, z.prev, z.pcpHead, z.pcpTail, li, idx);
      count -= 1 << order;
      z.pcpCount[cpu] -= 1 << order;
      z.state[idx] = PG_TAIL;
      z.freeOnePage(idx, order, z.pageblockType(idx), false);
    } while (count > 0 && z.pcpHead[li] !== NIL);
  }
}

/** drain_pages_zone(): everything on a CPU's lists goes back to the buddy lists. */
export function drainPcp(z: Zone, cpu: number): number {
  if (!z.pcpEnabled) return 0;
  const n = z.pcpCount[cpu];
  if (n > 0) freePcppagesBulk(z, cpu, n, 0);
  return n;
}
