// The irq workload: a handler that allocates in hardirq context and hands its buffers to a softirq (run at
// irq_exit, the rest left to ksoftirqd) or to a threaded handler; what a storm of interrupts does to memory
// (reserves, kswapd, failures) and to the CPU's tasks (receive livelock); and the shipped scenarios' notes.
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {loadScenario} from '../../source/scenario/load.js';
import {openScenario} from '../../source/session/open-scenario.js';
import {Session} from '../../source/session/session.js';
import {IrqWorkload} from '../../source/workloads/irq.js';
import {MAX_SOFTIRQ_RESTART, type Task} from '../../source/workloads/system.js';

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

function task(s: Session, comm: string): Task {
  const t = [...s.sys.tasks.values()].find((x) => x.comm === comm);
  if (!t) throw new Error(`no task ${comm}`);
  return t;
}

/** Buffers the line holds: slab objects for kmalloc'd buffers, pages for page buffers. */
const held = (w: IrqWorkload) => w.stats.slabObjects + w.stats.pages;

/** Kernel log lines (first lines) of the transcript, optionally from a tick on. */
const kernelLog = (s: Session, from = 0) => s.transcript.filter((l) => l.kind === 'kernel' && l.tick >= from).map((l) => l.text);

/** The ticks a kernel log line was printed at. */
const ticksOf = (s: Session, text: string) => s.transcript.filter((l) => l.kind === 'kernel' && l.text === text).map((l) => l.tick);

/** Run until a predicate holds, at most `max` ticks; the tick it held at. */
function runUntil(s: Session, max: number, done: () => boolean): number {
  for (let i = 0; i < max; i++) {
    s.step();
    if (done()) return s.tick;
  }
  throw new Error(`not reached in ${max} ticks`);
}

const freePages = (s: Session) => s.machine.pa.zones.reduce((a, z) => a + z.freePages, 0);

function zone(s: Session, name: string) {
  const z = s.machine.pa.zones.find((x) => x.name === name);
  if (!z) throw new Error(`no zone ${name}`);
  return z;
}

const KSWAPD_WOKEN = 'kswapd0: woken for order 0, zones up to Normal';

// A storm of page buffers on CPU 1 whose threaded handler the interrupts starve, so the pages pile up in the
// backlog, on a 256M machine whose page cache holds most of memory: GFP_ATOMIC reaches the reserves and fails.
const STORM = `  storm:
    type: irq
    cpus: [1]
    arrival: {poisson: 4}
    buffers: 48
    alloc: pages
    gfp: GFP_ATOMIC
    backlog: 100000
    consumer: task
`;
const FILL = `  - at: 1
    run: filemap_read(200M)
`;

describe('irq: GFP_ATOMIC in hardirq context', () => {
  test('never sleeps, even when memory runs out: below min into the reserves, kswapd woken, failures with the warning', () => {
    const s = machineWith(STORM, FILL);
    const w = line(s, 'storm');
    runUntil(s, 2000, () => w.stats.failures >= 5);
    expect(w.stats.stalls).toBe(0);
    expect(w.stats.stallTicks).toBe(0);
    expect(s.machine.pa.stats.allocstall).toBe(0);
    // Below min: only __GFP_HIGH callers get there.
    expect(zone(s, 'DMA32').freePages).toBeLessThan(zone(s, 'DMA32').wmarkMin);
    expect(kernelLog(s)).toContain('swapper/1: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null),cpuset=/,mems_allowed=0');
    expect(kernelLog(s)).toContain(KSWAPD_WOKEN);
    expect(kernelLog(s).filter((t) => t.startsWith('BUG'))).toEqual([]);
    expect([...s.sys.tasks.values()].filter((t) => t.state === 'D')).toEqual([]);
    expect(w.counters.alloc_failures).toBe(w.stats.failures);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('irq: bug_sleeping_alloc', () => {
  test('GFP_KERNEL in the handler: might_sleep prints the BUG from slub, with the hardirq context, and the allocation goes on', () => {
    const s = machineWith(`  buggy:
    type: irq
    cpus: [1]
    arrival: {periodic: 10}
    size: 1500
    bug_sleeping_alloc: true
`);
    s.runTicks(1);
    const bugs = s.transcript.filter((l) => l.text.startsWith('BUG:'));
    expect(bugs.map((l) => l.text)).toEqual(['BUG: sleeping function called from invalid context at mm/slub.c']);
    expect(bugs[0].detail).toEqual(['in_atomic(): 1, irqs_disabled(): 1, non_block: 0, pid: 0, name: swapper/1', 'preempt_count: 10001, expected: 0']);
    const w = line(s, 'buggy');
    expect(w.spec.gfpText).toBe('GFP_KERNEL');
    // Only a warning: the slab had an object, the buffer was taken and freed by the softirq.
    expect(w.counters).toEqual({interrupts: 1, buffers: 1, consumed: 1});
    expect(w.stats.failures).toBe(0);
  });

  test('under memory pressure: scheduling while atomic and a failure where reclaim would sleep, never a stall; both BUGs once a second', () => {
    const s = machineWith(STORM.replace('gfp: GFP_ATOMIC', 'bug_sleeping_alloc: true'), FILL);
    const w = line(s, 'storm');
    const failed = runUntil(s, 2000, () => w.stats.failures >= 1);
    // The failing allocation: might_sleep's warning (unless printed within the last second), then the page
    // allocator finds nothing at min and would reclaim - it sleeps in the interrupt: scheduling while atomic.
    expect(kernelLog(s, failed).filter((t) => !t.startsWith('kswapd0'))).toEqual([
      'BUG: scheduling while atomic: swapper/1/0/0x00010001',
      'swapper/1: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0',
    ]);
    s.runTicks(40);
    const sleeping = ticksOf(s, 'BUG: sleeping function called from invalid context at mm/page_alloc.c');
    const atomic = ticksOf(s, 'BUG: scheduling while atomic: swapper/1/0/0x00010001');
    expect(sleeping.length).toBeGreaterThan(2);
    expect(atomic.length).toBeGreaterThan(2);
    // Every allocation of the handler passes might_sleep, every failed one tried to reclaim; the kernel prints
    // each BUG at most once a second (5 ticks).
    expect(w.counters.buffers + w.stats.failures).toBeGreaterThan(5 * sleeping.length);
    expect(w.stats.failures).toBeGreaterThan(atomic.length);
    for (const ticks of [sleeping, atomic]) for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBeGreaterThanOrEqual(5);
    expect(w.stats.stalls).toBe(0);
    expect(s.machine.pa.stats.allocstall).toBe(0);
    expect([...s.sys.tasks.values()].filter((t) => t.state === 'D')).toEqual([]);
    // Without __GFP_HIGH it fails at min (less a per-CPU batch of 15 pages taken at once): it never reaches the
    // reserves below, which GFP_ATOMIC may use.
    const dma32 = zone(s, 'DMA32');
    expect(dma32.freePages).toBeGreaterThanOrEqual(dma32.wmarkMin - 15);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('irq: the hand-off from hardirq to the consumer', () => {
  test('softirq: the handler allocates in hardirq, the softirq frees them at irq_exit, in the same step', () => {
    const s = machineWith(`  nic:
    type: irq
    cpus: [1]
    arrival: {periodic: 10}
    buffers: 5
    size: 2K
`);
    const w = line(s, 'nic');
    s.step();
    expect([s.sys.cpus[1].context, s.sys.cpus[1].label]).toEqual(['hardirq', 'irq nic']);
    expect(w.counters).toEqual({interrupts: 1, buffers: 5, consumed: 5});
    expect(held(w)).toBe(0);
    expect(w.backlogOf(1)).toBe(0);
    s.runTicks(100);
    expect(w.counters).toEqual({interrupts: 11, buffers: 55, consumed: 55});
    expect(s.sys.cpus[1].steps).toEqual({hardirq: 11, softirq: 0, process: 0, idle: 90});
    expect(s.sys.cpus[1].interrupts[w.index]).toBe(11);
    expect(w.irqOf(1)).toBe(24);
    expect(check(s.machine)).toEqual([]);
  });

  test('softirq: a budget per round, restarted while work is left (NAPI); past MAX_SOFTIRQ_RESTART rounds ksoftirqd/N takes the rest', () => {
    const s = machineWith(`  small:
    type: irq
    cpus: [1]
    arrival: {periodic: 100}
    buffers: 10
    size: 512
    budget: 4
  big:
    type: irq
    cpus: [0]
    arrival: {periodic: 100}
    buffers: 50
    size: 512
    budget: 4
`);
    const small = line(s, 'small');
    const big = line(s, 'big');
    const ksoftirqd0 = task(s, 'ksoftirqd/0');
    s.step();
    // 10 buffers at 4 a round: three rounds in irq_exit. 50: ten rounds free 40 and wake ksoftirqd/0.
    expect(MAX_SOFTIRQ_RESTART).toBe(10);
    expect([small.backlogOf(1), small.counters.consumed]).toEqual([0, 10]);
    expect([big.backlogOf(0), big.counters.consumed]).toEqual([10, 40]);
    expect([ksoftirqd0.state, task(s, 'ksoftirqd/1').state]).toEqual(['R', 'S']);
    // ksoftirqd runs the softirq in process context (its own rounds, at the same budget) and sleeps again.
    s.step();
    expect([s.sys.cpus[0].context, s.sys.cpus[0].label]).toEqual(['process', 'ksoftirqd/0']);
    expect([big.backlogOf(0), big.counters.consumed]).toEqual([0, 50]);
    expect([ksoftirqd0.state, ksoftirqd0.wait, ksoftirqd0.steps]).toEqual(['S', 'ksoftirqd', 1]);
    s.step();
    expect(s.sys.cpus.map((c) => c.context)).toEqual(['idle', 'idle']);
    expect(check(s.machine)).toEqual([]);
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
    expect([s.sys.cpus[1].context, s.sys.cpus[1].label]).toEqual(['process', 'irq/25-nic-rx-1']);
    expect(w.backlogOf(1)).toBe(2);
    s.step();
    expect(w.backlogOf(1)).toBe(0);
    expect(threads()[1].state).toBe('S');
    // Queue 0 fires at ticks 1, 51, ..., queue 1 at 50, 100, ...: by tick 260 both have drained.
    s.runTicks(260 - s.tick);
    expect(held(w)).toBe(0);
    expect(w.counters.buffers).toBe(w.counters.consumed);
    expect(w.counters.interrupts).toBe(s.sys.cpus[0].interrupts[w.index] + s.sys.cpus[1].interrupts[w.index]);
    expect(check(s.machine)).toEqual([]);
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
    budget: 1
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
      // About 25 buffers a tick against 10 a step (ten softirq rounds of 1) or 1 a rare thread step: they pile
      // up, the large ones (kmalloc_large) as pages.
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

describe('irq: receive livelock', () => {
  test('a storm starves the threaded handler on its CPU, while a softirq consumer there keeps up at irq_exit', () => {
    const s = machineWith(`  rx:
    type: irq
    cpus: [1]
    arrival: {periodic: 3}
    buffers: 4
    size: 1K
  storm:
    type: irq
    cpus: [1]
    arrival: {bursts: {every: 100000, length: 200, rate: 30}}
    size: 1K
    backlog: 10000
    consumer: task
`);
    const rx = line(s, 'rx');
    const storm = line(s, 'storm');
    const thread = task(s, 'irq/25-storm');
    let rxLeft = 0;
    for (let i = 0; i < 200; i++) {
      s.step();
      rxLeft = Math.max(rxLeft, rx.backlogOf(1));
    }
    // Every step of CPU 1 went to an interrupt; the thread, runnable all along, never ran, and nothing of the
    // storm was freed. rx's buffers were freed in the step that took them, its softirq riding on every irq_exit.
    expect(s.sys.cpus[1].steps).toEqual({hardirq: 200, softirq: 0, process: 0, idle: 0});
    expect([thread.state, thread.steps]).toEqual(['R', 0]);
    expect(storm.counters.consumed).toBeUndefined();
    expect(storm.backlogOf(1)).toBe(storm.counters.buffers);
    expect(storm.backlogOf(1)).toBeGreaterThan(5000);
    expect(rxLeft).toBe(0);
    expect(rx.counters.consumed).toBe(rx.counters.buffers);
    expect(task(s, 'ksoftirqd/1').steps).toBe(0);
    // The burst is over: the thread gets the CPU between rx's interrupts and drains the backlog, 64 a step.
    const drained = runUntil(s, 400, () => storm.backlogOf(1) === 0);
    expect(thread.steps).toBe(Math.ceil(storm.counters.buffers / 64));
    expect(drained - 200).toBeGreaterThan(thread.steps);
    expect(thread.state).toBe('S');
    expect(check(s.machine)).toEqual([]);
  });

  test('a storm on kswapd\'s CPU starves kswapd: woken and runnable, it reclaims nothing until the storm ends', () => {
    const s = machineWith(
      `  storm:
    type: irq
    cpus: [0]
    arrival: {bursts: {every: 100000, length: 150, rate: 30}}
    buffers: 6
    alloc: pages
    gfp: GFP_ATOMIC
    backlog: 100000
    consumer: task
`,
      FILL,
    );
    const w = line(s, 'storm');
    const kswapd = task(s, 'kswapd0');
    const woken = runUntil(s, 150, () => kernelLog(s).includes(KSWAPD_WOKEN));
    s.runTicks(150 - s.tick);
    expect(woken).toBeLessThan(100);
    expect([kswapd.cpu, kswapd.state, kswapd.steps]).toEqual([0, 'R', 0]);
    expect(s.machine.pa.stats.pgstealKswapd).toBe(0);
    // Nobody reclaims: the storm's allocations keep failing at GFP_ATOMIC's floor.
    const failures = w.stats.failures;
    expect(failures).toBeGreaterThan(20);
    expect(zone(s, 'DMA32').freePages).toBeLessThan(zone(s, 'DMA32').wmarkMin);
    s.runTicks(20);
    expect(kswapd.steps).toBeGreaterThan(0);
    expect(s.machine.pa.stats.pgstealKswapd).toBeGreaterThan(0);
    expect(w.stats.failures).toBe(failures);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('irq: the backlog', () => {
  test('beyond backlog the handler drops (frees) the buffer; what the softirq leaves waits for ksoftirqd, starved until the burst ends', () => {
    const s = machineWith(`  nic:
    type: irq
    cpus: [1]
    arrival: {bursts: {every: 1000, length: 50, rate: 20}}
    buffers: 2
    size: 1K
    backlog: 40
    budget: 1
`);
    const w = line(s, 'nic');
    const ksoftirqd = task(s, 'ksoftirqd/1');
    s.runTicks(50);
    // About 40 buffers a tick, 10 freed at each irq_exit: the backlog fills and the handler drops the rest.
    expect(s.sys.cpus[1].steps).toEqual({hardirq: 50, softirq: 0, process: 0, idle: 0});
    expect(w.backlogOf(1)).toBe(40 - MAX_SOFTIRQ_RESTART);
    expect(w.counters.drops).toBeGreaterThan(500);
    expect(w.counters.buffers).toBe(w.counters.drops + w.counters.consumed + held(w));
    expect(kernelLog(s)).toContain('nic: CPU 1 backlog full (40 buffers): dropping');
    // irq_exit left work for ksoftirqd/1, which the interrupts never let run.
    expect([ksoftirqd.state, ksoftirqd.steps]).toEqual(['R', 0]);
    s.step();
    expect([s.sys.cpus[1].context, s.sys.cpus[1].label]).toEqual(['process', 'ksoftirqd/1']);
    s.runTicks(5);
    expect(held(w)).toBe(0);
    expect([ksoftirqd.state, ksoftirqd.steps]).toEqual(['S', 3]);
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
    const dma32 = zone(s, 'DMA32');
    const dma = zone(s, 'DMA');
    const kswapd = task(s, 'kswapd0');
    const at = (tick: number) => s.runTicks(tick - s.tick);
    at(1);
    expect([dma32.freePages, dma.freePages]).toEqual([10224, 3840]);
    expect([dma32.wmarkMin, dma32.wmarkLow, dma32.wmarkHigh]).toEqual([458, 572, 686]);
    expect(kswapd.state).toBe('S');
    at(10);
    const thread = task(s, 'irq/26-storm');
    expect(kernelLog(s, 10)).toEqual(['storm: IRQ 26 on CPU 1: handler takes order-0 pages with GFP_ATOMIC, irq/26-storm frees them']);
    at(40);
    // Since tick 10 CPU 1 ran an interrupt at all its 31 steps but one, which went to the thread.
    expect(s.sys.cpus[1].steps.process).toBe(1);
    expect([thread.state, thread.steps]).toEqual(['R', 1]);
    expect(storm.backlogOf(1)).toBe(5360);
    expect([nic.backlogOf(0), nic.backlogOf(1)]).toEqual([0, 0]);
    expect(nic.counters.consumed).toBe(nic.counters.buffers);
    at(56);
    expect(dma32.freePages).toBeGreaterThan(dma32.wmarkLow);
    at(57);
    expect(dma32.freePages).toBeLessThanOrEqual(dma32.wmarkLow);
    expect(dma.freePages).toBeLessThan(3840);
    expect(kernelLog(s)).not.toContain(KSWAPD_WOKEN);
    at(74);
    expect(dma.freePages).toBe(258);
    expect(dma.wmarkLow + dma.lowmemReserve[1]).toBe(258);
    expect(kernelLog(s, 74)).toEqual([KSWAPD_WOKEN]);
    at(75);
    expect(dma32.freePages).toBeLessThan(dma32.wmarkMin);
    expect(storm.stats.failures).toBe(0);
    expect(s.machine.pa.stats.pgstealKswapd).toBe(128);
    at(77);
    expect(storm.stats.failures).toBe(1);
    expect([dma32.freePages, dma.freePages]).toEqual([158, 232]);
    expect(kernelLog(s, 77)).toEqual(['swapper/1: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null),cpuset=/,mems_allowed=0']);
    expect(storm.counters.missed).toBeGreaterThan(0);
    at(95);
    expect(storm.stats.failures).toBeGreaterThan(5);
    expect(kernelLog(s, 78)).toEqual([]);
    expect(kswapd.state).toBe('R');
    at(111);
    expect(storm.backlogOf(1)).toBe(16384);
    expect(kernelLog(s, 111)).toEqual(['storm: CPU 1 backlog full (16384 buffers): dropping']);
    at(115);
    expect(kernelLog(s, 115)).toEqual(['kswapd0: sleeps, balanced; reclaimed 3584 pages']);
    expect(dma32.freePages).toBeGreaterThan(dma32.wmarkHigh);
    at(160);
    expect(thread.steps).toBe(1);
    at(161);
    expect([s.sys.cpus[1].context, s.sys.cpus[1].label]).toEqual(['process', 'irq/26-storm']);
    expect(storm.backlogOf(1)).toBe(16384 - 64);
    at(510);
    expect(kernelLog(s, 508)).toEqual(['storm: CPU 1 backlog drained, 8474 buffers dropped while it was full']);
    expect(held(storm)).toBe(0);
    expect([storm.stats.failures, storm.counters.drops]).toEqual([21, 8474]);
    expect(freePages(s)).toBeGreaterThan(16900);
    expect(freePages(s)).toBeLessThan(17100);
    at(6000);
    // The next burst filled the backlog without a failure; kswapd woke only briefly.
    expect(storm.stats.failures).toBe(21);
    expect(storm.counters.drops).toBeGreaterThan(2 * 8474);
    expect(s.machine.pa.stats.kswapdWakeups).toBe(2);
    expect(check(s.machine)).toEqual([]);
  });
});

describe('scenario wrong-context', () => {
  test('might_sleep, the vmalloc oops, scheduling while atomic at their ticks; then the fixed line runs clean', () => {
    const s = shipped('wrong-context');
    s.runTicks(6);
    expect(kernelLog(s)).toEqual([
      'buggy: IRQ 24 on CPU 1: handler takes kmalloc buffers with GFP_KERNEL, the softirq frees them',
      'BUG: sleeping function called from invalid context at mm/slub.c',
    ]);
    s.runTicks(14);
    expect(kernelLog(s, 7)).toEqual(['kernel BUG at mm/vmalloc.c!']);
    expect(s.env.get('v')).toBe(0n);
    s.runTicks(6);
    expect(s.env.get('k')).not.toBe(0n);
    expect(s.env.get('v')).not.toBe(0n);
    expect(kernelLog(s, 21)).toEqual(['BUG: sleeping function called from invalid context at mm/slub.c']);
    s.runTicks(4);
    expect(zone(s, 'DMA32').freePages).toBeGreaterThan(zone(s, 'DMA32').wmarkMin);
    expect(zone(s, 'DMA32').freePages).toBeLessThan(zone(s, 'DMA32').wmarkLow);
    s.runTicks(1);
    expect(s.env.get('pg')).toBe(0n);
    expect(kernelLog(s, 31)).toEqual([
      'BUG: sleeping function called from invalid context at mm/page_alloc.c',
      'BUG: scheduling while atomic: swapper/1/0/0x00010001',
      'swapper/1: page allocation failure: order:0, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0',
    ]);
    s.runTicks(1);
    expect(s.env.get('pa')).not.toBe(0n);
    expect(kernelLog(s, 32)).toEqual([]);
    s.runTicks(28);
    expect(kernelLog(s, 33)).toEqual([
      'kswapd0: sleeps, balanced; reclaimed 1024 pages',
      'BUG: sleeping function called from invalid context at mm/slub.c',
      'buggy: free_irq: 0 queued buffers freed',
      'fixed: IRQ 25 on CPU 1: handler takes kmalloc buffers with GFP_ATOMIC, irq/25-fixed frees them',
    ]);
    s.runTicks(5000);
    expect(kernelLog(s, 61)).toEqual([]);
    const fixed = line(s, 'fixed');
    expect(fixed.counters.buffers).toBeGreaterThan(300);
    expect(fixed.stats.failures).toBe(0);
    expect(task(s, 'irq/25-fixed').owner).toBe(fixed.index);
    expect(check(s.machine)).toEqual([]);
  });
});
