// The kernel log of the emulated machine: a bounded ring of typed events, newest last. What dmesg would show
// (allocation failures, BUG/WARNING splats, kswapd waking and sleeping) plus what the session adds (notes).

export type EventKind =
  | 'alloc_fail' // page allocation failure warning
  | 'bug' // BUG: splat
  | 'warning' // WARNING: splat
  | 'kswapd' // kswapd woke or went back to sleep
  | 'reclaim' // direct reclaim stalled a caller
  | 'pcp' // per-CPU lists drained
  | 'purge' // the lazy vmap purge flushed the TLBs
  | 'note' // a scenario note
  | 'workload' // a workload's own lines: probe, remove, drops
  | 'kmemleak' // kmemleak's report of unreferenced objects
  | 'info';

export type KernelEvent = {
  readonly seq: number;
  readonly tick: number;
  readonly cpu: number;
  readonly kind: EventKind;
  /** The first line, as the kernel would print it. */
  readonly text: string;
  /** Further lines of a splat or a report. */
  readonly detail: readonly string[];
};

/** One tick is 200 ms of the machine's time (HZ=250: 50 jiffies); ratelimits and reaping count in ticks. */
export const TICKS_PER_SECOND = 5;

/** lib/ratelimit.c's struct ratelimit_state, in ticks. */
type RatelimitState = {begin: number; printed: number; missed: number};

export class EventLog {
  private readonly ring: KernelEvent[] = [];
  private readonly limits = new Map<string, RatelimitState>();
  private start = 0;
  private seq = 0;

  constructor(readonly capacity = 4096) {}

  push(tick: number, cpu: number, kind: EventKind, text: string, detail: readonly string[] = []): KernelEvent {
    const e: KernelEvent = {seq: this.seq++, tick, cpu, kind, text, detail};
    if (this.ring.length < this.capacity) this.ring.push(e);
    else {
      this.ring[this.start] = e;
      this.start = (this.start + 1) % this.capacity;
    }
    return e;
  }

  /**
   * ___ratelimit(): true while at most `burst` messages went out in the current `interval` ticks. When a new
   * interval starts after suppressions, "<key>: N callbacks suppressed" is logged first, as the kernel does
   * (unless `announce` is false: __might_resched() keeps a bare timestamp and says nothing).
   */
  ratelimit(key: string, tick: number, cpu: number, interval: number, burst: number, announce = true): boolean {
    let s = this.limits.get(key);
    if (!s) {
      s = {begin: tick, printed: 0, missed: 0};
      this.limits.set(key, s);
    }
    if (tick >= s.begin + interval) {
      if (s.missed > 0 && announce) this.push(tick, cpu, 'info', `${key}: ${s.missed} callbacks suppressed`);
      s.begin = tick;
      s.printed = 0;
      s.missed = 0;
    }
    if (s.printed < burst) {
      s.printed++;
      return true;
    }
    s.missed++;
    return false;
  }

  /** Events in order, oldest first. */
  all(): KernelEvent[] {
    return [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
  }

  /** Events with seq >= from, oldest first; costs what it returns, not the ring's size. */
  since(from: number): KernelEvent[] {
    const oldest = this.seq - this.ring.length;
    const out: KernelEvent[] = [];
    for (let q = Math.max(from, oldest); q < this.seq; q++) out.push(this.ring[(this.start + (q - oldest)) % this.ring.length]);
    return out;
  }

  /** How many events were ever logged (the next seq). */
  get count(): number {
    return this.seq;
  }

  /** Events that fell off the ring. */
  get dropped(): number {
    return this.seq - this.ring.length;
  }
}
