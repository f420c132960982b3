// include/linux/slub_def.h, mm/slab.h: what a kmem_cache is made of, shared by both models. A slab is a block
// of 2^order pages from the buddy allocator cut into `objects` slots of `size` bytes; it sits on exactly one
// place at a time: a CPU (the CPU slab), a CPU's partial list, or one of its node's lists.
// One object per slab (never per page or per object); object state lives in the slab's typed arrays.
import type {CacheGeometry} from './geometry.js';

/** Where a slab is. SLUB uses CPU, CPU_PARTIAL, PARTIAL and FULL; classic SLAB uses PARTIAL, FULL and FREE. */
export const ON_CPU = 0;
export const ON_CPU_PARTIAL = 1;
export const ON_PARTIAL = 2;
export const ON_FULL = 3;
export const ON_FREE = 4;
export const PLACE_NAMES = ['cpu', 'cpu_partial', 'partial', 'full', 'free'] as const;

export class Slab {
  /** The allocator's id for the slab, also written in its pages' `next` links. */
  id = -1;
  /** Intrusive list links (the kernel's slab->slab_list). */
  prev: Slab | null = null;
  next: Slab | null = null;
  list: SlabList | null = null;
  place = ON_PARTIAL;
  /** The CPU that holds it (ON_CPU / ON_CPU_PARTIAL), else -1. */
  cpu = -1;
  inuse = 0;
  /** Free object indices as a stack: freelist[0..nfree) (the top is the next object handed out). */
  readonly freelist: Uint16Array;
  nfree: number;
  /** 1 for an allocated object. */
  readonly allocated: Uint8Array;
  /** Physical address of the first object. */
  readonly base: number;

  constructor(
    readonly cache: KmemCache,
    /** First pfn of the slab's pages. */
    readonly pfn: number,
    readonly order: number,
    readonly objects: number,
    readonly nid: number,
  ) {
    this.freelist = new Uint16Array(objects);
    // A new slab hands its objects out in address order (no CONFIG_SLAB_FREELIST_RANDOM).
    for (let i = 0; i < objects; i++) this.freelist[i] = objects - 1 - i;
    this.nfree = objects;
    this.allocated = new Uint8Array(objects);
    this.base = pfn * 4096;
  }


}

/** An intrusive doubly linked list of slabs with its length (list_head + nr_partial and friends). */
export class SlabList {
  head: Slab | null = null;
  tail: Slab | null = null;
  count = 0;

  constructor(readonly place: number) {}

  /** list_add / list_add_tail */
  add(s: Slab, tail = false): void {
    s.list = this;
    s.place = this.place;
    if (tail) {
      s.prev = this.tail;
      s.next = null;
      if (this.tail) this.tail.next = s;
      else this.head = s;
      this.tail = s;
    } else {
      s.next = this.head;
      s.prev = null;
      if (this.head) this.head.prev = s;
      else this.tail = s;
      this.head = s;
    }
    this.count++;
  }

  /** list_del */
  remove(s: Slab): void {
    if (s.prev) s.prev.next = s.next;
    else this.head = s.next;
    if (s.next) s.next.prev = s.prev;
    else this.tail = s.prev;
    s.prev = s.next = null;
    s.list = null;
    this.count--;
  }

  *[Symbol.iterator](): IterableIterator<Slab> {
    for (let s = this.head; s; s = s.next) yield s;
  }
}

/** struct kmem_cache_node: per node lists and counters. */
export class CacheNode {
  readonly partial = new SlabList(ON_PARTIAL);
  /** SLUB keeps no full list without debugging; we track it so the panes can show full slabs. */
  readonly full = new SlabList(ON_FULL);
  /** Classic SLAB's slabs_free. */
  readonly free = new SlabList(ON_FREE);
  nrSlabs = 0;
  totalObjects = 0;
  /** Classic SLAB: free objects on this node's slabs and the limit above which free slabs are destroyed. */
  freeObjects = 0;
  freeLimit = 0;
  /** Classic SLAB: the node's shared array cache (object handles: physical addresses). */
  shared: number[] = [];
  sharedLimit = 0;
  /** Classic SLAB: ticks until the next reap of this node. */
  nextReap = 0;
  /** Classic SLAB: a refill took a free slab since the last reap (n->free_touched), so the reap spares them. */
  freeTouched = false;
  /** Classic SLAB: the shared array was used since the last reap. */
  sharedTouched = false;
  constructor(readonly nid: number) {}
}

/** struct kmem_cache_cpu (SLUB) / struct array_cache (SLAB). */
export class CacheCpu {
  /** SLUB: the CPU slab. */
  slab: Slab | null = null;
  /** SLUB: the per-CPU partial slabs. */
  readonly partial = new SlabList(ON_CPU_PARTIAL);
  /** SLAB: the array cache of free objects (physical addresses), LIFO. */
  entries: number[] = [];
  limit = 0;
  batchcount = 0;
  /** SLAB: set when the array was used since the last reap (ac->touched). */
  touched = false;
  constructor(readonly cpu: number) {}
}

/** Counters per cache, the kernel's CONFIG_SLUB_STATS style. */
export type CacheStats = {
  allocs: number;
  frees: number;
  slabsAllocated: number;
  slabsFreed: number;
  allocFailures: number;
};

export class KmemCache {
  readonly nodes: CacheNode[];
  readonly cpus: CacheCpu[];
  readonly stats: CacheStats = {allocs: 0, frees: 0, slabsAllocated: 0, slabsFreed: 0, allocFailures: 0};
  /** Objects in use, over all slabs (the real count, whatever slabinfo's active_objs says). */
  inuse = 0;
  /** Classic SLAB tunables (0 for SLUB), printed in slabinfo's tunables column. */
  limit = 0;
  batchcount = 0;
  sharedFactor = 0;
  destroyed = false;

  constructor(
    readonly id: number,
    readonly name: string,
    readonly objectSize: number,
    readonly align: number,
    readonly flags: number,
    readonly geo: CacheGeometry,
    /** GFP bits every slab allocation of this cache adds: __GFP_DMA, __GFP_RECLAIMABLE. */
    readonly allocflags: number,
    nrNodes: number,
    nrCpus: number,
    /** A kmalloc cache (created by the kernel, never destroyed by a user). */
    readonly kmalloc: boolean,
  ) {
    this.nodes = Array.from({length: nrNodes}, (_, i) => new CacheNode(i));
    this.cpus = Array.from({length: nrCpus}, (_, i) => new CacheCpu(i));
  }

  /** The slot size (s->size, slabinfo's objsize). */
  get size(): number {
    return this.geo.size;
  }
}
