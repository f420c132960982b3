// The slab and vmalloc parsers against real kernels' files: this host's 6.18 (SLUB, hashed %pK), a 4.4 ARM board
// (classic SLAB, real addresses), 2.6.12 with CONFIG_DEBUG_SLAB statistics, and the vmallocinfo example of the
// patch that added the file (2.6.25). Sources in test/fixtures/proc/README.
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, test} from 'vitest';
import {DUMPS, vmallocinfoView} from '../../source/kernel/procfs.js';
import {parseSlabinfo, renderSlabinfo, type Slabinfo, type SlabinfoRow} from '../../source/live/parse/slabinfo.js';
import {parseSlabCount, slabLists} from '../../source/live/parse/sysfs-slab.js';
import {parseVmallocinfo, renderVmallocinfo} from '../../source/live/parse/vmallocinfo.js';
import {openSession} from '../helpers.js';

const PROC = join(import.meta.dirname, '..', 'fixtures', 'proc');
const read = (path: string) => readFileSync(join(PROC, path), 'utf8');

const SLABINFOS = ['linux-6.18/slabinfo', 'slabinfo-6.18-2cpu.txt', 'linux-4.4-arm/slabinfo', 'linux-2.6.12/slabinfo'];
const VMALLOCINFOS = ['linux-6.18/vmallocinfo', 'linux-4.4-arm/vmallocinfo', 'linux-2.6.25/vmallocinfo'];

function cache(v: Slabinfo, name: string): SlabinfoRow {
  const c = v.caches.find((x) => x.name === name);
  if (!c) throw new Error(`no cache ${name}`);
  return c;
}

/** Every prefix of a text at a stride (and each cut around the end of every line), to cut files short. */
function cuts(text: string, stride: number, lineEvery = 1): string[] {
  const at = new Set<number>();
  for (let i = 0; i <= text.length; i += stride) at.add(i);
  let line = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1), line++) if (line % lineEvery === 0) for (const d of [-1, 0, 1]) at.add(i + d);
  return [...at].filter((i) => i >= 0 && i <= text.length).map((i) => text.slice(0, i));
}

/** A line of a fixture split into its whitespace-separated fields. */
const fieldsOf = (text: string, start: string) => text.split('\n').find((l) => l.startsWith(start))!.trim().split(/\s+/);

describe('slabinfo', () => {
  test.each(SLABINFOS)('%s prints back byte for byte and skips nothing', (path) => {
    const text = read(path);
    const r = parseSlabinfo(text);
    expect(r.skipped).toBe(0);
    expect(r.value.caches.length).toBe(text.split('\n').length - 3);
    expect(renderSlabinfo(r.value)).toBe(text);
  });

  test('6.18 (SLUB): the columns of a named cache are the file\'s, and every tunable is 0', () => {
    const {value} = parseSlabinfo(read('linux-6.18/slabinfo'));
    expect(value).toMatchObject({version: '2.1', statistics: false});
    expect(value.header).toBeUndefined();
    expect(value.caches).toHaveLength(235);
    // dentry            116324 117894    192   21    1 : tunables    0    0    0 : slabdata   5614   5614      0
    expect(cache(value, 'dentry')).toEqual({
      name: 'dentry', active_objs: 116324, num_objs: 117894, objsize: 192, objperslab: 21, pagesperslab: 1,
      limit: 0, batchcount: 0, sharedfactor: 0, active_slabs: 5614, num_slabs: 5614, shared_avail: 0,
    });
    expect(cache(value, 'TCP')).toMatchObject({objsize: 2368, objperslab: 13, pagesperslab: 8, num_slabs: 7});
    // A name longer than the 17-column field: the counts move right.
    expect(cache(value, 'btrfs_ordered_extent')).toMatchObject({objsize: 416, objperslab: 19, pagesperslab: 2});
    for (const c of value.caches) {
      expect([c.limit, c.batchcount, c.sharedfactor, c.shared_avail]).toEqual([0, 0, 0, 0]);
      expect(c.active_slabs).toBe(c.num_slabs); // SLUB reports every slab as active
    }
  });

  test('4.4 (classic SLAB): real tunables, shared array objects, free slabs, counts wider than their columns', () => {
    const text = read('linux-4.4-arm/slabinfo');
    const {value} = parseSlabinfo(text);
    expect(value.statistics).toBe(false);
    expect(cache(value, 'skbuff_fclone_cache')).toEqual({
      name: 'skbuff_fclone_cache', active_objs: 25, num_objs: 70, objsize: 384, objperslab: 10, pagesperslab: 1,
      limit: 54, batchcount: 27, sharedfactor: 8, active_slabs: 6, num_slabs: 7, shared_avail: 0,
    });
    expect(cache(value, 'vm_area_struct').shared_avail).toBe(180);
    expect(cache(value, 'kmalloc-4194304')).toMatchObject({objsize: 4194304, pagesperslab: 1024, limit: 1, batchcount: 1});
    // mm/slab.c get_slabinfo(): num_objs = num_slabs * cachep->num.
    for (const c of value.caches) {
      expect(c.num_objs).toBe(c.num_slabs * c.objperslab);
      expect(fieldsOf(text, c.name + ' ').slice(1, 6).map(Number)).toEqual([c.active_objs, c.num_objs, c.objsize, c.objperslab, c.pagesperslab]);
    }
  });

  test('2.6.12 with CONFIG_DEBUG_SLAB: statistics, the old columns, the tabbed globalstat and wrapped counters', () => {
    const {value} = parseSlabinfo(read('linux-2.6.12/slabinfo'));
    expect(value).toMatchObject({version: '2.1', statistics: true, globalstatTabs: true});
    expect(value.header).toContain('<remotefrees> : cpustat');
    expect(value.header).not.toContain('alienoverflow');
    for (const c of value.caches) {
      expect(c.globalstat).toHaveLength(8);
      expect(c.cpustat).toHaveLength(4);
    }
    // scsi_cmd_cache ... : globalstat  271823   2040 19045  331 \t\t\t\t   0    0    0 267119 : cpustat 7820052  27928 7578980    279
    expect(cache(value, 'scsi_cmd_cache')).toMatchObject({
      active_objs: 1649, num_objs: 1704, limit: 32, batchcount: 16, sharedfactor: 8, active_slabs: 209, num_slabs: 213,
      globalstat: [271823, 2040, 19045, 331, 0, 0, 0, 267119],
      cpustat: [7820052, 27928, 7578980, 279],
    });
    // maxobjs printed as 18446744073709551615 and 18446744073709547780: unsigned longs below zero.
    expect(cache(value, 'file_lock_cache').globalstat?.[1]).toBe(-1);
    expect(cache(value, 'buffer_head').globalstat?.[1]).toBe(-3836);
  });

  test('the emulator\'s slabinfo (both models) reads back to the figures it printed', () => {
    for (const name of ['slab-vs-slub', 'slab-churn']) {
      const s = openSession(name);
      s.runTicks(300);
      const text = DUMPS.slabinfo(s.machine);
      const r = parseSlabinfo(text);
      expect(r.skipped).toBe(0);
      expect(renderSlabinfo(r.value)).toBe(text);
      expect(r.value.caches.map((c) => c.name)).toEqual(s.machine.slab.caches.map((c) => c.name));
    }
  });

  test('unknown lines are skipped and counted; a line with an unknown section keeps its columns', () => {
    const lines = read('linux-4.4-arm/slabinfo').split('\n');
    const good = parseSlabinfo(lines.join('\n')).value;
    lines.splice(5, 0, 'this is not a cache', 'broken 1 2 3 : tunables 1 2 : slabdata 1 2 3', '');
    lines.splice(20, 0, 'kmalloc-99 1 2 3 4 5 : tunables 0 0 0 : slabdata 1 1 0 : shrinker stat 1 2');
    const r = parseSlabinfo(lines.join('\n'));
    expect(r.skipped).toBe(4);
    expect(r.value.caches.filter((c) => c.name !== 'kmalloc-99')).toEqual(good.caches);
    expect(cache(r.value, 'kmalloc-99')).toMatchObject({active_objs: 1, pagesperslab: 5, num_slabs: 1});
    // A count past 2^53 in the main columns is not a count.
    expect(parseSlabinfo('x 99999999999999999999 1 1 1 1 : tunables 0 0 0 : slabdata 0 0 0\n')).toMatchObject({skipped: 1, value: {caches: []}});
  });

  test.each(SLABINFOS)('%s cut short anywhere: never throws, and what it keeps is exactly the whole lines before the cut', (path) => {
    const text = read(path);
    const whole = parseSlabinfo(text).value.caches;
    for (const part of cuts(text, 97)) {
      const r = parseSlabinfo(part);
      const rows = Math.max(0, part.split('\n').length - 3);
      expect(r.value.caches).toEqual(whole.slice(0, rows));
      expect(r.skipped).toBe(part.endsWith('\n') || part === '' ? 0 : 1);
    }
    expect(parseSlabinfo('')).toEqual({value: {version: '', statistics: false, caches: []}, skipped: 0});
    expect(renderSlabinfo(parseSlabinfo('').value)).toBe('');
  });
});

describe('/sys/kernel/slab counts', () => {
  const SLAB = join(PROC, 'linux-6.18', 'sys', 'kernel', 'slab');
  const dirs = readdirSync(SLAB);

  test('every cache directory of the 6.18 host: totals, nodes, and lists that add up to the slabs', () => {
    expect(dirs).toHaveLength(235);
    for (const dir of dirs) {
      const counts = Object.fromEntries(
        (['slabs', 'partial', 'cpu_slabs'] as const).map((f) => {
          const text = readFileSync(join(SLAB, dir, f), 'utf8');
          const r = parseSlabCount(text);
          expect(r.skipped).toBe(0);
          // One node: "N0=" is printed when the count is not 0.
          expect(r.value).toEqual({total: Number(text.split(' ')[0]), nodes: r.value.total ? {0: r.value.total} : {}, cpus: {}});
          return [f, r.value.total];
        }),
      ) as {slabs: number; partial: number; cpu_slabs: number};
      const lists = slabLists(counts);
      expect(lists.full + lists.partial + lists.cpu).toBe(counts.slabs);
    }
  });

  test('dentry on the host: 5621 slabs, none partial, 2 CPU slabs, so 5619 full', () => {
    const total = (f: string) => parseSlabCount(readFileSync(join(SLAB, 'dentry', f), 'utf8')).value.total;
    expect(slabLists({slabs: total('slabs'), partial: total('partial'), cpu_slabs: total('cpu_slabs')})).toEqual({full: 5619, partial: 0, cpu: 2});
  });

  test('several nodes, per-CPU parts, malformed parts, empty and cut-short files', () => {
    expect(parseSlabCount('12 N0=5 N1=7\n')).toEqual({value: {total: 12, nodes: {0: 5, 1: 7}, cpus: {}}, skipped: 0});
    expect(parseSlabCount('8 N0=8 C0=3 C1=5\n')).toEqual({value: {total: 8, nodes: {0: 8}, cpus: {0: 3, 1: 5}}, skipped: 0});
    expect(parseSlabCount('41 N0=x Q1=2 N=3\n')).toEqual({value: {total: 41, nodes: {}, cpus: {}}, skipped: 3});
    expect(parseSlabCount('41 N0=41\nextra\n').skipped).toBe(1);
    expect(parseSlabCount('')).toEqual({value: {total: 0, nodes: {}, cpus: {}}, skipped: 1});
    expect(parseSlabCount('4')).toEqual({value: {total: 0, nodes: {}, cpus: {}}, skipped: 1});
    expect(parseSlabCount('garbage\n')).toEqual({value: {total: 0, nodes: {}, cpus: {}}, skipped: 1});
    const text = '5621 N0=5621\n';
    for (const part of cuts(text, 1)) expect(() => parseSlabCount(part)).not.toThrow();
  });

  test('lists clamp at 0 when the files were read at different moments', () => {
    expect(slabLists({slabs: 3, partial: 2, cpu_slabs: 2})).toEqual({full: 0, partial: 2, cpu: 2});
  });
});

describe('vmallocinfo', () => {
  test.each(VMALLOCINFOS)('%s prints back byte for byte and skips nothing', (path) => {
    const text = read(path);
    const r = parseVmallocinfo(text);
    expect(r.skipped).toBe(0);
    expect(r.value.areas).toHaveLength(text.split('\n').length - 1);
    expect(renderVmallocinfo(r.value)).toBe(text);
  });

  test('6.18 host: hashed addresses, areas by kind, callers, pages and nodes', () => {
    const {value} = parseVmallocinfo(read('linux-6.18/vmallocinfo'));
    expect(value.hashed).toBe(true);
    const kinds: Record<string, number> = {};
    for (const a of value.areas) kinds[a.kind] = (kinds[a.kind] ?? 0) + 1;
    expect(kinds).toEqual({unpurged: 1864, vmalloc: 193, ioremap: 29, vmap: 2});
    // 0x00000000428694e0-0x00000000bfee041a   20480 kernel_clone+0x94/0x3e0 pages=4 vmalloc N0=4
    expect(value.areas[3]).toEqual({
      start: '0x00000000428694e0', end: '0x00000000bfee041a', size: 20480, caller: 'kernel_clone+0x94/0x3e0', pages: 4,
      phys: null, kind: 'vmalloc', flags: ['vmalloc'], nodes: {N0: 4},
    });
    expect(value.areas[1]).toMatchObject({caller: 'acpi_os_map_iomem+0x1bc/0x1e0', phys: '0x00000000000a0000', kind: 'ioremap', pages: 0});
    const big = value.areas.find((a) => a.flags.includes('vpages'))!;
    expect(big).toMatchObject({kind: 'vmalloc', flags: ['vmalloc', 'vpages']});
    expect(big.nodes.N0).toBe(big.pages);
    const unpurged = value.areas.find((a) => a.kind === 'unpurged')!;
    expect(unpurged).toMatchObject({caller: null, pages: 0, flags: ['unpurged', 'vm_area'], nodes: {}});
  });

  test('4.4 ARM and 2.6.25 x86_64: real addresses, old phys= format, module callers, areas with no flag', () => {
    const arm = parseVmallocinfo(read('linux-4.4-arm/vmallocinfo')).value;
    expect(arm.hashed).toBe(false);
    expect(arm.areas[0]).toEqual({
      start: '0xce000000', end: '0xcf000000', size: 16777216, caller: 'iotable_init+0x0/0xb4', pages: 0, phys: 'e000000',
      kind: 'ioremap', flags: ['ioremap'], nodes: {},
    });
    expect(arm.areas.at(-1)).toMatchObject({caller: 'pcpu_get_vm_areas+0x0/0x3dc', pages: 0, kind: 'vmalloc'});
    const x86 = parseVmallocinfo(read('linux-2.6.25/vmallocinfo')).value;
    expect(x86.hashed).toBe(false);
    expect(x86.areas.find((a) => a.caller?.startsWith('usb_hcd_pci_probe'))).toMatchObject({
      caller: 'usb_hcd_pci_probe+0x139/0x295 [usbcore]', phys: 'd8e00000', kind: 'ioremap',
    });
    expect(x86.areas.find((a) => a.caller?.startsWith('init_vdso_vars'))).toMatchObject({kind: 'other', flags: []});
    expect(x86.areas[0]).toMatchObject({size: 8392704, pages: 2048, kind: 'vmalloc', flags: ['vmalloc', 'vpages']});
  });

  test('vm_map_ram, flags we do not know, zeroed addresses', () => {
    const text =
      '0xffffc90000000000-0xffffc90000004000   16384 vm_map_ram\n' +
      '0xffffc90000005000-0xffffc90000007000    8192 bpf_prog_pack_alloc+0x1/0x2 pages=1 sparse\n' +
      '0xffffc90000008000-0xffffc9000000a000    8192 dma_common_contiguous_remap+0x5e/0x80 vmap dma-coherent\n' +
      '0xffffc9000000b000-0xffffc9000000d000    8192 rb_alloc+0x1/0x2 pages=1 vmalloc user N0=1\n' +
      '0xffffc9000000e000-0xffffc90000010000    8192 f+0x1/0x2 pages=1 user brand-new N1=1\n';
    const r = parseVmallocinfo(text);
    expect(r.skipped).toBe(0);
    expect(r.value.hashed).toBe(false);
    expect(r.value.areas.map((a) => a.kind)).toEqual(['vm_map_ram', 'sparse', 'vmap', 'vmalloc', 'user']);
    expect(r.value.areas[4]).toMatchObject({flags: ['user', 'brand-new'], nodes: {N1: 1}});
    expect(renderVmallocinfo(r.value)).toBe(text);
    const zeroed = '0x0000000000000000-0x0000000000000000   16384 vm_map_ram\n';
    expect(parseVmallocinfo(zeroed).value.hashed).toBe(true);
  });

  test('unknown and malformed lines are skipped and counted', () => {
    const lines = read('linux-2.6.25/vmallocinfo').split('\n');
    const good = parseVmallocinfo(lines.join('\n')).value;
    lines.splice(3, 0, 'hello', '0xffff-0xgggg 4096 vmap', '0x1000-0x2000 4096  vmap', '0x1000-0x3000 4096 vmalloc N0=1 vpages', '0x1-0x2 x vmap');
    const r = parseVmallocinfo(lines.join('\n'));
    expect(r.skipped).toBe(5);
    expect(r.value).toEqual(good);
  });

  test.each(VMALLOCINFOS)('%s cut short anywhere: never throws, and what it keeps is exactly the whole lines before the cut', (path) => {
    const text = read(path);
    const whole = parseVmallocinfo(text).value.areas;
    // The kept areas are the whole ones before the cut: their number and the last of them every time, all of them
    // at every 16th cut; around every 7th line's end (comparing ~2000 areas at each of ~1000 cuts took half a minute).
    cuts(text, 131, 7).forEach((part, i) => {
      const r = parseVmallocinfo(part);
      const n = part.split('\n').length - 1;
      expect(r.value.areas.length).toBe(n);
      if (n > 0) expect(r.value.areas[n - 1]).toEqual(whole[n - 1]);
      if (i % 16 === 0) expect(r.value.areas).toEqual(whole.slice(0, n));
      expect(r.skipped).toBe(part.endsWith('\n') || part === '' ? 0 : 1);
    });
    expect(parseVmallocinfo('')).toEqual({value: {areas: [], hashed: false}, skipped: 0});
  });

  test.each(['tour', 'i386-vmalloc-exhaustion'])('the emulator\'s vmallocinfo (%s) reads back to the areas it printed', (name) => {
    const s = openSession(name);
    s.runTicks(250);
    const text = DUMPS.vmallocinfo(s.machine);
    const r = parseVmallocinfo(text);
    expect(r.skipped).toBe(0);
    expect(r.value.hashed).toBe(false);
    expect(renderVmallocinfo(r.value)).toBe(text);
    const view = vmallocinfoView(s.machine).areas;
    expect(view.length).toBeGreaterThan(0);
    expect(r.value.areas.map((a) => [a.start, a.size, a.caller, a.pages, a.kind, a.nodes])).toEqual(
      view.map((a) => [a.start, a.size, a.caller, a.pages, a.state === 'unpurged' ? 'unpurged' : a.kind, a.nodes]),
    );
  });
});
