// page_alloc_ops_per_s: the buddy allocator's hot path on the standard mixed-order workload (DESIGN §7).
//
// One zone of 262144 pages (1 GiB), per-CPU lists off, built the way the allocator's boot builds a zone:
// new Zone(), freeBootRange(), then the 6.x watermarks. Each step either frees a random live block (when more
// than half the memory is in use, or on a coin flip) or allocates a block of order 0..3 drawn uniformly.
// An allocation goes the way get_page_from_freelist() takes it through one zone: zone.watermarkOk() at the low
// mark with the fast path's alloc flags, then zone.allocBlock(); a free goes through zone.freeBlock().
// GFP_KERNEL, so every block is Unmovable: the zone boots all Movable, so the run also exercises
// __rmqueue_fallback() and pageblock stealing until the Unmovable pageblocks settle.
//
// The rule alone is a zero-drift random walk below half (a freed block is on average as big as an allocated one),
// so from an empty zone the live set would stay at a few thousand pages, nowhere near the "live set near half of
// memory" DESIGN §7 asks for. So each run first fills the zone, untimed, by the same allocation path until more
// than half is in use; the timed steps then keep it near half.
//
// The figure is the median of RUNS runs, each a fresh zone, the same seed and STEPS timed steps; steps/s = ops/s.
// After each run (untimed) the zone is checked and every live block freed again, which must give back the boot
// state of the free lists, so a broken allocator fails the bench instead of measuring fast.
import {
  ALLOC_CPUSET,
  ALLOC_KSWAPD,
  ALLOC_WMARK_LOW,
  MAX_ORDER,
  MIGRATE_PCPTYPES,
  MIGRATE_UNMOVABLE,
  NR_MIGRATETYPES,
  NR_ORDERS,
  OWNER_KERNEL,
  PAGEBLOCK_ORDER,
  PG_ALLOC,
  PG_BUDDY,
} from '../../source/kernel/page-alloc/types.js';
import {calculateMinFreeKbytes, setupLowmemReserve, setupPerZoneWmarks} from '../../source/kernel/page-alloc/watermarks.js';
import {Zone} from '../../source/kernel/page-alloc/zone.js';
import {Prng} from '../../source/kernel/prng.js';
import type {Figure} from './figure.js';

export const ZONE_PAGES = 262144;
export const STEPS = 20_000_000;
export const RUNS = 5;
const SEED = 42;
/** ZONE_NORMAL on x86_64: the zone sits at 4 GiB like a Normal zone, above two empty lower zones. */
const ZONE_NORMAL = 2;
/** The fast path's flags for GFP_KERNEL: ALLOC_WMARK_LOW | ALLOC_CPUSET | (gfp & __GFP_KSWAPD_RECLAIM). No
 * ALLOC_NOFRAGMENT: that needs a DMA32 zone under this one to fall back to, and there is only one zone. */
const ALLOC_FLAGS = ALLOC_WMARK_LOW | ALLOC_CPUSET | ALLOC_KSWAPD;

/** A booted zone with its watermarks, as PageAllocator builds one for a node with only a Normal zone. */
export function bootZone(): Zone {
  const startPfn = 1 << 20;
  const mk = (zoneIdx: number, name: string, spanned: number) =>
    new Zone({nid: 0, zoneIdx, name, startPfn: spanned ? startPfn : 0, spanned, nrCpus: 1, pcp: false});
  const nodeZones = [mk(0, 'DMA', 0), mk(1, 'DMA32', 0), mk(ZONE_NORMAL, 'Normal', ZONE_PAGES)];
  const zone = nodeZones[ZONE_NORMAL];
  zone.freeBootRange(0, ZONE_PAGES);
  setupPerZoneWmarks([{zone, highmemOrMovable: false}], calculateMinFreeKbytes(zone.managed), 10);
  setupLowmemReserve(nodeZones, [256, 256, 32]);
  return zone;
}

type RunResult = {ms: number; allocs: number; frees: number; failed: number; digest: number; minLive: number};

/** Live blocks, each packed as idx << 2 | order in one typed array (one cache line to touch, not two), swap-removed. */
type Live = {blocks: Int32Array; n: number; pages: number};

function allocOne(zone: Zone, o: number, live: Live): number {
  if (!zone.watermarkOk(o, zone.wmarkLow, ZONE_NORMAL, ALLOC_FLAGS)) return -1;
  const idx = zone.allocBlock(0, o, MIGRATE_UNMOVABLE, ALLOC_FLAGS, OWNER_KERNEL);
  if (idx < 0) return -1;
  live.blocks[live.n++] = (idx << 2) | o;
  live.pages += 1 << o;
  return idx;
}

/** Draws per chunk: 4 MiB of Uint32Array, refilled between timed stretches. */
const CHUNK = 1 << 20;

/**
 * The timed loop. Kept in one function with locals so the figure measures the allocator, not the harness.
 * Each step takes one Prng.nextU32(): its top bit is the coin, its low 31 bits pick the live block to free,
 * its low two bits the order to allocate (a step uses the index or the order, never both). The draws are made
 * a chunk at a time outside the timed stretches: a Prng draw costs about as much as a whole allocation, and
 * the budget is the allocator's. The sequence of steps is the same as drawing inline.
 */
function steps(zone: Zone, prng: Prng, live: Live, n: number): RunResult {
  const half = zone.managed >>> 1;
  const blocks = live.blocks;
  const draws = new Uint32Array(CHUNK);
  let nLive = live.n;
  let livePages = live.pages;
  let allocs = 0;
  let frees = 0;
  let failed = 0;
  let digest = 0x811c9dc5;
  let minLive = livePages;
  let ms = 0;
  for (let done = 0; done < n; done += CHUNK) {
    const m = Math.min(CHUNK, n - done);
    for (let i = 0; i < m; i++) draws[i] = prng.nextU32();
    const t0 = performance.now();
    for (let i = 0; i < m; i++) {
      const u = draws[i];
      if (nLive > 0 && (livePages > half || u >>> 31 === 0)) {
        const k = Math.floor(((u & 0x7fffffff) * nLive) / 0x80000000);
        const b = blocks[k];
        const idx = b >> 2;
        const o = b & 3;
        blocks[k] = blocks[--nLive];
        zone.freeBlock(0, idx, o);
        livePages -= 1 << o;
        if (livePages < minLive) minLive = livePages;
        frees++;
      } else {
        const o = u & 3;
        if (!zone.watermarkOk(o, zone.wmarkLow, ZONE_NORMAL, ALLOC_FLAGS)) {
          failed++;
          continue;
        }
        const idx = zone.allocBlock(0, o, MIGRATE_UNMOVABLE, ALLOC_FLAGS, OWNER_KERNEL);
        if (idx < 0) {
          failed++;
          continue;
        }
        blocks[nLive++] = (idx << 2) | o;
        livePages += 1 << o;
        allocs++;
        digest = Math.imul(digest ^ (idx | (o << 28)), 0x01000193);
      }
    }
    ms += performance.now() - t0;
  }
  live.n = nLive;
  live.pages = livePages;
  return {ms, allocs, frees, failed, digest: digest >>> 0, minLive};
}

/** One run: a fresh zone, the untimed fill, the timed steps, then the checks. */
export function runOnce(n = STEPS): RunResult {
  const zone = bootZone();
  const bootFree = Array.from(zone.nrFree);
  const prng = new Prng(SEED);
  const live: Live = {blocks: new Int32Array(ZONE_PAGES), n: 0, pages: 0};
  while (live.pages <= zone.managed >>> 1) {
    if (allocOne(zone, prng.nextU32() & 3, live) < 0) throw new Error('page_alloc: the fill failed to allocate');
  }
  const r = steps(zone, prng, live, n);
  checkZone(zone, live);
  for (let k = 0; k < live.n; k++) zone.freeBlock(0, live.blocks[k] >> 2, live.blocks[k] & 3);
  if (zone.freePages !== zone.managed) throw new Error(`page_alloc: all freed, but freePages ${zone.freePages} != managed ${zone.managed}`);
  for (let o = 0; o < NR_ORDERS; o++) {
    if (zone.nrFree[o] !== bootFree[o]) throw new Error(`page_alloc: all freed, but order ${o} has ${zone.nrFree[o]} blocks, ${bootFree[o]} at boot`);
  }
  return r;
}

/**
 * The zone is consistent: each free list is a well-linked list of aligned PageBuddy heads of its order and type,
 * its counters equal the lists, no free block has a free buddy of its order, every live block heads an allocated
 * block of its order, and free + live pages == managed.
 */
export function checkZone(zone: Zone, live: Live): void {
  const fail = (why: string) => {
    throw new Error(`page_alloc: the zone is inconsistent after the run: ${why}`);
  };
  let free = 0;
  for (let o = 0; o < NR_ORDERS; o++) {
    let blocks = 0;
    for (let mt = 0; mt < NR_MIGRATETYPES; mt++) {
      const li = o * NR_MIGRATETYPES + mt;
      let count = 0;
      let prev = -1;
      for (let i = zone.freeHead[li]; i !== -1; i = zone.next[i]) {
        if (zone.prev[i] !== prev) fail(`order ${o} type ${mt}: broken prev link at ${i}`);
        if (zone.state[i] !== PG_BUDDY || zone.order[i] !== o || zone.info[i] !== mt) fail(`order ${o} type ${mt}: block ${i} is not a free block of it`);
        const pfn = zone.startPfn + i;
        if (pfn & ((1 << o) - 1)) fail(`order ${o}: block ${i} is not aligned`);
        const bi = (pfn ^ (1 << o)) - zone.startPfn;
        const mergeable = o < MAX_ORDER && bi >= 0 && bi < zone.spanned && zone.state[bi] === PG_BUDDY && zone.order[bi] === o;
        if (mergeable && (o < PAGEBLOCK_ORDER || (zone.pageblockType(bi) < MIGRATE_PCPTYPES && zone.pageblockType(i) < MIGRATE_PCPTYPES)))
          fail(`order ${o}: block ${i} and its buddy ${bi} are both free`);
        prev = i;
        count++;
        if (count > zone.spanned) fail(`order ${o} type ${mt}: the list loops`);
      }
      if (zone.freeTail[li] !== prev) fail(`order ${o} type ${mt}: tail ${zone.freeTail[li]} != last ${prev}`);
      if (zone.freeCount[li] !== count) fail(`order ${o} type ${mt}: count ${zone.freeCount[li]} != ${count} on the list`);
      blocks += count;
      free += count << o;
    }
    if (zone.nrFree[o] !== blocks) fail(`order ${o}: nr_free ${zone.nrFree[o]} != ${blocks} on the lists`);
  }
  if (free !== zone.freePages) fail(`freePages ${zone.freePages} != ${free} on the lists`);
  let livePages = 0;
  for (let k = 0; k < live.n; k++) {
    const i = live.blocks[k] >> 2;
    const o = live.blocks[k] & 3;
    if (zone.state[i] !== PG_ALLOC || zone.order[i] !== o) fail(`live block ${i} is not allocated at order ${o}`);
    livePages += 1 << o;
  }
  if (livePages !== live.pages) fail(`live pages ${livePages} != ${live.pages} counted`);
  if (zone.freePages + livePages !== zone.managed) fail(`free ${zone.freePages} + live ${livePages} != managed ${zone.managed}`);
}

export function pageAllocBench(log: (line: string) => void): Figure[] {
  runOnce(2_000_000); // warm-up: lets the JIT settle before the timed runs
  const runs: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(runOnce());
  for (const r of runs) {
    if (r.digest !== runs[0].digest) throw new Error('page_alloc: two runs with the same seed allocated differently');
  }
  const rates = runs.map((r) => STEPS / (r.ms / 1000)).sort((a, b) => a - b);
  const median = rates[rates.length >> 1];
  const r = runs[0];
  log(
    `page_alloc: ${RUNS} runs of ${STEPS} steps, ops/s ${rates.map((x) => (x / 1e6).toFixed(2) + 'M').join(' ')}; ` +
      `${r.allocs} allocs, ${r.frees} frees, ${r.failed} failed, live set at least ${r.minLive} of ${ZONE_PAGES} pages; digest ${r.digest.toString(16)}`,
  );
  return [{figure: 'page_alloc_ops_per_s', value: Math.round(median), unit: 'ops/s'}];
}
