// Snapshots of the buddy state for tests and diffs: the free blocks of every zone by order and migrate type
// (sorted pfns) and the pageblock types, as text that compares with a readable diff.
import type {Machine} from './machine.js';
import {MIGRATETYPE_LETTERS, MIGRATETYPE_NAMES, NR_MIGRATETYPES, NR_ORDERS} from './page-alloc/types.js';

const NIL = -1;
const L_NR_MT: number = NR_MIGRATETYPES;
export const hex = (pfn: number): string => '0x' + pfn.toString(16);
export const mtName = (mt: number): string => MIGRATETYPE_NAMES[mt] ?? `migrate type ${mt}`;

/** One zone's buddy state: free blocks by order and migrate type (sorted pfns) and the pageblock types. */
export type ZoneFreeBlocks = {
  readonly nid: number;
  readonly zone: string;
  /** blocks[order][mt]: first pfns of the free blocks on free_area[order].free_list[mt], ascending. */
  readonly blocks: number[][][];
  /** One letter per pageblock (U, M, E, H), the first being the pageblock holding startPfn. */
  readonly pageblocks: string;
};

/** The free blocks of every populated zone, read from the free lists (bounded, so a broken list cannot hang). */
export function freeBlocks(m: Machine): ZoneFreeBlocks[] {
  const zones: ZoneFreeBlocks[] = [];
  for (const z of m.pa.zones) {
    const blocks: number[][][] = [];
    for (let o = 0; o < NR_ORDERS; o++) {
      const row: number[][] = [];
      for (let mt = 0; mt < L_NR_MT; mt++) {
        const pfns: number[] = [];
        let idx = z.freeHead[o * L_NR_MT + mt];
        for (let steps = 0; idx !== NIL && idx >= 0 && idx < z.spanned && steps <= z.spanned; steps++) {
          pfns.push(z.startPfn + idx);
          idx = z.next[idx];
        }
        row.push(pfns.sort((a, b) => a - b));
      }
      blocks.push(row);
    }
    let pageblocks = '';
    for (let b = 0; b < z.pbType.length; b++) pageblocks += MIGRATETYPE_LETTERS[z.pbType[b]] ?? '?';
    zones.push({nid: z.nid, zone: z.name, blocks, pageblocks});
  }
  return zones;
}

export type SnapshotOptions = {
  /**
   * true (the default): the exact buddy state, lists by order and migrate type plus the pageblock types.
   * false: the free blocks by order only (what /proc/buddyinfo counts, with the pfns).
   */
  readonly migrateTypes?: boolean;
};

/** freeBlocks() as text, one line per non-empty list, so two states compare with a readable diff. */
export function freeListSnapshot(m: Machine, opts: SnapshotOptions = {}): string {
  return formatFreeBlocks(freeBlocks(m), opts);
}

export function formatFreeBlocks(zones: readonly ZoneFreeBlocks[], opts: SnapshotOptions = {}): string {
  const exact = opts.migrateTypes ?? true;
  const lines: string[] = [];
  for (const z of zones) {
    const head = `node ${z.nid} ${z.zone}`;
    for (let o = 0; o < z.blocks.length; o++) {
      if (exact) {
        for (let mt = 0; mt < z.blocks[o].length; mt++) {
          const pfns = z.blocks[o][mt];
          if (pfns.length > 0) lines.push(`${head} order ${o} ${mtName(mt)}: ${pfns.map(hex).join(' ')}`);
        }
      } else {
        const pfns = z.blocks[o].flat().sort((a, b) => a - b);
        if (pfns.length > 0) lines.push(`${head} order ${o}: ${pfns.map(hex).join(' ')}`);
      }
    }
    if (exact) lines.push(`${head} pageblocks: ${z.pageblocks}`);
  }
  return lines.join('\n');
}
