// mm/slub.c, mm/slab_common.c: cache geometry against a real SLUB kernel. The fixture is /proc/slabinfo of a
// 2-CPU Linux 6.18 x86_64 machine; the literals below were read from /sys/kernel/slab and /sys/kernel/btf/vmlinux
// on that machine, since CI machines may lack them.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, test} from 'vitest';
import {
  cacheGeometry,
  calculateAlignment,
  calculateOrder,
  calculateSizes,
  cpuPartial,
  getOrder,
  KMALLOC_MAX_CACHE_SIZE,
  KMALLOC_MAX_SIZE,
  KMALLOC_SIZES,
  kmallocCacheName,
  kmallocIndex,
  minPartial,
  orderObjects,
  SLAB_ACCOUNT,
  SLAB_CACHE_DMA,
  SLAB_CACHE_DMA32,
  SLAB_FLAG_NAMES,
  SLAB_HWCACHE_ALIGN,
  SLAB_NO_OBJ_EXT,
  SLAB_PANIC,
  SLAB_POISON,
  SLAB_RECLAIM_ACCOUNT,
  SLAB_RED_ZONE,
  SLAB_STORE_USER,
  SLAB_TYPESAFE_BY_RCU,
  slabFlagByName,
} from '../../source/kernel/slab/geometry.js';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'proc', 'slabinfo-6.18-2cpu.txt');
const NR_CPUS = 2;

type SlabinfoLine = {name: string; objsize: number; objperslab: number; pagesperslab: number};

/** /proc/slabinfo 2.1: name active_objs num_objs objsize objperslab pagesperslab : tunables ... : slabdata ... */
function parseSlabinfo(text: string): SlabinfoLine[] {
  const lines = text.split('\n');
  expect(lines[0]).toBe('slabinfo - version: 2.1');
  return lines
    .slice(1)
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const f = l.trim().split(/\s+/);
      return {name: f[0], objsize: Number(f[3]), objperslab: Number(f[4]), pagesperslab: Number(f[5])};
    });
}

const SLABINFO = parseSlabinfo(readFileSync(FIXTURE, 'utf8'));

/**
 * Caches whose geometry does not come from calculate_order(objsize, nr_cpus), with the reason. None on this
 * host: every one of its 235 caches (aliases are folded into their target and not listed by slabinfo) has the
 * default order; /sys/kernel/slab/<name>/order agrees, no slab_min_order=/slab_max_order=/slab_min_objects= is
 * on the kernel command line, and no cache was created with its own order (kvm_vcpu, 51488 bytes, is order 4
 * through calculate_order()'s own get_order() fallback). Add a cache here only with its /sys/kernel/slab reason.
 */
const EXCEPTIONS: Readonly<Record<string, string>> = {};

describe('calculate_order() reproduces every cache of a 2-CPU 6.18 /proc/slabinfo', () => {
  const checked = SLABINFO.filter((l) => !(l.name in EXCEPTIONS));

  test('the fixture is the whole table', () => {
    expect(SLABINFO.length).toBe(235);
    expect(checked.length).toBeGreaterThan(200);
    for (const name of Object.keys(EXCEPTIONS)) expect(SLABINFO.map((l) => l.name)).toContain(name);
  });

  test.each(checked.map((l) => [l.name, l] as const))('%s', (_name, l) => {
    const order = calculateOrder(l.objsize, NR_CPUS);
    expect({pagesperslab: 1 << order, objperslab: orderObjects(order, l.objsize)}).toEqual({pagesperslab: l.pagesperslab, objperslab: l.objperslab});
  });

  test.each(Object.entries(EXCEPTIONS))('exception %s still differs (%s)', (name) => {
    const l = SLABINFO.find((x) => x.name === name)!;
    const order = calculateOrder(l.objsize, NR_CPUS);
    expect([1 << order, orderObjects(order, l.objsize)]).not.toEqual([l.pagesperslab, l.objperslab]);
  });
});

// /sys/kernel/slab/<name>/{slab_size,order,objs_per_slab,min_partial,cpu_partial} on the same machine.
const SYSFS: ReadonlyArray<readonly [string, number, number, number, number, number]> = [
  ['kmalloc-8', 8, 0, 512, 5, 120],
  [':0000024', 24, 0, 170, 5, 120],
  ['kmalloc-96', 96, 0, 42, 5, 120],
  ['kmalloc-192', 192, 0, 21, 5, 120],
  [':0000248', 248, 0, 16, 5, 120],
  ['maple_node', 256, 0, 16, 5, 52],
  [':0000344', 344, 1, 23, 5, 52],
  ['radix_tree_node', 584, 1, 14, 5, 52],
  ['hugetlbfs_inode_cache', 632, 2, 25, 5, 52],
  [':0000984', 984, 2, 16, 5, 52],
  ['btrfs_inode', 1016, 2, 16, 5, 52],
  ['kmalloc-1k', 1024, 2, 16, 5, 24],
  ['ext4_inode_cache', 1128, 2, 14, 5, 24],
  [':A-0001472', 1472, 3, 22, 5, 24],
  ['mm_struct', 1600, 3, 20, 5, 24],
  ['kmalloc-2k', 2048, 3, 16, 5, 24],
  ['MPTCPv6', 2112, 3, 15, 5, 24],
  ['x86_emulator', 2672, 3, 12, 5, 24],
  ['kmalloc-4k', 4096, 3, 8, 6, 6],
  [':a-0004232', 4232, 3, 7, 6, 6],
  ['task_struct', 5888, 3, 5, 6, 6],
  ['kmalloc-8k', 8192, 3, 4, 6, 6],
  ['kvm_vcpu', 51488, 4, 1, 7, 6],
];

test.each(SYSFS)('/sys/kernel/slab/%s: size %i, order %i, %i objects, min_partial %i, cpu_partial %i', (_n, size, order, objects, minP, cpuP) => {
  expect(calculateOrder(size, NR_CPUS)).toBe(order);
  expect(orderObjects(order, size)).toBe(objects);
  expect(minPartial(size)).toBe(minP);
  expect(cpuPartial(size, objects).cpuPartial).toBe(cpuP);
});

test('cpu_partial_slabs: the object budget as half-full slabs, DIV_ROUND_UP(nr_objects * 2, objects per slab)', () => {
  expect(cpuPartial(64, 64)).toEqual({cpuPartial: 120, cpuPartialSlabs: 4});
  expect(cpuPartial(256, 16)).toEqual({cpuPartial: 52, cpuPartialSlabs: 7});
  expect(cpuPartial(1024, 16)).toEqual({cpuPartial: 24, cpuPartialSlabs: 3});
  expect(cpuPartial(4096, 8)).toEqual({cpuPartial: 6, cpuPartialSlabs: 2});
  expect(cpuPartial(51488, 1)).toEqual({cpuPartial: 6, cpuPartialSlabs: 12});
  expect(cpuPartial(64, 64, true)).toEqual({cpuPartial: 0, cpuPartialSlabs: 0});
});

describe('calculate_order() by hand', () => {
  // min_objects = 4 * (fls(nr_cpus) + 1): 1 CPU → 8, 4 CPUs → 16, 64 CPUs → 32; capped at what order 3 holds.
  // e.g. 344 B on 64 CPUs: 32 * 344 = 11008 → order 2, 16384 % 344 = 216 <= 16384 / 16 → order 2, 47 objects.
  // 632 B on 1 CPU: 8 * 632 = 5056 → order 1, but 8192 % 632 = 608 > 8192 / 16, so order 2 (584 left over).
  // 5888 B: 5 objects fit in order 3 and waste 3328 > 32768 / 16, so the 1/8 pass takes order 3.
  // 51488 B: not one object in order 3, so get_order(51488) = 4.
  const CASES: ReadonlyArray<readonly [number, number, number, number]> = [
    // size, 1 CPU, 4 CPUs, 64 CPUs
    [8, 0, 0, 0],
    [192, 0, 0, 1],
    [256, 0, 0, 1],
    [344, 1, 1, 2],
    [512, 0, 1, 2],
    [632, 2, 2, 3],
    [1024, 1, 2, 3],
    [2048, 2, 3, 3],
    [4096, 3, 3, 3],
    [5888, 3, 3, 3],
    [51488, 4, 4, 4],
  ];
  test.each(CASES)('%i bytes: order %i on 1 CPU, %i on 4, %i on 64', (size, o1, o4, o64) => {
    expect([calculateOrder(size, 1), calculateOrder(size, 4), calculateOrder(size, 64)]).toEqual([o1, o4, o64]);
  });

  test('objects per slab follow the order', () => {
    expect(orderObjects(calculateOrder(344, 64), 344)).toBe(47);
    expect(orderObjects(calculateOrder(192, 64), 192)).toBe(42);
    expect(orderObjects(calculateOrder(632, 1), 632)).toBe(25);
  });

  test('boot parameters: slab_min_order=, slab_max_order=, slab_min_objects=', () => {
    expect(calculateOrder(64, 2, {minOrder: 1})).toBe(1);
    expect(calculateOrder(1024, 2, {maxOrder: 0})).toBe(0);
    expect(calculateOrder(64, 2, {minObjects: 128})).toBe(1);
  });

  test('a slot beyond a MAX_PAGE_ORDER block is -ENOSYS; cacheGeometry() refuses it', () => {
    expect(calculateOrder(4 << 20, 2)).toBe(10);
    expect(calculateOrder((4 << 20) + 8, 2)).toBe(-1);
    expect(() => cacheGeometry(5 << 20, 8, 0, 2)).toThrow(RangeError);
  });
});

test('get_order()', () => {
  expect([1, 4096, 4097, 8192, 8193, 32768, 51488, 4 << 20].map(getOrder)).toEqual([0, 0, 1, 1, 2, 3, 4, 10]);
});

describe('calculate_alignment() and calculate_sizes()', () => {
  test('SLAB_HWCACHE_ALIGN halves the cache line while the object fits in half of it', () => {
    expect(calculateAlignment(SLAB_HWCACHE_ALIGN, 8, 192)).toBe(64);
    expect(calculateAlignment(SLAB_HWCACHE_ALIGN, 0, 20)).toBe(32);
    expect(calculateAlignment(SLAB_HWCACHE_ALIGN, 0, 32)).toBe(32);
    expect(calculateAlignment(SLAB_HWCACHE_ALIGN, 0, 33)).toBe(64);
    expect(calculateAlignment(SLAB_HWCACHE_ALIGN, 0, 8)).toBe(8);
    expect(calculateAlignment(SLAB_HWCACHE_ALIGN, 128, 20)).toBe(128);
    expect(calculateAlignment(0, 0, 20)).toBe(8); // ARCH_SLAB_MINALIGN
    expect(calculateAlignment(0, 4, 20)).toBe(8);
    expect(calculateAlignment(0, 16, 20)).toBe(16);
  });

  const slot = (objectSize: number, align: number, flags: number, ctor = false): number =>
    calculateSizes(objectSize, calculateAlignment(flags, align, objectSize), flags, {ctor}).size;

  test('hand cases', () => {
    expect(slot(192, 8, SLAB_HWCACHE_ALIGN)).toBe(192); // kmem_cache_create("my_struct", 192, 8, SLAB_HWCACHE_ALIGN)
    expect(slot(20, 0, SLAB_HWCACHE_ALIGN)).toBe(32);
    expect(slot(100, 0, SLAB_HWCACHE_ALIGN)).toBe(128);
    expect(slot(20, 0, 0)).toBe(24);
    expect(slot(24, 8, 0, true)).toBe(32); // a constructor: the free pointer goes after the object
    expect(slot(24, 8, SLAB_TYPESAFE_BY_RCU)).toBe(32);
    expect(slot(24, 8, SLAB_POISON)).toBe(32);
    expect(slot(56, 0, SLAB_HWCACHE_ALIGN, true)).toBe(64);
    expect(slot(60, 0, SLAB_HWCACHE_ALIGN, true)).toBe(128);
  });

  test('the free pointer sits mid-object, or after it when the object must survive free', () => {
    expect(calculateSizes(24, 8, 0)).toEqual({size: 24, inuse: 24, offset: 8});
    expect(calculateSizes(24, 8, 0, {ctor: true})).toEqual({size: 32, inuse: 24, offset: 24});
    expect(calculateSizes(192, 64, SLAB_TYPESAFE_BY_RCU, {freeptrOffset: 16})).toEqual({size: 192, inuse: 192, offset: 16});
  });

  // Every cache on the machine with a constructor or SLAB_TYPESAFE_BY_RCU, from /sys/kernel/slab/<name>/
  // {object_size,align,ctor,destroy_by_rcu,slab_size}. vm_area_struct keeps its 192 bytes because 6.18 gives it
  // a free pointer slot inside the object (kmem_cache_args.freeptr_offset, mm/vma_init.c).
  const REAL: ReadonlyArray<readonly [string, number, number, boolean, boolean, number]> = [
    ['MPTCP', 1936, 64, false, true, 1984],
    ['MPTCPv6', 2064, 64, false, true, 2112],
    ['TCP', 2304, 64, false, true, 2368],
    ['TCPv6', 2432, 64, false, true, 2496],
    ['anon_vma', 96, 8, true, true, 104],
    ['bdev_cache', 1520, 64, true, false, 1536],
    ['bfilp', 208, 64, false, true, 256],
    ['bio-120', 120, 64, false, true, 128],
    ['bio-184', 184, 64, false, true, 192],
    ['bio-248', 248, 64, false, true, 256],
    ['bio-264', 264, 64, false, true, 320],
    ['bio-312', 312, 64, false, true, 320],
    ['bio-376', 376, 64, false, true, 384],
    ['bio-392', 392, 64, false, true, 448],
    ['bio-448', 448, 64, false, true, 512],
    ['btrfs_inode', 1008, 8, true, false, 1016],
    ['dax_cache', 760, 64, true, false, 768],
    ['debugfs_inode_cache', 632, 8, true, false, 640],
    ['erofs_inode', 688, 8, true, false, 696],
    ['ext4_inode_cache', 1120, 8, true, false, 1128],
    ['filp', 184, 64, false, true, 192],
    ['fuse_inode', 848, 64, true, false, 896],
    ['hugetlbfs_inode_cache', 624, 8, true, false, 632],
    ['inode_cache', 616, 8, true, false, 624],
    ['io_kiocb', 248, 64, false, true, 256],
    ['jbd2_journal_head', 112, 8, false, true, 120],
    ['mqueue_inode_cache', 936, 64, true, false, 960],
    ['nf_conntrack', 248, 64, false, true, 256],
    ['ovl_inode', 696, 8, true, false, 704],
    ['proc_inode_cache', 688, 8, true, false, 696],
    ['radix_tree_node', 576, 8, true, false, 584],
    ['request_sock_TCP', 312, 8, false, true, 320],
    ['request_sock_TCPv6', 312, 8, false, true, 320],
    ['request_sock_subflow_v4', 384, 8, false, true, 392],
    ['request_sock_subflow_v6', 384, 8, false, true, 392],
    ['shmem_inode_cache', 744, 8, true, false, 752],
    ['sighand_cache', 2080, 64, true, true, 2112],
    ['sock_inode_cache', 768, 64, true, false, 832],
    ['squashfs_inode_cache', 680, 64, true, false, 704],
    ['tracefs_inode_cache', 648, 8, true, false, 656],
    ['tw_sock_TCP', 248, 8, false, true, 256],
    ['tw_sock_TCPv6', 248, 8, false, true, 256],
    ['userfaultfd_ctx_cache', 176, 64, true, false, 192],
    ['xfs_inode', 984, 64, true, false, 1024],
  ];
  test.each(REAL)('%s: object %i, align %i, ctor %s, rcu %s → slot %i', (_n, objectSize, align, ctor, rcu, slabSize) => {
    expect(calculateSizes(objectSize, align, rcu ? SLAB_TYPESAFE_BY_RCU : 0, {ctor}).size).toBe(slabSize);
  });
  test('vm_area_struct: SLAB_TYPESAFE_BY_RCU with freeptr_offset keeps its 192 bytes', () => {
    expect(calculateSizes(192, 64, SLAB_TYPESAFE_BY_RCU).size).toBe(256);
    expect(calculateSizes(192, 64, SLAB_TYPESAFE_BY_RCU, {freeptrOffset: 176}).size).toBe(192);
  });
});

describe('cacheGeometry()', () => {
  test('kmalloc-64 on 2 CPUs', () => {
    expect(cacheGeometry(64, 64, 0, 2)).toEqual({
      size: 64, align: 64, order: 0, objects: 64, minOrder: 0, minObjects: 64, minPartial: 5, cpuPartial: 120, cpuPartialSlabs: 4,
    });
  });
  test('task_struct (5888 bytes, align 64) on 2 CPUs: order 3 with an order-1 fallback', () => {
    expect(cacheGeometry(5888, 64, SLAB_PANIC | SLAB_ACCOUNT, 2)).toEqual({
      size: 5888, align: 64, order: 3, objects: 5, minOrder: 1, minObjects: 1, minPartial: 6, cpuPartial: 6, cpuPartialSlabs: 3,
    });
  });
  test('a constructor cache: radix_tree_node (576 bytes) is 584 per slot, 14 in order 1', () => {
    const g = cacheGeometry(576, 0, SLAB_PANIC | SLAB_RECLAIM_ACCOUNT, 2, {ctor: true});
    expect([g.size, g.order, g.objects, g.cpuPartial, g.cpuPartialSlabs]).toEqual([584, 1, 14, 52, 8]);
  });
  test('debug flags take the CPU partial lists away', () => {
    expect(cacheGeometry(64, 0, SLAB_STORE_USER, 2).cpuPartial).toBe(0);
  });
});

describe('kmalloc size classes', () => {
  test('kmalloc_index on the boundaries', () => {
    const sizes = [1, 8, 9, 64, 65, 96, 97, 128, 129, 192, 193, 256, 8192, 8193];
    expect(sizes.map(kmallocIndex)).toEqual([8, 8, 16, 64, 96, 96, 128, 128, 192, 192, 256, 256, 8192, undefined]);
    expect([0, 17, 24, 25, 33, 255, 257, 1000, 1025, 4097].map(kmallocIndex)).toEqual([undefined, 32, 32, 32, 64, 256, 512, 1024, 2048, 8192]);
  });

  test('every class maps to itself and holds everything up to it', () => {
    let prev = 0;
    for (const size of KMALLOC_SIZES) {
      expect(kmallocIndex(size)).toBe(size);
      expect(kmallocIndex(prev + 1)).toBe(size);
      prev = size;
    }
    expect(KMALLOC_MAX_CACHE_SIZE).toBe(8192);
    expect(KMALLOC_MAX_SIZE).toBe(4 * 1024 * 1024);
  });

  test('names as /proc/slabinfo shows them', () => {
    expect(kmallocCacheName('normal', 96)).toBe('kmalloc-96');
    expect(kmallocCacheName('normal', 1024)).toBe('kmalloc-1k');
    expect(kmallocCacheName('normal', 8192)).toBe('kmalloc-8k');
    expect(kmallocCacheName('dma', 192)).toBe('dma-kmalloc-192');
    expect(kmallocCacheName('rcl', 2048)).toBe('kmalloc-rcl-2k');
    expect(kmallocCacheName('cg', 64)).toBe('kmalloc-cg-64');
  });

  test('all 52 kmalloc caches are in the fixture with their size as objsize', () => {
    const byName = new Map(SLABINFO.map((l) => [l.name, l]));
    for (const family of ['normal', 'dma', 'rcl', 'cg'] as const) {
      for (const size of KMALLOC_SIZES) expect(byName.get(kmallocCacheName(family, size))?.objsize).toBe(size);
    }
  });
});

describe('SLAB_* flags', () => {
  // enum _slab_flag_bits in /sys/kernel/btf/vmlinux of the 6.18 machine.
  test('6.18 bit values', () => {
    expect([SLAB_RED_ZONE, SLAB_POISON, SLAB_HWCACHE_ALIGN, SLAB_CACHE_DMA, SLAB_CACHE_DMA32, SLAB_STORE_USER, SLAB_PANIC, SLAB_TYPESAFE_BY_RCU]).toEqual([
      0x2, 0x4, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200,
    ]);
    expect([SLAB_ACCOUNT, SLAB_RECLAIM_ACCOUNT, SLAB_NO_OBJ_EXT]).toEqual([0x2000, 0x8000, 0x40000]);
  });
  test('names parse exactly as the kernel spells them (so a bare word is never a constant)', () => {
    expect(slabFlagByName('SLAB_HWCACHE_ALIGN')).toBe(SLAB_HWCACHE_ALIGN);
    expect(slabFlagByName('reclaim_account')).toBeUndefined();
    expect(slabFlagByName('poison')).toBeUndefined();
    expect(slabFlagByName('SLAB_TEMPORARY')).toBe(SLAB_RECLAIM_ACCOUNT);
    expect(slabFlagByName('SLAB_NOPE')).toBeUndefined();
    for (const [name, bit] of SLAB_FLAG_NAMES) expect(slabFlagByName(name)).toBe(bit);
  });
  test('distinct bits apart from the SLAB_TEMPORARY alias', () => {
    const bits = SLAB_FLAG_NAMES.filter(([n]) => n !== 'SLAB_TEMPORARY').map(([, b]) => b);
    expect(new Set(bits).size).toBe(bits.length);
    for (const b of bits) expect(b & (b - 1)).toBe(0);
  });
});
