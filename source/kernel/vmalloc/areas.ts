// mm/vmalloc.c: the vmap areas of the vmalloc region. Free space is a set of free ranges; an allocation takes
// the lowest-addressed range where the aligned size fits (find_vmap_lowest_match()) and splits it
// (adjust_va_to_fit_type()); a freed area merges back with its neighbours (merge_or_add_vmap_area()).
// We keep addresses as page numbers from the region's start, so a 32 TiB region costs what its areas cost.
// Simplified: the free ranges are a sorted array searched from a "lowest fit" hint instead of the kernel's
// augmented red-black tree; the result (lowest fit) is the same.

/** One vmap area as /proc/vmallocinfo shows it. Offsets and sizes in pages from VMALLOC_START. */
export type VmArea = {
  /** First page of the area, counted from VMALLOC_START. */
  readonly start: number;
  /** Pages of the area including its guard page (vm_struct's size). */
  readonly pages: number;
  readonly kind: 'vmalloc' | 'ioremap' | 'vmap';
  /** The caller symbol printed by vmallocinfo, e.g. "kcall+0x0/0x0". */
  readonly caller: string;
  /** vmalloc: pfns of the pages, allocated one by one (ioremap keeps none: see ioPages). */
  readonly pfns: number[];
  /** ioremap: pages of device memory mapped from phys on; 0 for vmalloc. */
  readonly ioPages: number;
  /** ioremap: the physical address (bytes) mapped; otherwise 0. */
  readonly phys: number;
  /** Pages counted in nr_pages (vmalloc allocations), 0 for ioremap/vmap. */
  nrPages: number;
  /** Whether its PTEs are set (false once vfree'd or while being built). */
  mapped: boolean;
};

/** A free range [start, end) in pages. */
type Range = {start: number; end: number};

export class AreaSpace {
  /** Free ranges, sorted by start, never adjacent (merged). */
  private free: Range[];
  /** Busy areas (allocated or lazily freed) by start page. */
  readonly busy = new Map<number, VmArea>();

  constructor(
    readonly totalPages: number,
    /** The absolute page number of the region's start: alignment is of addresses, not of offsets. */
    readonly basePage = 0,
  ) {
    this.free = [{start: 0, end: totalPages}];
  }

  /** Free ranges, for checks and the occupancy strip. */
  freeRanges(): readonly Readonly<Range>[] {
    return this.free;
  }

  /** The largest free chunk in pages. */
  largestFree(): number {
    let m = 0;
    for (const r of this.free) m = Math.max(m, r.end - r.start);
    return m;
  }

  freePages(): number {
    let n = 0;
    for (const r of this.free) n += r.end - r.start;
    return n;
  }

  /**
   * find_vmap_lowest_match() + adjust_va_to_fit_type(): the lowest start (aligned to `align` pages) where
   * `pages` fit, taken out of the free space; -1 when nothing fits.
   */
  take(pages: number, align: number): number {
    for (let i = 0; i < this.free.length; i++) {
      const r = this.free[i];
      const s = Math.ceil((this.basePage + r.start) / align) * align - this.basePage;
      if (s + pages > r.end) continue;
      const e = s + pages;
      // Split the free range around [s, e): up to two pieces remain.
      const pieces: Range[] = [];
      if (r.start < s) pieces.push({start: r.start, end: s});
      if (e < r.end) pieces.push({start: e, end: r.end});
      this.free.splice(i, 1, ...pieces);
      return s;
    }
    return -1;
  }

  /** merge_or_add_vmap_area(): give [start, start + pages) back, merged with free neighbours. */
  give(start: number, pages: number): void {
    const end = start + pages;
    // The first free range that starts after the returned one.
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid].start < start) lo = mid + 1;
      else hi = mid;
    }
    const prev = lo > 0 ? this.free[lo - 1] : undefined;
    const next = lo < this.free.length ? this.free[lo] : undefined;
    const mergePrev = prev !== undefined && prev.end === start;
    const mergeNext = next !== undefined && next.start === end;
    if (mergePrev && mergeNext) {
      prev.end = next.end;
      this.free.splice(lo, 1);
    } else if (mergePrev) prev.end = end;
    else if (mergeNext) next.start = start;
    else this.free.splice(lo, 0, {start, end});
  }
}
