import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {loadScenario} from '../../source/scenario/load.js';
import {openScenario} from '../../source/session/open-scenario.js';
import {Session} from '../../source/session/session.js';
import {IrqWorkload} from '../../source/workloads/irq.js';

// ---- scenario-like helpers ------------------------------------------------------------------------------

/** A session on a small machine with the given workloads (YAML) and timeline. */
function machineWith(workloads: string, timeline = '', opts: {memory?: string; cpus?: number; seed?: number} = {}): Session {
  const text = `name: t
description: d
seed: ${opts.seed ?? 1}
machine: {memory: ${opts.memory ?? '256M'}, cpus: ${opts.cpus ?? 2}}
workloads:
${workloads}
${timeline ? `timeline:\n${timeline}` : ''}`;
  const r = loadScenario('inline.yaml', text);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const s = Session.create(r.scenario);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.session;
}

function shipped(name: string): Session {
  const r = openScenario(name);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const s = Session.create(r.scenario);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.session;
}

function line(s: Session, name: string): IrqWorkload {
  const w = s.sys.workload(name);
  if (!(w instanceof IrqWorkload)) throw new Error(`no irq workload ${name}`);
  return w;
}

/** Buffers the line holds: slab objects for kmalloc'd buffers, pages for page buffers. */
const held = (w: IrqWorkload) => w.stats.slabObjects + w.stats.pages;

/** Kernel log lines (first lines) of the transcript, optionally from a tick on. */
const kernelLog = (s: Session, from = 0) => s.transcript.filter((l) => l.kind === 'kernel' && l.tick >= from).map((l) => l.text);

/** Run until a predicate holds, at most `max` ticks; the tick it held at. */
function runUntil(s: Session, max: number, done: () => boolean): number {
  for (let i = 0; i < max; i++) {
    s.step();
    if (done()) return s.tick;
  }
  throw new Error(`not reached in ${max} ticks`);
}

const freePages = (s: Session) => s.machine.pa.zones.reduce((a, z) => a + z.freePages, 0);

// A line that fills a 256M machine whose page cache holds most of it: GFP_ATOMIC reaches the reserves and fails.
const STORM = `  storm:
    type: irq
    cpus: [1]
    arrival: {poisson: 4}
    buffers: 48
    alloc: pages
    gfp: GFP_ATOMIC
    backlog: 100000
`;
const FILL = `  - at: 1
    run: filemap_read(200M)
`;

describe('irq: GFP_ATOMIC in hardirq context', () => {
  test('never sleeps, even when memory runs out: no stalls, no direct reclaim, failures instead', () => {
    const s = machineWith(STORM, FILL);
    const w = line(s, 'storm');
    runUntil(s, 2000, () => w.stats.failures >= 5);
    expect(w.stats.stalls).toBe(0);
    expect(w.stats.stallTicks).toBe(0);
    expect(s.machine.pa.stats.allocstall).toBe(0);
    // Below min: only __GFP_HIGH callers get there.
    const dma32 = s.machine.pa.zones.find((z) => z.name === 'DMA32');
    expect(dma32?.freePages).toBeLessThan(dma32?.wmarkMin ?? 0);
    expect(kernelLog(s)).toContain('swapper/1: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null),cpuset=/,mems_allowed=0');
    expect(kernelLog(s).some((t) => t.startsWith('kswapd0: woken'))).toBe(true);
    expect(kernelLog(s).some((t) => t.startsWith('BUG'))).toBe(false);
    expect([...s.sys.tasks.values()].filter((t) => t.state === 'D')).toEqual([]);
    expect(w.counters.alloc_failures).toBe(w.stats.failures);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('irq: bug_sleeping_alloc', () => {
  test('GFP_KERNEL in the handler: the BUG splat from slub, with the hardirq context', () => {
    const s = machineWith(`  buggy:
    type: irq
    cpus: [1]
    arrival: {periodic: 10}
    size: 1500
    bug_sleeping_alloc: true
`);
    s.runTicks(1);
    const bug = s.transcript.find((l) => l.text.startsWith('BUG:'));
    expect(bug?.text).toBe('BUG: sleeping function called from invalid context at mm/slub.c');
    expect(bug?.detail).toEqual(['in_atomic(): 1, irqs_disabled(): 1, non_block: 0, pid: 0, name: swapper/1', 'preempt_count: 10001, expected: 0']);
    expect(line(s, 'buggy').spec.gfpText).toBe('GFP_KERNEL');
  });

  test('the splat comes from page_alloc for page buffers, at most once a second; the handler still does not sleep under pressure', () => {
    const s = machineWith(STORM.replace('gfp: GFP_ATOMIC', 'bug_sleeping_alloc: true'), FILL);
    const w = line(s, 'storm');
    runUntil(s, 2000, () => w.stats.failures >= 1);
    const bugTicks = s.transcript.filter((l) => l.text === 'BUG: sleeping function called from invalid context at mm/page_alloc.c').map((l) => l.tick);
    expect(bugTicks.length).toBeGreaterThan(1);
    // __might_resched() prints at most once a second (5 ticks), however many allocations sleep wrongly.
    expect(w.counters.buffers + w.stats.failures).toBeGreaterThan(bugTicks.length);
    for (let i = 1; i < bugTicks.length; i++) expect(bugTicks[i] - bugTicks[i - 1]).toBeGreaterThanOrEqual(5);
    expect(w.stats.stalls).toBe(0);
    expect(s.machine.pa.stats.allocstall).toBe(0);
    // Without __GFP_HIGH it stops at min: it fails before reaching GFP_ATOMIC's reserve.
    expect(kernelLog(s)).toContain(
      'swapper/1: page allocation failure: order:0, mode:0x8c0(__GFP_IO|__GFP_FS|__GFP_KSWAPD_RECLAIM), nodemask=(null),cpuset=/,mems_allowed=0',
    );
    const dma32 = s.machine.pa.zones.find((z) => z.name === 'DMA32');
    expect(dma32?.freePages).toBeGreaterThan((dma32?.wmarkMin ?? 0) / 2);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('irq: the hand-off from hardirq to the consumer', () => {
  test('softirq: the handler allocates in hardirq, the softirq frees them at the next step of the CPU', () => {
    const s = machineWith(`  nic:
    type: irq
    cpus: [1]
    arrival: {periodic: 10}
    buffers: 5
    size: 2K
`);
    const w = line(s, 'nic');
    s.step();
    expect(s.sys.cpus[1].context).toBe('hardirq');
    expect(held(w)).toBe(5);
    expect(w.backlogOf(1)).toBe(5);
    s.step();
    expect(s.sys.cpus[1].context).toBe('softirq');
    expect(s.sys.cpus[1].label).toBe('softirq nic');
    expect(held(w)).toBe(0);
    s.runTicks(100);
    expect(w.counters).toEqual({interrupts: 11, buffers: 55, consumed: 55});
    expect(s.sys.cpus[1].interrupts[w.index]).toBe(11);
    expect(w.irqOf(1)).toBe(24);
    expect(check(s.machine)).toEqual([]);
  });

  test('softirq: at most a budget per step, raised again while work is left (NAPI)', () => {
    const s = machineWith(`  nic:
    type: irq
    cpus: [0]
    arrival: {periodic: 100}
    buffers: 10
    size: 512
    budget: 4
`);
    const w = line(s, 'nic');
    s.step();
    const left: number[] = [];
    for (let i = 0; i < 4; i++) {
      s.step();
      left.push(w.backlogOf(0));
    }
    expect(left).toEqual([6, 2, 0, 0]);
    expect(s.sys.cpus[0].context).toBe('idle');
  });

  test('task: a threaded handler irq/N-name per queue, woken by the hardirq, frees in process context and sleeps', () => {
    const s = machineWith(`  nic:
    type: irq
    cpus: [0, 1]
    arrival: {periodic: 50}
    buffers: 6
    size: 2K
    consumer: task
    budget: 4
`);
    const w = line(s, 'nic');
    const threads = () => [...s.sys.tasks.values()].filter((t) => t.owner === w.index);
    expect(threads().map((t) => [t.comm, t.cpu, t.state, t.wait])).toEqual([
      ['irq/24-nic-rx-0', 0, 'S', 'work'],
      ['irq/25-nic-rx-1', 1, 'S', 'work'],
    ]);
    // Queue 1 runs a tick ahead of queue 0 (periodic processes are staggered by queue).
    runUntil(s, 60, () => w.backlogOf(1) > 0);
    expect(s.sys.cpus[1].context).toBe('hardirq');
    expect(threads()[1].state).toBe('R');
    s.step();
    expect(s.sys.cpus[1].context).toBe('process');
    expect(s.sys.cpus[1].label).toBe('irq/25-nic-rx-1');
    expect(w.backlogOf(1)).toBe(2);
    s.step();
    expect(w.backlogOf(1)).toBe(0);
    expect(threads()[1].state).toBe('S');
    // Queue 0 fires at ticks 1, 51, ..., queue 1 at 50, 100, ...: by tick 260 both have drained.
    s.runTicks(260 - s.tick);
    expect(held(w)).toBe(0);
    expect(w.counters.buffers).toBe(w.counters.consumed);
    expect(w.counters.interrupts).toBe(s.sys.cpus[0].interrupts[w.index] + s.sys.cpus[1].interrupts[w.index]);
  });

  for (const consumer of ['softirq', 'task'] as const) {
    test(`${consumer}: what is queued at stop is freed, the threads exit, and the machine is clean`, () => {
      const s = machineWith(
        `  nic:
    type: irq
    cpus: [0, 1]
    arrival: {poisson: 3}
    buffers: {uniform: [1, 16]}
    size: {uniform: [64, 16K]}
    consumer: ${consumer}
    budget: 8
`,
        `  - at: 1
    start: nic
  - at: 300
    stop: nic
`,
      );
      const w = line(s, 'nic');
      s.runTicks(299);
      expect(w.state).toBe('running');
      // Hardirqs at 3 a tick keep both CPUs busy: buffers pile up, large ones (kmalloc_large) as pages.
      expect(w.stats.slabObjects).toBeGreaterThan(100);
      expect(w.stats.pages).toBeGreaterThan(100);
      expect(w.counters.consumed).toBeGreaterThan(0);
      const queued = w.backlogOf(0) + w.backlogOf(1);
      expect(queued).toBe(w.counters.buffers - w.counters.consumed - (w.counters.drops ?? 0));
      s.step();
      expect(w.state).toBe('stopped');
      expect(held(w)).toBe(0);
      expect(w.backlogOf(0) + w.backlogOf(1)).toBe(0);
      expect([...s.sys.tasks.values()].filter((t) => t.owner === w.index)).toEqual([]);
      expect(kernelLog(s)).toContain(`nic: free_irq: ${queued} queued buffers freed`);
      const interrupts = w.counters.interrupts;
      s.runTicks(50);
      expect(w.counters.interrupts).toBe(interrupts);
      expect(check(s.machine)).toEqual([]);
    });
  }

  test('a line started again after stop runs as new', () => {
    const s = machineWith(
      `  nic:
    type: irq
    cpus: [0]
    arrival: {periodic: 5}
    consumer: task
`,
      `  - at: 1
    start: nic
  - at: 20
    stop: nic
  - at: 30
    start: nic
`,
    );
    const w = line(s, 'nic');
    s.runTicks(40);
    expect([...s.sys.tasks.values()].filter((t) => t.owner === w.index).map((t) => t.comm)).toEqual(['irq/24-nic']);
    expect(w.counters.interrupts).toBe(4 + 3);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('irq: the backlog', () => {
  test('beyond backlog the handler drops (frees) the buffer; a storm of hardirqs starves the softirq', () => {
    const s = machineWith(`  nic:
    type: irq
    cpus: [1]
    arrival: {bursts: {every: 1000, length: 50, rate: 6}}
    buffers: 4
    size: 1K
    backlog: 40
    budget: 16
`);
    const w = line(s, 'nic');
    s.runTicks(50);
    // Rate 6: a tick without an interrupt comes once in e^6 ~ 400 ticks.
    expect(s.sys.cpus[1].steps.hardirq).toBeGreaterThanOrEqual(49);
    expect(w.backlogOf(1)).toBeGreaterThanOrEqual(40 - 16);
    expect(w.counters.drops).toBeGreaterThan(500);
    expect(w.counters.buffers).toBe(w.counters.drops + (w.counters.consumed ?? 0) + held(w));
    expect(kernelLog(s)).toContain('nic: CPU 1 backlog full (40 buffers): dropping');
    s.runTicks(10);
    expect(held(w)).toBe(0);
    expect(kernelLog(s)).toContain(`nic: CPU 1 backlog drained, ${w.counters.drops} buffers dropped while it was full`);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('irq: determinism', () => {
  const spec = `  nic:
    type: irq
    arrival: {poisson: 0.7}
    buffers: {exponential: 6}
    size: {uniform: [64, 9000]}
    consumer: task
    budget: 16
`;
  test('the same seed gives the same transcript and figures', () => {
    const run = (seed: number) => {
      const s = machineWith(spec, FILL, {seed});
      s.runTicks(2000);
      return JSON.stringify({t: s.transcript, c: line(s, 'nic').counters, st: line(s, 'nic').stats, free: freePages(s)});
    };
    const a = run(3);
    expect(run(3)).toBe(a);
    expect(run(4)).not.toBe(a);
  });
});

describe('scenario irq-storm', () => {
  test('what the notes say is there at their ticks', () => {
    const s = shipped('irq-storm');
    const nic = line(s, 'nic');
    const storm = line(s, 'storm');
    const dma32 = s.machine.pa.zones.find((z) => z.name === 'DMA32');
    const dma = s.machine.pa.zones.find((z) => z.name === 'DMA');
    if (!dma32 || !dma) throw new Error('zones');
    const at = (tick: number) => s.runTicks(tick - s.tick);
    at(1);
    expect(dma32.freePages).toBeGreaterThan(7000);
    at(40);
    expect(s.sys.cpus[1].steps.softirq).toBe(0);
    expect(storm.backlogOf(1)).toBeGreaterThan(5000);
    expect(nic.backlogOf(0)).toBeLessThan(20);
    at(57);
    expect(dma32.freePages).toBeLessThan(dma32.wmarkLow);
    expect(dma.freePages).toBeLessThan(3840);
    expect(kernelLog(s).some((t) => t.startsWith('kswapd0'))).toBe(false);
    at(74);
    expect(kernelLog(s)).toContain('kswapd0: woken for order 0, zones up to Normal');
    at(75);
    expect(dma32.freePages).toBeLessThan(dma32.wmarkMin);
    expect(storm.stats.failures).toBe(0);
    at(77);
    expect(storm.stats.failures).toBeGreaterThan(0);
    expect(kernelLog(s)).toContain('swapper/1: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null),cpuset=/,mems_allowed=0');
    at(90);
    expect(nic.stats.failures).toBeGreaterThan(0);
    expect(kernelLog(s)).toContain('SLUB: Unable to allocate memory on node -1, gfp=0x820(GFP_ATOMIC)');
    at(130);
    expect(storm.backlogOf(1)).toBe(16384);
    expect(storm.counters.drops).toBeGreaterThan(0);
    expect(kernelLog(s).at(-1)).toMatch(/^kswapd0: sleeps, balanced/);
    at(161);
    expect(s.sys.cpus[1].context).toBe('softirq');
    at(420);
    expect(held(storm)).toBe(0);
    expect(freePages(s)).toBeGreaterThan(16500);
    const failures = storm.stats.failures;
    at(12000);
    // Two more bursts filled the backlog without a failure.
    expect(storm.stats.failures).toBe(failures);
    expect(storm.counters.drops).toBeGreaterThan(20000);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('scenario wrong-context', () => {
  test('the BUGs at their ticks, then the fixed line runs clean', () => {
    const s = shipped('wrong-context');
    s.runTicks(6);
    expect(kernelLog(s)).toEqual([
      'buggy: IRQ 24 on CPU 1: handler takes kmalloc buffers with GFP_KERNEL, the softirq frees them',
      'BUG: sleeping function called from invalid context at mm/slub.c',
    ]);
    s.runTicks(20);
    expect(kernelLog(s, 7)).toEqual([
      'BUG: sleeping function called from invalid context at mm/vmalloc.c',
      'BUG: sleeping function called from invalid context at mm/slub.c',
    ]);
    expect(s.env.get('v')).not.toBe(0n);
    expect(s.env.get('k')).not.toBe(0n);
    s.runTicks(34);
    expect(kernelLog(s, 27)).toEqual([
      'BUG: sleeping function called from invalid context at mm/slub.c',
      'buggy: free_irq: 0 queued buffers freed',
      'fixed: IRQ 25 on CPU 1: handler takes kmalloc buffers with GFP_ATOMIC, irq/25-fixed frees them',
    ]);
    s.runTicks(5000);
    expect(kernelLog(s, 61)).toEqual([]);
    const fixed = line(s, 'fixed');
    expect(fixed.counters.buffers).toBeGreaterThan(300);
    expect([...s.sys.tasks.values()].find((t) => t.owner === fixed.index)?.comm).toBe('irq/25-fixed');
    expect(check(s.machine)).toEqual([]);
  });
});
