#!/usr/bin/env node
// Entry point: read argv with meow and pick a mode. Every user mistake is one line on stderr and exit 2.
import meow from 'meow';
import {DUMP_NAMES, type DumpName, headlessOutput, parseDumpList} from './session/headless.js';
import {DEFAULT_SCENARIO, openScenario, shippedScenarios} from './session/open-scenario.js';
import {Session} from './session/session.js';
import {formatScenarioError} from './scenario/load.js';
import {DEFAULT_SPEED, SPEEDS} from './session/controller.js';
import type {AppProps} from './ui/App.js';

const THEMES: readonly AppProps['theme'][] = ['default', 'high-contrast'];
const speedName = (s: number) => (s === Infinity ? 'max' : String(s));
const SPEED_NAMES = SPEEDS.map(speedName).join(', ');

const HELP = `
  Usage
    $ kmemscope [scenario] [options]           open the dashboard on a scenario (default: ${DEFAULT_SCENARIO})
    $ kmemscope run <scenario> [options]       run headless and print the log or /proc dumps
    $ kmemscope check <scenario-file>          validate a scenario file
    $ kmemscope list                           the shipped scenarios

  A scenario is a path to a .yaml file or the name of a shipped one. The dashboard needs a terminal: with
  stdout or stdin not a terminal, kmemscope [scenario] runs it headless instead (as run does) and says so.

  Options for the dashboard
    --speed N       ticks per second at the start (default ${DEFAULT_SPEED}; + and - change it):
                    ${SPEED_NAMES} (flat out)
    --theme NAME    default, or high-contrast (for projectors)
    --seed S, --slab MODEL as for run
    NO_COLOR=1      in the environment: no colours (https://no-color.org)
    Keys: space pause/resume, n step, b step back, : a kernel call, ? all the keys, q quit

  Options for run
    --ticks N       ticks to run (default: up to the scenario's last timeline entry)
    --seed S        override the scenario's seed
    --slab MODEL    override the scenario's slab model: slub or slab (classic SLAB), to compare the two
    --dump LIST     print these after the last tick, comma separated: ${DUMP_NAMES.join(', ')}
    --json          print the same figures as one JSON document

  Examples
    $ kmemscope tour --speed 50 --theme high-contrast
    $ kmemscope run one-block --ticks 10 --dump buddyinfo
    $ kmemscope run scenarios/tour.yaml --json
`;

const cli = meow(HELP, {
  importMeta: import.meta,
  flags: {
    ticks: {type: 'string'},
    seed: {type: 'string'},
    slab: {type: 'string'},
    dump: {type: 'string'},
    json: {type: 'boolean', default: false},
    speed: {type: 'string'},
    theme: {type: 'string'},
  },
  allowUnknownFlags: false,
});

function die(message: string): never {
  process.stderr.write(`kmemscope: ${message}\n`);
  process.exit(2);
}

function wholeNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) die(`--${flag} "${value}" is not a whole number, expected e.g. --${flag} 100`);
  return Number(value);
}

function load(arg: string): Session {
  const r = openScenario(arg);
  if (!r.ok) die('file' in r.error ? formatScenarioError(r.error) : r.error.message);
  const slab = cli.flags.slab;
  if (slab !== undefined) {
    if (slab !== 'slub' && slab !== 'slab') die(`--slab "${slab}" is not a slab model, expected slub or slab`);
    r.scenario.machine = {...r.scenario.machine, slab};
  }
  const s = Session.create(r.scenario, wholeNumber('seed', cli.flags.seed));
  if (!s.ok) die(formatScenarioError(s.error));
  return s.session;
}

function run(arg: string | undefined, announce?: string): void {
  if (!arg) die('run needs a scenario: a .yaml file or one of ' + shippedScenarios().join(', '));
  let dumps: DumpName[] = [];
  if (cli.flags.dump !== undefined) {
    const d = parseDumpList(cli.flags.dump);
    if (!d.ok) die(d.message);
    dumps = d.dumps;
  }
  const ticks = wholeNumber('ticks', cli.flags.ticks);
  const session = load(arg);
  const n = ticks ?? Math.max(1, session.lastEntryTick);
  if (announce) process.stderr.write(announce.replace('%s', session.scenario.name).replace('%d', String(n)) + '\n');
  session.runTicks(n);
  process.stdout.write(headlessOutput(session, dumps, cli.flags.json));
}

function main(): Promise<void> | void {
  const [mode, ...rest] = cli.input;
  switch (mode) {
    case 'run':
      if (rest.length > 1) die(`run takes one scenario, found ${rest.length}: ${rest.join(' ')}`);
      return run(rest[0]);
    case 'check': {
      if (rest.length !== 1) die('check takes one scenario file');
      const s = load(rest[0]);
      process.stdout.write(`${rest[0]}: ok (${s.scenario.name}: ${s.scenario.description})\n`);
      return;
    }
    case 'list':
      for (const name of shippedScenarios()) {
        const r = openScenario(name);
        process.stdout.write(`${name.padEnd(24)} ${r.ok ? r.scenario.description : '(does not load: run kmemscope check)'}\n`);
      }
      return;
    default: {
      if (rest.length > 0) die(`unknown command "${mode}", expected a scenario or one of: run, check, list (see --help)`);
      const arg = mode ?? DEFAULT_SCENARIO;
      const options = dashboardOptions();
      const notTty = !process.stdout.isTTY ? 'stdout' : !process.stdin.isTTY ? 'stdin' : null;
      if (notTty) return run(arg, `kmemscope: ${notTty} is not a terminal; running "%s" headless for %d ticks (see kmemscope --help)`);
      return dashboard(arg, options);
    }
  }
}

function dashboardOptions(): {speed: number; theme: AppProps['theme']; noColor: boolean} {
  const {speed: rawSpeed = speedName(DEFAULT_SPEED), theme = 'default'} = cli.flags;
  const speed = SPEEDS.find((s) => speedName(s) === rawSpeed);
  if (speed === undefined) die(`--speed "${rawSpeed}" is not a speed, expected ticks per second (one of ${SPEED_NAMES})`);
  if (!THEMES.includes(theme as AppProps['theme'])) die(`--theme "${theme}" is not a theme, expected ${THEMES.join(' or ')}`);
  // https://no-color.org: set and not empty.
  return {speed, theme: theme as AppProps['theme'], noColor: (process.env.NO_COLOR ?? '') !== ''};
}

async function dashboard(arg: string, options: ReturnType<typeof dashboardOptions>): Promise<void> {
  const session = load(arg);
  // React's production build unless told otherwise: its development build checks and times every render
  // (about a tenth of a frame). It reads NODE_ENV when it loads, which is here, not at the top: the headless
  // modes need neither React nor Ink.
  process.env.NODE_ENV ??= 'production';
  const [{runDashboard}, {App}] = await Promise.all([import('./ui/run-dashboard.js'), import('./ui/App.js')]);
  runDashboard({session, app: App, ...options});
}

// A reader that goes away (kmemscope run ... | head) is not an error: stop quietly, as cat does.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

function internalError(e: unknown): never {
  process.stderr.write(`kmemscope: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(70);
}

try {
  main()?.catch(internalError);
} catch (e) {
  internalError(e);
}
