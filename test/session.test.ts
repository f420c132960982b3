import {describe, expect, test} from 'vitest';
import {headlessOutput, jsonDocument} from '../source/session/headless.js';
import {Session} from '../source/session/session.js';
import {loadScenario} from '../source/scenario/load.js';
import {openSession} from './helpers.js';

const session = openSession;

function inline(text: string): Session {
  const r = loadScenario('inline.yaml', text);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const s = Session.create(r.scenario);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.session;
}

describe('sessions', () => {
  test('a run is a pure function of scenario and seed: two runs give identical documents', () => {
    const a = session('tour');
    const b = session('tour');
    a.runTicks(60);
    b.runTicks(60);
    expect(JSON.stringify(jsonDocument(a, []))).toBe(JSON.stringify(jsonDocument(b, [])));
  });

  test('today another seed gives the same run: the kernel model draws no random numbers (the workloads will)', () => {
    const a = session('tour', 1);
    const b = session('tour', 7);
    a.runTicks(60);
    b.runTicks(60);
    const strip = (s: Session) => ({...jsonDocument(s, []), seed: undefined});
    expect(JSON.stringify(strip(a))).toBe(JSON.stringify(strip(b)));
  });

  test('at: 0 runs after boot; later entries run at their tick, before kswapd', () => {
    const s = inline(`name: t
description: d
machine: {memory: 256M, cpus: 1}
timeline:
  - at: 0
    run: p = alloc_pages(GFP_KERNEL, 0)
  - at: 3
    run: __free_pages(p, 0)
    note: freed
`);
    expect(s.tick).toBe(0);
    expect(s.transcript.map((l) => l.tick)).toEqual([0]);
    s.runTicks(2);
    expect(s.transcript.length).toBe(1);
    s.step();
    expect(s.transcript.map((l) => [l.tick, l.kind])).toEqual([
      [0, 'kcall'],
      [3, 'kcall'],
      [3, 'note'],
    ]);
  });

  test('a pause note is remembered for the dashboard', () => {
    const s = session('one-block');
    s.runTicks(10);
    expect(s.pauses).toEqual([10]);
  });

  test('handles used before they are assigned are refused before the run, with their position', () => {
    const r = loadScenario('x.yaml', 'name: t\ndescription: d\nmachine: {memory: 256M}\ntimeline:\n  - at: 1\n    run: __free_pages(p, 0)\n  - at: 2\n    run: p = alloc_pages(GFP_KERNEL, 0)\n');
    if (!r.ok) throw new Error('load');
    const s = Session.create(r.scenario);
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.error).toEqual({file: 'x.yaml', line: 6, col: 23, message: 'unknown name p, expected a handle assigned earlier or a constant such as GFP_KERNEL'});
  });

  test('a call on a CPU the machine does not have is refused', () => {
    const r = loadScenario('x.yaml', 'name: t\ndescription: d\nmachine: {memory: 256M, cpus: 2}\ntimeline:\n  - at: 1\n    run: "@cpu2 p = alloc_pages(GFP_KERNEL, 0)"\n');
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const s = Session.create(r.scenario);
    expect(!s.ok && s.error.message).toBe('found @cpu2, expected a CPU of this machine: 0-1');
  });
});

describe('long runs', () => {
  test('the transcript keeps its newest lines and says how many went; a workload the timeline only stops runs until then', () => {
    const s = inline(`name: t
description: a chatty interrupt handler and a module loader
machine: {memory: 256M, cpus: 2}
workloads:
  loader: {type: module_loader, cpus: [0], arrival: {periodic: 2}, size: 64K, lifetime: 1}
  bad: {type: irq, cpus: [1], arrival: {periodic: 2}, bug_sleeping_alloc: true}
timeline:
  - at: 3000
    stop: loader
  - at: 3000
    note: stopped
`);
    s.transcriptMax = 100;
    s.runTicks(3100);
    expect(s.sys.workload('loader')?.counters.loads).toBe(1499);
    expect(s.transcript.length).toBeLessThanOrEqual(110);
    expect(s.transcript.length).toBeGreaterThanOrEqual(100);
    expect(s.transcriptDropped).toBeGreaterThan(0);
    expect(s.transcript.filter((l) => l.kind === 'note')).toEqual([{tick: 3000, kind: 'note', text: 'stopped', detail: []}]);
    expect(s.transcript.at(-1)?.tick).toBeGreaterThan(3090);
    expect(headlessOutput(s, [], false).split('\n')[0]).toBe(`[ ... ${s.transcriptDropped} earlier lines dropped: the transcript keeps the newest 100 ... ]`);
  });
});
