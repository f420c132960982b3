// /proc/vmstat: mm/vmstat.c vmstat_show() prints "name value" per counter (zone items, NUMA events, node items,
// the dirty thresholds, then the VM events), names from vmstat_text[]; which exist depends on the kernel and its
// config (nr_tlb_* only with CONFIG_DEBUG_TLBFLUSH). Kept in the file's order (no name is an integer).
import {count, type Parsed} from './parsed.js';
import {wholeLines} from './whole-lines.js';

const LINE = /^(\w+) (\d+)$/;

export function parseVmstat(text: string): Parsed<Record<string, number>> {
  const {lines, cut} = wholeLines(text);
  const value: Record<string, number> = {};
  let skipped = cut;
  for (const line of lines) {
    const m = LINE.exec(line);
    // A name twice is not something the kernel prints: the first stands.
    if (!m || Object.hasOwn(value, m[1])) skipped++;
    else value[m[1]] = count(m[2]);
  }
  return {value, skipped};
}
