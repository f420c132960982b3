import {describe, expect, test} from 'vitest';
import {__GFP_NOWARN, GFP_ATOMIC, GFP_KERNEL, GFP_NOWAIT} from '../../source/kernel/gfp.js';
import type {Machine} from '../../source/kernel/machine.js';
import {OWNER_KERNEL, OWNER_PGTABLE, OWNER_VMALLOC} from '../../source/kernel/page-alloc/types.js';
import {check} from '../../source/kernel/check.js';
import {DUMPS} from '../../source/kernel/procfs.js';
import {boot, G, K, M} from '../helpers.js';

const lastEvents = (m: Machine, n: number) => m.events.all().slice(-n).map((e) => e.text);

/** Fill memory with order-0 pages, then free every other one: plenty free, no two free pages adjacent. */
function fragment(m: Machine): void {
  const pfns: number[] = [];
  for (;;) {
    const r = m.allocPages(m.ctx(), GFP_NOWAIT | __GFP_NOWARN, 0);
    if (r.pfn < 0) break;
    pfns.push(r.pfn);
  }
  pfns.sort((a, b) => a - b);
  for (let i = 0; i < pfns.length; i += 2) m.freePagesPfn(m.ctx(), pfns[i], 0);
  m.drainAllPages();
}

function countOwned(m: Machine, owner: number): number {
  let n = 0;
  for (const z of m.pa.zones) for (let i = 0; i < z.spanned; i++) if (z.state[i] === 2 && z.info[i] >> 2 === owner) n++;
  return n;
}

describe('vmalloc against kmalloc', () => {
  test('after fragmentation kmalloc(4M) fails while vmalloc(4M) succeeds with scattered pages', () => {
    const m = boot({memory: 256 * M, cpus: 2});
    fragment(m);
    const k = m.kmalloc(m.ctx(), 4 * M, GFP_KERNEL);
    expect(k.addr).toBe(0n);
    expect(m.events.all().some((e) => e.text.includes('page allocation failure: order:10, mode:0x40cc0(GFP_KERNEL|__GFP_COMP)'))).toBe(true);
    const v = m.vmalloc(m.ctx(), 4 * M);
    expect(v.addr).toBe(0xffffc90000000000n);
    const area = m.vm.areaAt(v.addr)!;
    expect(area.pfns.length).toBe(1024);
    // No two pages of the area are neighbours: they came one by one from a fragmented allocator.
    const sorted = [...area.pfns].sort((a, b) => a - b);
    expect(sorted.every((p, i) => i === 0 || p - sorted[i - 1] >= 2)).toBe(true);
    // kvmalloc makes the same choice by itself: kmalloc quietly fails, vmalloc succeeds.
    const before = m.events.count;
    const kv = m.kvmalloc(m.ctx(), 4 * M, GFP_KERNEL);
    expect(m.vm.contains(kv.addr)).toBe(true);
    expect(m.events.count).toBe(before);
    expect(m.vm.contains(m.kvmalloc(m.ctx(), 100, GFP_KERNEL).addr)).toBe(false);
  });
});

describe('the region', () => {
  test('x86_64 starts at VMALLOC_START; areas are the lowest fit with a guard page', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    expect(m.vm.start).toBe(0xffffc90000000000n);
    expect(m.vm.end).toBe(0xffffc90000000000n + (32n << 40n));
    const a = m.vmalloc(m.ctx(), 8 * K).addr;
    const b = m.vmalloc(m.ctx(), 1).addr;
    expect(b - a).toBe(12288n); // 2 pages + the guard
    m.vfree(m.ctx(), a);
    m.vm.purge(0);
    expect(m.vmalloc(m.ctx(), 4 * K).addr).toBe(a); // the lowest hole that fits
  });

  test('i386: 128 MiB below the pkmap area; exhaustion warns and vmalloc= gives more room', () => {
    const m = boot({profile: 'i386', memory: 1 * G, cpus: 1});
    expect(m.vm.start).toBe(0xf8800000n);
    expect(m.vm.end).toBe(0xff3fe000n);
    expect(m.vmalloc(m.ctx(), 64 * M).addr).toBe(0xf8800000n);
    expect(m.vmalloc(m.ctx(), 64 * M).addr).toBe(0n);
    expect(lastEvents(m, 2)).toEqual([
      'vmap allocation for size 67112960 failed: use vmalloc=<size> to increase size',
      'kcall: vmalloc error: size 67108864, vm_struct allocation failed, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0',
    ]);
    const big = boot({profile: 'i386', memory: 1 * G, cpus: 1, vmalloc: 256 * M});
    expect(big.vmalloc(big.ctx(), 64 * M).addr).not.toBe(0n);
    expect(big.vmalloc(big.ctx(), 64 * M).addr).not.toBe(0n);
  });

  test('a full region is purged before it gives up', () => {
    const m = boot({profile: 'i386', memory: 1 * G, cpus: 1});
    const a = m.vmalloc(m.ctx(), 100 * M).addr;
    m.vfree(m.ctx(), a);
    expect(m.vm.lazyPages).toBeGreaterThan(0);
    expect(m.vmalloc(m.ctx(), 100 * M).addr).toBe(a);
    expect(m.vm.stats.purges).toBe(1);
  });
});

describe('page tables', () => {
  test('page-table pages appear on first use and stay', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    expect(countOwned(m, OWNER_PGTABLE)).toBe(0);
    const v = m.vmalloc(m.ctx(), 4 * M).addr;
    // One PUD, one PMD and two PTE pages (each covers 2 MiB).
    expect(m.vm.pt.tables.map((t) => t.size)).toEqual([1, 1, 2]);
    expect(countOwned(m, OWNER_PGTABLE)).toBe(4);
    expect(m.vm.pt.mapped).toBe(1024);
    m.vfree(m.ctx(), v);
    expect(m.vm.pt.mapped).toBe(0);
    expect(m.vm.pt.ptesCleared).toBe(1024);
    m.vm.purge(0);
    expect(countOwned(m, OWNER_PGTABLE)).toBe(4);
    expect(countOwned(m, OWNER_VMALLOC)).toBe(0);
  });

  test('i386 has two levels: PTE pages of 4 MiB', () => {
    const m = boot({profile: 'i386', memory: 1 * G, cpus: 1});
    m.vmalloc(m.ctx(), 6 * M);
    expect(m.vm.pt.levels.map((l) => l.name)).toEqual(['pte']);
    expect(m.vm.pt.tables[0].size).toBe(2);
  });
});

describe('lazy freeing and TLB flushes', () => {
  test.each([
    [2, 16384],
    [4, 24576],
    [64, 57344],
  ])('%i CPUs: lazy_max_pages %i; purges come exactly when the formula says', (cpus, lazyMax) => {
    const m = boot({memory: 4 * G, cpus});
    expect(m.vm.lazyMax).toBe(lazyMax);
    // Each 64 KiB area is 17 lazy pages with its guard; one vfree per tick.
    const perPurge = Math.floor(lazyMax / 17) + 1;
    for (let i = 0; i < 2 * perPurge; i++) {
      m.beginTick();
      m.vfree(m.ctx(), m.vmalloc(m.ctx(), 64 * K).addr);
      m.endTick();
    }
    expect(m.vm.stats.purges).toBe(2);
    // The union of ~perPurge areas is far above 33 pages: a full flush on every CPU, an IPI to each other CPU.
    const t = m.vm.tlb;
    expect(t.cpus.every((c) => c.fullFlushes === 2 && c.singleFlushes === 0)).toBe(true);
    expect(t.cpus[0].ipisSent).toBe(2 * (cpus - 1));
    expect(t.cpus.slice(1).every((c) => c.ipisReceived === 2)).toBe(true);
    expect(t.remoteFlush).toBe(2);
  });

  test('a small purge flushes page by page on each CPU', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    m.vfree(m.ctx(), m.vmalloc(m.ctx(), 8 * K).addr);
    m.vm.purge(1);
    const t = m.vm.tlb;
    expect(t.cpus.map((c) => [c.fullFlushes, c.singleFlushes, c.ipisSent, c.ipisReceived])).toEqual([
      [0, 3, 0, 1],
      [0, 3, 1, 0],
    ]);
    expect(DUMPS.tlb(m)).toBe('TLB:          1          0   TLB shootdowns\nnr_tlb_remote_flush 1\nnr_tlb_remote_flush_received 1\nnr_tlb_local_flush_all 0\nnr_tlb_local_flush_one 6\n');
  });
});

describe('context rules', () => {
  test('vmalloc in interrupt context is the BUG_ON of __get_vm_area_node, with a non-sleeping GFP a BUG; both NULL', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    expect(m.vmalloc(m.ctx(1, 'softirq'), 4096).addr).toBe(0n);
    expect(m.events.all().at(-1)!.text).toBe('kernel BUG at mm/vmalloc.c!');
    expect(m.events.all().at(-1)!.detail[0]).toBe('Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI');
    expect(m.vmalloc(m.ctx(), 4096, GFP_ATOMIC).addr).toBe(0n);
    expect(m.events.all().at(-1)!.text).toBe('BUG: vmalloc() with a non-sleeping mode:0x820(GFP_ATOMIC)');
  });

  test('vfree from interrupt context is deferred to the end of the tick (vfree_atomic)', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const v = m.vmalloc(m.ctx(), 64 * K).addr;
    m.beginTick();
    expect(m.vfree(m.ctx(1, 'hardirq'), v)).toBe(true);
    expect(m.vm.areaAt(v)).toBeDefined();
    expect(m.vfree(m.ctx(1, 'hardirq'), v)).toBe(false); // already queued
    m.endTick();
    expect(m.vm.areaAt(v)).toBeUndefined();
    expect(m.vm.lazyPages).toBe(17);
  });

  test('bad vfree and iounmap are warnings that change nothing', () => {
    const m = boot({memory: 1 * G, cpus: 1});
    const v = m.vmalloc(m.ctx(), 4096).addr;
    expect(m.vfree(m.ctx(), v + 8n)).toBe(false);
    expect(m.events.all().at(-1)!.detail[0]).toBe(`Trying to vfree() nonexistent vm area (0x${(v + 8n).toString(16)})`);
    expect(m.iounmap(m.ctx(), v)).toBe(false);
    expect(m.events.all().at(-1)!.detail[0]).toBe(`iounmap: bad address 0x${v.toString(16)}`);
    expect(m.vm.areaAt(v)).toBeDefined();
  });
});

describe('ioremap, kernel stacks and vmallocinfo', () => {
  test('ioremap maps device memory, refuses RAM; stacks are 16K + guard from kernel_clone', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    expect(m.ioremap(m.ctx(), 0x100000, 4096)).toBe(0n);
    expect(m.events.all().at(-1)!.detail[0]).toBe('ioremap on RAM at 0x0000000000100000 - 0x0000000000100fff');
    const io = m.ioremap(m.ctx(), 0xfebd0000 + 0x10, 0x100);
    expect(io & 0xfffn).toBe(0x10n);
    const stack = m.allocKernelStack(m.ctx(1)).addr;
    expect(stack % 16384n).toBe(0n);
    const v = m.vmalloc(m.ctx(), 10000).addr;
    m.vfree(m.ctx(), v);
    const lines = DUMPS.vmallocinfo(m).split('\n');
    expect(lines).toEqual([
      '0xffffc90000000000-0xffffc90000002000    8192 kcall+0x0/0x0 phys=0x00000000febd0000 ioremap',
      `0x${stack.toString(16)}-0x${(stack + 20480n).toString(16)}   20480 kernel_clone+0x94/0x3e0 pages=4 vmalloc N0=4`,
      `0x${v.toString(16)}-0x${(v + 16384n).toString(16)}   16384 unpurged vm_area`,
      '',
    ]);
    m.freeKernelStack(m.ctx(1), stack);
    expect(m.vm.lazyPages).toBe(4 + 5);
  });

  test('i386 has no VMAP_STACK: a kernel stack is an order-1 lowmem block, freed at once', () => {
    const m = boot({profile: 'i386', memory: 1 * G, cpus: 2});
    const before = m.vm.space.busy.size;
    const stack = m.allocKernelStack(m.ctx(1)).addr;
    expect(stack % 8192n).toBe(0n);
    expect(m.vm.space.busy.size).toBe(before);
    const pfn = m.virtToPfn(stack)!;
    expect(m.pa.ownerOf(pfn)).toBe(OWNER_KERNEL);
    expect(m.zoneOf(pfn)?.name).toBe('Normal');
    expect(m.freeKernelStack(m.ctx(1), stack)).toBe(true);
    expect(m.pa.ownerOf(pfn)).toBe(-1);
    expect(check(m)).toEqual([]);
  });
});

describe('i386 vmalloc pages', () => {
  test('come from HighMem unless DMA was asked for (__vmalloc_area_node adds __GFP_HIGHMEM)', () => {
    const m = boot({profile: 'i386', memory: 2 * G, cpus: 1});
    const a = m.vm.areaAt(m.vmalloc(m.ctx(), 64 * K).addr)!;
    expect(a.pfns).toHaveLength(16);
    expect(a.pfns.every((p) => m.describePfn(p) === 'Node 0 HighMem')).toBe(true);
  });
});

describe('zoneinfo counters', () => {
  test('nr_page_table_pages and nr_kernel_stack follow the vmalloc region', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    m.allocKernelStack(m.ctx());
    m.allocKernelStack(m.ctx(1));
    const text = DUMPS.zoneinfo(m);
    expect(text).toContain('\n      nr_kernel_stack 32\n');
    expect(text).toContain(`\n      nr_page_table_pages ${m.vm.pt.pages}\n`);
  });
});

test('a lazy purge is logged as the purge_vmap_area_lazy tracepoint shows it', () => {
  const m = boot({memory: 1 * G, cpus: 2});
  const v = m.vmalloc(m.ctx(), 64 * K).addr;
  m.vfree(m.ctx(), v);
  m.vm.purge(0);
  const e = m.events.all().at(-1)!;
  expect(e.kind).toBe('purge');
  expect(e.text).toBe(`purge_vmap_area_lazy: start=0x${v.toString(16)} end=0x${(v + 17n * 4096n).toString(16)} npurged=1`);
  expect(e.detail).toEqual(['17 pages of 1 lazily freed areas; 17 single-page flushes on 2 CPUs']);
});
