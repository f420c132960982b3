// The emulated machine as a /proc tree (`run --snapshot DIR`): the files are the renderers' output, SLUB's sysfs
// counts say what mm/slub.c's show_slab_objects() would, meminfo's figures are the machine's, and the tree written
// to disk reads back through live mode's readers.
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import {GFP_KERNEL} from '../../source/kernel/gfp.js';
import type {Machine} from '../../source/kernel/machine.js';
import {DUMPS, meminfoView, renderMeminfo, renderTlb, slabinfoView, tlbView} from '../../source/kernel/procfs.js';
import {PROC_FILES, procRoot, readProcFile, readSlabSysfs, slabSysfsName} from '../../source/live/read.js';
import {writeTree} from '../../source/live/snapshot.js';
import {emulatedTree, slubSysfs} from '../../source/session/proc-tree.js';
import type {Session} from '../../source/session/session.js';
import {busyYaml} from '../busy-scenario.js';
import {boot, G, openSession} from '../helpers.js';

const TMP = mkdtempSync(join(tmpdir(), 'kmemscope-proc-tree-'));
afterAll(() => rmSync(TMP, {recursive: true, force: true}));
const HOST = join(import.meta.dirname, '..', 'fixtures', 'proc', 'linux-6.18');

/** The busy machine (driver traffic, module churn in the vmalloc region, interrupts on both CPUs) after some ticks. */
function busy(ticks: number, slab = 'slub'): Session {
  const file = join(TMP, `busy-${slab}.yaml`);
  writeFileSync(file, busyYaml({notes: [], churn: true, irq: true}).replace('cpus: 2}', `cpus: 2, slab: ${slab}}`));
  const s = openSession(file);
  s.runTicks(ticks);
  return s;
}

/** "41 N0=41\n" -> {total: 41, nodes: {0: 41}} */
function sysfsCount(text: string): {total: number; nodes: Record<number, number>} {
  expect(text).toMatch(/^\d+( N\d+=[1-9]\d*)*\n$/);
  const [total, ...parts] = text.trim().split(' ');
  return {total: Number(total), nodes: Object.fromEntries(parts.map((p) => p.slice(1).split('=').map(Number)))};
}

const freePages = (m: Machine) => m.pa.nodes.reduce((a, n) => a + n.zones.reduce((b, z) => b + z.freePages, 0), 0);

describe('the emulated tree', () => {
  const s = busy(1500);
  const m = s.machine;
  const tree = emulatedTree(s);

  test('the busy machine has something in every file: caches with slabs, vmalloc areas, the TLB shootdowns of a purge', () => {
    expect(slabinfoView(m).some((f) => f.name === 'nvme_req' && f.num_slabs > 0)).toBe(true);
    expect(tlbView(m).cpus.some((c) => c.ipis_received > 0)).toBe(true);
    expect(DUMPS.vmallocinfo(m)).toContain('vmalloc');
  });

  test('the /proc files are the renderers output, one for each file live mode reads', () => {
    expect([...tree.keys()].filter((k) => !k.startsWith('sys/'))).toEqual([...PROC_FILES]);
    for (const f of ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'slabinfo', 'vmallocinfo'] as const) expect(tree.get(f)).toBe(DUMPS[f](m));
    expect(tree.get('meminfo')).toBe(renderMeminfo(meminfoView(m)));
  });

  test('interrupts: the CPU header as the kernel prints it, then the TLB line', () => {
    const tlb = renderTlb(tlbView(m)).split('\n')[0];
    expect(tree.get('interrupts')).toBe(`           CPU0       CPU1       \n${tlb}\n`);
    // The same header and TLB line shapes as this 2-CPU host's /proc/interrupts.
    const host = readFileSync(join(HOST, 'interrupts'), 'utf8').split('\n');
    expect(host[0]).toBe('           CPU0       CPU1       ');
    const hostTlb = host.find((l) => l.startsWith('TLB:'))!;
    for (const l of [tlb, hostTlb]) expect(l).toMatch(/^TLB: ( {0,9}\d{1,10} ){2}  TLB shootdowns$/);
    expect(tlb.length).toBe(hostTlb.length);
  });

  test('vmstat: nr_free_pages and the nr_tlb_* counters, as name value lines', () => {
    const v = tlbView(m).vmstat;
    expect(tree.get('vmstat')).toBe(
      `nr_free_pages ${freePages(m)}\nnr_tlb_remote_flush ${v.nr_tlb_remote_flush}\nnr_tlb_remote_flush_received ${v.nr_tlb_remote_flush_received}\n` +
        `nr_tlb_local_flush_all ${v.nr_tlb_local_flush_all}\nnr_tlb_local_flush_one ${v.nr_tlb_local_flush_one}\n`,
    );
    expect(v.nr_tlb_remote_flush).toBeGreaterThan(0);
  });

  test('version: one line naming kmemscope, the scenario, the profile, the slab model, the seed and the tick', () => {
    const v = tree.get('version')!;
    expect(v).toMatch(/^Linux version 6\.18\.0-kmemscope \(kmemscope@busy\) \(kmemscope \S+, profile x86_64, SLUB, seed 9\) #1 SMP tick 1500\n$/);
  });

  test('sysfs: every cache has its three files, and their counts agree with the cache figures', () => {
    const figures = slabinfoView(m);
    expect(new Set([...tree.keys()].filter((k) => k.startsWith('sys/')))).toEqual(new Set(figures.flatMap((f) => ['slabs', 'partial', 'cpu_slabs'].map((x) => `sys/kernel/slab/${f.name}/${x}`))));
    let busyCaches = 0;
    for (const f of figures) {
      const at = (x: string) => sysfsCount(tree.get(`sys/kernel/slab/${f.name}/${x}`)!);
      // slabs: every slab of the cache (node_nr_slabs), per node as the figures count them.
      expect(at('slabs').total).toBe(f.num_slabs);
      expect(at('slabs').nodes).toEqual(Object.fromEntries(f.nodes.filter((n) => n.slabs).map((n) => [n.node, n.slabs])));
      // partial: the node partial lists. SLUB keeps its empty slabs there too (never on a free list).
      expect(f.places.free).toBe(0);
      expect(at('partial').total).toBe(f.places.partial);
      expect(at('partial').nodes).toEqual(Object.fromEntries(f.nodes.filter((n) => n.partial).map((n) => [n.node, n.partial])));
      // cpu_slabs: CPU slabs plus the CPU partial slabs of the CPUs that have a CPU slab.
      expect(at('cpu_slabs').total).toBe(f.places.cpu + f.cpus.reduce((a, c) => a + (c.slab === null ? 0 : c.partial_slabs), 0));
      if (f.num_slabs > 0) busyCaches++;
    }
    expect(busyCaches).toBeGreaterThanOrEqual(3);
  });

  test('meminfo: the machine figures in kB, labels and widths as this host kernel prints them', () => {
    const v = meminfoView(m);
    const zones = m.pa.nodes.flatMap((n) => n.zones);
    expect(v.MemFree).toBe(freePages(m) * 4);
    expect(v.MemTotal).toBe(zones.reduce((a, z) => a + z.managed, 0) * 4);
    const [rcl, unrcl] = m.slab.slabPages.reduce(([a, b], [x, y]) => [a + x, b + y], [0, 0]);
    expect([v.Slab, v.SReclaimable, v.SUnreclaim]).toEqual([(rcl + unrcl) * 4, rcl * 4, unrcl * 4]);
    const vmallocPages = [...m.vm.space.busy.values()].filter((a) => a.kind === 'vmalloc' && a.mapped).reduce((a, x) => a + x.nrPages, 0);
    expect(v.VmallocUsed).toBe(vmallocPages * 4);
    expect(v.VmallocUsed).toBeGreaterThan(0);
    expect(v.PageTables).toBe(m.vm.pt.pages * 4);
    // x86_64's 32 TiB region, VMALLOC_END being its last byte: the host's figure.
    expect(v.VmallocTotal).toBe(34359738367);
    expect(v.VmallocChunk).toBe(0);
    expect(v.MemAvailable).toBeLessThan(v.MemFree + v.Cached + v.SReclaimable);
    // Our keys come in the kernel's order, and each line is the host's line for the same figure.
    const host = readFileSync(join(HOST, 'meminfo'), 'utf8').split('\n').filter((l) => l.endsWith(' kB'));
    const hostKeys = host.map((l) => l.split(':')[0]);
    const ours = Object.keys(v);
    expect(ours.map((k) => hostKeys.indexOf(k))).toEqual(ours.map((k) => hostKeys.indexOf(k)).sort((a, b) => a - b));
    expect(ours.every((k) => hostKeys.includes(k))).toBe(true);
    for (const l of host) {
      const [k, n] = [l.split(':')[0], Number(l.split(':')[1].trim().split(' ')[0])];
      expect(renderMeminfo({[k]: n})).toBe(l + '\n');
    }
  });
});

describe('sysfs counts as show_slab_objects() has them', () => {
  test('a CPU with CPU partial slabs but no CPU slab is skipped, as the kernel skips it', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const ctx = m.ctx(0);
    const cp = m.kmemCacheCreate(ctx, 'obj256', 256, 0, 0);
    const c = m.cacheOf(cp)!;
    const objs: bigint[] = [];
    for (let i = 0; i < 17; i++) objs.push(m.kmemCacheAlloc(ctx, cp, GFP_KERNEL).addr);
    // The first slab went full when CPU 0 took a second; a free from CPU 1 puts it on CPU 1's partial list.
    m.kmemCacheFree(m.ctx(1), cp, objs[0]);
    expect([c.cpus[1].slab, c.cpus[1].partial.count]).toEqual([null, 1]);
    expect(slubSysfs(m).get('obj256')).toEqual({slabs: '2 N0=2\n', partial: '0\n', cpu_slabs: '1 N0=1\n'});
    // Once CPU 1 allocates, it takes the partial slab as its CPU slab, and it counts.
    m.kmemCacheAlloc(m.ctx(1), cp, GFP_KERNEL);
    expect(slubSysfs(m).get('obj256')!.cpu_slabs).toBe('2 N0=2\n');
  });

  test('two nodes: each node count separately, a node with none is left out', () => {
    const m = boot({memory: 2 * G, nodes: 2, cpus: 2});
    const cp = m.kmemCacheCreate(m.ctx(0), 'pair', 512, 0, 0);
    m.kmemCacheAlloc(m.ctx(0), cp, GFP_KERNEL);
    m.kmemCacheAlloc(m.ctx(1), cp, GFP_KERNEL);
    const nodes = [0, 1].map((cpu) => m.cacheOf(cp)!.cpus[cpu].slab!.nid);
    expect(nodes).toEqual([0, 1]);
    expect(slubSysfs(m).get('pair')).toEqual({slabs: '2 N0=1 N1=1\n', partial: '0\n', cpu_slabs: '2 N0=1 N1=1\n'});
  });

  test('a name with a slash gets the kobject name (! for /); of two caches with one name the older keeps the directory', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const older = m.kmemCacheCreate(m.ctx(0), 'twin', 64, 0, 0);
    m.kmemCacheCreate(m.ctx(0), 'twin', 128, 0, 0);
    m.kmemCacheCreate(m.ctx(0), 'a/b', 64, 0, 0);
    m.kmemCacheAlloc(m.ctx(0), older, GFP_KERNEL);
    const sys = slubSysfs(m);
    expect(sys.get('twin')!.slabs).toBe('1 N0=1\n');
    expect(sys.has('a!b')).toBe(true);
    expect([...sys.keys()].some((k) => k.includes('/'))).toBe(false);
  });
});

describe('meminfo', () => {
  test('i386: HighTotal and HighFree are the HighMem zone, LowTotal and LowFree the rest; the region is 128 MiB', () => {
    const m = boot({profile: 'i386', memory: 2 * G, cpus: 2});
    const v = meminfoView(m);
    const high = m.pa.nodes[0].zones.find((z) => z.name === 'HighMem')!;
    expect([v.HighTotal, v.HighFree]).toEqual([high.managed * 4, high.freePages * 4]);
    expect(v.LowTotal + v.HighTotal).toBe(v.MemTotal);
    expect(v.LowFree + v.HighFree).toBe(v.MemFree);
    expect(Object.keys(v).indexOf('HighTotal')).toBe(Object.keys(v).indexOf('Cached') + 1);
    expect(v.VmallocTotal).toBe(m.vm.pages * 4);
  });

  test('MemAvailable: free pages less the reserves (the high watermarks here) when there is no page cache', () => {
    const m = boot({memory: 1 * G, cpus: 2});
    const v = meminfoView(m);
    expect(v.Cached).toBe(0);
    const zones = m.pa.nodes.flatMap((n) => n.zones);
    // Empty zones reserve nothing (at most their managed pages: 0); the others' reserves are below their size.
    const populated = zones.filter((z) => z.managed > 0);
    for (const z of populated) expect(Math.max(0, ...z.lowmemReserve) + z.wmarkHigh).toBeLessThan(z.managed);
    const reserve = populated.reduce((a, z) => a + Math.max(0, ...z.lowmemReserve) + z.wmarkHigh, 0);
    const wmarkLow = zones.reduce((a, z) => a + z.wmarkLow, 0);
    const rcl = m.slab.slabPages.reduce((a, [x]) => a + x, 0);
    expect(v.MemAvailable).toBe((freePages(m) - reserve + rcl - Math.min(Math.floor(rcl / 2), wmarkLow)) * 4);
    expect(v.MemAvailable).toBeLessThan(v.MemFree);
  });
});

describe('on disk', () => {
  test('writeTree writes a tree that live mode reads back: every /proc file and every cache sysfs count', () => {
    const s = busy(300);
    const tree = emulatedTree(s);
    const dir = join(TMP, 'snap');
    writeTree(dir, tree);
    const root = procRoot(dir);
    for (const f of PROC_FILES) expect(readProcFile(root, f)).toEqual({ok: true, text: tree.get(f)});
    const names = slabinfoView(s.machine).map((f) => f.name);
    const back = readSlabSysfs(root, names);
    expect(back.ok).toBe(true);
    if (!back.ok) return;
    expect(back.caches.size).toBe(names.length);
    for (const [name, counts] of back.caches) for (const [f, text] of Object.entries(counts)) expect(text).toBe(tree.get(`sys/kernel/slab/${slabSysfsName(name)}/${f}`));
  });

  test('a cache named with a slash is written under its kobject name and read back by its own name', () => {
    const s = busy(100);
    const m = s.machine;
    const c = m.kmemCacheCreate(m.ctx(0), 'drv/req', 192, 0, 0);
    m.kmemCacheAlloc(m.ctx(0), c, GFP_KERNEL);
    const tree = emulatedTree(s);
    const dir = join(TMP, 'snap-slash');
    writeTree(dir, tree);
    const back = readSlabSysfs(procRoot(dir), ['drv/req']);
    expect(back.ok && back.caches.get('drv/req')).toEqual({slabs: '1 N0=1\n', partial: '0\n', cpu_slabs: '1 N0=1\n'});
    expect(back.ok && back.caches.get('drv/req')).toEqual(slubSysfs(m).get('drv!req'));
  });

  test('classic SLAB: no sys/ in the tree, and live mode says so', () => {
    const s = busy(100, 'slab');
    const tree = emulatedTree(s);
    expect([...tree.keys()]).toEqual([...PROC_FILES]);
    const dir = join(TMP, 'snap-slab');
    writeTree(dir, tree);
    const back = readSlabSysfs(procRoot(dir), ['nvme_req']);
    expect(back).toMatchObject({ok: false, problem: 'missing'});
  });

  test('writeTree refuses a directory with anything in it, and leaves it as it was', () => {
    const dir = join(TMP, 'taken');
    writeTree(join(dir, 'sub'), new Map([['x', 'mine\n']]));
    expect(() => writeTree(dir, new Map([['buddyinfo', 'b\n']]))).toThrow(new Error(`${dir} is not empty: a snapshot never overwrites files, give a new or empty directory`));
    expect(readFileSync(join(dir, 'sub', 'x'), 'utf8')).toBe('mine\n');
    expect(() => readFileSync(join(dir, 'buddyinfo'))).toThrow(/ENOENT/);
  });

  test('writeTree refuses a file where the directory should be, and a path that would leave the directory', () => {
    const file = join(TMP, 'a-file');
    writeFileSync(file, 'x');
    expect(() => writeTree(file, new Map([['buddyinfo', 'b\n']]))).toThrow(`${file} exists and is not a directory`);
    const dir = join(TMP, 'escape');
    for (const bad of ['../outside', '/etc/x', 'sys/../../outside', '']) {
      expect(() => writeTree(dir, new Map([['buddyinfo', 'b\n'], [bad, 'x\n']]))).toThrow(/refusing to write .* outside the snapshot directory/);
    }
    expect(() => readFileSync(join(TMP, 'outside'))).toThrow(/ENOENT/);
  });

  test('an empty directory is fine', () => {
    const dir = join(TMP, 'empty');
    writeTree(join(dir, 'a'), new Map());
    rmSync(join(dir, 'a'), {recursive: true});
    writeTree(dir, new Map([['sys/kernel/slab/x/slabs', '0\n']]));
    expect(readFileSync(join(dir, 'sys/kernel/slab/x/slabs'), 'utf8')).toBe('0\n');
  });
});
