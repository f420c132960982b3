// Scenario-like helpers so tests read as the story they check.
import {Machine} from '../source/kernel/machine.js';
import type {MachineSpec} from '../source/kernel/config.js';
import type {Zone} from '../source/kernel/page-alloc/zone.js';
import {openScenario} from '../source/session/open-scenario.js';
import {Session} from '../source/session/session.js';

export const K = 1024;
export const M = 1024 * K;
export const G = 1024 * M;

/** Boot a machine or fail the test with the refusal. */
export function boot(spec: MachineSpec, seed = 1): Machine {
  const r = Machine.boot(spec, seed);
  if (!r.ok) throw new Error(`boot refused: ${r.error.path.join('.')}: ${r.error.message}`);
  return r.machine;
}

export function zone(m: Machine, name: string, nid = 0): Zone {
  const z = m.pa.nodes[nid].zones.find((x) => x.name === name);
  if (!z) throw new Error(`no zone ${name} on node ${nid}`);
  return z;
}

/** Free blocks per order of a zone: one row of /proc/buddyinfo. */
export function freeBlocks(m: Machine, name: string, nid = 0): number[] {
  return Array.from(zone(m, name, nid).nrFree);
}

export function diff(after: readonly number[], before: readonly number[]): number[] {
  return after.map((a, i) => a - before[i]);
}

/** The zone a pfn landed in, as "Node N Zone". */
export function where(m: Machine, pfn: number): string {
  return m.describePfn(pfn);
}

/** A session on a shipped scenario (or a scenario path), with its own seed unless one is given; or fail the test. */
export function openSession(name: string, seed?: number): Session {
  const r = openScenario(name);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const s = Session.create(r.scenario, seed);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.session;
}
