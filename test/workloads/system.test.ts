// The tick model: one step per CPU per tick in the highest pending context, round robin among runnable tasks,
// sleeping in D for direct reclaim and waking after it, kswapd as a per-node task that competes for its CPU.
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {GFP_ATOMIC} from '../../source/kernel/gfp.js';
import type {Machine} from '../../source/kernel/machine.js';
import type {NamedWorkload, PressureSpec} from '../../source/workloads/spec.js';
import {MAX_SOFTIRQ_RESTART, System, type Task} from '../../source/workloads/system.js';
import {Workload} from '../../source/workloads/workload.js';
import {boot, M} from '../helpers.js';

/** A workload for tests: each hook records what ran, and the test decides what happens. */
class Probe extends Workload<PressureSpec> {
  readonly ran: string[] = [];
  onTask: (sys: System, t: Task) => void = () => {};
  onTick: (sys: System) => void = () => {};
  moreSoftirq = 0;
  start(): void {
    this.state = 'running';
  }
  stop(): void {
    this.state = 'stopped';
  }
  override tick(sys: System): void {
    this.onTick(sys);
  }
  override runTask(sys: System, t: Task): void {
    this.ran.push(`${sys.tick}:cpu${t.cpu}:${t.comm}`);
    this.onTask(sys, t);
  }
  override hardirq(sys: System, cpu: number): void {
    this.ran.push(`${sys.tick}:cpu${cpu}:hardirq`);
  }
  override softirq(sys: System, cpu: number): boolean {
    this.ran.push(`${sys.tick}:cpu${cpu}:softirq`);
    return this.moreSoftirq-- > 0;
  }
  /** Expose the accounting helper the generators use. */
  alloc(sys: System, t: Task, ok: boolean, stall: number): void {
    this.allocated(sys, t, ok, stall);
  }
}

const SPEC: PressureSpec = {type: 'pressure', read: {kind: 'fixed', value: 0}, anon: {kind: 'fixed', value: 0}, anonMax: 0, lifetime: {kind: 'fixed', value: 1}};

function world(memory = 256 * M, cpus = 2): {m: Machine; sys: System; w: Probe} {
  const m = boot({memory, cpus});
  const named: NamedWorkload = {name: 'probe', spec: SPEC, line: 1, col: 1};
  const sys = new System(m, [named], (i, n, c) => new Probe(i, n.name, n.spec as PressureSpec, c));
  const w = sys.workloads[0] as Probe;
  w.start();
  return {m, sys, w};
}

function tick(m: Machine, sys: System, n = 1): void {
  for (let i = 0; i < n; i++) {
    m.beginTick();
    sys.runTick();
    m.endTick();
  }
}

describe('the tick model', () => {
  test('hardirq runs before softirq, softirq before a task; one step per CPU per tick', () => {
    const {m, sys, w} = world();
    sys.spawn(0, 'worker', 0, 'w');
    m.beginTick();
    sys.raiseIrq(w, 0);
    sys.raiseSoftirq(w, 0);
    sys.runTick();
    m.endTick();
    tick(m, sys, 2);
    // The raised softirq ran at irq_exit(), in the hardirq's step; the worker got the next one.
    expect(w.ran).toEqual(['1:cpu0:hardirq', '1:cpu0:softirq', '2:cpu0:worker', '3:cpu0:worker']);
    expect(sys.cpus[0].steps).toEqual({hardirq: 1, softirq: 0, process: 2, idle: 0});
    expect(sys.cpus[1].steps).toEqual({hardirq: 0, softirq: 0, process: 0, idle: 3});
  });

  test('a softirq raised outside an interrupt runs in softirq context before the tasks', () => {
    const {m, sys, w} = world();
    sys.spawn(0, 'worker', 0, 'w');
    sys.raiseSoftirq(w, 0);
    tick(m, sys, 2);
    expect(w.ran).toEqual(['1:cpu0:softirq', '2:cpu0:worker']);
  });

  test('a line already pending is pending once, but every interrupt is counted', () => {
    const {m, sys, w} = world();
    m.beginTick();
    sys.raiseIrq(w, 1);
    sys.raiseIrq(w, 1);
    sys.runTick();
    m.endTick();
    tick(m, sys);
    expect(w.ran).toEqual(['1:cpu1:hardirq']);
    expect(sys.cpus[1].interrupts[0]).toBe(2);
  });

  test('__do_softirq restarts while work is left, up to MAX_SOFTIRQ_RESTART rounds, then wakes ksoftirqd', () => {
    const {m, sys, w} = world();
    sys.spawn(0, 'worker', 0, 'w');
    w.moreSoftirq = 2;
    sys.raiseSoftirq(w, 0);
    tick(m, sys, 2);
    expect(w.ran).toEqual(['1:cpu0:softirq', '1:cpu0:softirq', '1:cpu0:softirq', '2:cpu0:worker']);
    w.ran.length = 0;
    w.moreSoftirq = MAX_SOFTIRQ_RESTART + 3;
    sys.raiseSoftirq(w, 0);
    tick(m, sys);
    expect(w.ran.length).toBe(MAX_SOFTIRQ_RESTART);
    const k = [...sys.tasks.values()].find((t) => t.comm === 'ksoftirqd/0') as Task;
    expect(k.state).toBe('R');
    // ksoftirqd is a task: it takes its turn with the worker, round robin, and sleeps when nothing is left.
    tick(m, sys, 3);
    expect(w.ran.slice(MAX_SOFTIRQ_RESTART)).toEqual(['4:cpu0:worker', '5:cpu0:softirq', '5:cpu0:softirq', '5:cpu0:softirq', '5:cpu0:softirq', '6:cpu0:worker']);
    expect([k.state, k.wait]).toEqual(['S', 'ksoftirqd']);
  });

  test('receive livelock: an interrupt every tick keeps its softirq running at irq_exit and starves the tasks', () => {
    const {m, sys, w} = world();
    const worker = sys.spawn(0, 'worker', 0, 'w');
    w.onTick = (s) => s.raiseIrq(w, 0);
    w.onTask = () => {};
    let rounds = 0;
    const softirq = w.softirq.bind(w);
    w.softirq = (s, cpu) => {
      rounds++;
      softirq(s, cpu);
      return false;
    };
    const hardirq = w.hardirq.bind(w);
    w.hardirq = (s, cpu) => {
      hardirq(s, cpu);
      s.raiseSoftirq(w, cpu);
    };
    tick(m, sys, 50);
    expect(rounds).toBe(50);
    expect(worker.steps).toBe(0);
    expect(sys.cpus[0].steps).toEqual({hardirq: 50, softirq: 0, process: 0, idle: 0});
  });

  test('tasks on a CPU take turns, round robin; tasks on other CPUs run in parallel', () => {
    const {m, sys, w} = world();
    sys.spawn(0, 'a', 0, 'w');
    sys.spawn(0, 'b', 0, 'w');
    sys.spawn(0, 'c', 1, 'w');
    tick(m, sys, 4);
    expect(w.ran).toEqual(['1:cpu0:a', '1:cpu1:c', '2:cpu0:b', '2:cpu1:c', '3:cpu0:a', '3:cpu1:c', '4:cpu0:b', '4:cpu1:c']);
  });

  test('a task that stalls in direct reclaim sleeps in D for the stall, then runs again', () => {
    const {m, sys, w} = world();
    const t = sys.spawn(0, 'reader', 0, 'w');
    w.onTask = (s, task) => {
      if (s.tick === 1) w.alloc(s, task, true, 3);
    };
    tick(m, sys);
    expect([t.state, t.wait, t.wakeAt]).toEqual(['D', 'reclaim', 4]);
    tick(m, sys, 2);
    expect(t.state).toBe('D');
    // An arrival cannot wake a task in uninterruptible sleep early.
    sys.wake(t);
    expect(t.state).toBe('D');
    tick(m, sys);
    expect(t.state).toBe('R');
    expect(w.ran).toEqual(['1:cpu0:reader', '4:cpu0:reader']);
    expect([t.stalls, t.stallTicks, w.stats.stalls, w.stats.stallTicks]).toEqual([1, 3, 1, 3]);
  });

  test('a task sleeping in S for a timer wakes at its tick; wake() wakes it early', () => {
    const {m, sys, w} = world();
    const t = sys.spawn(0, 'idle', 1, 'w');
    w.onTask = (s, task) => s.sleep(task, 'S', 'timer', 5);
    tick(m, sys);
    expect(t.state).toBe('S');
    tick(m, sys, 5);
    expect(w.ran).toEqual(['1:cpu1:idle', '6:cpu1:idle']);
    sys.wake(t);
    tick(m, sys);
    expect(w.ran).toEqual(['1:cpu1:idle', '6:cpu1:idle', '7:cpu1:idle']);
  });

  test('an exited task leaves the run queue', () => {
    const {m, sys, w} = world();
    const a = sys.spawn(0, 'a', 0, 'w');
    sys.spawn(0, 'b', 0, 'w');
    w.onTask = (s, task) => {
      if (task === a) s.exit(task);
    };
    tick(m, sys, 3);
    expect(w.ran).toEqual(['1:cpu0:a', '2:cpu0:b', '3:cpu0:b']);
    expect(sys.tasks.has(a.pid)).toBe(false);
  });
});

describe('kswapd is a task', () => {
  /** Fill a 64 MiB machine's page cache below the low watermark: kswapd wakes. */
  function pressured() {
    const r = world(64 * M, 2);
    r.m.beginTick();
    r.m.pageCacheRead(r.m.ctx(1), 60 * M);
    r.m.endTick();
    return r;
  }

  test('it sleeps until its node needs balancing, then runs on its CPU until the node is balanced', () => {
    const {m, sys} = pressured();
    const k = [...sys.tasks.values()].find((t) => t.comm === 'kswapd0') as Task;
    expect(k.cpu).toBe(0);
    expect(m.kswapdAwake(0)).toBe(true);
    tick(m, sys);
    expect(sys.cpus[0].label).toBe('kswapd0');
    expect(k.steps).toBe(1);
    let n = 0;
    while (m.kswapdAwake(0) && n < 1000) {
      tick(m, sys);
      n++;
    }
    expect(n).toBeGreaterThan(0);
    expect(m.kswapdAwake(0)).toBe(false);
    tick(m, sys);
    expect([k.state, k.wait]).toEqual(['S', 'kswapd']);
    expect(m.pa.stats.pgstealKswapd).toBeGreaterThan(0);
    expect(check(m)).toEqual([]);
  });

  test('it shares its CPU round robin with other tasks, so it reclaims at half the rate', () => {
    const alone = pressured();
    const shared = pressured();
    shared.sys.spawn(0, 'hog', 0, 'w');
    tick(alone.m, alone.sys, 2);
    tick(shared.m, shared.sys, 2);
    expect(shared.m.pa.stats.pgstealKswapd).toBeGreaterThan(0);
    expect(alone.m.pa.stats.pgstealKswapd).toBe(2 * shared.m.pa.stats.pgstealKswapd);
  });

  test('an interrupt storm on its CPU starves it: no reclaim while hardirqs take every step', () => {
    const {m, sys, w} = pressured();
    w.onTick = (s) => s.raiseIrq(w, 0);
    tick(m, sys, 20);
    expect(m.pa.stats.pgstealKswapd).toBe(0);
    expect(m.kswapdAwake(0)).toBe(true);
  });
});

describe('allocations from tasks and handlers', () => {
  test('GFP_ATOMIC from a hardirq never stalls; GFP_KERNEL from a task may', () => {
    const {m, sys} = world(64 * M, 2);
    m.beginTick();
    m.pageCacheRead(m.ctx(1), 62 * M);
    const atomic = m.allocPages(sys.irqCtx(0, 'hardirq'), GFP_ATOMIC, 0);
    const kernel = m.pageCacheRead({cpu: 1, context: 'process', comm: 'reader'}, 200 * M);
    m.endTick();
    expect(atomic.stallTicks).toBe(0);
    expect(atomic.pfn).toBeGreaterThanOrEqual(0);
    expect(kernel.stallTicks).toBeGreaterThan(0);
    expect(check(m)).toEqual([]);
  });
});
