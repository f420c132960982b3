// Kernel virtual addresses of physical memory (arch/x86/include/asm/page*.h): the direct map at PAGE_OFFSET, where
// every lowmem page has a permanent address, and the array of struct pages (the vmemmap on x86_64, mem_map at the
// top of lowmem on i386). On i386 HighMem pages have no direct-map address. Without KASLR, so addresses are the
// same on every run.
import type {MachineConfig} from './config.js';
import type {PageAllocator} from './page-alloc/allocator.js';
import {PAGE_SHIFT, PAGE_SIZE} from './page-alloc/types.js';

/** x86_64 without KASLR: the direct map (PAGE_OFFSET) and the vmemmap of 64-byte struct pages. */
export const X86_64_PAGE_OFFSET = 0xffff888000000000n;
export const X86_64_VMEMMAP = 0xffffea0000000000n;
/** i386 3G/1G split: lowmem is mapped at 0xc0000000; mem_map holds 32-byte struct pages. */
export const I386_PAGE_OFFSET = 0xc0000000n;

export class DirectMap {
  readonly pageOffset: bigint;
  private readonly memmapBase: bigint;
  private readonly structPage: bigint;
  /** First pfn past the direct map (max_low_pfn): the end of memory, or the start of HighMem on i386. */
  readonly maxLowPfn: number;

  constructor(
    config: MachineConfig,
    private readonly pa: PageAllocator,
  ) {
    const highmem = pa.nodes[0].zones.find((z) => z.name === 'HighMem');
    this.maxLowPfn = highmem && highmem.spanned > 0 ? highmem.startPfn : pa.nodes[pa.nodes.length - 1].endPfn;
    if (config.profile === 'x86_64') {
      this.pageOffset = X86_64_PAGE_OFFSET;
      this.memmapBase = X86_64_VMEMMAP;
      this.structPage = 64n;
    } else {
      this.pageOffset = I386_PAGE_OFFSET;
      const memmap = config.reserved.find((r) => r.what.startsWith('struct pages'));
      this.memmapBase = I386_PAGE_OFFSET + BigInt((memmap?.start ?? 0) * PAGE_SIZE);
      this.structPage = 32n;
    }
  }

  /** high_memory: the first address past the direct map. */
  get highMemory(): bigint {
    return this.pageOffset + BigInt(this.maxLowPfn * PAGE_SIZE);
  }

  /** The direct-map address of a physical address (lowmem). */
  physToVirt(phys: number): bigint {
    return this.pageOffset + BigInt(phys);
  }

  /** page_address() of a lowmem page; undefined for HighMem (no permanent mapping). */
  pfnToVirt(pfn: number): bigint | undefined {
    if (pfn < 0 || pfn >= this.maxLowPfn) return undefined;
    return this.pageOffset + (BigInt(pfn) << BigInt(PAGE_SHIFT));
  }

  /** __pa() of a direct-map address of a page in a zone, or -1. One bigint subtraction (this is on every free). */
  physOf(addr: bigint): number {
    const off = addr - this.pageOffset;
    if (off < 0n) return -1;
    const phys = Number(off);
    const pfn = Math.floor(phys / PAGE_SIZE);
    return pfn < this.maxLowPfn && this.pa.zoneOf(pfn) ? phys : -1;
  }

  /** pfn_to_page(): the struct page pointer. */
  pfnToPage(pfn: number): bigint {
    return this.memmapBase + BigInt(pfn) * this.structPage;
  }

  /** page_to_pfn() for a struct page pointer, or undefined if it is not one. */
  pageToPfn(page: bigint): number | undefined {
    const off = page - this.memmapBase;
    if (off < 0n || off % this.structPage !== 0n) return undefined;
    const pfn = Number(off / this.structPage);
    return this.pa.zoneOf(pfn) ? pfn : undefined;
  }
}
