// The pressure generator as a story: readers fill memory with page cache they do not own, kswapd wakes and
// reclaims it; a reader that outruns kswapd reclaims directly, sleeps in D and goes on after the stall; user
// pages live their lifetime, stay under anon_max, are never reclaimed (no swap) and are all unmapped at stop.
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import type {Machine} from '../../source/kernel/machine.js';
import type {Zone} from '../../source/kernel/page-alloc/zone.js';
import {OWNER_USER} from '../../source/kernel/page-alloc/types.js';
import {formatScenarioError, loadScenario} from '../../source/scenario/load.js';
import {zoneinfoView} from '../../source/kernel/procfs.js';
import {Session} from '../../source/session/session.js';
import type {Task} from '../../source/workloads/system.js';
import type {Workload} from '../../source/workloads/workload.js';

type Hog = {read?: string | number; anon?: string | number; anonMax?: string; lifetime?: string | number; timeline?: string; machine?: string; cpus?: string};

/** A machine with one pressure workload, `hog`, started at tick 1 on both CPUs. */
function hog(h: Hog, seed?: number): Session {
  const text = `name: pressure-test
description: one hog
seed: 4
machine: ${h.machine ?? '{ memory: 256M, cpus: 2 }'}
workloads:
  hog:
    type: pressure
${h.cpus ? `    cpus: ${h.cpus}\n` : ''}    read: ${h.read ?? 0}
    anon: ${h.anon ?? 0}
    anon_max: ${h.anonMax ?? '64M'}
    lifetime: ${h.lifetime ?? '{exponential: 1000}'}
timeline:
  - at: 1
    start: hog
${h.timeline ?? ''}`;
  const r = loadScenario('pressure-test.yaml', text);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const s = Session.create(r.scenario, seed);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.session;
}

function workload(s: Session): Workload {
  return s.sys.workload('hog') as Workload;
}

function tasks(s: Session): Task[] {
  return [...s.sys.tasks.values()].filter((t) => t.comm === 'hog');
}

/** User pages anywhere in the machine (what /proc/meminfo's AnonPages would count). */
function userPages(m: Machine): number {
  const end = m.pa.nodes[m.pa.nodes.length - 1].endPfn;
  let n = 0;
  for (let pfn = 0; pfn < end; pfn++) if (m.pa.ownerOf(pfn) === OWNER_USER) n++;
  return n;
}

function pageCache(m: Machine): number {
  return m.pa.zones.reduce((a, z) => a + z.lruCount, 0);
}

describe('pressure', () => {
  test('reads fill memory with page cache the readers do not own; kswapd wakes and reclaims it', () => {
    const s = hog({read: 32});
    const m = s.machine;
    s.runTicks(200);
    // 2 readers x 32 pages a tick, nothing reclaimed yet: all of it page cache, none of it the workload's.
    expect(pageCache(m)).toBe(2 * 32 * 200);
    expect(workload(s).stats.pages).toBe(0);
    expect(m.pa.stats.kswapdWakeups).toBe(0);
    s.runTicks(1500);
    expect(workload(s).counters.pagecache_pages).toBeGreaterThan(80000);
    expect(m.pa.stats.kswapdWakeups).toBeGreaterThan(0);
    expect(m.pa.stats.pgstealKswapd).toBeGreaterThan(10000);
    expect(s.transcript.some((l) => l.text === 'kswapd0: woken for order 0, zones up to Normal')).toBe(true);
    // Memory stays full of page cache, kept near the watermarks.
    expect(pageCache(m)).toBeGreaterThan(55000);
    expect(check(m)).toEqual([]);
  });

  test('a reader that outruns kswapd reclaims directly, sleeps in D and runs again after the stall', () => {
    const s = hog({read: 200});
    let sleeper: Task | undefined;
    for (let i = 0; i < 2000 && !sleeper; i++) {
      s.step();
      sleeper = tasks(s).find((t) => t.state === 'D');
    }
    expect(sleeper?.wait).toBe('reclaim');
    const t = sleeper as Task;
    expect(t.stalls).toBeGreaterThan(0);
    const {wakeAt, steps} = t;
    expect(wakeAt).toBeGreaterThan(s.tick);
    // It does not run while it sleeps ...
    while (s.tick < wakeAt - 1) s.step();
    expect(t.state).toBe('D');
    expect(t.steps).toBe(steps);
    // ... and is back on its CPU the tick it wakes.
    s.step();
    expect(t.steps).toBe(steps + 1);
    expect(workload(s).stats.stalls).toBeGreaterThan(0);
    expect(m(s).pa.stats.allocstall).toBeGreaterThan(0);
    expect(check(s.machine)).toEqual([]);
  });

  test('user pages are unmapped after their lifetime and a process never holds more than anon_max', () => {
    const s = hog({anon: 4, lifetime: 50, anonMax: '1M'});
    s.runTicks(10);
    // 2 processes x 4 pages a tick for 10 ticks.
    expect(workload(s).stats.pages).toBe(80);
    expect(userPages(s.machine)).toBe(80);
    s.runTicks(40);
    // Each holds 1 MiB = 256 pages at most (4 a tick would be 200 by now, under the limit).
    expect(workload(s).stats.pages).toBe(2 * 4 * 50);
    s.runTicks(50);
    // From tick 51 on, the pages faulted at tick t - 50 are unmapped as new ones come: 50 ticks' worth live.
    expect(workload(s).stats.pages).toBe(2 * 4 * 50);
    expect(userPages(s.machine)).toBe(400);
    const capped = hog({anon: 16, lifetime: 1000, anonMax: '1M'});
    capped.runTicks(100);
    expect(workload(capped).stats.pages).toBe(2 * 256);
    expect(userPages(capped.machine)).toBe(512);
    expect(check(capped.machine)).toEqual([]);
  });

  test('user pages are not reclaimable (no swap): reclaim takes only page cache, stop unmaps them all', () => {
    const s = hog({read: 24, anon: 4, anonMax: '48M', lifetime: '{exponential: 5000}', timeline: '  - at: 4000\n    stop: hog\n'});
    const m = s.machine;
    s.runTicks(3990);
    expect(m.pa.stats.pgstealKswapd + m.pa.stats.pgstealDirect).toBeGreaterThan(20000);
    const held = workload(s).stats.pages;
    expect(held).toBeGreaterThan(15000);
    // Every user page the processes mapped is still theirs: reclaim did not touch one.
    expect(userPages(m)).toBe(held);
    // Some have been unmapped at the end of their lifetime; those are the only ones that left.
    expect(workload(s).counters.anon_faults).toBeGreaterThan(held);
    s.runTicks(20);
    expect(workload(s).state).toBe('stopped');
    expect(workload(s).stats.pages).toBe(0);
    expect(userPages(m)).toBe(0);
    expect(tasks(s)).toEqual([]);
    expect(check(m)).toEqual([]);
  });

  test('pinned to node 1, its pages fall back to node 0 once node 1 is at its low watermark', () => {
    const s = hog({read: 64, anon: 8, cpus: '[1]', machine: '{ memory: 512M, nodes: 2, cpus: 2 }'});
    const dma32 = (nid: number) => s.machine.pa.nodes[nid].zones.find((z) => z.name === 'DMA32') as Zone;
    s.runTicks(500);
    // 72 pages a tick for 500 ticks fit in node 1's 256 MiB: all local.
    expect(dma32(1).stats.numaHit).toBe(500 * 72);
    expect(dma32(0).stats.numaMiss).toBe(0);
    s.runTicks(500);
    // Node 1 is full: the zonelist's next zone, node 0's DMA32, takes the rest without waking kswapd.
    expect(dma32(1).freePages).toBeLessThan(dma32(1).wmarkLow);
    expect(dma32(0).stats.numaMiss).toBeGreaterThan(5000);
    expect(dma32(1).stats.numaForeign).toBe(dma32(0).stats.numaMiss);
    expect(s.machine.pa.stats.kswapdWakeups).toBe(0);
    expect(check(s.machine)).toEqual([]);
  });

  test('a run is a pure function of scenario and seed', () => {
    const run = (seed: number) => {
      const s = hog({read: '{exponential: 8}', anon: '{exponential: 3}', anonMax: '32M', lifetime: '{exponential: 500}'}, seed);
      s.runTicks(3000);
      return JSON.stringify({log: s.transcript.map((l) => l.text), w: [workload(s).stats, workload(s).counters], free: m(s).pa.zones.map((z) => Array.from(z.nrFree))});
    };
    expect(run(1)).toBe(run(1));
    expect(run(2)).not.toBe(run(1));
  });
});

function m(s: Session): Machine {
  return s.machine;
}

test('user pages show in zoneinfo as anonymous memory, and check() counts them', () => {
  const r = loadScenario('z.yaml', `name: z
description: anon pages
machine: {memory: 256M, cpus: 1}
workloads:
  hog: {type: pressure, anon: 8, anon_max: 4M, lifetime: 100000}
`);
  if (!r.ok) throw new Error(formatScenarioError(r.error));
  const c = Session.create(r.scenario);
  if (!c.ok) throw new Error(formatScenarioError(c.error));
  const s = c.session;
  s.runTicks(200);
  const zi = zoneinfoView(s.machine);
  const node = zi.find((v) => v.node_stats)!.node_stats!;
  expect(node.nr_anon_pages).toBe(1024);
  expect(node.nr_inactive_anon).toBe(1024);
  expect(zi.reduce((a, v) => a + (v.zone_stats?.nr_zone_inactive_anon ?? 0), 0)).toBe(1024);
  expect(check(s.machine)).toEqual([]);
  s.machine.pa.zones.find((z) => z.anonPages > 0)!.anonPages++;
  expect(check(s.machine).join('\n')).toMatch(/user pages, anonPages says/);
});
