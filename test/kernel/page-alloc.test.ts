import {describe, expect, test} from 'vitest';
import {
  __GFP_DMA32,
  __GFP_NOWARN,
  __GFP_NORETRY,
  __GFP_THISNODE,
  GFP_ATOMIC,
  GFP_DMA,
  GFP_DMA32,
  GFP_HIGHUSER,
  GFP_KERNEL,
  GFP_NOWAIT,
} from '../../source/kernel/gfp.js';
import {DIRECT_RECLAIM_PAGES_PER_TICK, MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, PAGEBLOCK_ORDER} from '../../source/kernel/page-alloc/types.js';
import {boot, diff, freeBlocks, G, M, where, zone} from '../helpers.js';

describe('split and merge', () => {
  test('an order-4 allocation splits one order-10 block', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const before = freeBlocks(m, 'DMA32');
    const r = m.allocPagesNode(m.ctx(), 0, GFP_KERNEL, 4);
    expect(r.pfn).toBeGreaterThan(0);
    expect(where(m, r.pfn)).toBe('Node 0 DMA32');
    expect(diff(freeBlocks(m, 'DMA32'), before)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, -1]);
  });

  test('freeing it merges back to the boot picture', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const before = freeBlocks(m, 'DMA32');
    const r = m.allocPagesNode(m.ctx(), 0, GFP_KERNEL, 4);
    expect(m.freePagesPfn(m.ctx(), r.pfn, 4)).toBe(true);
    expect(freeBlocks(m, 'DMA32')).toEqual(before);
  });

  test('the block is aligned and its buddies are the upper halves', () => {
    const m = boot({memory: 1 * G, cpus: 2, pcp: false});
    const z = zone(m, 'DMA32');
    const r = m.allocPagesNode(m.ctx(), 0, GFP_KERNEL, 2);
    expect(r.pfn % 4).toBe(0);
    // expand() put the upper halves on the lists: the order-2 buddy, the order-3 buddy, ...
    for (let o = 2; o < 10; o++) {
      const buddy = (r.pfn ^ (1 << o)) - z.startPfn;
      expect(z.state[buddy]).toBe(1); // PG_BUDDY
      expect(z.order[buddy]).toBe(o);
    }
  });

  test('boot frees memory in the largest aligned blocks, DMA like a real PC', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    // The first MiB is reserved, the rest of the 16 MiB DMA zone is 3840 pages: 1 x 2M + 1 x 2M... as /proc/buddyinfo shows.
    expect(freeBlocks(m, 'DMA')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3]);
    expect(zone(m, 'DMA').managed).toBe(3840);
    expect(zone(m, 'DMA').present).toBe(3998);
    expect(zone(m, 'DMA').spanned).toBe(4095);
  });
});

describe('migrate types', () => {
  test('an unmovable request steals a whole movable block and its pageblocks change type', () => {
    const m = boot({memory: 1 * G, cpus: 1, pcp: false});
    const z = zone(m, 'DMA32');
    const blocks = z.pageblockCounts();
    expect(blocks[MIGRATE_UNMOVABLE]).toBe(0);
    const r = m.allocPagesNode(m.ctx(), 0, GFP_KERNEL, 0);
    // The largest fallback block is order 10 = two pageblocks: both become Unmovable.
    expect(z.pageblockCounts()[MIGRATE_UNMOVABLE]).toBe(2);
    expect(z.pageblockCounts()[MIGRATE_MOVABLE]).toBe(blocks[MIGRATE_MOVABLE] - 2);
    expect(z.pageblockType(r.pfn - z.startPfn)).toBe(MIGRATE_UNMOVABLE);
    // The rest of the stolen block now sits on the unmovable lists.
    expect(z.freeCountOf(PAGEBLOCK_ORDER, MIGRATE_UNMOVABLE)).toBe(1);
  });

  test('a movable request takes movable blocks without stealing', () => {
    const m = boot({memory: 1 * G, cpus: 1, pcp: false});
    const z = zone(m, 'DMA32');
    m.allocPagesNode(m.ctx(), 0, GFP_HIGHUSER | 0x08, 0); // GFP_HIGHUSER_MOVABLE
    expect(z.pageblockCounts()[MIGRATE_UNMOVABLE]).toBe(0);
    expect(z.stats.fallbacks).toBe(0);
  });
});

describe('per-CPU lists', () => {
  test('an order-0 allocation refills the CPU list with a batch; a free goes back to it', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const z = zone(m, 'DMA32');
    const free0 = z.freePages;
    const r = m.allocPagesNode(m.ctx(1), 0, GFP_KERNEL, 0);
    expect(z.pcpBatch).toBe(63);
    expect(z.pcpCount[1]).toBe(62);
    expect(z.pcpCount[0]).toBe(0);
    expect(z.freePages).toBe(free0 - 63);
    m.freePagesPfn(m.ctx(1), r.pfn, 0);
    expect(z.pcpCount[1]).toBe(63);
    expect(z.freePages).toBe(free0 - 63);
    expect(m.drainAllPages()).toBe(63);
    expect(z.freePages).toBe(free0);
  });

  test('past pcp->high a batch goes back to the buddy lists', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const z = zone(m, 'DMA32');
    const pfns: number[] = [];
    for (let i = 0; i < z.pcpHigh + 10; i++) pfns.push(m.allocPagesNode(m.ctx(0), 0, GFP_KERNEL, 0).pfn);
    // Free one by one: the list grows to pcp->high, then free_pcppages_bulk() gives a batch back at once.
    const free0 = z.freePages;
    let flushed = 0;
    for (const p of pfns) {
      const before = z.freePages;
      m.freePagesPfn(m.ctx(0), p, 0);
      if (z.freePages > before) {
        expect(z.freePages - before).toBe(z.pcpBatch);
        flushed++;
      }
      expect(z.pcpCount[0]).toBeLessThan(z.pcpHigh);
    }
    expect(flushed).toBeGreaterThan(0);
    expect(z.freePages - free0).toBe(flushed * z.pcpBatch);
  });

  test('pcp: false teaches the bare algorithm: nothing waits on CPU lists', () => {
    const m = boot({memory: 1 * G, cpus: 2, pcp: false});
    const z = zone(m, 'DMA32');
    const free0 = z.freePages;
    m.allocPagesNode(m.ctx(), 0, GFP_KERNEL, 0);
    expect(z.freePages).toBe(free0 - 1);
  });
});

describe('GFP zone choice', () => {
  test('x86_64 with 8 GiB: DMA, DMA32, Normal', () => {
    const m = boot({memory: 8 * G, cpus: 2});
    const c = m.ctx();
    expect(where(m, m.allocPages(c, GFP_DMA, 0).pfn)).toBe('Node 0 DMA');
    expect(where(m, m.allocPages(c, GFP_DMA32, 0).pfn)).toBe('Node 0 DMA32');
    expect(where(m, m.allocPages(c, GFP_KERNEL, 0).pfn)).toBe('Node 0 Normal');
    expect(where(m, m.allocPages(c, GFP_HIGHUSER, 0).pfn)).toBe('Node 0 Normal');
  });

  test('i386: GFP_KERNEL is lowmem, __GFP_HIGHMEM reaches HighMem', () => {
    const m = boot({profile: 'i386', memory: 2 * G, cpus: 1});
    const c = m.ctx();
    expect(m.pa.nodes[0].zones.map((z) => z.name)).toEqual(['DMA', 'Normal', 'HighMem', 'Movable']);
    expect(where(m, m.allocPages(c, GFP_KERNEL, 0).pfn)).toBe('Node 0 Normal');
    expect(where(m, m.allocPages(c, GFP_HIGHUSER, 0).pfn)).toBe('Node 0 HighMem');
    expect(zone(m, 'HighMem').startPfn).toBe((896 * M) / 4096);
    // A HighMem page has no permanent kernel address.
    expect(m.pfnToVirt(zone(m, 'HighMem').startPfn)).toBeUndefined();
  });

  test('the vmalloc= size moves the end of lowmem on i386', () => {
    const m = boot({profile: 'i386', memory: 2 * G, cpus: 1, vmalloc: 256 * M});
    // MAXMEM = VMALLOC_END - PAGE_OFFSET - (vmalloc= + VMALLOC_OFFSET)
    expect(zone(m, 'HighMem').startPfn).toBe((0xff3fe000 - 0xc0000000 - 264 * M) / 4096);
    expect(m.vm.pages * 4096).toBe(256 * M);
  });

  test('GFP_DMA | GFP_DMA32 is an invalid combination: BUG and NULL', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    expect(m.allocPages(m.ctx(), GFP_DMA | __GFP_DMA32, 0).pfn).toBe(-1);
    expect(m.events.all().at(-1)?.text).toMatch(/^kernel BUG at include\/linux\/gfp.h!/);
  });

  test('GFP_KERNEL falls back from DMA32 to DMA only down to DMA\'s lowmem_reserve', () => {
    const m = boot({memory: 1 * G, cpus: 1, pcp: false});
    const dma = zone(m, 'DMA');
    const dma32 = zone(m, 'DMA32');
    expect(dma.lowmemReserve).toEqual([0, Math.floor(dma32.managed / 256), Math.floor(dma32.managed / 256), Math.floor(dma32.managed / 256), Math.floor(dma32.managed / 256)]);
    // Exhaust memory with non-sleeping requests: DMA32 to its min; DMA to min plus the reserve kept for
    // requests that could have used a higher zone (protection[Normal] in /proc/zoneinfo).
    let n = 0;
    while (m.allocPages(m.ctx(), GFP_NOWAIT, 0).pfn >= 0) n++;
    expect(n).toBeGreaterThan(200000);
    expect(dma32.freePages).toBe(dma32.wmarkMin);
    expect(dma.freePages).toBe(dma.wmarkMin + dma.lowmemReserve[2]);
    // GFP_DMA may use what GFP_KERNEL may not: its highest zone is DMA itself (protection[DMA] = 0).
    expect(where(m, m.allocPages(m.ctx(), GFP_DMA | GFP_NOWAIT, 0).pfn)).toBe('Node 0 DMA');
  });
});

describe('NUMA node fallback', () => {
  test('a full node falls back to the nearest other node; __GFP_THISNODE does not', () => {
    const m = boot({memory: 2 * G, nodes: [{memory: 1 * G, cpus: 1}, {memory: 1 * G, cpus: 1}], pcp: false});
    const c = m.ctx(1);
    expect(m.nodeOfCpu(1)).toBe(1);
    expect(where(m, m.allocPages(c, GFP_KERNEL, 0).pfn)).toBe('Node 1 DMA32');
    while (m.allocPagesNode(c, 1, GFP_NOWAIT | __GFP_THISNODE, 0).pfn >= 0);
    expect(m.allocPagesNode(c, 1, GFP_NOWAIT | __GFP_THISNODE, 0).pfn).toBe(-1);
    const r = m.allocPagesNode(c, 1, GFP_NOWAIT, 0);
    expect(where(m, r.pfn)).toBe('Node 0 DMA32');
    expect(zone(m, 'DMA32', 0).stats.numaMiss).toBe(1);
    expect(zone(m, 'DMA32', 1).stats.numaForeign).toBe(1);
  });

  test('zonelists follow the distance table', () => {
    const m = boot({
      memory: 3 * G,
      nodes: [{memory: 1 * G, cpus: 1}, {memory: 1 * G, cpus: 1}, {memory: 1 * G, cpus: 1}],
      distance: [
        [10, 40, 20],
        [40, 10, 20],
        [20, 20, 10],
      ],
    });
    const nodesOf = (nid: number) => [...new Set(m.pa.nodes[nid].zonelist.map((z) => z.nid))];
    expect(nodesOf(0)).toEqual([0, 2, 1]);
    expect(nodesOf(1)).toEqual([1, 2, 0]);
    expect(nodesOf(2)).toEqual([2, 0, 1]);
  });
});

describe('watermarks and reserves', () => {
  test('GFP_ATOMIC reaches below min where GFP_NOWAIT stops: 3/8 of min stays', () => {
    const m = boot({memory: 1 * G, cpus: 1, pcp: false});
    const z = zone(m, 'DMA32');
    while (m.allocPages(m.ctx(), GFP_NOWAIT, 0).pfn >= 0);
    // GFP_NOWAIT stops at the min watermark (the slow path's ALLOC_WMARK_MIN without reserves).
    expect(z.freePages).toBe(z.wmarkMin);
    while (m.allocPages(m.ctx(), GFP_ATOMIC | __GFP_NOWARN, 0).pfn >= 0);
    const min = z.wmarkMin;
    const atomicMin = min - Math.floor(min / 2) - Math.floor((min - Math.floor(min / 2)) / 4);
    expect(z.freePages).toBe(atomicMin);
  });

  test('a failure prints the kernel warning with mode and flags; __GFP_NOWARN keeps quiet', () => {
    const m = boot({memory: 1 * G, cpus: 1, pcp: false});
    expect(m.allocPages(m.ctx(), GFP_KERNEL | __GFP_NOWARN, 11).pfn).toBe(-1);
    expect(m.events.count).toBe(0);
    // GFP_NOWAIT carries __GFP_NOWARN; without it the failure is reported.
    while (m.allocPages(m.ctx(), GFP_NOWAIT & ~__GFP_NOWARN, 0).pfn >= 0);
    const e = m.events.all().filter((x) => x.kind === 'alloc_fail').at(-1)!;
    expect(e.text).toBe('kcall: page allocation failure: order:0, mode:0x800(__GFP_KSWAPD_RECLAIM), nodemask=(null),cpuset=/,mems_allowed=0');
    expect(e.detail.some((d) => /^Node 0 DMA32: \d+\*4kB/.test(d))).toBe(true);
    // warn_alloc() says it at most once in 10 s (nopage_rs): 50 ticks of 200 ms; then it counts what it held back.
    const before = m.events.count;
    m.allocPages(m.ctx(), GFP_KERNEL, 4);
    m.allocPages(m.ctx(), GFP_KERNEL, 5);
    expect(m.events.count).toBe(before);
    for (let i = 0; i < 50; i++) m.step();
    m.allocPages(m.ctx(), GFP_KERNEL, 4);
    expect(m.events.all().slice(-2).map((x) => x.text)).toEqual([
      'warn_alloc: 2 callbacks suppressed',
      'kcall: page allocation failure: order:4, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0',
    ]);
  });
});

describe('bad frees change nothing and are reported', () => {
  test('double free, wrong order, reserved page, not a direct-map address', () => {
    const m = boot({memory: 1 * G, cpus: 1, pcp: false});
    const c = m.ctx();
    const r = m.allocPages(c, GFP_KERNEL, 2);
    const before = freeBlocks(m, 'DMA32');
    expect(m.freePagesPfn(c, r.pfn, 3)).toBe(false);
    expect(m.events.all().at(-1)!.detail[1]).toBe('page dumped because: freed with order 3, allocated with order 2');
    expect(freeBlocks(m, 'DMA32')).toEqual(before);
    expect(m.freePagesPfn(c, r.pfn, 2)).toBe(true);
    const after = freeBlocks(m, 'DMA32');
    expect(m.freePagesPfn(c, r.pfn, 2)).toBe(false);
    expect(m.events.all().at(-1)!.text).toBe(`BUG: Bad page state in process kcall  pfn:${r.pfn.toString(16).padStart(5, '0')}`);
    expect(freeBlocks(m, 'DMA32')).toEqual(after);
    expect(m.freePagesPfn(c, 5, 0)).toBe(false); // the first MiB is reserved
    expect(m.events.all().at(-1)!.detail[1]).toContain('PageReserved');
    expect(m.freePagesAddr(c, 0x1234n, 0)).toBe(false);
    expect(m.events.all().at(-1)!.text).toBe('kernel BUG at mm/page_alloc.c!');
  });

  test('free_pages by address finds the page; __free_pages by struct page pointer too', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const c = m.ctx();
    const a = m.getFreePages(c, GFP_KERNEL, 1);
    expect(a.addr).toBe(0xffff888000000000n + BigInt(m.virtToPfn(a.addr)!) * 4096n);
    expect(m.freePagesAddr(c, a.addr, 1)).toBe(true);
    const p = m.allocPages(c, GFP_KERNEL, 0);
    expect(m.pfnToPage(p.pfn)).toBe(0xffffea0000000000n + BigInt(p.pfn) * 64n);
    expect(m.freePagesPage(c, m.pfnToPage(p.pfn), 0)).toBe(true);
  });
});

describe('context rules', () => {
  test('a sleeping allocation in hardirq context is a BUG splat, and does not sleep', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const r = m.allocPages(m.ctx(1, 'hardirq'), GFP_KERNEL, 0);
    expect(r.pfn).toBeGreaterThan(0);
    const e = m.events.all().at(-1)!;
    expect(e.text).toBe('BUG: sleeping function called from invalid context at mm/page_alloc.c');
    expect(e.detail[0]).toContain('name: swapper/1');
  });
});

describe('kswapd and direct reclaim', () => {
  test('kswapd wakes below low and reclaims page cache until a zone is above high, a bounded batch per tick', () => {
    const m = boot({memory: 256 * M, cpus: 1});
    const z = zone(m, 'DMA32');
    // Read page by page until kswapd wakes: that happens when every eligible zone is below low (with
    // DMA's lowmem reserve), before any reader has to reclaim for itself.
    let pages = 0;
    while (!m.pa.nodes[0].kswapd.awake) {
      expect(m.pageCacheRead(m.ctx(), 4096)).toEqual({pages: 1, stallTicks: 0});
      pages++;
    }
    expect(pages).toBeGreaterThan(50000);
    expect(z.freePages).toBeLessThan(z.wmarkLow);
    expect(m.events.all().some((e) => e.text.startsWith('kswapd0: woken'))).toBe(true);
    const lru0 = z.lruCount;
    m.step();
    expect(lru0 - z.lruCount).toBeLessThanOrEqual(128);
    expect(lru0 - z.lruCount).toBeGreaterThan(0);
    for (let i = 0; i < 100 && m.pa.nodes[0].kswapd.awake; i++) m.step();
    expect(m.pa.nodes[0].kswapd.awake).toBe(false);
    expect(z.freePages + z.pcpTotal()).toBeGreaterThan(z.wmarkHigh);
    expect(m.events.all().at(-1)!.text).toMatch(/^kswapd0: sleeps, balanced/);
  });

  test('an allocation that may sleep reclaims directly and reports the stall; one that may not fails', () => {
    const m = boot({memory: 256 * M, cpus: 1, pcp: false});
    const z = zone(m, 'DMA32');
    m.pageCacheRead(m.ctx(), 1 * G); // fills memory down to min, reclaiming itself as it goes
    expect(z.lruCount).toBeGreaterThan(1000);
    expect(m.pa.stats.allocstall).toBeGreaterThan(0);
    while (m.allocPages(m.ctx(), GFP_NOWAIT, 0).pfn >= 0);
    const stalls = m.pa.stats.allocstall;
    const r = m.allocPages(m.ctx(), GFP_KERNEL, 0);
    expect(r.pfn).toBeGreaterThan(0);
    expect(m.pa.stats.allocstall).toBe(stalls + 1);
    // The caller sleeps for the reclaim work it did: a tick per DIRECT_RECLAIM_PAGES_PER_TICK pages, carried over.
    const stolen = m.pa.stats.pgstealDirect;
    let slept = r.stallTicks;
    for (let i = 0; i < 20_000; i++) {
      const a = m.allocPages(m.ctx(), GFP_KERNEL, 0);
      expect(a.pfn).toBeGreaterThan(0);
      slept += a.stallTicks;
    }
    const work = m.pa.stats.pgstealDirect - stolen;
    expect(work).toBeGreaterThan(3 * DIRECT_RECLAIM_PAGES_PER_TICK);
    expect(slept).toBeGreaterThanOrEqual(Math.floor(work / DIRECT_RECLAIM_PAGES_PER_TICK));
    expect(slept).toBeLessThanOrEqual(Math.floor(work / DIRECT_RECLAIM_PAGES_PER_TICK) + 1);
  });

  test('a direct-reclaim round that frees nothing is throttled a whole tick', () => {
    const m = boot({memory: 256 * M, cpus: 1, pcp: false});
    while (m.allocPages(m.ctx(), GFP_KERNEL | __GFP_NOWARN, 0).pfn >= 0);
    const r = m.allocPages(m.ctx(), GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY, 0);
    expect(r).toEqual({pfn: -1, stallTicks: 1});
  });
});

describe('__GFP_MEMALLOC', () => {
  test('may go below every watermark; __GFP_NOMEMALLOC takes that back', () => {
    const m = boot({memory: 256 * M, cpus: 1, pcp: false});
    while (m.allocPages(m.ctx(), GFP_ATOMIC | __GFP_NOWARN, 0).pfn >= 0);
    const z = zone(m, 'DMA32');
    const free = z.freePages;
    expect(m.allocPages(m.ctx(), GFP_ATOMIC | 0x20000, 0).pfn).toBeGreaterThan(0); // __GFP_MEMALLOC
    expect(z.freePages).toBe(free - 1);
    expect(m.allocPages(m.ctx(), GFP_ATOMIC | 0x20000 | 0x80000 | __GFP_NOWARN, 0).pfn).toBe(-1); // | __GFP_NOMEMALLOC
  });
});
