// The /proc parsers of the free-area, memory and TLB panes against every kernel's files under test/fixtures/proc
// (see its README for where each came from): the figures they read are the files' own, and buddyinfo,
// pagetypeinfo and zoneinfo print back byte for byte through our renderers.
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, test} from 'vitest';
import {buddyinfoView, DUMPS, pagetypeinfoView, renderBuddyinfo, renderPagetypeinfo, zoneinfoView} from '../../source/kernel/procfs.js';
import {parseBuddyinfo} from '../../source/live/parse/buddyinfo.js';
import {parseInterrupts} from '../../source/live/parse/interrupts.js';
import {parseMeminfo} from '../../source/live/parse/meminfo.js';
import {parsePagetypeinfo} from '../../source/live/parse/pagetypeinfo.js';
import {parseVmstat} from '../../source/live/parse/vmstat.js';
import {parseZoneinfo, renderParsedZoneinfo, type ParsedZone} from '../../source/live/parse/zoneinfo.js';
import {boot, G} from '../helpers.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'proc');
const read = (kernel: string, file: string) => readFileSync(join(FIXTURES, kernel, file), 'utf8');
/** The fixture directories that hold `file`: every kernel's copy is tested, including ones added later. */
const kernelsWith = (file: string) =>
  readdirSync(FIXTURES, {withFileTypes: true})
    .filter((d) => d.isDirectory() && existsSync(join(FIXTURES, d.name, file)))
    .map((d) => d.name)
    .sort();
/** Copies from Documentation/filesystems/proc.rst, whose examples lost the kernel's trailing blanks. */
const TRIMMED = new Set(['proc-rst']);
const trimmed = (text: string) => text.replace(/ +$/gm, '');
const linesOf = (text: string) => text.split('\n').slice(0, -1);
/** A zone's block of zoneinfo text, from its "Node" line to the next. */
const zoneBlock = (text: string, node: number, zone: string) =>
  text.split(/^(?=Node )/m).find((b) => b.startsWith(`Node ${node}, zone ${zone.padStart(8)}\n`)) ?? '';
const figure = (block: string, key: string) => Number(new RegExp(`^ +${key}:? +(\\d+)$`, 'm').exec(block)?.[1]);

describe('buddyinfo', () => {
  test('fixtures of several kernels are there', () => {
    expect(kernelsWith('buddyinfo')).toEqual(expect.arrayContaining(['linux-3.10', 'linux-4.0', 'linux-6.18']));
  });

  test.each(kernelsWith('buddyinfo'))('%s: a row per line with the counts the line has, printed back byte for byte', (k) => {
    const text = read(k, 'buddyinfo');
    const {value, skipped} = parseBuddyinfo(text);
    expect(skipped).toBe(0);
    expect(value.map((r) => [r.node, r.zone, ...r.free])).toEqual(
      linesOf(text).map((l) => {
        const [, node, , zone, ...counts] = l.trim().split(/\s+/);
        return [parseInt(node), zone, ...counts.map(Number)];
      }),
    );
    expect(renderBuddyinfo(value)).toBe(text);
  });

  test('two NUMA nodes on 3.10 and 4.0; a count of six digits fills its column (4.0, Normal order 0)', () => {
    const v4 = parseBuddyinfo(read('linux-4.0', 'buddyinfo')).value;
    expect(v4.map((r) => `${r.node} ${r.zone}`)).toEqual(['0 DMA', '0 DMA32', '0 Normal', '1 Normal']);
    expect(v4[2].free.slice(0, 3)).toEqual([130376, 36589, 3777]);
    expect(v4.every((r) => r.free.length === 11)).toBe(true);
  });

  test('this host: the quiet zones\' free blocks are the pages zoneinfo counts free at the same moment', () => {
    const rows = parseBuddyinfo(read('linux-6.18', 'buddyinfo')).value;
    const zones = parseZoneinfo(read('linux-6.18', 'zoneinfo')).value;
    for (const name of ['DMA', 'DMA32']) {
      const b = rows.find((r) => r.zone === name)!;
      expect(b.free.reduce((a, n, o) => a + n * 2 ** o, 0)).toBe(zones.find((z) => z.zone === name)!.free);
    }
  });
});

describe('pagetypeinfo', () => {
  test.each(kernelsWith('pagetypeinfo'))('%s: every row read and printed back byte for byte', (k) => {
    const text = read(k, 'pagetypeinfo');
    const {value, skipped} = parsePagetypeinfo(text);
    expect(skipped).toBe(0);
    expect(value.free).toHaveLength(linesOf(text).filter((l) => /, type /.test(l)).length);
    expect(value.blocks).toHaveLength(linesOf(text).filter((l) => /^Node \d+, zone +\S+ +\d/.test(l)).length);
    const header = linesOf(text).find((l) => l.startsWith('Number of blocks type'))!;
    expect(value.types).toEqual(header.slice('Number of blocks type'.length).trim().split(/ +/));
    // Every row has a count per type, and the free rows come type by type in the header's order.
    expect(value.blocks.every((b) => Object.keys(b.blocks).join() === value.types.join())).toBe(true);
    expect(value.free.slice(0, value.types.length).map((r) => r.type)).toEqual(value.types);
    const out = renderPagetypeinfo(value);
    expect(TRIMMED.has(k) ? trimmed(out) : out).toBe(text);
  });

  test('the migrate types each kernel has: Reserve before 4.4, HighAtomic after, CMA with CONFIG_CMA', () => {
    const types = (k: string) => parsePagetypeinfo(read(k, 'pagetypeinfo')).value.types;
    expect(types('linux-3.10')).toEqual(['Unmovable', 'Reclaimable', 'Movable', 'Reserve', 'Isolate']);
    expect(types('linux-4.0')).toEqual(['Unmovable', 'Reclaimable', 'Movable', 'Reserve', 'CMA', 'Isolate']);
    expect(types('linux-6.18')).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate']);
  });

  test('a section per node with memory, header repeated: both nodes of 3.10 read, with the file\'s figures', () => {
    const v = parsePagetypeinfo(read('linux-3.10', 'pagetypeinfo')).value;
    expect([v.pageblock_order, v.pages_per_block]).toEqual([9, 512]);
    expect(v.blocks.map((b) => `${b.node} ${b.zone}`)).toEqual(['0 DMA', '0 DMA32', '0 Normal', '1 Normal']);
    expect(v.blocks[2].blocks).toEqual({Unmovable: 1105, Reclaimable: 497, Movable: 30140, Reserve: 2, Isolate: 0});
    expect(v.free.find((r) => r.node === 1 && r.type === 'Movable')!.free.slice(0, 3)).toEqual([1, 2919, 1131]);
  });

  test('this host: the free blocks of every type add up to buddyinfo\'s, read at the same moment', () => {
    const v = parsePagetypeinfo(read('linux-6.18', 'pagetypeinfo')).value;
    for (const b of parseBuddyinfo(read('linux-6.18', 'buddyinfo')).value) {
      const rows = v.free.filter((r) => r.node === b.node && r.zone === b.zone);
      expect(rows).toHaveLength(v.types.length);
      expect(b.free.map((_, o) => rows.reduce((a, r) => a + r.free[o], 0))).toEqual(b.free);
    }
  });

  test('before 5.4 a list of 100000 and more is counted in full, and printed back in full', () => {
    const v = parsePagetypeinfo(read('linux-4.0', 'pagetypeinfo')).value;
    expect(v.capped).toBe(false);
    expect(v.free.find((r) => r.zone === 'Normal' && r.type === 'Unmovable')!.free[0]).toBe(115050);
  });

  test('">100000" (5.4+ stops counting there) is kept as 100000 and printed back as ">100000"', () => {
    const text = read('linux-6.18', 'pagetypeinfo').replace(/^(Node +0, zone +Normal, type +Movable )( *\d+ )/m, '$1>100000 ');
    const {value, skipped} = parsePagetypeinfo(text);
    expect(skipped).toBe(0);
    expect(value.capped).toBeUndefined();
    expect(value.free.find((r) => r.zone === 'Normal' && r.type === 'Movable')!.free.slice(0, 2)).toEqual([100000, 3330]);
    expect(renderPagetypeinfo(value)).toBe(text);
  });

  test('a kernel without CONFIG_MEMORY_ISOLATION has no Isolate rows or column: read and printed back', () => {
    // pagetypeinfo_showblockcount(): "%12s " per type in the header, "%12lu " per type in a row.
    const text = linesOf(read('linux-6.18', 'pagetypeinfo'))
      .filter((l) => !l.includes('type      Isolate'))
      .map((l) => (l.startsWith('Number of blocks') || /^Node \d+, zone +\S+ +\d/.test(l) ? l.slice(0, -13) : l))
      .join('\n') + '\n';
    const {value, skipped} = parsePagetypeinfo(text);
    expect(skipped).toBe(0);
    expect(value.types).toEqual(['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic']);
    expect(renderPagetypeinfo(value)).toBe(text);
  });

  test('page_owner\'s "Number of mixed blocks" section is read into mixed and printed back', () => {
    const text = read('linux-6.18', 'pagetypeinfo');
    // pagetypeinfo_showmixedcount(): the same layout as the block counts, "%-23s" of its own title.
    const blocks = text.slice(text.indexOf('\nNumber of blocks type'));
    const mixed = blocks.replace('Number of blocks type  ', 'Number of mixed blocks ').replace(/( +)(\d+) $/gm, (_, sp: string, n: string) => `${sp}${n === '0' ? '1' : '0'} `);
    const {value, skipped} = parsePagetypeinfo(text + mixed);
    expect(skipped).toBe(0);
    expect(value.mixed?.map((b) => [b.zone, b.blocks.Isolate])).toEqual([['DMA', 1], ['DMA32', 1], ['Normal', 1]]);
    expect(renderPagetypeinfo(value)).toBe(text + mixed);
  });
});

describe('zoneinfo', () => {
  const zones = (k: string) => parseZoneinfo(read(k, 'zoneinfo')).value;

  test.each(kernelsWith('zoneinfo'))('%s: every zone with the watermarks the file gives, every line understood, printed back', (k) => {
    const text = read(k, 'zoneinfo');
    const {value, skipped} = parseZoneinfo(text);
    expect(skipped).toBe(0);
    expect(value.map((z) => `Node ${z.node}, zone ${z.zone.padStart(8)}`)).toEqual(linesOf(text).filter((l) => l.startsWith('Node ')));
    for (const z of value) {
      const block = zoneBlock(text, z.node, z.zone);
      expect([z.free, z.min, z.low, z.high, z.spanned, z.present]).toEqual(['pages free', 'min', 'low', 'high', 'spanned', 'present'].map((f) => figure(block, f)));
      expect(z.pagesets?.length ?? 0).toBe(block.match(/^ {4}cpu: \d+$/gm)?.length ?? 0);
      expect(z.populated).toBe(z.present > 0);
    }
    expect(renderParsedZoneinfo(value)).toBe(text);
  });

  test('6.18 (this host): boost, promo, cma, the 6.7 pagesets and the per-node stats under DMA', () => {
    const [dma, dma32, normal, movable] = zones('linux-6.18');
    expect(dma.node_stats?.nr_slab_reclaimable).toBe(31742);
    expect(dma32.node_stats).toBeUndefined();
    expect([dma32.free, dma32.boost, dma32.min, dma32.low, dma32.high, dma32.promo, dma32.managed, dma32.cma]).toEqual([772915, 0, 9118, 11397, 13676, 15955, 772915, 0]);
    expect(dma.pagesets?.[1]).toEqual({cpu: 1, count: 0, high: 0, batch: 1, high_min: 28, high_max: 240, stat_threshold: 4});
    expect(normal.start_pfn).toBe(1048576);
    expect(movable.populated).toBe(false);
    expect(movable.zone_stats).toBeUndefined();
  });

  test('4.19: no boost or cma yet, three pageset values, the unpopulated Movable and Device zones', () => {
    const z = zones('linux-4.19');
    const normal = z.find((x) => x.zone === 'Normal')!;
    expect([normal.min, normal.low, normal.high, normal.managed]).toEqual([33417, 41771, 50125, 3341779]);
    expect(normal.boost).toBeUndefined();
    expect(normal.pagesets?.[0]).toEqual({cpu: 0, count: 12, high: 42, batch: 7, stat_threshold: 64});
    expect(normal.zone_stats?.numa_hit).toBe(13801352577);
    expect(z.filter((x) => !x.populated).map((x) => x.zone)).toEqual(['Movable', 'Device']);
  });

  test('4.14 on 32-bit ARM: HighMem with CMA, an empty Normal zone, node_inactive_ratio kept in extra', () => {
    const z = zones('linux-4.14-arm');
    expect(z.map((x) => [x.zone, x.populated])).toEqual([['DMA', true], ['Normal', false], ['HighMem', true], ['Movable', false]]);
    const high = z[2];
    expect(high.zone_stats?.nr_free_cma).toBe(62429);
    expect(high.extra).toEqual({node_inactive_ratio: 0});
    expect(high.protection).toEqual([0, 0, 0, 0]);
    expect(high.pagesets).toHaveLength(4);
  });

  test('3.6: no managed, items before protection indented 4, scanned and all_unreclaimable kept in extra', () => {
    const text = read('linux-3.6', 'zoneinfo');
    const [dma, , normal] = zones('linux-3.6');
    expect(dma.managed).toBeUndefined();
    expect(dma.node_stats).toBeUndefined();
    expect(dma.extra).toEqual({scanned: 0, all_unreclaimable: 1, inactive_ratio: 1});
    expect(dma.start_pfn).toBe(16);
    expect(normal.zone_stats?.nr_file_pages).toBe(1529150);
    expect(Object.keys(normal.zone_stats!)).toHaveLength(zoneBlock(text, 0, 'Normal').match(/^ {4}\w+ +\d+$/gm)!.length);
    expect(normal.pagesets?.map((p) => p.count)).toEqual([156, 177, 159, 161, 146, 98, 59, 54, 40, 32, 46, 57]);
  });

  test('the emulator\'s zoneinfo is a ParsedZone[] and reads back as itself; renderParsedZoneinfo prints it as procfs does', () => {
    const m = boot({memory: 2 * G, nodes: 2, cpus: 2});
    const view: ParsedZone[] = zoneinfoView(m);
    expect(renderParsedZoneinfo(view)).toBe(DUMPS.zoneinfo(m));
    // What an unpopulated zone does not print cannot come back.
    const printed = view.map((z) => (z.populated ? z : (({node_unreclaimable, start_pfn, ...rest}) => rest)(z)));
    expect(parseZoneinfo(DUMPS.zoneinfo(m))).toEqual({value: printed, skipped: 0});
  });
});

describe('the emulator\'s buddyinfo and pagetypeinfo read back as the views they were printed from', () => {
  test('2 nodes, 2 CPUs', () => {
    const m = boot({memory: 2 * G, nodes: 2, cpus: 2});
    expect(parseBuddyinfo(DUMPS.buddyinfo(m))).toEqual({value: buddyinfoView(m), skipped: 0});
    expect(parsePagetypeinfo(DUMPS.pagetypeinfo(m))).toEqual({value: pagetypeinfoView(m), skipped: 0});
  });
});

describe('meminfo and vmstat', () => {
  test.each(kernelsWith('meminfo'))('meminfo %s: every line, in the file\'s order, kB or a page count as printed', (k) => {
    const text = read(k, 'meminfo');
    const {value, skipped} = parseMeminfo(text);
    expect(skipped).toBe(0);
    expect(Object.entries(value)).toEqual(linesOf(text).map((l) => [l.slice(0, l.indexOf(':')), Number(l.slice(l.indexOf(':') + 1).replace('kB', ''))]));
  });

  test('meminfo figures of three kernels', () => {
    const m = (k: string) => parseMeminfo(read(k, 'meminfo')).value;
    expect([m('linux-6.18').MemTotal, m('linux-6.18').HugePages_Total, m('linux-6.18').VmallocTotal]).toEqual([24684084, 0, 34359738367]);
    expect(m('linux-4.19')['Active(anon)']).toBe(8740396);
    // 3.6 had no MemAvailable (3.14+) yet; VmallocChunk was still walked (0 since 4.4).
    expect(m('linux-3.6').MemAvailable).toBeUndefined();
    expect(m('linux-3.6').VmallocChunk).toBe(34359109524);
  });

  test.each(kernelsWith('vmstat'))('vmstat %s: every counter, in the file\'s order', (k) => {
    const text = read(k, 'vmstat');
    const {value, skipped} = parseVmstat(text);
    expect(skipped).toBe(0);
    expect(Object.entries(value)).toEqual(linesOf(text).map((l) => [l.split(' ')[0], Number(l.split(' ')[1])]));
  });

  test('vmstat figures: this host and a 4.19 without CONFIG_DEBUG_TLBFLUSH', () => {
    const host = parseVmstat(read('linux-6.18', 'vmstat')).value;
    expect(host.nr_free_pages).toBe(1354741);
    const old = parseVmstat(read('linux-4.19', 'vmstat')).value;
    expect([old.pgfree, old.compact_stall]).toEqual([26637215947, 205761]);
    expect(Object.keys(old).filter((n) => n.startsWith('nr_tlb_'))).toEqual([]);
  });
});

describe('interrupts', () => {
  test.each(kernelsWith('interrupts'))('%s: the header\'s CPUs and the TLB line\'s counts, as the file says', (k) => {
    const text = read(k, 'interrupts');
    const {value, skipped} = parseInterrupts(text);
    expect(skipped).toBe(0);
    expect(value.cpus).toBe(linesOf(text)[0].match(/CPU\d+/g)!.length);
    const tlb = linesOf(text).find((l) => l.trim().startsWith('TLB:'));
    expect(value.tlb).toEqual(tlb ? tlb.trim().split(/\s+/).slice(1, 1 + value.cpus).map(Number) : null);
  });

  test('this host has 2 CPUs and a TLB line, 2.6.28 had 4; the docs\' 2.4 SMP example has none (null)', () => {
    expect(parseInterrupts(read('linux-6.18', 'interrupts')).value).toEqual({cpus: 2, ids: [0, 1], tlb: [1712380, 1546685]});
    expect(parseInterrupts(read('linux-2.6.28', 'interrupts')).value.tlb).toEqual([19918, 9095, 37597, 9974]);
    expect(parseInterrupts(read('proc-rst', 'interrupts')).value).toEqual({cpus: 2, ids: [0, 1], tlb: null});
  });

  test('an offline CPU leaves a gap in the header: the columns keep their CPU numbers', () => {
    const text = read('linux-6.18', 'interrupts').replace('CPU1', 'CPU2');
    expect(parseInterrupts(text).value).toEqual({cpus: 2, ids: [0, 2], tlb: [1712380, 1546685]});
  });
});
