// A binary min-heap of (due tick, value): timers for sleeping tasks and lifetimes of what workloads hold.
// Plain arrays, so a snapshot copies it like any other state. Equal keys come out in insertion order (a
// sequence number breaks ties), so runs do not depend on the heap's internal layout.

export class MinHeap<T> {
  private keys: number[] = [];
  private seqs: number[] = [];
  private vals: T[] = [];
  private seq = 0;

  get size(): number {
    return this.keys.length;
  }

  /** The smallest key, or Infinity when empty. */
  peekKey(): number {
    return this.keys.length ? this.keys[0] : Infinity;
  }

  push(key: number, val: T): void {
    // Sift up with a hole: parents move down until the new entry's place is found.
    const k = this.keys;
    const q = this.seqs;
    const v = this.vals;
    const seq = this.seq++;
    let i = k.length;
    k.push(key);
    q.push(seq);
    v.push(val);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] < key || (k[p] === key && q[p] < seq)) break;
      k[i] = k[p];
      q[i] = q[p];
      v[i] = v[p];
      i = p;
    }
    k[i] = key;
    q[i] = seq;
    v[i] = val;
  }

  /** Remove and return the value with the smallest key; undefined when empty. */
  pop(): T | undefined {
    const k = this.keys;
    const q = this.seqs;
    const v = this.vals;
    const n = k.length;
    if (n === 0) return undefined;
    const top = v[0];
    const key = k[n - 1];
    const seq = q[n - 1];
    const val = v[n - 1];
    k.pop();
    q.pop();
    v.pop();
    const m = n - 1;
    if (m === 0) return top;
    // Sift the last entry down from the root with a hole.
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= m) break;
      const r = c + 1;
      if (r < m && (k[r] < k[c] || (k[r] === k[c] && q[r] < q[c]))) c = r;
      if (key < k[c] || (key === k[c] && seq < q[c])) break;
      k[i] = k[c];
      q[i] = q[c];
      v[i] = v[c];
      i = c;
    }
    k[i] = key;
    q[i] = seq;
    v[i] = val;
    return top;
  }

  /** Every value, in no particular order (for accounting and reports). */
  values(): readonly T[] {
    return this.vals;
  }

  /** Take every value out, in key order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.keys.length) out.push(this.pop() as T);
    return out;
  }
}
