// boot_64g_ms and bytes_per_page_64g: booting a 64 GiB, 8-node, 64-CPU x86_64 machine (DESIGN §7).
//
// The time is Machine.boot() end to end (config, zones, memblock_free_all, zonelists, watermarks), measured on
// the first boot in a fresh process (run.ts gives every bench its own), so it includes what a user waits for
// at start-up: the cold JIT and the allocation of the per-page arrays.
//
// The memory is what the booted machine retains, after a full GC before and after the boot:
// process.memoryUsage().arrayBuffers (the backing stores of the typed arrays: per-page links, state, order and
// info, pageblock types, free-list heads, pcp lists) plus heapUsed (the JS objects: zones, nodes, config, the
// small on-heap typed arrays). Garbage made during boot is collected before the second reading and not counted;
// neither is code or the process's own baseline. Divided by the 16777216 pages of 64 GiB.
import {Machine} from '../../source/kernel/machine.js';
import type {Figure} from './figure.js';

const GiB = 1024 * 1024 * 1024;
export const SPEC = {profile: 'x86_64', memory: 64 * GiB, nodes: 8, cpus: 64} as const;
const TOTAL_PAGES = (64 * GiB) / 4096;

function fullGc(): void {
  const gc = (globalThis as {gc?: () => void}).gc;
  if (!gc) throw new Error('boot: run node with --expose-gc (npm run bench does)');
  gc();
  gc();
}

export function bootBench(log: (line: string) => void): Figure[] {
  fullGc();
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  const r = Machine.boot(SPEC);
  const ms = performance.now() - t0;
  if (!r.ok) throw new Error(`boot: the 64 GiB machine did not boot: ${r.error.message}`);
  fullGc();
  const m1 = process.memoryUsage();
  const buffers = m1.arrayBuffers - m0.arrayBuffers;
  const heap = m1.heapUsed - m0.heapUsed;
  const perPage = (buffers + heap) / TOTAL_PAGES;

  // The machine must be whole, or the figures measure nothing: every pfn of every zone accounted for.
  const m = r.machine;
  let spanned = 0;
  let managed = 0;
  let free = 0;
  for (const z of m.pa.zones) {
    spanned += z.spanned;
    managed += z.managed;
    free += z.freePages;
  }
  if (m.pa.nodes.length !== 8 || m.nrCpus !== 64) throw new Error('boot: the machine has the wrong shape');
  if (spanned !== TOTAL_PAGES - 1) throw new Error(`boot: the zones span ${spanned} pages, expected ${TOTAL_PAGES - 1} (all but pfn 0)`);
  if (free !== managed || managed < TOTAL_PAGES * 0.95) throw new Error(`boot: ${free} free of ${managed} managed pages`);

  log(`boot: ${ms.toFixed(1)} ms; retained ${(buffers / 2 ** 20).toFixed(1)} MiB of array buffers + ${(heap / 2 ** 20).toFixed(2)} MiB of heap; ${managed} managed pages`);
  return [
    {figure: 'boot_64g_ms', value: Math.round(ms * 10) / 10, unit: 'ms'},
    {figure: 'bytes_per_page_64g', value: Math.round(perPage * 100) / 100, unit: 'B/page'},
  ];
}
