// vmalloc_64k_ops_per_s and vmalloc_region_1g_4k_bytes: the vmalloc hot path and what a full region costs.
//
// vmalloc_64k_ops_per_s: a 4 GiB, 2-CPU x86_64 machine; vmalloc(64 KiB) then vfree() of it, through m.vm.vmalloc /
// m.vm.vfree with a process context on CPU 0 (so GFP_KERNEL may sleep and vfree is not deferred). An op is one
// vmalloc + vfree pair: 16 order-0 pages from the buddy allocator, page tables looked up, 16 PTEs set and cleared,
// the 16 pages freed, the 17-page area (guard included) queued lazily. lazy_max_pages is fls(2) * 8192 = 16384
// pages, crossed every 964 pairs; the machine ticks every TICK_EVERY pairs (m.step(): kswapd, slab, vmalloc's end
// of tick), and the tick that sees the threshold crossed purges (__purge_vmap_area_lazy: one TLB flush on each
// CPU, ~964 areas merged back into free space). So the figure includes the purges and the ticks, as a kernel
// that vmallocs and vfrees in a loop pays them. The figure is the median of RUNS runs of PAIRS pairs on one
// machine, after a warm-up; afterwards (untimed) the machine must pass check() and have purged as often as
// lazy_max_pages says, so a broken vmalloc fails the bench instead of measuring fast.
//
// vmalloc_region_1g_4k_bytes: a 2 GiB, 2-CPU x86_64 machine booted with vmalloc=1G (a 262144-page region), filled
// with vmalloc(4096) until the region is full: 131072 areas of one page and a guard. Measured as boot.ts measures
// a machine: process.memoryUsage().arrayBuffers + heapUsed after a full GC, here after the boot and again after
// the fill, so the figure is what the areas cost (VmArea objects, their pfn arrays, the busy Map, the page-table
// maps, the event log's two lines for the last, failing call), not the booted machine. The budget is 64 MiB,
// 512 bytes an area: a vm_struct + vmap_area + pages array is ~200 bytes in the kernel and a JS object with an
// array and a Map entry is a few hundred, so 64 MiB leaves room while still catching a per-area cost that doubles
// (a second Map, a closure or a string per area) or grows with the region's size rather than its areas.
import {check} from '../../source/kernel/check.js';
import {GFP_KERNEL} from '../../source/kernel/gfp.js';
import {Machine} from '../../source/kernel/machine.js';
import type {Figure} from './figure.js';

const KiB = 1024;
const GiB = 1024 * 1024 * 1024;
const PAIRS = 200_000;
const WARMUP = 50_000;
const RUNS = 5;
const TICK_EVERY = 32;
const CALLER = 'bench+0x0/0x0';

function fullGc(): void {
  const gc = (globalThis as {gc?: () => void}).gc;
  if (!gc) throw new Error('vmalloc: run node with --expose-gc (npm run bench does)');
  gc();
  gc();
}

function bootOrThrow(spec: Parameters<typeof Machine.boot>[0]): Machine {
  const r = Machine.boot(spec);
  if (!r.ok) throw new Error(`vmalloc: the machine did not boot: ${r.error.message}`);
  return r.machine;
}

/** PAIRS of vmalloc(64K) + vfree, a tick every TICK_EVERY pairs. Returns the milliseconds. */
function pairs(m: Machine, n: number): number {
  const vm = m.vm;
  const ctx = m.ctx(0);
  const t0 = performance.now();
  for (let i = 1; i <= n; i++) {
    const r = vm.vmalloc(ctx, 64 * KiB, GFP_KERNEL, -1, CALLER);
    if (r.addr === 0n) throw new Error(`vmalloc: vmalloc(64K) failed at pair ${i}`);
    vm.vfree(ctx, r.addr);
    if (i % TICK_EVERY === 0) m.step();
  }
  return performance.now() - t0;
}

function opsBench(log: (line: string) => void): Figure {
  const m = bootOrThrow({profile: 'x86_64', memory: 4 * GiB, cpus: 2});
  pairs(m, WARMUP);
  const purges0 = m.vm.stats.purges;
  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) rates.push(PAIRS / (pairs(m, PAIRS) / 1000));
  rates.sort((a, b) => a - b);
  const median = rates[RUNS >> 1];

  // Untimed: the machine is whole and purged when lazy_max_pages says (17 lazy pages a pair, a purge once past it).
  const problems = check(m);
  if (problems.length > 0) throw new Error(`vmalloc: check() after the run:\n${problems.slice(0, 10).join('\n')}`);
  const purges = m.vm.stats.purges - purges0;
  const perPurge = Math.floor(m.vm.lazyMax / 17) + 1;
  // A purge waits for the first tick past the threshold: every perPurge .. perPurge + TICK_EVERY pairs.
  const most = (RUNS * PAIRS) / perPurge + 1;
  const least = (RUNS * PAIRS) / (perPurge + TICK_EVERY) - 1;
  if (purges < least || purges > most) throw new Error(`vmalloc: ${purges} purges in ${RUNS * PAIRS} pairs, expected ${least.toFixed(0)}..${most.toFixed(0)}`);
  log(`vmalloc_64k: ${rates.map((x) => (x / 1000).toFixed(0)).join(' ')} k pairs/s; ${purges} purges (one per ~${perPurge} pairs), ${m.vm.pt.pages} page-table pages`);
  return {figure: 'vmalloc_64k_ops_per_s', value: Math.round(median), unit: 'ops/s'};
}

function regionBench(log: (line: string) => void): Figure {
  const m = bootOrThrow({profile: 'x86_64', memory: 2 * GiB, cpus: 2, vmalloc: 1 * GiB});
  const vm = m.vm;
  const ctx = m.ctx(0);
  fullGc();
  const m0 = process.memoryUsage();
  let areas = 0;
  while (vm.vmalloc(ctx, 4096, GFP_KERNEL, -1, CALLER).addr !== 0n) areas++;
  fullGc();
  const m1 = process.memoryUsage();
  const buffers = m1.arrayBuffers - m0.arrayBuffers;
  const heap = m1.heapUsed - m0.heapUsed;
  const bytes = buffers + heap;

  // The region must really be full of one-page areas, or the figure measures nothing.
  if (vm.pages !== 262144 || areas !== vm.pages / 2 || vm.space.freePages() !== 0 || vm.pt.mapped !== areas) {
    throw new Error(`vmalloc: ${areas} areas, ${vm.space.freePages()} free pages, ${vm.pt.mapped} PTEs in a ${vm.pages}-page region`);
  }
  const problems = check(m);
  if (problems.length > 0) throw new Error(`vmalloc: check() after the fill:\n${problems.slice(0, 10).join('\n')}`);
  log(
    `vmalloc_region_1g_4k: ${areas} areas; ${(buffers / 2 ** 20).toFixed(2)} MiB of array buffers + ${(heap / 2 ** 20).toFixed(1)} MiB of heap = ` +
      `${(bytes / areas).toFixed(0)} B per area; ${vm.pt.pages} page-table pages`,
  );
  return {figure: 'vmalloc_region_1g_4k_bytes', value: bytes, unit: 'B'};
}

/** Both figures in one process: the memory first, on a fresh heap, then the timing. */
export function vmallocBench(log: (line: string) => void): Figure[] {
  return [regionBench(log), opsBench(log)];
}
