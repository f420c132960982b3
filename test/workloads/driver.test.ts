// The driver generator as a story: modprobe probes (caches, control structures, firmware), workers serve
// requests, rmmod removes, a leaky remove leaves SLUB's splat and kmemleak's report, a probe without memory
// unwinds, a second modprobe is refused, and the run is a pure function of (scenario, seed).
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {__GFP_NOWARN, GFP_ATOMIC} from '../../source/kernel/gfp.js';
import type {Machine} from '../../source/kernel/machine.js';
import {buddyinfoView, slabinfoView, vmallocinfoView} from '../../source/kernel/procfs.js';
import type {CacheFigures} from '../../source/kernel/slab/figures.js';
import {loadScenario} from '../../source/scenario/load.js';
import {jsonDocument} from '../../source/session/headless.js';
import {Session} from '../../source/session/session.js';

type Driver = {
  /** A requests: block (YAML flow mapping), or none. */
  requests?: string;
  control?: string;
  firmware?: string;
  leak?: boolean;
  /** Timeline entries after the load at tick 0. */
  timeline?: string;
  cpus?: number;
};

/** A 256 MiB machine with one driver, nvme, loaded at tick 0: one 192-byte request cache. */
function nvme(d: Driver = {}): string {
  return `name: driver-test
description: one nvme-like driver
seed: 3
machine: {memory: 256M, cpus: ${d.cpus ?? 2}}
workloads:
  nvme:
    type: driver
    caches: [{name: nvme_req, size: 192, flags: SLAB_HWCACHE_ALIGN}]
    control: ${d.control ?? '[512, 2048, 64]'}
    firmware: ${d.firmware ?? '256K'}
${d.requests ? `    requests: ${d.requests}\n` : ''}    leak: ${d.leak ?? false}
timeline:
  - at: 0
    load: nvme
${d.timeline ?? ''}`;
}

/** Steady traffic: each worker takes one request a tick and completes it 10 ticks later. */
const STEADY = '{arrival: {periodic: 1}, cache: nvme_req, lifetime: 10}';

function open(text: string, seed?: number): Session {
  const r = loadScenario('driver-test.yaml', text);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const s = Session.create(r.scenario, seed);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.session;
}

function cache(s: Session, name: string): CacheFigures | undefined {
  return slabinfoView(s.machine).find((c) => c.name === name);
}

function inuse(s: Session, name: string): number {
  const c = cache(s, name);
  if (!c) throw new Error(`no cache ${name}`);
  return c.inuse_objs;
}

/** Objects in use in the kmalloc caches the control structures come from. */
function controlCaches(s: Session): number[] {
  return ['kmalloc-512', 'kmalloc-2k', 'kmalloc-64'].map((n) => inuse(s, n));
}

/** The tasks, but for the per-CPU ksoftirqd threads every machine has. */
function tasks(s: Session): string[] {
  return [...s.sys.tasks.values()].filter((t) => t.role !== 'ksoftirqd').map((t) => `${t.comm}:${t.state}`);
}

function busyVmalloc(s: Session) {
  return vmallocinfoView(s.machine).areas.filter((a) => a.state === 'busy');
}

function kernelLines(s: Session): string[] {
  return s.transcript.filter((l) => l.kind === 'kernel').map((l) => l.text);
}

function logged(s: Session, text: string) {
  const l = s.transcript.find((x) => x.text.includes(text));
  if (!l) throw new Error(`nothing logged with "${text}"; the log:\n${s.transcript.map((x) => x.text).join('\n')}`);
  return l;
}

function runTo(s: Session, tick: number): void {
  s.runTicks(tick - s.tick);
}

/** Take every page an atomic allocation can reach (no reclaim, no warnings); returns a function giving them back. */
function exhaustMemory(m: Machine): () => void {
  const ctx = m.ctx(1, 'process', 'hog');
  const pfns: number[] = [];
  for (;;) {
    const r = m.allocPagesNode(ctx, 0, GFP_ATOMIC | __GFP_NOWARN, 0);
    if (r.pfn < 0) break;
    pfns.push(r.pfn);
  }
  return () => {
    for (const pfn of pfns) m.freePagesPfn(ctx, pfn, 0);
  };
}

describe('driver: load', () => {
  test('modprobe runs probe in a task of its own: caches created, control structures kmalloc\'d, firmware vmalloc\'d', () => {
    const s = open(nvme({requests: STEADY}));
    const before = controlCaches(s);
    // The load at tick 0 spawned modprobe; it has not run yet.
    expect(tasks(s)).toEqual(['kswapd0:S', 'modprobe:R']);
    expect(cache(s, 'nvme_req')).toBeUndefined();
    expect(busyVmalloc(s)).toEqual([]);

    s.step();
    const c = cache(s, 'nvme_req');
    expect(c).toMatchObject({objsize: 192, inuse_objs: 0, num_objs: 0});
    expect(controlCaches(s)).toEqual(before.map((n) => n + 1));
    const fw = busyVmalloc(s);
    expect(fw).toHaveLength(1);
    expect(fw[0]).toMatchObject({size: 256 * 1024 + 4096, pages: 64, caller: 'nvme_probe+0x5c/0x1f0 [nvme]'});
    expect(logged(s, 'nvme: probed').text).toBe('nvme: probed: 1 caches, 3 control structures, 262144 bytes of firmware');
    expect(s.sys.workload('nvme')?.state).toBe('running');
    // modprobe exited; one worker per CPU waits for work.
    expect(tasks(s)).toEqual(['kswapd0:S', 'nvme/0:S', 'nvme/1:S']);
    expect(s.sys.workload('nvme')?.stats).toMatchObject({slabObjects: 3, vmallocBytes: 256 * 1024, failures: 0});
    expect(check(s.machine)).toEqual([]);
  });

  test('rmmod while probe has not finished is busy, as delete_module() of a module in its init is', () => {
    const s = open(nvme({timeline: '  - at: 0\n    unload: nvme\n'}));
    expect(logged(s, 'could not remove').text).toBe("rmmod: ERROR: could not remove 'nvme': Device or resource busy");
    runTo(s, 6);
    expect(s.sys.workload('nvme')?.state).toBe('running');
  });

  test('a second modprobe while loaded says the module is already in the kernel and changes nothing', () => {
    const s = open(nvme({requests: STEADY, timeline: '  - at: 5\n    load: nvme\n'}));
    runTo(s, 4);
    const caches = slabinfoView(s.machine).map((c) => c.name);
    const held = inuse(s, 'nvme_req');
    s.step();
    expect(logged(s, 'could not insert').text).toBe("modprobe: ERROR: could not insert 'nvme': Module already in kernel");
    expect(logged(s, 'could not insert').tick).toBe(5);
    expect(slabinfoView(s.machine).map((c) => c.name)).toEqual(caches);
    expect(inuse(s, 'nvme_req')).toBe(held + 2);
    expect(tasks(s)).toEqual(['kswapd0:S', 'nvme/0:S', 'nvme/1:S']);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('driver: requests', () => {
  test('each worker takes its arrivals and frees each request when its lifetime ends: the objects held follow', () => {
    const s = open(nvme({requests: STEADY}));
    s.step();
    const w = s.sys.workload('nvme');
    if (!w) throw new Error('no nvme');
    // One arrival per worker per tick from tick 2; each lives 10 ticks, so 2 x 10 are in flight from tick 11 on.
    for (let t = 2; t <= 60; t++) {
      s.step();
      const inflight = 2 * Math.min(t - 1, 10);
      expect([t, inuse(s, 'nvme_req')]).toEqual([t, inflight]);
      expect([t, w.counters.requests]).toEqual([t, 2 * (t - 1)]);
      expect([t, w.stats.slabObjects]).toEqual([t, inflight + 3]);
    }
    expect(w.stats.failures).toBe(0);
    expect(check(s.machine)).toEqual([]);
  });

  test('a queue depth: arrivals beyond max_inflight wait, and are served as requests complete', () => {
    const s = open(nvme({requests: '{arrival: {periodic: 1}, cache: nvme_req, lifetime: 10, max_inflight: 4}'}));
    runTo(s, 40);
    const w = s.sys.workload('nvme');
    // 4 in flight per worker at most: served at ticks 2-5, then as those complete at 12-15, 22-25, 32-35,
    // so 16 of each worker's 39 arrivals by tick 40; the rest wait.
    expect(inuse(s, 'nvme_req')).toBe(8);
    expect(w?.counters.requests).toBe(2 * 16);
    // A worker whose queue is full sleeps until a completion: one step per request served, none in between.
    expect([...s.sys.tasks.values()].filter((t) => t.role === 'worker').map((t) => t.steps)).toEqual([16, 16]);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('driver: unload', () => {
  test('rmmod frees every request, control structure, the firmware and the caches', () => {
    const s = open(nvme({requests: STEADY, timeline: '  - at: 30\n    unload: nvme\n'}));
    const before = controlCaches(s);
    runTo(s, 29);
    expect(inuse(s, 'nvme_req')).toBe(20);
    s.step();
    expect(logged(s, 'nvme: removed').text).toBe('nvme: removed');
    expect(cache(s, 'nvme_req')).toBeUndefined();
    expect(controlCaches(s)).toEqual(before);
    expect(busyVmalloc(s)).toEqual([]);
    expect(tasks(s)).toEqual(['kswapd0:S']);
    expect(s.sys.workload('nvme')?.state).toBe('stopped');
    expect(s.sys.workload('nvme')?.stats).toMatchObject({slabObjects: 0, pages: 0, vmallocBytes: 0});
    expect(kernelLines(s).filter((l) => l.startsWith('BUG') || l.startsWith('WARNING') || l.startsWith('kmemleak'))).toEqual([]);
    runTo(s, 40);
    expect(check(s.machine)).toEqual([]);
  });

  test('a driver of caches only gives the buddy allocator back every page: buddyinfo returns to the boot state', () => {
    const s = open(nvme({requests: STEADY, control: '[]', firmware: '0', timeline: '  - at: 30\n    unload: nvme\n  - at: 31\n    run: drain_all_pages()\n'}));
    const boot = buddyinfoView(s.machine);
    runTo(s, 29);
    expect(buddyinfoView(s.machine)).not.toEqual(boot);
    runTo(s, 31);
    expect(buddyinfoView(s.machine)).toEqual(boot);
    expect(check(s.machine)).toEqual([]);
  });

  test('rmmod when the module is not loaded is refused', () => {
    const s = open(nvme({timeline: '  - at: 2\n    unload: nvme\n  - at: 3\n    unload: nvme\n'}));
    runTo(s, 3);
    expect(logged(s, 'not currently loaded').text).toBe('rmmod: ERROR: Module nvme is not currently loaded');
    expect(logged(s, 'not currently loaded').tick).toBe(3);
    expect(check(s.machine)).toEqual([]);
  });

  test('a leaky remove: SLUB lists the objects remaining, kmemleak reports the requests in flight and the control structures', () => {
    const s = open(nvme({requests: STEADY, leak: true, timeline: '  - at: 30\n    unload: nvme\n'}));
    runTo(s, 29);
    const inflight = inuse(s, 'nvme_req');
    expect(inflight).toBe(20);
    s.step();

    const splat = logged(s, 'Objects remaining');
    expect(splat.text).toBe('BUG nvme_req (Not tainted): Objects remaining in nvme_req on __kmem_cache_shutdown()');
    expect(splat.detail?.filter((d) => d.startsWith('Object 0x'))).toHaveLength(inflight);

    const leak = logged(s, 'kmemleak:');
    expect(leak.text).toBe(`kmemleak: ${inflight + 3} new suspected memory leaks (see /sys/kernel/debug/kmemleak)`);
    const detail = leak.detail ?? [];
    const named = detail.filter((d) => d.startsWith('unreferenced object')).map((d) => /0x([0-9a-f]+) \(size (\d+)\)/.exec(d));
    expect(named).toHaveLength(8);
    expect(named.every((x) => x?.[2] === '192')).toBe(true);
    expect(detail).toContain('    nvme_queue_rq+0x4c/0x120 [nvme]');
    expect(detail[detail.length - 1]).toBe(`... and ${inflight + 3 - 8} more unreferenced objects`);

    // The cache could not go: it still holds the forgotten requests, and every object kmemleak names is one of them.
    const c = s.machine.slab.caches.find((x) => x.name === 'nvme_req');
    if (!c) throw new Error('nvme_req was destroyed with objects in it');
    expect(inuse(s, 'nvme_req')).toBe(inflight);
    const ctx = s.machine.ctx();
    for (const x of named) expect(s.machine.kmemCacheFree(ctx, s.machine.cachePtr(c), BigInt('0x' + x?.[1]))).toBe(true);
    expect(inuse(s, 'nvme_req')).toBe(inflight - 8);
    // The control structures stay allocated too.
    expect(s.sys.workload('nvme')?.counters.leaked).toBe(inflight + 3);
    expect(check(s.machine)).toEqual([]);
  });

  test('kmemleak names the control structures with the modprobe that allocated them', () => {
    const s = open(nvme({leak: true, timeline: '  - at: 5\n    unload: nvme\n'}));
    const probePid = [...s.sys.tasks.values()].find((t) => t.comm === 'modprobe')?.pid;
    expect(probePid).toBeGreaterThan(0);
    runTo(s, 5);
    const leak = logged(s, 'kmemleak:');
    expect(leak.text).toBe('kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)');
    const sizes = (leak.detail ?? []).filter((d) => d.startsWith('unreferenced')).map((d) => /size (\d+)/.exec(d)?.[1]);
    // remove() forgets them in reverse order of probe.
    expect(sizes).toEqual(['64', '2048', '512']);
    expect(leak.detail).toContain(`  comm "modprobe", pid ${probePid}, jiffies 4294667296`);
    expect(leak.detail).toContain('    nvme_probe+0x4c/0x120 [nvme]');
    // No objects in the cache: it goes, no SLUB splat.
    expect(cache(s, 'nvme_req')).toBeUndefined();
    expect(s.transcript.some((l) => l.text.includes('Objects remaining'))).toBe(false);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('driver: probe failure', () => {
  test('probe without memory fails with -ENOMEM and unwinds what it took; a later modprobe succeeds', () => {
    const s = open(nvme({requests: STEADY, firmware: '4M', timeline: '  - at: 10\n    load: nvme\n'}));
    const before = controlCaches(s);
    const giveBack = exhaustMemory(s.machine);
    // kswapd, woken by the exhaustion, shares CPU 0 with modprobe: probe runs at tick 1 or 2.
    runTo(s, 3);
    const w = s.sys.workload('nvme');
    expect(w?.state).toBe('failed');
    const fail = logged(s, 'probe with driver');
    expect(fail.text).toBe('nvme: probe with driver nvme failed with error -12');
    expect(kernelLines(s).some((l) => l.includes('page allocation failure'))).toBe(true);
    // Unwound: no cache, no control structure, no firmware, no task.
    expect(cache(s, 'nvme_req')).toBeUndefined();
    expect(controlCaches(s)).toEqual(before);
    expect(busyVmalloc(s)).toEqual([]);
    expect(tasks(s)).toEqual(['kswapd0:S']);
    expect(w?.stats).toMatchObject({slabObjects: 0, pages: 0, vmallocBytes: 0});
    expect(w?.counters.probe_failures).toBe(1);
    expect(check(s.machine)).toEqual([]);

    giveBack();
    runTo(s, 10);
    expect(w?.state).toBe('running');
    expect(busyVmalloc(s)).toHaveLength(1);
    expect(logged(s, 'nvme: probed').tick).toBe(10);
    runTo(s, 20);
    expect(inuse(s, 'nvme_req')).toBe(20);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('driver: determinism', () => {
  const poisson = nvme({
    requests: '{arrival: {poisson: 1.5}, cache: nvme_req, lifetime: {exponential: 15}}',
    leak: true,
    timeline: '  - at: 200\n    unload: nvme\n',
  });
  const run = (seed?: number) => {
    const s = open(poisson, seed);
    runTo(s, 210);
    expect(check(s.machine)).toEqual([]);
    return JSON.stringify(jsonDocument(s, ['slabinfo']).log);
  };

  test('the same seed gives the identical transcript; another seed another one', () => {
    const a = run();
    expect(run()).toBe(a);
    expect(run(4)).not.toBe(a);
    expect(a).toContain('kmemleak');
  });
});
