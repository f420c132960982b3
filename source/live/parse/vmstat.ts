// /proc/vmstat: mm/vmstat.c vmstat_show() prints "name value" per counter (zone items, NUMA events, node items,
// the dirty thresholds, then the VM events), names from vmstat_text[]; which exist depends on the kernel and its
// config (nr_tlb_* only with CONFIG_DEBUG_TLBFLUSH). Kept in the file's order.
import type {Parsed} from './parsed.js';
import {parseNameValues} from './name-value.js';

const LINE = /^(\w+) (\d+)$/;

export function parseVmstat(text: string): Parsed<Record<string, number>> {
  return parseNameValues(text, LINE);
}
