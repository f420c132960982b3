// State round-trips (STYLE: as Showdown checks toJSON/fromJSON): a snapshot taken after random steps, run on
// with the same inputs as the original, gives the same machine; and the snapshot is independent of it.
import fc from 'fast-check';
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {__GFP_NOWARN, GFP_ATOMIC, GFP_KERNEL} from '../../source/kernel/gfp.js';
import type {Machine} from '../../source/kernel/machine.js';
import {freeListSnapshot} from '../../source/kernel/free-blocks.js';
import {DUMPS} from '../../source/kernel/procfs.js';
import {boot, K, M} from '../helpers.js';

type Op = {kind: number; a: number; b: number; cpu: number};

/** Apply one operation; handles are kept per machine so the same ops drive two machines the same way. */
type Held = {kind: 'page'; page: bigint; order: number} | {kind: 'obj'; addr: bigint};

function apply(m: Machine, live: Held[], op: Op): void {
  const ctx = m.ctx(op.cpu % m.nrCpus);
  switch (op.kind) {
    case 0: {
      const r = m.allocPages(ctx, GFP_KERNEL | __GFP_NOWARN, op.a % 4);
      if (r.pfn >= 0) live.push({kind: 'page', page: m.pfnToPage(r.pfn), order: op.a % 4});
      break;
    }
    case 1: {
      const a = m.kmalloc(ctx, 1 + (op.a % 9000), (op.b & 1 ? GFP_ATOMIC : GFP_KERNEL) | __GFP_NOWARN).addr;
      if (a !== 0n && a !== 16n) live.push({kind: 'obj', addr: a});
      break;
    }
    case 2: {
      const v = m.vmalloc(ctx, 1 + (op.a % (256 * K))).addr;
      if (v !== 0n) live.push({kind: 'obj', addr: v});
      break;
    }
    case 3: {
      if (live.length === 0) break;
      const [x] = live.splice(op.a % live.length, 1);
      if (x.kind === 'page') expect(m.freePagesPage(ctx, x.page, x.order)).toBe(true);
      else expect(m.kvfree(ctx, x.addr)).toBe(true);
      break;
    }
    case 4:
      m.pageCacheRead(ctx, (op.a % 64) * 4096);
      break;
    default:
      m.step();
  }
}

/** Everything observable: the dumps, the exact free lists (pfns and order on each list), counters, the PRNG. */
const state = (m: Machine) =>
  Object.values(DUMPS).map((d) => d(m)).join('') + freeListSnapshot(m) + JSON.stringify([m.tick, m.events.count, m.pa.stats, m.prng.state()]);

const opArb = fc.record({kind: fc.integer({min: 0, max: 5}), a: fc.nat(1 << 20), b: fc.nat(), cpu: fc.nat(3)});

describe('snapshots', () => {
  test('a snapshot runs on exactly like the machine it was taken from, and is independent of it', () => {
    fc.assert(
      fc.property(fc.array(opArb, {maxLength: 60}), fc.array(opArb, {maxLength: 60}), fc.constantFrom<'slub' | 'slab'>('slub', 'slab'), (before, after, slab) => {
        const m = boot({memory: 128 * M, cpus: 2, slab});
        const live: Held[] = [];
        for (const op of before) apply(m, live, op);
        const snap = m.snapshot();
        const snapLive = live.map((h) => ({...h}));
        const atSnapshot = state(snap);
        for (const op of after) apply(m, live, op);
        expect(state(snap)).toBe(atSnapshot); // running the original did not touch the copy
        for (const op of after) apply(snap, snapLive, op);
        expect(state(snap)).toBe(state(m));
        expect(check(snap)).toEqual([]);
      }),
      {numRuns: Number(process.env.PROPERTY_RUNS ?? 30), seed: Number(process.env.PROPERTY_SEED ?? 7)},
    );
  });
});
