// /proc/slabinfo version 2.1 read back into its columns: mm/slab_common.c print_slabinfo_header() and
// cache_show(), and up to 6.7 mm/slab.c's slabinfo_show_stats(). SLUB prints its tunables as 0 0 0; classic SLAB
// prints its real limit, batchcount and sharedfactor and, with CONFIG_DEBUG_SLAB, "(statistics)" in the header
// and a globalstat and a cpustat section on every line. renderSlabinfo() prints a value back byte for byte.
import {SLABINFO_HEADER, slabinfoLine, type SlabinfoColumns} from '../../kernel/slab/figures.js';
import {count, linesOf, type Parsed} from './parsed.js';

export type SlabinfoRow = SlabinfoColumns & {
  /** CONFIG_DEBUG_SLAB: listallocs maxobjs grown reaped error maxfreeable nodeallocs remotefrees [alienoverflow]. */
  globalstat?: number[];
  /** CONFIG_DEBUG_SLAB: allochit allocmiss freehit freemiss. */
  cpustat?: number[];
};

export type Slabinfo = {
  /** "2.1"; '' when the file had no header line. */
  version: string;
  /** The header said "(statistics)": a CONFIG_DEBUG_SLAB kernel. */
  statistics: boolean;
  /** In the kernel's order (newest cache first). */
  caches: SlabinfoRow[];
  /** The column line when it is not the one print_slabinfo_header() prints since 2.6.x (older statistics columns). */
  header?: string;
  /** Kernels up to 2.6.33 printed four tabs in the middle of globalstat: a backslash-continued format string,
   *  fixed by "mm: Fix continuation lines" in 2.6.34. */
  globalstatTabs?: boolean;
};

const VERSION = 'slabinfo - version: ';
const STATISTICS = ' (statistics)';
const COLUMNS = SLABINFO_HEADER.split('\n')[1];
const STATS_COLUMNS =
  COLUMNS +
  ' : globalstat <listallocs> <maxobjs> <grown> <reaped> <error> <maxfreeable> <nodeallocs> <remotefrees> <alienoverflow>' +
  ' : cpustat <allochit> <allocmiss> <freehit> <freemiss>';
// slabinfo_show_stats(): " : globalstat %7lu %6lu %5lu %4lu %4lu ..." and " : cpustat %6lu %6lu %6lu %6lu".
const GLOBALSTAT_WIDTHS = [7, 6, 5, 4];
const TABS = ' \t\t\t\t';
const TWO_64 = 2n ** 64n;

/** A counter the kernel printed with %lu. One past 2^53 is an unsigned long that wrapped below zero (2.6.12 printed
 *  maxobjs as 18446744073709551615): it is kept as the negative number it wrapped from, so it prints back exactly. */
function ulong(field: string): number {
  const n = count(field);
  if (Number.isSafeInteger(n) && n >= 0) return n;
  if (!(n > 0)) return NaN;
  const wrapped = Number(BigInt(field) - TWO_64);
  return Number.isSafeInteger(wrapped) && wrapped < 0 ? wrapped : NaN;
}

function ulongText(n: number): string {
  return n < 0 ? String(BigInt(n) + TWO_64) : String(n);
}

/** "tunables 120 60 8" -> [120, 60, 8] when the section has that keyword and that many counts, else null. */
function section(text: string, keyword: string, n: number): number[] | null {
  if (!text.startsWith(keyword + ' ')) return null;
  const fields = text.slice(keyword.length).trim().split(/\s+/);
  if (n >= 0 && fields.length !== n) return null;
  const values = fields.map(n >= 0 ? count : ulong);
  return values.every((v) => Number.isSafeInteger(v) && (n < 0 || v >= 0)) ? values : null;
}

type Row = {row: SlabinfoRow; unknownSection: boolean; tabs: boolean};

/** cache_show(): "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu %6lu" [stats]. */
function parseRow(line: string): Row | null {
  const parts = line.split(' : ');
  if (parts.length < 3) return null;
  // The name is what comes before the last five counts; a name longer than 17 columns just pushes them right.
  const head = parts[0].split(' ').filter((f) => f !== '');
  if (head.length < 6) return null;
  const cols = head.slice(-5).map(count);
  const tunables = section(parts[1], 'tunables', 3);
  const slabdata = section(parts[2], 'slabdata', 3);
  if (!tunables || !slabdata || !cols.every((v) => Number.isSafeInteger(v) && v >= 0)) return null;
  const row: SlabinfoRow = {
    name: head.slice(0, -5).join(' '),
    active_objs: cols[0],
    num_objs: cols[1],
    objsize: cols[2],
    objperslab: cols[3],
    pagesperslab: cols[4],
    limit: tunables[0],
    batchcount: tunables[1],
    sharedfactor: tunables[2],
    active_slabs: slabdata[0],
    num_slabs: slabdata[1],
    shared_avail: slabdata[2],
  };
  let unknownSection = false;
  let tabs = false;
  for (const part of parts.slice(3)) {
    const globalstat = row.globalstat === undefined ? section(part, 'globalstat', -1) : null;
    const cpustat = row.cpustat === undefined ? section(part, 'cpustat', -1) : null;
    if (globalstat) {
      row.globalstat = globalstat;
      tabs = part.includes('\t');
    } else if (cpustat) row.cpustat = cpustat;
    else unknownSection = true;
  }
  return {row, unknownSection, tabs};
}

/** A line with a section we do not know keeps its known columns and counts as skipped (it will not print back). */
export function parseSlabinfo(text: string): Parsed<Slabinfo> {
  const value: Slabinfo = {version: '', statistics: false, caches: []};
  const lines = linesOf(text);
  // seq_file ends every line with '\n': a last line without one was cut short, and its last count with it.
  const complete = text.endsWith('\n') || lines.length === 0 ? lines.length : lines.length - 1;
  let skipped = lines.length - complete;
  let columns = false;
  for (let i = 0; i < complete; i++) {
    const line = lines[i];
    if (line.startsWith(VERSION) && value.version === '' && value.caches.length === 0) {
      const rest = line.slice(VERSION.length);
      value.statistics = rest.endsWith(STATISTICS);
      value.version = value.statistics ? rest.slice(0, -STATISTICS.length) : rest;
      continue;
    }
    if (line.startsWith('#') && value.version !== '' && !columns && value.caches.length === 0) {
      columns = true;
      if (line !== (value.statistics ? STATS_COLUMNS : COLUMNS)) value.header = line;
      continue;
    }
    const parsed = parseRow(line);
    if (!parsed) {
      skipped++;
      continue;
    }
    value.caches.push(parsed.row);
    if (parsed.unknownSection) skipped++;
    if (parsed.tabs) value.globalstatTabs = true;
  }
  return {value, skipped};
}

function stats(row: SlabinfoRow, tabs: boolean): string {
  let s = '';
  if (row.globalstat) {
    s += ' : globalstat';
    row.globalstat.forEach((n, i) => {
      s += (i === 4 && tabs ? TABS : ' ') + ulongText(n).padStart(GLOBALSTAT_WIDTHS[i] ?? 4);
    });
  }
  if (row.cpustat) s += ' : cpustat' + row.cpustat.map((n) => ' ' + ulongText(n).padStart(6)).join('');
  return s;
}

/** /proc/slabinfo as the kernel printed it: the header (when there was one), then cache_show()'s line per cache. */
export function renderSlabinfo(value: Slabinfo): string {
  let s = '';
  if (value.version !== '') {
    s += VERSION + value.version + (value.statistics ? STATISTICS : '') + '\n';
    s += (value.header ?? (value.statistics ? STATS_COLUMNS : COLUMNS)) + '\n';
  }
  const tabs = value.globalstatTabs === true;
  for (const c of value.caches) s += slabinfoLine(c) + stats(c, tabs) + '\n';
  return s;
}
