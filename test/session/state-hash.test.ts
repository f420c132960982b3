import {describe, expect, test} from 'vitest';
import {parseKcall} from '../../source/scenario/kcall.js';
import {DUMP_NAMES, headlessOutput, jsonDocument} from '../../source/session/headless.js';
import {execStmt} from '../../source/session/kcall-exec.js';
import {shippedScenarios} from '../../source/session/open-scenario.js';
import {Session} from '../../source/session/session.js';
import {hashGraph, stateHash} from '../../source/session/state-hash.js';
import {buildViewModel} from '../../source/session/view-model.js';
import {openSession} from '../helpers.js';

const session = openSession;

/** A session run for n ticks from boot. */
function ran(name: string, n: number, seed?: number): Session {
  const s = session(name, seed);
  s.runTicks(n);
  return s;
}

/** A kcall as the dashboard's command line runs it: on CPU 0 in process context. */
function kcall(s: Session, src: string): void {
  const p = parseKcall(src);
  if (!p.ok) throw new Error(p.error.message);
  for (const st of p.stmts) {
    const r = execStmt(s.machine, st, s.env, {cpu: 0, context: 'process', comm: 'kcall'});
    if (!r.ok) throw new Error(r.error.message);
  }
}

/**
 * Where two states first differ, as a path (machine.pa.nodes.0...): a failing test names the field, not just two
 * hashes. Walks the two graphs side by side in the order stateHash does.
 */
function firstDifference(x: unknown, y: unknown, path = 'state', seen = new Set<unknown>()): string | undefined {
  if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') {
    return Object.is(x, y) || (typeof x === 'function' && typeof y === 'function') ? undefined : `${path}: ${String(x)} vs ${String(y)}`;
  }
  if (seen.has(x)) return undefined;
  seen.add(x);
  if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return `${path}: another class`;
  if (ArrayBuffer.isView(x) && ArrayBuffer.isView(y)) {
    const a = new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    const b = new Uint8Array(y.buffer, y.byteOffset, y.byteLength);
    const i = a.findIndex((v, j) => v !== b[j]);
    return a.length !== b.length ? `${path}: ${a.length} vs ${b.length} bytes` : i >= 0 ? `${path}: byte ${i}` : undefined;
  }
  const entries = (o: object): [unknown, unknown][] =>
    o instanceof Map ? [...o].map(([k, v], i) => [i, [k, v]]) : o instanceof Set ? [...o].map((v, i) => [i, v]) : Object.entries(o);
  const ex = entries(x);
  const ey = entries(y);
  if (ex.length !== ey.length) return `${path}: ${ex.length} vs ${ey.length} entries`;
  for (let i = 0; i < ex.length; i++) {
    if (ex[i][0] !== ey[i][0]) return `${path}: key ${String(ex[i][0])} vs ${String(ey[i][0])}`;
    const d = firstDifference(ex[i][1], ey[i][1], `${path}.${String(ex[i][0])}`, seen);
    if (d) return d;
  }
  return undefined;
}

const stateOf = (s: Session) => ({machine: s.machine, sys: s.sys, env: s.env, pauses: s.pauses});

/** Equal hashes, or a failure that says where the states part. */
function expectSameState(a: Session, b: Session): void {
  const ha = stateHash(a);
  const hb = stateHash(b);
  if (ha !== hb) expect.fail(`hashes ${ha} and ${hb} differ; the states first differ at ${firstDifference(stateOf(a), stateOf(b)) ?? '(nowhere: the hash walk and this diff disagree)'}`);
}

describe('the hash of an object graph', () => {
  test('is 16 lowercase hex digits, and the same as it was when recordings started storing it', () => {
    // Recordings keep these hashes: a change to the walk or the mix makes every earlier recording diverge.
    const graph = {a: 1, b: [1.5, -0, NaN, 'x', 2n ** 70n], c: new Map([['k', new Uint8Array([1, 2, 3, 4, 5])]]), d: new Set([null, undefined, true])};
    expect(hashGraph(graph)).toMatch(/^[0-9a-f]{16}$/);
    expect(hashGraph(graph)).toBe('1885e0878cace1ff');
  });

  test('sees each kind of value and where it sits', () => {
    const variants: unknown[] = [
      {}, [], new Map(), new Set(), {a: 0}, {a: -0}, {a: NaN}, {a: 1}, {a: 1.5}, {a: 2 ** 31}, {a: -(2 ** 31)}, {a: Infinity},
      {a: '1'}, {a: 1n}, {a: -1n}, {a: true}, {a: false}, {a: null}, {a: undefined}, {b: 0}, {a: 0, b: 0}, {b: 0, a: 0},
      [0, 1], [1, 0], [[0], 1], [0, [1]], new Map([[0, 1]]), new Map([[1, 0]]), new Set([0, 1]), new Set([1, 0]),
      {a: 'ab'}, {a: 'ba'}, {a: 'abc'}, {a: ''}, new Uint8Array([1, 2]), new Int8Array([1, 2]), new Uint8Array([1, 2, 0]),
      new Int32Array([1]), new Uint8Array([1, 0, 0, 0]), new Uint8Array([1, 2, 3, 4, 5]), new Uint8Array([1, 2, 3, 4, 6]),
    ];
    const hashes = variants.map(hashGraph);
    // Every variant hashes apart from every other (a collision names the pair).
    const firstOf = new Map<string, number>();
    hashes.forEach((h, i) => {
      const j = firstOf.get(h);
      if (j !== undefined) expect.fail(`variants ${j} and ${i} collide: ${String(variants[j])} / ${String(variants[i])}`);
      firstOf.set(h, i);
    });
  });

  test('mixes in the class name: an instance differs from a plain object with the same fields', () => {
    class SlabList {
      constructor(public nr = 0) {}
    }
    expect(hashGraph(new SlabList())).not.toBe(hashGraph({nr: 0}));
    expect(hashGraph(new SlabList())).toBe(hashGraph(new SlabList()));
    expect(hashGraph(Object.assign(Object.create(null) as object, {nr: 0}))).not.toBe(hashGraph({nr: 0}));
  });

  test('encodes the shape of sharing and cycles, not object identity', () => {
    const shared = {x: 1};
    const twoRefs = {p: shared, q: shared};
    const twoCopies = {p: {x: 1}, q: {x: 1}};
    expect(hashGraph(twoRefs)).not.toBe(hashGraph(twoCopies));
    const other = {x: 1};
    expect(hashGraph({p: other, q: other})).toBe(hashGraph(twoRefs));
    // Which object a second reference points at counts, even among equal objects.
    const [x, y] = [{x: 1}, {x: 1}];
    expect(hashGraph({p: x, q: y, r: x})).not.toBe(hashGraph({p: x, q: y, r: y}));

    const cyc = (): object => {
      const o: {self?: object; n: number} = {n: 1};
      o.self = o;
      return o;
    };
    expect(hashGraph(cyc())).toBe(hashGraph(cyc()));
    expect(hashGraph(cyc())).not.toBe(hashGraph({n: 1, self: {n: 1}}));
  });

  test('skips functions: two closures in the same place hash alike', () => {
    expect(hashGraph({f: () => 1, n: 2})).toBe(hashGraph({f: () => 2, n: 2}));
    expect(hashGraph({f: () => 1, n: 2})).not.toBe(hashGraph({n: 2}));
  });

  test('hashes a typed array by its own bytes, wherever it sits in its buffer', () => {
    const bytes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const own = new Uint8Array(bytes);
    for (const off of [1, 2, 3, 4, 5]) {
      const buf = new Uint8Array(off + bytes.length + 3).fill(0xee);
      buf.set(bytes, off);
      expect(hashGraph(new Uint8Array(buf.buffer, off, bytes.length)), `offset ${off}`).toBe(hashGraph(own));
    }
    const u16 = new Uint16Array([0x0201, 0x0403, 0x0605]);
    const big = new Uint16Array(8).fill(0xeeee);
    big.set(u16, 1);
    expect(hashGraph(new Uint16Array(big.buffer, 2, 3))).toBe(hashGraph(u16));
    expect(hashGraph(new Uint16Array(big.buffer, 2, 3).fill(0))).not.toBe(hashGraph(u16));
    expect(hashGraph(new Float64Array([0.1, -0]))).not.toBe(hashGraph(new Float64Array([0.1, 0])));
  });
});

describe('stateHash of a session', () => {
  test('two sessions of one scenario and seed, run alike, hash alike', () => {
    const a = ran('tour', 1500);
    const b = ran('tour', 1500);
    expectSameState(a, b);
  });

  test('another seed, one more tick or one more kcall changes the hash', () => {
    const base = stateHash(ran('tour', 600));
    expect(stateHash(ran('tour', 600, 7))).not.toBe(base);
    expect(stateHash(ran('tour', 601))).not.toBe(base);
    const s = ran('tour', 600);
    kcall(s, 'p = kmalloc(64, GFP_KERNEL)');
    expect(stateHash(s)).not.toBe(base);
  });

  test('a kcall and its undoing still leave a trace: the kernel counted both', () => {
    const s = ran('slab-basics', 300);
    const before = stateHash(s);
    kcall(s, 'p = kmalloc(100, GFP_KERNEL)');
    kcall(s, 'kfree(p)');
    expect(stateHash(s)).not.toBe(before);
  });

  test('covers all that a snapshot copies: the machine, the CPUs and workloads, the handles and the pauses', () => {
    const changes: [string, (s: Session) => void][] = [
      ['machine: the PRNG draws once', (s) => s.machine.prng.nextU32()],
      ['sys: one more call counted', (s) => s.sys.calls++],
      ['env: a new handle', (s) => s.env.set('extra', 0x1000n)],
      ['env: a handle changes', (s) => s.env.set([...s.env.keys()][0], 0n)],
      ['pauses: one more', (s) => s.pauses.push(s.tick)],
    ];
    const base = stateHash(ran('tour', 300));
    for (const [what, change] of changes) {
      const s = ran('tour', 300);
      expect(s.env.size, 'tour has handles by tick 300').toBeGreaterThan(0);
      change(s);
      expect(stateHash(s), what).not.toBe(base);
    }
  });

  test('the transcript is not state: trimming it or adding to it leaves the hash alone', () => {
    const s = ran('tour', 400);
    const h = stateHash(s);
    s.transcript.splice(0, s.transcript.length);
    s.recordCommand('kmalloc(64, GFP_KERNEL)', null, 'typed but never run');
    expect(stateHash(s)).toBe(h);
  });

  test('a snapshot hashes like its session, and both run on to the same hash', () => {
    const s = ran('tour', 700);
    const snap = s.snapshot();
    expect(stateHash(snap)).toBe(stateHash(s));
    s.runTicks(900);
    expect(stateHash(snap)).not.toBe(stateHash(s)); // the copy is independent
    snap.runTicks(900);
    expectSameState(snap, s);
  });

  test('reading the state (the view model, every /proc dump, the JSON document) does not change its hash', () => {
    const looked = session('tour');
    const untouched = session('tour');
    for (let t = 0; t < 1200; t += 50) {
      looked.runTicks(50);
      untouched.runTicks(50);
      const before = stateHash(looked);
      buildViewModel(looked);
      headlessOutput(looked, DUMP_NAMES, false);
      jsonDocument(looked, DUMP_NAMES);
      expect(stateHash(looked), `tick ${looked.tick}`).toBe(before);
    }
    expectSameState(looked, untouched);
  });

  test.each(shippedScenarios())('%s: a run equals one that went on from a snapshot at tick 1000 (2000 ticks)', (name) => {
    const straight = ran(name, 2000);
    const early = ran(name, 1000);
    const resumed = early.snapshot();
    early.runTicks(5); // the original moves on; the snapshot must not notice
    resumed.runTicks(1000);
    expectSameState(resumed, straight);
  });
});
