// mm/vmstat.c: /proc/buddyinfo, /proc/pagetypeinfo and /proc/zoneinfo. The figures are gathered once into
// plain view objects (which `--json` prints as they are) and the text renderers follow the kernel's
// seq_printf formats byte for byte, as a 6.x x86 kernel with CONFIG_NUMA and CONFIG_MEMORY_ISOLATION prints them.
// Counters we do not model (anon LRU, writeback, workingset ...) are printed as 0 so the format stays whole.
import type {Machine} from './machine.js';
import {MIGRATETYPE_NAMES, NR_MIGRATETYPES, NR_ORDERS, PAGEBLOCK_ORDER, PAGEBLOCK_PAGES, fls} from './page-alloc/types.js';
import type {Zone} from './page-alloc/zone.js';
import {cacheFigures, type CacheFigures, SLABINFO_HEADER, slabinfoLine} from './slab/figures.js';
import {STACK_CALLER, THREAD_SIZE} from './vmalloc/vmalloc.js';

export type BuddyRow = {node: number; zone: string; free: number[]};
export type PagetypeRow = {node: number; zone: string; type: string; free: number[]};
export type BlockRow = {node: number; zone: string; blocks: Record<string, number>};
/** /proc/pagetypeinfo's figures, the emulator's or a host's (source/live/parse/pagetypeinfo.ts). */
export type PagetypeinfoView = {
  pageblock_order: number;
  pages_per_block: number;
  /** The migrate-type columns as printed (migratetype_names[]: which exist depends on the kernel and its config). */
  types: string[];
  free: PagetypeRow[];
  blocks: BlockRow[];
  /** "Number of mixed blocks" (CONFIG_PAGE_OWNER booted with page_owner=on), when the kernel printed it. */
  mixed?: BlockRow[];
  /**
   * false: a kernel before 5.4 printed free counts of 100000 and more in full. Absent or true: since 5.4
   * (93b3a674485f, "reduce zone->lock holding time") a free list is counted up to 100000 and printed ">100000".
   */
  capped?: boolean;
};
export type PcpView = {cpu: number; count: number; high: number; batch: number; high_min: number; high_max: number; stat_threshold: number};
export type ZoneinfoView = {
  node: number;
  zone: string;
  populated: boolean;
  node_stats?: Record<string, number>;
  free: number;
  boost: number;
  min: number;
  low: number;
  high: number;
  promo: number;
  spanned: number;
  present: number;
  managed: number;
  cma: number;
  protection: number[];
  zone_stats?: Record<string, number>;
  pagesets?: PcpView[];
  node_unreclaimable: number;
  start_pfn: number;
};

/** Isolate is a migrate type the kernel prints with CONFIG_MEMORY_ISOLATION; we never populate it. */
const PRINTED_TYPES = [...MIGRATETYPE_NAMES, 'Isolate'];

/** NR_VM_NODE_STAT_ITEMS of a 6.18 kernel, in its order. */
const NODE_STAT_ITEMS = [
  'nr_inactive_anon', 'nr_active_anon', 'nr_inactive_file', 'nr_active_file', 'nr_unevictable',
  'nr_slab_reclaimable', 'nr_slab_unreclaimable', 'nr_isolated_anon', 'nr_isolated_file', 'workingset_nodes',
  'workingset_refault_anon', 'workingset_refault_file', 'workingset_activate_anon', 'workingset_activate_file',
  'workingset_restore_anon', 'workingset_restore_file', 'workingset_nodereclaim', 'nr_anon_pages', 'nr_mapped',
  'nr_file_pages', 'nr_dirty', 'nr_writeback', 'nr_shmem', 'nr_shmem_hugepages', 'nr_shmem_pmdmapped',
  'nr_file_hugepages', 'nr_file_pmdmapped', 'nr_anon_transparent_hugepages', 'nr_vmscan_write',
  'nr_vmscan_immediate_reclaim', 'nr_dirtied', 'nr_written', 'nr_throttled_written', 'nr_kernel_misc_reclaimable',
  'nr_foll_pin_acquired', 'nr_foll_pin_released', 'nr_kernel_stack', 'nr_page_table_pages', 'nr_sec_page_table_pages',
  'nr_iommu_pages', 'nr_swapcached', 'pgpromote_success', 'pgpromote_candidate', 'pgpromote_candidate_nrl',
  'pgdemote_kswapd', 'pgdemote_direct', 'pgdemote_khugepaged', 'pgdemote_proactive', 'nr_hugetlb',
  'nr_balloon_pages', 'nr_kernel_file_pages',
] as const;

const ZONE_STAT_ITEMS = [
  'nr_free_pages', 'nr_free_pages_blocks', 'nr_zone_inactive_anon', 'nr_zone_active_anon', 'nr_zone_inactive_file',
  'nr_zone_active_file', 'nr_zone_unevictable', 'nr_zone_write_pending', 'nr_mlock', 'nr_zspages', 'nr_free_cma',
] as const;

const NUMA_EVENT_ITEMS = ['numa_hit', 'numa_miss', 'numa_foreign', 'numa_interleave', 'numa_local', 'numa_other'] as const;

const populated = (z: Zone) => z.present > 0;

// ---- views ----------------------------------------------------------------------------------------------

export function buddyinfoView(m: Machine): BuddyRow[] {
  return m.pa.nodes.flatMap((n) => n.zones.filter(populated).map((z) => ({node: n.nid, zone: z.name, free: Array.from(z.nrFree)})));
}

export function pagetypeinfoView(m: Machine): PagetypeinfoView {
  const free: PagetypeRow[] = [];
  const blocks: BlockRow[] = [];
  for (const n of m.pa.nodes) {
    for (const z of n.zones.filter(populated)) {
      for (let mt = 0; mt < PRINTED_TYPES.length; mt++) {
        const counts: number[] = [];
        for (let o = 0; o < NR_ORDERS; o++) counts.push(mt < NR_MIGRATETYPES ? z.freeCountOf(o, mt) : 0);
        free.push({node: n.nid, zone: z.name, type: PRINTED_TYPES[mt], free: counts});
      }
      const c = z.pageblockCounts();
      blocks.push({node: n.nid, zone: z.name, blocks: Object.fromEntries(PRINTED_TYPES.map((t, i) => [t, c[i] ?? 0]))});
    }
  }
  return {pageblock_order: PAGEBLOCK_ORDER, pages_per_block: PAGEBLOCK_PAGES, types: [...PRINTED_TYPES], free, blocks};
}

/** calculate_normal_threshold(): the per-CPU vmstat drift allowed before folding into the zone. */
function statThreshold(z: Zone, cpus: number): number {
  const mem = z.managed >> (27 - 12);
  return Math.min(125, 2 * fls(cpus) * (1 + fls(mem)));
}


export function zoneinfoView(m: Machine): ZoneinfoView[] {
  const out: ZoneinfoView[] = [];
  const cpus = m.nrCpus;
  for (const n of m.pa.nodes) {
    const firstPopulated = n.zones.find(populated);
    const lru = n.zones.reduce((a, z) => a + z.lruCount, 0);
    const anon = n.zones.reduce((a, z) => a + z.anonPages, 0);
    for (const z of n.zones) {
      const v: ZoneinfoView = {
        node: n.nid,
        zone: z.name,
        populated: populated(z),
        free: z.freePages,
        boost: 0,
        min: z.wmarkMin,
        low: z.wmarkLow,
        high: z.wmarkHigh,
        promo: z.wmarkPromo,
        spanned: z.spanned,
        present: z.present,
        managed: z.managed,
        cma: 0,
        protection: z.lowmemReserve,
        node_unreclaimable: n.kswapd.failures >= 16 ? 1 : 0,
        start_pfn: z.startPfn,
      };
      if (z === firstPopulated) {
        const s: Record<string, number> = Object.fromEntries(NODE_STAT_ITEMS.map((k) => [k, 0]));
        s.nr_inactive_file = lru;
        s.nr_file_pages = lru;
        // New anonymous pages start on the inactive anon LRU (5.9+).
        s.nr_inactive_anon = anon;
        s.nr_anon_pages = anon;
        const [rcl, unrcl] = m.slab.slabPages[n.nid];
        s.nr_slab_reclaimable = rcl;
        s.nr_slab_unreclaimable = unrcl;
        // Page-table pages of the vmalloc region on this node; kernel stacks in KiB (as the kernel counts them).
        s.nr_page_table_pages = vmallocNodeCounts(m).pgtable[n.nid] ?? 0;
        s.nr_kernel_stack = (vmallocNodeCounts(m).stacks[n.nid] ?? 0) * (THREAD_SIZE / 1024);
        v.node_stats = s;
      }
      if (v.populated) {
        const s: Record<string, number> = Object.fromEntries([...ZONE_STAT_ITEMS, ...NUMA_EVENT_ITEMS].map((k) => [k, 0]));
        s.nr_free_pages = z.freePages;
        let blocks = 0;
        for (let o = PAGEBLOCK_ORDER; o < NR_ORDERS; o++) blocks += z.nrFree[o] << o;
        s.nr_free_pages_blocks = blocks;
        s.nr_zone_inactive_file = z.lruCount;
        s.nr_zone_inactive_anon = z.anonPages;
        s.numa_hit = z.stats.numaHit;
        s.numa_miss = z.stats.numaMiss;
        s.numa_foreign = z.stats.numaForeign;
        s.numa_local = z.stats.numaLocal;
        s.numa_other = z.stats.numaOther;
        v.zone_stats = s;
        const highMax = Math.max(Math.floor(z.managed / 8 / Math.max(1, n.cpus.length || cpus)), z.pcpBatch << 2);
        v.pagesets = Array.from({length: cpus}, (_, c) => ({
          cpu: c,
          count: z.pcpEnabled ? z.pcpCount[c] : 0,
          high: z.pcpEnabled ? z.pcpHigh : 0,
          batch: z.pcpEnabled ? z.pcpBatch : 1,
          high_min: z.pcpEnabled ? z.pcpHigh : 0,
          high_max: z.pcpEnabled ? highMax : 0,
          stat_threshold: statThreshold(z, cpus),
        }));
      }
      out.push(v);
    }
  }
  return out;
}

// ---- renderers ------------------------------------------------------------------------------------------

const rpad = (s: string | number, w: number) => String(s).padStart(w);
const lpad = (s: string, w: number) => s.padEnd(w);

/** frag_show_print(): "Node %d, zone %8s " then "%6lu " per order. */
export function renderBuddyinfo(rows: readonly BuddyRow[]): string {
  return rows.map((r) => `Node ${r.node}, zone ${rpad(r.zone, 8)} ${r.free.map((f) => rpad(f, 6) + ' ').join('')}\n`).join('');
}

/** pagetypeinfo_show(): per node with memory, the header, free counts per type and order, then pageblocks per type. */
export function renderPagetypeinfo(v: PagetypeinfoView): string {
  let s = '';
  for (const node of [...new Set([...v.free, ...v.blocks].map((r) => r.node))]) {
    const free = v.free.filter((r) => r.node === node);
    s += `Page block order: ${v.pageblock_order}\nPages per block:  ${v.pages_per_block}\n\n`;
    s += `${lpad('Free pages count per migrate type at order', 43)} `;
    // NR_PAGE_ORDERS columns: the kernel's, as many as its rows have.
    for (let o = 0; o < (free[0]?.free.length ?? NR_ORDERS); o++) s += `${rpad(o, 6)} `;
    s += '\n';
    for (const r of free) {
      s += `Node ${rpad(r.node, 4)}, zone ${rpad(r.zone, 8)}, type ${rpad(r.type, 12)} `;
      // pagetypeinfo_showfree_print() stops counting a list at 100000 entries and prints ">100000" (since 5.4).
      s += r.free.map((f) => (f >= 100000 && v.capped !== false ? `>${rpad(100000, 6)} ` : `${rpad(f, 6)} `)).join('');
      s += '\n';
    }
    s += blockCounts('Number of blocks type ', v.types, v.blocks, node);
    if (v.mixed) s += blockCounts('Number of mixed blocks ', v.types, v.mixed, node);
  }
  return s;
}

/** pagetypeinfo_showblockcount() and pagetypeinfo_showmixedcount(): a header of the types, then a row per zone. */
function blockCounts(title: string, types: readonly string[], rows: readonly BlockRow[], node: number): string {
  let s = `\n${lpad(title, 23)}`;
  for (const t of types) s += `${rpad(t, 12)} `;
  s += '\n';
  for (const b of rows) {
    if (b.node !== node) continue;
    s += `Node ${b.node}, zone ${rpad(b.zone, 8)} `;
    for (const t of types) s += `${rpad(b.blocks[t] ?? 0, 12)} `;
    s += '\n';
  }
  return s;
}

/** zoneinfo_show_print() for every zone of every node, populated or not. */
export function renderZoneinfo(views: readonly ZoneinfoView[]): string {
  let s = '';
  for (const v of views) {
    s += `Node ${v.node}, zone ${rpad(v.zone, 8)}`;
    if (v.node_stats) {
      s += '\n  per-node stats';
      for (const [k, val] of Object.entries(v.node_stats)) s += `\n      ${lpad(k, 12)} ${val}`;
    }
    s +=
      `\n  pages free     ${v.free}` +
      `\n        boost    ${v.boost}` +
      `\n        min      ${v.min}` +
      `\n        low      ${v.low}` +
      `\n        high     ${v.high}` +
      `\n        promo    ${v.promo}` +
      `\n        spanned  ${v.spanned}` +
      `\n        present  ${v.present}` +
      `\n        managed  ${v.managed}` +
      `\n        cma      ${v.cma}`;
    s += `\n        protection: (${v.protection.join(', ')})`;
    if (!v.populated) {
      s += '\n';
      continue;
    }
    for (const [k, val] of Object.entries(v.zone_stats ?? {})) s += `\n      ${lpad(k, 12)} ${val}`;
    s += '\n  pagesets';
    for (const p of v.pagesets ?? []) {
      s +=
        `\n    cpu: ${p.cpu}` +
        `\n              count:    ${p.count}` +
        `\n              high:     ${p.high}` +
        `\n              batch:    ${p.batch}` +
        `\n              high_min: ${p.high_min}` +
        `\n              high_max: ${p.high_max}`;
      s += `\n  vm stats threshold: ${p.stat_threshold}`;
    }
    s += `\n  node_unreclaimable:  ${v.node_unreclaimable}` + `\n  start_pfn:           ${v.start_pfn}`;
    s += '\n';
  }
  return s;
}

/** Page-table pages and kernel stacks per node, for zoneinfo's per-node counters. */
function vmallocNodeCounts(m: Machine): {pgtable: number[]; stacks: number[]} {
  const pgtable: number[] = m.pa.nodes.map(() => 0);
  const stacks: number[] = m.pa.nodes.map(() => 0);
  for (const t of m.vm.pt.tables) for (const pfn of t.values()) pgtable[m.pa.zoneOf(pfn)?.nid ?? 0]++;
  for (const a of m.vm.space.busy.values()) {
    if (a.mapped && a.caller === STACK_CALLER && a.pfns.length > 0) stacks[m.pa.zoneOf(a.pfns[0])?.nid ?? 0]++;
  }
  return {pgtable, stacks};
}

/** Per cache figures, newest cache first as /proc/slabinfo lists them. */
export function slabinfoView(m: Machine): CacheFigures[] {
  return m.slab.caches.map((c) => cacheFigures(c, m.slab.model.name));
}

/** /proc/slabinfo version 2.1 */
export function renderSlabinfo(caches: readonly CacheFigures[]): string {
  return SLABINFO_HEADER + caches.map((c) => slabinfoLine(c) + '\n').join('');
}

export type VmAreaView = {
  start: string;
  end: string;
  size: number;
  caller: string | null;
  pages: number;
  phys: string | null;
  kind: 'vmalloc' | 'ioremap' | 'vmap';
  state: 'busy' | 'unpurged';
  nodes: Record<string, number>;
  pfns: number[];
};

/** The vmalloc region and its areas: busy ones in address order, then the unpurged ones as vmallocinfo shows them. */
export function vmallocinfoView(m: Machine) {
  const vm = m.vm;
  const width = m.config.profile === 'x86_64' ? 16 : 8;
  const hex = (v: bigint) => '0x' + v.toString(16).padStart(width, '0');
  const areas: VmAreaView[] = [];
  const unpurged = new Set(vm.unpurged);
  const view = (a: (typeof vm.unpurged)[number], state: 'busy' | 'unpurged'): VmAreaView => {
    const start = vm.addrOf(a);
    const nodes: Record<string, number> = {};
    if (a.kind === 'vmalloc' && state === 'busy') for (const pfn of a.pfns) {
      const z = m.pa.zoneOf(pfn);
      const k = `N${z ? z.nid : 0}`;
      nodes[k] = (nodes[k] ?? 0) + 1;
    }
    return {
      start: hex(start),
      end: hex(start + BigInt(a.pages * 4096)),
      size: a.pages * 4096,
      caller: state === 'busy' ? a.caller : null,
      pages: state === 'busy' ? a.nrPages : 0,
      phys: a.kind === 'ioremap' && a.phys !== 0 ? hex(BigInt(a.phys)) : null,
      kind: a.kind,
      state,
      nodes,
      pfns: a.kind === 'vmalloc' && state === 'busy' ? [...a.pfns] : [],
    };
  };
  for (const a of vm.areas()) if (!unpurged.has(a)) areas.push(view(a, 'busy'));
  // The kernel keeps lazily freed areas in an address-ordered tree; they print in that order.
  for (const a of [...vm.unpurged].sort((x, y) => x.start - y.start)) areas.push(view(a, 'unpurged'));
  return {
    start: hex(vm.start),
    end: hex(vm.end),
    total_pages: vm.pages,
    free_pages: vm.space.freePages(),
    largest_free_pages: vm.space.largestFree(),
    lazy_pages: vm.lazyPages,
    lazy_max_pages: vm.lazyMax,
    purges: vm.stats.purges,
    pagetable_pages: vm.pt.pages,
    ptes_set: vm.pt.ptesSet,
    ptes_cleared: vm.pt.ptesCleared,
    ptes_mapped: vm.pt.mapped,
    areas,
  };
}

/** mm/vmalloc.c s_show() and show_purge_info(). */
export function renderVmallocinfo(v: ReturnType<typeof vmallocinfoView>): string {
  let s = '';
  for (const a of v.areas) {
    s += `${a.start}-${a.end} ${String(a.size).padStart(7)}`;
    if (a.state === 'unpurged') {
      s += ' unpurged vm_area\n';
      continue;
    }
    if (a.caller) s += ` ${a.caller}`;
    if (a.pages) s += ` pages=${a.pages}`;
    if (a.phys) s += ` phys=${a.phys}`;
    s += ` ${a.kind}`;
    for (const [k, n] of Object.entries(a.nodes).sort((x, y) => Number(x[0].slice(1)) - Number(y[0].slice(1)))) s += ` ${k}=${n}`;
    s += '\n';
  }
  return s;
}

export function tlbView(m: Machine) {
  const t = m.vm.tlb;
  return {
    cpus: t.cpus.map((c, cpu) => ({
      cpu,
      full_flushes: c.fullFlushes,
      single_flushes: c.singleFlushes,
      pages_flushed: c.pagesFlushed,
      ipis_sent: c.ipisSent,
      ipis_received: c.ipisReceived,
    })),
    vmstat: {
      nr_tlb_remote_flush: t.remoteFlush,
      nr_tlb_remote_flush_received: t.remoteFlushReceived,
      nr_tlb_local_flush_all: t.localFlushAll,
      nr_tlb_local_flush_one: t.localFlushOne,
    },
    series: [...t.series],
  };
}

/** arch_show_interrupts()'s TLB line (shootdowns received per CPU), then the CONFIG_DEBUG_TLBFLUSH vmstat counters. */
export function renderTlb(v: ReturnType<typeof tlbView>): string {
  let s = 'TLB: ' + v.cpus.map((c) => `${String(c.ipis_received).padStart(10)} `).join('') + '  TLB shootdowns\n';
  for (const [k, n] of Object.entries(v.vmstat)) s += `${k} ${n}\n`;
  return s;
}

// ---- /proc/meminfo ---------------------------------------------------------------------------------------

/**
 * fs/proc/meminfo.c meminfo_proc_show(), in kB, only the lines whose figures the machine keeps, in the kernel's
 * order (as a 6.18 kernel prints them; HighTotal..LowFree with CONFIG_HIGHMEM, the i386 profile). Left out: swap,
 * buffers, the Active/Inactive LRU split (one file LRU here, anon on none), dirty/writeback, mapped, shmem,
 * KReclaimable, commit accounting, percpu, hugepages, DirectMap.
 */
export type MeminfoView = Record<string, number>;

export function meminfoView(m: Machine): MeminfoView {
  const zones = m.pa.nodes.flatMap((n) => n.zones);
  const sum = (f: (z: Zone) => number, zs = zones) => zs.reduce((a, z) => a + f(z), 0);
  // The global counters are the sums of the per-node ones zoneinfo prints (global_node_page_state()).
  const zi = zoneinfoView(m);
  const node = (k: string) => zi.reduce((a, v) => a + (v.node_stats?.[k] ?? 0), 0);
  const totalram = sum((z) => z.managed);
  const freeram = sum((z) => z.freePages);
  const cache = node('nr_file_pages');
  const sreclaimable = node('nr_slab_reclaimable');
  const sunreclaim = node('nr_slab_unreclaimable');
  const kB = (pages: number) => pages * 4;
  const v: MeminfoView = {MemTotal: kB(totalram), MemFree: kB(freeram), MemAvailable: kB(siMemAvailable(m, freeram, cache, sreclaimable)), Cached: kB(cache)};
  if (m.config.profile === 'i386') {
    const high = zones.filter((z) => z.name === 'HighMem');
    const totalhigh = sum((z) => z.managed, high);
    const freehigh = sum((z) => z.freePages, high);
    Object.assign(v, {HighTotal: kB(totalhigh), HighFree: kB(freehigh), LowTotal: kB(totalram - totalhigh), LowFree: kB(freeram - freehigh)});
  }
  const vm = vmallocinfoView(m);
  Object.assign(v, {
    AnonPages: kB(node('nr_anon_pages')),
    Slab: kB(sreclaimable + sunreclaim),
    SReclaimable: kB(sreclaimable),
    SUnreclaim: kB(sunreclaim),
    KernelStack: node('nr_kernel_stack'), // NR_KERNEL_STACK_KB: already in kB
    PageTables: kB(node('nr_page_table_pages')),
    // VMALLOC_TOTAL = VMALLOC_END - VMALLOC_START; x86_64's VMALLOC_END is the region's last byte, i386's is not.
    VmallocTotal: Math.floor((vm.total_pages * 4096 - (m.config.profile === 'x86_64' ? 1 : 0)) / 1024),
    // vmalloc_nr_pages(): pages vmalloc() allocated and vfree() has not freed (unpurged areas hold none).
    VmallocUsed: kB(vm.areas.reduce((a, x) => a + (x.kind === 'vmalloc' && x.state === 'busy' ? x.pages : 0), 0)),
    VmallocChunk: 0, // 0 since 4.4 (a5ad88ce8c7f): the kernel stopped walking the region for its largest free chunk
  });
  return v;
}

/**
 * mm/show_mem.c si_mem_available(): free pages above the reserves, plus the page cache and reclaimable slab that
 * could go, each keeping half or the low watermarks' worth. totalreserve_pages as calculate_totalreserve_pages()
 * (mm/page_alloc.c) sums it: per zone the largest lowmem_reserve plus the high watermark, at most managed.
 * NR_KERNEL_MISC_RECLAIMABLE is not modelled (0).
 */
function siMemAvailable(m: Machine, free: number, pagecache: number, reclaimable: number): number {
  let wmarkLow = 0;
  let totalreserve = 0;
  for (const n of m.pa.nodes) {
    for (const z of n.zones) {
      wmarkLow += z.wmarkLow; // low_wmark_pages(): watermark + boost, and we never boost
      totalreserve += Math.min(Math.max(0, ...z.lowmemReserve) + z.wmarkHigh, z.managed);
    }
  }
  const available = free - totalreserve + (pagecache - Math.min(Math.floor(pagecache / 2), wmarkLow)) + (reclaimable - Math.min(Math.floor(reclaimable / 2), wmarkLow));
  return Math.max(0, available);
}

/** show_val_kb(): the label padded to 16 columns (as the kernel's literals are), the value in 8, then " kB". */
export function renderMeminfo(v: MeminfoView): string {
  return Object.entries(v).map(([k, kb]) => `${lpad(k + ':', 16)}${rpad(kb, 8)} kB\n`).join('');
}

export const DUMPS = {
  buddyinfo: (m: Machine) => renderBuddyinfo(buddyinfoView(m)),
  pagetypeinfo: (m: Machine) => renderPagetypeinfo(pagetypeinfoView(m)),
  zoneinfo: (m: Machine) => renderZoneinfo(zoneinfoView(m)),
  slabinfo: (m: Machine) => renderSlabinfo(slabinfoView(m)),
  vmallocinfo: (m: Machine) => renderVmallocinfo(vmallocinfoView(m)),
  tlb: (m: Machine) => renderTlb(tlbView(m)),
} as const;
export type DumpName = keyof typeof DUMPS;
