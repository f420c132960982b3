// kmalloc_ops_per_s and kmem_cache_ops_per_s: the slab allocator's hot paths under a steady live set (DESIGN §7).
//
// A 4 GiB, 2-CPU x86_64 machine with the default model (SLUB), driven through the SlabAllocator's number API,
// where objects are physical addresses: the Machine's bigint API would measure BigInt arithmetic instead.
// - kmalloc: m.slab.kmalloc(ctx, size, GFP_KERNEL) with sizes uniform in 8..4096 (every kmalloc cache from
//   kmalloc-8 to kmalloc-4k), m.slab.kfree(ctx, phys);
// - kmem_cache: one 192-byte cache made with m.slab.createCache(), cacheAlloc() / cacheFree().
// Each step frees a random live object when more than LIVE objects are live, or on a coin flip, and allocates
// otherwise, on a CPU drawn per step (so frees are often remote: a SLUB free into another CPU's slab). Each run
// first fills the live set to LIVE objects, untimed, by the same allocation path; the timed steps then keep it
// near LIVE. The draws are made a chunk at a time outside the timed stretches, as page-alloc.ts does.
//
// The figure is the median of RUNS runs, each a fresh machine, the same seed and STEPS timed steps. After each run
// (untimed) check(m) must find nothing wrong, and freeing every live object, shrinking every cache and draining
// the per-CPU page lists must give the buddy allocator back every page it had at boot.
import {check} from '../../source/kernel/check.js';
import type {ExecContext} from '../../source/kernel/context.js';
import {GFP_KERNEL} from '../../source/kernel/gfp.js';
import {Machine} from '../../source/kernel/machine.js';
import {Prng} from '../../source/kernel/prng.js';
import type {KmemCache} from '../../source/kernel/slab/cache.js';
import type {SlabAllocator} from '../../source/kernel/slab/slab-allocator.js';
import type {Figure} from './figure.js';

const GiB = 1024 * 1024 * 1024;
export const SPEC = {profile: 'x86_64', memory: 4 * GiB, cpus: 2} as const;
export const LIVE = 100_000;
export const STEPS = 5_000_000;
export const RUNS = 5;
const SEED = 42;
/** Draws per chunk, refilled between timed stretches. */
const CHUNK = 1 << 20;
/** The low 30 bits of a draw pick the size or the live object; bit 30 the CPU; bit 31 the coin. */
const LOW = 0x40000000;

type Kind = 'kmalloc' | 'kmem_cache';
type RunResult = {ms: number; allocs: number; frees: number; failed: number; digest: number; minLive: number};

/** One allocation: kmalloc of a size drawn from u, or an object of the cache. */
function allocOne(sa: SlabAllocator, cache: KmemCache | undefined, ctx: ExecContext, u: number): number {
  // 8 + floor(low * 4089 / 2^30): uniform in 8..4096.
  return cache ? sa.cacheAlloc(cache, ctx, GFP_KERNEL) : sa.kmalloc(ctx, 8 + Math.floor(((u & (LOW - 1)) * 4089) / LOW), GFP_KERNEL);
}

function freeOne(sa: SlabAllocator, cache: KmemCache | undefined, ctx: ExecContext, phys: number): boolean {
  return cache ? sa.cacheFree(cache, ctx, phys) : sa.kfree(ctx, phys);
}

/**
 * The timed loop, in one function with locals so the figure measures the allocator, not the harness: the calls
 * go straight to the SlabAllocator's methods (no closures, whose call sites turn megamorphic over the runs).
 */
function steps(sa: SlabAllocator, cache: KmemCache | undefined, ctxs: readonly ExecContext[], prng: Prng, live: Float64Array, nLive0: number, n: number): RunResult & {nLive: number} {
  const draws = new Uint32Array(CHUNK);
  let nLive = nLive0;
  let allocs = 0;
  let frees = 0;
  let failed = 0;
  let digest = 0x811c9dc5;
  let minLive = nLive;
  let ms = 0;
  for (let done = 0; done < n; done += CHUNK) {
    const m = Math.min(CHUNK, n - done);
    for (let i = 0; i < m; i++) draws[i] = prng.nextU32();
    const t0 = performance.now();
    for (let i = 0; i < m; i++) {
      const u = draws[i];
      const ctx = ctxs[(u >>> 30) & 1];
      if (nLive > 0 && (nLive > LIVE || u >>> 31 === 0)) {
        const k = Math.floor(((u & (LOW - 1)) * nLive) / LOW);
        const phys = live[k];
        live[k] = live[--nLive];
        const ok = cache ? sa.cacheFree(cache, ctx, phys) : sa.kfree(ctx, phys);
        if (!ok) throw new Error(`slab: a free of the live object ${phys} was refused`);
        if (nLive < minLive) minLive = nLive;
        frees++;
      } else {
        const phys = cache ? sa.cacheAlloc(cache, ctx, GFP_KERNEL) : sa.kmalloc(ctx, 8 + Math.floor(((u & (LOW - 1)) * 4089) / LOW), GFP_KERNEL);
        if (phys < 0) {
          failed++;
          continue;
        }
        live[nLive++] = phys;
        allocs++;
        digest = Math.imul(digest ^ (phys / 8), 0x01000193);
      }
    }
    ms += performance.now() - t0;
  }
  return {ms, allocs, frees, failed, digest: digest >>> 0, minLive, nLive};
}

function freePages(m: Machine): number {
  return m.pa.zones.reduce((a, z) => a + z.freePages, 0);
}

/** One run: a fresh machine, the untimed fill, the timed steps, then the checks and the teardown. */
export function runOnce(kind: Kind, n = STEPS): RunResult {
  const r = Machine.boot(SPEC);
  if (!r.ok) throw new Error(`slab: the machine did not boot: ${r.error.message}`);
  const m = r.machine;
  const bootFree = freePages(m);
  const ctxs = [m.ctx(0), m.ctx(1)];
  const sa = m.slab;
  const cache = kind === 'kmem_cache' ? (sa.createCache(ctxs[0], 'bench_192', 192, 0, 0) ?? undefined) : undefined;
  if (kind === 'kmem_cache' && !cache) throw new Error('slab: kmem_cache_create failed');
  const prng = new Prng(SEED);
  const live = new Float64Array(LIVE + 2);
  let nLive = 0;
  while (nLive < LIVE) {
    const u = prng.nextU32();
    const phys = allocOne(sa, cache, ctxs[(u >>> 30) & 1], u);
    if (phys < 0) throw new Error('slab: the fill failed to allocate');
    live[nLive++] = phys;
  }
  const res = steps(sa, cache, ctxs, prng, live, nLive, n);
  nLive = res.nLive;

  const bad = check(m);
  if (bad.length > 0) throw new Error(`slab: check() after the run:\n${bad.slice(0, 20).join('\n')}`);
  const seen = new Set<number>();
  for (let k = 0; k < nLive; k++) {
    if (seen.has(live[k])) throw new Error(`slab: object ${live[k]} was handed out twice`);
    seen.add(live[k]);
  }
  for (let k = 0; k < nLive; k++) if (!freeOne(sa, cache, ctxs[0], live[k])) throw new Error(`slab: teardown free of ${live[k]} was refused`);
  for (const c of sa.caches) sa.shrinkCache(c, ctxs[0]);
  m.drainAllPages();
  const after = check(m);
  if (after.length > 0) throw new Error(`slab: check() after the teardown:\n${after.slice(0, 20).join('\n')}`);
  if (freePages(m) !== bootFree) throw new Error(`slab: all freed and shrunk, but ${freePages(m)} pages are free, ${bootFree} at boot`);
  return res;
}

function bench(kind: Kind, figure: string, log: (line: string) => void): Figure[] {
  runOnce(kind, 1_000_000); // warm-up: lets the JIT settle before the timed runs
  const runs: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(runOnce(kind));
  for (const r of runs) {
    if (r.digest !== runs[0].digest) throw new Error(`${kind}: two runs with the same seed allocated differently`);
  }
  const rates = runs.map((r) => STEPS / (r.ms / 1000)).sort((a, b) => a - b);
  const median = rates[rates.length >> 1];
  const r = runs[0];
  log(
    `${kind}: ${RUNS} runs of ${STEPS} steps, ops/s ${rates.map((x) => (x / 1e6).toFixed(2) + 'M').join(' ')}; ` +
      `${r.allocs} allocs, ${r.frees} frees, ${r.failed} failed, live set at least ${r.minLive}; digest ${r.digest.toString(16)}`,
  );
  return [{figure, value: Math.round(median), unit: 'ops/s'}];
}

export function kmallocBench(log: (line: string) => void): Figure[] {
  return bench('kmalloc', 'kmalloc_ops_per_s', log);
}

export function kmemCacheBench(log: (line: string) => void): Figure[] {
  return bench('kmem_cache', 'kmem_cache_ops_per_s', log);
}
