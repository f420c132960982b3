// The per-cache figures both models report, so the panes and --json can compare SLUB with classic SLAB:
// slabinfo's columns as each kernel computes them (get_slabinfo() in mm/slub.c and in the old mm/slab.c),
// plus what the kernel does not print: slabs by fill (full, partial, empty) and by place, per node and per CPU.
import {type KmemCache, ON_CPU, ON_CPU_PARTIAL, ON_FREE, ON_FULL, ON_PARTIAL, PLACE_NAMES, type Slab} from './cache.js';

export type NodeFigures = {node: number; slabs: number; objects: number; inuse: number; partial: number; full: number; free: number};
export type CpuFigures = {cpu: number; slab: number | null; slab_inuse: number; partial_slabs: number; array_avail: number; array_limit: number};

export type CacheFigures = {
  name: string;
  /** slabinfo columns, as the model's kernel computes them. */
  active_objs: number;
  num_objs: number;
  objsize: number;
  objperslab: number;
  pagesperslab: number;
  limit: number;
  batchcount: number;
  sharedfactor: number;
  active_slabs: number;
  num_slabs: number;
  shared_avail: number;
  /** Objects really in use (slabinfo's active_objs also counts objects sitting in CPU slabs or arrays). */
  inuse_objs: number;
  object_size: number;
  align: number;
  /** Slabs by fill. */
  full: number;
  partial: number;
  empty: number;
  /** Slabs by place: cpu, cpu_partial, partial, full, free. */
  places: Record<(typeof PLACE_NAMES)[number], number>;
  nodes: NodeFigures[];
  cpus: CpuFigures[];
};

/** Every slab of a cache, wherever it is. */
export function* slabsOf(c: KmemCache): IterableIterator<Slab> {
  for (const cc of c.cpus) {
    if (cc.slab) yield cc.slab;
    yield* cc.partial;
  }
  for (const n of c.nodes) {
    yield* n.partial;
    yield* n.full;
    yield* n.free;
  }
}

export function cacheFigures(c: KmemCache, model: 'slub' | 'slab'): CacheFigures {
  const places = {cpu: 0, cpu_partial: 0, partial: 0, full: 0, free: 0};
  let full = 0;
  let partial = 0;
  let empty = 0;
  let numObjs = 0;
  let numSlabs = 0;
  let freeInNodePartial = 0;
  let freeInNodeSlabs = 0;
  let freeSlabs = 0;
  const nodes: NodeFigures[] = c.nodes.map((n) => ({node: n.nid, slabs: 0, objects: 0, inuse: 0, partial: 0, full: 0, free: 0}));
  for (const s of slabsOf(c)) {
    numSlabs++;
    numObjs += s.objects;
    if (s.inuse === 0) empty++;
    else if (s.nfree === 0) full++;
    else partial++;
    places[PLACE_NAMES[s.place]]++;
    const nf = nodes[s.nid];
    nf.slabs++;
    nf.objects += s.objects;
    nf.inuse += s.inuse;
    if (s.place === ON_PARTIAL) {
      nf.partial++;
      freeInNodePartial += s.nfree;
    }
    if (s.place === ON_FULL) nf.full++;
    if (s.place === ON_FREE) {
      nf.free++;
      freeSlabs++;
    }
    if (s.place !== ON_CPU && s.place !== ON_CPU_PARTIAL) freeInNodeSlabs += s.nfree;
  }
  const cpus: CpuFigures[] = c.cpus.map((cc) => ({
    cpu: cc.cpu,
    slab: cc.slab ? cc.slab.pfn : null,
    slab_inuse: cc.slab ? cc.slab.inuse : 0,
    partial_slabs: cc.partial.count,
    array_avail: cc.entries.length,
    array_limit: cc.limit,
  }));
  const sharedAvail = c.nodes.reduce((a, n) => a + n.shared.length, 0);
  // SLUB: objects not on a node partial list count as active (count_partial). SLAB: free objects of the
  // node's slabs are free; objects in the array caches are allocated as far as the slabs know.
  const slub = model === 'slub';
  return {
    name: c.name,
    active_objs: slub ? numObjs - freeInNodePartial : numObjs - freeInNodeSlabs,
    num_objs: numObjs,
    objsize: c.size,
    objperslab: c.geo.objects,
    pagesperslab: 1 << c.geo.order,
    limit: c.limit,
    batchcount: c.batchcount,
    sharedfactor: c.sharedFactor,
    active_slabs: slub ? numSlabs : numSlabs - freeSlabs,
    num_slabs: numSlabs,
    shared_avail: sharedAvail,
    // The user's count: classic SLAB's array caches hold objects the slabs count as allocated.
    inuse_objs: c.inuse,
    object_size: c.objectSize,
    align: c.geo.align,
    full,
    partial,
    empty,
    places,
    nodes,
    cpus,
  };
}

/** The columns /proc/slabinfo prints: what a parser of a real kernel's file gets back. */
export type SlabinfoColumns = Pick<
  CacheFigures,
  | 'name'
  | 'active_objs'
  | 'num_objs'
  | 'objsize'
  | 'objperslab'
  | 'pagesperslab'
  | 'limit'
  | 'batchcount'
  | 'sharedfactor'
  | 'active_slabs'
  | 'num_slabs'
  | 'shared_avail'
>;

/** mm/slab_common.c cache_show(): one line of /proc/slabinfo. */
export function slabinfoLine(f: SlabinfoColumns): string {
  const r = (v: number, w: number) => String(v).padStart(w);
  return (
    `${f.name.padEnd(17)} ${r(f.active_objs, 6)} ${r(f.num_objs, 6)} ${r(f.objsize, 6)} ${r(f.objperslab, 4)} ${r(f.pagesperslab, 4)}` +
    ` : tunables ${r(f.limit, 4)} ${r(f.batchcount, 4)} ${r(f.sharedfactor, 4)}` +
    ` : slabdata ${r(f.active_slabs, 6)} ${r(f.num_slabs, 6)} ${r(f.shared_avail, 6)}`
  );
}

export const SLABINFO_HEADER =
  'slabinfo - version: 2.1\n' +
  '# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>\n';
