// state_hash_ms and state_hash_max_ms: what stateHash() costs a recording, which hashes the emulator state at
// every marker and every 1000 ticks (issue 8).
//
// Each shipped scenario is opened with its own seed and run 1000 ticks; then stateHash() is called REPEATS
// times on that state, after WARMUP untimed calls (a recording hashes many times in one process, so the JIT has
// long since compiled the walk). Every call must give the same hash, or the bench fails: the figures would
// measure a hash that does not do its job. The figure is the median of the timed calls.
// state_hash_ms is tour's median. Budget: 5 ms, so that hashing every 1000 ticks costs a recording well under
// the ~8 ms those 1000 ticks take to emulate at ~128 k ticks/s.
// state_hash_max_ms is the largest median of all shipped scenarios (its name goes to stderr with every
// scenario's figure): the machines with the most memory have the most bytes of per-page state to hash.
import {openScenario, shippedScenarios} from '../../source/session/open-scenario.js';
import {Session} from '../../source/session/session.js';
import {stateHash} from '../../source/session/state-hash.js';
import type {Figure} from './figure.js';

const TICKS = 1000;
const WARMUP = 10;
const REPEATS = 51;
const TOUR = 'tour';

export const STATE_HASH_FIGURES = ['state_hash_ms', 'state_hash_max_ms'];

/** The median stateHash() time on a scenario after TICKS ticks, and the hash. */
function measure(name: string): {ms: number; hash: string} {
  const r = openScenario(name);
  if (!r.ok) throw new Error(`state_hash: ${name} does not load: ${JSON.stringify(r.error)}`);
  const c = Session.create(r.scenario);
  if (!c.ok) throw new Error(`state_hash: ${name} does not start: ${JSON.stringify(c.error)}`);
  const s = c.session;
  s.runTicks(TICKS);
  const hash = stateHash(s);
  for (let i = 0; i < WARMUP; i++) stateHash(s);
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    const h = stateHash(s);
    times.push(performance.now() - t0);
    if (h !== hash) throw new Error(`state_hash: ${name}: the hash changed from ${hash} to ${h} with no tick in between`);
  }
  times.sort((x, y) => x - y);
  return {ms: times[REPEATS >> 1], hash};
}

export function stateHashBench(log: (line: string) => void): Figure[] {
  const names = shippedScenarios();
  if (!names.includes(TOUR)) throw new Error(`state_hash: no shipped scenario ${TOUR}`);
  let tour = NaN;
  let max = {name: '', ms: -1};
  for (const name of names) {
    const {ms, hash} = measure(name);
    log(`state_hash ${name}: ${ms.toFixed(3)} ms (median of ${REPEATS}) at tick ${TICKS}, hash ${hash}`);
    if (name === TOUR) tour = ms;
    if (ms > max.ms) max = {name, ms};
  }
  log(`state_hash: the slowest is ${max.name}, ${max.ms.toFixed(3)} ms`);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return [
    {figure: 'state_hash_ms', value: round(tour), unit: 'ms'},
    {figure: 'state_hash_max_ms', value: round(max.ms), unit: 'ms'},
  ];
}
