// scenario_<name>_ticks_per_s and scenario_tour_calls_per_s: every shipped scenario run headless, as a lecturer's
// long run or a CI soak would run it.
//
// For each scenario shippedScenarios() lists (so scenarios added later are measured too), one bench of its own
// (a child process of run.ts): the scenario is opened and its Session created with the scenario's seed, then
// TICKS (1,000,000; BENCH_TICKS shortens it for a quick try) Session.step() calls are made: timeline entries,
// every workload's arrivals and CPU steps, kswapd, the slab model's end of tick and vmalloc's purges - all of it.
// Every CHECK_EVERY (10,000) ticks, untimed, check(machine) must find nothing wrong: a violation throws, the child
// exits 1 and the bench fails loudly, naming the scenario, the tick and the first violations. The figure is the
// ticks per second of step time alone (the checks excluded). Budget: at least 100 k ticks/s, the rate the
// scenarios are written for (small machines, modest rates), so a scenario too slow for a lecture fails here.
//
// scenario_tour_calls_per_s comes from the same run of tour: the kernel API calls the workloads made
// (session.sys.calls, each kmalloc, kfree, alloc_pages, vmalloc, ... counted once) per second of step time.
// Budget: at least 2 M calls/s, so the generators and the System around them cost little next to the kernel calls.
//
// stderr gets, per scenario: ticks, calls, the check time, how the heap grew (after a full GC, at the first and
// the last check) and the transcript's length, so a scenario whose memory grows without bound shows itself.
import {check} from '../../source/kernel/check.js';
import {openScenario, SCENARIO_DIR, shippedScenarios} from '../../source/session/open-scenario.js';
import {Session} from '../../source/session/session.js';
import type {Figure} from './figure.js';

const DEFAULT_TICKS = 1_000_000;
const CHECK_EVERY = 10_000;
/** The scenario whose kernel API call rate is a figure of its own. */
const CALLS_SCENARIO = 'tour';

/** BENCH_TICKS, or a million. */
function benchTicks(): number {
  const raw = process.env.BENCH_TICKS;
  if (raw === undefined || raw === '') return DEFAULT_TICKS;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`scenarios: BENCH_TICKS=${raw} is not a positive number of ticks`);
  return n;
}

/** The shipped scenarios, as names openScenario() takes. */
export function benchScenarios(): {name: string; arg: string}[] {
  const names = shippedScenarios();
  if (!names.length) throw new Error(`scenarios: no scenarios in ${SCENARIO_DIR}`);
  return names.map((name) => ({name, arg: name}));
}

export const ticksFigure = (name: string) => `scenario_${name.replace(/-/g, '_')}_ticks_per_s`;
export const CALLS_FIGURE = `scenario_${CALLS_SCENARIO}_calls_per_s`;

function heapMiB(): number {
  const gc = (globalThis as {gc?: () => void}).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function open(name: string, arg: string): Session {
  const r = openScenario(arg);
  if (!r.ok) throw new Error(`scenarios: ${name} does not load: ${JSON.stringify(r.error)}`);
  const s = Session.create(r.scenario);
  if (!s.ok) throw new Error(`scenarios: ${name} does not start: ${JSON.stringify(s.error)}`);
  return s.session;
}

/** One scenario: TICKS steps, check() every CHECK_EVERY ticks; its figures. */
export function scenarioBench(name: string, arg: string, log: (line: string) => void): Figure[] {
  const ticks = benchTicks();
  const s = open(name, arg);
  const calls0 = s.sys.calls;
  let stepMs = 0;
  let checkMs = 0;
  let checks = 0;
  let heapFirst = -1;
  for (let done = 0; done < ticks; ) {
    const n = Math.min(CHECK_EVERY, ticks - done);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) s.step();
    stepMs += performance.now() - t0;
    done += n;
    const c0 = performance.now();
    const bad = check(s.machine);
    checkMs += performance.now() - c0;
    checks++;
    if (bad.length > 0) throw new Error(`scenarios: ${name}: check() at tick ${s.tick} found ${bad.length} violations:\n${bad.slice(0, 20).join('\n')}`);
    if (heapFirst < 0) heapFirst = heapMiB();
  }
  const heapLast = heapMiB();
  const calls = s.sys.calls - calls0;
  const tps = ticks / (stepMs / 1000);
  const cps = calls / (stepMs / 1000);
  log(
    `scenario ${name}: ${ticks} ticks in ${(stepMs / 1000).toFixed(2)} s (${Math.round(tps)} ticks/s), ${calls} kernel calls (${Math.round(cps)}/s); ` +
      `check() ${checks} times, ${Math.round(checkMs)} ms; heap ${heapFirst.toFixed(1)} -> ${heapLast.toFixed(1)} MiB; ` +
      `transcript ${s.transcript.length} lines`,
  );
  const figures: Figure[] = [{figure: ticksFigure(name), value: Math.round(tps), unit: 'ticks/s'}];
  if (name === CALLS_SCENARIO) figures.push({figure: CALLS_FIGURE, value: Math.round(cps), unit: 'calls/s'});
  return figures;
}

/** One bench per shipped scenario, in the shape run.ts keeps its benches. */
export function scenarioBenches(): {name: string; figures: string[]; run: (log: (line: string) => void) => Figure[]}[] {
  return benchScenarios().map(({name, arg}) => ({
    name: `scenario_${name.replace(/-/g, '_')}`,
    figures: name === CALLS_SCENARIO ? [ticksFigure(name), CALLS_FIGURE] : [ticksFigure(name)],
    run: (log: (line: string) => void) => scenarioBench(name, arg, log),
  }));
}

/** The ticks/s budget of every scenario (run.ts puts it in its table for each scenario's figure). */
export const SCENARIO_TICKS_PER_S_MIN = 100_000;
