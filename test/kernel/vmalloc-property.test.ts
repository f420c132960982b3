// Random vmalloc sequences on small machines (DESIGN §6): after every operation check() finds nothing wrong; bad
// vfrees and iounmaps change nothing; freeing everything, a tick and a purge give the region back as one free range
// with no PTE mapped, and the page allocator every page but the page-table pages (which stay, as in the kernel).
//
// The machines are x86_64 (1-2 nodes) and i386 with 128 MiB - 1 GiB and 1-4 CPUs, and regions from 12 MiB (i386
// vmalloc=32M on 1 GiB) up to x86_64's 32 TiB, so that small regions run out. Now and then the page allocator is
// drained (alloc_pages until it fails, a few pages given back) so that vmalloc fails part way through its pages or
// its page tables, and the failure path must give back what it took.
import fc from 'fast-check';
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import type {MachineSpec} from '../../source/kernel/config.js';
import type {ContextName} from '../../source/kernel/context.js';
import {__GFP_NOWARN, __GFP_ZERO, GFP_KERNEL, GFP_NOWAIT} from '../../source/kernel/gfp.js';
import type {Machine} from '../../source/kernel/machine.js';
import {MAX_ORDER, PAGE_SIZE} from '../../source/kernel/page-alloc/types.js';
import {boot, K, M} from '../helpers.js';

// ---- machines -------------------------------------------------------------------------------------------------

const specArb: fc.Arbitrary<MachineSpec> = fc.oneof(
  fc
    .record({
      profile: fc.constantFrom('x86_64' as const, 'i386' as const),
      mib: fc.oneof({weight: 3, arbitrary: fc.integer({min: 128, max: 256})}, {weight: 1, arbitrary: fc.integer({min: 257, max: 1024})}),
      nodes: fc.integer({min: 1, max: 2}),
      cpus: fc.integer({min: 1, max: 4}),
      // x86_64: the default 32 TiB or a small region that runs out; i386: vmalloc= moves lowmem's end (1G - vmalloc).
      x86Vmalloc: fc.constantFrom(undefined, 16 * M, 64 * M, 256 * M),
      i386Vmalloc: fc.constantFrom(undefined, 16 * M, 24 * M, 32 * M, 256 * M),
    })
    .map(({profile, mib, nodes, cpus, x86Vmalloc, i386Vmalloc}): MachineSpec => {
      const memory = mib * M;
      return profile === 'i386' ? {profile, memory, cpus, vmalloc: i386Vmalloc} : {profile, memory, nodes, cpus, vmalloc: x86Vmalloc};
    }),
  // i386 near 1 GiB with a small vmalloc=: the region is as small as asked and runs out.
  fc
    .record({mib: fc.integer({min: 960, max: 1024}), cpus: fc.integer({min: 1, max: 4}), vmalloc: fc.constantFrom(16 * M, 20 * M, 24 * M, 28 * M, 32 * M)})
    .map(({mib, cpus, vmalloc}): MachineSpec => ({profile: 'i386', memory: mib * M, cpus, vmalloc})),
);

// ---- operations -----------------------------------------------------------------------------------------------

/** 1 byte .. 8 MiB, mostly small. */
const sizeArb = fc.oneof(
  {weight: 4, arbitrary: fc.integer({min: 1, max: 4 * K})},
  {weight: 3, arbitrary: fc.integer({min: 4 * K + 1, max: 256 * K})},
  {weight: 1, arbitrary: fc.integer({min: 256 * K + 1, max: 8 * M})},
);
const freeCtxArb = fc.constantFrom<ContextName>('process', 'process', 'softirq', 'hardirq');

const opArb = fc.oneof(
  {weight: 8, arbitrary: fc.record({op: fc.constant('vmalloc' as const), how: fc.constantFrom('vmalloc', 'vzalloc', 'vmalloc_node'), size: sizeArb, cpu: fc.nat(), node: fc.integer({min: -1, max: 1})})},
  {weight: 6, arbitrary: fc.record({op: fc.constant('vfree' as const), pick: fc.nat(), cpu: fc.nat(), context: freeCtxArb})},
  {weight: 2, arbitrary: fc.record({op: fc.constant('badFree' as const), how: fc.constantFrom('double', 'random', 'inside', 'outside', 'ioremap', 'iounmap', 'null'), pick: fc.nat(), page: fc.nat()})},
  {weight: 2, arbitrary: fc.record({op: fc.constant('ioremap' as const), offset: fc.integer({min: 0, max: 512 * M}), size: fc.integer({min: 1, max: 2 * M})})},
  {weight: 2, arbitrary: fc.record({op: fc.constant('kvmalloc' as const), size: sizeArb, cpu: fc.nat()})},
  {weight: 2, arbitrary: fc.record({op: fc.constant('stack' as const), cpu: fc.nat()})},
  {weight: 3, arbitrary: fc.record({op: fc.constant('tick' as const), n: fc.integer({min: 1, max: 3})})},
  {weight: 1, arbitrary: fc.record({op: fc.constant('pressure' as const), leave: fc.integer({min: 0, max: 300}), size: fc.integer({min: 1, max: 4 * M})})},
  {weight: 1, arbitrary: fc.record({op: fc.constant('relieve' as const)})},
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

// ---- the model: what the test holds -------------------------------------------------------------------------

type Kind = 'vmalloc' | 'ioremap' | 'kvmalloc' | 'stack';
type Held = {readonly addr: bigint; readonly kind: Kind; readonly size: number};

type World = {
  readonly m: Machine;
  readonly held: Held[];
  /** Addresses handed back, for double frees (skipped once a new area reuses one). */
  readonly freed: bigint[];
  /** Blocks taken from the page allocator to make it run dry. */
  readonly pressure: {pfn: number; order: number}[];
};

/** What a bad free must leave alone. */
function snapshot(m: Machine): string {
  const vm = m.vm;
  return JSON.stringify({
    free: vm.space.freeRanges(),
    busy: [...vm.space.busy.values()].map((a) => [a.start, a.pages, a.mapped, a.pfns.length]),
    lazy: vm.lazyPages,
    unpurged: vm.unpurged.length,
    pt: [vm.pt.ptesSet, vm.pt.ptesCleared, vm.pt.mapped, vm.pt.pages],
    pages: m.pa.zones.map((z) => z.freePages),
  });
}

/** vfree, iounmap, kvfree or free_thread_stack, as the kind needs. */
function release(w: World, h: Held, ctx: ReturnType<Machine['ctx']>): boolean {
  const {m} = w;
  switch (h.kind) {
    case 'vmalloc':
      return m.vfree(ctx, h.addr);
    case 'ioremap':
      return m.iounmap(ctx, h.addr);
    case 'kvmalloc':
      return m.kvfree(ctx, h.addr);
    case 'stack':
      return m.freeKernelStack(ctx, h.addr);
  }
}

function run(w: World, op: Op): void {
  const {m, held, freed} = w;
  const cpu = 'cpu' in op ? op.cpu % m.nrCpus : 0;
  switch (op.op) {
    case 'vmalloc': {
      const gfp = op.how === 'vzalloc' ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL;
      const nid = op.how === 'vmalloc_node' ? Math.min(op.node, m.pa.nodes.length - 1) : -1;
      const r = m.vmalloc(m.ctx(cpu), op.size, gfp, nid);
      if (r.addr === 0n) return;
      const a = m.vm.areaAt(r.addr);
      expect(a?.nrPages).toBe(Math.ceil(op.size / PAGE_SIZE));
      held.push({addr: r.addr, kind: 'vmalloc', size: op.size});
      return;
    }
    case 'kvmalloc': {
      const r = m.kvmalloc(m.ctx(cpu), op.size, GFP_KERNEL);
      if (r.addr !== 0n) held.push({addr: r.addr, kind: 'kvmalloc', size: op.size});
      return;
    }
    case 'stack': {
      const r = m.allocKernelStack(m.ctx(cpu));
      if (r.addr !== 0n) held.push({addr: r.addr, kind: 'stack', size: 16 * K});
      return;
    }
    case 'ioremap': {
      // Device memory: above the end of RAM, never RAM itself.
      const r = m.ioremap(m.ctx(), m.config.memory + op.offset, op.size);
      if (r !== 0n) held.push({addr: r, kind: 'ioremap', size: op.size});
      return;
    }
    case 'vfree': {
      if (held.length === 0) return;
      const h = held.splice(op.pick % held.length, 1)[0];
      const atomic = op.context !== 'process';
      expect(release(w, h, m.ctx(cpu, op.context))).toBe(true);
      if (m.vm.contains(h.addr)) {
        // From interrupt context vfree_atomic() leaves the area mapped until the tick ends; iounmap is at once.
        const mapped = m.vm.areaAt(h.addr - (h.addr % BigInt(PAGE_SIZE))) !== undefined;
        expect(mapped).toBe(atomic && h.kind !== 'ioremap');
        freed.push(h.addr);
      }
      return;
    }
    case 'badFree':
      return badFree(w, op);
    case 'tick':
      for (let i = 0; i < op.n; i++) m.step();
      return;
    case 'pressure': {
      // alloc_pages until it fails, largest blocks first (a few hundred calls, not a quarter million).
      if (w.pressure.length > 0) return;
      for (let order = MAX_ORDER; order >= 0; order--) {
        for (;;) {
          const r = m.allocPages(m.ctx(), GFP_NOWAIT | __GFP_NOWARN, order);
          if (r.pfn < 0) break;
          w.pressure.push({pfn: r.pfn, order});
        }
      }
      // Then `leave` pages back: one large block freed, all but `leave` of its pages taken again one by one.
      const i = w.pressure.findIndex((b) => 1 << b.order >= op.leave);
      if (i >= 0) {
        const b = w.pressure.splice(i, 1)[0];
        m.freePagesPfn(m.ctx(), b.pfn, b.order);
        for (let n = (1 << b.order) - op.leave; n > 0; n--) {
          const r = m.allocPages(m.ctx(), GFP_NOWAIT | __GFP_NOWARN, 0);
          if (r.pfn < 0) break;
          w.pressure.push({pfn: r.pfn, order: 0});
        }
      }
      // Most often more than is left: vmalloc takes what it can, fails and gives it back.
      const r = m.vmalloc(m.ctx(), op.size);
      if (r.addr !== 0n) held.push({addr: r.addr, kind: 'vmalloc', size: op.size});
      return;
    }
    case 'relieve':
      for (const b of w.pressure.splice(0)) m.freePagesPfn(m.ctx(), b.pfn, b.order);
      return;
  }
}

/** A vfree or iounmap of something that is not a live area of its kind: a warning (or nothing), no change. */
function badFree(w: World, op: Extract<Op, {op: 'badFree'}>): void {
  const {m, held, freed} = w;
  const vm = m.vm;
  const live = new Set(held.map((h) => h.addr));
  const vmHeld = held.filter((h) => h.kind !== 'ioremap' && vm.contains(h.addr));
  let addr: bigint;
  let fn: 'vfree' | 'iounmap' = 'vfree';
  switch (op.how) {
    case 'double':
      if (freed.length === 0) return;
      addr = freed[op.pick % freed.length];
      break;
    case 'random':
      addr = vm.start + BigInt((op.page % Math.max(1, vm.pages)) * PAGE_SIZE);
      break;
    case 'inside':
      // Not the start of the area: vfree() wants the address vmalloc() returned.
      if (vmHeld.length === 0) return;
      addr = vmHeld[op.pick % vmHeld.length].addr + BigInt(1 + (op.page % (vmHeld[op.pick % vmHeld.length].size - 1 || 1)));
      break;
    case 'outside':
      addr = vm.end + BigInt(op.page % 4096) * BigInt(PAGE_SIZE);
      break;
    case 'ioremap': {
      const io = held.filter((h) => h.kind === 'ioremap');
      if (io.length === 0) return;
      addr = io[op.pick % io.length].addr;
      break;
    }
    case 'iounmap':
      if (vmHeld.length === 0) return;
      addr = vmHeld[op.pick % vmHeld.length].addr;
      fn = 'iounmap';
      break;
    case 'null':
      addr = 0n;
      break;
  }
  // The start of a live area would be a good free (an area freed from interrupt context this tick is not live).
  if (op.how !== 'ioremap' && op.how !== 'iounmap' && live.has(addr)) return;
  const before = snapshot(m);
  const events = m.events.count;
  const ok = fn === 'vfree' ? m.vfree(m.ctx(), addr) : m.iounmap(m.ctx(), addr);
  expect(ok).toBe(false);
  expect(snapshot(m)).toBe(before);
  expect(m.events.count - events).toBe(addr === 0n ? 0 : 1);
}

/** Everything back: every area freed, a tick for the deferred frees, a purge. */
function teardown(w: World): void {
  const {m} = w;
  for (const b of w.pressure.splice(0)) m.freePagesPfn(m.ctx(), b.pfn, b.order);
  for (const h of w.held.splice(0)) expect(release(w, h, m.ctx())).toBe(true);
  m.step();
  m.vm.purge(0);
  expect(check(m)).toEqual([]);
  const vm = m.vm;
  expect(vm.space.freeRanges()).toEqual([{start: 0, end: vm.pages}]);
  expect(vm.space.busy.size).toBe(0);
  expect([vm.lazyPages, vm.unpurged.length, vm.pt.mapped]).toEqual([0, 0, 0]);
  // The slab caches kvmalloc used keep their empty slabs until shrunk; the per-CPU lists keep pages until drained.
  for (const c of m.slab.caches) m.slab.shrinkCache(c, m.ctx());
  m.drainAllPages();
  const allocated = m.pa.zones.reduce((a, z) => a + z.managed - z.freePages, 0);
  expect(allocated).toBe(vm.pt.pages);
}

// ---- the properties -------------------------------------------------------------------------------------------

describe('vmalloc under random operations', () => {
  test('check() holds after every operation, bad frees change nothing, freeing everything gives the region and the pages back', () => {
    fc.assert(
      fc.property(specArb, fc.array(opArb, {minLength: 10, maxLength: 50, size: 'max'}), fc.integer({min: 1, max: 1000}), (spec, ops, seed) => {
        const m = boot(spec, seed);
        expect(m.vm.pages).toBeGreaterThan(0);
        const w: World = {m, held: [], freed: [], pressure: []};
        for (const op of ops) {
          run(w, op);
          const lines = check(m);
          if (lines.length > 0) throw new Error(`after ${JSON.stringify(op)}:\n${lines.join('\n')}`);
        }
        teardown(w);
      }),
      {numRuns: Number(process.env.PROPERTY_RUNS ?? 100), seed: Number(process.env.PROPERTY_SEED ?? 20240602)},
    );
  });

  test('a page table that cannot be had: the pages go back, the area waits for the purge', () => {
    // Leave exactly three pages: vmalloc(8K) takes two for data and one for the PUD, and finds none for the PMD.
    const m = boot({memory: 256 * M, cpus: 1});
    const gfp = GFP_KERNEL | __GFP_NOWARN;
    const taken: {pfn: number; order: number}[] = [];
    for (let order = MAX_ORDER; order >= 0; order--) {
      for (let r = m.allocPages(m.ctx(), gfp, order); r.pfn >= 0; r = m.allocPages(m.ctx(), gfp, order)) taken.push({pfn: r.pfn, order});
    }
    const big = taken.find((b) => b.order >= 2)!;
    m.freePagesPfn(m.ctx(), big.pfn, big.order);
    for (let n = (1 << big.order) - 3; n > 0; n--) expect(m.allocPages(m.ctx(), gfp, 0).pfn).toBeGreaterThanOrEqual(0);
    expect(m.vmalloc(m.ctx(), 8 * K).addr).toBe(0n);
    // The page-table page's own warn_alloc comes first; vmalloc's warn_alloc shares its 10 s ratelimit.
    expect(m.events.all().at(-1)!.text).toContain('page allocation failure: order:0, mode:0xdc0(GFP_KERNEL|__GFP_ZERO)');
    for (let i = 0; i < 50; i++) m.step();
    expect(m.vm.pt.tables.map((t) => t.size)).toEqual([1, 0, 0]);
    expect(m.vm.unpurged.map((a) => [a.start, a.pages, a.mapped])).toEqual([[0, 3, false]]);
    expect(check(m)).toEqual([]);
    // The two data pages are free again: a second try gets them back and fails at the same table.
    expect(m.vmalloc(m.ctx(), 8 * K).addr).toBe(0n);
    expect(m.events.all().slice(-2).map((e) => e.text)).toEqual([
      'warn_alloc: 1 callbacks suppressed',
      'kcall: page allocation failure: order:0, mode:0xdc0(GFP_KERNEL|__GFP_ZERO), nodemask=(null),cpuset=/,mems_allowed=0',
    ]);
    expect(m.vm.unpurged.map((a) => a.start)).toEqual([0, 3]);
    expect(check(m)).toEqual([]);
  });

  test('a small region runs out, is purged when an allocation finds no room, and comes back whole', () => {
    // i386 with vmalloc=32M on 1 GiB: a 12 MiB region; 1 MiB areas until it is full, then free and reallocate.
    const m = boot({profile: 'i386', memory: 1024 * M, cpus: 2, vmalloc: 32 * M});
    const held: bigint[] = [];
    for (;;) {
      const r = m.vmalloc(m.ctx(), 1 * M);
      if (r.addr === 0n) break;
      held.push(r.addr);
    }
    expect(held.length).toBe(Math.floor(m.vm.pages / 257));
    expect(check(m)).toEqual([]);
    for (const a of held.splice(0)) m.vfree(m.ctx(), a);
    expect(m.vm.space.freePages()).toBeLessThan(257);
    // The next allocation finds no room, purges the lazy areas and fits.
    expect(m.vmalloc(m.ctx(), 1 * M).addr).toBe(m.vm.start);
    expect(m.vm.stats.purges).toBe(1);
    expect(check(m)).toEqual([]);
  });
});
