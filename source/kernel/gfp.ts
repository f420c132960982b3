// include/linux/gfp_types.h, include/linux/gfp.h, include/trace/events/mmflags.h: GFP bits, the
// composite masks, gfp_zone(), the migrate type a mask asks for, and the "%pGg" printout.
// We follow the 6.x bit layout (bit 9 unused since __GFP_ATOMIC went away in 6.3).
import {
  ALLOC_CPUSET,
  ALLOC_HIGHATOMIC,
  ALLOC_MIN_RESERVE,
  ALLOC_NON_BLOCK,
  ALLOC_WMARK_MIN,
  type MigrateType,
  MIGRATE_MOVABLE,
  MIGRATE_RECLAIMABLE,
  MIGRATE_UNMOVABLE,
} from './page-alloc/types.js';

export const __GFP_DMA = 0x01;
export const __GFP_HIGHMEM = 0x02;
export const __GFP_DMA32 = 0x04;
export const __GFP_MOVABLE = 0x08;
export const __GFP_RECLAIMABLE = 0x10;
export const __GFP_HIGH = 0x20;
export const __GFP_IO = 0x40;
export const __GFP_FS = 0x80;
export const __GFP_ZERO = 0x100;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_KSWAPD_RECLAIM = 0x800;
export const __GFP_WRITE = 0x1000;
export const __GFP_NOWARN = 0x2000;
export const __GFP_RETRY_MAYFAIL = 0x4000;
export const __GFP_NOFAIL = 0x8000;
export const __GFP_NORETRY = 0x10000;
export const __GFP_MEMALLOC = 0x20000;
export const __GFP_COMP = 0x40000;
export const __GFP_NOMEMALLOC = 0x80000;
export const __GFP_HARDWALL = 0x100000;
export const __GFP_THISNODE = 0x200000;
export const __GFP_ACCOUNT = 0x400000;
export const __GFP_ZEROTAGS = 0x800000;
export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
export const GFP_ZONEMASK = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;

export const GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
export const GFP_NOIO = __GFP_RECLAIM;
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
export const GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
export const GFP_DMA = __GFP_DMA;
export const GFP_DMA32 = __GFP_DMA32;
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
export const GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE;
export const GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
export const GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;

/** __def_gfpflag_names from mmflags.h, in its order: composites first, so the printout is the kernel's. */
export const GFP_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['GFP_TRANSHUGE', GFP_TRANSHUGE],
  ['GFP_TRANSHUGE_LIGHT', GFP_TRANSHUGE_LIGHT],
  ['GFP_HIGHUSER_MOVABLE', GFP_HIGHUSER_MOVABLE],
  ['GFP_HIGHUSER', GFP_HIGHUSER],
  ['GFP_USER', GFP_USER],
  ['GFP_KERNEL_ACCOUNT', GFP_KERNEL_ACCOUNT],
  ['GFP_KERNEL', GFP_KERNEL],
  ['GFP_NOFS', GFP_NOFS],
  ['GFP_ATOMIC', GFP_ATOMIC],
  ['GFP_NOIO', GFP_NOIO],
  ['GFP_NOWAIT', GFP_NOWAIT],
  ['GFP_DMA', GFP_DMA],
  ['GFP_DMA32', GFP_DMA32],
  ['__GFP_RECLAIM', __GFP_RECLAIM],
  ['__GFP_DMA', __GFP_DMA],
  ['__GFP_HIGHMEM', __GFP_HIGHMEM],
  ['__GFP_DMA32', __GFP_DMA32],
  ['__GFP_MOVABLE', __GFP_MOVABLE],
  ['__GFP_RECLAIMABLE', __GFP_RECLAIMABLE],
  ['__GFP_HIGH', __GFP_HIGH],
  ['__GFP_IO', __GFP_IO],
  ['__GFP_FS', __GFP_FS],
  ['__GFP_ZERO', __GFP_ZERO],
  ['__GFP_DIRECT_RECLAIM', __GFP_DIRECT_RECLAIM],
  ['__GFP_KSWAPD_RECLAIM', __GFP_KSWAPD_RECLAIM],
  ['__GFP_WRITE', __GFP_WRITE],
  ['__GFP_NOWARN', __GFP_NOWARN],
  ['__GFP_RETRY_MAYFAIL', __GFP_RETRY_MAYFAIL],
  ['__GFP_NOFAIL', __GFP_NOFAIL],
  ['__GFP_NORETRY', __GFP_NORETRY],
  ['__GFP_MEMALLOC', __GFP_MEMALLOC],
  ['__GFP_COMP', __GFP_COMP],
  ['__GFP_NOMEMALLOC', __GFP_NOMEMALLOC],
  ['__GFP_HARDWALL', __GFP_HARDWALL],
  ['__GFP_THISNODE', __GFP_THISNODE],
  ['__GFP_ACCOUNT', __GFP_ACCOUNT],
  ['__GFP_ZEROTAGS', __GFP_ZEROTAGS],
];

const BY_NAME = new Map<string, number>(GFP_NAMES);

/** The value of a GFP name (GFP_KERNEL, __GFP_NOWARN, ...), or undefined. */
export function gfpByName(name: string): number | undefined {
  return BY_NAME.get(name);
}

/** lib/vsprintf.c "%pGg": known masks joined by '|', most bits first; leftover bits as hex; "none" for 0. */
export function formatGfp(gfp: number): string {
  if (gfp === 0) return 'none';
  const parts: string[] = [];
  let rest = gfp;
  for (const [name, mask] of GFP_NAMES) {
    if (mask !== 0 && (rest & mask) === mask) {
      parts.push(name);
      rest &= ~mask;
    }
  }
  if (rest !== 0) parts.push('0x' + rest.toString(16));
  return parts.join('|');
}

/** "mode:0xcc0(GFP_KERNEL)" as warn_alloc prints it. */
export function formatMode(gfp: number): string {
  return `mode:0x${gfp.toString(16)}(${formatGfp(gfp)})`;
}

// Zone indices. Which of them a profile has is decided by the machine; the numbering is the kernel's per profile.
export const ZONE_DMA = 'DMA';
export const ZONE_DMA32 = 'DMA32';
export const ZONE_NORMAL = 'Normal';
export const ZONE_HIGHMEM = 'HighMem';
export const ZONE_MOVABLE = 'Movable';
export const ZONE_DEVICE = 'Device';
export type ZoneName = typeof ZONE_DMA | typeof ZONE_DMA32 | typeof ZONE_NORMAL | typeof ZONE_HIGHMEM | typeof ZONE_MOVABLE | typeof ZONE_DEVICE;

/**
 * include/linux/gfp.h gfp_zone(): the highest zone a mask may use, as a zone type name, or undefined for
 * the invalid combinations (GFP_ZONE_BAD: DMA with DMA32, DMA or DMA32 with HIGHMEM).
 * A profile without ZONE_HIGHMEM maps __GFP_HIGHMEM to Normal, as OPT_ZONE_HIGHMEM does.
 */
export function gfpZone(gfp: number, hasHighmem: boolean): ZoneName | undefined {
  const z = gfp & (__GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32);
  const highmem = hasHighmem ? ZONE_HIGHMEM : ZONE_NORMAL;
  switch (z) {
    case 0:
      return ZONE_NORMAL;
    case __GFP_DMA:
      return ZONE_DMA;
    case __GFP_DMA32:
      return ZONE_DMA32;
    case __GFP_HIGHMEM:
      // __GFP_MOVABLE|__GFP_HIGHMEM would pick ZONE_MOVABLE; we never populate it, so the zonelist ends the same.
      return highmem;
    default:
      return undefined;
  }
}

/** gfp_migratetype(): __GFP_MOVABLE and __GFP_RECLAIMABLE pick the free lists an allocation prefers. */
export function gfpMigratetype(gfp: number): MigrateType {
  if (gfp & __GFP_MOVABLE) return gfp & __GFP_RECLAIMABLE ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE;
  return gfp & __GFP_RECLAIMABLE ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE;
}

/** gfpflags_allow_blocking(): may the caller sleep (enter direct reclaim)? */
export function gfpAllowsBlocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}

/** gfp_to_alloc_flags() (6.3+): __GFP_HIGH reaches into min; non-blocking callers a little further. */
export function gfpToAllocFlags(gfp: number, order: number): number {
  let flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
  flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM); // == ALLOC_MIN_RESERVE | ALLOC_KSWAPD
  if (!(gfp & __GFP_DIRECT_RECLAIM)) {
    if (!(gfp & __GFP_NOMEMALLOC)) {
      flags |= ALLOC_NON_BLOCK;
      if (order > 0) flags |= ALLOC_HIGHATOMIC;
    }
    if (flags & ALLOC_MIN_RESERVE) flags &= ~ALLOC_CPUSET;
  }
  return flags;
}
