// /proc/buddyinfo read back into the emulator's BuddyRow shape: mm/vmstat.c frag_show_print() prints
// "Node %d, zone %8s " then "%6lu " per order, for every populated zone of every node with memory. The number of
// orders is whatever the kernel has (NR_PAGE_ORDERS: 11 on x86 since 2.6; more with a larger MAX_ORDER), so a row
// takes every count on its line. renderBuddyinfo() in kernel/procfs.ts prints a value back byte for byte.
import type {BuddyRow} from '../../kernel/procfs.js';
import {count, type Parsed} from './parsed.js';
import {wholeLines} from './whole-lines.js';

const ROW = /^Node (\d+), zone +(\S+)((?: +\d+)+) *$/;

export function parseBuddyinfo(text: string): Parsed<BuddyRow[]> {
  const {lines, cut} = wholeLines(text);
  const rows: BuddyRow[] = [];
  let skipped = cut;
  for (const line of lines) {
    const m = ROW.exec(line);
    if (!m) {
      skipped++;
      continue;
    }
    rows.push({node: count(m[1]), zone: m[2], free: m[3].trim().split(/ +/).map(count)});
  }
  return {value: rows, skipped};
}
