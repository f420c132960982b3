// check() on the vmalloc region: a machine after realistic vmalloc activity is consistent, and each kind of damage
// to the areas, the free ranges, the counters, the pages and the page tables is named. One corruption per test,
// made on purpose to the structures behind m.vm.
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import type {MachineSpec} from '../../source/kernel/config.js';
import {__GFP_ZERO, GFP_KERNEL} from '../../source/kernel/gfp.js';
import type {Machine} from '../../source/kernel/machine.js';
import {OWNER_PGTABLE, OWNER_VMALLOC} from '../../source/kernel/page-alloc/types.js';
import type {VmArea} from '../../source/kernel/vmalloc/areas.js';
import {boot, G, K, M} from '../helpers.js';

type Range = {start: number; end: number};

/** The free ranges behind AreaSpace's read-only view, to damage them. */
const freeRanges = (m: Machine) => m.vm.space.freeRanges() as Range[];
/** An area, writable, to damage it. */
const area = (m: Machine, addr: bigint) => m.vm.areaAt(addr) as {-readonly [K in keyof VmArea]: VmArea[K]};
const hexAddr = (a: bigint) => '0x' + a.toString(16);

/** What a kernel does over a few seconds: buffers come and go, some freed from interrupts, drivers map MMIO. */
function activity(m: Machine): {live: bigint[]; io: bigint[]} {
  const live: bigint[] = [];
  const io: bigint[] = [];
  const mmio = m.config.memory + 256 * M; // well above RAM: device memory
  for (let i = 0; i < 300; i++) {
    m.beginTick();
    const size = [100, 4 * K, 12 * K, 64 * K, 300 * K, 2 * M][i % 6];
    const v = m.vmalloc(m.ctx(i % m.nrCpus), size, i % 4 === 0 ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL);
    if (v.addr !== 0n) live.push(v.addr);
    if (i % 7 === 0) {
      const s = m.allocKernelStack(m.ctx()).addr;
      if (s !== 0n) live.push(s);
    }
    if (i % 3 === 0 && live.length > 4) m.vfree(m.ctx(i % m.nrCpus, i % 2 ? 'hardirq' : 'process'), live.shift()!);
    if (i % 20 === 0) {
      const r = m.ioremap(m.ctx(), mmio + i * 64 * K, 16 * K);
      if (r !== 0n) io.push(r);
    }
    if (i % 50 === 49) m.iounmap(m.ctx(), io.shift()!);
    m.endTick();
  }
  return {live, io};
}

describe('check() after realistic vmalloc activity', () => {
  test.each<[string, MachineSpec]>([
    ['x86_64', {memory: 1 * G, cpus: 2}],
    ['x86_64 with 4 CPUs and a 256 MiB region', {memory: 512 * M, cpus: 4, vmalloc: 256 * M}],
    ['i386', {profile: 'i386', memory: 1 * G, cpus: 2}],
    ['i386 with vmalloc=32M (a 12 MiB region)', {profile: 'i386', memory: 1 * G, cpus: 1, vmalloc: 32 * M}],
  ])('%s: nothing to report', (_, spec) => {
    const m = boot(spec);
    expect(check(m)).toEqual([]);
    const {live} = activity(m);
    expect(m.vm.space.busy.size).toBeGreaterThan(10);
    expect(check(m)).toEqual([]);
    for (const a of live) m.vfree(m.ctx(), a);
    m.step();
    m.vm.purge(0);
    expect(check(m)).toEqual([]);
  });
});

describe('corruptions check() catches', () => {
  function machine(): {m: Machine; a: bigint; b: bigint} {
    const m = boot({memory: 256 * M, cpus: 2});
    const a = m.vmalloc(m.ctx(), 16 * K).addr;
    const b = m.vmalloc(m.ctx(), 16 * K).addr;
    expect(check(m)).toEqual([]);
    return {m, a, b};
  }

  test('overlapping areas', () => {
    const {m, a, b} = machine();
    area(m, a).pages += 1; // a now runs into b's first page
    expect(check(m)).toEqual([
      `vmalloc: vmalloc area ${hexAddr(b)} (pages [5, 10)) overlaps vmalloc area ${hexAddr(a)} (pages [0, 6))`,
      `vmalloc: vmalloc area ${hexAddr(a)} (pages [0, 6)) maps 4 pages: its last page is not its guard (pages = mapped + 1)`,
    ]);
  });

  test('an area and a free range that overlap', () => {
    const {m, b} = machine();
    freeRanges(m)[0].start -= 2; // the free tail now claims b's last two pages
    expect(check(m)).toEqual([
      `vmalloc: free range [8, ${m.vm.pages}) overlaps vmalloc area ${hexAddr(b)} (pages [5, 10))`,
    ]);
  });

  test('a lost free range', () => {
    const {m, a} = machine();
    m.vfree(m.ctx(), a);
    m.vm.purge(0);
    expect(freeRanges(m).map((r) => [r.start, r.end])).toEqual([[0, 5], [10, m.vm.pages]]);
    freeRanges(m).splice(0, 1);
    expect(check(m)).toEqual([`vmalloc: pages [0, 5) (after the start of the region) are neither free nor in an area`]);
  });

  test('free ranges that are adjacent and not merged', () => {
    const {m} = machine();
    const r = freeRanges(m);
    r.push({start: r[0].start + 100, end: r[0].end});
    r[0].end = r[0].start + 100;
    expect(check(m)).toEqual([`vmalloc: free range [110, ${m.vm.pages}) and free range [10, 110) are adjacent and not merged`]);
  });

  test('a lazy counter drift', () => {
    const {m, a} = machine();
    m.vfree(m.ctx(), a);
    expect(m.vm.lazyPages).toBe(5);
    m.vm.lazyPages -= 1;
    expect(check(m)).toEqual(['vmalloc: lazy pages (vmap_lazy_nr) is 4, the purge list holds 5 pages']);
  });

  test('an unpurged area still mapped, and a freed area off the purge list', () => {
    const {m, a, b} = machine();
    m.vfree(m.ctx(), a);
    const unpurged = m.vm.unpurged[0] as {mapped: boolean};
    unpurged.mapped = true;
    expect(check(m)).toContain(`vmalloc: vmalloc area ${hexAddr(a)} (pages [0, 5)) is on the purge list but still mapped`);
    unpurged.mapped = false;
    m.vfree(m.ctx(), b);
    m.vm.unpurged.pop();
    m.vm.lazyPages -= 5;
    expect(check(m)).toEqual([`vmalloc: vmalloc area ${hexAddr(b)} (pages [5, 10)) is neither mapped nor on the purge list: it would never be purged`]);
  });

  test('a vmalloc page freed behind the area’s back, then taken by someone else', () => {
    const {m, a} = machine();
    const pfn = area(m, a).pfns[2];
    // __free_pages() refuses a vmalloc page; a buggy owner path (the allocator's own, with the owner's key) does not.
    expect(m.freePagesPfn(m.ctx(), pfn, 0)).toBe(false);
    m.pa.freePages(m.ctx(), pfn, 0, OWNER_VMALLOC);
    const lines = check(m);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^vmalloc: vmalloc area ${hexAddr(a)} \\(pages \\[0, 5\\)\\) maps pfn 0x${pfn.toString(16)}, which is PG_(PCP|BUDDY), not an order-0 vmalloc page$`));
    // The per-CPU list hands the same page to the next allocation.
    expect(m.allocPagesNode(m.ctx(), 0, GFP_KERNEL, 0).pfn).toBe(pfn);
    expect(check(m)).toEqual([`vmalloc: vmalloc area ${hexAddr(a)} (pages [0, 5)) maps pfn 0x${pfn.toString(16)}, which is PG_ALLOC order 0 owner kernel, not an order-0 vmalloc page`]);
  });

  test('a vmalloc page no area maps, and a page two areas map', () => {
    const {m, a, b} = machine();
    const stray = m.allocPagesNode(m.ctx(), 0, GFP_KERNEL, 0, OWNER_VMALLOC).pfn;
    expect(check(m)).toEqual([`vmalloc: pfn 0x${stray.toString(16)} (node 0 zone DMA32) is a vmalloc page of no mapped vmalloc area`]);
    m.pa.freePages(m.ctx(), stray, 0, OWNER_VMALLOC);
    const lost = area(m, b).pfns[0];
    area(m, b).pfns[0] = area(m, a).pfns[0];
    expect(check(m)).toEqual([
      `vmalloc: pfn 0x${area(m, a).pfns[0].toString(16)} is mapped by vmalloc area ${hexAddr(b)} (pages [5, 10)) and by vmalloc area ${hexAddr(a)} (pages [0, 5))`,
      `vmalloc: pfn 0x${lost.toString(16)} (node 0 zone DMA32) is a vmalloc page of no mapped vmalloc area`,
    ]);
  });

  test('PTE counters that drift', () => {
    const {m} = machine();
    m.vm.pt.mapped += 1;
    expect(check(m)).toEqual(['vmalloc: 9 PTEs are mapped, the mapped areas map 8 pages', 'vmalloc: 9 PTEs are mapped, but 8 were set and 0 cleared']);
    m.vm.pt.mapped -= 1;
    m.vm.pt.ptesCleared += 1;
    expect(check(m)).toEqual(['vmalloc: 8 PTEs are mapped, but 8 were set and 1 cleared']);
  });

  test('a page-table page missing from the tables', () => {
    const {m, a} = machine();
    const pte = m.vm.pt.tables[2];
    expect(pte.size).toBe(1);
    const [[index, pfn]] = [...pte];
    pte.delete(index);
    expect(check(m)).toEqual([
      `vmalloc: vmalloc area ${hexAddr(a)} (pages [0, 5)) is mapped but pte table ${index} does not exist`,
      `vmalloc: pfn 0x${pfn.toString(16)} (node 0 zone DMA32) is a page-table page in no table`,
      `vmalloc: ... and 1 more: no table`,
    ]);
  });

  test('a page-table page freed while the tables still name it', () => {
    const {m} = machine();
    const [[index, pfn]] = [...m.vm.pt.tables[1]];
    m.pa.freePages(m.ctx(), pfn, 0, OWNER_PGTABLE);
    expect(check(m)).toEqual([expect.stringMatching(new RegExp(`^vmalloc: pmd table ${index} \\(pfn 0x${pfn.toString(16)}\\) is PG_(PCP|BUDDY), not an order-0 page-table page$`))]);
  });
});

describe('the i386 region for small vmalloc= sizes', () => {
  // parse_vmalloc() adds VMALLOC_OFFSET to the vmalloc= size and MAXMEM = VMALLOC_END - PAGE_OFFSET - that, so the
  // region is the size asked for; lowmem ends where it must.
  test('vmalloc=16M on 1 GiB gives a region of 16 MiB, as the kernel does, and check() is clean', () => {
    const m = boot({profile: 'i386', memory: 1 * G, cpus: 1, vmalloc: 16 * M});
    expect(m.vm.pages * 4096).toBe(16 * M);
    expect(m.vm.end).toBe(0xff3fe000n);
    expect(check(m)).toEqual([]);
    expect(m.vmalloc(m.ctx(), 16 * M - 4 * K).addr).toBe(m.vm.start); // with its guard page: the whole region
    expect(m.vmalloc(m.ctx(), 4 * K).addr).toBe(0n);
  });
});
