// mm/vmscan.c: kswapd and direct reclaim. kswapd is woken per node when an allocation finds the low
// watermark crossed, and reclaims until some eligible zone is above its high watermark (pgdat_balanced);
// direct reclaim frees a SWAP_CLUSTER_MAX batch for a caller that may sleep.
// Simplified: only page-cache pages are reclaimable (no anon/swap, no slab shrinkers yet); the LRU is one
// FIFO list per zone (as before 4.8), oldest first, with no active/inactive aging; kswapd frees at most
// KSWAPD_PAGES_PER_TICK pages per tick.
import type {PageAllocator, PgNode} from './allocator.js';
import {unreserveHighatomicPageblock} from './fallback.js';
import {MAX_RECLAIM_RETRIES, SWAP_CLUSTER_MAX} from './types.js';
import type {Zone} from './zone.js';

/** kswapd's reclaim rate: pages it frees per tick while awake. */
export const KSWAPD_PAGES_PER_TICK = 4 * SWAP_CLUSTER_MAX;

/** Free up to n of the oldest page-cache pages of a zone; returns how many. */
function shrinkZone(zone: Zone, cpu: number, n: number): number {
  let done = 0;
  while (done < n && zone.lruTail !== -1) {
    const idx = zone.lruTail;
    zone.lruDel(idx);
    zone.freeBlock(cpu, idx, 0);
    done++;
  }
  return done;
}

/** pgdat_balanced(): is any eligible zone of the node above its high watermark for this order? */
export function pgdatBalanced(node: PgNode, order: number, highestIdx: number): boolean {
  let managed = false;
  for (let i = 0; i <= highestIdx && i < node.zones.length; i++) {
    const z = node.zones[i];
    if (z.managed === 0) continue;
    managed = true;
    if (z.watermarkOk(order, z.wmarkHigh, highestIdx, 0)) return true;
  }
  return !managed;
}

/** wakeup_kswapd() */
export function wakeupKswapd(pa: PageAllocator, node: PgNode, order: number, highestIdx: number): void {
  const k = node.kswapd;
  if (!k.awake) {
    k.order = order;
    k.highestIdx = highestIdx;
  } else {
    k.order = Math.max(k.order, order);
    k.highestIdx = Math.max(k.highestIdx, highestIdx);
  }
  if (k.awake) return;
  // A hopeless node is left to direct reclaim; a balanced one needs no help.
  if (k.failures >= MAX_RECLAIM_RETRIES || pgdatBalanced(node, order, highestIdx)) return;
  k.awake = true;
  k.reclaimed = 0;
  pa.stats.kswapdWakeups++;
  pa.events.push(pa.tick, k.cpu, 'kswapd', `kswapd${node.nid}: woken for order ${order}, zones up to ${pa.config.zoneNames[highestIdx]}`);
}

/** One tick of balance_pgdat(): reclaim a batch from the eligible zones below high, highest zone first. */
export function kswapdStep(pa: PageAllocator, node: PgNode): void {
  const k = node.kswapd;
  if (pgdatBalanced(node, k.order, k.highestIdx)) return kswapdSleep(pa, node, 'balanced');
  let budget = KSWAPD_PAGES_PER_TICK;
  let reclaimed = 0;
  for (let i = Math.min(k.highestIdx, node.zones.length - 1); i >= 0 && budget > 0; i--) {
    const z = node.zones[i];
    if (z.managed === 0 || z.watermarkOk(0, z.wmarkHigh, k.highestIdx, 0)) continue;
    const n = shrinkZone(z, k.cpu, budget);
    budget -= n;
    reclaimed += n;
  }
  // Zones above high may still hold the pages that help an unbalanced lower zone's reserve check.
  for (let i = Math.min(k.highestIdx, node.zones.length - 1); i >= 0 && budget > 0 && reclaimed === 0; i--) {
    const n = shrinkZone(node.zones[i], k.cpu, budget);
    budget -= n;
    reclaimed += n;
  }
  pa.stats.pgstealKswapd += reclaimed;
  k.reclaimed += reclaimed;
  if (reclaimed === 0) {
    k.failures++;
    return kswapdSleep(pa, node, `nothing reclaimable (failures ${k.failures})`);
  }
  k.failures = 0;
  // kswapd_shrink_node(): once enough was freed for a high-order request, balance for order 0 (compaction's job).
  if (k.order > 0 && k.reclaimed >= 2 << k.order) k.order = 0;
  if (pgdatBalanced(node, k.order, k.highestIdx)) kswapdSleep(pa, node, 'balanced');
}

function kswapdSleep(pa: PageAllocator, node: PgNode, why: string): void {
  const k = node.kswapd;
  k.awake = false;
  pa.events.push(pa.tick, k.cpu, 'kswapd', `kswapd${node.nid}: sleeps, ${why}; reclaimed ${k.reclaimed} pages`);
}

/**
 * try_to_free_pages(): reclaim at least SWAP_CLUSTER_MAX (or the request's size) from the zonelist's
 * eligible zones, each node once. Returns the pages reclaimed.
 */
export function directReclaim(pa: PageAllocator, cpu: number, zonelist: readonly Zone[], highestIdx: number, order: number): number {
  const target = Math.max(SWAP_CLUSTER_MAX, 1 << order);
  let reclaimed = 0;
  for (const z of zonelist) {
    if (z.zoneIdx > highestIdx) continue;
    reclaimed += shrinkZone(z, cpu, target - reclaimed);
    if (reclaimed >= target) break;
  }
  pa.stats.pgstealDirect += reclaimed;
  if (reclaimed > 0) for (const n of pa.nodes) n.kswapd.failures = 0;
  return reclaimed;
}

/**
 * should_reclaim_retry(): retry while some eligible zone could meet its min watermark if all its
 * reclaimable pages were freed; give up after MAX_RECLAIM_RETRIES rounds without progress.
 */
export function shouldReclaimRetry(pa: PageAllocator, zonelist: readonly Zone[], highestIdx: number, order: number, allocFlags: number, noProgressLoops: number, mt: number): boolean {
  if (noProgressLoops > MAX_RECLAIM_RETRIES) {
    for (const z of zonelist) if (z.zoneIdx <= highestIdx && unreserveHighatomicPageblock(z, mt, true)) return true;
    return false;
  }
  for (const z of zonelist) {
    if (z.zoneIdx > highestIdx) continue;
    const available = z.freePages + z.lruCount;
    if (z.lruCount > 0 && z.watermarkOk(order, z.wmarkMin, highestIdx, allocFlags, available)) return true;
  }
  return false;
}
