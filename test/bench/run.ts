// `npm run bench [-- NAME...]`: the budgets of DESIGN §7, one JSON line per figure on stdout,
// {"figure": NAME, "value": N, "unit": U}; notes on what was measured go to stderr.
//
// scenarios.ts adds one bench per shipped scenario (scenario_<name>; BENCH_TICKS=N shortens their runs).
//
// Each bench runs in a child process of its own (same node, --expose-gc), so one bench's heap, JIT state and
// GC debt cannot skew another's. The exit code is 1 if a bench fails its own checks or a figure misses its budget.
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {bootBench} from './boot.js';
import {DASHBOARD_FIGURES, dashboardBench} from './dashboard.js';
import {LIVE_FIGURES, liveBench} from './live-frames.js';
import {LIVE_SAMPLE_FIGURES, liveSampleBench} from './live-sample.js';
import type {Figure} from './figure.js';
import {pageAllocBench} from './page-alloc.js';
import {CALLS_FIGURE, SCENARIO_TICKS_PER_S_MIN, scenarioBenches} from './scenarios.js';
import {kmallocBench, kmemCacheBench} from './slab.js';
import {REPLAY_FIGURES, replayBench} from './replay.js';
import {STATE_HASH_FIGURES, stateHashBench} from './state-hash.js';
import {vmallocBench} from './vmalloc.js';

type Bench = {
  readonly name: string;
  readonly figures: readonly string[];
  readonly run: (log: (line: string) => void) => Figure[] | Promise<Figure[]>;
};

const BENCHES: readonly Bench[] = [
  {name: 'page_alloc', figures: ['page_alloc_ops_per_s'], run: pageAllocBench},
  {name: 'boot', figures: ['boot_64g_ms', 'bytes_per_page_64g'], run: bootBench},
  {name: 'kmalloc', figures: ['kmalloc_ops_per_s'], run: kmallocBench},
  {name: 'kmem_cache', figures: ['kmem_cache_ops_per_s'], run: kmemCacheBench},
  {name: 'vmalloc', figures: ['vmalloc_region_1g_4k_bytes', 'vmalloc_64k_ops_per_s'], run: vmallocBench},
  {name: 'dashboard', figures: DASHBOARD_FIGURES, run: dashboardBench},
  {name: 'live', figures: LIVE_FIGURES, run: liveBench},
  {name: 'live_sample', figures: LIVE_SAMPLE_FIGURES, run: liveSampleBench},
  {name: 'state_hash', figures: STATE_HASH_FIGURES, run: stateHashBench},
  {name: 'replay', figures: REPLAY_FIGURES, run: replayBench},
  // One per shipped scenario: scenario_<name> gives scenario_<name>_ticks_per_s (tour also scenario_tour_calls_per_s).
  ...scenarioBenches(),
];

/** What each figure must reach: at least `min` or at most `max`. */
const BUDGETS: Readonly<Record<string, {min?: number; max?: number}>> = {
  page_alloc_ops_per_s: {min: 20_000_000},
  boot_64g_ms: {max: 1000},
  bytes_per_page_64g: {max: 16},
  kmalloc_ops_per_s: {min: 5_000_000},
  kmem_cache_ops_per_s: {min: 10_000_000},
  vmalloc_64k_ops_per_s: {min: 200_000},
  vmalloc_region_1g_4k_bytes: {max: 64 * 2 ** 20},
  [CALLS_FIGURE]: {min: 2_000_000},
  render_frame_ms: {max: 50},
  step_back_ms: {max: 100},
  render_frame_8g_vs_256m: {max: 2},
  dashboard_fps_flat_out: {min: 20},
  key_latency_ms: {max: 50},
  state_hash_ms: {max: 5},
  // Recording the tour at 5000 ticks/s costs at most half again (a hash every 1000 ticks: 1 ms at first, 5.5 ms
  // by tick 100 000 as the vmalloc region fills); a recording is checked at 30 k ticks/s or better (a
  // 10-minute lecture at 50 ticks/s in about a second).
  record_overhead: {max: 1.5},
  replay_ticks_per_s: {min: 30_000},
  // One sample of the host (issue 9): every file read and parsed, the view model built; 2% of a core at 1 s.
  live_sample_ms: {max: 20},
  // Every scenario_<name>_ticks_per_s: at least 100 k ticks/s.
  ...Object.fromEntries(BENCHES.flatMap((b) => b.figures.filter((f) => f.startsWith('scenario_') && f.endsWith('_ticks_per_s'))).map((f) => [f, {min: SCENARIO_TICKS_PER_S_MIN}])),
};

const log = (line: string) => process.stderr.write(line + '\n');

async function child(name: string): Promise<void> {
  const bench = BENCHES.find((b) => b.name === name);
  if (!bench) throw new Error(`no bench ${name}`);
  for (const f of await bench.run(log)) process.stdout.write(JSON.stringify(f) + '\n');
}

function parent(wanted: readonly string[]): number {
  const known = BENCHES.flatMap((b) => b.figures);
  const unknown = wanted.filter((w) => !known.includes(w) && !BENCHES.some((b) => b.name === w));
  if (unknown.length > 0) {
    log(`unknown figure ${unknown.join(', ')}; the figures are: ${known.join(', ')}`);
    return 2;
  }
  const selected = (b: Bench, f: string) => wanted.length === 0 || wanted.includes(f) || wanted.includes(b.name);
  let status = 0;
  for (const b of BENCHES) {
    if (!b.figures.some((f) => selected(b, f))) continue;
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', b.name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
      // React's production build, as the dashboard runs it (cli.tsx); no other bench loads React.
      env: {...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production'},
    });
    if (r.status !== 0) {
      log(`bench ${b.name} failed (exit ${r.status ?? r.signal})`);
      status = 1;
      continue;
    }
    for (const line of r.stdout.split('\n')) {
      if (!line) continue;
      const f = JSON.parse(line) as Figure;
      if (!selected(b, f.figure)) continue;
      process.stdout.write(line + '\n');
      const budget = BUDGETS[f.figure];
      if (budget?.min !== undefined && f.value < budget.min) {
        log(`over budget: ${f.figure} ${f.value} ${f.unit}, expected at least ${budget.min}`);
        status = 1;
      }
      if (budget?.max !== undefined && f.value > budget.max) {
        log(`over budget: ${f.figure} ${f.value} ${f.unit}, expected at most ${budget.max}`);
        status = 1;
      }
    }
  }
  return status;
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  // A bench may leave timers or streams behind (the live dashboard): the child ends when its figures are out.
  child(args[1]).then(
    () => process.exit(process.exitCode ?? 0),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
else process.exitCode = parent(args);
