// Runs kcall statements against a Machine: the table of calls (data, not branches), argument evaluation
// with handles and kernel constants, and the one-line result a lecturer sees. A failed allocation yields
// NULL (0) like the kernel; a misused API is the kernel's business (it logs a splat) and never an exception.
import type {ContextName, ExecContext} from '../kernel/context.js';
import {__GFP_ZERO, GFP_KERNEL, gfpByName} from '../kernel/gfp.js';
import {type Machine, ZERO_SIZE_PTR} from '../kernel/machine.js';
import {describeCache, describeObject, describeVmalloc} from './describe.js';
import {slabFlagByName} from '../kernel/slab/geometry.js';
import {type Expr, evalExpr, type Stmt} from '../scenario/kcall.js';

/** How an argument is read: a plain integer, GFP or SLAB flags, a pointer, a size in bytes, or a string. */
type ArgKind = 'int' | 'gfp' | 'flags' | 'ptr' | 'size' | 'str';

type CallResult = {value?: bigint; text: string; stallTicks?: number};

type CallSpec = {
  readonly params: readonly (readonly [name: string, kind: ArgKind])[];
  /** Whether the call returns a value a handle can hold. */
  readonly returns: boolean;
  readonly doc: string;
  /** a: the arguments as numbers (0n where a string stands); str: the string arguments by position. */
  readonly run: (m: Machine, ctx: ExecContext, a: readonly bigint[], str: readonly string[]) => CallResult;
};

const hex = (v: bigint) => '0x' + v.toString(16);
/** An `int` argument: a signed 64-bit value (so ~4 is -5, as C would read it). */
const int = (v: bigint) => Number(BigInt.asIntN(64, v));
/** A `size` argument: size_t, unsigned 64-bit (huge values stay huge; above 2^53 they round, which no check minds). */
const u = (v: bigint) => Number(BigInt.asUintN(64, v));
/** GFP and SLAB flags: gfp_t / slab_flags_t are 32-bit unsigned. */
const flags32 = (v: bigint) => Number(BigInt.asUintN(32, v));
/** The call named, if it is one of ours (not an Object.prototype member such as "constructor"). */
function callSpec(name: string): CallSpec | undefined {
  return Object.hasOwn(CALLS, name) ? CALLS[name] : undefined;
}

function pageResult(m: Machine, pfn: number, order: number, stallTicks: number): CallResult {
  if (pfn < 0) return {value: 0n, text: 'NULL', stallTicks};
  const page = m.pfnToPage(pfn);
  return {value: page, text: `(struct page *)${hex(page)}  pfn ${hex(BigInt(pfn))} order ${order}, ${m.describePfn(pfn)}`, stallTicks};
}

function addrResult(m: Machine, addr: bigint, order: number, stallTicks: number): CallResult {
  if (addr === 0n) return {value: 0n, text: 'NULL', stallTicks};
  const pfn = m.virtToPfn(addr) ?? -1;
  return {value: addr, text: `${hex(addr)}  pfn ${hex(BigInt(pfn))} order ${order}, ${m.describePfn(pfn)}`, stallTicks};
}

const freed = (ok: boolean, what: string): CallResult => ({text: ok ? `freed ${what}` : 'refused (see the kernel log)'});

function objResult(m: Machine, r: {addr: bigint; stallTicks: number}): CallResult {
  if (r.addr === 0n) return {value: 0n, text: 'NULL', stallTicks: r.stallTicks};
  if (r.addr === ZERO_SIZE_PTR) return {value: r.addr, text: 'ZERO_SIZE_PTR (0x10)', stallTicks: r.stallTicks};
  const what = m.vm.contains(r.addr) ? describeVmalloc(m, r.addr) : describeObject(m, r.addr);
  return {value: r.addr, text: `${hex(r.addr)}  ${what}`, stallTicks: r.stallTicks};
}

/** The calls of the page allocator, as the kernel names them. */
export const CALLS: Readonly<Record<string, CallSpec>> = {
  alloc_pages_node: {
    params: [['nid', 'int'], ['gfp', 'gfp'], ['order', 'int']],
    returns: true,
    doc: '2^order pages from node nid (-1: this CPU\'s node); a struct page pointer or NULL',
    run: (m, ctx, [nid, gfp, order]) => {
      const r = m.allocPagesNode(ctx, int(nid), flags32(gfp), int(order));
      return pageResult(m, r.pfn, int(order), r.stallTicks);
    },
  },
  alloc_pages: {
    params: [['gfp', 'gfp'], ['order', 'int']],
    returns: true,
    doc: '2^order pages from the calling CPU\'s node',
    run: (m, ctx, [gfp, order]) => {
      const r = m.allocPages(ctx, flags32(gfp), int(order));
      return pageResult(m, r.pfn, int(order), r.stallTicks);
    },
  },
  alloc_page: {
    params: [['gfp', 'gfp']],
    returns: true,
    doc: 'one page',
    run: (m, ctx, [gfp]) => {
      const r = m.allocPages(ctx, flags32(gfp), 0);
      return pageResult(m, r.pfn, 0, r.stallTicks);
    },
  },
  __get_free_pages: {
    params: [['gfp', 'gfp'], ['order', 'int']],
    returns: true,
    doc: '2^order pages; their direct-map address or 0',
    run: (m, ctx, [gfp, order]) => {
      const r = m.getFreePages(ctx, flags32(gfp), int(order));
      return addrResult(m, r.addr, int(order), r.stallTicks);
    },
  },
  __get_free_page: {
    params: [['gfp', 'gfp']],
    returns: true,
    doc: 'one page; its address or 0',
    run: (m, ctx, [gfp]) => {
      const r = m.getFreePages(ctx, flags32(gfp), 0);
      return addrResult(m, r.addr, 0, r.stallTicks);
    },
  },
  get_zeroed_page: {
    params: [['gfp', 'gfp']],
    returns: true,
    doc: 'one zeroed page; its address or 0',
    run: (m, ctx, [gfp]) => {
      const r = m.getFreePages(ctx, flags32(gfp) | __GFP_ZERO, 0);
      return addrResult(m, r.addr, 0, r.stallTicks);
    },
  },
  __free_pages: {
    params: [['page', 'ptr'], ['order', 'int']],
    returns: false,
    doc: 'give back 2^order pages by struct page pointer',
    run: (m, ctx, [page, order]) => freed(m.freePagesPage(ctx, page, int(order)), `order ${int(order)}`),
  },
  __free_page: {
    params: [['page', 'ptr']],
    returns: false,
    doc: 'give back one page by struct page pointer',
    run: (m, ctx, [page]) => freed(m.freePagesPage(ctx, page, 0), 'order 0'),
  },
  free_pages: {
    params: [['addr', 'ptr'], ['order', 'int']],
    returns: false,
    doc: 'give back 2^order pages by address (0 is ignored)',
    run: (m, ctx, [addr, order]) => (addr === 0n ? {text: 'NULL: nothing to free'} : freed(m.freePagesAddr(ctx, addr, int(order)), `order ${int(order)}`)),
  },
  free_page: {
    params: [['addr', 'ptr']],
    returns: false,
    doc: 'give back one page by address',
    run: (m, ctx, [addr]) => (addr === 0n ? {text: 'NULL: nothing to free'} : freed(m.freePagesAddr(ctx, addr, 0), 'order 0')),
  },
  filemap_read: {
    params: [['size', 'size']],
    returns: false,
    doc: 'read a file of size bytes into the page cache (reclaimable pages on the LRU)',
    run: (m, ctx, [size]) => {
      const r = m.pageCacheRead(ctx, u(size));
      return {text: `${r.pages} page-cache pages`, stallTicks: r.stallTicks};
    },
  },
  drop_caches: {
    params: [],
    returns: false,
    doc: 'echo 1 > /proc/sys/vm/drop_caches: free all page-cache pages',
    run: (m, ctx) => ({text: `dropped ${m.dropCaches(ctx)} page-cache pages`}),
  },
  kmalloc: {
    params: [['size', 'size'], ['gfp', 'gfp']],
    returns: true,
    doc: 'an object from the kmalloc size class for size (kmalloc_large above 8K); NULL on failure',
    run: (m, ctx, [size, gfp]) => objResult(m, m.kmalloc(ctx, u(size), flags32(gfp))),
  },
  kzalloc: {
    params: [['size', 'size'], ['gfp', 'gfp']],
    returns: true,
    doc: 'kmalloc with __GFP_ZERO',
    run: (m, ctx, [size, gfp]) => objResult(m, m.kmalloc(ctx, u(size), flags32(gfp) | __GFP_ZERO)),
  },
  kmalloc_array: {
    params: [['n', 'int'], ['size', 'size'], ['gfp', 'gfp']],
    returns: true,
    doc: 'n objects of size bytes; NULL if n * size overflows',
    run: (m, ctx, [n, size, gfp]) => objResult(m, m.kmallocArray(ctx, n, size, flags32(gfp))),
  },
  krealloc: {
    params: [['p', 'ptr'], ['size', 'size'], ['gfp', 'gfp']],
    returns: true,
    doc: 'resize: the same object while it fits (ksize), else a new one with the old freed',
    run: (m, ctx, [p, size, gfp]) => objResult(m, m.krealloc(ctx, p, u(size), flags32(gfp))),
  },
  ksize: {
    params: [['p', 'ptr']],
    returns: true,
    doc: 'the usable size of an object',
    run: (m, _ctx, [p]) => {
      const n = m.ksize(p);
      return {value: BigInt(n), text: `${n}`};
    },
  },
  kfree: {
    params: [['p', 'ptr']],
    returns: false,
    doc: 'free a kmalloc object (NULL and ZERO_SIZE_PTR are ignored)',
    run: (m, ctx, [p]) => (p === 0n || p === ZERO_SIZE_PTR ? {text: 'nothing to free'} : freed(m.kfree(ctx, p), 'the object')),
  },
  kmem_cache_create: {
    params: [['name', 'str'], ['size', 'size'], ['align', 'int'], ['flags', 'flags']],
    returns: true,
    doc: 'a cache of size-byte objects; SLAB_HWCACHE_ALIGN, SLAB_CACHE_DMA, SLAB_RECLAIM_ACCOUNT, SLAB_PANIC',
    run: (m, ctx, [, size, align, flags], [name]) => {
      const c = m.kmemCacheCreate(ctx, name, u(size), int(align), flags32(flags));
      if (c === 0n) return {value: 0n, text: 'NULL'};
      return {value: c, text: `(struct kmem_cache *)${hex(c)}  ${describeCache(m, c)}`};
    },
  },
  kmem_cache_alloc: {
    params: [['cache', 'ptr'], ['gfp', 'gfp']],
    returns: true,
    doc: 'an object of the cache; NULL on failure',
    run: (m, ctx, [c, gfp]) => objResult(m, m.kmemCacheAlloc(ctx, c, flags32(gfp))),
  },
  kmem_cache_zalloc: {
    params: [['cache', 'ptr'], ['gfp', 'gfp']],
    returns: true,
    doc: 'kmem_cache_alloc with __GFP_ZERO',
    run: (m, ctx, [c, gfp]) => objResult(m, m.kmemCacheAlloc(ctx, c, flags32(gfp) | __GFP_ZERO)),
  },
  kmem_cache_free: {
    params: [['cache', 'ptr'], ['p', 'ptr']],
    returns: false,
    doc: 'give an object back to its cache',
    run: (m, ctx, [c, p]) => freed(m.kmemCacheFree(ctx, c, p), 'the object'),
  },
  kmem_cache_shrink: {
    params: [['cache', 'ptr']],
    returns: false,
    doc: 'free the cache\'s empty slabs',
    run: (m, ctx, [c]) => ({text: `freed ${m.kmemCacheShrink(ctx, c)} empty slabs`}),
  },
  kmem_cache_destroy: {
    params: [['cache', 'ptr']],
    returns: false,
    doc: 'destroy a cache (refused while it has objects)',
    run: (m, ctx, [c]) => ({text: m.kmemCacheDestroy(ctx, c) ? 'destroyed' : 'refused (see the kernel log)'}),
  },
  vmalloc: {
    params: [['size', 'size']],
    returns: true,
    doc: 'size bytes of virtually contiguous memory from order-0 pages, in the vmalloc region (+ a guard page)',
    run: (m, ctx, [size]) => objResult(m, m.vmalloc(ctx, u(size))),
  },
  vzalloc: {
    params: [['size', 'size']],
    returns: true,
    doc: 'vmalloc, zeroed',
    run: (m, ctx, [size]) => objResult(m, m.vmalloc(ctx, u(size), GFP_KERNEL | __GFP_ZERO)),
  },
  vmalloc_node: {
    params: [['size', 'size'], ['nid', 'int']],
    returns: true,
    doc: 'vmalloc with the pages from node nid',
    run: (m, ctx, [size, nid]) => objResult(m, m.vmalloc(ctx, u(size), GFP_KERNEL, int(nid))),
  },
  __vmalloc: {
    params: [['size', 'size'], ['gfp', 'gfp']],
    returns: true,
    doc: 'vmalloc with GFP flags (a non-sleeping mask is a bug)',
    run: (m, ctx, [size, gfp]) => objResult(m, m.vmalloc(ctx, u(size), flags32(gfp))),
  },
  vfree: {
    params: [['p', 'ptr']],
    returns: false,
    doc: 'unmap without a TLB flush and free lazily (deferred in interrupt context, as vfree_atomic)',
    run: (m, ctx, [p]) => (p === 0n ? {text: 'nothing to free'} : freed(m.vfree(ctx, p), 'the area (lazily)')),
  },
  ioremap: {
    params: [['phys', 'size'], ['size', 'size']],
    returns: true,
    doc: 'map device memory (not RAM) into the vmalloc region',
    run: (m, ctx, [phys, size]) => objResult(m, {addr: m.ioremap(ctx, u(phys), u(size)), stallTicks: 0}),
  },
  iounmap: {
    params: [['p', 'ptr']],
    returns: false,
    doc: 'unmap an ioremap area',
    run: (m, ctx, [p]) => freed(m.iounmap(ctx, p), 'the mapping (lazily)'),
  },
  kvmalloc: {
    params: [['size', 'size'], ['gfp', 'gfp']],
    returns: true,
    doc: 'kmalloc, falling back to vmalloc for sleeping requests',
    run: (m, ctx, [size, gfp]) => objResult(m, m.kvmalloc(ctx, u(size), flags32(gfp))),
  },
  kvzalloc: {
    params: [['size', 'size'], ['gfp', 'gfp']],
    returns: true,
    doc: 'kvmalloc, zeroed',
    run: (m, ctx, [size, gfp]) => objResult(m, m.kvmalloc(ctx, u(size), flags32(gfp) | __GFP_ZERO)),
  },
  kvfree: {
    params: [['p', 'ptr']],
    returns: false,
    doc: 'vfree or kfree, whichever fits the address',
    run: (m, ctx, [p]) => (p === 0n || p === ZERO_SIZE_PTR ? {text: 'nothing to free'} : freed(m.kvfree(ctx, p), 'it')),
  },
  drain_all_pages: {
    params: [],
    returns: false,
    doc: 'return every CPU\'s per-CPU pages to the buddy lists',
    run: (m) => ({text: `drained ${m.drainAllPages()} pages`}),
  },
};

/** Constants a kcall may name besides handles: GFP and SLAB flags, NULL, ZERO_SIZE_PTR and NUMA_NO_NODE. */
export function constantValue(name: string): bigint | undefined {
  if (name === 'NULL') return 0n;
  if (name === 'ZERO_SIZE_PTR') return ZERO_SIZE_PTR;
  if (name === 'NUMA_NO_NODE') return BigInt.asUintN(64, -1n);
  const g = gfpByName(name) ?? slabFlagByName(name);
  return g === undefined ? undefined : BigInt(g);
}

export type ExecError = {line: number; col: number; message: string};
export type ExecOutcome = {ok: true; text: string; stallTicks: number} | {ok: false; error: ExecError};

/**
 * Static check of one statement, before anything runs: the call exists, it gets as many arguments as it
 * takes, only value-returning calls are assigned, and every name is a constant or a handle in `known`.
 */
export function checkStmt(s: Stmt, known: ReadonlySet<string>, nrCpus: number): ExecError | undefined {
  const spec = callSpec(s.call);
  if (!spec) return {...s.callPos, message: `unknown call ${s.call}, expected one of: ${Object.keys(CALLS).join(', ')}`};
  if (s.args.length !== spec.params.length) {
    const sig = spec.params.map((p) => p[0]).join(', ');
    return {...s.callPos, message: `found ${s.args.length} argument${s.args.length === 1 ? '' : 's'}, expected ${spec.params.length}: ${s.call}(${sig})`};
  }
  if (s.target && !spec.returns) return {...s.target.pos, message: `${s.call} returns nothing, expected a call that returns a value to assign to ${s.target.name}`};
  if (s.cpu !== undefined && s.cpu >= nrCpus) return {...s.pos, message: `found @cpu${s.cpu}, expected a CPU of this machine: 0-${nrCpus - 1}`};
  for (let i = 0; i < s.args.length; i++) {
    const a = s.args[i];
    const kind = spec.params[i][1];
    if (kind === 'str') {
      if (a.kind !== 'str') return {...a.pos, message: `found ${a.kind === 'ident' ? a.name : 'an expression'}, expected a string in double quotes for ${spec.params[i][0]}`};
      continue;
    }
    const bad = unknownName(a, known);
    if (bad) return {...bad.pos, message: `unknown name ${bad.name}, expected a handle assigned earlier or a constant such as GFP_KERNEL`};
    if (a.kind === 'str') return {...a.pos, message: `found a string, expected a number or a name`};
  }
  return undefined;
}

function unknownName(e: Expr, known: ReadonlySet<string>): {name: string; pos: {line: number; col: number}} | undefined {
  switch (e.kind) {
    case 'ident':
      return known.has(e.name) || constantValue(e.name) !== undefined ? undefined : {name: e.name, pos: e.pos};
    case 'or':
    case 'and':
      return unknownName(e.left, known) ?? unknownName(e.right, known);
    case 'not':
      return unknownName(e.operand, known);
    default:
      return undefined;
  }
}

/** Run one statement with the handles in env; the statement's own @cpu/context override the default ctx. */
export function execStmt(m: Machine, s: Stmt, env: Map<string, bigint>, defaults: {cpu: number; context: ContextName; comm: string}): ExecOutcome {
  const bad = checkStmt(s, new Set(env.keys()), m.nrCpus);
  if (bad) return {ok: false, error: bad};
  const spec = callSpec(s.call)!;
  const args: bigint[] = [];
  const strs: string[] = [];
  for (const a of s.args) {
    if (a.kind === 'str') {
      args.push(0n);
      strs.push(a.value);
      continue;
    }
    const r = evalExpr(a, (n) => env.get(n) ?? constantValue(n));
    if (!r.ok) return {ok: false, error: r.error};
    args.push(r.value);
    strs.push('');
  }
  const ctx = m.ctx(s.cpu ?? defaults.cpu, s.context ?? defaults.context, defaults.comm);
  const r = spec.run(m, ctx, args, strs);
  if (s.target && r.value !== undefined) env.set(s.target.name, r.value);
  // A kcall runs in no task of the machine, so nothing sleeps: the caller is told what a task would have slept.
  const stall = r.stallTicks ? ` (direct reclaim: a task would sleep ${r.stallTicks} tick${r.stallTicks === 1 ? '' : 's'}, ${r.stallTicks * 200} ms)` : '';
  return {ok: true, text: `${s.target ? `${s.target.name} = ` : ''}${r.text}${stall}`, stallTicks: r.stallTicks ?? 0};
}

/** One line per call for help screens: "alloc_pages_node(nid, gfp, order)  2^order pages ...". */
export function callSignatures(): string[] {
  return Object.entries(CALLS).map(([name, c]) => `${name}(${c.params.map((p) => p[0]).join(', ')})  ${c.doc}`);
}
