// mm/slub.c, mm/slab_common.c, include/linux/slab.h: the shape of a SLUB cache, fixed when it is created.
// kmem_cache_create() aligns the object (calculate_alignment), lays out the slot around the free pointer
// (calculate_sizes), picks how many pages a slab spans (calculate_order) and how many empty slabs the node
// and CPU partial lists keep (kmem_cache_open, set_cpu_partial). kmalloc() picks its cache by size class.
// We follow Linux 6.18 as built for x86_64 with 4 KiB pages: the calculate_order() that derives min_order from
// min_objects and loops fraction 16, 8, 4, 2 over calc_slab_order() (6.8 on), and the SLAB_* bits numbered by
// enum _slab_flag_bits, as 6.18 numbers them for this host's config (read from its BTF). Checked against /proc/slabinfo and
// /sys/kernel/slab of a 2-CPU 6.18 machine (test/kernel/slab-geometry.test.ts).
// Simplified: no debug metadata (red zones, SLAB_STORE_USER tracks), no KASAN, no kmalloc_random caches.
import {COSTLY_ORDER, MAX_ORDER, PAGE_SHIFT, PAGE_SIZE, fls} from '../page-alloc/types.js';

// include/linux/slab.h, enum _slab_flag_bits as 6.18 numbers it with CONFIG_DEBUG_OBJECTS=n, CONFIG_FAILSLAB=n,
// CONFIG_MEMCG=y, CONFIG_KASAN_GENERIC=n, CONFIG_KFENCE=n, CONFIG_SLUB_TINY=n, CONFIG_SLAB_OBJ_EXT=y (the bits
// after SLAB_TRACE move with the config). Flags a config leaves out are 0 (__SLAB_FLAG_UNUSED) there.
export const SLAB_CONSISTENCY_CHECKS = 1 << 0;
export const SLAB_RED_ZONE = 1 << 1;
export const SLAB_POISON = 1 << 2;
export const SLAB_KMALLOC = 1 << 3;
export const SLAB_HWCACHE_ALIGN = 1 << 4;
export const SLAB_CACHE_DMA = 1 << 5;
export const SLAB_CACHE_DMA32 = 1 << 6;
export const SLAB_STORE_USER = 1 << 7;
export const SLAB_PANIC = 1 << 8;
export const SLAB_TYPESAFE_BY_RCU = 1 << 9;
export const SLAB_TRACE = 1 << 10;
export const SLAB_NOLEAKTRACE = 1 << 11;
export const SLAB_NO_MERGE = 1 << 12;
export const SLAB_ACCOUNT = 1 << 13;
export const SLAB_NO_USER_FLAGS = 1 << 14;
export const SLAB_RECLAIM_ACCOUNT = 1 << 15;
/** SLAB_TEMPORARY is an alias of SLAB_RECLAIM_ACCOUNT. */
export const SLAB_TEMPORARY = SLAB_RECLAIM_ACCOUNT;
export const SLAB_NO_OBJ_EXT = 1 << 18;

/** Names for parsing (scenario files, the command line); the kernel's own spelling, SLAB_ prefix included. */
export const SLAB_FLAG_NAMES: ReadonlyArray<readonly [string, number]> = [
  ['SLAB_CONSISTENCY_CHECKS', SLAB_CONSISTENCY_CHECKS],
  ['SLAB_RED_ZONE', SLAB_RED_ZONE],
  ['SLAB_POISON', SLAB_POISON],
  ['SLAB_KMALLOC', SLAB_KMALLOC],
  ['SLAB_HWCACHE_ALIGN', SLAB_HWCACHE_ALIGN],
  ['SLAB_CACHE_DMA', SLAB_CACHE_DMA],
  ['SLAB_CACHE_DMA32', SLAB_CACHE_DMA32],
  ['SLAB_STORE_USER', SLAB_STORE_USER],
  ['SLAB_PANIC', SLAB_PANIC],
  ['SLAB_TYPESAFE_BY_RCU', SLAB_TYPESAFE_BY_RCU],
  ['SLAB_TRACE', SLAB_TRACE],
  ['SLAB_NOLEAKTRACE', SLAB_NOLEAKTRACE],
  ['SLAB_NO_MERGE', SLAB_NO_MERGE],
  ['SLAB_ACCOUNT', SLAB_ACCOUNT],
  ['SLAB_NO_USER_FLAGS', SLAB_NO_USER_FLAGS],
  ['SLAB_RECLAIM_ACCOUNT', SLAB_RECLAIM_ACCOUNT],
  ['SLAB_TEMPORARY', SLAB_TEMPORARY],
  ['SLAB_NO_OBJ_EXT', SLAB_NO_OBJ_EXT],
];

/** 'SLAB_HWCACHE_ALIGN' (or 'HWCACHE_ALIGN', any case) → its bit; undefined for a name we do not know. */
export function slabFlagByName(name: string): number | undefined {
  return SLAB_FLAG_NAMES.find(([k]) => k === name)?.[1];
}

/** cache_line_size() on x86_64: L1_CACHE_BYTES, 1 << CONFIG_X86_L1_CACHE_SHIFT (6). */
export const CACHE_LINE_SIZE = 64;
/** ARCH_SLAB_MINALIGN: x86 does not set it, so include/linux/slab.h uses __alignof__(unsigned long long) = 8. */
export const ARCH_SLAB_MINALIGN = 8;
/** sizeof(void *) */
const WORD = 8;

// mm/slub.c
/** MIN_PARTIAL / MAX_PARTIAL: bounds of s->min_partial, the empty slabs a node keeps. */
export const MIN_PARTIAL = 5;
export const MAX_PARTIAL = 10;
/** MAX_OBJS_PER_PAGE: slab->objects is 15 bits. */
export const MAX_OBJS_PER_PAGE = 32767;

/** Boot parameters slab_min_objects= / slab_min_order= / slab_max_order= (slub_* before 6.9). */
export interface SlubParams {
  /** 0: derive from the CPU count. */
  readonly minObjects?: number;
  readonly minOrder?: number;
  /** Default PAGE_ALLOC_COSTLY_ORDER (3). */
  readonly maxOrder?: number;
}


/** include/linux/log2.h: ilog2() for n >= 1. */
function ilog2(n: number): number {
  return Math.floor(Math.log2(n));
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

/** include/asm-generic/getorder.h: get_order() — the smallest order whose block holds `size` bytes. */
export function getOrder(size: number): number {
  let n = Math.floor((size - 1) / PAGE_SIZE);
  let order = 0;
  while (n > 0) {
    order++;
    n = Math.floor(n / 2);
  }
  return order;
}

/** mm/slub.c: order_objects() — slots of `size` bytes in a 2^order-page slab. */
export function orderObjects(order: number, size: number): number {
  return Math.floor((PAGE_SIZE * 2 ** order) / size);
}

/** mm/slab_common.c: calculate_alignment(). */
export function calculateAlignment(flags: number, align: number, objectSize: number): number {
  if (flags & SLAB_HWCACHE_ALIGN) {
    // A small object shares a cache line rather than padding to a full one: 20 bytes align to 32, not 64.
    let ralign = CACHE_LINE_SIZE;
    while (objectSize <= ralign / 2) ralign /= 2;
    align = Math.max(align, ralign);
  }
  align = Math.max(align, ARCH_SLAB_MINALIGN);
  return alignUp(align, WORD);
}

export interface CacheOpts {
  /** The cache has a constructor: objects keep their constructed state while free. */
  readonly ctor?: boolean;
  /** kmem_cache_args.freeptr_offset with use_freeptr_offset (6.13+): a SLAB_TYPESAFE_BY_RCU cache names a
   *  word inside the object the free pointer may use, so the slot does not grow (vm_area_struct does this). */
  readonly freeptrOffset?: number;
  readonly params?: SlubParams;
}

export interface CacheSizes {
  /** s->size: the slot, slabinfo's objsize. */
  readonly size: number;
  /** s->inuse: the bytes of the object proper, word-rounded. */
  readonly inuse: number;
  /** s->offset: where the free pointer lives within the slot. */
  readonly offset: number;
}

/** mm/slub.c: calculate_sizes() — the slot layout; `align` is the already computed s->align. */
export function calculateSizes(objectSize: number, align: number, flags: number, opts: CacheOpts = {}): CacheSizes {
  // The free pointer sits at a word boundary, so the object is word-rounded first.
  let size = alignUp(objectSize, WORD);
  const inuse = size;
  let offset: number;
  const rcu = (flags & SLAB_TYPESAFE_BY_RCU) !== 0;
  if ((rcu && opts.freeptrOffset === undefined) || flags & SLAB_POISON || opts.ctor) {
    // The first word may not be overwritten on free (RCU readers, constructed state, poison): the free
    // pointer goes after the object, in a word of its own.
    offset = size;
    size += WORD;
  } else if (rcu && opts.freeptrOffset !== undefined) {
    offset = opts.freeptrOffset;
  } else {
    // Inside the object, near the middle, away from small overflows off either edge.
    offset = Math.floor(objectSize / 2 / WORD) * WORD;
  }
  return {size: alignUp(size, align), inuse, offset};
}

/** mm/slub.c: calc_slab_order() — the lowest order in [minOrder, maxOrder] wasting at most 1/fract; maxOrder + 1 if none. */
function calcSlabOrder(size: number, minOrder: number, maxOrder: number, fractLeftover: number): number {
  let order;
  for (order = minOrder; order <= maxOrder; order++) {
    const slabSize = PAGE_SIZE << order;
    const rem = slabSize % size;
    if (rem <= slabSize / fractLeftover) break;
  }
  return order;
}

/**
 * mm/slub.c: calculate_order() (6.8+). nrCpus stands for both num_present_cpus() and nr_cpu_ids.
 * Returns -1 (the kernel's -ENOSYS) for a slot larger than a MAX_PAGE_ORDER block.
 */
export function calculateOrder(size: number, nrCpus: number, params: SlubParams = {}): number {
  const slubMinOrder = params.minOrder ?? 0;
  const slubMaxOrder = params.maxOrder ?? COSTLY_ORDER;
  // More CPUs contend for more slabs: ask for more objects per slab (2 CPUs: 12, 64 CPUs: 32).
  let minObjects = params.minObjects ?? 0;
  if (!minObjects) minObjects = 4 * (fls(nrCpus) + 1);
  const maxObjects = Math.max(orderObjects(slubMaxOrder, size), 1);
  minObjects = Math.min(minObjects, maxObjects);

  const minOrder = Math.max(slubMinOrder, getOrder(minObjects * size));
  if (orderObjects(minOrder, size) > MAX_OBJS_PER_PAGE) return getOrder(size * MAX_OBJS_PER_PAGE) - 1;

  // Accept at most 1/16 waste first, then 1/8, 1/4, 1/2; the last accepts any order up to slab_max_order.
  for (let fraction = 16; fraction > 1; fraction /= 2) {
    const order = calcSlabOrder(size, minOrder, slubMaxOrder, fraction);
    if (order <= slubMaxOrder) return order;
  }
  // Not even one object fits in slab_max_order: one object per slab.
  const order = getOrder(size);
  return order <= MAX_ORDER ? order : -1;
}

/** mm/slub.c: kmem_cache_open() — s->min_partial = clamp(ilog2(s->size) / 2, MIN_PARTIAL, MAX_PARTIAL). */
export function minPartial(size: number): number {
  return Math.max(MIN_PARTIAL, Math.min(MAX_PARTIAL, Math.floor(ilog2(size) / 2)));
}

/**
 * mm/slub.c: set_cpu_partial() and slub_set_cpu_partial() — the objects a CPU's partial list may hold (sysfs
 * cpu_partial) and the slab count that budget becomes, assuming half-full slabs. Debug caches get 0
 * (kmem_cache_has_cpu_partial() is false for them): pass debug = true.
 */
export function cpuPartial(size: number, objectsPerSlab: number, debug = false): {cpuPartial: number; cpuPartialSlabs: number} {
  let nrObjects: number;
  if (debug) nrObjects = 0;
  else if (size >= PAGE_SIZE) nrObjects = 6;
  else if (size >= 1024) nrObjects = 24;
  else if (size >= 256) nrObjects = 52;
  else nrObjects = 120;
  return {cpuPartial: nrObjects, cpuPartialSlabs: Math.ceil((nrObjects * 2) / objectsPerSlab)};
}

export interface CacheGeometry {
  /** s->size: the slot size, slabinfo's objsize. */
  readonly size: number;
  /** s->align */
  readonly align: number;
  /** s->oo: the order of a slab and its objects. */
  readonly order: number;
  readonly objects: number;
  /** s->min: the fallback when the order-`order` allocation fails, get_order(size) and its objects. */
  readonly minOrder: number;
  readonly minObjects: number;
  readonly minPartial: number;
  readonly cpuPartial: number;
  readonly cpuPartialSlabs: number;
}

/** SLAB_DEBUG_FLAGS: caches with these lose the CPU partial lists. */
const SLAB_DEBUG_FLAGS = SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER | SLAB_TRACE | SLAB_CONSISTENCY_CHECKS;

/**
 * mm/slab_common.c: __kmem_cache_create_args() then mm/slub.c: kmem_cache_open() — everything about a cache's
 * shape. Throws for a slot no slab can hold (calculate_order's -ENOSYS; kmem_cache_create() fails).
 */
export function cacheGeometry(objectSize: number, align: number, flags: number, nrCpus: number, opts: CacheOpts = {}): CacheGeometry {
  const a = calculateAlignment(flags, align, objectSize);
  const {size} = calculateSizes(objectSize, a, flags, opts);
  const order = calculateOrder(size, nrCpus, opts.params);
  if (order < 0) throw new RangeError(`calculate_order: ${size}-byte objects need more than an order-${MAX_ORDER} slab`);
  const objects = orderObjects(order, size);
  const minOrder = getOrder(size);
  const cp = cpuPartial(size, objects, (flags & SLAB_DEBUG_FLAGS) !== 0);
  return {
    size,
    align: a,
    order,
    objects,
    minOrder,
    minObjects: orderObjects(minOrder, size),
    minPartial: minPartial(size),
    cpuPartial: cp.cpuPartial,
    cpuPartialSlabs: cp.cpuPartialSlabs,
  };
}

// include/linux/slab.h, mm/slab_common.c: the kmalloc caches.
/** KMALLOC_SHIFT_HIGH = PAGE_SHIFT + 1: larger requests go straight to the page allocator. */
export const KMALLOC_MAX_CACHE_SIZE = 1 << (PAGE_SHIFT + 1);
/** KMALLOC_SHIFT_MAX = MAX_PAGE_ORDER + PAGE_SHIFT: 4 MiB. */
export const KMALLOC_MAX_SIZE = 2 ** (MAX_ORDER + PAGE_SHIFT);
/** KMALLOC_MIN_SIZE: 1 << KMALLOC_SHIFT_LOW (3) on x86_64. */
export const KMALLOC_MIN_SIZE = 8;
/** The size classes, kmalloc_info[] order aside: the powers of two 8..8192 plus 96 and 192. */
export const KMALLOC_SIZES: readonly number[] = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

/** mm/slab_common.c: kmalloc_size_index[] (size_index before 6.10), by (size - 1) / 8 for 1..192, as class sizes. */
const SIZE_INDEX: readonly number[] = [
  8, 16, 32, 32, 64, 64, 64, 64, // 8 .. 64
  96, 96, 96, 96, // 72 .. 96
  128, 128, 128, 128, // 104 .. 128
  192, 192, 192, 192, 192, 192, 192, 192, // 136 .. 192
];

/**
 * mm/slab_common.c: kmalloc_slab() via kmalloc_size_index[] (<= 192) and fls(size - 1) above, as the class size
 * (the kernel returns an index into kmalloc_caches[]). undefined for 0 (ZERO_SIZE_PTR) and above 8 KiB.
 */
export function kmallocIndex(size: number): number | undefined {
  if (!Number.isInteger(size) || size < 1 || size > KMALLOC_MAX_CACHE_SIZE) return undefined;
  if (size <= 192) return SIZE_INDEX[Math.floor((size - 1) / 8)];
  return 1 << fls(size - 1);
}

/** enum kmalloc_cache_type, as names: KMALLOC_NORMAL, KMALLOC_DMA, KMALLOC_RECLAIM, KMALLOC_CGROUP. */
export type KmallocFamily = 'normal' | 'dma' | 'rcl' | 'cg';
const KMALLOC_PREFIX: Readonly<Record<KmallocFamily, string>> = {normal: 'kmalloc-', dma: 'dma-kmalloc-', rcl: 'kmalloc-rcl-', cg: 'kmalloc-cg-'};

/** mm/slab_common.c: kmalloc_info[] names — 'kmalloc-96', 'kmalloc-1k', 'dma-kmalloc-8k', 'kmalloc-cg-64'. */
export function kmallocCacheName(family: KmallocFamily, size: number): string {
  const short = size >= 1024 && size % 1024 === 0 ? `${size / 1024}k` : `${size}`;
  return KMALLOC_PREFIX[family] + short;
}
