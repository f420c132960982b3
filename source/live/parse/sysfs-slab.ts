// mm/slub.c show_slab_objects(): /sys/kernel/slab/<cache>/{slabs,partial,cpu_slabs} print a total, then
// " N<node>=<count>" for each node with a nonzero count on CONFIG_NUMA kernels ("41 N0=41"). What each counts
// (6.x with CONFIG_SLUB_CPU_PARTIAL, as this host's 6.18):
//   slabs      SO_ALL: node_nr_slabs() per node, every slab the cache holds wherever it is (CONFIG_SLUB_DEBUG only:
//              without it the file does not exist)
//   partial    SO_PARTIAL: n->nr_partial, the slabs on the node partial lists
//   cpu_slabs  SO_CPU: per possible CPU that has a CPU slab, 1 for it plus slab->slabs of its CPU partial list's
//              head (the length of that list), each at the node its slab lives on
// show_slab_objects() itself prints no per-CPU parts; show_stat() (the CONFIG_SLUB_STATS files) prints
// " C<cpu>=<count>", so such parts are read too. Each count is read without the list locks (data_race()), so the
// three files of one cache may disagree by a slab or two.
import {count, linesOf, type Parsed} from './parsed.js';

export type SlabCount = {total: number; nodes: Record<number, number>; cpus: Record<number, number>};

/** One of a cache's count files. An empty or cut-short file gives total 0 and counts as skipped. */
export function parseSlabCount(text: string): Parsed<SlabCount> {
  const value: SlabCount = {total: 0, nodes: {}, cpus: {}};
  const lines = linesOf(text);
  // sysfs_emit() ends the line with '\n': without it the file was cut short, maybe inside a number.
  const complete = text.endsWith('\n') || lines.length === 0 ? lines.length : lines.length - 1;
  let skipped = lines.length - complete;
  if (complete === 0) return {value, skipped: Math.max(skipped, 1)};
  const parts = lines[0].split(' ');
  const total = count(parts[0]);
  if (!(total >= 0)) return {value, skipped: skipped + complete};
  value.total = total;
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    const id = eq < 2 ? NaN : count(part.slice(1, eq));
    const n = eq < 2 ? NaN : count(part.slice(eq + 1));
    if (!(id >= 0) || !(n >= 0)) skipped++;
    else if (part[0] === 'N') value.nodes[id] = n;
    else if (part[0] === 'C') value.cpus[id] = n;
    else skipped++;
  }
  return {value, skipped: skipped + complete - 1};
}

export type SlabLists = {full: number; partial: number; cpu: number};

/**
 * A cache's slabs by list, from its three totals. SLUB keeps full slabs on no list (only debug caches have a full
 * list), so full is what is neither on a node partial list nor held by a CPU; it is clamped at 0 because the three
 * files are read at different moments. Empty slabs cannot be told apart: SLUB frees an empty slab unless the node
 * keeps fewer than min_partial, and those it keeps sit on the partial list (and CPU partial lists hold empty ones
 * too), so "partial" here includes them.
 */
export function slabLists(counts: {slabs: number; partial: number; cpu_slabs: number}): SlabLists {
  return {
    full: Math.max(0, counts.slabs - counts.partial - counts.cpu_slabs),
    partial: counts.partial,
    cpu: counts.cpu_slabs,
  };
}
