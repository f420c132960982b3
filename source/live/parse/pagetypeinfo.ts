// /proc/pagetypeinfo read back into the emulator's PagetypeinfoView: mm/vmstat.c pagetypeinfo_show() prints, for
// every node with memory, "Page block order" and "Pages per block", the free blocks of each populated zone per
// migrate type and order (pagetypeinfo_showfree_print), the pageblocks per type (pagetypeinfo_showblockcount_print)
// and, with page_owner on, the mixed pageblocks (pagetypeinfo_showmixedcount_print in mm/page_owner.c). The
// migrate types are whatever migratetype_names[] the kernel has: Unmovable, Movable, Reclaimable, then HighAtomic
// (4.4+) or Reserve (before), CMA (CONFIG_CMA), Isolate (CONFIG_MEMORY_ISOLATION); their order varies too (before
// 4.x Reclaimable came second). renderPagetypeinfo() in kernel/procfs.ts prints a value back byte for byte.
import type {BlockRow, PagetypeinfoView, PagetypeRow} from '../../kernel/procfs.js';
import {count, type Parsed} from './parsed.js';
import {wholeLines} from './whole-lines.js';

const BLOCK_ORDER = /^Page block order: (\d+)$/;
const PER_BLOCK = /^Pages per block: +(\d+)$/;
const FREE_HEADER = /^Free pages count per migrate type at order((?: +\d+)+) *$/;
const FREE_ROW = /^Node +(\d+), zone +(\S+), type +(\S+)((?: +>?\d+)+) *$/;
const BLOCKS_HEADER = /^Number of (blocks type|mixed blocks)((?: +\S+)+) *$/;
const BLOCK_ROW = /^Node (\d+), zone +(\S+)((?: +\d+)+) *$/;

/** Where the kernel stops counting a free list (5.4+), and prints ">100000". */
const CAP = 100000;

export function parsePagetypeinfo(text: string): Parsed<PagetypeinfoView> {
  const {lines, cut} = wholeLines(text);
  const v: PagetypeinfoView = {pageblock_order: 0, pages_per_block: 0, types: [], free: [], blocks: []};
  let skipped = cut;
  // The block rows that follow a header go to the blocks or the mixed list; null before any header.
  let rows: BlockRow[] | null = null;
  let uncapped = false;
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if (line === '' || FREE_HEADER.test(line)) rows = null;
    else if ((m = BLOCK_ORDER.exec(line))) v.pageblock_order = count(m[1]);
    else if ((m = PER_BLOCK.exec(line))) v.pages_per_block = count(m[1]);
    else if ((m = FREE_ROW.exec(line))) {
      const free: number[] = [];
      for (const f of m[4].trim().split(/ +/)) {
        // ">100000": the kernel counted CAP entries and stopped; the count kept is CAP, which prints back the same.
        free.push(f.startsWith('>') ? CAP : count(f));
        if (!f.startsWith('>') && count(f) >= CAP) uncapped = true;
      }
      const row: PagetypeRow = {node: count(m[1]), zone: m[2], type: m[3], free};
      v.free.push(row);
    } else if ((m = BLOCKS_HEADER.exec(line))) {
      const types = m[2].trim().split(/ +/);
      // Every node's header names the same types; the first one read is the file's.
      if (v.types.length === 0) v.types = types;
      if (types.join(' ') !== v.types.join(' ')) {
        skipped++;
        rows = null;
        continue;
      }
      if (m[1] === 'blocks type') rows = v.blocks;
      else rows = v.mixed ??= [];
    } else if ((m = BLOCK_ROW.exec(line)) && rows) {
      const counts = m[3].trim().split(/ +/).map(count);
      if (counts.length !== v.types.length) {
        skipped++;
        continue;
      }
      rows.push({node: count(m[1]), zone: m[2], blocks: Object.fromEntries(v.types.map((t, i) => [t, counts[i]]))});
    } else skipped++;
  }
  // A file cut before any block header still names its types in the free rows, in the kernel's order.
  if (v.types.length === 0) v.types = [...new Set(v.free.map((r) => r.type))];
  // A count of CAP or more printed in full: a kernel before 5.4, which never capped.
  if (uncapped) v.capped = false;
  return {value: v, skipped};
}
