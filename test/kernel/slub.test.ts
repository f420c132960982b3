import {describe, expect, test} from 'vitest';
import {GFP_ATOMIC, GFP_DMA, GFP_KERNEL, __GFP_NOWARN, __GFP_RECLAIMABLE, __GFP_ACCOUNT} from '../../source/kernel/gfp.js';
import type {Machine} from '../../source/kernel/machine.js';
import {cacheFigures} from '../../source/kernel/slab/figures.js';
import {SLAB_HWCACHE_ALIGN, SLAB_CACHE_DMA, SLAB_RECLAIM_ACCOUNT} from '../../source/kernel/slab/geometry.js';
import {MIGRATE_RECLAIMABLE, OWNER_KMALLOC_LARGE, OWNER_SLAB} from '../../source/kernel/page-alloc/types.js';
import {describeCache} from '../../source/session/describe.js';
import {boot, G, M} from '../helpers.js';

function cacheNamed(m: Machine, name: string) {
  const c = m.slab.caches.find((x) => x.name === name);
  if (!c) throw new Error(`no cache ${name}`);
  return c;
}
const figures = (m: Machine, name: string) => cacheFigures(cacheNamed(m, name), 'slub');
const lastEvent = (m: Machine) => m.events.all().at(-1)!;

describe('kmem_cache_create and geometry', () => {
  test('my_struct: 192 bytes, HWCACHE aligned, 21 objects per 1-page slab on 2 CPUs', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const p = m.kmemCacheCreate(m.ctx(), 'my_struct', 192, 8, SLAB_HWCACHE_ALIGN);
    expect(p).not.toBe(0n);
    const f = figures(m, 'my_struct');
    expect([f.objsize, f.objperslab, f.pagesperslab]).toEqual([192, 21, 1]);
    expect(describeCache(m, p)).toBe('my_struct: objsize 192, 21 objects per slab of 1 page');
  });

  test('a cache in interrupt context is refused', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    expect(m.kmemCacheCreate(m.ctx(0, 'hardirq'), 'x', 64, 0, 0)).toBe(0n);
    expect(lastEvent(m).text).toBe('kmem_cache_create(x) integrity check failed');
  });
});

describe('SLUB lists', () => {
  test('the CPU slab fills, goes full, a free puts it on the CPU partial list, empty slabs go back to the buddy allocator', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const ctx = m.ctx(0);
    const cp = m.kmemCacheCreate(ctx, 'obj256', 256, 0, 0);
    const c = m.cacheOf(cp)!;
    expect(c.geo.objects).toBe(16);
    const objs: bigint[] = [];
    for (let i = 0; i < 16; i++) objs.push(m.kmemCacheAlloc(ctx, cp, GFP_KERNEL).addr);
    // One slab, the CPU slab, now full (no free object left); objects are handed out in address order.
    expect(c.cpus[0].slab!.inuse).toBe(16);
    expect(objs[1] - objs[0]).toBe(256n);
    expect(figures(m, 'obj256')).toMatchObject({num_slabs: 1, full: 1, partial: 0, inuse_objs: 16});
    // The 17th object needs a new slab: the old one is deactivated onto the node's full list.
    const o17 = m.kmemCacheAlloc(ctx, cp, GFP_KERNEL).addr;
    expect(figures(m, 'obj256').places).toMatchObject({cpu: 1, full: 1});
    // Freeing into the full slab puts it on the freeing CPU's partial list (it becomes partial).
    expect(m.kmemCacheFree(m.ctx(1), cp, objs[0])).toBe(true);
    expect(c.cpus[1].partial.count).toBe(1);
    expect(figures(m, 'obj256')).toMatchObject({full: 0, partial: 2});
    for (const o of objs.slice(1)) m.kmemCacheFree(ctx, cp, o);
    m.kmemCacheFree(ctx, cp, o17);
    expect(figures(m, 'obj256')).toMatchObject({inuse_objs: 0, empty: 2, num_slabs: 2});
    // Shrinking flushes the CPU slabs and frees every empty slab.
    const slabPfn = c.cpus[0].slab!.pfn;
    expect(m.kmemCacheShrink(ctx, cp)).toBe(2);
    expect(figures(m, 'obj256')).toMatchObject({num_slabs: 0, num_objs: 0});
    expect(m.pa.ownerOf(slabPfn)).toBe(-1);
    expect(m.kmemCacheDestroy(ctx, cp)).toBe(true);
    expect(m.cacheOf(cp)).toBeUndefined();
  });

  test('an empty slab on the node partial list is freed once the node holds min_partial partial slabs', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const ctx = m.ctx(0);
    const cp = m.kmemCacheCreate(ctx, 'obj1k', 1024, 0, 0);
    const c = m.cacheOf(cp)!;
    // One CPU: min_objects = 4 * (fls(1) + 1) = 8, so order 1 holds 8; 24 objects of CPU partial budget = 6 slabs.
    expect([c.geo.objects, c.geo.order, c.geo.minPartial, c.geo.cpuPartialSlabs]).toEqual([8, 1, 5, 6]);
    // 10 full slabs; free one object from each, moving them via the CPU partial list (3 at most) to the node.
    const slabs: bigint[][] = [];
    for (let s = 0; s < 10; s++) {
      const objs: bigint[] = [];
      for (let i = 0; i < 8; i++) objs.push(m.kmemCacheAlloc(ctx, cp, GFP_KERNEL).addr);
      slabs.push(objs);
    }
    m.kmemCacheAlloc(ctx, cp, GFP_KERNEL); // the 10th slab leaves the CPU
    for (const objs of slabs) m.kmemCacheFree(ctx, cp, objs[0]);
    const n = c.nodes[0];
    expect(n.partial.count + c.cpus[0].partial.count).toBe(10);
    const before = n.nrSlabs;
    // Empty the slabs on the node partial list: the ones beyond min_partial go back to the buddy allocator.
    const onNode = new Set([...n.partial].map((s) => s.pfn));
    for (const objs of slabs) {
      const pfn = m.virtToPfn(objs[0])!;
      if (!onNode.has(pfn)) continue;
      for (const o of objs.slice(1)) m.kmemCacheFree(ctx, cp, o);
    }
    // __slab_free() frees an emptied slab while nr_partial (itself included) >= min_partial: min_partial - 1 stay.
    expect(onNode.size).toBeGreaterThanOrEqual(c.geo.minPartial);
    expect(n.partial.count).toBe(c.geo.minPartial - 1);
    expect(n.nrSlabs).toBe(before - (onNode.size - (c.geo.minPartial - 1)));
  });

  test('the CPU that runs the call allocates from its own CPU slab', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const cp = m.kmemCacheCreate(m.ctx(), 'percpu', 64, 0, 0);
    const a = m.kmemCacheAlloc(m.ctx(0), cp, GFP_KERNEL).addr;
    const b = m.kmemCacheAlloc(m.ctx(1), cp, GFP_KERNEL).addr;
    const a2 = m.kmemCacheAlloc(m.ctx(0), cp, GFP_KERNEL).addr;
    expect(m.virtToPfn(a)).toBe(m.virtToPfn(a2));
    expect(m.virtToPfn(a)).not.toBe(m.virtToPfn(b));
    expect(figures(m, 'percpu').cpus.map((x) => x.slab_inuse)).toEqual([2, 1]);
  });

  test('slab pages come from the buddy allocator on the CPU\'s node, marked as slab pages; reclaimable caches are Reclaimable', () => {
    const m = boot({memory: 2 * G, nodes: [{memory: 1 * G, cpus: 1}, {memory: 1 * G, cpus: 1}]});
    const cp = m.kmemCacheCreate(m.ctx(), 'dentryish', 192, 0, SLAB_RECLAIM_ACCOUNT);
    const o = m.kmemCacheAlloc(m.ctx(1), cp, GFP_KERNEL).addr;
    const pfn = m.virtToPfn(o)!;
    expect(m.describePfn(pfn)).toBe('Node 1 DMA32');
    expect(m.pa.ownerOf(pfn)).toBe(OWNER_SLAB);
    const z = m.zoneOf(pfn)!;
    expect(z.info[pfn - z.startPfn] & 3).toBe(MIGRATE_RECLAIMABLE);
    expect(m.slab.slabPages[1]).toEqual([1, 0]);
  });

  test('a DMA cache takes its slabs from ZONE_DMA', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const cp = m.kmemCacheCreate(m.ctx(), 'dmabuf', 512, 0, SLAB_CACHE_DMA);
    expect(m.describePfn(m.virtToPfn(m.kmemCacheAlloc(m.ctx(), cp, GFP_KERNEL).addr)!)).toBe('Node 0 DMA');
  });
});

describe('kmalloc', () => {
  test('size classes and families by size and GFP', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const ctx = m.ctx();
    const cacheOfAddr = (a: bigint) => m.slab.slabOf(m.virtToPfn(a)!)!.cache.name;
    expect(cacheOfAddr(m.kmalloc(ctx, 1, GFP_KERNEL).addr)).toBe('kmalloc-8');
    expect(cacheOfAddr(m.kmalloc(ctx, 65, GFP_KERNEL).addr)).toBe('kmalloc-96');
    expect(cacheOfAddr(m.kmalloc(ctx, 129, GFP_KERNEL).addr)).toBe('kmalloc-192');
    expect(cacheOfAddr(m.kmalloc(ctx, 193, GFP_KERNEL).addr)).toBe('kmalloc-256');
    expect(cacheOfAddr(m.kmalloc(ctx, 5000, GFP_ATOMIC).addr)).toBe('kmalloc-8k');
    expect(cacheOfAddr(m.kmalloc(ctx, 100, GFP_KERNEL | GFP_DMA).addr)).toBe('dma-kmalloc-128');
    expect(cacheOfAddr(m.kmalloc(ctx, 100, GFP_KERNEL | __GFP_RECLAIMABLE).addr)).toBe('kmalloc-rcl-128');
    expect(cacheOfAddr(m.kmalloc(ctx, 100, GFP_KERNEL | __GFP_ACCOUNT).addr)).toBe('kmalloc-cg-128');
    expect(m.ksize(m.kmalloc(ctx, 100, GFP_KERNEL).addr)).toBe(128);
  });

  test('kmalloc_large above 8 KiB, freed by kfree; above 4 MiB NULL with a WARNING', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const ctx = m.ctx();
    const a = m.kmalloc(ctx, 8193, GFP_KERNEL).addr;
    const pfn = m.virtToPfn(a)!;
    expect(m.pa.ownerOf(pfn)).toBe(OWNER_KMALLOC_LARGE);
    expect(m.pa.allocatedOrder(pfn)).toBe(2);
    expect(m.ksize(a)).toBe(16384);
    expect(m.kfree(ctx, a)).toBe(true);
    expect(m.pa.ownerOf(pfn)).toBe(-1);
    expect(m.kmalloc(ctx, 4 * M, GFP_KERNEL).addr).not.toBe(0n);
    expect(m.kmalloc(ctx, 4 * M + 1, GFP_KERNEL).addr).toBe(0n);
    expect(lastEvent(m).kind).toBe('warning');
    expect(m.kmalloc(ctx, 5 * M, GFP_KERNEL | __GFP_NOWARN).addr).toBe(0n);
  });

  test('kmalloc(0) is ZERO_SIZE_PTR; kfree of it or of NULL does nothing', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const ctx = m.ctx();
    expect(m.kmalloc(ctx, 0, GFP_KERNEL).addr).toBe(16n);
    const seq = m.events.count;
    expect(m.kfree(ctx, 16n)).toBe(false);
    expect(m.kfree(ctx, 0n)).toBe(false);
    expect(m.events.count).toBe(seq);
  });

  test('krealloc keeps the object while it fits, moves it otherwise; kmalloc_array overflow is NULL', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const ctx = m.ctx();
    const a = m.kmalloc(ctx, 100, GFP_KERNEL).addr;
    expect(m.krealloc(ctx, a, 120, GFP_KERNEL).addr).toBe(a);
    const b = m.krealloc(ctx, a, 300, GFP_KERNEL).addr;
    expect(b).not.toBe(a);
    expect(m.ksize(b)).toBe(512);
    expect(m.kmallocArray(ctx, 1n << 40n, 1n << 30n, GFP_KERNEL).addr).toBe(0n);
    expect(m.ksize(m.kmallocArray(ctx, 10n, 8n, GFP_KERNEL).addr)).toBe(96);
  });
});

describe('misuse is reported and changes nothing', () => {
  test('double free: Object already free', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const ctx = m.ctx();
    const a = m.kmalloc(ctx, 64, GFP_KERNEL).addr;
    expect(m.kfree(ctx, a)).toBe(true);
    const before = JSON.stringify(figures(m, 'kmalloc-64'));
    expect(m.kfree(ctx, a)).toBe(false);
    expect(lastEvent(m).text).toBe('BUG kmalloc-64 (Not tainted): Object already free');
    expect(JSON.stringify(figures(m, 'kmalloc-64'))).toBe(before);
  });

  test('a pointer into the middle of an object: Invalid object pointer', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const ctx = m.ctx();
    const a = m.kmalloc(ctx, 64, GFP_KERNEL).addr;
    expect(m.kfree(ctx, a + 8n)).toBe(false);
    expect(lastEvent(m).text).toBe(`BUG kmalloc-64 (Not tainted): Invalid object pointer 0x${(a + 8n).toString(16)}`);
  });

  test('freeing to the wrong cache, freeing what is no slab object, an address that is no memory', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const ctx = m.ctx();
    const c1 = m.kmemCacheCreate(ctx, 'one', 64, 0, 0);
    const c2 = m.kmemCacheCreate(ctx, 'two', 64, 0, 0);
    const o = m.kmemCacheAlloc(ctx, c1, GFP_KERNEL).addr;
    expect(m.kmemCacheFree(ctx, c2, o)).toBe(false);
    expect(lastEvent(m).detail[0]).toBe('kmem_cache_free: Wrong slab cache. two but object is from one');
    const page = m.getFreePages(ctx, GFP_KERNEL, 0).addr;
    expect(m.kfree(ctx, page)).toBe(false);
    expect(lastEvent(m).detail[0]).toContain('which is no slab object and no kmalloc_large allocation');
    expect(m.kfree(ctx, 0x1234n)).toBe(false);
    expect(lastEvent(m).detail[0]).toBe('kfree(0x1234) of an address which is no kernel memory');
    expect(m.kmemCacheFree(ctx, c1, o)).toBe(true);
  });

  test('destroying a cache with live objects: Objects remaining ... on __kmem_cache_shutdown()', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const ctx = m.ctx();
    const cp = m.kmemCacheCreate(ctx, 'leaky', 128, 0, 0);
    const o = m.kmemCacheAlloc(ctx, cp, GFP_KERNEL).addr;
    expect(m.kmemCacheDestroy(ctx, cp)).toBe(false);
    expect(lastEvent(m).text).toBe('BUG leaky (Not tainted): Objects remaining in leaky on __kmem_cache_shutdown()');
    expect(lastEvent(m).detail.some((d) => d.startsWith(`Object 0x${o.toString(16)} @offset=0`))).toBe(true);
    expect(m.cacheOf(cp)).toBeDefined();
    expect(m.kmemCacheFree(ctx, cp, o)).toBe(true);
    expect(m.kmemCacheDestroy(ctx, cp)).toBe(true);
  });

  test('a sleeping GFP from atomic context splats and does not sleep', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const a = m.kmalloc(m.ctx(1, 'softirq'), 64, GFP_KERNEL).addr;
    expect(a).not.toBe(0n);
    expect(lastEvent(m).text).toBe('BUG: sleeping function called from invalid context at mm/slub.c');
  });
});

describe('/proc/slabinfo', () => {
  test('version 2.1, the kernel\'s columns, newest cache first', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const cp = m.kmemCacheCreate(m.ctx(), 'my_struct', 192, 8, SLAB_HWCACHE_ALIGN);
    m.kmemCacheAlloc(m.ctx(), cp, GFP_KERNEL);
    const lines = DUMP(m).split('\n');
    expect(lines[0]).toBe('slabinfo - version: 2.1');
    expect(lines[1]).toBe('# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>');
    // SLUB counts the CPU slab's free objects as active (they are not on a node partial list).
    expect(lines[2]).toBe('my_struct             21     21    192   21    1 : tunables    0    0    0 : slabdata      1      1      0');
    expect(lines).toContain('kmalloc-8k             0      0   8192    4    8 : tunables    0    0    0 : slabdata      0      0      0');
  });
});

import {DUMPS} from '../../source/kernel/procfs.js';
const DUMP = (m: Machine) => DUMPS.slabinfo(m);
