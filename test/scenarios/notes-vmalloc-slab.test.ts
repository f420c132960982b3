// The notes of vmalloc-vs-kmalloc, i386-vmalloc-exhaustion, slab-churn and slab-vs-slub, checked at their ticks:
// a lecturer reads each note aloud while the dumps are on the screen, so every figure a note gives must be what
// the dumps show at that tick (exact where the note is exact), and every claim about what happened must have
// happened. The run is advanced one tick at a time, so claims about when a purge came are checked too.
import {describe, expect, test} from 'vitest';
import {check} from '../../source/kernel/check.js';
import type {Machine} from '../../source/kernel/machine.js';
import {OWNER_NAMES, PG_ALLOC, PG_BUDDY, PG_PCP} from '../../source/kernel/page-alloc/types.js';
import type {Zone} from '../../source/kernel/page-alloc/zone.js';
import {buddyinfoView, slabinfoView, tlbView, vmallocinfoView, zoneinfoView} from '../../source/kernel/procfs.js';
import {PLACE_NAMES} from '../../source/kernel/slab/cache.js';
import {type CacheFigures, slabsOf} from '../../source/kernel/slab/figures.js';
import {jsonDocument} from '../../source/session/headless.js';
import {openScenario} from '../../source/session/open-scenario.js';
import {Session, type TranscriptLine} from '../../source/session/session.js';
import {workloadsView} from '../../source/workloads/report.js';
import {boot} from '../helpers.js';

const MiB = 1 << 20;

function open(name: string, slab?: 'slab' | 'slub'): Session {
  const r = openScenario(name);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const scenario = slab ? {...r.scenario, machine: {...r.scenario.machine, slab}} : r.scenario;
  const s = Session.create(scenario);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.session;
}

type Purge = {tick: number; pages: number};

/**
 * A scenario run the tests advance in order (a test that asks for an earlier tick gets a fresh run): it steps one
 * tick at a time and records every vmalloc purge with the pages it gave back.
 */
class Run {
  s!: Session;
  purges: Purge[] = [];

  constructor(
    readonly name: string,
    readonly slab?: 'slab' | 'slub',
  ) {
    this.reset();
  }

  private reset(): void {
    this.s = open(this.name, this.slab);
    this.purges = [];
  }

  /** The session at the end of `tick` (after that tick's entries and the CPUs' steps), check() clean. */
  at(tick: number): Session {
    if (this.s.tick > tick) this.reset();
    const vm = this.s.machine.vm;
    while (this.s.tick < tick) {
      const [n, pages] = [vm.stats.purges, vm.stats.pagesPurged];
      this.s.step();
      if (vm.stats.purges !== n) {
        expect(vm.stats.purges, `one purge a tick at ${this.s.tick}`).toBe(n + 1);
        this.purges.push({tick: this.s.tick, pages: vm.stats.pagesPurged - pages});
      }
    }
    expect(check(this.s.machine), `${this.name} at tick ${tick}`).toEqual([]);
    return this.s;
  }
}

/** The notes' ticks of a shipped scenario, so a note added without a test here fails. */
function noteTicks(name: string): number[] {
  const r = openScenario(name);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return r.scenario.timeline.filter((e) => e.note !== undefined).map((e) => e.at);
}

const lines = (s: Session, tick: number, kind?: TranscriptLine['kind']) => s.transcript.filter((l) => l.tick === tick && (!kind || l.kind === kind));
const texts = (s: Session, tick: number, kind?: TranscriptLine['kind']) => lines(s, tick, kind).map((l) => l.text);
/** The note is in the transcript at its tick. */
function noted(s: Session, tick: number, start: string): void {
  expect(texts(s, tick, 'note').some((t) => t.startsWith(start)), `note "${start}" at ${tick}`).toBe(true);
}

const zoneOf = (m: Machine, name: string): Zone => {
  const z = m.pa.zones.find((x) => x.name === name && x.present > 0);
  if (!z) throw new Error(`no zone ${name}`);
  return z;
};
const buddy = (m: Machine, zone: string) => buddyinfoView(m).find((r) => r.zone === zone)!.free;
const freeBytes = (m: Machine) => buddyinfoView(m).reduce((a, r) => a + r.free.reduce((x, n, o) => x + n * (1 << o), 0), 0) * 4096;
const zoneinfo = (m: Machine, zone: string) => zoneinfoView(m).find((z) => z.zone === zone && z.populated)!;
/** zoneinfo's per-node counters (printed with the node's first zone). */
const nodeStats = (m: Machine) => zoneinfoView(m).find((z) => z.node_stats)!.node_stats!;
const vmstat = (s: Session) => jsonDocument(s, []).vmstat as {allocstall: number; pgsteal_direct: number};

/** Where a page is: 'free' (in a buddy block), 'pcp' (on a per-CPU list) or its owner (vmalloc, pagecache ...). */
function pageState(m: Machine, pfn: number): string {
  const z = m.pa.zoneOf(pfn);
  if (!z) return 'none';
  for (let k = 0; k <= 10; k++) {
    const head = pfn & ~((1 << k) - 1);
    if (head < z.startPfn) break;
    const i = head - z.startPfn;
    if (z.order[i] < k) continue;
    if (z.state[i] === PG_BUDDY) return 'free';
    if (z.state[i] === PG_PCP) return 'pcp';
    if (z.state[i] === PG_ALLOC) return OWNER_NAMES[m.pa.ownerOf(head)];
  }
  return 'tail?';
}
const statesOf = (m: Machine, from: number, to: number) => {
  const out: Record<string, number> = {};
  for (let p = from; p < to; p++) out[pageState(m, p)] = (out[pageState(m, p)] ?? 0) + 1;
  return out;
};

/** The file LRU of a zone, oldest (what reclaim takes next) first, as pfns. */
function lruOldestFirst(z: Zone): number[] {
  const out: number[] = [];
  for (let i = z.lruTail; i !== -1 && out.length < z.lruCount; i = z.prev[i]) out.push(z.startPfn + i);
  return out;
}
const range = (from: number, n: number) => Array.from({length: n}, (_, i) => from + i);

// ---- vmalloc-vs-kmalloc -------------------------------------------------------------------------------------

describe('vmalloc-vs-kmalloc notes', () => {
  const run = new Run('vmalloc-vs-kmalloc');
  const CHECKED = [1, 2, 3, 4, 50, 2500, 2801, 2810, 4149, 6001, 6010];

  test('every note is checked here', () => {
    expect(noteTicks('vmalloc-vs-kmalloc')).toEqual(CHECKED);
  });

  test('1: kmalloc(1M) is one order-8 block split from an order-10 one; no page tables, no vmalloc area', () => {
    const boot0 = buddy(run.at(0).machine, 'DMA32').slice();
    const s = run.at(1);
    noted(s, 1, 'kmalloc(1M) is kmalloc_large');
    expect(texts(s, 1, 'kcall')).toEqual(['k = kmalloc(1M, GFP_KERNEL)  =>  k = 0xffff888002000000  kmalloc_large order 8, pfn 0x2000, Node 0 DMA32']);
    expect(buddy(s.machine, 'DMA32').map((n, o) => n - boot0[o])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, -1]);
    const v = vmallocinfoView(s.machine);
    expect(v.areas).toEqual([]);
    expect(v.pagetable_pages).toBe(0);
    expect(nodeStats(s.machine).nr_page_table_pages).toBe(0);
  });

  test('2: vmalloc(1M) - 256 consecutive pages through the per-CPU list, 3 page-table pages (PUD on first use), 257-page area', () => {
    const s = run.at(2);
    noted(s, 2, 'vmalloc(1M) took 256 order-0 pages');
    const v = vmallocinfoView(s.machine);
    expect(v.areas).toHaveLength(1);
    const [a] = v.areas;
    expect([a.size, a.pages, a.state, a.kind]).toEqual([1052672, 256, 'busy', 'vmalloc']);
    expect(a.pfns).toEqual(range(0x2100, 256));
    // The emulator's count: PUD, PMD and PTE page, one each (a real 5.9+ kernel preallocated the PUD at boot).
    expect(nodeStats(s.machine).nr_page_table_pages).toBe(3);
    expect(s.machine.vm.pt.levels.map((l) => l.name)).toEqual(['pud', 'pmd', 'pte']);
    expect(s.machine.vm.pt.tables.map((t) => t.size)).toEqual([1, 1, 1]);
    // Through CPU 0's per-CPU list: its batch refills left pages there; CPU 1's list was not used.
    const pcp = zoneinfo(s.machine, 'DMA32').pagesets!;
    expect(pcp[0].count).toBeGreaterThan(0);
    expect(pcp[1].count).toBe(0);
  });

  test('3: kfree gives the order-8 block back whole; its buddy holds vmalloc pages, so it stays order 8', () => {
    const before = buddy(run.at(2).machine, 'DMA32').slice();
    const s = run.at(3);
    noted(s, 3, 'kfree gave the order-8 block back');
    expect(buddy(s.machine, 'DMA32').map((n, o) => n - before[o])).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    expect(pageState(s.machine, 0x2000)).toBe('free');
    expect(zoneOf(s.machine, 'DMA32').order[0x2000 - zoneOf(s.machine, 'DMA32').startPfn]).toBe(8);
    expect(statesOf(s.machine, 0x2100, 0x2200)).toEqual({vmalloc: 256});
  });

  test('4: vfree flushes nothing - the area is unpurged, the pages go to the per-CPU list, buddyinfo does not move', () => {
    const m3 = run.at(3).machine;
    const [before, pcpBefore] = [buddy(m3, 'DMA32').slice(), zoneinfo(m3, 'DMA32').pagesets![0].count];
    const s = run.at(4);
    noted(s, 4, 'vfree cleared the PTEs');
    const v = vmallocinfoView(s.machine);
    expect(v.areas.map((a) => [a.start, a.size, a.state])).toEqual([['0xffffc90000000000', 1052672, 'unpurged']]);
    expect([v.lazy_pages, v.ptes_mapped, v.ptes_cleared, v.purges]).toEqual([257, 0, 256, 0]);
    expect(Object.values(tlbView(s.machine).vmstat)).toEqual([0, 0, 0, 0]);
    expect(buddy(s.machine, 'DMA32')).toEqual(before);
    expect(zoneinfo(s.machine, 'DMA32').pagesets![0].count - pcpBefore).toBe(256);
  });

  test('50: the read leaves 45 MiB free; the module images eat it, DMA32 first, and kswapd first wakes after tick 2000', () => {
    const s = run.at(50);
    noted(s, 50, 'A big file read fills memory');
    expect(texts(s, 50, 'kcall')).toEqual(['filemap_read(440M)  =>  112640 page-cache pages']);
    expect(Math.floor(freeBytes(s.machine) / MiB)).toBe(45);
    const dma32 = zoneinfo(run.at(1500).machine, 'DMA32');
    expect(dma32.free).toBeLessThan(dma32.low);
    expect(zoneinfo(run.s.machine, 'DMA').free).toBeGreaterThan(3000);
    expect(run.s.transcript.some((l) => l.text.startsWith('kswapd0: woken'))).toBe(false);
    const m = run.at(2200).machine;
    const wakes = run.s.transcript.filter((l) => l.text.startsWith('kswapd0: woken')).map((l) => l.tick);
    expect(wakes[0]).toBeGreaterThan(2000);
    expect(wakes.length).toBeGreaterThan(0);
    expect(zoneinfo(m, 'DMA').free).toBeLessThan(1000);
  });

  test('2500: the second read reclaims (18 ticks a task would sleep), kswapd wakes, the LRU still runs in physical order', () => {
    const s = run.at(2500);
    noted(s, 2500, 'A second read, 300 MiB');
    expect(texts(s, 2500, 'kcall')).toEqual(['filemap_read(300M)  =>  76800 page-cache pages (direct reclaim: a task would sleep 18 ticks, 3600 ms)']);
    expect(texts(s, 2500, 'kernel')).toContain('kswapd0: woken for order 0, zones up to Normal');
    const lru = lruOldestFirst(zoneOf(s.machine, 'DMA32'));
    const inOrder = lru.filter((p, i) => i > 0 && p === lru[i - 1] + 1).length;
    expect(inOrder / lru.length).toBeGreaterThan(0.99);
  });

  test('2801: kmalloc(4M) reclaims 1024 pages that straddle a 4 MiB boundary and fails; vmalloc(4M) gets scattered pages', () => {
    const m = run.at(2800).machine;
    // No free order-10 block anywhere; the 1024 oldest cache pages run from 0x153c0, 64 pages before a boundary.
    expect(buddyinfoView(m).map((r) => r.free[10])).toEqual([0, 0]);
    const lru = lruOldestFirst(zoneOf(m, 'DMA32'));
    expect(lru.slice(0, 1024)).toEqual(range(0x153c0, 1024));
    // The block they complete starts with 64 pages of module images; the next keeps its last 64 pages of cache.
    const modulePfns = new Set(vmallocinfoView(m).areas.filter((a) => a.caller?.startsWith('load_module')).flatMap((a) => a.pfns));
    expect(range(0x15000, 64).every((p) => modulePfns.has(p))).toBe(true);
    expect(statesOf(m, 0x157c0, 0x15800)).toEqual({pagecache: 64});
    const before = vmstat(run.s);

    const s = run.at(2801);
    noted(s, 2801, 'The same 4 MiB twice');
    const after = vmstat(s);
    expect([after.allocstall - before.allocstall, after.pgsteal_direct - before.pgsteal_direct]).toEqual([1, 1024]);
    const calls = texts(s, 2801, 'kcall');
    // No "(direct reclaim: a task would sleep ...)": a quarter of a tick's reclaim work.
    expect(calls[0]).toBe('k = kmalloc(4M, GFP_KERNEL)  =>  k = NULL');
    const kernel = lines(s, 2801, 'kernel');
    expect(kernel.map((l) => l.text)).toContain('kswapd0: woken for order 10, zones up to Normal');
    const failure = kernel.find((l) => l.text.includes('page allocation failure'))!;
    expect(failure.text).toBe('kcall: page allocation failure: order:10, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0');
    // The report's free lists stop at 2048kB.
    const largest = (failure.detail ?? []).filter((d) => d.startsWith('Node 0')).map((d) => Math.max(...[...d.matchAll(/(\d+)\*(\d+)kB/g)].filter((x) => x[1] !== '0').map((x) => Number(x[2]))));
    expect(largest).toEqual([2048, 512]);
    // vmalloc got its 1024 pages from all over memory.
    expect(calls[1]).toMatch(/^v = vmalloc\(4M\) {2}=> {2}v = 0xffffc9[0-9a-f]+ {2}vmalloc area of 1024 pages \+ guard, pfns /);
    const v = vmallocinfoView(s.machine).areas.find((a) => a.caller?.startsWith('kcall'))!;
    expect(v.pfns).toHaveLength(1024);
    // Runs of consecutive pfns: the small fragments first (smallest blocks split first), then the reclaimed pages.
    const runs: number[] = [];
    v.pfns.forEach((p, i) => (i > 0 && p === v.pfns[i - 1] + 1 ? runs[runs.length - 1]++ : runs.push(1)));
    expect(runs.length).toBeGreaterThan(10);
    expect(runs.slice(0, 4)).toEqual([2, 2, 4, 8]);
    expect(v.pfns.filter((p) => p >= 0x15000 && p < 0x15800)).toHaveLength(848);
  });

  test('2810: the 4 MiB area waits, unpurged, with the unloaded module images', () => {
    const s = run.at(2810);
    noted(s, 2810, 'Freed lazily like every vfree');
    const v = vmallocinfoView(s.machine);
    const unpurged = v.areas.filter((a) => a.state === 'unpurged');
    expect(unpurged.some((a) => a.size === 1025 * 4096)).toBe(true);
    expect(unpurged.length).toBeGreaterThan(100);
    expect(v.purges).toBe(0);
  });

  test('4149: the first purge came at the end of tick 4148 - one full flush per CPU, one IPI, 230-odd areas freed', () => {
    const before = vmallocinfoView(run.at(4147).machine);
    expect(before.purges).toBe(0);
    const unpurged = before.areas.filter((a) => a.state === 'unpurged').length;
    expect(unpurged).toBeGreaterThanOrEqual(230);
    expect(unpurged).toBeLessThan(240);
    const s = run.at(4149);
    noted(s, 4149, 'The lazily freed pages passed lazy_max_pages');
    expect(run.purges).toEqual([{tick: 4148, pages: expect.any(Number) as number}]);
    expect(run.purges[0].pages).toBeGreaterThan(16384);
    const v = vmallocinfoView(s.machine);
    expect(v.lazy_max_pages).toBe(16384);
    expect(v.areas.filter((a) => a.state === 'unpurged')).toEqual([]);
    const tlb = tlbView(s.machine);
    expect(tlb.vmstat).toEqual({nr_tlb_remote_flush: 1, nr_tlb_remote_flush_received: 1, nr_tlb_local_flush_all: 2, nr_tlb_local_flush_one: 0});
    expect(tlb.cpus.map((c) => [c.full_flushes, c.ipis_sent, c.ipis_received])).toEqual([
      [1, 1, 0],
      [1, 0, 1],
    ]);
  });

  test('6001: vmalloc(4M) takes ZONE_DMA pages without reclaim; kmalloc(4M) completes the block at 0x15c00 with one round', () => {
    const m = run.at(6000).machine;
    const dma32 = zoneinfo(m, 'DMA32');
    expect(dma32.free).toBeLessThan(dma32.low);
    expect(buddyinfoView(m).map((r) => r.free[10])).toEqual([0, 0]);
    expect(lruOldestFirst(zoneOf(m, 'DMA32')).slice(0, 1024)).toEqual(range(0x15dc0, 1024));
    const head = statesOf(m, 0x15c00, 0x15dc0);
    expect((head.free ?? 0) + (head.pcp ?? 0)).toBe(448);
    const before = vmstat(run.s);

    const s = run.at(6001);
    noted(s, 6001, 'The contrast');
    const after = vmstat(s);
    expect([after.allocstall - before.allocstall, after.pgsteal_direct - before.pgsteal_direct]).toEqual([1, 1024]);
    const calls = texts(s, 6001, 'kcall');
    expect(calls[0]).toMatch(/^v = vmalloc\(4M\) {2}=> {2}v = 0xffffc9[0-9a-f]+ {2}vmalloc area of 1024 pages \+ guard, pfns [^(]*\(1024\)$/);
    expect(calls[1]).toBe('k = kmalloc(4M, GFP_KERNEL)  =>  k = 0xffff888015c00000  kmalloc_large order 10, pfn 0x15c00, Node 0 DMA32 (direct reclaim: a task would sleep 1 tick, 200 ms)');
    const v = vmallocinfoView(s.machine).areas.find((a) => a.state === 'busy' && a.caller?.startsWith('kcall'))!;
    expect(v.pfns).toHaveLength(1024);
    expect(v.pfns.every((p) => p < 0x1000)).toBe(true);
  });

  test('6010: the order-10 block is free at once; the vmalloc area waits for a purge; purges come about every 2400 ticks', () => {
    const s = run.at(6010);
    noted(s, 6010, 'kfree returned the order-10 block');
    expect(pageState(s.machine, 0x15c00)).toBe('free');
    expect(zoneOf(s.machine, 'DMA32').order[0x15c00 - zoneOf(s.machine, 'DMA32').startPfn]).toBe(10);
    const areas = vmallocinfoView(s.machine).areas;
    expect(areas.filter((a) => a.size === 1025 * 4096 && a.state === 'unpurged')).toHaveLength(1);
    expect(areas.some((a) => a.caller?.startsWith('kcall'))).toBe(false);
    run.at(12_000);
    const ticks = run.purges.map((p) => p.tick);
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < ticks.length; i++) {
      expect(ticks[i] - ticks[i - 1]).toBeGreaterThan(2200);
      expect(ticks[i] - ticks[i - 1]).toBeLessThan(2600);
    }
  });
});

// ---- i386-vmalloc-exhaustion --------------------------------------------------------------------------------

describe('i386-vmalloc-exhaustion notes', () => {
  const run = new Run('i386-vmalloc-exhaustion');
  const CHECKED = [1, 1006, 1500, 4001, 4010];
  const workload = (s: Session, name: string) => workloadsView(s.sys).find((w) => w.name === name)!;

  test('every note is checked here', () => {
    expect(noteTicks('i386-vmalloc-exhaustion')).toEqual(CHECKED);
  });

  test('1: a 108 MiB region 8 MiB above lowmem; HighMem unmapped; the fork took an order-1 lowmem stack, no vmalloc area', () => {
    const s = run.at(1);
    noted(s, 1, 'The vmalloc region is 0xf8800000-0xff3fe000');
    const v = vmallocinfoView(s.machine);
    expect([v.start, v.end]).toEqual(['0xf8800000', '0xff3fe000']);
    expect(Math.round((v.total_pages * 4096) / MiB)).toBe(108);
    expect(BigInt(v.start)).toBe(0xc0000000n + 896n * BigInt(MiB) + 8n * BigInt(MiB));
    expect(zoneinfo(s.machine, 'HighMem').present * 4096).toBe(128 * MiB);
    expect(v.areas).toEqual([]);
    const server = workload(s, 'server');
    expect([server.counters.forks, server.pages]).toEqual([1, 2]);
    expect(buddy(s.machine, 'HighMem')[10]).toBe(32);
  });

  test('1006: vmalloc(8M) purges 680 lazy pages, still finds no room and fails with ~900 MiB free; order 10 is fine', () => {
    const m = run.at(1005).machine;
    const v0 = vmallocinfoView(m);
    expect([v0.lazy_pages, v0.purges, v0.free_pages]).toEqual([680, 0, 555]);
    const s = run.at(1006);
    noted(s, 1006, 'The udev burst and the steady churn have filled the region');
    expect(run.purges).toEqual([{tick: 1006, pages: 680}]);
    expect(tlbView(s.machine).vmstat).toEqual({nr_tlb_remote_flush: 1, nr_tlb_remote_flush_received: 1, nr_tlb_local_flush_all: 2, nr_tlb_local_flush_one: 0});
    const calls = texts(s, 1006, 'kcall');
    expect(calls[0]).toBe('t = vmalloc(8M)  =>  t = NULL');
    expect(calls[1]).toMatch(/^p = alloc_pages\(GFP_KERNEL, 10\) {2}=> {2}p = .* order 10, Node 0 Normal$/);
    const kernel = texts(s, 1006, 'kernel');
    expect(kernel).toContain('vmap allocation for size 8392704 failed: use vmalloc=<size> to increase size');
    expect(kernel.some((t) => t.startsWith('kcall: vmalloc error: size 8388608, vm_struct allocation failed'))).toBe(true);
    const v = vmallocinfoView(s.machine);
    expect([v.free_pages, v.largest_free_pages]).toEqual([1235, 555]);
    expect(Math.abs(freeBytes(s.machine) / MiB + 4 - 900)).toBeLessThan(10); // + the order-10 block p holds
    // No module load has failed yet; the first does at tick 1015.
    expect(workload(s, 'modules').failures + workload(s, 'udev').failures).toBe(0);
    const s2 = run.at(1015);
    const first = s2.transcript.find((l) => l.tick > 1006 && l.text.startsWith('vmap allocation for size'))!;
    expect(first.tick).toBe(1015);
    expect(first.detail?.[0]).toMatch(/Comm: modprobe$/);
  });

  test('1500: 5 purges (vmalloc(8M)\'s and four by loads), all full flushes on both CPUs; 26 of 116 burst loads failed, 6 of the churn\'s', () => {
    const s = run.at(1500);
    noted(s, 1500, 'An allocation that finds no room');
    expect(run.purges).toHaveLength(5);
    // None came from the threshold: each gave back far fewer than lazy_max_pages.
    expect(run.purges.every((p) => p.pages < 16384)).toBe(true);
    expect(tlbView(s.machine).vmstat).toEqual({nr_tlb_remote_flush: 5, nr_tlb_remote_flush_received: 5, nr_tlb_local_flush_all: 10, nr_tlb_local_flush_one: 0});
    const udev = workload(s, 'udev');
    expect([udev.counters.loads + udev.counters.load_failures, udev.counters.load_failures, udev.failures]).toEqual([116, 26, 26]);
    expect(workload(s, 'modules').counters.load_failures).toBe(6);
    // modprobe logs the first failure of each burst: one burst of failures for each workload so far.
    expect(s.transcript.filter((l) => l.text.startsWith('modprobe: ERROR: could not insert'))).toHaveLength(2);
    expect([workload(s, 'modules').counters.failure_bursts, udev.counters.failure_bursts]).toEqual([1, 1]);
    // The kernel's ratelimits: at most 10 alloc_vmap_area warnings in any 25 ticks, warn_alloc once per 50 ticks.
    const vmap = s.transcript.filter((l) => l.text.startsWith('vmap allocation for size')).map((l) => l.tick);
    for (let i = 10; i < vmap.length; i++) expect(vmap[i] - vmap[i - 10]).toBeGreaterThanOrEqual(25);
    const warn = s.transcript.filter((l) => l.text.includes('vmalloc error: size')).map((l) => l.tick);
    for (let i = 1; i < warn.length; i++) expect(warn[i] - warn[i - 1]).toBeGreaterThanOrEqual(50);
    expect(s.transcript.some((l) => /^warn_alloc: \d+ callbacks suppressed$/.test(l.text))).toBe(true);
  });

  test('4001: the burst is unloaded and vmalloc(8M) gets HighMem pages; 57 areas, 54 MiB unpurged; every purge found no room', () => {
    const s = run.at(4001);
    noted(s, 4001, "The burst's modules have been unloaded");
    const udev = workload(s, 'udev');
    expect(udev.counters.unloads).toBe(udev.counters.loads);
    expect(texts(s, 4001, 'kcall')[0]).toMatch(/^t = vmalloc\(8M\) {2}=> {2}t = 0xf[0-9a-f]+ {2}vmalloc area of 2048 pages \+ guard/);
    const v = vmallocinfoView(s.machine);
    const t = v.areas.find((a) => a.state === 'busy' && a.caller?.startsWith('kcall'))!;
    const highmem = zoneOf(s.machine, 'HighMem');
    expect(t.pfns).toHaveLength(2048);
    expect(t.pfns.every((p) => p >= highmem.startPfn)).toBe(true);
    const unpurged = v.areas.filter((a) => a.state === 'unpurged');
    expect(unpurged).toHaveLength(57);
    expect(Math.floor((v.lazy_pages * 4096) / MiB)).toBe(54);
    expect(unpurged.reduce((n, a) => n + a.size, 0)).toBe(v.lazy_pages * 4096);
    expect(v.lazy_max_pages).toBe(16384);
    expect(v.lazy_max_pages).toBeGreaterThan(v.total_pages / 2);
    expect(run.purges).toHaveLength(12);
    expect(run.purges.every((p) => p.pages < v.lazy_max_pages)).toBe(true);
  });

  test('4010: x86_64 has a 32 TiB region; on i386 vmalloc= makes the region bigger and lowmem smaller', () => {
    const s = run.at(4010);
    noted(s, 4010, 'A 64-bit kernel never sees this');
    expect(vmallocinfoView(s.machine).areas.filter((a) => a.caller?.startsWith('kcall'))).toEqual([]);
    const x86 = boot({profile: 'x86_64', memory: 256 * MiB});
    expect(x86.vm.pages * 4096).toBe(32 * 2 ** 40);
    const wide = boot({profile: 'i386', memory: 1024 * MiB, vmalloc: 256 * MiB});
    expect(wide.vm.pages * 4096).toBeGreaterThan(s.machine.vm.pages * 4096 + 128 * MiB);
    expect(zoneOf(wide, 'Normal').spanned).toBeLessThan(zoneOf(s.machine, 'Normal').spanned);
  });
});

// ---- slab-churn -----------------------------------------------------------------------------------------------

const cache = (s: Session, name: string): CacheFigures => slabinfoView(s.machine).find((c) => c.name === name)!;
const kmemCache = (s: Session, name: string) => s.machine.slab.caches.find((c) => c.name === name)!;
/** Objects in use per slab, by where the slab is. */
function byPlace(s: Session, name: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const sl of slabsOf(kmemCache(s, name))) (out[PLACE_NAMES[sl.place]] ??= []).push(sl.inuse);
  return out;
}

describe('slab-churn notes', () => {
  const run = new Run('slab-churn');
  const CHECKED = [1, 20, 45, 100, 210, 505, 515];

  test('every note is checked here', () => {
    expect(noteTicks('slab-churn')).toEqual(CHECKED);
  });

  test('the geometry and limits the lecture notes give', () => {
    const s = run.at(2);
    const blk = kmemCache(s, 'blk_request').geo;
    const k2 = kmemCache(s, 'kmalloc-2k').geo;
    expect([blk.size, blk.objects, blk.order, blk.cpuPartialSlabs, blk.minPartial]).toEqual([384, 21, 1, 5, 5]);
    expect([k2.size, k2.objects, k2.order, k2.cpuPartialSlabs, k2.minPartial]).toEqual([2048, 16, 3, 3, 5]);
  });

  test('1: from tick 2 to 39 each worker takes about 12 blk and 4 net requests a tick', () => {
    noted(run.at(1), 1, 'Both drivers probe');
    const served: Record<string, number[]> = {blk: [], net: []};
    for (let t = 1; t <= 60; t++) {
      const s = run.at(t);
      for (const w of workloadsView(s.sys)) served[w.name][t] = w.counters.requests ?? 0;
    }
    const blkTicks = range(2, 59).filter((t) => served.blk[t] > served.blk[t - 1]);
    expect([blkTicks[0], blkTicks[blkTicks.length - 1]]).toEqual([2, 39]);
    const perWorkerTick = (n: number) => n / 2 / 38;
    expect(perWorkerTick(served.blk[39])).toBeGreaterThan(11);
    expect(perWorkerTick(served.blk[39])).toBeLessThan(13);
    expect(perWorkerTick(served.net[60])).toBeGreaterThan(3.5);
    expect(perWorkerTick(served.net[60])).toBeLessThan(4.5);
  });

  test('20: 16 slabs, 15 of them full - 13 on the full list and both CPU slabs', () => {
    const s = run.at(20);
    noted(s, 20, 'Mid-burst');
    const c = cache(s, 'blk_request');
    expect([c.num_slabs, c.full]).toEqual([16, 15]);
    expect(c.places.full).toBe(13);
    expect(byPlace(s, 'blk_request').cpu).toEqual([21, 21]);
  });

  test('45: nothing full, nothing empty: 7 slabs on the CPUs\' partial lists (at most 5 each), 20 on the node\'s', () => {
    const s = run.at(45);
    noted(s, 45, 'The burst is over and requests complete out of order');
    const c = cache(s, 'blk_request');
    expect([c.full, c.empty, c.places.cpu_partial, c.places.partial]).toEqual([0, 0, 7, 20]);
    for (const cpu of c.cpus) expect(cpu.partial_slabs).toBeLessThanOrEqual(5);
  });

  test('100: 117 requests left over all 29 slabs (609 slots), none empty', () => {
    const s = run.at(100);
    noted(s, 100, 'Fragmentation');
    const c = cache(s, 'blk_request');
    expect([c.inuse_objs, c.num_slabs, c.num_objs, c.empty]).toEqual([117, 29, 609, 0]);
    // The driver holds them, and one kmalloc'd control structure besides.
    expect(workloadsView(s.sys).find((w) => w.name === 'blk')!.slab_objects).toBe(117 + 1);
  });

  test('210: 29 -> 13 slabs (kmalloc-2k 13 -> 11); 9 empty left on the CPUs and 1 of 4 on the node; active_objs 192, inuse 4', () => {
    let peak = 0;
    let peak2k = 0;
    for (let t = 101; t <= 210; t++) {
      const s = run.at(t);
      peak = Math.max(peak, cache(s, 'blk_request').num_slabs);
      peak2k = Math.max(peak2k, cache(s, 'kmalloc-2k').num_slabs);
    }
    const s = run.s;
    noted(s, 210, 'Slabs that emptied');
    expect([peak, peak2k]).toEqual([29, 13]);
    const c = cache(s, 'blk_request');
    expect([c.num_slabs, cache(s, 'kmalloc-2k').num_slabs]).toEqual([13, 11]);
    expect([c.empty, c.active_objs, c.inuse_objs]).toEqual([9, 192, 4]);
    const places = byPlace(s, 'blk_request');
    const empties = (xs: number[] = []) => xs.filter((n) => n === 0).length;
    expect([empties(places.cpu), empties(places.cpu_partial), places.partial.length, empties(places.partial)]).toEqual([2, 6, 4, 1]);
    expect(places.partial.length).toBeLessThan(kmemCache(s, 'blk_request').geo.minPartial);
  });

  test('505: the next burst reuses the kept slabs - still 13, none new from the buddy allocator', () => {
    const allocated = kmemCache(run.at(498), 'blk_request').stats.slabsAllocated;
    const s = run.at(505);
    noted(s, 505, 'The next burst reuses what was kept');
    expect(cache(s, 'blk_request').num_slabs).toBe(13);
    expect(kmemCache(s, 'blk_request').stats.slabsAllocated).toBe(allocated);
    expect(cache(s, 'blk_request').inuse_objs).toBeGreaterThan(100);
  });

  test('515: new slabs again (17 and growing); over 10 000 ticks the cycle swings between 9-13 and 28-33 slabs', () => {
    const s = run.at(515);
    noted(s, 515, 'The kept slabs are full');
    expect(cache(s, 'blk_request').num_slabs).toBe(17);
    expect(cache(run.at(520), 'blk_request').num_slabs).toBeGreaterThan(17);
    const lows: number[] = [];
    const highs: number[] = [];
    for (let cycle = 1; cycle < 20; cycle++) {
      let [lo, hi] = [Infinity, 0];
      for (let t = cycle * 500; t < cycle * 500 + 500; t++) {
        const n = cache(run.at(t), 'blk_request').num_slabs;
        [lo, hi] = [Math.min(lo, n), Math.max(hi, n)];
      }
      lows.push(lo);
      highs.push(hi);
    }
    expect([Math.min(...lows), Math.max(...lows)]).toEqual([9, 13]);
    expect([Math.min(...highs), Math.max(...highs)]).toEqual([28, 33]);
  });
});

// ---- slab-vs-slub ---------------------------------------------------------------------------------------------

describe('slab-vs-slub notes', () => {
  const slab = new Run('slab-vs-slub');
  const slub = new Run('slab-vs-slub', 'slub');
  const CHECKED = [1, 20, 40, 60, 100, 180, 260, 605];
  const blk = (s: Session) => cache(s, 'blk_request');

  test('every note is checked here', () => {
    expect(noteTicks('slab-vs-slub')).toEqual(CHECKED);
    expect(slab.at(0).machine.slab.model.name).toBe('slab');
    expect(slub.at(0).machine.slab.model.name).toBe('slub');
  });

  test('the lecture notes: SLUB geometry in both models; 8 blk requests a tick per CPU at ticks 2-29; ~10 kmalloc(2048) in flight per CPU', () => {
    for (const run of [slab, slub]) {
      const s = run.at(2);
      expect([blk(s).objperslab, blk(s).pagesperslab, cache(s, 'kmalloc-2k').objperslab, cache(s, 'kmalloc-2k').pagesperslab]).toEqual([21, 2, 16, 8]);
    }
    const served: number[] = [];
    for (let t = 1; t <= 60; t++) served[t] = workloadsView(slab.at(t).sys).find((w) => w.name === 'blk')!.counters.requests ?? 0;
    const ticks = range(2, 59).filter((t) => served[t] > served[t - 1]);
    expect([ticks[0], ticks[ticks.length - 1]]).toEqual([2, 29]);
    expect(served[29] / 2 / 28).toBeGreaterThan(7);
    expect(served[29] / 2 / 28).toBeLessThan(9);
    // net: Poisson 0.5 a tick per CPU, each held 20 ticks on average - about 20 kmalloc-2k objects in use.
    for (const t of [100, 300, 500]) {
      const net = cache(slab.at(t), 'kmalloc-2k').inuse_objs;
      expect(net).toBeGreaterThan(10);
      expect(net).toBeLessThan(32);
    }
  });

  test('1: SLAB tunables 54 27 8 and 24 12 8; SLUB 0 0 0', () => {
    const s = slab.at(1);
    noted(s, 1, 'Classic SLAB');
    const tun = (c: CacheFigures) => [c.limit, c.batchcount, c.sharedfactor];
    expect(tun(blk(s))).toEqual([54, 27, 8]);
    expect(tun(cache(s, 'kmalloc-2k'))).toEqual([24, 12, 8]);
    expect(tun(blk(slub.at(1)))).toEqual([0, 0, 0]);
  });

  test('20: SLAB\'s 12 slabs all on slabs_full; SLUB\'s 12 are 6 full and 6 partial, 5 on the CPUs\' partial lists', () => {
    const s = slab.at(20);
    noted(s, 20, 'Mid-burst');
    expect([blk(s).num_slabs, blk(s).places.full, blk(s).full]).toEqual([12, 12, 12]);
    const u = slub.at(20);
    expect([blk(u).num_slabs, blk(u).full, blk(u).partial, blk(u).places.cpu_partial]).toEqual([12, 6, 6, 5]);
    expect(byPlace(u, 'blk_request').cpu_partial.every((n) => n > 0 && n < 21)).toBe(true);
  });

  test('40: SLAB: 16 slabs full, active_objs 336/336, 206 in flight, 130 free in the arrays (41, 35) and the shared array (54 of 216); SLUB: 15 slabs, 3 + 10 partial, active 239', () => {
    const s = slab.at(40);
    noted(s, 40, 'The burst is over and requests are completing');
    const c = blk(s);
    expect([c.num_slabs, c.places.full, c.active_objs, c.num_objs, c.inuse_objs]).toEqual([16, 16, 336, 336, 206]);
    expect(c.cpus.map((x) => x.array_avail)).toEqual([41, 35]);
    expect(c.shared_avail).toBe(54);
    expect(kmemCache(s, 'blk_request').nodes[0].sharedLimit).toBe(216);
    expect(41 + 35 + 54).toBe(c.num_objs - c.inuse_objs);
    const u = blk(slub.at(40));
    expect([u.num_slabs, u.full, u.places.cpu_partial, u.places.partial, u.active_objs]).toEqual([15, 0, 3, 10, 239]);
  });

  test('60: cache_reap gave 88 objects back (11 per idle CPU array, 44 from the shared array) - all 16 slabs partial; SLUB unchanged', () => {
    const freeObjects = (s: Session) => kmemCache(s, 'blk_request').nodes[0].freeObjects;
    expect(freeObjects(slab.at(40))).toBe(0);
    const s = slab.at(60);
    noted(s, 60, 'cache_reap() runs on each CPU every 2 s');
    expect(freeObjects(s)).toBe(88);
    const c = blk(s);
    expect([c.num_slabs, c.places.partial, c.places.full]).toEqual([16, 16, 0]);
    const u = blk(slub.at(60));
    expect([u.num_slabs, u.places.cpu_partial, u.places.partial]).toEqual([15, 3, 10]);
  });

  test('100: free_limit 102; SLAB has destroyed a slab (15); SLUB 11', () => {
    const s = slab.at(100);
    noted(s, 100, 'The reaping goes on');
    expect(kmemCache(s, 'blk_request').nodes[0].freeLimit).toBe(3 * 27 + 21);
    expect(blk(s).num_slabs).toBe(15);
    expect(blk(slub.at(100)).num_slabs).toBe(11);
    expect(blk(slub.s).places.partial).toBeGreaterThanOrEqual(5);
  });

  test('180: SLAB keeps 2 empty slabs on slabs_free (active_slabs 1 of 3), fewer free objects than free_limit; SLUB 9 slabs, 8 empty, 106 active, 1 in use', () => {
    const s = slab.at(180);
    noted(s, 180, 'Few free objects are left');
    const c = blk(s);
    expect([c.places.free, c.active_slabs, c.num_slabs]).toEqual([2, 1, 3]);
    const node = kmemCache(s, 'blk_request').nodes[0];
    expect(node.freeObjects).toBeLessThan(node.freeLimit);
    // A fifth of free_limit worth of slabs per reap: one 21-object slab.
    expect(Math.floor((node.freeLimit + 5 * 21 - 1) / (5 * 21))).toBe(1);
    const u = blk(slub.at(180));
    expect([u.num_slabs, u.places.cpu, u.places.cpu_partial, u.places.partial, u.empty, u.active_objs, u.inuse_objs]).toEqual([9, 2, 3, 4, 8, 106, 1]);
  });

  test('260: SLAB has no blk_request slab left; SLUB keeps 9 empty; kmalloc-2k from the arrays (6, 13) and the CPU slabs', () => {
    const s = slab.at(260);
    noted(s, 260, "SLAB's reaper has given every blk_request slab back");
    expect(blk(s).num_slabs).toBe(0);
    expect(cache(s, 'kmalloc-2k').cpus.map((x) => x.array_avail)).toEqual([6, 13]);
    const u = slub.at(260);
    expect([blk(u).num_slabs, blk(u).empty]).toEqual([9, 9]);
    expect(byPlace(u, 'kmalloc-2k').cpu.every((n) => n > 0)).toBe(true);
  });

  test('605: SLAB takes new slabs from the buddy allocator (5 so far); SLUB uses its 9 kept slabs and asks for none', () => {
    const slubAllocated = kmemCache(slub.at(590), 'blk_request').stats.slabsAllocated;
    const s = slab.at(605);
    noted(s, 605, 'The next burst');
    expect(blk(s).num_slabs).toBe(5);
    const u = slub.at(605);
    expect(blk(u).num_slabs).toBe(9);
    expect(kmemCache(u, 'blk_request').stats.slabsAllocated).toBe(slubAllocated);
    expect(blk(u).inuse_objs).toBeGreaterThan(21);
  });
});
