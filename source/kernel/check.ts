// The invariant checker (DESIGN §6) for the buddy allocator. The kernel states these as VM_BUG_ON_PAGE() and
// CONFIG_DEBUG_VM checks spread over mm/page_alloc.c (page_expected_state, __free_one_page's buddy checks,
// check_new_page, the list_del poisoning); here they are gathered in one pass over a machine that returns what
// is wrong, one line per violation, naming the node, the zone and the pfn.
//
// What is checked, per zone:
// - the page walk: every pfn is in exactly one block or is a hole / reserved page; a PG_BUDDY / PG_ALLOC / PG_PCP
//   head of order o is aligned to 2^o (absolute pfn) and covers 2^o PG_TAIL pages inside the zone; holes and
//   reserved pages are exactly the machine config's; present / managed agree with the walk;
// - the free lists: well formed (prev/next, head/tail, no cycles), each block PG_BUDDY of the list's order and
//   of the type its info byte names, on exactly one list; counts equal freeCount, nrFree and freePages;
// - coalescing: no free block has a free buddy of its order, except where __free_one_page() refuses to merge
//   (at order >= pageblock_order when one pageblock is HighAtomic and the other is not), and, once HighAtomic
//   pageblocks have been reserved, at order >= pageblock_order at all (unreserve leaves such pairs: checkBuddy);
// - the per-CPU lists: well formed, PG_PCP blocks of the list's order (<= COSTLY_ORDER) and type, pcpCount right;
// - the LRU: well formed, only order-0 page-cache pages, every page-cache page on it, lruCount right;
// - the HighAtomic reserve: nrReservedHighatomic a multiple of pageblock_nr_pages, at least the HighAtomic
//   pageblocks' pages and below the cap reserve_highatomic_pageblock() applies. It is not asserted equal to them:
//   the 6.6 code this follows does not keep that (see the note at checkHighatomic).
import {hex, mtName} from './free-blocks.js';
import type {Machine} from './machine.js';
import {
  COSTLY_ORDER,
  MAX_ORDER,
  MIGRATE_HIGHATOMIC,
  MIGRATE_PCPTYPES,
  NR_MIGRATETYPES,
  NR_ORDERS,
  OWNER_NAMES,
  OWNER_PAGECACHE,
  OWNER_USER,
  PAGEBLOCK_ORDER,
  PAGEBLOCK_PAGES,
  PG_ALLOC,
  PG_BUDDY,
  PG_HOLE,
  PG_PCP,
  PG_RESERVED,
  PG_TAIL,
} from './page-alloc/types.js';
import {NR_PCP_LISTS} from './page-alloc/pcp.js';
import type {Zone} from './page-alloc/zone.js';
import {checkSlab} from './slab/check-slab.js';
import {checkVmalloc} from './vmalloc/check-vmalloc.js';

const NIL = -1;
// Local copies of the constants the per-page and per-block loops use: under a test runner's module transform
// (vitest, tsx) an imported binding is a getter call, which costs more than the loop body around it. L_ = local.
const TAIL: number = PG_TAIL;
const BUDDY: number = PG_BUDDY;
const ALLOC: number = PG_ALLOC;
const PCP: number = PG_PCP;
const RESERVED: number = PG_RESERVED;
const HOLE: number = PG_HOLE;
const L_COSTLY_ORDER: number = COSTLY_ORDER;
const L_MAX_ORDER: number = MAX_ORDER;
const L_PCPTYPES: number = MIGRATE_PCPTYPES;
const L_NR_MT: number = NR_MIGRATETYPES;
const L_OWNER_PAGECACHE: number = OWNER_PAGECACHE;
const L_OWNER_USER: number = OWNER_USER;
const L_PAGEBLOCK_ORDER: number = PAGEBLOCK_ORDER;
/** More lines than this from one check say nothing more: the rest is counted. */
const MAX_REPORTS = 1000;
const STATE_NAMES = ['PG_TAIL', 'PG_BUDDY', 'PG_ALLOC', 'PG_PCP', 'PG_RESERVED', 'PG_HOLE'] as const;

// What a page is on, while the lists are walked.
const ON_NONE = 0;
const ON_FREE = 1;
const ON_PCP = 2;
const ON_LRU = 3;
const ON_NAMES = ['no list', 'a free list', 'a per-CPU list', 'the LRU'] as const;

// What the machine config says a pfn is.
const EXPECT_MEMORY = 0;
const EXPECT_RESERVED = 1;
const EXPECT_HOLE = 2;

type Report = (line: string) => void;

/** Every violated invariant of the machine's page allocator, one line each; [] when all is well. */
export function check(m: Machine): string[] {
  const out: string[] = [];
  let dropped = 0;
  const report: Report = (line) => {
    if (out.length < MAX_REPORTS) out.push(line);
    else dropped++;
  };
  checkZoneLayout(m, report);
  for (const node of m.pa.nodes) {
    for (const zone of node.zones) {
      if (zone.spanned === 0) {
        checkEmptyZone(zone, report);
        continue;
      }
      checkZone(m, zone, report);
    }
  }
  checkSlab(m, report);
  checkVmalloc(m, report);
  if (dropped > 0) out.push(`... and ${dropped} more violations`);
  return out;
}

function where(z: Zone, pfn?: number): string {
  return pfn === undefined ? `node ${z.nid} zone ${z.name}` : `node ${z.nid} zone ${z.name} pfn ${hex(pfn)}`;
}

function stateName(s: number): string {
  return STATE_NAMES[s] ?? `unknown state ${s}`;
}

function listName(order: number, mt: number): string {
  return `free_area[${order}].free_list[${mtName(mt)}]`;
}

function pcpListName(cpu: number, order: number, mt: number): string {
  return `cpu ${cpu} pcp list (order ${order}, ${mtName(mt)})`;
}

/** Populated zones are in pfn order and do not overlap; each node's zones lie inside the node. */
function checkZoneLayout(m: Machine, report: Report): void {
  const zones = m.pa.zones;
  for (let i = 1; i < zones.length; i++) {
    const a = zones[i - 1];
    const b = zones[i];
    if (b.startPfn < a.endPfn) report(`${where(b, b.startPfn)}: zone overlaps node ${a.nid} zone ${a.name} (ends at ${hex(a.endPfn)})`);
  }
  for (const node of m.pa.nodes) {
    for (const z of node.zones) {
      if (z.spanned > 0 && (z.startPfn < node.startPfn || z.endPfn > node.endPfn))
        report(`${where(z, z.startPfn)}: zone [${hex(z.startPfn)}, ${hex(z.endPfn)}) lies outside node ${node.nid} [${hex(node.startPfn)}, ${hex(node.endPfn)})`);
    }
  }
}

function checkEmptyZone(z: Zone, report: Report): void {
  if (z.present !== 0 || z.managed !== 0 || z.freePages !== 0 || z.lruCount !== 0)
    report(`${where(z)}: empty zone has present ${z.present}, managed ${z.managed}, free ${z.freePages}, lru ${z.lruCount}`);
}

/** What the machine config says each pfn of a zone is, and a prefix count of its non-memory pages. */
type Layout = {readonly expect: Uint8Array; readonly nonMemory: Int32Array};

/** The config does not change after boot, so a zone's layout is worked out once. */
const layouts = new WeakMap<Zone, Layout>();

/** The holes and reservations of the config, as boot() applied them: a hole wins over a reservation. */
function expectedLayout(m: Machine, z: Zone): Layout {
  const cached = layouts.get(z);
  if (cached) return cached;
  const expect = new Uint8Array(z.spanned);
  const paint = (start: number, end: number, what: number) => {
    const s = Math.max(start, z.startPfn) - z.startPfn;
    const e = Math.min(end, z.endPfn) - z.startPfn;
    if (e <= s) return;
    if (what === EXPECT_HOLE) expect.fill(EXPECT_HOLE, s, e);
    else for (let i = s; i < e; i++) if (expect[i] === EXPECT_MEMORY) expect[i] = what;
  };
  for (const h of m.config.holes) paint(h.start, h.end, EXPECT_HOLE);
  for (const r of m.config.reserved) paint(r.start, r.end, EXPECT_RESERVED);
  const nonMemory = new Int32Array(z.spanned + 1);
  for (let i = 0; i < z.spanned; i++) nonMemory[i + 1] = nonMemory[i] + (expect[i] === EXPECT_MEMORY ? 0 : 1);
  const layout = {expect, nonMemory};
  layouts.set(z, layout);
  return layout;
}

function checkZone(m: Machine, z: Zone, report: Report): void {
  const seen = newSeen(z);
  checkFreeLists(z, seen, report);
  checkPcpLists(z, seen, report);
  checkLru(z, seen, report);
  walkPages(m, z, seen, report);
  checkHighatomic(z, report);
}

// ---- the page walk --------------------------------------------------------------------------------------------

function walkPages(m: Machine, z: Zone, seen: Seen, report: Report): void {
  const {state, order, info, startPfn, spanned} = z;
  const {expect, nonMemory} = expectedLayout(m, z);
  const highatomicEver = m.pa.stats.highatomicReserved > 0;
  let holes = 0;
  let reserved = 0;
  let inBlocks = 0;
  let anon = 0;
  let i = 0;
  while (i < spanned) {
    const s = state[i];
    const pfn = startPfn + i;
    if (s === HOLE || s === RESERVED) {
      const want = s === HOLE ? EXPECT_HOLE : EXPECT_RESERVED;
      if (expect[i] !== want) {
        const is = expect[i] === EXPECT_HOLE ? 'a hole' : expect[i] === EXPECT_RESERVED ? 'reserved' : 'memory given to the buddy allocator';
        report(`${where(z, pfn)}: page is ${stateName(s)} but the machine config says it is ${is}`);
      }
      if (s === HOLE) holes++;
      else reserved++;
      i++;
      continue;
    }
    if (s === TAIL) {
      // A run of tail pages that no head covers.
      let j = i + 1;
      while (j < spanned && state[j] === TAIL) j++;
      const last = startPfn + j - 1;
      report(`${where(z, pfn)}: PG_TAIL page${j - i > 1 ? `s ${hex(pfn)}..${hex(last)}` : ''} outside any block`);
      i = j;
      continue;
    }
    if (s !== BUDDY && s !== ALLOC && s !== PCP) {
      report(`${where(z, pfn)}: ${stateName(s)}`);
      i++;
      continue;
    }
    // A block head.
    const o = order[i];
    const maxOrder = s === PCP ? L_COSTLY_ORDER : L_MAX_ORDER;
    if (o > maxOrder) {
      report(`${where(z, pfn)}: ${stateName(s)} block of order ${o}, above ${maxOrder}`);
      inBlocks++;
      i++;
      continue;
    }
    if (expect[i] !== EXPECT_MEMORY) report(`${where(z, pfn)}: ${stateName(s)} page is ${expect[i] === EXPECT_HOLE ? 'a hole' : 'reserved'} in the machine config`);
    const size = 1 << o;
    if (pfn & (size - 1)) report(`${where(z, pfn)}: ${stateName(s)} block of order ${o} is not aligned to ${size} pages`);
    if (i + size > spanned) {
      report(`${where(z, pfn)}: ${stateName(s)} block of order ${o} runs past the zone's end ${hex(z.endPfn)}`);
    }
    const end = Math.min(i + size, spanned);
    let j = i + 1;
    while (j < end && state[j] === TAIL) j++;
    if (nonMemory[j] - nonMemory[i + 1] !== 0) {
      let k = i + 1;
      while (expect[k] === EXPECT_MEMORY) k++;
      report(`${where(z, startPfn + k)}: inside the ${stateName(s)} block at ${hex(pfn)} but ${expect[k] === EXPECT_HOLE ? 'a hole' : 'reserved'} in the machine config`);
    }
    if (j < end) {
      // A page that also says it is something else: the block and it both claim it.
      report(`${where(z, startPfn + j)}: page is ${stateName(state[j])} but lies inside the ${stateName(s)} block of order ${o} at ${hex(pfn)}`);
    }
    inBlocks += j - i;
    if (s === ALLOC && info[i] >> 2 === L_OWNER_USER) anon += 1 << o;
    checkHead(z, i, s, info[i], o, onKind(seen, i), highatomicEver, report);
    i = j;
  }
  if (anon !== z.anonPages) report(`${where(z)}: ${anon} pages are user pages, anonPages says ${z.anonPages}`);
  const present = spanned - holes;
  if (z.present !== present) report(`${where(z)}: present is ${z.present}, the zone has ${present} pages that are not holes`);
  if (z.managed !== present - reserved) report(`${where(z)}: managed is ${z.managed}, present - reserved is ${present - reserved}`);
  if (z.managed !== inBlocks) report(`${where(z)}: managed is ${z.managed}, the buddy allocator's blocks cover ${inBlocks} pages`);
}

/** What a head says about itself agrees with the list it is on (or not on). */
function checkHead(z: Zone, i: number, s: number, inf: number, o: number, onList: number, highatomicEver: boolean, report: Report): void {
  const pfn = z.startPfn + i;
  if (s === BUDDY) {
    if (inf >= L_NR_MT) report(`${where(z, pfn)}: free block's info ${inf} names no migrate type`);
    if (onList !== ON_FREE) report(`${where(z, pfn)}: free block of order ${o} is on ${ON_NAMES[onList]}, not on ${listName(o, inf)}`);
    else checkBuddy(z, i, o, highatomicEver, report);
  } else if (s === PCP) {
    if (!z.pcpEnabled) report(`${where(z, pfn)}: PG_PCP block but the machine has no per-CPU lists`);
    else if (onList !== ON_PCP) report(`${where(z, pfn)}: PG_PCP block of order ${o} is on ${ON_NAMES[onList]}, not on a per-CPU list`);
  } else {
    const mt = inf & 3;
    const owner = inf >> 2;
    if (mt >= L_PCPTYPES) report(`${where(z, pfn)}: allocated block of migrate type ${mtName(mt)}`);
    if (owner >= OWNER_NAMES.length) report(`${where(z, pfn)}: allocated block with unknown owner ${owner}`);
    if (owner === L_OWNER_PAGECACHE && onList !== ON_LRU) report(`${where(z, pfn)}: page-cache page is on ${ON_NAMES[onList]}, not on the LRU`);
    if (owner !== L_OWNER_PAGECACHE && onList !== ON_NONE) report(`${where(z, pfn)}: allocated block (owner ${OWNER_NAMES[owner] ?? owner}) is on ${ON_NAMES[onList]}`);
  }
}

/**
 * __free_one_page() merges a block with its buddy pfn ^ (1 << order) while the buddy is free at the same
 * order, except at order >= pageblock_order between a HighAtomic pageblock and one of another type.
 * Reported once per pair, at the lower pfn.
 *
 * One more pair is legitimate: unreserve_highatomic_pageblock() retypes a free HighAtomic pageblock and moves
 * its blocks (move_freepages_block) without merging them, so a whole free pageblock that stayed apart from its
 * free buddy because it was HighAtomic stays apart once it is not (Linux does the same). Nothing in the state
 * says which pageblock that was, so once the machine has reserved any HighAtomic pageblock, an unmerged pair of
 * pageblocks neither of which is HighAtomic is not reported either. Two HighAtomic ones always merge.
 */
function checkBuddy(z: Zone, i: number, o: number, highatomicEver: boolean, report: Report): void {
  if (o >= L_MAX_ORDER) return;
  const pfn = z.startPfn + i;
  const buddy = pfn ^ (1 << o);
  if (buddy < pfn) return;
  const bi = buddy - z.startPfn;
  if (bi >= z.spanned || z.state[bi] !== BUDDY || z.order[bi] !== o) return;
  if (o >= L_PAGEBLOCK_ORDER) {
    // migratetype_is_mergeable(): only the per-CPU types merge with each other.
    const a = z.pageblockType(i) < L_PCPTYPES;
    const b = z.pageblockType(bi) < L_PCPTYPES;
    if (a !== b) return;
    if (a && b && highatomicEver) return;
  }
  report(`${where(z, pfn)}: free block of order ${o} and its buddy at ${hex(buddy)} are both free and not merged`);
}

// ---- the lists ------------------------------------------------------------------------------------------------

/** Which list each page of a zone was found on during this check: walk number + 1, or 0. */
type Seen = {readonly walk: Int32Array; readonly names: string[]; readonly kinds: number[]};

function newSeen(z: Zone): Seen {
  return {walk: new Int32Array(z.spanned), names: [], kinds: []};
}

function onKind(seen: Seen, idx: number): number {
  const w = seen.walk[idx];
  return w === 0 ? ON_NONE : seen.kinds[w - 1];
}

/**
 * Walk a doubly linked list through z.next/z.prev from head: indexes in the zone, prev pointing back, no page
 * visited twice (a cycle, or a page on two lists), the tail where the walk ends. Entries whose state is not
 * `want` are reported (the first by name, the rest counted) and not claimed for this list, so a list that runs
 * into another one does not hide that one's pages; `visit` checks the others. Returns the entries walked,
 * stopping at the first link that leaves the zone or comes back.
 */
function walkList(z: Zone, list: {head: number; tail: number; name: string; kind: number; want: number}, seen: Seen, report: Report, visit: (idx: number) => void): number {
  const {name, want} = list;
  seen.names.push(name);
  seen.kinds.push(list.kind);
  const id = seen.names.length;
  let n = 0;
  let strangers = 0;
  let prev = NIL;
  for (let idx = list.head; idx !== NIL; idx = z.next[idx]) {
    if (!Number.isInteger(idx) || idx < 0 || idx >= z.spanned) {
      report(`${where(z)}: ${name}: ${prev === NIL ? 'head' : `next of pfn ${hex(z.startPfn + prev)}`} is ${idx}, outside the zone`);
      return n;
    }
    const pfn = z.startPfn + idx;
    const w = seen.walk[idx];
    if (w !== 0 || n > z.spanned) {
      report(w === id || w === 0 ? `${where(z, pfn)}: ${name} comes back to this page after ${n} entries (a cycle)` : `${where(z, pfn)}: page is on ${name} and on ${seen.names[w - 1]}`);
      return n;
    }
    if (z.state[idx] === want) {
      seen.walk[idx] = id;
      visit(idx);
    } else if (strangers++ === 0) {
      report(`${where(z, pfn)}: on ${name} but the page is ${stateName(z.state[idx])}`);
    }
    if (z.prev[idx] !== prev) report(`${where(z, pfn)}: ${name}: prev is ${fmtIdx(z, z.prev[idx])}, expected ${fmtIdx(z, prev)}`);
    n++;
    prev = idx;
  }
  if (strangers > 1) report(`${where(z)}: ${name}: ${strangers - 1} more entries that are not ${stateName(want)}`);
  if (list.tail !== prev) report(`${where(z)}: ${name}: tail is ${fmtIdx(z, list.tail)}, the list ends at ${fmtIdx(z, prev)}`);
  return n;
}

function fmtIdx(z: Zone, idx: number): string {
  return idx === NIL ? 'none' : `pfn ${hex(z.startPfn + idx)}`;
}

function checkFreeLists(z: Zone, seen: Seen, report: Report): void {
  let pages = 0;
  for (let o = 0; o < NR_ORDERS; o++) {
    let blocks = 0;
    for (let mt = 0; mt < L_NR_MT; mt++) {
      const li = o * L_NR_MT + mt;
      const name = listName(o, mt);
      const n = walkList(z, {head: z.freeHead[li], tail: z.freeTail[li], name, kind: ON_FREE, want: BUDDY}, seen, report, (idx) => {
        const pfn = z.startPfn + idx;
        if (z.order[idx] !== o) report(`${where(z, pfn)}: on ${name} but its order is ${z.order[idx]}`);
        if (z.info[idx] !== mt) report(`${where(z, pfn)}: on ${name} but its info byte names ${mtName(z.info[idx])}`);
      });
      if (n !== z.freeCount[li]) report(`${where(z)}: ${name} holds ${n} blocks, freeCount says ${z.freeCount[li]}`);
      blocks += n;
      pages += n << o;
    }
    if (blocks !== z.nrFree[o]) report(`${where(z)}: free_area[${o}] lists hold ${blocks} blocks, nr_free says ${z.nrFree[o]}`);
  }
  if (pages !== z.freePages) report(`${where(z)}: the free lists hold ${pages} pages, NR_FREE_PAGES says ${z.freePages}`);
}

function checkPcpLists(z: Zone, seen: Seen, report: Report): void {
  if (!z.pcpEnabled) {
    if (z.pcpHead.length !== 0 || z.pcpCount.length !== 0) report(`${where(z)}: per-CPU lists exist on a machine without them`);
    return;
  }
  for (let cpu = 0; cpu < z.nrCpus; cpu++) {
    let pages = 0;
    for (let o = 0; o <= L_COSTLY_ORDER; o++) {
      for (let mt = 0; mt < L_PCPTYPES; mt++) {
        const li = cpu * NR_PCP_LISTS + o * L_PCPTYPES + mt;
        const name = pcpListName(cpu, o, mt);
        const n = walkList(z, {head: z.pcpHead[li], tail: z.pcpTail[li], name, kind: ON_PCP, want: PCP}, seen, report, (idx) => {
          const pfn = z.startPfn + idx;
          if (z.order[idx] !== o) report(`${where(z, pfn)}: on ${name} but its order is ${z.order[idx]}`);
          if (z.info[idx] !== mt) report(`${where(z, pfn)}: on ${name} but its info byte names ${mtName(z.info[idx])}`);
        });
        pages += n << o;
      }
    }
    if (pages !== z.pcpCount[cpu]) report(`${where(z)}: cpu ${cpu} per-CPU lists hold ${pages} pages, pcp count says ${z.pcpCount[cpu]}`);
  }
}

function checkLru(z: Zone, seen: Seen, report: Report): void {
  const name = 'the LRU';
  const n = walkList(z, {head: z.lruHead, tail: z.lruTail, name, kind: ON_LRU, want: ALLOC}, seen, report, (idx) => {
    const pfn = z.startPfn + idx;
    const owner = z.info[idx] >> 2;
    if (owner !== L_OWNER_PAGECACHE) report(`${where(z, pfn)}: on the LRU but its owner is ${OWNER_NAMES[owner] ?? owner}`);
    else if (z.order[idx] !== 0) report(`${where(z, pfn)}: page-cache block of order ${z.order[idx]} on the LRU (page cache is order 0)`);
  });
  if (n !== z.lruCount) report(`${where(z)}: the LRU holds ${n} pages, lruCount says ${z.lruCount}`);
}

// ---- the HighAtomic reserve -----------------------------------------------------------------------------------

/**
 * reserve_highatomic_pageblock() adds pageblock_nr_pages and types the pageblock HighAtomic together; unreserve
 * and change_pageblock_range() undo both together for every HighAtomic pageblock they retype (the 6.12 fix of
 * multi-block buddies), so the counter is exactly the HighAtomic pageblocks' pages, and below the cap plus one.
 */
function checkHighatomic(z: Zone, report: Report): void {
  let ha = 0;
  for (let b = 0; b < z.pbType.length; b++) {
    const t = z.pbType[b];
    if (t >= L_NR_MT) report(`${where(z, (z.pbBase + b) << L_PAGEBLOCK_ORDER)}: pageblock type ${t} is no migrate type`);
    if (t === MIGRATE_HIGHATOMIC) ha++;
  }
  const n = z.nrReservedHighatomic;
  const cap = Math.floor(z.managed / 100) + PAGEBLOCK_PAGES;
  if (n < 0 || n % PAGEBLOCK_PAGES !== 0) report(`${where(z)}: nr_reserved_highatomic is ${n}, not a whole number of pageblocks`);
  if (n !== ha * PAGEBLOCK_PAGES) report(`${where(z)}: nr_reserved_highatomic is ${n}, not the ${ha} HighAtomic pageblocks (${ha * PAGEBLOCK_PAGES} pages)`);
  if (n >= cap + PAGEBLOCK_PAGES) report(`${where(z)}: nr_reserved_highatomic is ${n}, past the reserve's cap (${cap} + one pageblock)`);
}
