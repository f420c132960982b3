// arch/x86/mm/tlb.c: flush_tlb_kernel_range(). A kernel range is flushed on every CPU: a range of more than
// tlb_single_page_flush_ceiling (33) pages flushes the whole TLB, a smaller one page by page; the calling CPU
// asks every other CPU by IPI (a shootdown). We count per CPU what /proc/interrupts' TLB line and the
// CONFIG_DEBUG_TLBFLUSH vmstat counters would show.
// Simplified: the kernel sends kernel-range flushes as function-call IPIs (the CAL line); we count them as TLB
// shootdowns, which is what a lecture wants to see. The per-tick series keeps the last SERIES_TICKS ticks.

export const TLB_SINGLE_PAGE_FLUSH_CEILING = 33;
export const SERIES_TICKS = 120;

export type CpuTlb = {
  fullFlushes: number;
  singleFlushes: number;
  pagesFlushed: number;
  ipisSent: number;
  ipisReceived: number;
};

export class TlbAccounting {
  readonly cpus: CpuTlb[];
  /** nr_tlb_remote_flush: shootdown requests sent. */
  remoteFlush = 0;
  /** nr_tlb_remote_flush_received */
  remoteFlushReceived = 0;
  /** nr_tlb_local_flush_all */
  localFlushAll = 0;
  /** nr_tlb_local_flush_one */
  localFlushOne = 0;
  /** CPU-level flush operations per tick (a full flush counts one, a page flush one per page), oldest first. */
  readonly series: number[] = [];
  private thisTick = 0;

  constructor(nrCpus: number) {
    this.cpus = Array.from({length: nrCpus}, () => ({fullFlushes: 0, singleFlushes: 0, pagesFlushed: 0, ipisSent: 0, ipisReceived: 0}));
  }

  /** flush_tlb_kernel_range() of `pages` pages, started by `cpu`. */
  flushKernelRange(cpu: number, pages: number): void {
    const n = this.cpus.length;
    const full = pages > TLB_SINGLE_PAGE_FLUSH_CEILING;
    for (let c = 0; c < n; c++) {
      const t = this.cpus[c];
      if (full) {
        t.fullFlushes++;
        this.localFlushAll++;
        this.thisTick++;
      } else {
        t.singleFlushes += pages;
        t.pagesFlushed += pages;
        this.localFlushOne += pages;
        this.thisTick += pages;
      }
      if (c !== cpu) {
        t.ipisReceived++;
        this.remoteFlushReceived++;
      }
    }
    if (n > 1) {
      this.cpus[cpu].ipisSent += n - 1;
      this.remoteFlush++;
    }
  }

  /** End of a tick: the tick's flush count joins the series. */
  endTick(): void {
    this.series.push(this.thisTick);
    if (this.series.length > SERIES_TICKS) this.series.shift();
    this.thisTick = 0;
  }
}
