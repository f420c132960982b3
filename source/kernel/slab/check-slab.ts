// The invariant checker for the slab allocators, the part of check() (../check.ts) that looks at kmem_caches.
// The kernel spreads these over SLUB's debugging (check_slab(), on_freelist(), validate_slab_node() behind
// /sys/kernel/slab/<cache>/validate) and old mm/slab.c's get_slabinfo() ("slabs_full accounting error"); here
// they are gathered in one pass over the machine, one line per violation, naming the cache and the slab.
//
// What is checked, for every live cache:
// - places: every slab is reachable from exactly one place (a CPU slab, a CPU partial list, or one of its
//   node's partial / full / free lists) and its place, list and cpu fields say where that is; node lists hold
//   only slabs of their node; the lists are well formed (prev/next, head/tail, count, no cycles);
// - each slab: inuse + nfree == objects; the freelist stack holds exactly the indices with allocated[i] == 0,
//   without duplicates;
// - the counters: c.inuse is the slabs' inuse minus the objects waiting in classic SLAB's array caches and
//   shared arrays (allocated in their slab, free for the user); node nrSlabs / totalObjects are the node's
//   slabs wherever they are;
// - the array caches (classic SLAB): within their limits; each entry a distinct allocated object of a slab of
//   the cache on the array's node, which the model says is free (isCachedFree), and no other object is;
// - per model: classic SLAB keeps no CPU slabs, free_objects is the free objects of the node's slabs, and
//   slabs_full / slabs_partial / slabs_free hold full / partly used / unused slabs; SLUB keeps no arrays and no
//   free list, its node full list holds full slabs, its partial lists (node and CPU) slabs with a free object;
// - pages: a slab's first page heads a PG_ALLOC block of the slab's order owned by OWNER_SLAB on the slab's
//   node, and slabOf() finds the slab from each of its pages; every OWNER_SLAB block of the zones is a slab of a
//   live cache and so is every slab the allocator's pfn index names; slabPages per node and largePages (the
//   OWNER_KMALLOC_LARGE blocks) agree with the pages.
import {hex} from '../free-blocks.js';
import {__GFP_RECLAIMABLE} from '../gfp.js';
import type {Machine} from '../machine.js';
import {OWNER_KMALLOC_LARGE, OWNER_SLAB, PAGE_SIZE, PG_ALLOC} from '../page-alloc/types.js';
import {type KmemCache, ON_CPU, ON_CPU_PARTIAL, ON_FREE, ON_FULL, ON_PARTIAL, PLACE_NAMES, type Slab, type SlabList} from './cache.js';
import type {SlabAllocator} from './slab-allocator.js';

type Report = (line: string) => void;

/** Where each slab was found (first), over all caches: a slab met twice is on two places at once. */
type Found = Map<Slab, {readonly where: string; readonly place: number}>;

const ALLOC: number = PG_ALLOC;
const L_OWNER_SLAB: number = OWNER_SLAB;
const L_OWNER_LARGE: number = OWNER_KMALLOC_LARGE;

function placeName(p: number): string {
  return PLACE_NAMES[p] ?? `unknown place ${p}`;
}

function slabName(s: Slab): string {
  return `${s.cache.name} slab ${hex(s.pfn)}`;
}

/** Every violated invariant of the machine's slab allocator, one line each, through report. */
export function checkSlab(m: Machine, report: Report): void {
  const sa = m.slab;
  const found: Found = new Map();
  const ids = new Set<number>();
  for (const c of sa.caches) {
    if (c.destroyed) report(`slab: cache ${c.name} is destroyed but still on slab_caches`);
    if (ids.has(c.id)) report(`slab: cache id ${c.id} (${c.name}) is on slab_caches twice`);
    ids.add(c.id);
    if (sa.byId.get(c.id) !== c) report(`slab: cache ${c.name} (id ${c.id}) is not found by its id`);
    checkCache(sa, c, found, report);
  }
  if (sa.byId.size !== sa.caches.length) report(`slab: ${sa.byId.size} caches by id, ${sa.caches.length} on slab_caches`);
  checkPages(m, found, report);
}

// ---- one cache ------------------------------------------------------------------------------------------------

function checkCache(sa: SlabAllocator, c: KmemCache, found: Found, report: Report): void {
  const slub = sa.model.name === 'slub';
  const slabs: Slab[] = [];
  /** Claim s for the place it was found at; a slab met before is reported (once) and not claimed again. */
  const claim = (s: Slab, where: string, place: number, list: SlabList | null, cpu: number): void => {
    const before = found.get(s);
    if (before !== undefined) {
      report(`${slabName(s)} is on the ${where} and on the ${before.where}`);
      return;
    }
    found.set(s, {where, place});
    slabs.push(s);
    if (s.cache !== c) report(`${slabName(s)} is on ${c.name}'s ${where}`);
    if (s.place !== place) report(`${slabName(s)} is on the ${where} but its place says ${placeName(s.place)}`);
    if (s.list !== list) report(`${slabName(s)} is on the ${where} but its list field names ${s.list ? `a ${placeName(s.list.place)} list` : 'no list'}`);
    if (s.cpu !== cpu) report(`${slabName(s)} is on the ${where} but its cpu field is ${s.cpu}`);
  };

  for (const cc of c.cpus) {
    const s = cc.slab;
    if (s) {
      if (slub) {
        claim(s, `cpu ${cc.cpu} slab`, ON_CPU, null, cc.cpu);
        if (s.prev || s.next) report(`${slabName(s)} is the cpu ${cc.cpu} slab but still linked to other slabs`);
      } else report(`${c.name}: cpu ${cc.cpu} has a CPU slab (${hex(s.pfn)}); classic SLAB has none`);
    }
    walkList(c, cc.partial, `cpu ${cc.cpu} partial list`, ON_CPU_PARTIAL, cc.cpu, -1, claim, report);
    if (!slub && cc.partial.count !== 0) report(`${c.name}: cpu ${cc.cpu} partial list holds ${cc.partial.count} slabs; classic SLAB has none`);
  }
  for (const n of c.nodes) {
    walkList(c, n.partial, `node ${n.nid} partial list`, ON_PARTIAL, -1, n.nid, claim, report);
    walkList(c, n.full, `node ${n.nid} full list`, ON_FULL, -1, n.nid, claim, report);
    walkList(c, n.free, `node ${n.nid} free list`, ON_FREE, -1, n.nid, claim, report);
    if (slub && n.free.count !== 0) report(`${c.name}: node ${n.nid} free list holds ${n.free.count} slabs; SLUB has none`);
  }

  // The slabs themselves, and the node counters over them wherever they are.
  const nodes = c.nodes.map(() => ({slabs: 0, objects: 0, free: 0}));
  let inuse = 0;
  for (const s of slabs) {
    checkSlabObjects(s, report);
    inuse += s.inuse;
    const nf = nodes[s.nid];
    if (!nf) {
      report(`${slabName(s)}: node ${s.nid} does not exist`);
      continue;
    }
    nf.slabs++;
    nf.objects += s.objects;
    nf.free += s.nfree;
    const {where, place} = found.get(s)!;
    if (place === ON_FULL && s.nfree !== 0) report(`${slabName(s)} is on the ${where} with ${s.nfree} free objects`);
    if (slub) {
      if ((place === ON_PARTIAL || place === ON_CPU_PARTIAL) && s.nfree === 0) report(`${slabName(s)} is on the ${where} with no free object`);
    } else {
      if (place === ON_FREE && s.inuse !== 0) report(`${slabName(s)} is on the ${where} (slabs_free) with ${s.inuse} objects in use`);
      if (place === ON_PARTIAL && (s.inuse === 0 || s.nfree === 0)) report(`${slabName(s)} is on the ${where} (slabs_partial) with ${s.inuse} of ${s.objects} objects in use`);
    }
  }
  for (const n of c.nodes) {
    const nf = nodes[n.nid];
    if (n.nrSlabs !== nf.slabs) report(`${c.name}: node ${n.nid} nr_slabs is ${n.nrSlabs}, the node has ${nf.slabs} slabs`);
    if (n.totalObjects !== nf.objects) report(`${c.name}: node ${n.nid} total_objects is ${n.totalObjects}, its slabs hold ${nf.objects}`);
    if (!slub && n.freeObjects !== nf.free) report(`${c.name}: node ${n.nid} free_objects is ${n.freeObjects}, its slabs have ${nf.free} free`);
  }

  const inArrays = checkArrays(sa, c, found, slabs, report);
  if (c.inuse !== inuse - inArrays)
    report(`${c.name}: inuse is ${c.inuse}, the slabs have ${inuse} objects allocated${inArrays ? ` of which ${inArrays} wait in array caches` : ''}`);
}

/**
 * Walk an intrusive slab list from its head: prev pointing back, the tail where the walk ends, count right,
 * each slab claimed for this place; the walk stops at a cycle.
 */
function walkList(
  c: KmemCache,
  list: SlabList,
  where: string,
  place: number,
  cpu: number,
  nid: number,
  claim: (s: Slab, where: string, place: number, list: SlabList | null, cpu: number) => void,
  report: Report,
): void {
  if (list.place !== place) report(`${c.name}: the ${where} is a ${placeName(list.place)} list`);
  let n = 0;
  let prev: Slab | null = null;
  const visited = new Set<Slab>();
  for (let s = list.head; s; s = s.next) {
    if (visited.has(s)) {
      report(`${c.name}: the ${where} comes back to slab ${hex(s.pfn)} after ${n} slabs (a cycle)`);
      return;
    }
    visited.add(s);
    claim(s, where, place, list, cpu);
    if (s.prev !== prev) report(`${slabName(s)} on the ${where}: prev is ${s.prev ? hex(s.prev.pfn) : 'none'}, expected ${prev ? hex(prev.pfn) : 'none'}`);
    if (nid >= 0 && s.nid !== nid) report(`${slabName(s)} of node ${s.nid} is on the ${where}`);
    n++;
    prev = s;
  }
  if (list.tail !== prev) report(`${c.name}: the ${where}'s tail is ${list.tail ? hex(list.tail.pfn) : 'none'}, the list ends at ${prev ? hex(prev.pfn) : 'none'}`);
  if (list.count !== n) report(`${c.name}: the ${where} holds ${n} slabs, its count says ${list.count}`);
}

/** inuse + nfree == objects, and the freelist stack is exactly the unallocated indices, once each. */
function checkSlabObjects(s: Slab, report: Report): void {
  const {objects, nfree, allocated, freelist} = s;
  if (objects !== s.cache.geo.objects && objects !== s.cache.geo.minObjects) report(`${slabName(s)} holds ${objects} objects; the cache's slabs hold ${s.cache.geo.objects}`);
  if (s.inuse + nfree !== objects) report(`${slabName(s)}: inuse ${s.inuse} + nfree ${nfree} != ${objects} objects`);
  if (nfree < 0 || nfree > objects) {
    report(`${slabName(s)}: nfree is ${nfree}, outside 0..${objects}`);
    return;
  }
  let allocatedCount = 0;
  for (let i = 0; i < objects; i++) {
    const a = allocated[i];
    if (a > 1) report(`${slabName(s)}: allocated[${i}] is ${a}`);
    else allocatedCount += a;
  }
  if (allocatedCount !== s.inuse) report(`${slabName(s)}: ${allocatedCount} objects are marked allocated, inuse is ${s.inuse}`);
  const onList = new Uint8Array(objects);
  for (let k = 0; k < nfree; k++) {
    const idx = freelist[k];
    if (idx >= objects) report(`${slabName(s)}: freelist[${k}] is ${idx}, past the slab's ${objects} objects`);
    else if (onList[idx]) report(`${slabName(s)}: object ${idx} is on the freelist twice`);
    else if (allocated[idx]) report(`${slabName(s)}: object ${idx} is on the freelist but allocated`);
    else {
      onList[idx] = 1;
      continue;
    }
    return; // one bad entry says enough about this freelist
  }
  // nfree distinct unallocated indices, and objects - allocatedCount unallocated ones: the same set when equal.
  if (objects - allocatedCount !== nfree) report(`${slabName(s)}: ${objects - allocatedCount} objects are free, the freelist holds ${nfree}`);
}

/**
 * Classic SLAB's array caches and shared arrays: each entry is a distinct object, allocated in a slab of this
 * cache on the array's node, and free for the user. Returns how many objects they hold.
 */
function checkArrays(sa: SlabAllocator, c: KmemCache, found: Found, slabs: readonly Slab[], report: Report): number {
  const model = sa.model;
  const arrays: [string, readonly number[], number, number][] = [
    ...c.cpus.map((cc): [string, readonly number[], number, number] => [`cpu ${cc.cpu} array cache`, cc.entries, cc.limit, sa.host.cpuNode[cc.cpu] ?? 0]),
    ...c.nodes.map((n): [string, readonly number[], number, number] => [`node ${n.nid} shared array`, n.shared, n.sharedLimit, n.nid]),
  ];
  const seen = new Set<number>();
  let count = 0;
  for (const [where, entries, limit, nid] of arrays) {
    if (entries.length === 0) continue;
    if (model.name === 'slub') report(`${c.name}: the ${where} holds ${entries.length} objects; SLUB has no arrays`);
    if (entries.length > limit) report(`${c.name}: the ${where} holds ${entries.length} objects, above its limit ${limit}`);
    for (const phys of entries) {
      count++;
      const at = `${c.name}: object ${hex(phys)} in the ${where}`;
      if (seen.has(phys)) {
        report(`${at} is in the arrays twice`);
        continue;
      }
      seen.add(phys);
      const s = Number.isInteger(phys) && phys >= 0 ? sa.slabOf(Math.floor(phys / PAGE_SIZE)) : undefined;
      if (!s || s.cache !== c || !found.has(s)) {
        report(`${at} is no object of a slab of the cache`);
        continue;
      }
      const off = phys - s.base;
      const idx = off / c.size;
      if (off % c.size !== 0 || idx >= s.objects) report(`${at} is not the start of an object of slab ${hex(s.pfn)}`);
      else if (!s.allocated[idx]) report(`${at} is free in its slab ${hex(s.pfn)} (on its freelist too)`);
      else if (model.isCachedFree && !model.isCachedFree(s, idx)) report(`${at} is not known to the model as cached (a kfree of it would not be refused)`);
      if (s.nid !== nid) report(`${at} belongs to a slab of node ${s.nid}`);
    }
  }
  // Conversely, the model counts no other allocated object as waiting in an array.
  if (model.isCachedFree) {
    let cached = 0;
    for (const s of slabs) {
      if (s.cache !== c) continue;
      for (let i = 0; i < s.objects; i++) if (s.allocated[i] && model.isCachedFree(s, i)) cached++;
    }
    if (cached !== seen.size) report(`${c.name}: the model counts ${cached} objects as waiting in array caches, the arrays hold ${seen.size}`);
  }
  return count;
}

// ---- pages ----------------------------------------------------------------------------------------------------

function checkPages(m: Machine, found: Found, report: Report): void {
  const sa = m.slab;
  const pa = m.pa;
  const byFirstPfn = new Map<number, Slab>();
  const slabPages = pa.nodes.map(() => [0, 0]);
  for (const s of found.keys()) {
    const other = byFirstPfn.get(s.pfn);
    if (other) report(`${slabName(s)} and ${slabName(other)} start at the same page`);
    byFirstPfn.set(s.pfn, s);
    if (pa.ownerOf(s.pfn) !== L_OWNER_SLAB) report(`${slabName(s)}: its first page is no slab page (owner ${pa.ownerOf(s.pfn)}; freed behind the slab's back?)`);
    else if (pa.allocatedOrder(s.pfn) !== s.order) report(`${slabName(s)}: order ${s.order} but its pages are an order-${pa.allocatedOrder(s.pfn)} block`);
    const z = pa.zoneOf(s.pfn);
    if (z && z.nid !== s.nid) report(`${slabName(s)}: says node ${s.nid}, its pages are on node ${z.nid}`);
    for (let k = 0; k < 1 << s.order; k++) {
      if (sa.slabOf(s.pfn + k) !== s) {
        report(`${slabName(s)}: slabOf(${hex(s.pfn + k)}) does not find it`);
        break;
      }
    }
    const sp = slabPages[s.nid];
    if (sp) sp[s.cache.allocflags & __GFP_RECLAIMABLE ? 0 : 1] += 1 << s.order;
  }
  // The allocator's slab table names only live slabs (reached from a cache), each under its own id.
  sa.liveSlabs().forEach((s, id) => {
    if (s === undefined) return;
    if (!found.has(s) || s.id !== id) report(`slab: the slab table names ${slabName(s)} as id ${id}, which is no slab of a live cache under that id`);
  });
  // Every slab block in the zones is a slab of a live cache; kmalloc_large blocks add up to largePages.
  let large = 0;
  for (const z of pa.zones) {
    const {state, info, order, startPfn, spanned} = z;
    for (let i = 0; i < spanned; i++) {
      if (state[i] !== ALLOC) continue;
      const owner = info[i] >> 2;
      if (owner === L_OWNER_SLAB) {
        if (!byFirstPfn.has(startPfn + i)) report(`node ${z.nid} zone ${z.name} pfn ${hex(startPfn + i)}: an order-${order[i]} slab block that is no slab of a live cache (leaked)`);
      } else if (owner === L_OWNER_LARGE) large += 1 << order[i];
    }
  }
  for (let nid = 0; nid < pa.nodes.length; nid++) {
    const [rcl, unrcl] = sa.slabPages[nid] ?? [0, 0];
    const [wantRcl, wantUnrcl] = slabPages[nid];
    if (rcl !== wantRcl || unrcl !== wantUnrcl)
      report(`slab: node ${nid} counts ${rcl} reclaimable and ${unrcl} unreclaimable slab pages, its slabs have ${wantRcl} and ${wantUnrcl}`);
  }
  if (sa.largePages !== large) report(`slab: largePages is ${sa.largePages}, the kmalloc_large blocks hold ${large} pages`);
}
