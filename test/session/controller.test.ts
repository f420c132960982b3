// The dashboard's store without React: time slices against a fake clock, pausing notes, stepping, stepping back
// through snapshots with the command line's inputs replayed, and the command line itself.
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {type Clock, Controller, FRAME_MS, MAX_SNAPSHOTS, RECENT_SNAPSHOTS, SNAPSHOT_EVERY} from '../../source/session/controller.js';
import {jsonDocument} from '../../source/session/headless.js';
import {openScenario} from '../../source/session/open-scenario.js';
import {Session} from '../../source/session/session.js';
import {loadScenario} from '../../source/scenario/load.js';
import {busyYaml} from '../busy-scenario.js';

/** A small living machine: a driver with random request traffic, and notes that pause at ticks 3 and 7. */
const BUSY = busyYaml({notes: [[3, 'first stop'], [7, 'second stop']], churn: true});

function session(name: string): Session {
  const r = name === 'busy' ? loadScenario('busy.yaml', BUSY) : openScenario(name);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const s = Session.create(r.scenario);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.session;
}

/** Step n ticks, dismissing the pausing notes on the way. */
function run(c: Controller, n: number): void {
  const end = c.getSnapshot().tick + n;
  while (c.getSnapshot().tick < end) {
    c.step(end - c.getSnapshot().tick);
    c.dismissNote();
  }
}

/** A clock the test moves; reading it costs 0.1 ms, so a flat-out slice (which reads it per tick) ends. */
class FakeClock implements Clock {
  t = 0;
  private queue: {fn: () => void; at: number}[] = [];
  now(): number {
    this.t += 0.1;
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const h = {fn, at: this.t + ms};
    this.queue.push(h);
    return h;
  }
  clearTimeout(h: unknown): void {
    this.queue = this.queue.filter((x) => x !== h);
  }
  /** Move time on by ms, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
}

const state = (s: Session) => JSON.stringify(jsonDocument(s, ['buddyinfo', 'slabinfo', 'vmallocinfo', 'tasks', 'workloads']));

describe('running', () => {
  test('at 10 ticks a second, a quarter of a second of slices runs 2 ticks; pause stops them', () => {
    const clock = new FakeClock();
    const c = new Controller(session('busy'), {speed: 10, clock});
    c.play();
    clock.advance(250);
    expect(c.getSnapshot()).toMatchObject({tick: 2, running: true});
    c.pause();
    clock.advance(1000);
    expect(c.getSnapshot()).toMatchObject({tick: 2, running: false});
  });

  test('a note with pause: true stops the run and is shown until dismissed', () => {
    const clock = new FakeClock();
    const c = new Controller(session('busy'), {speed: 100, clock});
    c.play();
    clock.advance(1000);
    expect(c.getSnapshot()).toMatchObject({tick: 3, running: false, note: {tick: 3, text: 'first stop'}});
    c.play(); // refused while the note is up
    expect(c.getSnapshot().running).toBe(false);
    c.dismissNote();
    c.play();
    clock.advance(1000);
    expect(c.getSnapshot()).toMatchObject({tick: 7, note: {tick: 7, text: 'second stop'}});
    // Stepping back and forward again past a note does not stop there twice.
    c.dismissNote();
    c.stepBack(5);
    c.step(10);
    expect(c.getSnapshot()).toMatchObject({tick: 12, note: null});
  });

  test('listeners hear of every key at once, and of running at most every frame', () => {
    const clock = new FakeClock();
    const c = new Controller(session('busy'), {speed: Infinity, clock});
    run(c, 8);
    let heard = 0;
    c.subscribe(() => heard++);
    c.step();
    expect(heard).toBe(1);
    c.play();
    heard = 0;
    clock.advance(1000);
    expect(heard).toBeGreaterThan(5);
    expect(heard).toBeLessThanOrEqual(Math.ceil(1000 / FRAME_MS) + 1);
    expect(c.getSnapshot().tick).toBeGreaterThan(100);
  });

  test('+ and - move through the speeds, from 1 tick a second to flat out', () => {
    const c = new Controller(session('busy'), {speed: 1, clock: new FakeClock()});
    c.slower();
    expect(c.getSnapshot().speed).toBe(1);
    for (let i = 0; i < 20; i++) c.faster();
    expect(c.getSnapshot().speed).toBe(Infinity);
  });
});

describe('stepping back', () => {
  test('a step back gives exactly the state a fresh run reaches at that tick, far back or near', () => {
    const c = new Controller(session('busy'), {clock: new FakeClock()});
    run(c, 337);
    c.stepBack(1);
    expect(c.getSnapshot().tick).toBe(336);
    const fresh = session('busy');
    fresh.runTicks(336);
    expect(state(c.current)).toBe(state(fresh));
    c.stepBack(200);
    const fresh2 = session('busy');
    fresh2.runTicks(136);
    expect(state(c.current)).toBe(state(fresh2));
    expect(check(c.current.machine)).toEqual([]);
  });

  test('command-line kcalls replay at their ticks when the run is stepped back and forward again', () => {
    const c = new Controller(session('busy'), {clock: new FakeClock()});
    run(c, 60);
    expect(c.command('big = kmalloc(5000, GFP_ATOMIC)', 1, 'softirq').ok).toBe(true);
    c.step(90);
    c.stepBack(80); // to tick 70: before the next snapshot, after the kcall
    expect(c.current.env.has('big')).toBe(true);
    c.stepBack(20); // to tick 50: before the kcall
    expect(c.current.env.has('big')).toBe(false);
    c.step(100);
    const fresh = session('busy');
    fresh.runTicks(60);
    const r = new Controller(fresh, {clock: new FakeClock()});
    r.command('big = kmalloc(5000, GFP_ATOMIC)', 1, 'softirq');
    r.step(90);
    expect(state(c.current)).toBe(state(r.current));
    expect(c.inputLog).toEqual([{tick: 60, cpu: 1, context: 'softirq', text: 'big = kmalloc(5000, GFP_ATOMIC)'}]);
  });

  test('a kcall typed after stepping back rewrites the future: later inputs go', () => {
    const c = new Controller(session('busy'), {clock: new FakeClock()});
    run(c, 20);
    c.command('a = kmalloc(100, GFP_KERNEL)', 0, 'process');
    c.step(10);
    c.command('b = kmalloc(100, GFP_KERNEL)', 0, 'process');
    c.stepBack(5);
    c.command('x = kmalloc(64, GFP_KERNEL)', 0, 'process');
    expect(c.inputLog.map((i) => [i.tick, i.text])).toEqual([
      [20, 'a = kmalloc(100, GFP_KERNEL)'],
      [25, 'x = kmalloc(64, GFP_KERNEL)'],
    ]);
  });

  test('snapshots stay bounded on a long run and the oldest tick is still reachable', () => {
    const c = new Controller(session('busy'), {clock: new FakeClock()});
    run(c, SNAPSHOT_EVERY * MAX_SNAPSHOTS * 3);
    const snaps = (c as unknown as {snapshots: {tick: number}[]}).snapshots;
    expect(snaps.length).toBeLessThanOrEqual(MAX_SNAPSHOTS + 1);
    // The newest are dense: a step back from here replays fewer than SNAPSHOT_EVERY ticks.
    const ticks = snaps.map((x) => x.tick);
    expect(ticks.slice(-RECENT_SNAPSHOTS + 1).every((t, i, a) => i === 0 || t - a[i - 1] === SNAPSHOT_EVERY)).toBe(true);
    expect(c.getSnapshot().tick - ticks.at(-1)!).toBeLessThan(SNAPSHOT_EVERY);
    c.stepBack(1_000_000);
    expect(c.getSnapshot().tick).toBe(0);
  });
});

describe('the command line', () => {
  test('a result shows inline and joins the transcript; the kernel log follows it', () => {
    const c = new Controller(session('busy'), {clock: new FakeClock()});
    run(c, 2);
    const r = c.command('kmalloc(5000, GFP_ATOMIC)', 0, 'hardirq');
    expect(r.ok).toBe(true);
    expect(r.output).toMatch(/^0xffff/);
    expect(c.getSnapshot().command).toEqual(r);
    expect(c.current.transcript.filter((l) => l.kind === 'kcall').at(-1)).toMatchObject({tick: 2, text: expect.stringContaining('kmalloc(5000, GFP_ATOMIC)  =>  0xffff')});
    // The event pane's log names the call, where it ran, before what the kernel printed.
    expect(c.current.machine.events.all().at(-1)).toMatchObject({tick: 2, cpu: 0, kind: 'info', text: 'kcall @cpu0:hardirq: kmalloc(5000, GFP_ATOMIC)'});
  });

  test('mistakes are one line with the column, and change nothing', () => {
    const c = new Controller(session('busy'), {clock: new FakeClock()});
    const before = state(c.current);
    expect(c.command('kmalloc(5000, GFP_ATOMIC', 0, 'process')).toMatchObject({ok: false, output: expect.stringMatching(/^\d+: /)});
    expect(c.command('kfree(nothing)', 0, 'process')).toMatchObject({ok: false, output: expect.stringContaining('nothing')});
    expect(c.command('', 0, 'process')).toMatchObject({ok: false, output: 'nothing to run: type a kernel call such as kmalloc(5000, GFP_ATOMIC)'});
    expect(c.inputLog).toEqual([]);
    expect(state(c.current)).toBe(before);
  });
});
