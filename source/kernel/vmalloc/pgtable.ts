// The kernel page tables behind the vmalloc region (mm/vmalloc.c vmap_range_noflush()). x86_64 has 4 levels
// below the static PGD: PUD pages (512 GiB each), PMD pages (1 GiB) and PTE pages (2 MiB); i386 (non-PAE) has 2:
// PTE pages of 4 MiB each below the static page directory. Page-table pages are real order-0 allocations
// (GFP_KERNEL | __GFP_ZERO, owner "pagetable") made when an area first needs them, and they stay when areas go,
// as the kernel's do.
// Simplified: x86_64 allocates the region's PUD pages at boot (preallocate_vmalloc_pages()); we allocate them
// on first use too, so a freshly booted machine's free lists stay the pristine boot picture.
import type {ExecContext} from '../context.js';
import {__GFP_ZERO, GFP_KERNEL} from '../gfp.js';
import type {PageAllocator} from '../page-alloc/allocator.js';
import {OWNER_PGTABLE} from '../page-alloc/types.js';

export type PgtableLevel = {readonly name: string; readonly pagesCovered: number};

export class KernelPageTables {
  /** Levels allocated on demand, top (largest span) first. */
  readonly levels: PgtableLevel[];
  /** Per level: table index (absolute page number / pagesCovered) -> pfn of the table page. */
  readonly tables: Map<number, number>[];
  /** PTEs set and cleared, ever, and set now. */
  ptesSet = 0;
  ptesCleared = 0;
  mapped = 0;

  constructor(
    private readonly pa: PageAllocator,
    readonly profile: 'x86_64' | 'i386',
    /** Absolute page number of VMALLOC_START (address >> 12) and the region's pages. */
    private readonly basePage: number,
  ) {
    if (profile === 'x86_64') {
      this.levels = [
        {name: 'pud', pagesCovered: 512 * 512 * 512},
        {name: 'pmd', pagesCovered: 512 * 512},
        {name: 'pte', pagesCovered: 512},
      ];
    } else {
      this.levels = [{name: 'pte', pagesCovered: 1024}];
    }
    this.tables = this.levels.map(() => new Map());
  }

  /** Pages of page tables in use for the region. */
  get pages(): number {
    return this.tables.reduce((a, t) => a + t.size, 0);
  }

  /**
   * Make sure the tables for [start, start + pages) exist (pmd_alloc/pte_alloc_kernel), allocating on the
   * CPU's node. Returns false when a table page could not be had.
   */
  populate(ctx: ExecContext, nid: number, start: number, pages: number): boolean {
    const first = this.basePage + start;
    const last = first + pages - 1;
    for (let l = 0; l < this.levels.length; l++) {
      const span = this.levels[l].pagesCovered;
      const t = this.tables[l];
      for (let i = Math.floor(first / span); i <= Math.floor(last / span); i++) {
        if (t.has(i)) continue;
        const r = this.pa.allocPages(ctx, nid, GFP_KERNEL | __GFP_ZERO, 0, OWNER_PGTABLE);
        if (r.pfn < 0) return false;
        t.set(i, r.pfn);
      }
    }
    return true;
  }

  /** vmap_pte_range(): set PTEs. */
  set(pages: number): void {
    this.ptesSet += pages;
    this.mapped += pages;
  }

  /** vunmap_pte_range(): clear PTEs (no flush). */
  clear(pages: number): void {
    this.ptesCleared += pages;
    this.mapped -= pages;
  }
}
