// Random slab workloads on small machines, SLUB and classic SLAB alike: after every operation check() (which
// includes checkSlab) finds nothing wrong; a bad kfree (double free, a pointer into an object, a random page) is
// reported and changes nothing; kmem_cache_destroy with live objects is refused; other users of pages (a hog)
// push the slabs into allocation failures and fallbacks; and once everything is freed,
// every cache shrunk, the per-CPU page lists drained and the page cache dropped, the buddy allocator has every
// page it had at boot.
import fc from 'fast-check';
import {describe, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {CONTEXTS, type ContextName} from '../../source/kernel/context.js';
import {GFP_ATOMIC, GFP_DMA, GFP_KERNEL, __GFP_ACCOUNT, __GFP_NOWARN, __GFP_RECLAIMABLE} from '../../source/kernel/gfp.js';
import {Machine, ZERO_SIZE_PTR} from '../../source/kernel/machine.js';
import {PAGE_SIZE} from '../../source/kernel/page-alloc/types.js';
import {cacheFigures} from '../../source/kernel/slab/figures.js';
import {SLAB_CACHE_DMA, SLAB_HWCACHE_ALIGN, SLAB_RECLAIM_ACCOUNT} from '../../source/kernel/slab/geometry.js';

const MiB = 1024 * 1024;
const MODELS = ['slub', 'slab'] as const;
type Model = (typeof MODELS)[number];

// ---- operations -----------------------------------------------------------------------------------------------

const GFPS = [
  GFP_KERNEL,
  GFP_ATOMIC,
  GFP_KERNEL | GFP_DMA,
  GFP_ATOMIC | GFP_DMA,
  GFP_KERNEL | __GFP_RECLAIMABLE,
  GFP_KERNEL | __GFP_ACCOUNT,
  GFP_ATOMIC | __GFP_ACCOUNT,
  GFP_KERNEL | __GFP_NOWARN,
];

const sizeArb = fc.oneof(
  {weight: 6, arbitrary: fc.integer({min: 0, max: 10000})},
  {weight: 2, arbitrary: fc.integer({min: 1, max: 256})},
  // Class edges, the largest kmalloc cache and the first kmalloc_large size.
  {weight: 2, arbitrary: fc.constantFrom(0, 8, 9, 96, 97, 192, 193, 4096, 4097, 8192, 8193)},
);

const where = {cpu: fc.nat(3), context: fc.constantFrom<ContextName>(...CONTEXTS)};
const BAD_FREES = ['double', 'plus8', 'page'] as const;
type BadFree = (typeof BAD_FREES)[number];

type Op =
  | {k: 'kmalloc'; size: number; gfp: number; cpu: number; context: ContextName}
  | {k: 'burst'; n: number; size: number; gfp: number; cpu: number; context: ContextName}
  | {k: 'kfree'; pick: number; cpu: number; context: ContextName}
  | {k: 'bad'; kind: BadFree; pick: number; cpu: number; context: ContextName}
  | {k: 'krealloc'; pick: number; size: number; gfp: number; cpu: number; context: ContextName}
  | {k: 'create'; size: number; align: number; flags: number; cpu: number; context: ContextName}
  | {k: 'calloc'; pick: number; n: number; gfp: number; cpu: number; context: ContextName}
  | {k: 'cfree'; pick: number; cpu: number; context: ContextName}
  | {k: 'shrink'; pick: number; cpu: number}
  | {k: 'destroy'; pick: number; cpu: number}
  | {k: 'tick'; n: number}
  | {k: 'hog'; order: number; n: number; cpu: number}
  | {k: 'unhog'; pick: number; n: number};

const gfpArb = fc.constantFrom(...GFPS);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {weight: 10, arbitrary: fc.record({k: fc.constant('kmalloc' as const), size: sizeArb, gfp: gfpArb, ...where})},
  {weight: 2, arbitrary: fc.record({k: fc.constant('burst' as const), n: fc.integer({min: 10, max: 300}), size: sizeArb, gfp: gfpArb, ...where})},
  {weight: 8, arbitrary: fc.record({k: fc.constant('kfree' as const), pick: fc.nat(), ...where})},
  {weight: 3, arbitrary: fc.record({k: fc.constant('bad' as const), kind: fc.constantFrom(...BAD_FREES), pick: fc.nat(), ...where})},
  {weight: 3, arbitrary: fc.record({k: fc.constant('krealloc' as const), pick: fc.nat(), size: sizeArb, gfp: gfpArb, ...where})},
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('create' as const),
      size: fc.oneof(fc.integer({min: 1, max: 512}), fc.integer({min: 513, max: 20000})),
      align: fc.constantFrom(0, 8, 64, 256),
      flags: fc.constantFrom(0, SLAB_HWCACHE_ALIGN, SLAB_RECLAIM_ACCOUNT, SLAB_CACHE_DMA, SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT),
      ...where,
    }),
  },
  {weight: 5, arbitrary: fc.record({k: fc.constant('calloc' as const), pick: fc.nat(), n: fc.integer({min: 1, max: 80}), gfp: gfpArb, ...where})},
  {weight: 4, arbitrary: fc.record({k: fc.constant('cfree' as const), pick: fc.nat(), ...where})},
  {weight: 1, arbitrary: fc.record({k: fc.constant('shrink' as const), pick: fc.nat(), cpu: fc.nat(3)})},
  {weight: 1, arbitrary: fc.record({k: fc.constant('destroy' as const), pick: fc.nat(), cpu: fc.nat(3)})},
  {weight: 2, arbitrary: fc.record({k: fc.constant('tick' as const), n: fc.integer({min: 1, max: 25})})},
  // Memory pressure: other users take pages (up to all of them), so slabs fail or fall back to smaller orders.
  {weight: 1, arbitrary: fc.record({k: fc.constant('hog' as const), order: fc.integer({min: 0, max: 10}), n: fc.integer({min: 1, max: 600}), cpu: fc.nat(3)})},
  {weight: 1, arbitrary: fc.record({k: fc.constant('unhog' as const), pick: fc.nat(), n: fc.integer({min: 1, max: 600})})},
);

const specArb = fc.record({
  mib: fc.integer({min: 64, max: 512}),
  nodes: fc.integer({min: 1, max: 2}),
  cpus: fc.integer({min: 1, max: 4}),
});

// ---- the run --------------------------------------------------------------------------------------------------

type UserCache = {ptr: bigint; objs: bigint[]};

/** What the test holds: kmalloc objects, user caches with their objects, and every address it ever freed. */
class World {
  readonly kmallocs: bigint[] = [];
  readonly caches: UserCache[] = [];
  readonly live = new Set<bigint>();
  readonly freed: bigint[] = [];
  /** Page blocks other users hold. */
  readonly hogged: {pfn: number; order: number}[] = [];

  constructor(readonly m: Machine) {}

  hold(addr: bigint, size: number, list: bigint[]): string | undefined {
    if (addr === 0n) return undefined;
    if (size === 0) return addr === ZERO_SIZE_PTR ? undefined : `kmalloc(0) gave ${addr.toString(16)}, not ZERO_SIZE_PTR`;
    if (this.live.has(addr)) return `an allocation returned ${addr.toString(16)}, which is live`;
    if (this.m.ksize(addr) < size) return `an object of ${size} bytes at ${addr.toString(16)} has ksize ${this.m.ksize(addr)}`;
    this.live.add(addr);
    list.push(addr);
    return undefined;
  }

  /** Take element pick of list out of it (swap-remove). */
  take(list: bigint[], pick: number): bigint | undefined {
    if (list.length === 0) return undefined;
    const k = pick % list.length;
    const a = list[k];
    list[k] = list[list.length - 1];
    list.pop();
    return a;
  }

  release(addr: bigint): void {
    this.live.delete(addr);
    this.freed.push(addr);
  }
}

/** Everything a bad free must leave alone: every cache's figures and the buddy allocator's free counts. */
function snapshot(m: Machine): string {
  const caches = m.slab.caches.map((c) => ({f: cacheFigures(c, m.slab.model.name), inuse: c.inuse, stats: c.stats}));
  const zones = m.pa.zones.map((z) => [z.freePages, Array.from(z.nrFree), Array.from(z.pcpCount)]);
  return JSON.stringify({caches, zones, large: m.slab.largePages, pages: m.slab.slabPages});
}

/** An address kfree() must refuse, or undefined when this state offers none of the kind. */
function badAddress(w: World, kind: BadFree, pick: number): bigint | undefined {
  const m = w.m;
  let a: bigint | undefined;
  if (kind === 'double') a = w.freed.length ? w.freed[pick % w.freed.length] : undefined;
  else if (kind === 'plus8') {
    const all = [...w.live];
    a = all.length ? all[pick % all.length] + 8n : undefined;
  } else {
    const pfn = pick % Math.floor(m.config.memory / PAGE_SIZE);
    a = m.physToVirt(pfn * PAGE_SIZE + (((pick >>> 8) % 512) * 8) * (pick & 1));
  }
  // Anything the test holds is someone's: freeing it would be a legitimate kfree.
  return a === undefined || w.live.has(a) ? undefined : a;
}

function apply(w: World, op: Op): string | undefined {
  const m = w.m;
  if (op.k === 'tick') {
    for (let i = 0; i < op.n; i++) m.step();
    return undefined;
  }
  if (op.k === 'unhog') {
    for (let i = 0; i < op.n && w.hogged.length > 0; i++) {
      const k = (op.pick + i * 7919) % w.hogged.length;
      const b = w.hogged[k];
      w.hogged[k] = w.hogged[w.hogged.length - 1];
      w.hogged.pop();
      if (!m.freePagesPfn(m.ctx(), b.pfn, b.order)) return `a hogged block at ${b.pfn} could not be freed`;
    }
    return undefined;
  }
  const ctx = m.ctx(op.cpu % m.nrCpus, 'context' in op ? op.context : 'process');
  switch (op.k) {
    case 'hog':
      for (let i = 0; i < op.n; i++) {
        const r = m.allocPagesNode(ctx, -1, GFP_ATOMIC | __GFP_NOWARN, op.order);
        if (r.pfn < 0) break;
        w.hogged.push({pfn: r.pfn, order: op.order});
      }
      return undefined;
    case 'kmalloc':
      return w.hold(m.kmalloc(ctx, op.size, op.gfp).addr, op.size, w.kmallocs);
    case 'burst':
      for (let i = 0; i < op.n; i++) {
        const why = w.hold(m.kmalloc(ctx, op.size, op.gfp | __GFP_NOWARN).addr, op.size, w.kmallocs);
        if (why) return why;
      }
      return undefined;
    case 'kfree': {
      const a = w.take(w.kmallocs, op.pick);
      if (a === undefined) return undefined;
      if (!m.kfree(ctx, a)) return `kfree of the live object ${a.toString(16)} was refused`;
      w.release(a);
      return undefined;
    }
    case 'bad': {
      const a = badAddress(w, op.kind, op.pick);
      if (a === undefined) return undefined;
      const before = snapshot(m);
      const seq = m.events.count;
      if (m.kfree(ctx, a)) return `kfree(${a.toString(16)}) (${op.kind}) was taken`;
      const said = m.events.since(seq).filter((e) => e.kind === 'bug' || e.kind === 'warning');
      if (said.length === 0) return `kfree(${a.toString(16)}) (${op.kind}) was refused without a report`;
      if (snapshot(m) !== before) return `kfree(${a.toString(16)}) (${op.kind}) changed the allocator`;
      return undefined;
    }
    case 'krealloc': {
      const a = w.take(w.kmallocs, op.pick) ?? 0n;
      const r = m.krealloc(ctx, a, op.size, op.gfp).addr;
      if (a !== 0n) {
        if (r === 0n && op.size > 0) {
          w.kmallocs.push(a); // failed: the old object stays
          return undefined;
        }
        w.release(a);
      }
      return w.hold(r, op.size, w.kmallocs);
    }
    case 'create': {
      const ptr = m.kmemCacheCreate(ctx, `user${w.caches.length}`, op.size, op.align, op.flags);
      if (ptr === 0n) return op.context === 'process' ? 'kmem_cache_create in process context failed' : undefined;
      if (op.context !== 'process') return 'kmem_cache_create in interrupt context succeeded';
      w.caches.push({ptr, objs: []});
      return undefined;
    }
    case 'calloc': {
      if (w.caches.length === 0) return undefined;
      const uc = w.caches[op.pick % w.caches.length];
      const size = m.cacheOf(uc.ptr)!.objectSize;
      for (let i = 0; i < op.n; i++) {
        const why = w.hold(m.kmemCacheAlloc(ctx, uc.ptr, op.gfp).addr, size, uc.objs);
        if (why) return why;
      }
      return undefined;
    }
    case 'cfree': {
      if (w.caches.length === 0) return undefined;
      const uc = w.caches[op.pick % w.caches.length];
      for (let i = 0; i < 1 + (op.pick % 20); i++) {
        const a = w.take(uc.objs, op.pick >>> 5);
        if (a === undefined) break;
        if (!m.kmemCacheFree(ctx, uc.ptr, a)) return `kmem_cache_free of the live object ${a.toString(16)} was refused`;
        w.release(a);
      }
      return undefined;
    }
    case 'shrink': {
      if (w.caches.length === 0) {
        // A kmalloc cache, through the SlabAllocator.
        const cs = m.slab.caches.filter((c) => c.kmalloc);
        m.slab.shrinkCache(cs[op.pick % cs.length], ctx);
        return undefined;
      }
      m.kmemCacheShrink(ctx, w.caches[op.pick % w.caches.length].ptr);
      return undefined;
    }
    case 'destroy': {
      if (w.caches.length === 0) return undefined;
      const k = op.pick % w.caches.length;
      const uc = w.caches[k];
      const seq = m.events.count;
      const ok = m.kmemCacheDestroy(ctx, uc.ptr);
      if (uc.objs.length > 0) {
        if (ok) return `kmem_cache_destroy with ${uc.objs.length} live objects succeeded`;
        if (!m.events.since(seq).some((e) => e.kind === 'bug')) return 'kmem_cache_destroy with live objects was refused without a report';
        if (!m.cacheOf(uc.ptr)) return 'a refused kmem_cache_destroy removed the cache';
        return undefined;
      }
      if (!ok) return 'kmem_cache_destroy of an empty cache was refused';
      if (m.cacheOf(uc.ptr)) return 'a destroyed cache is still found';
      w.caches.splice(k, 1);
      return undefined;
    }
  }
}

function totalFree(m: Machine): number {
  return m.pa.zones.reduce((a, z) => a + z.freePages, 0);
}

/** Free everything the test holds, shrink every cache, drain and drop: the buddy allocator must have every page. */
function teardown(w: World): string | undefined {
  const m = w.m;
  const ctx = m.ctx(0);
  for (const b of w.hogged) if (!m.freePagesPfn(ctx, b.pfn, b.order)) return `teardown: the hogged block at ${b.pfn} could not be freed`;
  for (const a of w.kmallocs) if (!m.kfree(ctx, a)) return `teardown: kfree(${a.toString(16)}) refused`;
  for (const uc of w.caches) {
    for (const a of uc.objs) if (!m.kmemCacheFree(ctx, uc.ptr, a)) return `teardown: kmem_cache_free(${a.toString(16)}) refused`;
    m.kmemCacheShrink(ctx, uc.ptr);
  }
  for (const c of m.slab.caches) if (c.kmalloc) m.slab.shrinkCache(c, ctx);
  let bad = check(m);
  if (bad.length) return `teardown: ${bad.join('; ')}`;
  for (const c of m.slab.caches) if (c.inuse !== 0 || c.nodes.some((n) => n.nrSlabs !== 0)) return `teardown: ${c.name} still has objects or slabs`;
  for (const uc of w.caches) if (!m.kmemCacheDestroy(ctx, uc.ptr)) return 'teardown: kmem_cache_destroy of an empty cache refused';
  m.drainAllPages();
  m.dropCaches(ctx);
  bad = check(m);
  if (bad.length) return `teardown: ${bad.join('; ')}`;
  if (m.slab.largePages !== 0 || m.slab.slabPages.some(([a, b]) => a !== 0 || b !== 0)) return 'teardown: slab or kmalloc_large pages remain';
  return undefined;
}

function run(model: Model, spec: {mib: number; nodes: number; cpus: number}, ops: readonly Op[]): string | undefined {
  const r = Machine.boot({memory: spec.mib * MiB, nodes: spec.nodes, cpus: spec.cpus, slab: model}, 11);
  if (!r.ok) throw new Error(`boot failed: ${r.error.message}`);
  const m = r.machine;
  const bootFree = totalFree(m);
  const w = new World(m);
  for (const [i, op] of ops.entries()) {
    const why = apply(w, op);
    if (why) return `op ${i} ${JSON.stringify(op)}: ${why}`;
    const bad = check(m);
    if (bad.length) return `after op ${i} ${JSON.stringify(op)}:\n${bad.slice(0, 20).join('\n')}`;
  }
  const why = teardown(w);
  if (why) return why;
  if (totalFree(m) !== bootFree) return `after teardown ${totalFree(m)} pages are free, ${bootFree} at boot`;
  return undefined;
}

describe.each(MODELS)('the %s model under random workloads', (model) => {
  test('check() holds after every operation, bad frees change nothing, teardown gives every page back', () => {
    fc.assert(
      fc.property(specArb, fc.array(opArb, {minLength: 10, maxLength: 100, size: 'max'}), (spec, ops) => {
        const why = run(model, spec, ops);
        if (why) throw new Error(why);
      }),
      {numRuns: Number(process.env.PROPERTY_RUNS ?? 80), seed: Number(process.env.PROPERTY_SEED ?? 20240603)},
    );
  });
});
