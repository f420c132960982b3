// The notes of tour, fragmentation-vs-dma and numa, checked at their ticks. A lecturer reads a note to students
// with the dumps on the screen, so every figure and claim in it must be what the dumps show right then: the state
// after the note's tick, as `kmemscope run <name> --ticks N` prints it and the dashboard shows it when it pauses.
// Each scenario runs once, forward; each test moves it to the next note's tick and checks what that note says.
import {beforeAll, describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import {freeBlocks} from '../../source/kernel/free-blocks.js';
import {MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, OWNER_KERNEL, OWNER_NAMES, OWNER_PAGECACHE, OWNER_USER} from '../../source/kernel/page-alloc/types.js';
import {buddyinfoView, pagetypeinfoView, slabinfoView, tlbView, vmallocinfoView, zoneinfoView, type ZoneinfoView} from '../../source/kernel/procfs.js';
import {jsonDocument, machineSummary} from '../../source/session/headless.js';
import {openScenario} from '../../source/session/open-scenario.js';
import {Session, type TranscriptLine} from '../../source/session/session.js';
import {cpusView, tasksView, workloadsView} from '../../source/workloads/report.js';

/** 2 MiB: the order-9 blocks a DMA ring needs, and a pageblock. */
const ORDER9 = 512;

/** A scenario run forward, and what its dumps show at the current tick. */
class Run {
  constructor(
    readonly name: string,
    private session?: Session,
  ) {}

  get s(): Session {
    if (!this.session) {
      const r = openScenario(this.name);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      const c = Session.create(r.scenario);
      if (!c.ok) throw new Error(JSON.stringify(c.error));
      this.session = c.session;
    }
    return this.session;
  }

  /** The ticks of the timeline's notes. */
  noteTicks(): number[] {
    return this.s.scenario.timeline.filter((e) => e.note !== undefined).map((e) => e.at);
  }

  /** Run to the end of `tick`; the invariants hold there. */
  to(tick: number): void {
    expect(tick, `${this.name} is already at tick ${this.s.tick}`).toBeGreaterThanOrEqual(this.s.tick);
    this.s.runTicks(tick - this.s.tick);
    expect(check(this.s.machine), `check() at tick ${tick}`).toEqual([]);
  }

  // ---- the /proc views ----

  /** A row of /proc/buddyinfo. */
  buddy(zone: string, node = 0): number[] {
    const row = buddyinfoView(this.s.machine).find((b) => b.zone === zone && b.node === node);
    if (!row) throw new Error(`no Node ${node} ${zone} in buddyinfo`);
    return row.free;
  }

  zone(zone: string, node = 0): ZoneinfoView {
    const z = zoneinfoView(this.s.machine).find((v) => v.zone === zone && v.node === node);
    if (!z) throw new Error(`no Node ${node} ${zone} in zoneinfo`);
    return z;
  }

  /** A per-zone counter of /proc/zoneinfo (nr_free_pages, numa_hit, ...). */
  stat(zone: string, key: string, node = 0): number {
    const v = this.zone(zone, node).zone_stats?.[key];
    if (v === undefined) throw new Error(`no ${key} for Node ${node} ${zone}`);
    return v;
  }

  /** pagetypeinfo: the zone's pageblocks by migrate type. */
  pageblocks(zone: string, node = 0): Record<string, number> {
    const b = pagetypeinfoView(this.s.machine).blocks.find((r) => r.zone === zone && r.node === node);
    if (!b) throw new Error(`no Node ${node} ${zone} in pagetypeinfo`);
    return b.blocks;
  }

  /** pagetypeinfo: free blocks per order on one migrate type's lists. */
  freeList(zone: string, type: string, node = 0): number[] {
    const row = pagetypeinfoView(this.s.machine).free.find((r) => r.zone === zone && r.node === node && r.type === type);
    if (!row) throw new Error(`no ${type} row for Node ${node} ${zone}`);
    return row.free;
  }

  /** The first pfns of the free blocks of one order and migrate type. */
  freePfns(zone: string, order: number, mt: number): number[] {
    const z = freeBlocks(this.s.machine).find((f) => f.zone === zone && f.nid === 0);
    if (!z) throw new Error(`no zone ${zone}`);
    return z.blocks[order][mt];
  }

  vmstat(): Record<string, number> {
    return jsonDocument(this.s, ['buddyinfo']).vmstat as Record<string, number>;
  }

  slab(name: string) {
    const c = slabinfoView(this.s.machine).find((x) => x.name === name);
    if (!c) throw new Error(`no slab cache ${name}`);
    return c;
  }

  vmalloc() {
    return vmallocinfoView(this.s.machine);
  }

  unpurged(): number {
    return this.vmalloc().areas.filter((a) => a.state === 'unpurged').length;
  }

  tlb() {
    return tlbView(this.s.machine);
  }

  workload(name: string) {
    const w = workloadsView(this.s.sys).find((x) => x.name === name);
    if (!w) throw new Error(`no workload ${name}`);
    return w;
  }

  tasks(comm: string) {
    return tasksView(this.s.sys).filter((t) => t.comm === comm);
  }

  cpu(n: number) {
    return cpusView(this.s.sys)[n];
  }

  /** Is the node's kswapd balancing it (woken, not yet gone back to sleep)? */
  kswapdAwake(node: number): boolean {
    return this.s.machine.kswapdAwake(node);
  }

  // ---- the transcript ----

  /** Transcript lines (the notes left out) of ticks from..to whose text contains `text`. */
  lines(from: number, to: number, text: string): TranscriptLine[] {
    return this.s.transcript.filter((l) => l.tick >= from && l.tick <= to && l.kind !== 'note' && l.text.includes(text));
  }

  /** The one line of that tick containing `text`. */
  line(tick: number, text: string): TranscriptLine {
    const found = this.lines(tick, tick, text);
    expect(found.map((l) => l.text), `tick ${tick}: one line with "${text}"`).toHaveLength(1);
    return found[0];
  }

  /** The note of the current tick says each of these, word for word: the figures the test checks are the note's. */
  says(...parts: string[]): void {
    const note = this.s.transcript.find((l) => l.tick === this.s.tick && l.kind === 'note')?.text ?? '';
    for (const p of parts) expect(note, `the note of tick ${this.s.tick}`).toContain(p);
  }

  /** The result of the kcall of that tick that starts with `call`. */
  result(tick: number, call: string): string {
    const l = this.s.transcript.find((x) => x.tick === tick && x.kind === 'kcall' && x.text.startsWith(call));
    if (!l) throw new Error(`no kcall "${call}" at tick ${tick}`);
    return l.text;
  }

  // ---- who holds the pages ----

  /** Per 2 MiB-aligned range of a zone: the owners (OWNER_NAMES) of the allocated blocks that start in it. */
  owners2M(zone: string): string[][] {
    const z = this.s.machine.pa.nodes[0].zones.find((x) => x.name === zone);
    if (!z) throw new Error(`no zone ${zone}`);
    const out: string[][] = [];
    for (let base = z.startPfn; base < z.startPfn + z.spanned; base += ORDER9) {
      const owners = new Set<string>();
      for (let pfn = base; pfn < base + ORDER9; pfn++) {
        const o = this.s.machine.pa.ownerOf(pfn);
        if (o >= 0) owners.add(OWNER_NAMES[o]);
      }
      out.push([...owners].sort());
    }
    return out;
  }

  /** The first pfns of the blocks a zone has allocated to this owner (OWNER_*). */
  ownedPfns(zone: string, owner: number): number[] {
    const z = this.s.machine.pa.nodes[0].zones.find((x) => x.name === zone);
    if (!z) throw new Error(`no zone ${zone}`);
    const pfns: number[] = [];
    for (let pfn = z.startPfn; pfn < z.startPfn + z.spanned; pfn++) if (this.s.machine.pa.ownerOf(pfn) === owner) pfns.push(pfn);
    return pfns;
  }
}

/** A note's claims: checked on the run at the note's tick, with a copy of the run one tick before (or at `before`). */
type Claim = readonly [tick: number, what: string, check: (r: Run, before: Run) => void, before?: number];

/** One test per note, in timeline order, on one run of the scenario; every note of the timeline has one. */
function notes(name: string, claims: readonly Claim[]): void {
  describe(`${name}: every note is true at its tick`, () => {
    const r = new Run(name);
    beforeAll(() => void r.s);

    test('each note of the timeline is checked here', () => {
      expect(r.noteTicks()).toEqual(claims.map((c) => c[0]));
    });

    for (const [tick, what, fn, beforeTick] of claims) {
      test(`tick ${tick}: ${what}`, () => {
        r.to(beforeTick ?? tick - 1);
        const before = new Run(name, r.s.snapshot());
        r.to(tick);
        expect(r.s.transcript.filter((l) => l.tick === tick && l.kind === 'note')).toHaveLength(1);
        fn(r, before);
      });
    }
  });
}

/** The ranges with no allocated block are the zone's reserved memory (spanned - managed), nothing free. */
function reservedRanges(r: Run, zone: string): number {
  const z = r.zone(zone);
  expect((z.spanned - z.managed) % ORDER9).toBe(0);
  return (z.spanned - z.managed) / ORDER9;
}

// ---- tour ----------------------------------------------------------------------------------------------------

const BOOT_DMA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 3];
const BOOT_DMA32 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 55];
const kswapdWakes = (r: Run, from: number, to: number) => r.lines(from, to, 'kswapd0: woken').map((l) => l.tick);

notes('tour', [
  [1, 'free memory sits in the largest aligned blocks, all Movable; DMA has an order-8 and an order-9 block', (r) => {
    r.says('55 order-10 blocks', 'an order-8 block (pfn 0x100) and an order-9 block (0x200), then 3 order-10 blocks');
    expect(r.buddy('DMA32')).toEqual(BOOT_DMA32);
    expect(r.buddy('DMA')).toEqual(BOOT_DMA);
    expect(r.pageblocks('DMA')).toMatchObject({Movable: 8, Unmovable: 0});
    expect(r.pageblocks('DMA32')).toMatchObject({Movable: 120, Unmovable: 0});
    for (const type of ['Unmovable', 'Reclaimable', 'HighAtomic']) expect(r.freeList('DMA', type).concat(r.freeList('DMA32', type)).every((n) => n === 0)).toBe(true);
    // The first MiB is not the allocator's; below the first 4 MiB boundary (pfn 0x400) the blocks are smaller.
    expect(r.zone('DMA').managed).toBe(4096 - 256);
    expect(r.freePfns('DMA', 8, MIGRATE_MOVABLE)).toEqual([0x100]);
    expect(r.freePfns('DMA', 9, MIGRATE_MOVABLE)).toEqual([0x200]);
    expect(r.freePfns('DMA', 10, MIGRATE_MOVABLE)).toEqual([0x400, 0x800, 0xc00]);
  }],
  [2, 'an order-4 request split one order-10 block', (r) => {
    expect(r.result(2, 'p = alloc_pages_node')).toContain('order 4, Node 0 DMA32');
    expect(r.buddy('DMA32')).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 54]);
  }],
  [4, 'freed, it merged back to order 10', (r) => {
    expect(r.buddy('DMA32')).toEqual(BOOT_DMA32);
  }],
  [6, 'GFP_DMA from DMA at pfn 0x400, GFP_KERNEL from DMA32; stolen pageblocks; a pcp batch of 15', (r) => {
    r.says('pfn 0x400', 'a batch of 15 pages', 'count 14, batch 15');
    expect(r.result(6, 'd = __get_free_pages')).toContain('pfn 0x400 order 2, Node 0 DMA');
    expect(r.result(6, 'k = alloc_pages')).toContain('order 0, Node 0 DMA32');
    expect(r.pageblocks('DMA').Unmovable).toBe(2);
    expect(r.pageblocks('DMA32').Unmovable).toBe(2);
    // DMA's smaller blocks below 0x400 are still there: the fallback took the largest.
    expect(r.freePfns('DMA', 8, MIGRATE_MOVABLE)).toEqual([0x100]);
    expect(r.freePfns('DMA', 9, MIGRATE_MOVABLE)).toEqual([0x200]);
    expect(r.zone('DMA32').pagesets?.[0]).toMatchObject({count: 14, batch: 15});
  }],
  [8, 'the first free went to the per-CPU list; the double free is reported and changes nothing', (r, before) => {
    expect(r.result(8, 'free_pages(d, 2)')).toContain('freed order 2');
    expect(r.s.transcript.filter((l) => l.tick === 8 && l.kind === 'kcall').map((l) => l.text.split('=>')[1].trim())).toEqual(['freed order 2', 'freed order 0', 'refused (see the kernel log)']);
    expect(r.line(8, 'BUG: Bad page state').detail).toContain('page dumped because: the page is already free (on a per-CPU list)');
    // d's four pages joined the four already on CPU 0's DMA list; the refused free added nothing.
    expect(before.zone('DMA').pagesets?.[0].count).toBe(4);
    expect(r.zone('DMA').pagesets?.[0].count).toBe(8);
    expect(r.buddy('DMA')).toEqual(before.buddy('DMA'));
  }],
  [10, 'DMA32 below low, DMA at low + lowmem_reserve; kswapd0 woke and reclaims a batch a tick', (r) => {
    r.says('free 475, low 572', 'free 258 = 38 + 220');
    expect(r.result(10, 'filemap_read(232M)')).toContain('59392 page-cache pages');
    expect(r.zone('DMA32')).toMatchObject({free: 475, low: 572, high: 686});
    const dma = r.zone('DMA');
    expect(dma).toMatchObject({free: 258, low: 38});
    expect(dma.protection[1]).toBe(220);
    expect(r.line(10, 'kswapd0: woken')).toBeDefined();
    expect(r.kswapdAwake(0)).toBe(true);
    expect(r.vmstat().pgsteal_kswapd).toBe(128);
  }],
  [20, 'GFP_ATOMIC in hardirq works; GFP_KERNEL there is the sleeping-in-atomic BUG', (r) => {
    expect(r.result(20, '@cpu1:hardirq a = alloc_pages(GFP_ATOMIC, 0)')).toContain('Node 0 DMA32');
    expect(r.line(20, 'BUG: sleeping function called from invalid context')).toBeDefined();
  }],
  [30, 'the reading task reclaims 30176 pages directly and would sleep 7 ticks; kswapd0 woke again', (r) => {
    r.says('30176 pages', 'sleep 7 ticks');
    expect(r.result(30, 'filemap_read(120M)')).toContain('(direct reclaim: a task would sleep 7 ticks');
    expect(r.vmstat().pgsteal_direct).toBe(30176);
    expect(r.line(30, 'kswapd0: woken')).toBeDefined();
  }],
  [40, 'no block above order 8; one round of 1024 pages merges into h at 0x9c00; kswapd0 woken for order 10', (r, before) => {
    r.says('above order 8', '1024 oldest', 'pfn 0x9c00', 'woken for order 10');
    for (const zone of ['DMA', 'DMA32']) expect(before.buddy(zone).slice(9)).toEqual([0, 0]);
    expect(r.result(40, 'h = alloc_pages')).toContain('pfn 0x9c00 order 10, Node 0 DMA32');
    expect(r.vmstat().pgsteal_direct - before.vmstat().pgsteal_direct).toBe(1024);
    expect(r.vmstat().allocstall - before.vmstat().allocstall).toBe(1);
    expect(r.line(40, 'kswapd0: woken for order 10')).toBeDefined();
  }],
  [50, 'the lists are back to boot; h\'s two pageblocks stay Unmovable, its block on the Unmovable list', (r) => {
    r.says('2 Unmovable pageblocks in DMA32');
    expect(r.buddy('DMA')).toEqual(BOOT_DMA);
    expect(r.buddy('DMA32')).toEqual(BOOT_DMA32);
    expect(r.pageblocks('DMA32')).toMatchObject({Unmovable: 2, Movable: 118});
    expect(r.pageblocks('DMA')).toMatchObject({Unmovable: 0, Movable: 8});
    expect(r.freePfns('DMA32', 10, MIGRATE_UNMOVABLE)).toEqual([0x9c00]);
  }],
  [60, 'modprobe nvme probed on CPU 0: nvme_req, 4K + 1K in slabs, 16K pages, 512 KiB firmware; reader and shell', (r) => {
    r.says('probe on CPU 0', 'pages=128');
    expect(r.line(60, 'nvme: probed')?.text).toBe('nvme: probed: 1 caches, 3 control structures, 524288 bytes of firmware');
    expect(r.cpu(0).current).toBe('modprobe');
    expect(r.slab('nvme_req').objsize).toBe(320);
    expect(r.workload('nvme')).toMatchObject({slab_objects: 2, pages: 4, vmalloc_bytes: 512 * 1024});
    const fw = r.vmalloc().areas.filter((a) => a.caller?.startsWith('nvme_probe'));
    expect(fw.map((a) => a.pages)).toEqual([128]);
    expect(r.tasks('reader')).toHaveLength(1);
    expect(r.tasks('shell')).toHaveLength(2);
    expect(r.workload('shell').counters.forks ?? 0).toBe(0);
  }],
  [100, 'eth0 interrupted CPU 1 7 times since 80: 26 buffers, all freed by NET_RX in irq_exit', (r) => {
    r.says('since tick 80 it interrupted 7 times', '26 packet buffers', 'all 26', '(5 steps on CPU 1)');
    expect(r.line(80, 'start eth0').kind).toBe('action');
    expect(r.workload('eth0').counters).toMatchObject({interrupts: 7, buffers: 26, consumed: 26});
    const cpu1 = r.cpu(1);
    expect(cpu1.interrupts).toBe(7);
    expect(cpu1.steps).toMatchObject({hardirq: 5, softirq: 0});
    expect(r.tasks('ksoftirqd/1')[0].steps).toBe(0);
  }],
  [1000, 'nvme_req: 7733 requests through 18 slabs, 13 on the CPUs\' partial lists; shell: 85 forks, 17 unpurged', (r) => {
    r.says('7733 requests', '18 one-page slabs of 12 objects (slabinfo: 216)', '13 slabs there', 'forked 85', '48 took', '37 vmalloc', '17 unpurged vm_area lines (85 pages)');
    expect(r.workload('nvme').counters.requests).toBe(7733);
    expect(r.slab('nvme_req')).toMatchObject({num_objs: 216, num_slabs: 18, objperslab: 12, pagesperslab: 1});
    expect(r.slab('nvme_req').places.cpu_partial).toBe(13);
    expect(r.workload('shell').counters).toMatchObject({forks: 85, stack_cache_hits: 48, stack_vmallocs: 37});
    expect(r.unpurged()).toBe(17);
    expect(r.vmalloc().lazy_pages).toBe(85);
    expect(Object.values(r.tlb().vmstat).every((n) => n === 0)).toBe(true);
  }],
  [7799, 'memory is full: DMA32 below low, kswapd0 woke for the first time since tick 48', (r) => {
    r.says('free 566, low 572', 'above high (686)');
    expect(r.zone('DMA32')).toMatchObject({free: 566, low: 572, high: 686});
    expect(kswapdWakes(r, 49, 7799)).toEqual([7799]);
    expect(r.kswapdAwake(0)).toBe(true);
  }],
  [8600, 'steady state: 13 wakeups since 7799, each slept balanced; free 596; allocstall still 944', (r) => {
    r.says('since tick 7799 kswapd0 has woken 13 times', '(now 596)', 'allocstall is still 944');
    expect(kswapdWakes(r, 7799, 8600)).toHaveLength(13);
    const sleeps = r.lines(7799, 8600, 'kswapd0: sleeps');
    expect(sleeps).toHaveLength(13);
    for (const l of sleeps) {
      expect(l.text).toContain('balanced');
      const pages = Number(/reclaimed (\d+) pages/.exec(l.text)?.[1]);
      expect(pages).toBeGreaterThanOrEqual(128);
      expect(pages).toBeLessThan(1000);
    }
    expect(r.kswapdAwake(0)).toBe(false);
    expect(r.zone('DMA32').free).toBe(596);
    expect(r.vmstat().allocstall).toBe(944);
  }],
  [9000, 'ioremap(60M): an area of 15360 pages + guard, no RAM but 30 page-table pages; 273 unpurged stacks', (r, before) => {
    r.says('62918656 bytes (15360 pages and a guard page), phys=0x00000000e0000000', '30 page-table pages', '273 unpurged vm_area lines', '1365 pages', '16384');
    expect(r.result(9000, 'fb = ioremap(0xe0000000, 60M)')).toContain('ioremap area of 15360 pages + guard, phys 0xe0000000');
    const v = r.vmalloc();
    const fb = v.areas.filter((a) => a.kind === 'ioremap');
    expect(fb.map((a) => [a.size, a.phys, a.pages])).toEqual([[62918656, '0x00000000e0000000', 0]]);
    expect(v.pagetable_pages - before.vmalloc().pagetable_pages).toBe(30);
    expect(r.unpurged()).toBe(273);
    expect(v.lazy_pages).toBe(1365);
    expect(v.lazy_max_pages).toBe(16384);
    expect(Object.values(r.tlb().vmstat).every((n) => n === 0)).toBe(true);
  }],
  [9001, 'iounmap passes lazy_max_pages with the stacks: one purge, a full flush per CPU, one IPI from CPU 0', (r, before) => {
    r.says('15361 pages', '16384 pages', 'nr_tlb_local_flush_all 2, nr_tlb_remote_flush 1', 'CPU 0 to CPU 1');
    expect(r.result(9001, 'iounmap(fb)')).toContain('freed the mapping (lazily)');
    // 15361 pages (the guard included) would not pass lazy_max_pages alone; with the stacks' they do.
    const fb = before.vmalloc().areas.find((a) => a.kind === 'ioremap');
    const lazyMax = before.vmalloc().lazy_max_pages;
    expect((fb?.size ?? 0) / 4096).toBe(15361);
    expect(15361).toBeLessThanOrEqual(lazyMax);
    expect(before.vmalloc().lazy_pages + 15361).toBeGreaterThan(lazyMax);
    const t = r.tlb();
    expect(t.vmstat).toEqual({nr_tlb_remote_flush: 1, nr_tlb_remote_flush_received: 1, nr_tlb_local_flush_all: 2, nr_tlb_local_flush_one: 0});
    expect(t.cpus.map((c) => [c.full_flushes, c.ipis_sent, c.ipis_received])).toEqual([[1, 1, 0], [1, 0, 1]]);
    const v = r.vmalloc();
    expect(v.purges).toBe(1);
    expect(r.unpurged()).toBe(0);
    expect(v.lazy_pages).toBe(0);
  }],
]);

// ---- fragmentation-vs-dma -------------------------------------------------------------------------------------

/** Every 2 MiB range of DMA32 is reserved, grabber0's, or holds one of `owner`'s pages. */
function everyRangeHolds(r: Run, owner: 'user' | 'pagecache'): void {
  const ranges = r.owners2M('DMA32');
  const reserved = ranges.filter((o) => o.length === 0).length;
  expect(reserved).toBe(reservedRanges(r, 'DMA32'));
  const grabber0 = ranges.filter((o) => o.includes('kernel'));
  expect(grabber0).toEqual([['kernel'], ['kernel'], ['kernel']]);
  expect(ranges.filter((o) => o.length > 0 && !o.includes('kernel') && !o.includes(owner))).toEqual([]);
}

notes('fragmentation-vs-dma', [
  [1, 'grabber0 took its ring and pool at boot; the hog\'s first step split one Movable block on CPU 1', (r) => {
    r.says('4 Unmovable pageblocks', 'nr_zone_inactive_file 5, nr_zone_inactive_anon 4', 'DMA32 "1 0 0 0 1 1 1 2 2 2 52"');
    expect(r.line(0, 'grabber0: reserved at boot').text).toContain('2 x 2048 KiB coherent ring, 8 x 64 KiB buffer pool (ZONE_DMA32)');
    expect(r.line(1, 'grabber0: probed').text).toContain('(reserved at boot)');
    expect(r.workload('grabber0').pages).toBe(1024 + 128);
    // The ring fills one 4 MiB block, the pool 512 KiB of another, whose free rest is on the Unmovable lists.
    expect(new Set(r.ownedPfns('DMA32', OWNER_KERNEL).map((pfn) => pfn >> 10)).size).toBe(2);
    expect(r.pageblocks('DMA32').Unmovable).toBe(4);
    expect(r.freeList('DMA32', 'Unmovable')).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0]);
    expect(r.buddy('DMA32')).toEqual([1, 0, 0, 0, 1, 1, 1, 2, 2, 2, 52]);
    expect(r.stat('DMA32', 'nr_zone_inactive_file')).toBe(5);
    expect(r.stat('DMA32', 'nr_zone_inactive_anon')).toBe(4);
    expect(r.cpu(0).current).toBe('modprobe');
    expect(r.tasks('hog').map((t) => [t.cpu, t.steps])).toEqual([[0, 0], [1, 1]]);
    // Side by side: the 9 pages lie in one run of pfns.
    const pages = [...r.ownedPfns('DMA32', OWNER_PAGECACHE), ...r.ownedPfns('DMA32', OWNER_USER)].sort((a, b) => a - b);
    expect(pages).toHaveLength(9);
    expect(pages[8] - pages[0]).toBe(8);
  }],
  [3000, '13 order-10 blocks left and nobody has reclaimed', (r) => {
    r.says('13 order-10 blocks', 'DMA32 "1 1 1 0 1 1 0 1 1 1 13"');
    expect(r.buddy('DMA32')).toEqual([1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 13]);
    expect(r.vmstat()).toMatchObject({kswapd_wakeups: 0, pgsteal_kswapd: 0, pgsteal_direct: 0});
  }],
  [5000, 'kswapd since 4356; no free 2 MiB block; a user page in every range; 117 Movable pageblocks', (r) => {
    r.says('Since tick 4356', 'DMA32 "35 24 14 4 3 1 0 2 1 0 0"', '117 of DMA32\'s 120 pageblocks');
    expect(r.lines(0, 5000, 'kswapd0: woken')[0].tick).toBe(4356);
    expect(r.buddy('DMA32')).toEqual([35, 24, 14, 4, 3, 1, 0, 2, 1, 0, 0]);
    everyRangeHolds(r, 'user');
    expect(r.pageblocks('DMA32')).toMatchObject({Movable: 117, Unmovable: 3});
    expect(r.freeList('DMA32', 'Unmovable')).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
  }],
  [7002, 'order:9 fails with 5832kB free in DMA32; one round of 512 reclaimed; grabber0 keeps its ring', (r) => {
    r.says('5832kB free in DMA32', '512 page-cache pages');
    const fail = r.line(7001, 'page allocation failure: order:9');
    expect(fail.text).toContain('mode:0xcc4(GFP_KERNEL|GFP_DMA32)');
    const dma32 = fail.detail?.find((d) => d.startsWith('Node 0 DMA32:')) ?? '';
    expect(dma32).toMatch(/0\*2048kB 0\*4096kB = 5832kB$/);
    const dma = fail.detail?.find((d) => d.startsWith('Node 0 DMA:')) ?? '';
    expect(dma).toMatch(/0\*2048kB 0\*4096kB = \d+kB$/);
    expect(r.line(7001, 'grabber1: probe with driver grabber1 failed with error -12')).toBeDefined();
    expect(r.vmstat()).toMatchObject({pgsteal_direct: 512, allocstall: 1});
    everyRangeHolds(r, 'user');
    expect(r.workload('grabber0').pages).toBe(1024 + 128);
    expect(r.workload('grabber1').state).toBe('failed');
  }],
  [7512, 'the hog exited: 77980kB free, order 9 still fails, page cache in every range', (r) => {
    r.says('77980kB', 'DMA32 "8587 3470 674 61 15 3 1 1 1 0 0"');
    expect(r.line(7510, 'page allocation failure: order:9').detail?.find((d) => d.startsWith('Node 0 DMA32:'))).toMatch(/= 77980kB$/);
    expect(r.zone('DMA32').free * 4).toBe(77980);
    expect(r.stat('DMA32', 'nr_zone_inactive_anon')).toBe(0);
    expect(r.buddy('DMA32')).toEqual([8587, 3470, 674, 61, 15, 3, 1, 1, 1, 0, 0]);
    everyRangeHolds(r, 'pagecache');
  }],
  [8000, 'drop_caches merges the free pages back into large blocks', (r) => {
    r.says('DMA32 "157 161 140 118 105 89 88 84 47 29 5"');
    expect(r.result(8000, 'drop_caches()')).toContain('dropped');
    expect(r.stat('DMA32', 'nr_zone_inactive_file')).toBe(0);
    expect(r.buddy('DMA32')).toEqual([157, 161, 140, 118, 105, 89, 88, 84, 47, 29, 5]);
  }],
  [8012, 'grabber1 probes; its unmovable ring split one of the five 4 MiB blocks', (r, before) => {
    r.says('order-10 column 5 -> 4', '5 Unmovable pageblocks');
    expect(r.line(8010, 'grabber1: probed').text).toBe('grabber1: probed: 2 x 2048 KiB coherent ring in ZONE_DMA32');
    expect(before.freeList('DMA32', 'Unmovable')[9]).toBe(0);
    expect(before.buddy('DMA32').slice(9)).toEqual([29, 5]);
    expect(r.buddy('DMA32').slice(9)).toEqual([29, 4]);
    expect([before.pageblocks('DMA32').Unmovable, r.pageblocks('DMA32').Unmovable]).toEqual([3, 5]);
  }, 8009],
  [9900, 'the hog, back since 9000, used up orders 0-6 first; 29 order-9 blocks whole; the devices\' buffers', (r) => {
    r.says('since tick 9000', 'DMA32 "1 1 1 1 1 0 3 83 47 29 4"', 'the 29 order-9', '968 of 976', '(189, order 4)');
    expect(r.line(9000, 'start hog').kind).toBe('action');
    expect(r.buddy('DMA32')).toEqual([1, 1, 1, 1, 1, 0, 3, 83, 47, 29, 4]);
    expect(r.workload('grabber0').counters).toMatchObject({buffers: 976, pool_buffers: 968});
    expect(r.workload('grabber1').counters.buffers).toBe(189);
    expect(r.workload('grabber1').counters.pool_buffers ?? 0).toBe(0);
    expect([r.workload('grabber0').state, r.workload('grabber1').state]).toEqual(['running', 'running']);
  }],
]);

// ---- numa -----------------------------------------------------------------------------------------------------

/** The page-cache pages reclaimed from a zone in one tick: its LRU before, plus what it allocated, minus after. */
function reclaimedIn(r: Run, before: Run, zone: string, node: number): number {
  const alloc = (x: Run) => x.stat(zone, 'numa_hit', node) + x.stat(zone, 'numa_miss', node) - x.stat(zone, 'nr_zone_inactive_anon', node);
  return before.stat(zone, 'nr_zone_inactive_file', node) + alloc(r) - alloc(before) - r.stat(zone, 'nr_zone_inactive_file', node);
}

notes('numa', [
  [1, 'CPU 0 asks for node 0: numa_hit and numa_local on Node 0 DMA32', (r) => {
    r.says('numa_hit 1', 'numa_local 1');
    expect(r.result(1, 'a = ')).toContain('Node 0 DMA32');
    expect([r.stat('DMA32', 'numa_hit', 0), r.stat('DMA32', 'numa_local', 0)]).toEqual([1, 1]);
  }],
  [2, 'CPU 0 asks for node 1: numa_hit and numa_other on Node 1 DMA32', (r) => {
    expect(r.result(2, 'b = ')).toContain('Node 1 DMA32');
    expect([r.stat('DMA32', 'numa_hit', 1), r.stat('DMA32', 'numa_other', 1), r.stat('DMA32', 'numa_local', 1)]).toEqual([1, 1, 0]);
  }],
  [3, 'alloc_pages on CPU 1 is node 1: numa_hit and numa_local there', (r) => {
    expect(r.result(3, '@cpu1 c = ')).toContain('Node 1 DMA32');
    expect([r.stat('DMA32', 'numa_hit', 1), r.stat('DMA32', 'numa_local', 1)]).toEqual([2, 1]);
  }],
  [4, 'GFP_DMA on CPU 1 ends in node 0\'s DMA at pfn 0x400: numa_hit and numa_other', (r) => {
    expect(r.zone('DMA', 1).populated).toBe(false);
    expect(r.result(4, '@cpu1 d = ')).toContain('pfn 0x400 order 0, Node 0 DMA');
    expect([r.stat('DMA', 'numa_hit', 0), r.stat('DMA', 'numa_miss', 0), r.stat('DMA', 'numa_other', 0)]).toEqual([1, 0, 1]);
  }],
  [10, 'node 1 filled to 447 (low 456), then 12779 pages from node 0; no kswapd woke', (r) => {
    r.says('447 pages free, low 456', '12779 pages');
    expect(r.result(10, '@cpu1 filemap_read(300M)')).toContain('76800 page-cache pages');
    expect(r.zone('DMA32', 1)).toMatchObject({free: 447, low: 456});
    expect(r.stat('DMA32', 'numa_miss', 0)).toBe(12779);
    expect(r.stat('DMA32', 'numa_foreign', 1)).toBe(12779);
    expect(r.vmstat().kswapd_wakeups).toBe(0);
    expect(r.zone('DMA32', 0).free).toBeGreaterThan(r.zone('DMA32', 0).low);
  }],
  [15, '__GFP_THISNODE: kswapd1 woken, the page taken above min; kswapd1 reclaims its first batch', (r) => {
    r.says('128 pages a tick', '(547)');
    expect(r.result(15, '@cpu1 e = ')).toContain('Node 1 DMA32');
    expect(r.line(15, 'kswapd1: woken')).toBeDefined();
    expect([r.kswapdAwake(0), r.kswapdAwake(1)]).toEqual([false, true]);
    expect(r.tasks('kswapd1')[0].state).toBe('R');
    const n1 = r.zone('DMA32', 1);
    expect(n1.free).toBeGreaterThan(n1.min);
    expect(n1.high).toBe(547);
    expect(r.vmstat().pgsteal_kswapd).toBe(128);
  }],
  [20, 'kswapd1 slept at 19 after 640 pages; node 1 has 672 free; kswapd0 never woke', (r) => {
    r.says('slept at tick 19', '640 pages', '672 pages free');
    expect(r.line(19, 'kswapd1: sleeps').text).toBe('kswapd1: sleeps, balanced; reclaimed 640 pages');
    expect(r.zone('DMA32', 1).free).toBe(672);
    expect(r.lines(0, 20, 'kswapd0')).toEqual([]);
  }],
  [30, 'the hog on CPU 1: its first pages from node 1, numa_hit and numa_local +5; node 0 untouched', (r, before) => {
    r.says('grew by 5');
    expect(r.line(30, 'start hog').kind).toBe('action');
    expect(r.workload('hog').cpus).toEqual([1]);
    for (const k of ['numa_hit', 'numa_local']) expect(r.stat('DMA32', k, 1) - before.stat('DMA32', k, 1)).toBe(5);
    for (const k of ['numa_hit', 'numa_miss']) expect(r.stat('DMA32', k, 0)).toBe(before.stat('DMA32', k, 0));
  }],
  [40, 'both nodes below low; kswapd1 and kswapd0 woken; 18048 pages reclaimed directly from node 1; 4 ticks', (r, before) => {
    r.says('256 MiB', '18048 pages', 'sleep 4 ticks');
    expect(r.result(40, '@cpu1 filemap_read(256M)')).toContain('(direct reclaim: a task would sleep 4 ticks');
    expect(r.line(40, 'kswapd1: woken')).toBeDefined();
    expect(r.line(40, 'kswapd0: woken')).toBeDefined();
    for (const node of [0, 1]) expect(r.zone('DMA32', node).free).toBeLessThan(r.zone('DMA32', node).low);
    const direct = r.vmstat().pgsteal_direct - before.vmstat().pgsteal_direct;
    const kswapd = r.vmstat().pgsteal_kswapd - before.vmstat().pgsteal_kswapd;
    expect(direct).toBe(18048);
    // Node 1's page cache paid for the direct reclaim; node 0 lost only what kswapd0 took.
    expect(reclaimedIn(r, before, 'DMA32', 1)).toBe(direct);
    expect(reclaimedIn(r, before, 'DMA32', 0) + reclaimedIn(r, before, 'DMA', 0)).toBe(kswapd);
  }],
  [2000, 'steady state: each DMA32 around its watermarks; numa_miss 57580', (r) => {
    r.says('Node 0 453 free, min 318, high 476', 'Node 1 456, min 365, high 547', '(57580 by now)');
    expect(r.zone('DMA32', 0)).toMatchObject({free: 453, min: 318, high: 476});
    expect(r.zone('DMA32', 1)).toMatchObject({free: 456, min: 365, high: 547});
    expect(r.stat('DMA32', 'numa_miss', 0)).toBe(57580);
    for (const k of ['kswapd0: woken', 'kswapd1: woken']) expect(r.lines(41, 2000, k).length).toBeGreaterThan(0);
  }],
]);

test('numa: the machine the notes describe - node 0 the first 256 MiB with DMA, node 1 the rest, distance 20', () => {
  const r = new Run('numa');
  const m = machineSummary(r.s);
  expect(m.nodes).toEqual([
    {node: 0, cpus: [0], start_pfn: 0, end_pfn: 65536},
    {node: 1, cpus: [1], start_pfn: 65536, end_pfn: 131072},
  ]);
  expect(m.distance).toEqual([[10, 20], [20, 10]]);
  expect(zoneinfoView(r.s.machine).filter((z) => z.populated).map((z) => `${z.node} ${z.zone}`)).toEqual(['0 DMA', '0 DMA32', '1 DMA32']);
});
