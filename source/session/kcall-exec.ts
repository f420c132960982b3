// Runs kcall statements against a Machine: the table of calls (data, not branches), argument evaluation
// with handles and kernel constants, and the one-line result a lecturer sees. A failed allocation yields
// NULL (0) like the kernel; a misused API is the kernel's business (it logs a splat) and never an exception.
import type {ContextName, ExecContext} from '../kernel/context.js';
import {gfpByName} from '../kernel/gfp.js';
import type {Machine} from '../kernel/machine.js';
import {type Expr, evalExpr, type Stmt} from '../scenario/kcall.js';

/** How an argument is read: a plain integer, GFP flags, a pointer, or a size in bytes. */
type ArgKind = 'int' | 'gfp' | 'ptr' | 'size';

type CallResult = {value?: bigint; text: string; stallTicks?: number};

type CallSpec = {
  readonly params: readonly (readonly [name: string, kind: ArgKind])[];
  /** Whether the call returns a value a handle can hold. */
  readonly returns: boolean;
  readonly doc: string;
  readonly run: (m: Machine, ctx: ExecContext, a: readonly bigint[]) => CallResult;
};

const hex = (v: bigint) => '0x' + v.toString(16);
const int = (v: bigint) => Number(BigInt.asIntN(64, v));

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

/** The calls of the page allocator, as the kernel names them. */
export const CALLS: Readonly<Record<string, CallSpec>> = {
  alloc_pages_node: {
    params: [['nid', 'int'], ['gfp', 'gfp'], ['order', 'int']],
    returns: true,
    doc: '2^order pages from node nid (-1: this CPU\'s node); a struct page pointer or NULL',
    run: (m, ctx, [nid, gfp, order]) => {
      const r = m.allocPagesNode(ctx, int(nid), int(gfp), int(order));
      return pageResult(m, r.pfn, int(order), r.stallTicks);
    },
  },
  alloc_pages: {
    params: [['gfp', 'gfp'], ['order', 'int']],
    returns: true,
    doc: '2^order pages from the calling CPU\'s node',
    run: (m, ctx, [gfp, order]) => {
      const r = m.allocPages(ctx, int(gfp), int(order));
      return pageResult(m, r.pfn, int(order), r.stallTicks);
    },
  },
  alloc_page: {
    params: [['gfp', 'gfp']],
    returns: true,
    doc: 'one page',
    run: (m, ctx, [gfp]) => {
      const r = m.allocPages(ctx, int(gfp), 0);
      return pageResult(m, r.pfn, 0, r.stallTicks);
    },
  },
  __get_free_pages: {
    params: [['gfp', 'gfp'], ['order', 'int']],
    returns: true,
    doc: '2^order pages; their direct-map address or 0',
    run: (m, ctx, [gfp, order]) => {
      const r = m.getFreePages(ctx, int(gfp), int(order));
      return addrResult(m, r.addr, int(order), r.stallTicks);
    },
  },
  __get_free_page: {
    params: [['gfp', 'gfp']],
    returns: true,
    doc: 'one page; its address or 0',
    run: (m, ctx, [gfp]) => {
      const r = m.getFreePages(ctx, int(gfp), 0);
      return addrResult(m, r.addr, 0, r.stallTicks);
    },
  },
  get_zeroed_page: {
    params: [['gfp', 'gfp']],
    returns: true,
    doc: 'one zeroed page; its address or 0',
    run: (m, ctx, [gfp]) => {
      const r = m.getFreePages(ctx, int(gfp) | 0x100, 0);
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
      const r = m.pageCacheRead(ctx, int(size));
      return {text: `${r.pages} page-cache pages`, stallTicks: r.stallTicks};
    },
  },
  drop_caches: {
    params: [],
    returns: false,
    doc: 'echo 1 > /proc/sys/vm/drop_caches: free all page-cache pages',
    run: (m, ctx) => ({text: `dropped ${m.dropCaches(ctx)} page-cache pages`}),
  },
  drain_all_pages: {
    params: [],
    returns: false,
    doc: 'return every CPU\'s per-CPU pages to the buddy lists',
    run: (m) => ({text: `drained ${m.drainAllPages()} pages`}),
  },
};

/** Constants a kcall may name besides handles: GFP flags, NULL and NUMA_NO_NODE. */
export function constantValue(name: string): bigint | undefined {
  if (name === 'NULL') return 0n;
  if (name === 'NUMA_NO_NODE') return BigInt.asUintN(64, -1n);
  const g = gfpByName(name);
  return g === undefined ? undefined : BigInt(g);
}

export type ExecError = {line: number; col: number; message: string};
export type ExecOutcome = {ok: true; text: string; stallTicks: number} | {ok: false; error: ExecError};

/**
 * Static check of one statement, before anything runs: the call exists, it gets as many arguments as it
 * takes, only value-returning calls are assigned, and every name is a constant or a handle in `known`.
 */
export function checkStmt(s: Stmt, known: ReadonlySet<string>, nrCpus: number): ExecError | undefined {
  const spec = CALLS[s.call];
  if (!spec) return {...s.callPos, message: `unknown call ${s.call}, expected one of: ${Object.keys(CALLS).join(', ')}`};
  if (s.args.length !== spec.params.length) {
    const sig = spec.params.map((p) => p[0]).join(', ');
    return {...s.callPos, message: `found ${s.args.length} argument${s.args.length === 1 ? '' : 's'}, expected ${spec.params.length}: ${s.call}(${sig})`};
  }
  if (s.target && !spec.returns) return {...s.target.pos, message: `${s.call} returns nothing, expected a call that returns a value to assign to ${s.target.name}`};
  if (s.cpu !== undefined && s.cpu >= nrCpus) return {...s.pos, message: `found @cpu${s.cpu}, expected a CPU of this machine: 0-${nrCpus - 1}`};
  for (const a of s.args) {
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
  const spec = CALLS[s.call];
  const args: bigint[] = [];
  for (const a of s.args) {
    const r = evalExpr(a, (n) => env.get(n) ?? constantValue(n));
    if (!r.ok) return {ok: false, error: r.error};
    args.push(r.value);
  }
  const ctx = m.ctx(s.cpu ?? defaults.cpu, s.context ?? defaults.context, defaults.comm);
  const r = spec.run(m, ctx, args);
  if (s.target && r.value !== undefined) env.set(s.target.name, r.value);
  const stall = r.stallTicks ? ` (slept ${r.stallTicks} tick${r.stallTicks === 1 ? '' : 's'} in direct reclaim)` : '';
  return {ok: true, text: `${s.target ? `${s.target.name} = ` : ''}${r.text}${stall}`, stallTicks: r.stallTicks ?? 0};
}

/** One line per call for help screens: "alloc_pages_node(nid, gfp, order)  2^order pages ...". */
export function callSignatures(): string[] {
  return Object.entries(CALLS).map(([name, c]) => `${name}(${c.params.map((p) => p[0]).join(', ')})  ${c.doc}`);
}
