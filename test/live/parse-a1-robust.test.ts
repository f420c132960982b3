// What the parsers of buddyinfo, pagetypeinfo, zoneinfo, meminfo, vmstat and interrupts do with what they do not
// know: a line no kernel we know prints is skipped and counted, a file cut short (a read that stopped, a truncated
// copy, an empty file) never throws, and what was whole before the cut reads as it did in the whole file.
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, test} from 'vitest';
import {parseBuddyinfo} from '../../source/live/parse/buddyinfo.js';
import {parseInterrupts} from '../../source/live/parse/interrupts.js';
import {parseMeminfo} from '../../source/live/parse/meminfo.js';
import {parsePagetypeinfo} from '../../source/live/parse/pagetypeinfo.js';
import type {Parsed} from '../../source/live/parse/parsed.js';
import {parseVmstat} from '../../source/live/parse/vmstat.js';
import {parseZoneinfo} from '../../source/live/parse/zoneinfo.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'proc');
const PARSERS: Record<string, (text: string) => Parsed<unknown>> = {
  buddyinfo: parseBuddyinfo,
  pagetypeinfo: parsePagetypeinfo,
  zoneinfo: parseZoneinfo,
  meminfo: parseMeminfo,
  vmstat: parseVmstat,
  interrupts: parseInterrupts,
};
/** [file, kernel, text] for every fixture of every file these parsers take. */
const CASES: [string, string, string][] = Object.keys(PARSERS).flatMap((file) =>
  readdirSync(FIXTURES, {withFileTypes: true})
    .filter((d) => d.isDirectory() && existsSync(join(FIXTURES, d.name, file)))
    .map((d): [string, string, string] => [file, d.name, readFileSync(join(FIXTURES, d.name, file), 'utf8')]),
);
/** The text up to the end of the last whole line before byte n. */
const wholeBefore = (text: string, n: number) => text.slice(0, text.lastIndexOf('\n', n - 1) + 1);
/** Where to cut: every 97th byte, and just before the last newline. */
const cuts = (text: string) => [...Array.from({length: Math.ceil(text.length / 97)}, (_, i) => i * 97), text.length - 1];

describe('a line no kernel prints is skipped and counted, the rest read as before', () => {
  // Interrupts reads two lines and leaves the others alone: a stray line there is not an error (tested below).
  test.each(CASES.filter(([file]) => file !== 'interrupts'))('%s of %s', (file, _k, text) => {
    const parse = PARSERS[file];
    const lines = text.split('\n');
    const at = Math.floor(lines.length / 2);
    const odd = [...lines.slice(0, at), 'this is no line of any kernel', ...lines.slice(at)].join('\n');
    const clean = parse(text);
    expect(parse(odd)).toEqual({value: clean.value, skipped: clean.skipped + 1});
  });

  test('zoneinfo: a counter we do not know yet is kept with the zone\'s items, not skipped', () => {
    const text = readFileSync(join(FIXTURES, 'linux-6.18', 'zoneinfo'), 'utf8');
    const newer = text.replace('      nr_free_pages 772915\n', '      nr_free_pages 772915\n      nr_frobnicated 7\n');
    const {value, skipped} = parseZoneinfo(newer);
    expect(skipped).toBe(0);
    expect(value.find((z) => z.zone === 'DMA32')!.zone_stats?.nr_frobnicated).toBe(7);
  });

  test('zoneinfo: a field or tail line we do not know goes to extra; 2.6\'s "scanned  0 (a: 20 i: 20)" is skipped', () => {
    const text = readFileSync(join(FIXTURES, 'linux-4.19', 'zoneinfo'), 'utf8');
    const odd = text
      .replace('        high     11400\n', '        high     11400\n        frob     3\n        scanned  0 (a: 20 i: 20)\n')
      .replace('  start_pfn:           4096\n', '  start_pfn:           4096\n  frob_ratio:          9\n');
    const {value, skipped} = parseZoneinfo(odd);
    expect(skipped).toBe(1);
    expect(value.find((z) => z.zone === 'DMA32')!.extra).toEqual({frob: 3, frob_ratio: 9});
  });

  test('pagetypeinfo: block counts that do not match the header\'s types are skipped', () => {
    const text = readFileSync(join(FIXTURES, 'linux-6.18', 'pagetypeinfo'), 'utf8');
    const odd = text.replace(/^(Node 0, zone +DMA32 .*) $/m, '$1           7 ');
    const {value, skipped} = parsePagetypeinfo(odd);
    expect(skipped).toBe(1);
    expect(value.blocks.map((b) => b.zone)).toEqual(['DMA', 'Normal']);
  });

  test('interrupts: a header that is no CPU list, and a TLB line with a count too few, are counted', () => {
    const text = readFileSync(join(FIXTURES, 'linux-6.18', 'interrupts'), 'utf8');
    expect(parseInterrupts(text.replace(/^TLB: +\d+/m, 'TLB:'))).toEqual({value: {cpus: 2, ids: [0, 1], tlb: null}, skipped: 1});
    expect(parseInterrupts('garbage\n' + text.slice(text.indexOf('\n') + 1))).toEqual({value: {cpus: 0, ids: [], tlb: [1712380, 1546685]}, skipped: 1});
  });
});

describe('a file cut short never throws; what was whole before the cut reads as in the whole file', () => {
  test.each(Object.keys(PARSERS))('%s, empty', (file) => {
    const {value, skipped} = PARSERS[file]('');
    expect(skipped).toBe(0);
    expect(JSON.stringify(value)).toMatch(/^(\[\]|\{\}|\{"pageblock_order":0,"pages_per_block":0,"types":\[\],"free":\[\],"blocks":\[\]\}|\{"cpus":0,"ids":\[\],"tlb":null\})$/);
  });

  // Line by line formats: the cut text reads as its whole lines, and the cut line is the one skipped.
  test.each(CASES.filter(([file]) => ['buddyinfo', 'meminfo', 'vmstat'].includes(file)))('%s of %s, cut every 97 bytes', (file, _k, text) => {
    const parse = PARSERS[file];
    for (const n of cuts(text)) {
      const cut = text.slice(0, n);
      const whole = parse(wholeBefore(text, n));
      expect(parse(cut)).toEqual({value: whole.value, skipped: cut.endsWith('\n') || cut === '' ? 0 : 1});
    }
  });

  test.each(CASES.filter(([file]) => file === 'pagetypeinfo'))('%s of %s, cut every 97 bytes: the rows read are the file\'s first', (_f, _k, text) => {
    const full = parsePagetypeinfo(text).value;
    for (const n of cuts(text)) {
      const {value, skipped} = parsePagetypeinfo(text.slice(0, n));
      expect(skipped).toBeLessThanOrEqual(1);
      expect(value.free).toEqual(full.free.slice(0, value.free.length));
      expect(value.blocks).toEqual(full.blocks.slice(0, value.blocks.length));
      // Before any block header the types come from the free rows, in the same order.
      expect(full.types.slice(0, value.types.length)).toEqual(value.types);
    }
  });

  test.each(CASES.filter(([file]) => file === 'zoneinfo'))('%s of %s, cut every 97 bytes: whole zones as in the file, the last with its figures', (_f, _k, text) => {
    const full = parseZoneinfo(text).value;
    for (const n of cuts(text)) {
      const {value, skipped} = parseZoneinfo(text.slice(0, n));
      if (n < text.length - 1) expect(value.length).toBeLessThanOrEqual(full.length);
      value.slice(0, -1).forEach((z, i) => expect(z).toEqual(full[i]));
      const last = value.at(-1);
      if (last) {
        const f = full[value.length - 1];
        expect([last.node, last.zone, last.free, last.min, last.low, last.high, last.spanned, last.present]).toEqual([f.node, f.zone, f.free, f.min, f.low, f.high, f.spanned, f.present]);
        // A CPU's pageset is there whole or not at all.
        for (const p of last.pagesets ?? []) expect(f.pagesets).toContainEqual(expect.objectContaining({cpu: p.cpu, count: p.count, high: p.high, batch: p.batch}));
      }
      // The cut line is counted; the lines counted besides are the last block's (cut before its figures, or a
      // pageset cut short), never a line of the zones before it.
      const cut = text.slice(0, n);
      const midLine = cut !== '' && !cut.endsWith('\n');
      const lastBlock = cut.slice(cut.lastIndexOf('\nNode ') + 1).split('\n').length;
      expect(skipped).toBeGreaterThanOrEqual(midLine ? 1 : 0);
      expect(skipped).toBeLessThanOrEqual(lastBlock);
    }
  });

  test.each(CASES.filter(([file]) => file === 'interrupts'))('%s of %s, cut every 97 bytes: the TLB counts whole or none', (_f, _k, text) => {
    const full = parseInterrupts(text).value;
    for (const n of cuts(text)) {
      const {value} = parseInterrupts(text.slice(0, n));
      expect(value.tlb === null || JSON.stringify(value.tlb) === JSON.stringify(full.tlb)).toBe(true);
    }
  });
});
