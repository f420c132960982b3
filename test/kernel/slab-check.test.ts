// The slab part of check(): quiet after real work in both models, and each kind of corruption caught by name.
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {GFP_ATOMIC, GFP_KERNEL, __GFP_ACCOUNT, __GFP_RECLAIMABLE} from '../../source/kernel/gfp.js';
import type {Machine} from '../../source/kernel/machine.js';
import {OWNER_SLAB} from '../../source/kernel/page-alloc/types.js';
import type {KmemCache, Slab} from '../../source/kernel/slab/cache.js';
import {slabsOf} from '../../source/kernel/slab/figures.js';
import {SLAB_RECLAIM_ACCOUNT} from '../../source/kernel/slab/geometry.js';
import {Prng} from '../../source/kernel/prng.js';
import {boot, M} from '../helpers.js';

const MODELS = ['slub', 'slab'] as const;

/** A 2-CPU machine with a 256-byte cache (16 objects a slab): 40 objects allocated on CPU 0, every 4th freed, flushed. */
function withCache(slab: 'slub' | 'slab'): {m: Machine; c: KmemCache; ptr: bigint; objs: bigint[]} {
  const m = boot({memory: 256 * M, cpus: 2, slab});
  const ctx = m.ctx(0);
  const ptr = m.kmemCacheCreate(ctx, 'obj256', 256, 0, 0);
  const c = m.cacheOf(ptr)!;
  const objs: bigint[] = [];
  for (let i = 0; i < 40; i++) objs.push(m.kmemCacheAlloc(ctx, ptr, GFP_KERNEL).addr);
  for (let i = 0; i < 40; i += 4) m.kmemCacheFree(ctx, ptr, objs[i]);
  // Flush the CPU slabs (SLUB) or the arrays (SLAB) so the node lists hold partial slabs.
  m.kmemCacheShrink(ctx, ptr);
  expect(check(m)).toEqual([]);
  return {m, c, ptr, objs: objs.filter((_, i) => i % 4 !== 0)};
}

/** A slab of c with at least `free` free and `used` allocated objects. */
function slabWith(c: KmemCache, free: number, used: number): Slab {
  const s = [...slabsOf(c)].find((x) => x.nfree >= free && x.inuse >= used);
  if (!s) throw new Error(`no slab of ${c.name} with ${free} free and ${used} used objects`);
  return s;
}

const caught = (m: Machine, re: RegExp) => expect(check(m).some((l) => re.test(l)), check(m).join('\n')).toBe(true);

describe.each(MODELS)('check() on the %s model', (slab) => {
  test('finds nothing wrong after mixed kmalloc, kmem_cache and tick activity on 2 CPUs and 2 nodes', () => {
    const m = boot({memory: 512 * M, nodes: [{memory: 256 * M, cpus: 1}, {memory: 256 * M, cpus: 1}], slab});
    const prng = new Prng(3);
    const ptr = m.kmemCacheCreate(m.ctx(), 'dentryish', 192, 0, SLAB_RECLAIM_ACCOUNT);
    const live: {addr: bigint; cache?: bigint}[] = [];
    const gfps = [GFP_KERNEL, GFP_ATOMIC, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_KERNEL | __GFP_ACCOUNT];
    for (let i = 0; i < 6000; i++) {
      const ctx = m.ctx(prng.nextU32() & 1);
      const u = prng.nextU32();
      if (live.length > 0 && (u & 3) < 2) {
        const k = u % live.length;
        const o = live[k];
        live[k] = live[live.length - 1];
        live.pop();
        expect(o.cache ? m.kmemCacheFree(ctx, o.cache, o.addr) : m.kfree(ctx, o.addr)).toBe(true);
      } else if ((u & 7) === 2) {
        const r = m.kmemCacheAlloc(ctx, ptr, GFP_KERNEL);
        if (r.addr !== 0n) live.push({addr: r.addr, cache: ptr});
      } else {
        const r = m.kmalloc(ctx, (u >>> 8) % 9000, gfps[(u >>> 4) & 3]);
        if (r.addr > 16n) live.push({addr: r.addr});
      }
      if (i % 100 === 0) m.step();
      if (i % 1000 === 0) expect(check(m)).toEqual([]);
    }
    expect(check(m)).toEqual([]);
    for (const o of live) expect(o.cache ? m.kmemCacheFree(m.ctx(), o.cache, o.addr) : m.kfree(m.ctx(), o.addr)).toBe(true);
    for (let i = 0; i < 50; i++) m.step();
    expect(m.kmemCacheDestroy(m.ctx(), ptr)).toBe(true);
    expect(check(m)).toEqual([]);
  });

  test('a slab on two places at once', () => {
    const {m, c} = withCache(slab);
    const s = slabWith(c, 1, 1);
    // The same slab also put on another node list (its own links move, so its first list breaks too).
    const other = s.list === c.nodes[0].full ? c.nodes[0].free : c.nodes[0].full;
    if (slab === 'slub') c.cpus[1].slab = s;
    else other.add(s);
    caught(m, /slab 0x[0-9a-f]+ is on .* and on /);
  });

  test('a wrong inuse', () => {
    const {m, c} = withCache(slab);
    slabWith(c, 1, 1).inuse++;
    caught(m, /inuse \d+ \+ nfree \d+ != 16 objects/);
  });

  test('an object on the freelist twice', () => {
    const {m, c} = withCache(slab);
    const s = slabWith(c, 2, 0);
    s.freelist[s.nfree - 1] = s.freelist[s.nfree - 2];
    caught(m, /object \d+ is on the freelist twice/);
  });

  test('a freelist entry that is allocated', () => {
    const {m, c} = withCache(slab);
    const s = slabWith(c, 1, 1);
    s.allocated[s.freelist[0]] = 1;
    s.inuse++;
    s.nfree--;
    caught(m, /objects are marked allocated|is on the freelist but allocated/);
  });

  test('cache.inuse drifts from the slabs', () => {
    const {m, c} = withCache(slab);
    c.inuse--;
    caught(m, /obj256: inuse is \d+, the slabs have/);
  });

  test('a slab page freed behind the slab\'s back', () => {
    const {m, c} = withCache(slab);
    const s = slabWith(c, 0, 1);
    expect(m.pa.freePages(m.ctx(), s.pfn, s.order)).toBe(false); // __free_pages() refuses a slab page
    expect(m.pa.freePages(m.ctx(), s.pfn, s.order, OWNER_SLAB)).toBe(true);
    caught(m, /its first page is no slab page/);
  });

  test('a slab block nobody owns (leaked)', () => {
    const {m} = withCache(slab);
    const r = m.pa.allocPages(m.ctx(), 0, GFP_KERNEL, 0, OWNER_SLAB);
    expect(r.pfn).toBeGreaterThan(0);
    caught(m, /slab block that is no slab of a live cache/);
  });

  test('node counters and slab page counters', () => {
    const {m, c} = withCache(slab);
    c.nodes[0].nrSlabs++;
    m.slab.slabPages[0][1]--;
    m.slab.largePages += 2;
    caught(m, /node 0 nr_slabs is \d+, the node has \d+ slabs/);
    caught(m, /node 0 counts 0 reclaimable and \d+ unreclaimable slab pages/);
    caught(m, /largePages is 2, the kmalloc_large blocks hold 0 pages/);
  });

  test('a broken list: a wrong tail and count', () => {
    const {m, c} = withCache(slab);
    const list = [...c.nodes[0].partial].length > 0 ? c.nodes[0].partial : c.nodes[0].full;
    list.count++;
    caught(m, /holds \d+ slabs, its count says \d+/);
  });
});

describe('classic SLAB arrays', () => {
  test('an object twice in the array caches, and free_objects drift', () => {
    const {m, c, ptr} = withCache('slab');
    // A refill and a free on CPU 0 leave objects in its array cache.
    m.kmemCacheFree(m.ctx(0), ptr, m.kmemCacheAlloc(m.ctx(0), ptr, GFP_KERNEL).addr);
    expect(check(m)).toEqual([]);
    const ac = c.cpus[0];
    expect(ac.entries.length).toBeGreaterThan(0);
    ac.entries.push(ac.entries[0]);
    c.nodes[0].freeObjects++;
    caught(m, /in the cpu 0 array cache is in the arrays twice/);
    caught(m, /node 0 free_objects is \d+, its slabs have \d+ free/);
  });

  test('a slab on slabs_full with free objects', () => {
    const {m, c} = withCache('slab');
    const s = slabWith(c, 1, 1);
    s.list!.remove(s);
    c.nodes[0].full.add(s);
    caught(m, /is on the node 0 full list with \d+ free objects/);
  });
});
