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
    const k = this.keys;
    let i = k.length;
    k.push(key);
    this.seqs.push(this.seq++);
    this.vals.push(val);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Remove and return the value with the smallest key; undefined when empty. */
  pop(): T | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const top = this.vals[0];
    this.swap(0, n - 1);
    this.keys.pop();
    this.seqs.pop();
    this.vals.pop();
    let i = 0;
    const m = n - 1;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < m && this.less(l, s)) s = l;
      if (r < m && this.less(r, s)) s = r;
      if (s === i) break;
      this.swap(i, s);
      i = s;
    }
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

  private less(a: number, b: number): boolean {
    const ka = this.keys[a];
    const kb = this.keys[b];
    return ka < kb || (ka === kb && this.seqs[a] < this.seqs[b]);
  }

  private swap(a: number, b: number): void {
    const k = this.keys;
    const q = this.seqs;
    const v = this.vals;
    [k[a], k[b]] = [k[b], k[a]];
    [q[a], q[b]] = [q[b], q[a]];
    [v[a], v[b]] = [v[b], v[a]];
  }
}
