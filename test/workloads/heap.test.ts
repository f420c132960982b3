import fc from 'fast-check';
import {expect, test} from 'vitest';
import {MinHeap} from '../../source/workloads/heap.js';

test('pops come out in key order, equal keys in the order they went in, through any interleaving', () => {
  const runs = Number(process.env.PROPERTY_RUNS ?? 200);
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({min: 0, max: 20}), fc.constant(-1)), {maxLength: 300}), (ops) => {
      const heap = new MinHeap<number>();
      const model: {key: number; id: number}[] = [];
      let id = 0;
      for (const op of ops) {
        if (op >= 0) {
          heap.push(op, id);
          model.push({key: op, id: id++});
        } else {
          model.sort((a, b) => a.key - b.key || a.id - b.id);
          const want = model.shift();
          expect(heap.pop()).toBe(want?.id);
        }
        expect(heap.size).toBe(model.length);
        expect(heap.peekKey()).toBe(model.length ? Math.min(...model.map((m) => m.key)) : Infinity);
      }
      model.sort((a, b) => a.key - b.key || a.id - b.id);
      expect(heap.drain()).toEqual(model.map((m) => m.id));
    }),
    {numRuns: runs, seed: Number(process.env.PROPERTY_SEED ?? 42)},
  );
});
