// The `workloads:` section and the timeline's workload actions: what a valid file gives, and one error at the
// right line and column for each kind of mistake.
import {describe, expect, test} from 'vitest';
import {__GFP_NOWARN, GFP_ATOMIC, GFP_KERNEL, GFP_NOIO} from '../../source/kernel/gfp.js';
import {SLAB_HWCACHE_ALIGN, SLAB_RECLAIM_ACCOUNT} from '../../source/kernel/slab/geometry.js';
import {formatScenarioError, loadScenario, type Scenario} from '../../source/scenario/load.js';
import {Session} from '../../source/session/session.js';

function file(workloads: string, timeline = ''): string {
  return `name: t\ndescription: a test\nmachine: {memory: 256M, cpus: 2}\nworkloads:\n${workloads}\n${timeline ? `timeline:\n${timeline}\n` : ''}`;
}

function load(text: string): Scenario {
  const r = loadScenario('w.yaml', text);
  if (!r.ok) throw new Error(formatScenarioError(r.error));
  return r.scenario;
}

function error(text: string): string {
  const r = loadScenario('w.yaml', text);
  if (r.ok) throw new Error('expected an error');
  return `${r.error.line}:${r.error.col}: ${r.error.message}`;
}

describe('a valid workloads section', () => {
  test('specs with defaults filled in, distributions and arrivals decoded, in file order', () => {
    const s = load(
      file(`  nic:
    type: irq
    cpus: [1]
    arrival: {bursts: {every: 100, length: 10, rate: 4}}
    size: {uniform: [64, 2K]}
  nvme:
    type: driver
    caches: [{name: nvme_req, size: 320, flags: SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT}]
    control: [4K]
    requests: {arrival: {poisson: 0.5}, cache: nvme_req, lifetime: {exponential: 30}, gfp: GFP_NOIO | __GFP_NOWARN}`),
    );
    expect(s.workloads.map((w) => w.name)).toEqual(['nic', 'nvme']);
    expect(s.workloads[0].spec).toMatchObject({
      type: 'irq',
      cpus: [1],
      arrival: {kind: 'bursts', every: 100, length: 10, rate: 4},
      size: {kind: 'uniform', min: 64, max: 2048},
      buffers: {kind: 'fixed', value: 1},
      gfp: GFP_ATOMIC,
      gfpText: 'GFP_ATOMIC',
      consumer: 'softirq',
      budget: 64,
      backlog: 1000,
    });
    expect(s.workloads[1].spec).toMatchObject({
      type: 'driver',
      caches: [{name: 'nvme_req', size: 320, align: 0, flags: SLAB_HWCACHE_ALIGN | SLAB_RECLAIM_ACCOUNT}],
      control: [4096],
      firmware: 0,
      requests: {arrival: {kind: 'poisson', rate: 0.5}, cache: 'nvme_req', lifetime: {kind: 'exponential', mean: 30}, gfp: GFP_NOIO | __GFP_NOWARN, gfpText: 'GFP_NOIO | __GFP_NOWARN', maxInflight: 256},
      leak: false,
    });
  });

  test('bug_sleeping_alloc makes the handler use GFP_KERNEL unless gfp says otherwise', () => {
    const s = load(file(`  bad:\n    type: irq\n    arrival: {periodic: 5}\n    bug_sleeping_alloc: true`));
    expect(s.workloads[0].spec).toMatchObject({gfp: GFP_KERNEL, gfpText: 'GFP_KERNEL', bugSleepingAlloc: true});
  });

  test('timeline actions: load/unload for drivers and DMA devices, start/stop for the rest, names or lists', () => {
    const s = load(
      file(
        `  nvme: {type: driver}\n  churn: {type: module_loader, arrival: {poisson: 0.1}}`,
        `  - at: 5\n    load: nvme\n    start: [churn]\n  - at: 9\n    unload: nvme\n    stop: churn`,
      ),
    );
    // In the order they are written.
    expect(s.timeline.map((e) => e.actions.map((a) => `${a.verb} ${a.name}`))).toEqual([['load nvme', 'start churn'], ['unload nvme', 'stop churn']]);
    expect(s.timeline[0].actions[1]).toMatchObject({line: 10, col: 13});
  });
});

describe('one error at the right place', () => {
  test('an unknown key lists the keys of that workload type', () => {
    expect(error(file(`  nic:\n    type: irq\n    arival: {poisson: 1}`))).toBe(
      '7:5: unknown key "arival" in irq workload, expected one of: type, cpus, irq, arrival, buffers, alloc, size, order, gfp, consumer, budget, backlog, bug_sleeping_alloc',
    );
  });

  test('a missing or unknown type lists the types', () => {
    expect(error(file(`  nic:\n    cpus: [0]`))).toBe('6:5: workload "nic" has no type, expected type: one of: driver, irq, dma_device, pressure, module_loader, fork_churn');
    expect(error(file(`  nic:\n    type: nic`))).toBe('6:11: found "nic", expected one of: driver, irq, dma_device, pressure, module_loader, fork_churn');
  });

  test('a missing required key', () => {
    expect(error(file(`  nic:\n    type: irq`))).toBe('6:5: missing required key "arrival" in irq workload');
  });

  test('distributions and arrivals', () => {
    const irq = (k: string) => file(`  nic:\n    type: irq\n    arrival: {poisson: 1}\n    ${k}`);
    expect(error(irq('size: {uniform: [4K, 64]}'))).toBe('8:21: found a bad range, expected [MIN, MAX] with MIN <= MAX');
    expect(error(irq('size: {normal: 5}'))).toBe('8:12: unknown distribution "normal", expected one of: fixed, uniform, exponential');
    expect(error(irq('size: {exponential: -1}'))).toBe('8:25: found "-1", expected a positive number such as 0.5');
    expect(error(irq('size: lots'))).toBe(
      '8:11: found "lots", expected a number or size (fixed), or one of {fixed: N}, {uniform: [MIN, MAX]}, {exponential: MEAN}',
    );
    expect(error(file(`  nic:\n    type: irq\n    arrival: {poisson: 1, periodic: 2}`))).toBe(
      '7:14: found a mapping of 2 keys, expected one of {periodic: TICKS}, {poisson: RATE}, {bursts: {every: TICKS, length: TICKS, rate: RATE}}',
    );
    expect(error(file(`  nic:\n    type: irq\n    arrival: {bursts: {every: 10, length: 20, rate: 1}}`))).toBe('7:43: found a burst of 20 ticks every 10, expected length <= every');
  });

  test('an exponential mean may be a size; CPUs are listed once each', () => {
    const s = load(file(`  d:\n    type: driver\n    requests: {arrival: {poisson: 1}, size: {exponential: 4K}}`));
    expect(s.workloads[0].spec).toMatchObject({requests: {size: {kind: 'exponential', mean: 4096}}});
    expect(error(file(`  nic:\n    type: irq\n    cpus: [1, 0, 1]\n    arrival: {poisson: 1}`))).toBe('7:11: found CPU 1 twice, expected each CPU once');
  });

  test('GFP and slab flags are names the kernel has', () => {
    expect(error(file(`  nic:\n    type: irq\n    arrival: {periodic: 2}\n    gfp: GFP_ATOMIC | __GFP_NOWRAN`))).toBe(
      '8:10: found "__GFP_NOWRAN", expected GFP flags such as GFP_KERNEL | __GFP_NOWARN',
    );
    expect(error(file(`  d:\n    type: driver\n    caches: [{name: c, size: 64, flags: SLAB_FAST}]`))).toBe(
      '7:41: found "SLAB_FAST", expected slab flags such as SLAB_HWCACHE_ALIGN',
    );
  });

  test("a driver's requests name one of its caches", () => {
    expect(error(file(`  d:\n    type: driver\n    caches: [{name: a, size: 64}]\n    requests: {arrival: {poisson: 1}, cache: b}`))).toBe(
      `8:46: found cache "b", expected one of the driver's caches: a`,
    );
  });

  test('workload names are identifiers, each once', () => {
    expect(error(file(`  nic: {type: irq, arrival: {poisson: 1}}\n  nic: {type: irq, arrival: {poisson: 1}}`))).toBe('6:3: duplicate workload "nic", expected each name once');
    expect(error(file(`  "a b": {type: irq, arrival: {poisson: 1}}`))).toBe('5:3: found workload name "a b", expected letters, digits, _ . - (not starting with a digit)');
  });

  test('actions name a declared workload with the verb its type takes', () => {
    const ws = `  nvme: {type: driver}\n  nic: {type: irq, arrival: {poisson: 1}}`;
    expect(error(file(ws, `  - at: 5\n    load: nvmee`))).toBe('9:11: load: unknown workload "nvmee", expected one of: nvme, nic');
    expect(error(file(ws, `  - at: 5\n    start: nvme`))).toBe('9:12: start: driver workload "nvme" is loaded and unloaded, expected load: nvme');
    expect(error(file(ws, `  - at: 5\n    unload: nic`))).toBe('9:13: unload: irq workload "nic" is started and stopped, expected stop: nic');
  });

  test('stop then start in one entry restarts the workload', () => {
    const s = load(file(`  churn: {type: module_loader, arrival: {periodic: 1}, lifetime: 1}`, `  - at: 5\n    stop: churn\n    start: churn`));
    const c = Session.create(s);
    if (!c.ok) throw new Error(formatScenarioError(c.error));
    c.session.runTicks(10);
    expect(c.session.transcript.filter((l) => l.kind === 'action').map((l) => l.text)).toEqual(['stop churn', 'start churn']);
    expect(c.session.sys.workload('churn')?.state).toBe('running');
  });

  test('a CPU the machine does not have is refused when the session is created', () => {
    const s = load(file(`  nic:\n    type: irq\n    cpus: [0, 2]\n    arrival: {poisson: 1}`));
    const r = Session.create(s);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(formatScenarioError(r.error)).toBe('w.yaml:7:11: workload "nic": CPU 2 does not exist, expected CPUs 0-1');
  });
});
