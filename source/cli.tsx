#!/usr/bin/env node
// Entry point: read argv with meow and pick a mode. Every user mistake is one line on stderr and exit 2.
import meow from 'meow';
import {DUMP_NAMES, type DumpName, headlessOutput, parseDumpList} from './session/headless.js';
import {DEFAULT_SCENARIO, openScenario, shippedScenarios} from './session/open-scenario.js';
import {Session} from './session/session.js';
import {formatScenarioError} from './scenario/load.js';
import {DEFAULT_SPEED, SPEEDS} from './session/controller.js';
import {openRecording} from './session/recording.js';
import type {LiveRecording} from './live/live-recording.js';
import {REPLAY_SPEEDS} from './session/playback.js';
import type {AppProps} from './ui/App.js';
import {LIVE_DUMP_NAMES, liveDump, liveJson, parseInterval, parseLiveDumpList} from './live/headless.js';
import {failedInWords, HOST_ROOT, PROC_FILES, type ProcRoot, procRoot} from './live/read.js';
import {danglingLinkOn, hostTree, writeTree} from './live/snapshot.js';
import {emulatedTree} from './session/proc-tree.js';
import {existsSync, realpathSync, statSync} from 'node:fs';
import {join} from 'node:path';

const THEMES: readonly AppProps['theme'][] = ['default', 'high-contrast'];
const speedName = (s: number) => (s === Infinity ? 'max' : String(s));
const SPEED_NAMES = SPEEDS.map(speedName).join(', ');

const HELP = `
  Usage
    $ kmemscope [scenario] [options]           open the dashboard on a scenario (default: ${DEFAULT_SCENARIO})
    $ kmemscope run <scenario> [options]       run headless and print the log or /proc dumps
    $ kmemscope check <scenario-file>          validate a scenario file
    $ kmemscope list                           the shipped scenarios
    $ kmemscope replay <recording> [options]   play a recording back (without a terminal: check it)
    $ kmemscope export <recording> --cast OUT.cast [--cols C --rows R] [--speed X]
                                               render a recording as an asciinema cast
    $ kmemscope live [options]                 the same panes on this machine's own /proc
    $ kmemscope snapshot <dir> [--proc-root D] save the /proc and /sys/kernel/slab files live mode reads

  A scenario is a path to a .yaml file or the name of a shipped one. The dashboard needs a terminal: with
  stdout or stdin not a terminal, kmemscope [scenario] runs it headless instead (as run does) and says so.

  Options for the dashboard
    --speed N       ticks per second at the start (default ${DEFAULT_SPEED}; + and - change it):
                    ${SPEED_NAMES} (flat out)
    --theme NAME    default, or high-contrast (for projectors)
    --seed S, --slab MODEL as for run
    --record FILE   record the session to FILE (JSON lines) from the start; r stops and starts, m marks
    --cast FILE     also write what the screen shows to FILE as asciicast v2 (asciinema play FILE)
    NO_COLOR=1      in the environment: no colours (https://no-color.org)
    Keys: space pause/resume, n step, b step back, : a kernel call, r record, m marker, ? all the keys, q quit

  Options for replay and export
    --speed X       X times as fast as recorded (replay: ${REPLAY_SPEEDS.join(', ')};
                    export: any X above 0)
    --cast FILE     replay: also write the screen to FILE as asciicast v2; export: the file to write
    --cols C, --rows R   export: the size to render at (default: the recording's terminal)
    --dump LIST, --json  replay without a terminal: print these for the last tick, as run does (a live
                    recording: --json prints its last sample)
    Replay keys: space pause/resume, n step, b step back, ] next marker, [ previous marker, + - speed, q quit

  Options for live
    --interval T    time between samples, 100ms to 1h (default 1s; e.g. 500ms, 2s, 1m, 1h; + and - change it)
    --proc-root DIR read a saved tree instead of /proc (DIR/sys for sysfs), e.g. one kmemscope snapshot wrote;
                    only its regular files are read (a FIFO or a device is named as such)
    --once          one sample without the dashboard: with --json (the sample) or --dump LIST (${LIVE_DUMP_NAMES.join(', ')}
                    read and printed again through kmemscope's own renderers)
    --record FILE, --cast FILE, --theme NAME   as for the dashboard
    Keys: space freezes the view (sampling goes on), b and n walk the kept samples, + - interval, q quit
    Root only on most kernels: /proc/slabinfo, /proc/vmallocinfo, /proc/pagetypeinfo; without them those panes
    say what to run (run sudo kmemscope live: ...) and the others work.

  Options for run
    --ticks N       ticks to run (default: up to the scenario's last timeline entry)
    --seed S        override the scenario's seed
    --slab MODEL    override the scenario's slab model: slub or slab (classic SLAB), to compare the two
    --dump LIST     print these after the last tick, comma separated: ${DUMP_NAMES.join(', ')}
    --json          print the same figures as one JSON document
    --snapshot DIR  also write the machine as a /proc tree to DIR (kmemscope live --proc-root DIR reads it)

  Examples
    $ kmemscope tour --speed 50 --theme high-contrast
    $ kmemscope run one-block --ticks 10 --dump buddyinfo
    $ kmemscope run scenarios/tour.yaml --json
    $ kmemscope tour --record lecture.jsonl
    $ kmemscope replay lecture.jsonl --speed 2
    $ kmemscope export lecture.jsonl --cast lecture.cast --cols 120 --rows 40
    $ sudo kmemscope live --interval 500ms
    $ kmemscope live --once --dump buddyinfo,slabinfo
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
    record: {type: 'string'},
    cast: {type: 'string'},
    cols: {type: 'string'},
    rows: {type: 'string'},
    interval: {type: 'string'},
    procRoot: {type: 'string'},
    once: {type: 'boolean', default: false},
    snapshot: {type: 'string'},
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
  // The tree first: a directory that cannot be written stops the run before anything is printed.
  if (cli.flags.snapshot !== undefined) {
    try {
      writeTree(cli.flags.snapshot, emulatedTree(session));
    } catch (e) {
      die((e as Error).message.split('\n')[0]);
    }
  }
  process.stdout.write(headlessOutput(session, dumps, cli.flags.json));
}

/** kmemscope snapshot DIR: the files live mode reads, saved for --proc-root DIR (here or on another machine). */
function snapshot(out: string): void {
  onlyFlags('snapshot', ['proc-root']);
  const root = liveRoot('snapshot');
  const {files, notices} = hostTree(root, undefined, 'kmemscope snapshot');
  // A tree with some of the files is copied as it is; one whose files all fail is not a snapshot.
  if (!PROC_FILES.some((f) => files.has(f))) die(`${root.proc}: none of the files live mode reads could be read (${notices[0] ?? 'nothing there'})`);
  try {
    writeTree(out, files);
  } catch (e) {
    die((e as Error).message.split('\n')[0]);
  }
  for (const n of notices) process.stderr.write(`kmemscope: not saved: ${n}\n`);
  const sys = [...files.keys()].filter((k) => k.startsWith('sys/')).length;
  process.stderr.write(`kmemscope: wrote ${files.size - sys} /proc files and ${sys} sysfs files to ${out}\n`);
}

function main(): Promise<void> | void {
  const [mode, ...rest] = cli.input;
  switch (mode) {
    case 'run':
      if (rest.length > 1) die(`run takes one scenario, found ${rest.length}: ${rest.join(' ')}`);
      onlyFlags('run', ['ticks', 'seed', 'slab', 'dump', 'json', 'snapshot']);
      return run(rest[0]);
    case 'check': {
      if (rest.length !== 1) die('check takes one scenario file');
      const s = load(rest[0]);
      process.stdout.write(`${rest[0]}: ok (${s.scenario.name}: ${s.scenario.description})\n`);
      return;
    }
    case 'replay':
      if (rest.length !== 1) die(`replay takes one recording, found ${rest.length}${rest.length ? ': ' + rest.join(' ') : ''}`);
      return replay(rest[0]);
    case 'export':
      if (rest.length !== 1) die(`export takes one recording, found ${rest.length}${rest.length ? ': ' + rest.join(' ') : ''}`);
      return exportRecording(rest[0]);
    case 'snapshot':
      if (rest.length !== 1) die(`snapshot takes one directory to write, found ${rest.length}${rest.length ? ': ' + rest.join(' ') : ''}`);
      return snapshot(rest[0]);
    case 'live':
      if (rest.length > 0) die(`live takes no arguments, found: ${rest.join(' ')} (--proc-root DIR reads a saved tree)`);
      return live();
    case 'list':
      for (const name of shippedScenarios()) {
        const r = openScenario(name);
        process.stdout.write(`${name.padEnd(24)} ${r.ok ? r.scenario.description : '(does not load: run kmemscope check)'}\n`);
      }
      return;
    default: {
      if (rest.length > 0) die(`unknown command "${mode}", expected a scenario or one of: run, check, list, replay, export, live, snapshot (see --help)`);
      const arg = mode ?? DEFAULT_SCENARIO;
      const options = dashboardOptions();
      const notTty = !process.stdout.isTTY ? 'stdout' : !process.stdin.isTTY ? 'stdin' : null;
      if (notTty && (cli.flags.record !== undefined || cli.flags.cast !== undefined)) {
        die(`--${cli.flags.record !== undefined ? 'record' : 'cast'} records the dashboard, which needs a terminal (${notTty} is not one)`);
      }
      if (notTty) return run(arg, `kmemscope: ${notTty} is not a terminal; running "%s" headless for %d ticks (see kmemscope --help)`);
      return dashboard(arg, options);
    }
  }
}

function dashboardOptions(withSpeed = true): {speed: number; theme: AppProps['theme']; noColor: boolean} {
  const {speed: rawSpeed = speedName(DEFAULT_SPEED), theme = 'default'} = cli.flags;
  const speed = withSpeed ? SPEEDS.find((s) => speedName(s) === rawSpeed) : DEFAULT_SPEED;
  if (speed === undefined) die(`--speed "${rawSpeed}" is not a speed, expected ticks per second (one of ${SPEED_NAMES})`);
  if (!THEMES.includes(theme as AppProps['theme'])) die(`--theme "${theme}" is not a theme, expected ${THEMES.join(' or ')}`);
  // https://no-color.org: set and not empty.
  return {speed, theme: theme as AppProps['theme'], noColor: (process.env.NO_COLOR ?? '') !== ''};
}

async function dashboard(arg: string, options: ReturnType<typeof dashboardOptions>): Promise<void> {
  const session = load(arg);
  const {record, cast} = cli.flags;
  if (record !== undefined && cast !== undefined && record === cast) die(`--record and --cast name the same file "${record}", expected two files`);
  // React's production build unless told otherwise: its development build checks and times every render
  // (about a tenth of a frame). It reads NODE_ENV when it loads, which is here, not at the top: the headless
  // modes need neither React nor Ink.
  process.env.NODE_ENV ??= 'production';
  const [{runDashboard}, {App}] = await Promise.all([import('./ui/run-dashboard.js'), import('./ui/App.js')]);
  const slab = cli.flags.slab as 'slub' | 'slab' | undefined;
  runDashboard({session, app: App, ...options, ...(record !== undefined ? {record} : {}), ...(cast !== undefined ? {cast} : {}), ...(slab ? {slab} : {})});
}

function onlyFlags(mode: string, allowed: readonly string[]): void {
  const f = cli.flags;
  const given: Record<string, unknown> = {
    ticks: f.ticks,
    seed: f.seed,
    slab: f.slab,
    record: f.record,
    cols: f.cols,
    rows: f.rows,
    dump: f.dump,
    json: f.json || undefined,
    cast: f.cast,
    interval: f.interval,
    'proc-root': f.procRoot,
    once: f.once || undefined,
    snapshot: f.snapshot,
  };
  const bad = Object.keys(given).find((k) => given[k] !== undefined && !allowed.includes(k));
  if (bad) die(`${mode} does not take --${bad}${bad === 'seed' || bad === 'slab' ? ' (a recording replays with the seed and slab model it was made with)' : ''}`);
}

/** A recording of either kind (a live one has no scenario to open), its warning, if any, on stderr. */
function readRecordingOrDie(file: string) {
  const r = openRecording(file, 'any');
  if (!r.ok) die(r.message);
  if (r.recording.warning) process.stderr.write(`kmemscope: warning: ${r.recording.warning}\n`);
  return r;
}

/** The replay's speed factor (--speed X): one of REPLAY_SPEEDS for replay, any X > 0 for export. */
function speedFactor(any: boolean): number {
  const raw = cli.flags.speed;
  if (raw === undefined) return 1;
  const x = Number(raw);
  const ok = Number.isFinite(x) && x > 0 && (any || REPLAY_SPEEDS.includes(x));
  if (!ok) die(`--speed "${raw}" is not a replay speed, expected ${any ? 'a number above 0, e.g. 2 for twice as fast' : `one of ${REPLAY_SPEEDS.join(', ')}`}`);
  return x;
}

async function replay(file: string): Promise<void> {
  onlyFlags('replay', ['cast', 'dump', 'json']);
  const speed = speedFactor(false);
  let dumps: DumpName[] = [];
  if (cli.flags.dump !== undefined) {
    const d = parseDumpList(cli.flags.dump);
    if (!d.ok) die(d.message);
    dumps = d.dumps;
  }
  const tty = process.stdout.isTTY && process.stdin.isTTY && dumps.length === 0 && !cli.flags.json;
  const {theme, noColor} = dashboardOptions(false);
  const read = readRecordingOrDie(file);
  if (read.mode === 'live') return liveReplay(file, read.recording, {tty, speed, theme, noColor});
  const {recording, session} = read;
  const [{Controller}, {Playback}] = await Promise.all([import('./session/controller.js'), import('./session/playback.js')]);
  if (!tty) {
    // No terminal (or dumps asked for): replay it all at once and check it.
    if (cli.flags.cast !== undefined) die('replay --cast needs a terminal; to render a recording without one, use kmemscope export FILE --cast OUT.cast');
    const still = {now: () => 0, setTimeout: () => 0, clearTimeout: () => {}};
    const controller = new Controller(session, {clock: still, driven: true});
    const {replayView} = await import('./ui/replay-view.js');
    const p = new Playback(recording, controller, replayView(controller), {clock: still, checkpoints: false});
    p.runToEnd();
    const st = controller.getSnapshot();
    const summary = `${file}: replayed ${recording.events.length} event${recording.events.length === 1 ? '' : 's'} to tick ${st.tick} (${recording.header.scenario.file}, seed ${recording.header.seed}); ${p.hashesChecked} state hash${p.hashesChecked === 1 ? '' : 'es'} checked`;
    if (dumps.length || cli.flags.json) process.stdout.write(headlessOutput(controller.current, dumps, cli.flags.json));
    else process.stdout.write(summary + (p.divergence ? '' : ', all match the recording') + '\n');
    if (p.divergence) {
      process.stderr.write(`kmemscope: ${file}: ${p.divergence.message}\n`);
      process.exit(1);
    }
    return;
  }
  process.env.NODE_ENV ??= 'production';
  const [{runReplay}, {replayView}] = await Promise.all([import('./ui/run-dashboard.js'), import('./ui/replay-view.js')]);
  const controller = new Controller(session, {driven: true});
  const view = replayView(controller);
  const playback = new Playback(recording, controller, view, {speed});
  runReplay({playback, ui: view.ui, theme, noColor, ...(cli.flags.cast !== undefined ? {cast: cli.flags.cast} : {})});
}

/** kmemscope replay on a live recording: its samples and keys shown again, or without a terminal checked. */
async function liveReplay(file: string, recording: LiveRecording, o: {tty: boolean; speed: number; theme: AppProps['theme']; noColor: boolean}): Promise<void> {
  if (cli.flags.dump !== undefined) die('replay --dump prints an emulated machine\'s files; a live recording holds samples: --json prints its last one');
  const [{LivePlayback}, {replayView}] = await Promise.all([import('./live/live-playback.js'), import('./ui/replay-view.js')]);
  if (!o.tty) {
    if (cli.flags.cast !== undefined) die('replay --cast needs a terminal; to render a recording without one, use kmemscope export FILE --cast OUT.cast');
    const still = {now: () => 0, setTimeout: () => 0, clearTimeout: () => {}};
    const p = new LivePlayback(recording, (c) => replayView(c), {clock: still, checkpoints: false});
    p.runToEnd();
    const last = p.lastSample;
    if (cli.flags.json) {
      if (!last) die(`${file}: the recording holds no sample`);
      process.stdout.write(JSON.stringify({source: recording.header.live.source, ...last}, null, 2) + '\n');
    } else {
      const h = recording.header.live;
      const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
      const keys = recording.events.filter((e) => e.type === 'key').length;
      const secs = Math.round(p.durationMs / 1000);
      const span = `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')}`;
      process.stdout.write(
        `${file}: replayed ${count(p.sampleCount, 'sample')} (to sample ${last?.seq ?? 0}), ${count(keys, 'key')} and ${count(p.markers.length, 'marker')} over ${span} (live ${h.source}${h.kernel ? `, Linux ${h.kernel}` : ''})` +
          (p.divergence || recording.warning ? '' : '; every line decodes, samples in order') +
          '\n',
      );
    }
    if (p.divergence) {
      process.stderr.write(`kmemscope: ${file}: ${p.divergence.message}\n`);
      process.exit(1);
    }
    return;
  }
  process.env.NODE_ENV ??= 'production';
  const {runLiveReplay} = await import('./ui/run-dashboard.js');
  const playback = new LivePlayback(recording, (c) => replayView(c), {speed: o.speed});
  runLiveReplay({playback, ui: playback.view.ui, theme: o.theme, noColor: o.noColor, ...(cli.flags.cast !== undefined ? {cast: cli.flags.cast} : {})});
}

/**
 * --proc-root DIR as a root to read, or the host's /proc: also when DIR resolves to /proc, whose sysfs is /sys (not
 * /proc/sys). A tree with none of the files is refused here: each pane would only say that its file is missing.
 */
function liveRoot(command: 'live' | 'snapshot'): ProcRoot {
  const dir = cli.flags.procRoot;
  if (dir === undefined) return procRoot();
  const expected = 'expected a saved /proc tree (kmemscope snapshot DIR writes one)';
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const dangling = code === 'ENOENT' ? danglingLinkOn(dir) : null;
    if (dangling) die(`--proc-root "${dir}": ${dangling}; ${expected}`);
    if (code === 'ENOENT') die(`--proc-root "${dir}" does not exist, ${expected}`);
    die(`--proc-root "${dir}": ${failedInWords(dir, e)}`);
  }
  if (!isDir) die(`--proc-root "${dir}" is not a directory, ${expected}`);
  if (realpathSync(dir) === HOST_ROOT.proc) return HOST_ROOT;
  if (!PROC_FILES.some((f) => existsSync(join(dir, f)))) {
    die(`--proc-root "${dir}" has none of the files kmemscope live reads (${PROC_FILES.join(', ')})${command === 'live' ? '; kmemscope snapshot DIR writes such a tree' : ''}`);
  }
  return procRoot(dir);
}

async function live(): Promise<void> {
  onlyFlags('live', ['interval', 'proc-root', 'once', 'json', 'dump', 'record', 'cast']);
  const root = liveRoot('live');
  const source = root.host ? HOST_ROOT.proc : root.proc;
  const rawInterval = cli.flags.interval ?? '1s';
  const interval = parseInterval(rawInterval);
  if (interval === null) die(`--interval "${rawInterval}" is not an interval, expected e.g. 500ms, 2s, 1m or 1h (from 100ms to 1h)`);
  if (cli.flags.once) {
    if (cli.flags.record !== undefined || cli.flags.cast !== undefined) die('live --once prints one sample; --record and --cast record the dashboard');
    if (cli.flags.dump !== undefined && cli.flags.json) die('live --once takes --json or --dump LIST, not both');
    if (cli.flags.dump === undefined && !cli.flags.json) die('live --once needs --json (the sample) or --dump LIST (files printed again)');
    if (cli.flags.dump !== undefined) {
      const d = parseLiveDumpList(cli.flags.dump);
      if (!d.ok) die(d.message);
      const r = liveDump(root, d.dumps);
      process.stdout.write(r.stdout);
      for (const p of r.problems) process.stderr.write(`kmemscope: ${p}\n`);
      if (r.problems.length) process.exit(1);
      return;
    }
    const r = liveJson(root, source, Date.now());
    process.stdout.write(r.stdout);
    for (const p of r.problems) process.stderr.write(`kmemscope: warning: ${p}\n`);
    return;
  }
  if (cli.flags.dump !== undefined || cli.flags.json) die(`--${cli.flags.json ? 'json' : 'dump'} prints one sample: add --once`);
  const notTty = !process.stdout.isTTY ? 'stdout' : !process.stdin.isTTY ? 'stdin' : null;
  if (notTty) die(`live opens the dashboard, which needs a terminal (${notTty} is not one); for one sample without it: kmemscope live --once --json`);
  const {theme, noColor} = dashboardOptions(false);
  process.env.NODE_ENV ??= 'production';
  const [{runLive}, {App}, {LiveController}, {takeSample}] = await Promise.all([
    import('./ui/run-dashboard.js'),
    import('./ui/App.js'),
    import('./live/live-controller.js'),
    import('./live/sample.js'),
  ]);
  const {record, cast} = cli.flags;
  if (record !== undefined && cast !== undefined && record === cast) die(`--record and --cast name the same file "${record}", expected two files`);
  const controller = new LiveController({take: (seq, time, prev, want) => takeSample(root, seq, time, prev, undefined, want), source, interval});
  runLive({controller, app: App, theme, noColor, interval, ...(record !== undefined ? {record} : {}), ...(cast !== undefined ? {cast} : {})});
}

async function exportRecording(file: string): Promise<void> {
  onlyFlags('export', ['cast', 'cols', 'rows']);
  const out = cli.flags.cast;
  if (out === undefined) die('export needs --cast OUT.cast: the asciicast file to write');
  const speed = speedFactor(true);
  const {theme, noColor} = dashboardOptions(false);
  const read = readRecordingOrDie(file);
  const cols = wholeNumber('cols', cli.flags.cols) ?? read.recording.header.terminal.cols;
  const rows = wholeNumber('rows', cli.flags.rows) ?? read.recording.header.terminal.rows;
  if (cols < 80 || rows < 24 || cols > 1000 || rows > 500) {
    const given = cli.flags.cols !== undefined || cli.flags.rows !== undefined;
    die(`${given ? `--cols ${cols} --rows ${rows}` : `the recording's terminal was ${cols}x${rows}`}: the dashboard needs 80x24 to 1000x500, expected e.g. --cols 120 --rows 40`);
  }
  process.env.NODE_ENV ??= 'production';
  const {exportCast, exportLiveCast} = await import('./ui/export-cast.js');
  const o = {out, cols, rows, speed, theme, noColor};
  let r;
  try {
    if (read.mode === 'live') r = exportLiveCast(read.recording, {...o, title: `kmemscope live: ${read.recording.header.live.source} (${file})`});
    else r = exportCast(read.recording, read.session, {...o, title: `kmemscope: ${read.session.scenario.name} (${file})`});
  } catch (e) {
    die((e as Error).message.split('\n')[0]);
  }
  const secs = Math.round(r.seconds);
  process.stderr.write(`kmemscope: wrote ${out}: ${r.frames} frames, ${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, '0')} at ${cols}x${rows}, ${r.markers} marker${r.markers === 1 ? '' : 's'}\n`);
  if (r.playback.divergence) {
    process.stderr.write(`kmemscope: ${file}: ${r.playback.divergence.message}\n`);
    process.exit(1);
  }
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
