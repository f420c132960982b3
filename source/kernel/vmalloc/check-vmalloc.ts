// The invariant checker for the vmalloc region, the part of check() (../check.ts) that looks at vmap areas,
// the kernel page tables behind them and the lazy-free accounting. The kernel states a few of these as BUG_ON()s
// in mm/vmalloc.c (the "Trying to vfree() nonexistent vm area" and "vmap area overlaps" checks, the
// WARN_ON(!list_empty()) of the purge lists) and trusts the rest; here they are gathered in one pass over a
// machine, one line per violation (the first of a kind by name, the rest counted), naming the area.
//
// What is checked:
// - the region: it has pages; every busy area and free range lies inside [0, vm.pages); free ranges are
//   non-empty, sorted, non-overlapping and non-adjacent (merge_or_add_vmap_area() merges neighbours); busy areas
//   (mapped or unpurged) and free ranges tile the region exactly: no page in two places, none in none;
// - each area: filed under its own start; at least one page and its guard; a mapped area's last page is its
//   guard (pages = mapped pages + 1) and its pfns are what it maps (vmalloc: nr_pages of them; ioremap: the
//   device range from phys, none of it RAM);
// - the PTE counters: pt.mapped is the pages of the mapped areas (guards excluded) and ptesSet - ptesCleared;
// - the lazy list: vm.lazyPages (vmap_lazy_nr) is the sum of pages over vm.unpurged; an unpurged area is busy,
//   unmapped and on the list once; a busy area that is not mapped is on the list (or it would never be purged);
// - the pages: a mapped vmalloc area's pfns are distinct over all areas, each an allocated order-0 block owned by
//   OWNER_VMALLOC; every OWNER_VMALLOC block of the zones belongs to a mapped vmalloc area;
// - the page tables: every page in vm.pt.tables is an allocated order-0 OWNER_PGTABLE block, named once, at an
//   index that covers part of the region; every OWNER_PGTABLE block of the zones is in the tables; every mapped
//   area's range is covered by a table at every level.
import {hex} from '../free-blocks.js';
import type {Machine} from '../machine.js';
import {OWNER_NAMES, OWNER_PGTABLE, OWNER_VMALLOC, PAGE_SHIFT, PG_ALLOC, PG_HOLE} from '../page-alloc/types.js';
import type {VmArea} from './areas.js';
import type {Vmalloc} from './vmalloc.js';

type Report = (line: string) => void;

const ALLOC: number = PG_ALLOC;
const HOLE: number = PG_HOLE;
const L_OWNER_VMALLOC: number = OWNER_VMALLOC;
const L_OWNER_PGTABLE: number = OWNER_PGTABLE;
const STATE_NAMES = ['PG_TAIL', 'PG_BUDDY', 'PG_ALLOC', 'PG_PCP', 'PG_RESERVED', 'PG_HOLE'] as const;

/** Every violated invariant of the machine's vmalloc region, one line each, through report. */
export function checkVmalloc(m: Machine, report: Report): void {
  const vm = m.vm;
  const limited = new Limited(report);
  checkTiling(vm, limited);
  const mappedPages = checkAreas(m, vm, limited);
  checkLazy(vm, limited);
  checkCounters(vm, mappedPages, limited);
  const vmallocPages = checkPages(m, vm, limited);
  const tablePages = checkTables(m, vm, limited);
  checkOwners(m, vmallocPages, tablePages, limited);
  limited.flush();
}

/**
 * Reports by kind: the first line of a kind in full, the others counted in one line at the end, so a region of
 * 100 000 damaged areas says what is wrong in a few lines.
 */
class Limited {
  private readonly more = new Map<string, number>();

  constructor(private readonly report: Report) {}

  line(kind: string, text: string): void {
    const n = this.more.get(kind);
    if (n === undefined) {
      this.more.set(kind, 0);
      this.report(`vmalloc: ${text}`);
    } else this.more.set(kind, n + 1);
  }

  flush(): void {
    for (const [kind, n] of this.more) if (n > 0) this.report(`vmalloc: ... and ${n} more: ${kind}`);
  }
}

function pageRange(start: number, end: number): string {
  return `[${start}, ${end})`;
}

function areaName(vm: Vmalloc, a: VmArea): string {
  return `${a.kind} area 0x${vm.addrOf(a).toString(16)} (pages ${pageRange(a.start, a.start + a.pages)})`;
}

/** The pages an area maps: nr_pages for vmalloc, the device range for ioremap / vmap. */
function areaMappedPages(a: VmArea): number {
  return a.kind === 'vmalloc' ? a.nrPages : a.ioPages;
}

// ---- the region -----------------------------------------------------------------------------------------------

/** Free ranges well formed; busy areas and free ranges tile [0, vm.pages) exactly. */
function checkTiling(vm: Vmalloc, out: Limited): void {
  const total = vm.pages;
  if (!(total > 0)) out.line('empty region', `the region [0x${vm.start.toString(16)}, 0x${vm.end.toString(16)}) has ${total} pages`);
  if (vm.space.totalPages !== total) out.line('space size', `the area space has ${vm.space.totalPages} pages, the region ${total}`);

  const free = vm.space.freeRanges();
  for (let i = 0; i < free.length; i++) {
    const r = free[i];
    const name = `free range ${pageRange(r.start, r.end)}`;
    if (!Number.isInteger(r.start) || !Number.isInteger(r.end) || r.end <= r.start) out.line('empty free range', `${name} is empty or not whole pages`);
    if (r.start < 0 || r.end > total) out.line('free range outside', `${name} lies outside the region [0, ${total})`);
    if (i === 0) continue;
    const p = free[i - 1];
    if (r.start < p.start) out.line('free unsorted', `${name} comes after free range ${pageRange(p.start, p.end)}: the free ranges are not sorted`);
    else if (r.start < p.end) out.line('free overlap', `${name} overlaps free range ${pageRange(p.start, p.end)}`);
    else if (r.start === p.end) out.line('free adjacent', `${name} and free range ${pageRange(p.start, p.end)} are adjacent and not merged`);
  }

  // One walk over both, in address order: each piece starts where the one before it ended.
  type Piece = {start: number; end: number; name: string};
  const pieces: Piece[] = [];
  for (const r of free) pieces.push({start: r.start, end: r.end, name: `free range ${pageRange(r.start, r.end)}`});
  for (const [key, a] of vm.space.busy) {
    const name = areaName(vm, a);
    if (key !== a.start) out.line('busy key', `${name} is filed under page ${key}`);
    if (!Number.isInteger(a.start) || !Number.isInteger(a.pages) || a.pages < 2) {
      out.line('area size', `${name} has ${a.pages} pages, not at least one page and its guard`);
    }
    if (a.start < 0 || a.start + a.pages > total) out.line('area outside', `${name} lies outside the region [0, ${total})`);
    pieces.push({start: a.start, end: a.start + a.pages, name});
  }
  pieces.sort((x, y) => x.start - y.start || x.end - y.end);
  let at = 0;
  let last = 'the start of the region';
  for (const p of pieces) {
    if (p.start < at) out.line('overlap', `${p.name} overlaps ${last}`);
    else if (p.start > at) out.line('lost', `pages ${pageRange(at, p.start)} (after ${last}) are neither free nor in an area`);
    if (p.end > at) {
      at = p.end;
      last = p.name;
    }
  }
  if (total > 0 && at < total) out.line('lost', `pages ${pageRange(at, total)} (after ${last}) are neither free nor in an area`);
}

// ---- areas ----------------------------------------------------------------------------------------------------

/** Each mapped area: its guard and its pfns. Returns the pages the mapped areas map. */
function checkAreas(m: Machine, vm: Vmalloc, out: Limited): number {
  let mapped = 0;
  for (const a of vm.space.busy.values()) {
    if (!a.mapped) continue;
    const name = areaName(vm, a);
    const n = areaMappedPages(a);
    mapped += n;
    if (a.pages !== n + 1) out.line('guard', `${name} maps ${n} pages: its last page is not its guard (pages = mapped + 1)`);
    if (a.kind === 'vmalloc') {
      if (a.pfns.length !== a.nrPages) out.line('nr_pages', `${name} has nr_pages ${a.nrPages} but ${a.pfns.length} pfns`);
      continue;
    }
    if (a.nrPages !== 0) out.line('nr_pages', `${name} is no vmalloc area but has nr_pages ${a.nrPages}`);
    if (a.kind !== 'ioremap') continue;
    // ioremap maps the device range from phys on, keeps no pfns, and never maps RAM.
    if (a.pfns.length !== 0) out.line('ioremap pfns', `${name} keeps ${a.pfns.length} pfns; an ioremap area keeps only phys and its page count`);
    const lo = Math.floor(a.phys / 2 ** PAGE_SHIFT);
    for (const z of m.pa.zones) {
      for (let pfn = Math.max(lo, z.startPfn); pfn < Math.min(lo + a.ioPages, z.endPfn); pfn++) {
        if (z.state[pfn - z.startPfn] !== HOLE) {
          out.line('ioremap ram', `${name} maps pfn ${hex(pfn)}, which is RAM (node ${z.nid} zone ${z.name})`);
          break;
        }
      }
    }
  }
  return mapped;
}

/** vmap_lazy_nr and the purge list. */
function checkLazy(vm: Vmalloc, out: Limited): void {
  let lazy = 0;
  const listed = new Set<VmArea>();
  for (const a of vm.unpurged) {
    const name = areaName(vm, a);
    lazy += a.pages;
    if (listed.has(a)) out.line('unpurged twice', `${name} is on the purge list twice`);
    listed.add(a);
    if (a.mapped) out.line('unpurged mapped', `${name} is on the purge list but still mapped`);
    if (vm.space.busy.get(a.start) !== a) out.line('unpurged not busy', `${name} is on the purge list but not a busy area`);
  }
  if (vm.lazyPages !== lazy) out.line('lazy', `lazy pages (vmap_lazy_nr) is ${vm.lazyPages}, the purge list holds ${lazy} pages`);
  for (const a of vm.space.busy.values()) {
    if (!a.mapped && !listed.has(a)) out.line('unmapped busy', `${areaName(vm, a)} is neither mapped nor on the purge list: it would never be purged`);
  }
}

function checkCounters(vm: Vmalloc, mappedPages: number, out: Limited): void {
  const pt = vm.pt;
  if (pt.mapped !== mappedPages) out.line('mapped', `${pt.mapped} PTEs are mapped, the mapped areas map ${mappedPages} pages`);
  if (pt.mapped !== pt.ptesSet - pt.ptesCleared) out.line('ptes', `${pt.mapped} PTEs are mapped, but ${pt.ptesSet} were set and ${pt.ptesCleared} cleared`);
}

// ---- pages ----------------------------------------------------------------------------------------------------

/** What a pfn is in the page allocator, for a report: "PG_ALLOC order 0 owner slab". */
function describeBlock(m: Machine, pfn: number): string {
  const z = m.pa.zoneOf(pfn);
  if (!z) return 'no memory';
  const i = pfn - z.startPfn;
  const s = z.state[i];
  const name = STATE_NAMES[s] ?? `state ${s}`;
  if (s !== ALLOC) return name;
  const owner = z.info[i] >> 2;
  return `${name} order ${z.order[i]} owner ${OWNER_NAMES[owner] ?? owner}`;
}

/** Whether pfn heads an allocated order-0 block of this owner. */
function isOwnedPage(m: Machine, pfn: number, owner: number): boolean {
  const z = m.pa.zoneOf(pfn);
  if (!z) return false;
  const i = pfn - z.startPfn;
  return z.state[i] === ALLOC && z.order[i] === 0 && z.info[i] >> 2 === owner;
}

/** A mapped vmalloc area's pages are distinct OWNER_VMALLOC pages. Returns them, with their areas. */
function checkPages(m: Machine, vm: Vmalloc, out: Limited): Map<number, VmArea> {
  const owner = new Map<number, VmArea>();
  for (const a of vm.space.busy.values()) {
    if (!a.mapped || a.kind !== 'vmalloc') continue;
    for (const pfn of a.pfns) {
      const other = owner.get(pfn);
      if (other !== undefined) {
        out.line('pfn shared', `pfn ${hex(pfn)} is mapped by ${areaName(vm, a)} and by ${areaName(vm, other)}`);
        continue;
      }
      owner.set(pfn, a);
      if (!isOwnedPage(m, pfn, L_OWNER_VMALLOC)) {
        out.line('vmalloc page', `${areaName(vm, a)} maps pfn ${hex(pfn)}, which is ${describeBlock(m, pfn)}, not an order-0 vmalloc page`);
      }
    }
  }
  return owner;
}

/** One walk over the zones: every OWNER_VMALLOC block is a mapped area's page, every OWNER_PGTABLE one a table. */
function checkOwners(m: Machine, vmallocPages: ReadonlyMap<number, VmArea>, tablePages: ReadonlySet<number>, out: Limited): void {
  for (const z of m.pa.zones) {
    const {state, info} = z;
    for (let i = 0; i < z.spanned; i++) {
      if (state[i] !== ALLOC) continue;
      const owner = info[i] >> 2;
      if (owner === L_OWNER_VMALLOC) {
        const pfn = z.startPfn + i;
        if (!vmallocPages.has(pfn)) out.line('stray vmalloc page', `pfn ${hex(pfn)} (node ${z.nid} zone ${z.name}) is a vmalloc page of no mapped vmalloc area`);
      } else if (owner === L_OWNER_PGTABLE) {
        const pfn = z.startPfn + i;
        if (!tablePages.has(pfn)) out.line('stray table page', `pfn ${hex(pfn)} (node ${z.nid} zone ${z.name}) is a page-table page in no table`);
      }
    }
  }
}

// ---- page tables ----------------------------------------------------------------------------------------------

/** The tables' pages, where they are, and that they cover the mapped areas. Returns the tables' pfns. */
function checkTables(m: Machine, vm: Vmalloc, out: Limited): Set<number> {
  const pt = vm.pt;
  if (pt.tables.length !== pt.levels.length) out.line('levels', `${pt.tables.length} table maps for ${pt.levels.length} page-table levels`);
  const base = Number(vm.start >> BigInt(PAGE_SHIFT));
  const tablePfns = new Set<number>();
  const levels = Math.min(pt.tables.length, pt.levels.length);
  for (let l = 0; l < levels; l++) {
    const {name, pagesCovered: span} = pt.levels[l];
    for (const [index, pfn] of pt.tables[l]) {
      const what = `${name} table ${index} (pfn ${hex(pfn)})`;
      if (tablePfns.has(pfn)) out.line('table twice', `${what}: the page is another table too`);
      tablePfns.add(pfn);
      if (!isOwnedPage(m, pfn, L_OWNER_PGTABLE)) out.line('table page', `${what} is ${describeBlock(m, pfn)}, not an order-0 page-table page`);
      if ((index + 1) * span <= base || index * span >= base + vm.pages) out.line('table outside', `${what} covers no page of the region`);
    }
  }
  // Every page a mapped area maps has its tables at every level (vmap_range_noflush() made them).
  for (const a of vm.space.busy.values()) {
    const n = areaMappedPages(a);
    if (!a.mapped || n === 0) continue;
    const first = base + a.start;
    const lastPage = first + n - 1;
    for (let l = 0; l < levels; l++) {
      const span = pt.levels[l].pagesCovered;
      for (let i = Math.floor(first / span); i <= Math.floor(lastPage / span); i++) {
        if (!pt.tables[l].has(i)) out.line('no table', `${areaName(vm, a)} is mapped but ${pt.levels[l].name} table ${i} does not exist`);
      }
    }
  }
  return tablePfns;
}
