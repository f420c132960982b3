// include/linux/mmzone.h: the constants of the buddy allocator, as x86 with 4 KiB pages builds them.

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** MAX_PAGE_ORDER: the largest block is 2^10 pages (4 MiB). */
export const MAX_ORDER = 10;
export const NR_ORDERS = MAX_ORDER + 1;
/** pageblock_order on x86_64 with THP: HPAGE_PMD_ORDER = 9 (2 MiB). */
export const PAGEBLOCK_ORDER = 9;
export const PAGEBLOCK_PAGES = 1 << PAGEBLOCK_ORDER;
/** PAGE_ALLOC_COSTLY_ORDER: orders above it are "costly"; per-CPU lists hold orders 0..3. */
export const COSTLY_ORDER = 3;
/** SWAP_CLUSTER_MAX: the reclaim batch. */
export const SWAP_CLUSTER_MAX = 32;
/**
 * What direct reclaim costs the caller: pages scanned and reclaimed per tick of sleep (16 MiB per 200 ms). The
 * work carries over per CPU, so a task sleeps a tick once it has done a tick's worth; a round that frees nothing
 * is throttled a whole tick (reclaim_throttle(VMSCAN_THROTTLE_NOPROGRESS)).
 */
export const DIRECT_RECLAIM_PAGES_PER_TICK = 4096;
/** MAX_RECLAIM_RETRIES */
export const MAX_RECLAIM_RETRIES = 16;

export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
/** MIGRATE_PCPTYPES: the types with per-CPU lists. */
export const MIGRATE_PCPTYPES = 3;
export const MIGRATE_HIGHATOMIC = 3;
export const NR_MIGRATETYPES = 4;
export type MigrateType = 0 | 1 | 2 | 3;
/** migratetype_names[] as /proc/pagetypeinfo prints them (Isolate is printed, never populated here). */
export const MIGRATETYPE_NAMES = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic'] as const;
export const MIGRATETYPE_LETTERS = ['U', 'M', 'E', 'H'] as const;

/** mm/page_alloc.c fallbacks[]: where each type looks when its own lists are empty. */
export const FALLBACKS: ReadonlyArray<readonly [MigrateType, MigrateType]> = [
  [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE], // Unmovable
  [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE], // Movable
  [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE], // Reclaimable
];

/** Per-page state, one byte per pfn. Every page is in exactly one of these (DESIGN §6). */
export const PG_TAIL = 0; // inside a block whose head carries the state
export const PG_BUDDY = 1; // head of a free block on a free list
export const PG_ALLOC = 2; // head of an allocated block
export const PG_PCP = 3; // head of a block on a per-CPU list
export const PG_RESERVED = 4; // present but never given to the buddy allocator (memblock reserved)
export const PG_HOLE = 5; // no memory behind this pfn
export type PageState = 0 | 1 | 2 | 3 | 4 | 5;

/** What an allocated block is used for, kept in the info byte with its migrate type. */
export const OWNER_KERNEL = 0; // a kcall or a driver holds it
export const OWNER_PAGECACHE = 1; // on the LRU: reclaim may free it
export const OWNER_SLAB = 2;
export const OWNER_VMALLOC = 3;
export const OWNER_PGTABLE = 4;
export const OWNER_USER = 5;
export const OWNER_KMALLOC_LARGE = 6; // kmalloc() above 8 KiB: pages that kfree() gives back
export const OWNER_NAMES = ['kernel', 'pagecache', 'slab', 'vmalloc', 'pagetable', 'user', 'kmalloc_large'] as const;

// alloc_flags (mm/internal.h); the watermark index lives in the low two bits.
export const ALLOC_WMARK_MIN = 0;
export const ALLOC_WMARK_LOW = 1;
export const ALLOC_WMARK_HIGH = 2;
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
export const ALLOC_OOM = 0x08;
export const ALLOC_NON_BLOCK = 0x10;
/** == __GFP_HIGH, so gfp_to_alloc_flags can copy the bit. */
export const ALLOC_MIN_RESERVE = 0x20;
export const ALLOC_CPUSET = 0x40;
export const ALLOC_NOFRAGMENT = 0x100;
export const ALLOC_HIGHATOMIC = 0x200;
/** == __GFP_KSWAPD_RECLAIM */
export const ALLOC_KSWAPD = 0x800;
export const ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

/** fls(): the position of the highest set bit, 1-based; 0 for 0 (include/asm-generic/bitops/fls.h). */
export function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}
