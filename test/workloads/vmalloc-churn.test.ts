// module_loader and fork_churn as stories: module images come and go through the vmalloc region and are freed
// lazily until a purge flushes the TLBs; forked children sleep for their lifetime and exit, their stacks mostly
// recycled through the per-CPU cache of two; a full i386 region fails vmalloc without breaking the machine.
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {GFP_KERNEL} from '../../source/kernel/gfp.js';
import {slabinfoView, tlbView, vmallocinfoView} from '../../source/kernel/procfs.js';
import {STACK_CALLER, THREAD_SIZE} from '../../source/kernel/vmalloc/vmalloc.js';
import {loadScenario} from '../../source/scenario/load.js';
import {jsonDocument} from '../../source/session/headless.js';
import {Session} from '../../source/session/session.js';
import {LOAD_MODULE_CALLER, NR_CACHED_STACKS, TASK_STRUCT_SIZE} from '../../source/workloads/vmalloc-churn.js';
import type {Workload} from '../../source/workloads/workload.js';

const PAGE = 4096;

/** A machine with the given workloads (YAML lines under `workloads:`) and timeline entries. */
function open(machine: string, workloads: string, timeline = '', seed?: number): Session {
  const text = `name: churn-test
description: vmalloc churn
seed: 5
machine: ${machine}
workloads:
${workloads}
${timeline ? `timeline:\n${timeline}` : ''}`;
  const r = loadScenario('churn-test.yaml', text);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const s = Session.create(r.scenario, seed);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.session;
}

function workload(s: Session, name: string): Workload {
  const w = s.sys.workload(name);
  if (!w) throw new Error(`no workload ${name}`);
  return w;
}

const counter = (s: Session, name: string, c: string) => workload(s, name).counters[c] ?? 0;

/** Live (not lazily freed) vmalloc areas with this caller. */
function liveAreas(s: Session, caller: string) {
  return vmallocinfoView(s.machine).areas.filter((a) => a.state === 'busy' && a.caller === caller);
}

function runChecked(s: Session, ticks: number, every = 100): void {
  for (let i = 0; i < ticks; i += every) {
    s.runTicks(Math.min(every, ticks - i));
    expect(check(s.machine), `tick ${s.tick}`).toEqual([]);
  }
}

const freeBytes = (s: Session) => s.machine.pa.zones.reduce((a, z) => a + z.freePages, 0) * PAGE;
const log = (s: Session) => s.transcript.map((l) => l.text);

const X86 = '{profile: x86_64, memory: 256M, cpus: 2}';
const I386 = '{profile: i386, memory: 1G, cpus: 2}';

describe('module_loader', () => {
  const CHURN = '  mods: {type: module_loader, arrival: {periodic: 2}, size: {uniform: [64K, 256K]}, lifetime: 200}';

  test('unloads free lazily: no TLB flush until the lazy pages pass lazy_max_pages, then one purge flushes every CPU', () => {
    const s = open(X86, CHURN);
    const m = s.machine;
    let unloadsBefore = 0;
    while (m.vm.stats.purges === 0) {
      // Up to the first purge, modules are unloaded without a single flush.
      expect(tlbView(m).vmstat.nr_tlb_local_flush_all).toBe(0);
      unloadsBefore = counter(s, 'mods', 'unloads');
      s.step();
      expect(s.tick).toBeLessThan(5000);
    }
    expect(unloadsBefore).toBeGreaterThan(100);
    expect(m.vm.stats.pagesPurged).toBeGreaterThan(m.vm.lazyMax);
    expect(tlbView(m).vmstat).toEqual({nr_tlb_remote_flush: 1, nr_tlb_remote_flush_received: 1, nr_tlb_local_flush_all: 2, nr_tlb_local_flush_one: 0});

    runChecked(s, 3000);
    const purges = m.vm.stats.purges;
    expect(purges).toBeGreaterThan(3);
    // Each purge is one range far above 33 pages: a full flush on both CPUs and one shootdown IPI.
    expect(tlbView(m).vmstat).toEqual({nr_tlb_remote_flush: purges, nr_tlb_remote_flush_received: purges, nr_tlb_local_flush_all: 2 * purges, nr_tlb_local_flush_one: 0});
    expect(m.vm.tlb.cpus.map((c) => c.ipisReceived)).toEqual([0, purges]);
  });

  test('the region maps exactly the live modules; what is lazily freed stays under lazy_max_pages', () => {
    const s = open(X86, CHURN);
    const w = workload(s, 'mods');
    for (let i = 0; i < 30; i++) {
      s.runTicks(100);
      const live = liveAreas(s, LOAD_MODULE_CALLER);
      const pages = live.reduce((a, x) => a + x.pages, 0);
      expect(live.length).toBe(counter(s, 'mods', 'loads') - counter(s, 'mods', 'unloads'));
      expect(s.machine.vm.mappedPages()).toBe(pages);
      // Each image rounded up to whole pages (and a guard page after each area, not counted in pages).
      expect(pages * PAGE).toBeGreaterThanOrEqual(w.stats.vmallocBytes);
      expect(pages * PAGE).toBeLessThan(w.stats.vmallocBytes + live.length * PAGE);
      expect(live.every((a) => a.size === (a.pages + 1) * PAGE)).toBe(true);
      expect(s.machine.vm.lazyPages).toBeLessThanOrEqual(s.machine.vm.lazyMax);
    }
    expect(check(s.machine)).toEqual([]);
  });

  test('stop: no more loads; loaded modules unload at the end of their lifetimes, then modprobe exits', () => {
    const s = open(X86, CHURN, '  - at: 0\n    start: mods\n  - at: 300\n    stop: mods\n');
    s.runTicks(300);
    const loads = counter(s, 'mods', 'loads');
    expect(workload(s, 'mods').state).toBe('unloading');
    expect(liveAreas(s, LOAD_MODULE_CALLER).length).toBeGreaterThan(150);
    s.runTicks(201);
    expect(counter(s, 'mods', 'loads')).toBe(loads);
    expect(counter(s, 'mods', 'unloads')).toBe(loads);
    expect(workload(s, 'mods').state).toBe('stopped');
    expect(workload(s, 'mods').stats.vmallocBytes).toBe(0);
    expect(liveAreas(s, LOAD_MODULE_CALLER)).toEqual([]);
    expect([...s.sys.tasks.values()].filter((t) => t.comm === 'modprobe')).toEqual([]);
    expect(check(s.machine)).toEqual([]);
  });

  test('a full i386 region fails vmalloc ("vmap allocation for size N failed") with memory to spare, and recovers', () => {
    // 1 MiB modules twice a tick that live 400 ticks: far more than the 108 MiB region holds.
    const s = open(I386, '  mods: {type: module_loader, arrival: {periodic: 1}, size: 1M, lifetime: 400}', '  - at: 0\n    start: mods\n  - at: 300\n    stop: mods\n');
    runChecked(s, 300, 50);
    const w = workload(s, 'mods');
    expect(w.stats.failures).toBeGreaterThan(300);
    expect(counter(s, 'mods', 'load_failures')).toBe(w.stats.failures);
    expect(log(s)).toContain('vmap allocation for size 1052672 failed: use vmalloc=<size> to increase size');
    // modprobe says so once per burst of failures, not once per load.
    const errors = log(s).filter((l) => l.startsWith("modprobe: ERROR: could not insert 'mod"));
    expect(errors.length).toBe(counter(s, 'mods', 'failure_bursts'));
    expect(errors.length).toBeLessThan(5);
    // The region is full, memory is not: over 800 MiB free.
    expect(w.stats.vmallocBytes).toBeGreaterThan(90 * 1024 * 1024);
    expect(freeBytes(s)).toBeGreaterThan(800 * 1024 * 1024);
    expect(s.machine.vm.space.largestFree()).toBeLessThan(258);

    // Once the modules are gone the region serves a big vmalloc again.
    runChecked(s, 401, 100);
    expect(w.state).toBe('stopped');
    expect(s.machine.vm.mappedPages()).toBe(0);
    const v = s.machine.vmalloc(s.machine.ctx(0), 8 * 1024 * 1024, GFP_KERNEL);
    expect(v.addr).not.toBe(0n);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('fork_churn', () => {
  /** CPU 0 forks every 10 ticks; each child lives 100 ticks. */
  const SHELL = '  sh: {type: fork_churn, cpus: [0], arrival: {periodic: 10}, lifetime: 100}';

  const children = (s: Session) => [...s.sys.tasks.values()].filter((t) => t.role === 'child');

  test('children are tasks sleeping (S) for their lifetime, then they exit', () => {
    const s = open(X86, SHELL);
    s.runTicks(95);
    expect(children(s).length).toBe(9);
    expect(counter(s, 'sh', 'exits')).toBe(0);
    for (const t of children(s)) {
      expect([t.state, t.wait, t.comm, t.cpu]).toEqual(['S', 'timer', 'sh', 0]);
      expect(t.wakeAt - s.tick).toBeLessThanOrEqual(100);
    }
    s.runTicks(155);
    // Forked at ticks 10..250. A child's time is up at the tick of a fork, when the forker has CPU 0, so it exits
    // the tick after: 14 exits (111..241), 11 live children, each with its task_struct.
    expect(counter(s, 'sh', 'forks')).toBe(25);
    expect(counter(s, 'sh', 'exits')).toBe(14);
    expect(children(s).length).toBe(11);
    expect(workload(s, 'sh').stats.slabObjects).toBe(11);
    const ts = slabinfoView(s.machine).find((c) => c.name === 'task_struct');
    expect([ts?.objsize, ts?.objperslab, ts?.pagesperslab]).toEqual([TASK_STRUCT_SIZE, 5, 8]);
    expect(ts?.active_objs).toBeGreaterThanOrEqual(10);
    expect(check(s.machine)).toEqual([]);
  });

  test('the per-CPU cache of freed stacks takes the hits: steady churn hardly reaches vmalloc', () => {
    const s = open(X86, SHELL);
    runChecked(s, 1000);
    const forks = counter(s, 'sh', 'forks');
    const vmallocs = counter(s, 'sh', 'stack_vmallocs');
    expect(forks).toBe(100);
    // The first eleven forks find the cache empty (the eleventh runs before the first child's exit); from then
    // on each exit leaves a stack that the next fork takes.
    expect(vmallocs).toBe(11);
    expect(counter(s, 'sh', 'stack_cache_hits')).toBe(forks - vmallocs);
    // Every stack ever allocated is still there: the live children's and the cached ones.
    const stacks = liveAreas(s, STACK_CALLER);
    expect(stacks.length).toBe(vmallocs);
    expect(stacks.length).toBeLessThanOrEqual(children(s).length + NR_CACHED_STACKS);
    expect(workload(s, 'sh').stats.vmallocBytes).toBe(stacks.length * THREAD_SIZE);
    expect(s.machine.vm.lazyPages).toBe(0);
  });

  test('with random churn on two CPUs the cache still serves most forks', () => {
    const s = open(X86, '  sh: {type: fork_churn, arrival: {poisson: 0.2}, lifetime: {exponential: 100}}');
    runChecked(s, 3000, 500);
    const forks = counter(s, 'sh', 'forks');
    expect(forks).toBeGreaterThan(1000);
    expect(counter(s, 'sh', 'stack_cache_hits')).toBeGreaterThan(forks / 2);
    expect(counter(s, 'sh', 'stack_cache_hits') + counter(s, 'sh', 'stack_vmallocs')).toBe(forks);
    expect(counter(s, 'sh', 'exits')).toBe(forks - children(s).length);
  });

  test('stop: the forker exits, children live out their lifetimes, then the stack cache goes; task_struct stays, empty', () => {
    const s = open(X86, SHELL, '  - at: 0\n    start: sh\n  - at: 300\n    stop: sh\n');
    s.runTicks(300);
    // Stopped before tick 300's step: the forker is gone and the child forked at 200 exits on time.
    expect(workload(s, 'sh').state).toBe('unloading');
    expect(children(s).length).toBe(9);
    s.runTicks(90);
    const w = workload(s, 'sh');
    expect(w.state).toBe('stopped');
    expect([...s.sys.tasks.values()].filter((t) => t.owner === w.index)).toEqual([]);
    expect([w.stats.slabObjects, w.stats.vmallocBytes]).toEqual([0, 0]);
    // fork_init()'s cache lives as long as the kernel: empty now.
    expect(slabinfoView(s.machine).find((c) => c.name === 'task_struct')).toMatchObject({inuse_objs: 0});
    expect(liveAreas(s, STACK_CALLER)).toEqual([]);
    expect(check(s.machine)).toEqual([]);
  });

  test('a fork that gets no stack fails with -ENOMEM, said once per burst, and leaks nothing', () => {
    // A 1 MiB region holds 32 stacks (16 KiB + guard, 16 KiB aligned); children live 200 ticks.
    const s = open('{profile: x86_64, memory: 256M, cpus: 2, vmalloc: 1M}', '  sh: {type: fork_churn, cpus: [0], arrival: {periodic: 1}, lifetime: 200}');
    runChecked(s, 600);
    const w = workload(s, 'sh');
    expect(counter(s, 'sh', 'fork_failures')).toBeGreaterThan(100);
    expect(w.stats.failures).toBe(counter(s, 'sh', 'fork_failures'));
    expect(log(s)).toContain('vmap allocation for size 20480 failed: use vmalloc=<size> to increase size');
    const said = log(s).filter((l) => l === 'sh: fork: Cannot allocate memory');
    expect(said.length).toBe(counter(s, 'sh', 'failure_bursts'));
    expect(said.length).toBeLessThan(5);
    // A failed fork gave its task_struct back: the cache holds exactly the live children's.
    expect(w.stats.slabObjects).toBe(children(s).length);
    expect(liveAreas(s, STACK_CALLER).length).toBeLessThanOrEqual(32);
  });

  test('on i386 (no VMAP_STACK) stacks are order-1 lowmem pages and never touch the vmalloc region', () => {
    const s = open(I386, SHELL);
    runChecked(s, 500);
    const w = workload(s, 'sh');
    expect(counter(s, 'sh', 'forks')).toBe(50);
    expect(w.stats.pages).toBe(2 * children(s).length);
    expect(w.stats.vmallocBytes).toBe(0);
    expect(counter(s, 'sh', 'stack_cache_hits')).toBe(0);
    expect(vmallocinfoView(s.machine).areas).toEqual([]);
  });
});

describe('both together', () => {
  const BOTH = `  mods: {type: module_loader, arrival: {poisson: 0.3}, size: {uniform: [16K, 512K]}, lifetime: {exponential: 300}}
  sh: {type: fork_churn, arrival: {poisson: 0.3}, lifetime: {exponential: 200}}`;

  test('a run is a pure function of the scenario and the seed', () => {
    const a = open(X86, BOTH);
    const b = open(X86, BOTH);
    const c = open(X86, BOTH, '', 6);
    for (const s of [a, b, c]) s.runTicks(2000);
    const doc = (s: Session) => JSON.stringify({...jsonDocument(s, []), seed: undefined});
    expect(doc(a)).toBe(doc(b));
    expect(doc(c)).not.toBe(doc(a));
    expect(check(a.machine)).toEqual([]);
    expect(check(c.machine)).toEqual([]);
  });
});

test('every fork_churn workload shares the one task_struct cache, created at boot as fork_init() does', () => {
  const shell = (name: string) => `  ${name}: {type: fork_churn, cpus: [0], arrival: {periodic: 10}, lifetime: 100}`;
  const s = open(X86, `${shell('sh')}\n${shell('sh2')}`);
  const names = slabinfoView(s.machine).map((c) => c.name).filter((n) => n === 'task_struct');
  expect(names).toEqual(['task_struct']);
  s.runTicks(500);
  expect(slabinfoView(s.machine).filter((c) => c.name === 'task_struct').length).toBe(1);
  expect(check(s.machine)).toEqual([]);
});
