// Every shipped scenario: it loads, runs 10 000 ticks with the invariants holding, is a pure function of its seed,
// and a snapshot taken mid-run carries on exactly as the original does.
import {describe, expect, test} from 'vitest';
import {check} from '../source/kernel/check.js';
import {jsonDocument} from '../source/session/headless.js';
import {DEFAULT_SCENARIO, shippedScenarios} from '../source/session/open-scenario.js';
import {Session} from '../source/session/session.js';
import {openSession} from './helpers.js';

const session = openSession;

/** Everything a run shows: the /proc dumps, tasks, workloads and the log. */
const fingerprint = (s: Session) => JSON.stringify(jsonDocument(s, []));

const SHIPPED = shippedScenarios();

test('the shipped scenarios include the default and every one the course needs', () => {
  expect(SHIPPED).toContain(DEFAULT_SCENARIO);
  for (const name of ['tour', 'fragmentation-vs-dma', 'irq-storm', 'vmalloc-vs-kmalloc', 'i386-vmalloc-exhaustion', 'slab-churn', 'numa', 'wrong-context', 'slab-vs-slub']) {
    expect(SHIPPED).toContain(name);
  }
});

describe.each(SHIPPED)('scenario %s', (name) => {
  test('runs 10 000 ticks with check() clean every 1 000 ticks, its timeline done', () => {
    const s = session(name);
    expect(s.lastEntryTick).toBeLessThan(10_000);
    for (let i = 0; i < 10; i++) {
      s.runTicks(1000);
      expect(check(s.machine), `tick ${s.tick}`).toEqual([]);
    }
    expect(s.tick).toBe(10_000);
    // Nothing the scenario wrote went wrong: no kcall errors, and the workloads did something.
    expect(s.transcript.filter((l) => l.kind === 'error')).toEqual([]);
    if (s.sys.workloads.length) expect(s.sys.calls).toBeGreaterThan(0);
  });

  test('is a pure function of its seed; a snapshot runs on exactly like the original', () => {
    const a = session(name);
    const b = session(name);
    a.runTicks(1500);
    const copy = a.snapshot();
    const before = fingerprint(copy);
    a.runTicks(500);
    b.runTicks(2000);
    expect(fingerprint(a)).toBe(fingerprint(b));
    // Running the original left the copy alone; the copy then runs to the same place.
    expect(fingerprint(copy)).toBe(before);
    copy.runTicks(500);
    expect(fingerprint(copy)).toBe(fingerprint(a));
  });
});

test('another seed gives another run of the tour', () => {
  const a = session('tour', 1);
  const b = session('tour', 2);
  a.runTicks(2000);
  b.runTicks(2000);
  const state = (s: Session) => JSON.stringify({...jsonDocument(s, []), seed: undefined});
  expect(state(a)).not.toBe(state(b));
});
