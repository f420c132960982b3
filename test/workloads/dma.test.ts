// The dma_device generator as a story: a frame grabber that needs two 2 MiB coherent buffers below 4 GiB gets
// them when it reserves them at boot, and fails when it is loaded after memory pressure has scattered user and
// page-cache pages over ZONE_DMA32; a probe that runs out of ZONE_DMA gives back what it took; a device
// reserved at boot keeps its ring and pool across unload and load; a late device frees everything on unload.
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import type {Machine} from '../../source/kernel/machine.js';
import type {Zone} from '../../source/kernel/page-alloc/zone.js';
import {loadScenario} from '../../source/scenario/load.js';
import {Session} from '../../source/session/session.js';
import type {DmaWorkload} from '../../source/workloads/dma.js';

function open(text: string, seed?: number): Session {
  const r = loadScenario('dma-test.yaml', text);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const s = Session.create(r.scenario, seed);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.session;
}

function device(s: Session, name: string): DmaWorkload {
  const w = s.sys.workload(name);
  if (!w || w.type !== 'dma_device') throw new Error(`no dma_device ${name}`);
  return w as DmaWorkload;
}

function log(s: Session): string[] {
  return s.transcript.map((l) => l.text);
}

function zone(m: Machine, name: string): Zone {
  const z = m.pa.nodes[0].zones.find((x) => x.name === name);
  if (!z) throw new Error(`no zone ${name}`);
  return z;
}

/** A zone's row of /proc/buddyinfo. */
function zoneFree(m: Machine, name: string): number[] {
  return Array.from(zone(m, name).nrFree);
}

function freePages(m: Machine, name: string): number {
  return zoneFree(m, name).reduce((a, n, o) => a + (n << o), 0);
}

/** Two identical frame grabbers, each wanting 2 x 2 MiB coherent buffers below 4 GiB: one built in, one a module. */
const GRABBER = `    type: dma_device
    zone: DMA32
    ring: { count: 2, order: 9 }
    buffers: { arrival: {poisson: 0.1}, order: 4, lifetime: {uniform: [10, 50]}, pool: 8 }`;

/** The built-in grabber reserves at boot; a hog reads files and faults user pages; the module loads at `lateAt`. */
function fragmented(lateAt: number, seed?: number): Session {
  return open(
    `name: fragmentation
description: the same device at boot and late
seed: 1
machine: { memory: 256M, cpus: 2 }
workloads:
  builtin:
${GRABBER}
    cpus: [0]
    allocate_at_boot: true
  module:
${GRABBER}
    cpus: [1]
  hog:
    type: pressure
    read: {exponential: 6}
    anon: {exponential: 3}
    anon_max: 64M
    lifetime: {exponential: 6000}
timeline:
  - at: 1
    load: builtin
    start: hog
  - at: ${lateAt}
    load: module
`,
    seed,
  );
}

/** One device alone on a 256 MiB machine, loaded at tick 1. */
function alone(spec: string, timeline = ''): Session {
  return open(`name: dma
description: one device
seed: 5
machine: { memory: 256M, cpus: 2 }
workloads:
  dev:
    type: dma_device
${spec}
timeline:
  - at: 1
    load: dev
${timeline}`);
}

describe('dma_device', () => {
  test('the ring reserved at boot survives the fragmentation that fails the same device loaded late', () => {
    const s = fragmented(7000);
    const m = s.machine;
    const builtin = device(s, 'builtin');
    const module = device(s, 'module');
    // Right after boot the built-in device holds its ring and pool; memory is one run of order-10 blocks.
    expect(builtin.ringPfns.length).toBe(2);
    for (const pfn of builtin.ringPfns) expect(m.describePfn(pfn)).toContain('DMA32');
    expect(builtin.stats.pages).toBe(2 * 512 + 8 * 16);
    expect(zoneFree(m, 'DMA32')[10]).toBeGreaterThan(40);

    s.runTicks(6999);
    // Fragmented, not short of memory: most of DMA32 is page cache that reclaim may free, but no free block
    // of order 9 or 10 is left anywhere.
    expect(zone(m, 'DMA32').lruCount).toBeGreaterThan(30000);
    expect(zoneFree(m, 'DMA32').slice(9)).toEqual([0, 0]);
    expect(zoneFree(m, 'DMA').slice(9)).toEqual([0, 0]);

    s.runTicks(20);
    expect(module.state).toBe('failed');
    expect(module.stats.pages).toBe(0);
    expect(module.counters.probe_failures).toBe(1);
    expect(module.ringPfns).toEqual([]);
    // Reclaim freed more than the ring's 1024 pages, in pieces too small to use.
    expect(freePages(m, 'DMA32')).toBeGreaterThan(1024);
    expect(zoneFree(m, 'DMA32').slice(9)).toEqual([0, 0]);
    expect(log(s)).toContain('modprobe: page allocation failure: order:9, mode:0xcc4(GFP_KERNEL|GFP_DMA32), nodemask=(null),cpuset=/,mems_allowed=0');
    expect(log(s)).toContain('module: probe with driver module failed with error -12');
    // The built-in one is untouched and still serves its buffers from the pool.
    expect(builtin.state).toBe('running');
    expect(builtin.stats.pages).toBeGreaterThanOrEqual(2 * 512 + 8 * 16);
    expect(builtin.counters.pool_buffers).toBeGreaterThan(500);
    expect(check(m)).toEqual([]);
  });

  test('the same device loaded early, before memory fragments, probes fine', () => {
    const s = fragmented(2);
    s.runTicks(7000);
    expect(device(s, 'module').state).toBe('running');
    expect(device(s, 'module').ringPfns.length).toBe(2);
    expect(log(s)).toContain('module: probed: 2 x 2048 KiB coherent ring in ZONE_DMA32');
    expect(check(s.machine)).toEqual([]);
  });

  test('a probe that runs out of ZONE_DMA gives back every block it took and fails with -ENOMEM', () => {
    const s = alone('    zone: DMA\n    ring: { count: 4, order: 10 }');
    const before = zoneFree(s.machine, 'DMA');
    // A fresh 256 MiB machine has three order-10 blocks in ZONE_DMA (buddyinfo "1 1 3"): the fourth fails.
    expect(before.slice(8)).toEqual([1, 1, 3]);
    s.runTicks(5);
    const dev = device(s, 'dev');
    expect(dev.state).toBe('failed');
    expect(dev.stats.pages).toBe(0);
    expect(dev.stats.failures).toBe(1);
    expect(log(s)).toContain('modprobe: page allocation failure: order:10, mode:0xcc1(GFP_KERNEL|GFP_DMA), nodemask=(null),cpuset=/,mems_allowed=0');
    const failed = s.transcript.find((l) => l.text === 'dev: probe with driver dev failed with error -12');
    expect(failed?.detail).toEqual(['dev: dma_alloc_coherent(4194304, GFP_KERNEL | GFP_DMA) failed for ring block 3 of 4']);
    expect(zoneFree(s.machine, 'DMA')).toEqual(before);
    expect(check(s.machine)).toEqual([]);
  });

  test('a device that cannot reserve its ring at boot fails there and leaves ZONE_DMA as boot left it', () => {
    const plain = alone('    zone: DMA\n    ring: { count: 0, order: 0 }');
    const s = open(`name: dma
description: one device reserved at boot
machine: { memory: 256M, cpus: 2 }
workloads:
  dev:
    type: dma_device
    zone: DMA
    ring: { count: 2, order: 10 }
    buffers: { arrival: {periodic: 1}, order: 10, pool: 2 }
    allocate_at_boot: true
timeline:
  - at: 5
    note: later
`);
    const dev = device(s, 'dev');
    // Two order-10 blocks for the ring, the pool's first from the third; the second pool block fails.
    const failed = s.transcript.filter((l) => l.text === 'dev: probe with driver dev failed with error -12');
    expect(failed[0].tick).toBe(0);
    expect(failed[0].detail).toEqual(['dev: dma_alloc_coherent(4194304, GFP_KERNEL | GFP_DMA) failed for pool buffer 1 of 2']);
    expect(dev.stats.pages).toBe(0);
    expect(dev.poolFree).toBe(0);
    expect(zoneFree(s.machine, 'DMA')).toEqual(zoneFree(plain.machine, 'DMA'));
    expect(check(s.machine)).toEqual([]);
  });

  test('a 24-bit device gets its ring below 16 MiB', () => {
    const s = alone('    zone: DMA\n    ring: { count: 2, order: 3 }');
    s.runTicks(3);
    const dev = device(s, 'dev');
    expect(dev.state).toBe('running');
    for (const pfn of dev.ringPfns) expect(pfn * 4096).toBeLessThan(16 << 20);
    expect(dev.stats.pages).toBe(16);
  });

  test('reserved at boot: buffers come from the pool while it lasts, and unload and load keep ring and pool', () => {
    const spec = `    ring: { count: 1, order: 6 }
    buffers: { arrival: {periodic: 1}, order: 2, lifetime: 10, pool: 2 }
    allocate_at_boot: true`;
    const s = alone(spec, '  - at: 40\n    unload: dev\n  - at: 50\n    load: dev\n');
    const dev = device(s, 'dev');
    const ring = [...dev.ringPfns];
    expect(log(s)).toContain('dev: reserved at boot: 1 x 256 KiB coherent ring, 2 x 16 KiB buffer pool (ZONE_DMA32)');
    s.runTicks(30);
    // One buffer a tick, each living 10 ticks: 10 in flight, 2 of them from the pool, 8 from the page allocator.
    expect(dev.poolFree).toBe(0);
    expect(dev.stats.pages).toBe(64 + 2 * 4 + 8 * 4);
    expect(dev.counters.pool_buffers).toBeGreaterThan(0);
    expect(dev.counters.buffers).toBeGreaterThan(dev.counters.pool_buffers);
    s.runTicks(12);
    expect(dev.state).toBe('stopped');
    expect(dev.stats.pages).toBe(64 + 2 * 4);
    expect(dev.poolFree).toBe(2);
    expect(dev.ringPfns).toEqual(ring);
    s.runTicks(10);
    expect(dev.state).toBe('running');
    expect(dev.ringPfns).toEqual(ring);
    expect(log(s)).toContain('dev: probed: 1 x 256 KiB coherent ring in ZONE_DMA32 (reserved at boot)');
    expect(dev.stats.failures).toBe(0);
    expect(check(s.machine)).toEqual([]);
  });

  test('a late device frees its ring and its streaming buffers on unload: the free lists are back to boot', () => {
    const s = alone('    ring: { count: 3, order: 5 }\n    buffers: { arrival: {poisson: 0.5}, order: 1, lifetime: {uniform: [5, 30]} }', '  - at: 60\n    unload: dev\n');
    s.machine.drainAllPages();
    const boot = zoneFree(s.machine, 'DMA32');
    s.runTicks(59);
    const dev = device(s, 'dev');
    expect(dev.state).toBe('running');
    expect(dev.stats.pages).toBeGreaterThan(3 * 32);
    expect(dev.counters.buffers).toBeGreaterThan(10);
    s.runTicks(3);
    expect(dev.state).toBe('stopped');
    expect(dev.stats.pages).toBe(0);
    expect(log(s)).toContain('dev: removed');
    s.machine.drainAllPages();
    expect(zoneFree(s.machine, 'DMA32')).toEqual(boot);
    expect(check(s.machine)).toEqual([]);
  });

  test('a second load is refused, and so is unloading a device that is not loaded', () => {
    const s = alone('    ring: { count: 1, order: 0 }', '  - at: 3\n    load: dev\n  - at: 4\n    unload: dev\n  - at: 6\n    unload: dev\n');
    s.runTicks(7);
    expect(log(s)).toContain("modprobe: ERROR: could not insert 'dev': Module already in kernel");
    expect(log(s)).toContain('rmmod: ERROR: Module dev is not currently loaded');
    expect(device(s, 'dev').stats.pages).toBe(0);
  });

  test('a run is a pure function of scenario and seed', () => {
    const run = (seed: number) => {
      const s = fragmented(3000, seed);
      s.runTicks(3200);
      return JSON.stringify({log: log(s), w: s.sys.workloads.map((w) => [w.stats, w.counters])});
    };
    expect(run(1)).toBe(run(1));
    expect(run(2)).not.toBe(run(1));
  });
});
