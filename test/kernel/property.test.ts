// Random operation sequences on small machines (DESIGN §6): after every operation check() finds nothing wrong;
// wrong frees change nothing; freeing everything gives the buddy allocator back every page, coalesced as at boot.
//
// "Freeing everything returns the free lists to the boot state exactly" holds only while no block ever left the
// Movable lists (no __rmqueue_fallback(), no HighAtomic reservation); the second property checks that case
// exactly. Otherwise, as in Linux, what comes back is every page, in the boot blocks, but:
// - a pageblock claimed by another type (steal_suitable_fallback) keeps that type, and a block is freed to the
//   list of its pageblock's type, so blocks sit on Unmovable / Reclaimable lists that were Movable at boot;
// - a HighAtomic pageblock stays HighAtomic until an allocation fails and unreserves it, and
//   __free_one_page() does not merge it with a buddy pageblock of another type: an order-10 boot block comes
//   back as two order-9 blocks; once unreserved, such a pair may stay apart (nothing merges it again);
// - move_freepages_block() does not move blocks of a pageblock that crosses the zone's end (or those before
//   the zone's start), so a block there can stay on the list of a type its pageblock no longer has.
// The first property checks the free blocks by order against the boot blocks with exactly those exceptions.
import fc from 'fast-check';
import {describe, expect, test, vi} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {freeBlocks, freeListSnapshot, type ZoneFreeBlocks} from '../../source/kernel/free-blocks.js';
import {CONTEXTS, type ContextName} from '../../source/kernel/context.js';
import {
  __GFP_DMA,
  __GFP_DMA32,
  __GFP_MOVABLE,
  __GFP_NOWARN,
  __GFP_RECLAIMABLE,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_DMA32,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL,
  GFP_NOWAIT,
  GFP_USER,
} from '../../source/kernel/gfp.js';
import type {MachineSpec} from '../../source/kernel/config.js';
import {Machine} from '../../source/kernel/machine.js';
import * as fallback from '../../source/kernel/page-alloc/fallback.js';
import {MIGRATE_HIGHATOMIC, MIGRATE_PCPTYPES, PAGE_SIZE, PAGEBLOCK_PAGES} from '../../source/kernel/page-alloc/types.js';

const MiB = 1024 * 1024;

// ---- machines -------------------------------------------------------------------------------------------------

const specArb: fc.Arbitrary<MachineSpec> = fc
  .record({
    profile: fc.constantFrom('x86_64' as const, 'i386' as const),
    mib: fc.oneof({weight: 3, arbitrary: fc.integer({min: 64, max: 160})}, {weight: 1, arbitrary: fc.integer({min: 161, max: 512})}),
    nodes: fc.integer({min: 1, max: 2}),
    cpus: fc.integer({min: 1, max: 4}),
    pcp: fc.boolean(),
    // i386: vmalloc= moves the end of lowmem down (1G - vmalloc), so a small machine gets a HighMem zone.
    vmalloc: fc.constantFrom(undefined, 512 * MiB, 768 * MiB),
    // A reserved range somewhere in memory: free blocks around a hole in the middle of a zone.
    reserved: fc.option(fc.record({at: fc.double({min: 0, max: 1, noNaN: true}), pages: fc.integer({min: 1, max: 700})}), {freq: 3}),
  })
  .map(({profile, mib, nodes, cpus, pcp, vmalloc, reserved}) => {
    const memory = mib * MiB;
    const spec: MachineSpec = profile === 'i386' ? {profile, memory, cpus, pcp, vmalloc} : {profile, memory, nodes, cpus, pcp};
    if (!reserved) return spec;
    const size = reserved.pages * PAGE_SIZE;
    const start = Math.floor((reserved.at * (memory - size)) / PAGE_SIZE) * PAGE_SIZE;
    return {...spec, reserved: [{start, size}]};
  });

// ---- operations -----------------------------------------------------------------------------------------------

const GFP_BASES = [
  GFP_KERNEL,
  GFP_ATOMIC,
  GFP_NOWAIT,
  GFP_DMA,
  GFP_DMA32,
  GFP_USER,
  GFP_HIGHUSER_MOVABLE,
  GFP_KERNEL | GFP_DMA,
  GFP_KERNEL | GFP_DMA32,
  GFP_ATOMIC | GFP_DMA,
  GFP_ATOMIC | GFP_DMA32,
  GFP_NOWAIT | GFP_DMA32,
];

const gfpArb = fc
  .record({
    base: fc.oneof({weight: 30, arbitrary: fc.constantFrom(...GFP_BASES)}, {weight: 1, arbitrary: fc.constant(__GFP_DMA | __GFP_DMA32)}),
    nowarn: fc.boolean(),
    type: fc.constantFrom(0, 0, __GFP_RECLAIMABLE, __GFP_MOVABLE),
  })
  .map(({base, nowarn, type}) => base | (nowarn ? __GFP_NOWARN : 0) | type);

const orderArb = fc.oneof(
  {weight: 8, arbitrary: fc.integer({min: 0, max: 3})},
  {weight: 3, arbitrary: fc.integer({min: 4, max: 10})},
  {weight: 1, arbitrary: fc.constant(11)}, // above MAX_PAGE_ORDER: a warning and NULL
);

const where = {cpu: fc.nat(3), context: fc.constantFrom<ContextName>(...CONTEXTS)};

const WRONG_FREES = ['double', 'order', 'tail', 'hole', 'reserved', 'beyond'] as const;
type WrongFree = (typeof WRONG_FREES)[number];

type Op =
  | {k: 'alloc'; node: number; order: number; gfp: number; cpu: number; context: ContextName}
  | {k: 'hog'; count: number; order: number; gfp: number; cpu: number; context: ContextName}
  | {k: 'free'; pick: number; cpu: number; context: ContextName}
  | {k: 'wrong'; kind: WrongFree; pick: number; cpu: number; context: ContextName}
  | {k: 'read'; pages: number; cpu: number; context: ContextName}
  | {k: 'tick'; n: number}
  | {k: 'drain'}
  | {k: 'drop'; cpu: number};

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {weight: 10, arbitrary: fc.record({k: fc.constant('alloc' as const), node: fc.integer({min: -1, max: 1}), order: orderArb, gfp: gfpArb, ...where})},
  {weight: 2, arbitrary: fc.record({k: fc.constant('hog' as const), count: fc.integer({min: 16, max: 4096}), order: fc.integer({min: 0, max: 4}), gfp: gfpArb, ...where})},
  {weight: 7, arbitrary: fc.record({k: fc.constant('free' as const), pick: fc.nat(), ...where})},
  {weight: 2, arbitrary: fc.record({k: fc.constant('wrong' as const), kind: fc.constantFrom(...WRONG_FREES), pick: fc.nat(), ...where})},
  {weight: 2, arbitrary: fc.record({k: fc.constant('read' as const), pages: fc.integer({min: 1, max: 8192}), ...where})},
  {weight: 2, arbitrary: fc.record({k: fc.constant('tick' as const), n: fc.integer({min: 1, max: 4})})},
  {weight: 1, arbitrary: fc.constant({k: 'drain' as const})},
  {weight: 1, arbitrary: fc.record({k: fc.constant('drop' as const), cpu: fc.nat(3)})},
);

// ---- the run --------------------------------------------------------------------------------------------------

type Block = {pfn: number; order: number};

function boot(spec: MachineSpec): Machine {
  const r = Machine.boot(spec, 7);
  if (!r.ok) throw new Error(`boot failed: ${r.error.message}`);
  return r.machine;
}

/** A copy of every array and counter of the page allocator, to see that an operation changed nothing. */
function allocatorState(m: Machine): {bytes: Buffer[]; scalars: string} {
  const bytes: Buffer[] = [];
  const scalars: unknown[] = [m.pa.stats, m.pa.nodes.map((n) => n.kswapd)];
  for (const z of m.pa.zones) {
    for (const a of [z.state, z.order, z.info, z.next, z.prev, z.pbType, z.freeHead, z.freeTail, z.freeCount, z.nrFree, z.pcpHead, z.pcpTail, z.pcpCount]) {
      bytes.push(Buffer.from(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));
    }
    scalars.push([z.freePages, z.present, z.managed, z.lruHead, z.lruTail, z.lruCount, z.nrReservedHighatomic, z.stats]);
  }
  return {bytes, scalars: JSON.stringify(scalars)};
}

function sameState(a: ReturnType<typeof allocatorState>, b: ReturnType<typeof allocatorState>): boolean {
  return a.scalars === b.scalars && a.bytes.length === b.bytes.length && a.bytes.every((x, i) => x.equals(b.bytes[i]));
}

/** A pfn and order that __free_pages() must refuse, or undefined when this machine state offers none of the kind. */
function wrongFree(m: Machine, kind: WrongFree, pick: number, live: readonly Block[], freed: readonly Block[]): Block | undefined {
  switch (kind) {
    case 'double': {
      // A block we freed whose first page heads no allocated block now (else it is someone's again).
      const gone = freed.filter((b) => m.pa.allocatedOrder(b.pfn) === -1);
      return gone.length ? gone[pick % gone.length] : undefined;
    }
    case 'order': {
      if (!live.length) return undefined;
      const b = live[pick % live.length];
      return {pfn: b.pfn, order: (b.order + 1 + (pick % 10)) % 11};
    }
    case 'tail': {
      const big = live.filter((b) => b.order > 0);
      if (!big.length) return undefined;
      const b = big[pick % big.length];
      return {pfn: b.pfn + 1 + (pick % ((1 << b.order) - 1)), order: pick % 2 ? b.order : 0};
    }
    case 'hole': {
      const h = m.config.holes[pick % m.config.holes.length];
      return {pfn: h.start + (pick % (h.end - h.start)), order: 0};
    }
    case 'reserved': {
      const r = m.config.reserved[pick % m.config.reserved.length];
      return {pfn: r.start + (pick % (r.end - r.start)), order: pick % 3};
    }
    case 'beyond':
      return {pfn: m.config.memory / PAGE_SIZE + (pick % 1000), order: 0};
  }
}

/** Apply one operation; returns a description of what went wrong beyond the invariants, or undefined. */
function apply(m: Machine, op: Op, live: Block[], freed: Block[]): string | undefined {
  const nodes = m.pa.nodes.length;
  switch (op.k) {
    case 'alloc': {
      const nid = op.node < 0 ? -1 : op.node % nodes;
      const r = m.allocPagesNode(m.ctx(op.cpu % m.nrCpus, op.context), nid, op.gfp, op.order);
      if (r.pfn >= 0) {
        if (m.pa.allocatedOrder(r.pfn) !== op.order) return `alloc returned pfn ${r.pfn} that heads no order-${op.order} block`;
        live.push({pfn: r.pfn, order: op.order});
      }
      return undefined;
    }
    case 'hog': {
      // Allocate until count blocks or the first failure: the way to the watermarks, kswapd and reclaim.
      const ctx = m.ctx(op.cpu % m.nrCpus, op.context);
      for (let i = 0; i < op.count; i++) {
        const r = m.allocPagesNode(ctx, -1, op.gfp | __GFP_NOWARN, op.order);
        if (r.pfn < 0) break;
        live.push({pfn: r.pfn, order: op.order});
      }
      return undefined;
    }
    case 'free': {
      if (!live.length) return undefined;
      const i = op.pick % live.length;
      const b = live[i];
      live[i] = live[live.length - 1];
      live.pop();
      if (!m.freePagesPfn(m.ctx(op.cpu % m.nrCpus, op.context), b.pfn, b.order)) return `freeing live block ${b.pfn} order ${b.order} was refused`;
      freed.push(b);
      if (freed.length > 64) freed.shift();
      return undefined;
    }
    case 'wrong': {
      const b = wrongFree(m, op.kind, op.pick, live, freed);
      if (!b) return undefined;
      const before = allocatorState(m);
      const events = m.events.count;
      const ok = m.freePagesPfn(m.ctx(op.cpu % m.nrCpus, op.context), b.pfn, b.order);
      if (ok) return `wrong free (${op.kind}) of pfn ${b.pfn} order ${b.order} was accepted`;
      if (!sameState(before, allocatorState(m))) return `wrong free (${op.kind}) of pfn ${b.pfn} order ${b.order} changed the allocator`;
      const splat = m.events.since(events);
      if (splat.length !== 1 || splat[0].kind !== 'bug') return `wrong free (${op.kind}) of pfn ${b.pfn} logged ${JSON.stringify(splat.map((e) => e.text))}`;
      return undefined;
    }
    case 'read':
      m.pageCacheRead(m.ctx(op.cpu % m.nrCpus, op.context), op.pages * PAGE_SIZE);
      return undefined;
    case 'tick':
      for (let i = 0; i < op.n; i++) m.step();
      return undefined;
    case 'drain':
      m.drainAllPages();
      return undefined;
    case 'drop':
      m.dropCaches(m.ctx(op.cpu % m.nrCpus));
      return undefined;
  }
}

/**
 * May the order-9 pair at pfn (a boot order-10 block) stay unmerged once every page is free?
 * __free_one_page() does not merge a HighAtomic pageblock with one of another type; and
 * unreserve_highatomic_pageblock() retypes a free HighAtomic pageblock without merging it with its buddy, so
 * after an unreserve two pageblocks of per-CPU types may stay apart too (check() allows the same).
 */
function mayStayApart(m: Machine, pfn: number, unreserved: boolean): boolean {
  const z = m.zoneOf(pfn)!;
  const a = z.pageblockType(pfn - z.startPfn) < MIGRATE_PCPTYPES;
  const b = z.pageblockType(pfn + PAGEBLOCK_PAGES - z.startPfn) < MIGRATE_PCPTYPES;
  return a !== b || (a && b && unreserved);
}

const unreserve = fallback.unreserveHighatomicPageblock;
/** Count the calls of unreserve_highatomic_pageblock() that gave a HighAtomic pageblock back. */
function watchUnreserve(m: Machine): {count: number} {
  const seen = {count: 0};
  const zones = new Set(m.pa.zones);
  vi.spyOn(fallback, 'unreserveHighatomicPageblock').mockImplementation((z, mt, force) => {
    const before = z.nrReservedHighatomic;
    const r = unreserve(z, mt, force);
    if (zones.has(z) && z.nrReservedHighatomic < before) seen.count++;
    return r;
  });
  return seen;
}

/** The free blocks by order, one sorted pfn list per order (migrate types dropped). */
function byOrder(zones: readonly ZoneFreeBlocks[]): number[][][] {
  return zones.map((z) => z.blocks.map((row) => row.flat().sort((a, b) => a - b)));
}

/**
 * The free blocks by order once every page is free, given the blocks at boot: the boot blocks, except an
 * order-10 block whose halves may stay apart (mayStayApart) and are found apart.
 */
function expectedAllFree(m: Machine, atBoot: number[][][], now: number[][][], unreserved: boolean): number[][][] {
  return atBoot.map((orders, zi) => {
    const want = orders.map((pfns) => [...pfns]);
    const nine = new Set(now[zi][9]);
    want[10] = [];
    for (const pfn of orders[10]) {
      if (nine.has(pfn) && nine.has(pfn + PAGEBLOCK_PAGES) && mayStayApart(m, pfn, unreserved)) want[9].push(pfn, pfn + PAGEBLOCK_PAGES);
      else want[10].push(pfn);
    }
    want[9].sort((a, b) => a - b);
    return want;
  });
}

/** Outcomes over all runs, printed once, for the record of what "back to the boot state" means. */
const tally = {runs: 0, untouched: 0, exact: 0, sameTypes: 0, highatomicLeft: 0, unreserved: 0, highatomicReserved: 0, steals: 0, directReclaims: 0, kswapdWakeups: 0};

function runSequence(spec: MachineSpec, ops: readonly Op[]): void {
  const m = boot(spec);
  expect(check(m)).toEqual([]);
  const atBoot = freeBlocks(m);
  const exactAtBoot = freeListSnapshot(m);
  const live: Block[] = [];
  const freed: Block[] = [];
  const unreserves = watchUnreserve(m);
  for (let i = 0; i < ops.length; i++) {
    const problem = apply(m, ops[i], live, freed);
    if (problem) throw new Error(`op ${i} ${JSON.stringify(ops[i])}: ${problem}`);
    const v = check(m);
    if (v.length) throw new Error(`op ${i} ${JSON.stringify(ops[i])}: check() says\n${v.slice(0, 20).join('\n')}`);
  }
  const unreserved = unreserves.count > 0;

  // Give everything back: our blocks, the page cache, the per-CPU lists.
  const refused = live.filter((b) => !m.freePagesPfn(m.ctx(0), b.pfn, b.order));
  expect(refused).toEqual([]);
  m.dropCaches(m.ctx(0));
  m.drainAllPages();
  expect(check(m)).toEqual([]);
  for (const z of m.pa.zones) {
    expect({node: z.nid, zone: z.name, free: z.freePages, pcp: z.pcpTotal(), lru: z.lruCount}).toEqual({node: z.nid, zone: z.name, free: z.managed, pcp: 0, lru: 0});
  }
  // Every page is back, coalesced into the boot blocks (but for pageblock pairs that may stay apart).
  const after = freeBlocks(m);
  const now = byOrder(after);
  expect(now).toEqual(expectedAllFree(m, byOrder(atBoot), now, unreserved));

  // The exact state (lists by migrate type, pageblock types) is the boot state when no block ever left the
  // Movable lists: no __rmqueue_fallback() and no HighAtomic reservation. Otherwise pageblock types and the
  // lists blocks sit on may differ (see the note at the top of this file).
  const untouched = m.pa.stats.highatomicReserved === 0 && m.pa.zones.every((z) => z.stats.fallbacks === 0);
  const exactAfter = freeListSnapshot(m);
  if (untouched) expect(exactAfter).toBe(exactAtBoot);

  tally.runs++;
  if (untouched) tally.untouched++;
  if (after.every((z, i) => z.pageblocks === atBoot[i].pageblocks)) tally.sameTypes++;
  if (exactAfter === exactAtBoot) tally.exact++;
  if (m.pa.zones.some((z) => z.pbType.includes(MIGRATE_HIGHATOMIC))) tally.highatomicLeft++;
  if (unreserved) tally.unreserved++;
  tally.highatomicReserved += m.pa.stats.highatomicReserved;
  tally.directReclaims += m.pa.stats.allocstall;
  tally.kswapdWakeups += m.pa.stats.kswapdWakeups;
  for (const z of m.pa.zones) tally.steals += z.stats.steals;
}

/**
 * Movable allocations only, and none that may dip into the HighAtomic reserve (non-blocking high-order ones):
 * no block ever leaves the Movable lists, so freeing everything must give back the exact boot state.
 */
const movableOpArb: fc.Arbitrary<Op> = (() => {
  const gfp = fc
    .record({base: fc.constantFrom(GFP_HIGHUSER_MOVABLE, GFP_USER | __GFP_MOVABLE, GFP_KERNEL | __GFP_MOVABLE, GFP_KERNEL | GFP_DMA32 | __GFP_MOVABLE, GFP_KERNEL | GFP_DMA | __GFP_MOVABLE), nowarn: fc.boolean()})
    .map(({base, nowarn}) => base | (nowarn ? __GFP_NOWARN : 0));
  const inProcess = {cpu: fc.nat(3), context: fc.constant<ContextName>('process')};
  return fc.oneof(
    {weight: 10, arbitrary: fc.record({k: fc.constant('alloc' as const), node: fc.integer({min: -1, max: 1}), order: fc.integer({min: 0, max: 10}), gfp, ...inProcess})},
    {weight: 2, arbitrary: fc.record({k: fc.constant('hog' as const), count: fc.integer({min: 16, max: 4096}), order: fc.integer({min: 0, max: 4}), gfp, ...inProcess})},
    {weight: 8, arbitrary: fc.record({k: fc.constant('free' as const), pick: fc.nat(), ...where})},
    {weight: 1, arbitrary: fc.record({k: fc.constant('wrong' as const), kind: fc.constantFrom(...WRONG_FREES), pick: fc.nat(), ...where})},
    {weight: 2, arbitrary: fc.record({k: fc.constant('read' as const), pages: fc.integer({min: 1, max: 8192}), ...inProcess})},
    {weight: 2, arbitrary: fc.record({k: fc.constant('tick' as const), n: fc.integer({min: 1, max: 4})})},
    {weight: 1, arbitrary: fc.constant({k: 'drain' as const})},
    {weight: 1, arbitrary: fc.record({k: fc.constant('drop' as const), cpu: fc.nat(3)})},
  );
})();

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
const SEED = Number(process.env.PROPERTY_SEED ?? 20240601);

describe('random operation sequences keep the buddy allocator consistent', () => {
  test('check() holds after every operation, wrong frees change nothing, freeing everything gives every page back', () => {
    fc.assert(
      fc.property(specArb, fc.array(opArb, {maxLength: 200, size: 'large'}), (spec, ops) => runSequence(spec, ops)),
      {numRuns: RUNS, seed: SEED},
    );
    if (process.env.PROPERTY_VERBOSE) console.log('after freeing everything:', JSON.stringify(tally));
    // The generators must reach what the property claims to cover, or it checks less than it says (with enough
    // runs to expect it: a PROPERTY_RUNS=1 probe may legitimately miss them).
    if (RUNS < 30) return;
    expect(tally.steals).toBeGreaterThan(0);
    expect(tally.directReclaims).toBeGreaterThan(0);
    expect(tally.highatomicReserved).toBeGreaterThan(0);
  });

  test('movable allocations only: freeing everything gives back the exact boot state', () => {
    const untouchedBefore = tally.untouched;
    const runsBefore = tally.runs;
    fc.assert(
      fc.property(specArb, fc.array(movableOpArb, {maxLength: 120, size: 'large'}), (spec, ops) => runSequence(spec, ops)),
      {numRuns: Math.ceil(RUNS / 3), seed: SEED + 1},
    );
    // runSequence() compares the exact snapshots when the run stayed on the Movable lists: every run here.
    expect(tally.untouched - untouchedBefore).toBe(tally.runs - runsBefore);
  });
});
