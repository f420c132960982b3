// Finding and reading a scenario: a path to a file, or the name of one shipped under scenarios/.
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {resolveMachineConfig} from '../kernel/config.js';
import {loadScenario, type Scenario, type ScenarioError} from '../scenario/load.js';

/**
 * scenarios/ at the package root: two levels up from dist/session/ or source/session/, three from a nested build
 * such as dist-bench/source/session/.
 */
export const SCENARIO_DIR = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'scenarios'), join(here, '..', '..', '..', 'scenarios')];
  return candidates.find((d) => existsSync(d)) ?? candidates[0];
})();
export const DEFAULT_SCENARIO = 'tour';

export function shippedScenarios(): string[] {
  if (!existsSync(SCENARIO_DIR)) return [];
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .sort();
}

/** Read and validate a scenario; every failure is one line naming the file (and line:col where it has one). */
export function openScenario(arg: string): {ok: true; scenario: Scenario} | {ok: false; error: ScenarioError | {message: string}} {
  let file = arg;
  if (!existsSync(file)) {
    const shipped = join(SCENARIO_DIR, `${arg}.yaml`);
    if (/^[\w.-]+$/.test(arg) && existsSync(shipped)) file = shipped;
    else return {ok: false, error: {message: `no scenario file or shipped scenario named "${arg}", expected a path or one of: ${shippedScenarios().join(', ')}`}};
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return {ok: false, error: {message: `cannot read ${file}: ${code === 'EISDIR' ? 'it is a directory' : code}`}};
  }
  const display = file.startsWith(SCENARIO_DIR) ? join('scenarios', basename(file)) : file;
  return scenarioFromText(display, text);
}

/** A scenario from its text (a recording carries its scenario's source), checked as a file is. */
export function scenarioFromText(file: string, text: string): {ok: true; scenario: Scenario} | {ok: false; error: ScenarioError} {
  return loadScenario(file, text, (spec) => {
    const r = resolveMachineConfig(spec);
    return r.ok ? undefined : r.error;
  });
}

/** This kmemscope's version, from package.json at the package root (as SCENARIO_DIR is found). */
export const KMEMSCOPE_VERSION = ((): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of [['..', '..'], ['..', '..', '..']]) {
    const f = join(here, ...up, 'package.json');
    try {
      const v = (JSON.parse(readFileSync(f, 'utf8')) as {version?: unknown}).version;
      if (typeof v === 'string') return v;
    } catch {
      // not this level: try the next
    }
  }
  return 'unknown';
})();
