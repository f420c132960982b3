// /proc/zoneinfo read back into the shape of the emulator's ZoneinfoView (kernel/procfs.ts: a ZoneinfoView is a
// ParsedZone), the fields that came and went between kernels optional. mm/vmstat.c zoneinfo_show_print(), by era:
//  - up to 4.7: populated zones only; "pages free", min, low, high, "scanned", spanned, present, managed (3.8+),
//    the zone's vmstat items indented 4, then protection, pagesets ("count: / high:  / batch:"), then
//    "all_unreclaimable:", "prev_priority:" (2.6), "start_pfn:", "inactive_ratio:".
//  - 4.8: node stats moved to "per-node stats" under the node's first populated zone; items indented 6;
//    node_unreclaimable and node_inactive_ratio (removed in 4.15); 4.12 prints unpopulated zones too (up to
//    protection), with protection before the zone's items.
//  - 5.0 boost; 5.x cma; 6.x promo; 6.7 pagesets gain high_min and high_max and realign ("count:    ").
// Known lines fill their fields; other "key value" lines are kept, never guessed at: items under "per-node stats"
// in node_stats, the zone's items in zone_stats, other 8-column zone fields (scanned) and "key: value" lines
// (all_unreclaimable, inactive_ratio ...) in `extra`. Anything else is skipped and counted.
// renderParsedZoneinfo() below prints a file of up to 4.7 or of 4.12+ back byte for byte.
import {count, type Parsed} from './parsed.js';
import {wholeLines} from './whole-lines.js';

export type ParsedPcp = {
  cpu: number;
  count: number;
  high: number;
  batch: number;
  /** 6.7+. */
  high_min?: number;
  high_max?: number;
  /** "vm stats threshold" (CONFIG_SMP). */
  stat_threshold?: number;
};

export type ParsedZone = {
  node: number;
  zone: string;
  /** populated_zone(): present pages. Before 4.12 only populated zones were printed. */
  populated: boolean;
  /** 4.8+: under the node's first populated zone. */
  node_stats?: Record<string, number>;
  free: number;
  /** 5.0+. */
  boost?: number;
  min: number;
  low: number;
  high: number;
  /** 6.0+. */
  promo?: number;
  spanned: number;
  present: number;
  /** 3.8+ (present is the nearest figure before). */
  managed?: number;
  /** 5.x+. */
  cma?: number;
  protection: number[];
  /** The zone's vmstat items (and NUMA events), in the kernel's order. */
  zone_stats?: Record<string, number>;
  pagesets?: ParsedPcp[];
  /** 4.8+ (all_unreclaimable before, in extra). */
  node_unreclaimable?: number;
  start_pfn?: number;
  /** Fields of other kernels, in the file's order: scanned, all_unreclaimable, prev_priority, inactive_ratio ... */
  extra?: Record<string, number>;
};

const ZONE = /^Node (\d+), zone +(\S+)$/;
const PAGES_FREE = /^ {2}pages free +(\d+)$/;
// 4.8 to 4.10 printed "   node_scanned  %lu", three columns in.
const FIELD = /^(?: {8}| {3}(?=node_scanned ))(\w+) +(\d+)$/;
const PROTECTION = /^ {8}protection: \((-?\d+(?:, -?\d+)*)\)$/;
// %-12s %lu: six columns in (4.8+), four before.
const ITEM = /^( {4}| {6})(\w+) +(\d+)$/;
const CPU = /^ {4}cpu: (\d+)$/;
const PCP_FIELD = /^ {14}(\w+): +(-?\d+)$/;
const THRESHOLD = /^ {2}vm stats threshold: (-?\d+)$/;
const TAIL = /^ {2}(\w+): +(\d+)$/;

/** The figures zoneinfo has printed for every zone since 2.6: a zone block without them was cut short. */
const CORE = ['free', 'min', 'low', 'high', 'spanned', 'present'] as const;
const ZONE_FIELDS = new Set(['boost', 'min', 'low', 'high', 'promo', 'spanned', 'present', 'managed', 'cma']);
const PCP_FIELDS = new Set(['count', 'high', 'batch', 'high_min', 'high_max']);

type Building = Partial<ParsedZone> & {node: number; zone: string; lines: number};

export function parseZoneinfo(text: string): Parsed<ParsedZone[]> {
  const {lines, cut} = wholeLines(text);
  const zones: ParsedZone[] = [];
  let skipped = cut;
  let z: Building | null = null;
  // Which part of the zone block the lines are in: node stats, the zone's fields and items, or its pagesets.
  let part: 'node' | 'zone' | 'pcp' = 'zone';
  const finish = () => {
    if (!z) return;
    const {lines: n, ...fields} = z;
    if (CORE.every((k) => fields[k] !== undefined) && fields.protection) {
      // A CPU's pageset cut short goes (its lines counted): the rest of the zone is whole.
      if (fields.pagesets) {
        const whole = fields.pagesets.filter((p) => p.count !== undefined && p.high !== undefined && p.batch !== undefined);
        for (const p of fields.pagesets) if (!whole.includes(p)) skipped += Object.keys(p).length;
        fields.pagesets = whole;
      }
      zones.push({...fields, populated: fields.present! > 0} as ParsedZone);
    } else skipped += n; // cut short before its core figures: the whole block goes, counted
    z = null;
  };
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = ZONE.exec(line))) {
      finish();
      z = {node: count(m[1]), zone: m[2], lines: 1};
      part = 'zone';
      continue;
    }
    if (!z) {
      skipped++;
      continue;
    }
    z.lines++;
    if (line === '  per-node stats') part = 'node';
    else if ((m = PAGES_FREE.exec(line))) {
      z.free = count(m[1]);
      part = 'zone';
    } else if ((m = PROTECTION.exec(line))) z.protection = m[1].split(', ').map(count);
    else if ((m = FIELD.exec(line)) && part === 'zone') {
      if (ZONE_FIELDS.has(m[1])) (z as Record<string, unknown>)[m[1]] = count(m[2]);
      else (z.extra ??= {})[m[1]] = count(m[2]);
    } else if ((m = ITEM.exec(line)) && part !== 'pcp') {
      const into = part === 'node' ? (z.node_stats ??= {}) : (z.zone_stats ??= {});
      into[m[2]] = count(m[3]);
    } else if (line === '  pagesets') {
      part = 'pcp';
      z.pagesets ??= [];
    } else if ((m = CPU.exec(line)) && part === 'pcp') {
      z.pagesets!.push({cpu: count(m[1])} as ParsedPcp);
    } else if ((m = PCP_FIELD.exec(line)) && part === 'pcp' && z.pagesets!.length > 0 && PCP_FIELDS.has(m[1])) {
      (z.pagesets!.at(-1) as Record<string, number>)[m[1]] = count(m[2]);
    } else if ((m = THRESHOLD.exec(line)) && part === 'pcp' && z.pagesets!.length > 0) {
      z.pagesets!.at(-1)!.stat_threshold = count(m[1]);
    } else if ((m = TAIL.exec(line))) {
      if (m[1] === 'node_unreclaimable' || m[1] === 'start_pfn') z[m[1]] = count(m[2]);
      else (z.extra ??= {})[m[1]] = count(m[2]);
    } else {
      skipped++;
      z.lines--; // counted here, not again if its block is dropped
    }
  }
  finish();
  return {value: zones, skipped};
}

// ---- renderer --------------------------------------------------------------------------------------------

const rpad = (s: string | number, w: number) => String(s).padStart(w);
const item = (k: string, v: number) => `\n      ${k.padEnd(12)} ${v}`;

/**
 * zoneinfo_show_print() as the zone's kernel printed it, each optional field where the zone has it: the 4.12+
 * layout, or up to 4.7's (a zone with all_unreclaimable). 4.8 to 4.11 (items before protection, node_scanned)
 * come out in the 4.12 layout.
 */
export function renderParsedZoneinfo(zones: readonly ParsedZone[]): string {
  let s = '';
  for (const z of zones) {
    if (z.extra?.all_unreclaimable !== undefined) {
      s += renderLegacyZone(z);
      continue;
    }
    s += `Node ${z.node}, zone ${rpad(z.zone, 8)}`;
    if (z.node_stats) {
      s += '\n  per-node stats';
      for (const [k, v] of Object.entries(z.node_stats)) s += item(k, v);
    }
    s += `\n  pages free     ${z.free}`;
    if (z.boost !== undefined) s += `\n        boost    ${z.boost}`;
    s += `\n        min      ${z.min}\n        low      ${z.low}\n        high     ${z.high}`;
    if (z.promo !== undefined) s += `\n        promo    ${z.promo}`;
    s += `\n        spanned  ${z.spanned}\n        present  ${z.present}`;
    if (z.managed !== undefined) s += `\n        managed  ${z.managed}`;
    if (z.cma !== undefined) s += `\n        cma      ${z.cma}`;
    s += `\n        protection: (${z.protection.join(', ')})`;
    if (!z.populated) {
      s += '\n';
      continue;
    }
    for (const [k, v] of Object.entries(z.zone_stats ?? {})) s += item(k, v);
    s += pagesets(z);
    if (z.node_unreclaimable !== undefined) s += `\n  node_unreclaimable:  ${z.node_unreclaimable}`;
    if (z.start_pfn !== undefined) s += `\n  start_pfn:           ${z.start_pfn}`;
    // 4.8 to 4.14.
    if (z.extra?.node_inactive_ratio !== undefined) s += `\n  node_inactive_ratio: ${z.extra.node_inactive_ratio}`;
    s += '\n';
  }
  return s;
}

/** The pagesets: 6.7 added high_min and high_max and aligned the five values; before, three with their own spacing. */
function pagesets(z: ParsedZone): string {
  let s = '\n  pagesets';
  for (const p of z.pagesets ?? []) {
    s += `\n    cpu: ${p.cpu}`;
    if (p.high_min !== undefined) {
      s += `\n              count:    ${p.count}\n              high:     ${p.high}\n              batch:    ${p.batch}`;
      s += `\n              high_min: ${p.high_min}\n              high_max: ${p.high_max}`;
    } else s += `\n              count: ${p.count}\n              high:  ${p.high}\n              batch: ${p.batch}`;
    if (p.stat_threshold !== undefined) s += `\n  vm stats threshold: ${p.stat_threshold}`;
  }
  return s;
}

/** Up to 4.7: populated zones only, "scanned", the items indented 4 before protection, the tail in 19 columns. */
function renderLegacyZone(z: ParsedZone): string {
  const x = z.extra ?? {};
  let s = `Node ${z.node}, zone ${rpad(z.zone, 8)}`;
  s += `\n  pages free     ${z.free}\n        min      ${z.min}\n        low      ${z.low}\n        high     ${z.high}`;
  if (x.scanned !== undefined) s += `\n        scanned  ${x.scanned}`;
  s += `\n        spanned  ${z.spanned}\n        present  ${z.present}`;
  if (z.managed !== undefined) s += `\n        managed  ${z.managed}`;
  for (const [k, v] of Object.entries(z.zone_stats ?? {})) s += `\n    ${k.padEnd(12)} ${v}`;
  s += `\n        protection: (${z.protection.join(', ')})`;
  s += pagesets(z);
  const tail = (k: string, v: number | undefined) => (v === undefined ? '' : `\n  ${(k + ':').padEnd(19)}${v}`);
  s += tail('all_unreclaimable', x.all_unreclaimable) + tail('prev_priority', x.prev_priority) + tail('temp_priority', x.temp_priority);
  s += tail('start_pfn', z.start_pfn) + tail('inactive_ratio', x.inactive_ratio);
  return s + '\n';
}
