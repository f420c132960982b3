// Snapshots of the whole machine (DESIGN §3): step back restores the nearest snapshot and runs forward again,
// so a snapshot must be a complete, independent copy. The machine's state is plain objects, arrays, Maps, Sets
// and typed arrays; the copy keeps every object's prototype (so methods work), copies cycles once, and shares
// only functions, which hold no state of their own.

/** A deep copy of an object graph: typed arrays copied, Maps and Sets rebuilt, prototypes kept. */
export function cloneState<T>(root: T): T {
  const seen = new Map<unknown, unknown>();
  const clone = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v; // primitives, bigint, functions (shared)
    const done = seen.get(v);
    if (done !== undefined) return done;
    if (ArrayBuffer.isView(v)) {
      const copy = (v as unknown as {slice(): unknown}).slice();
      seen.set(v, copy);
      return copy;
    }
    if (Array.isArray(v)) {
      const copy: unknown[] = new Array(v.length);
      seen.set(v, copy);
      for (let i = 0; i < v.length; i++) copy[i] = clone(v[i]);
      return copy;
    }
    if (v instanceof Map) {
      const copy = new Map();
      seen.set(v, copy);
      for (const [k, x] of v) copy.set(clone(k), clone(x));
      return copy;
    }
    if (v instanceof Set) {
      const copy = new Set();
      seen.set(v, copy);
      for (const x of v) copy.add(clone(x));
      return copy;
    }
    if (v instanceof WeakMap || v instanceof WeakSet) throw new Error('cloneState: a WeakMap or WeakSet cannot be copied; keep state enumerable');
    const copy = Object.create(Object.getPrototypeOf(v)) as Record<string, unknown>;
    seen.set(v, copy);
    for (const k of Object.keys(v)) copy[k] = clone((v as Record<string, unknown>)[k]);
    return copy;
  };
  return clone(root) as T;
}
