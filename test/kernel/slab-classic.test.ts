// mm/slab.c (classic SLAB, before 6.8) driven through the Machine: tunables as enable_cpucache() sets them and a
// SLAB kernel printed them in /proc/slabinfo, the three lists, array caches refilled and flushed by batchcount,
// the shared array, free_limit, cache_reap over ticks, and the slabinfo figures.
import {check} from '../../source/kernel/check.js';
import {describe, expect, test} from 'vitest';
import {GFP_KERNEL} from '../../source/kernel/gfp.js';
import type {Machine} from '../../source/kernel/machine.js';
import {Prng} from '../../source/kernel/prng.js';
import type {KmemCache} from '../../source/kernel/slab/cache.js';
import {cacheFigures, slabinfoLine} from '../../source/kernel/slab/figures.js';
import {
  BATCHREFILL_LIMIT,
  cacheReapDue,
  ClassicSlabModel,
  cpucacheTunables,
  REAPTIMEOUT_AC,
  REAPTIMEOUT_NODE,
  SLAB_HZ,
} from '../../source/kernel/slab/slab-classic.js';
import {boot, G} from '../helpers.js';

type Rig = {m: Machine; model: ClassicSlabModel; c: KmemCache; held: number[]};

/** A SLAB machine with a 64-byte cache: 64 objects in an order-0 slab, tunables 120 60 8 (0 with one CPU). */
function rig(cpus = 2, extra: Parameters<typeof boot>[0] = {}): Rig {
  const m = boot({memory: 1 * G, cpus, slab: 'slab', ...extra});
  const model = m.slab.model as ClassicSlabModel;
  const c = m.slab.createCache(m.ctx(0), 'test64', 64, 0, 0);
  if (!c) throw new Error('no cache');
  expect(c.geo.objects).toBe(64);
  return {m, model, c, held: []};
}

function alloc(r: Rig, n: number, cpu = 0): void {
  for (let i = 0; i < n; i++) {
    const obj = r.m.slab.cacheAlloc(r.c, r.m.ctx(cpu), GFP_KERNEL);
    expect(obj).toBeGreaterThanOrEqual(0);
    r.held.push(obj);
  }
}

/** Free the n objects allocated first (oldest first), on one CPU. */
function free(r: Rig, n: number, cpu = 0): void {
  for (const obj of r.held.splice(0, n)) expect(r.m.slab.cacheFree(r.c, r.m.ctx(cpu), obj)).toBe(true);
}

/** Node 0 as the kernel sees it, plus each CPU's array. */
function state(c: KmemCache, nid = 0) {
  const n = c.nodes[nid];
  return {
    partial: n.partial.count,
    full: n.full.count,
    free: n.free.count,
    freeObjects: n.freeObjects,
    shared: n.shared.length,
    arrays: c.cpus.map((ac) => ac.entries.length),
  };
}

function clean(r: Rig): void {
  expect(check(r.m)).toEqual([]);
  expect(r.c.inuse).toBe(r.held.length);
}

describe('enable_cpucache() tunables, as /proc/slabinfo printed them on SLAB kernels', () => {
  test.each([
    [8, 120, 60, 8],
    [64, 120, 60, 8],
    [256, 120, 60, 8],
    [512, 54, 27, 8],
    [1024, 54, 27, 8],
    [2048, 24, 12, 8],
    [4096, 24, 12, 8],
    [8192, 8, 4, 0],
  ])('kmalloc %i: limit %i batchcount %i sharedfactor %i on 2 CPUs', (size, limit, batchcount, shared) => {
    const m = boot({memory: 1 * G, cpus: 2, slab: 'slab'});
    const c = m.slab.kmallocCache(size, GFP_KERNEL);
    if (!c) throw new Error(`no kmalloc cache for ${size}`);
    const f = cacheFigures(c, 'slab');
    expect([f.limit, f.batchcount, f.sharedfactor]).toEqual([limit, batchcount, shared]);
    expect(c.cpus.map((ac) => [ac.limit, ac.batchcount])).toEqual([
      [limit, batchcount],
      [limit, batchcount],
    ]);
    // free_limit = (1 + nr_cpus_node) * batchcount + objects per slab; the shared array holds shared * batchcount.
    expect(c.nodes[0].freeLimit).toBe(3 * batchcount + c.geo.objects);
    expect(c.nodes[0].sharedLimit).toBe(shared * batchcount);
  });

  test('a uniprocessor has no shared array; objects above 128 KiB get an array of one', () => {
    const m = boot({memory: 1 * G, cpus: 1, slab: 'slab'});
    const c = m.slab.kmallocCache(64, GFP_KERNEL);
    if (!c) throw new Error('no kmalloc-64');
    expect([c.limit, c.batchcount, c.sharedFactor, c.nodes[0].sharedLimit]).toEqual([120, 60, 0, 0]);
    expect(c.nodes[0].freeLimit).toBe(2 * 60 + 64);
    expect(cpucacheTunables(256 * 1024, 4)).toEqual({limit: 1, batchcount: 1, shared: 0});
    expect(cpucacheTunables(131072, 4)).toEqual({limit: 8, batchcount: 4, shared: 0});
  });

  test('the slabinfo line of an empty kmalloc-64', () => {
    const m = boot({memory: 1 * G, cpus: 2, slab: 'slab'});
    const c = m.slab.kmallocCache(64, GFP_KERNEL);
    if (!c) throw new Error('no kmalloc-64');
    expect(slabinfoLine(cacheFigures(c, 'slab'))).toBe(
      'kmalloc-64             0      0     64   64    1 : tunables  120   60    8 : slabdata      0      0      0',
    );
  });
});

describe('cache_alloc_refill(): the array is refilled by batchcount, the slabs move between lists', () => {
  test('an untouched array takes BATCHREFILL_LIMIT objects of a new slab, which lands on slabs_partial', () => {
    const r = rig();
    alloc(r, 1);
    expect(state(r.c)).toEqual({partial: 1, full: 0, free: 0, freeObjects: 64 - BATCHREFILL_LIMIT, shared: 0, arrays: [BATCHREFILL_LIMIT - 1, 0]});
    expect(r.c.cpus[0].touched).toBe(true);
    const f = cacheFigures(r.c, 'slab');
    // active_objs counts what the array holds: the slab lent out 16 objects.
    expect([f.active_objs, f.num_objs, f.active_slabs, f.num_slabs, f.inuse_objs]).toEqual([16, 64, 1, 1, 1]); // 16 out of the slab, 15 of them waiting in the CPU array: one in use
    expect(r.c.inuse).toBe(1);
    clean(r);
  });

  test('a touched array takes batchcount: the partial slab fills and moves to slabs_full, then a new slab', () => {
    const r = rig();
    alloc(r, 16); // the first batch, used up
    expect(state(r.c).arrays).toEqual([0, 0]);
    alloc(r, 1); // batchcount 60, but the slab has 48 left: it goes full, nothing else to take
    expect(state(r.c)).toEqual({partial: 0, full: 1, free: 0, freeObjects: 0, shared: 0, arrays: [47, 0]});
    alloc(r, 47);
    alloc(r, 1); // cache_grow: a new slab gives 60 at once
    expect(state(r.c)).toEqual({partial: 1, full: 1, free: 0, freeObjects: 4, shared: 0, arrays: [59, 0]});
    expect(r.c.stats.slabsAllocated).toBe(2);
    clean(r);
  });

  test('objects come back LIFO: the last freed is the next allocated', () => {
    const r = rig();
    alloc(r, 3);
    const last = r.held[2];
    free(r, 3);
    alloc(r, 1);
    expect(r.held[0]).toBe(last);
    clean(r);
  });
});

describe('__cache_free(): the array, cache_flusharray() and free_block()', () => {
  test('with one CPU a full array gives its oldest batchcount objects back to their slabs', () => {
    const r = rig(1);
    alloc(r, 65); // slab A full (64 held), slab B lent 60, 1 held, 59 in the array
    expect(state(r.c)).toEqual({partial: 1, full: 1, free: 0, freeObjects: 4, shared: 0, arrays: [59]});
    free(r, 61); // the array reaches its limit
    expect(state(r.c)).toEqual({partial: 1, full: 1, free: 0, freeObjects: 4, shared: 0, arrays: [120]});
    free(r, 1); // cache_flusharray: B's 59 and A's first back to the slabs; A is no longer full
    expect(state(r.c)).toEqual({partial: 2, full: 0, free: 0, freeObjects: 64, shared: 0, arrays: [61]});
    free(r, 3); // all of A is in the array now, B's last object too
    expect(state(r.c).arrays).toEqual([64]);
    expect(r.held).toEqual([]);
    expect(r.m.slab.shrinkCache(r.c, r.m.ctx(0))).toBe(2); // drain: both slabs empty -> slabs_free -> destroyed
    expect(state(r.c)).toEqual({partial: 0, full: 0, free: 0, freeObjects: 0, shared: 0, arrays: [0]});
    clean(r);
  });

  test('with two CPUs a full array goes to the shared array, and the other CPU refills from it', () => {
    const r = rig(2);
    alloc(r, 65);
    free(r, 62);
    expect(state(r.c)).toEqual({partial: 1, full: 1, free: 0, freeObjects: 4, shared: 60, arrays: [61, 0]});
    expect(cacheFigures(r.c, 'slab').shared_avail).toBe(60);
    alloc(r, 1, 1); // CPU 1's untouched array takes 16 off the top of the shared array
    expect(state(r.c)).toEqual({partial: 1, full: 1, free: 0, freeObjects: 4, shared: 44, arrays: [61, 15]});
    clean(r);
  });

  test('a full shared array sends the batch to the slabs', () => {
    const r = rig(2);
    alloc(r, 640); // 10 slabs, all full, the array empty
    expect(state(r.c)).toEqual({partial: 0, full: 10, free: 0, freeObjects: 0, shared: 0, arrays: [0, 0]});
    free(r, 640);
    // Flushes at the 121st, 181st, ... free: eight fill the shared array (480), the ninth goes to the slabs
    // (frees 481..540, which empty no slab); 100 objects stay in the array.
    expect(state(r.c)).toEqual({partial: 2, full: 8, free: 0, freeObjects: 60, shared: 480, arrays: [100, 0]});
    clean(r);
  });

  test('free slabs are destroyed once the node holds more than free_limit free objects', () => {
    const r = rig(1); // free_limit = 2 * 60 + 64 = 184
    alloc(r, 640);
    expect(r.c.nodes[0].nrSlabs).toBe(10);
    free(r, 640);
    // Nine flushes of 60 give back frees 1..540: slabs 1-8 empty, slab 9 gets 28 back; from the fourth flush on,
    // each pushes free_objects past 184 and the oldest free slab (the tail of slabs_free) is destroyed.
    expect(state(r.c)).toEqual({partial: 1, full: 1, free: 2, freeObjects: 2 * 64 + 28, shared: 0, arrays: [100]});
    expect(r.c.stats.slabsFreed).toBe(6);
    expect(r.c.nodes[0].nrSlabs).toBe(4);
    clean(r);
  });
});

describe('cache_reap() over ticks', () => {
  test('the reap timetable: each CPU every REAPTIMEOUT_AC, skewed by CPU; 1 tick = 1/SLAB_HZ s', () => {
    expect([SLAB_HZ, REAPTIMEOUT_AC, REAPTIMEOUT_NODE]).toEqual([5, 10, 20]);
    const ticks = (cpu: number) => Array.from({length: 40}, (_, t) => t).filter((t) => cacheReapDue(cpu, t));
    expect(ticks(0)).toEqual([5, 15, 25, 35]);
    expect(ticks(1)).toEqual([6, 16, 26, 36]);
  });

  test('an idle CPU array gives back (limit + 4) / 5 objects per pass, a touched one is only marked', () => {
    const r = rig(1);
    alloc(r, 40);
    free(r, 40);
    expect(state(r.c).arrays).toEqual([64]); // 16 + 48 taken (the whole slab), 40 used, 40 back
    const arrays: number[] = [];
    for (let t = 1; t <= 75; t++) {
      r.m.step();
      if (cacheReapDue(0, t)) arrays.push(r.c.cpus[0].entries.length);
    }
    // tick 5: touched, only cleared; then 24 a pass, then half of what is left (rounded up) once under 24.
    expect(arrays).toEqual([64, 40, 16, 8, 4, 2, 1, 0]);
    clean(r);
  });

  test('the shared array is halved and free slabs go one per node reap, every REAPTIMEOUT_NODE', () => {
    const r = rig(2);
    alloc(r, 200);
    free(r, 200);
    const start = state(r.c);
    expect(start.shared).toBe(180);
    const changes: [number, number, number][] = [];
    let last = start.shared;
    for (let t = 1; t <= 200; t++) {
      r.m.step();
      const sh = r.c.nodes[0].shared.length;
      if (sh !== last) changes.push([t, sh, r.c.nodes[0].free.count]);
      last = sh;
      expect(check(r.m)).toEqual([]);
    }
    const ticks = changes.map(([t]) => t);
    expect(ticks.slice(1).map((t, i) => t - ticks[i])).toEqual(ticks.slice(1).map(() => REAPTIMEOUT_NODE));
    // drain_array(): (limit + 4) / 5 = 96 a pass; once that is more than it holds, half, rounded up.
    expect(changes.map(([, sh]) => sh)).toEqual([84, 42, 21, 10, 5, 2, 1, 0]);
    clean(r);
  });

  test('after a quiet while every array is empty and every slab is gone', () => {
    const r = rig(2);
    alloc(r, 300, 0);
    alloc(r, 100, 1);
    free(r, 150, 1);
    free(r, 250, 0);
    for (let t = 0; t < 1000; t++) r.m.step();
    expect(state(r.c)).toEqual({partial: 0, full: 0, free: 0, freeObjects: 0, shared: 0, arrays: [0, 0]});
    expect(r.c.nodes[0].nrSlabs).toBe(0);
    expect(cacheFigures(r.c, 'slab').num_slabs).toBe(0);
    clean(r);
  });

  test('a slab taken from slabs_free since the last node reap (free_touched) is spared once', () => {
    const r = rig(1);
    const ctx = r.m.ctx(0);
    alloc(r, 1);
    free(r, 1);
    r.m.slab.model.flush(r.c, ctx); // the slab is on slabs_free
    alloc(r, 1); // the refill finds no partial slab and takes the free one: free_touched
    free(r, 1);
    r.m.slab.model.flush(r.c, ctx);
    expect(state(r.c)).toEqual({partial: 0, full: 0, free: 1, freeObjects: 64, shared: 0, arrays: [0]});
    const countdown = r.c.nodes[0].nextReap;
    const first = Array.from({length: 100}, (_, t) => t).find((t) => t >= countdown && cacheReapDue(0, t)) as number;
    let gone = -1;
    for (let t = 1; t <= 100 && gone < 0; t++) {
      r.m.step();
      if (r.c.nodes[0].nrSlabs === 0) gone = t;
    }
    // The first node reap only clears free_touched; the next one destroys the slab.
    expect(gone).toBe(first + REAPTIMEOUT_NODE);
    clean(r);
  });
});

describe('slabinfo figures', () => {
  test('active_objs and active_slabs count what the slabs lent out, arrays included', () => {
    const r = rig(2);
    alloc(r, 200);
    free(r, 100);
    const f = cacheFigures(r.c, 'slab');
    const n = r.c.nodes[0];
    expect(f.num_slabs).toBe(n.nrSlabs);
    expect(f.num_objs).toBe(n.nrSlabs * 64);
    expect(f.active_objs).toBe(f.num_objs - n.freeObjects);
    expect(f.active_slabs).toBe(f.num_slabs - n.free.count);
    expect(f.shared_avail).toBe(n.shared.length);
    expect(f.cpus.map((x) => x.array_avail)).toEqual(r.c.cpus.map((ac) => ac.entries.length));
    // What the user holds plus what waits in the arrays is what the slabs lent out.
    expect(f.active_objs).toBe(r.held.length + n.shared.length + r.c.cpus.reduce((a, ac) => a + ac.entries.length, 0));
    expect(f.places.cpu + f.places.cpu_partial).toBe(0);
    clean(r);
  });

  test('kmalloc through the Machine uses the same arrays', () => {
    const m = boot({memory: 1 * G, cpus: 2, slab: 'slab'});
    const a = m.kmalloc(m.ctx(0), 100, GFP_KERNEL);
    const c = m.slab.kmallocCache(100, GFP_KERNEL);
    if (!c) throw new Error('no kmalloc-128');
    expect(c.name).toBe('kmalloc-128');
    expect(c.cpus[0].entries.length).toBe(BATCHREFILL_LIMIT - 1);
    expect(m.kfree(m.ctx(0), a.addr)).toBe(true);
    expect(c.cpus[0].entries.length).toBe(BATCHREFILL_LIMIT);
    expect(c.inuse).toBe(0);
  });
});

describe('frees the shared checks must still catch', () => {
  test('an object in an array cache is free for the user', () => {
    const r = rig();
    alloc(r, 2);
    const [a, b] = r.held;
    free(r, 1);
    const s = r.m.slab.slabOf(Math.floor(a / 4096));
    if (!s) throw new Error('no slab');
    expect(s.allocated[(a - s.base) / 64]).toBe(1); // allocated as far as the slab knows
    expect(r.model.isCached(a)).toBe(true);
    expect(r.model.isCachedFree(s, (a - s.base) / 64)).toBe(true);
    expect(r.model.isCachedFree(s, (b - s.base) / 64)).toBe(false);
    clean(r);
  });

  test('a double free of an object sitting in an array cache is reported and changes nothing', () => {
    const r = rig();
    alloc(r, 2);
    const a = r.held[0];
    free(r, 1);
    const before = {arrays: state(r.c).arrays, inuse: r.c.inuse, events: r.m.events.count};
    expect(r.m.slab.cacheFree(r.c, r.m.ctx(0), a)).toBe(false);
    expect(r.m.slab.cacheFree(r.c, r.m.ctx(1), a)).toBe(false);
    expect(r.m.slab.kfree(r.m.ctx(0), a)).toBe(false);
    expect(r.m.events.since(before.events).map((e) => e.text)).toEqual([
      'BUG test64 (Not tainted): Object already free',
      'BUG test64 (Not tainted): Object already free',
      'BUG test64 (Not tainted): Object already free',
    ]);
    expect({arrays: state(r.c).arrays, inuse: r.c.inuse}).toEqual({arrays: before.arrays, inuse: before.inuse});
    clean(r);
  });

  test('an object freed on a CPU of another node goes straight back to its slab (no alien caches)', () => {
    const r = rig(2, {memory: 2 * G, nodes: 2});
    expect([r.m.nodeOfCpu(0), r.m.nodeOfCpu(1)]).toEqual([0, 1]);
    alloc(r, 1, 0);
    const obj = r.held[0];
    const s = r.m.slab.slabOf(Math.floor(obj / 4096));
    expect(s?.nid).toBe(0);
    free(r, 1, 1);
    expect(state(r.c, 0)).toEqual({partial: 1, full: 0, free: 0, freeObjects: 64 - BATCHREFILL_LIMIT + 1, shared: 0, arrays: [BATCHREFILL_LIMIT - 1, 0]});
    expect(r.model.isCached(obj)).toBe(false);
    clean(r);
  });
});

describe('destroy and shrink', () => {
  test('kmem_cache_destroy drains the arrays first, then every slab goes back to the buddy allocator', () => {
    const r = rig(2);
    const ctx = r.m.ctx(0);
    alloc(r, 300, 0);
    free(r, 300, 1);
    expect(r.c.nodes[0].nrSlabs).toBeGreaterThan(0);
    expect(r.m.slab.destroyCache(r.c, ctx)).toBe(true);
    expect(r.c.nodes[0].nrSlabs).toBe(0);
    expect(r.c.stats.slabsFreed).toBe(r.c.stats.slabsAllocated);
  });

  test('random allocations and frees on four CPUs of two nodes keep the lists, arrays and counters consistent', () => {
    const r = rig(4, {memory: 2 * G, nodes: 2});
    const prng = new Prng(7);
    for (let i = 0; i < 4000; i++) {
      const cpu = prng.below(4);
      const op = prng.below(10);
      if (op < 5) alloc(r, 1 + prng.below(20), cpu);
      else if (op < 9 && r.held.length > 0) {
        const k = prng.below(r.held.length);
        const [obj] = r.held.splice(k, 1);
        expect(r.m.slab.cacheFree(r.c, r.m.ctx(cpu), obj)).toBe(true);
      } else r.m.step();
      if (i % 50 === 0) clean(r);
    }
    clean(r);
    free(r, r.held.length, 3);
    r.m.slab.shrinkCache(r.c, r.m.ctx(0));
    expect(r.c.nodes.map((n) => n.nrSlabs)).toEqual([0, 0]);
    clean(r);
  });
});
