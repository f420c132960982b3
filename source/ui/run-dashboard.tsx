// The dashboard on a real terminal: the alternate screen, Ink, the controller, and a terminal left as it was found
// whichever way the dashboard ends.
//
// Ink (6.8) has no alternate-screen option, so we write the escape codes ourselves: enter (and clear, cursor
// home, cursor hidden) before the first frame; leave (cursor shown) on every way out:
//   q or Ctrl-C  the App calls onQuit (Ink's exitOnCtrlC is off: in raw mode Ctrl-C is a key like any other) -> 0
//   SIGINT       only when stdin is not in raw mode yet                                                      -> 130
//   SIGTERM, SIGHUP                                                                                          -> 143, 129
//   a crash      an exception nobody caught, a rejected promise, or a render error (Ink's error boundary
//                ends the app and rejects waitUntilExit): the screen is left first, then one line on stderr -> 70
// Ink is always unmounted before the screen is left: it draws a last frame when it unmounts, and that frame must
// land on the alternate screen, never on the user's shell (Ink also unmounts itself on process exit through
// signal-exit; once unmounted it writes nothing more).
import {unlinkSync} from 'node:fs';
import {render, type Instance} from 'ink';
import type {ComponentType, ReactElement} from 'react';
import {CastWriter} from '../session/asciicast.js';
import type {LiveController} from '../live/live-controller.js';
import type {LivePlayback} from '../live/live-playback.js';
import {LiveRecorder} from '../live/live-recorder.js';
import {Controller} from '../session/controller.js';
import type {Playback} from '../session/playback.js';
import {Recorder} from '../session/recorder.js';
import type {RecorderBase, RecorderBaseOptions} from '../session/recorder-base.js';
import type {Session} from '../session/session.js';
import type {AppProps} from './App.js';
import {ReplayApp} from './ReplayApp.js';
import {UiStore} from './ui-store.js';

/** Alternate screen on, cleared, cursor home and hidden. */
export const ENTER_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H\x1b[?25l';
/** Cursor shown, alternate screen off: the shell's screen comes back as it was. */
export const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';

/** Ink's frame throttle (see render() below). */
export const MAX_FPS = 60;

export const EXIT_QUIT = 0;
export const EXIT_USAGE = 2;
export const EXIT_CRASH = 70;
const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number>> = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129};

type Terminal = {
  readonly theme: AppProps['theme'];
  readonly noColor: boolean;
  /** --cast FILE: what the screen shows goes there too, as asciicast v2. */
  readonly cast?: string;
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  readonly stderr?: NodeJS.WriteStream;
};

export type DashboardOptions = Terminal & {
  readonly session: Session;
  /** The root component (the real App; a test may pass a stand-in). */
  readonly app: ComponentType<AppProps>;
  /** Ticks per second at the start (Infinity: flat out). */
  readonly speed: number;
  /** --record FILE: record from the start (r stops; r again records to FILE-2...). */
  readonly record?: string;
  /** The --slab override, for the recording's header. */
  readonly slab?: 'slub' | 'slab';
};

export type ReplayOptions = Terminal & {
  readonly playback: Playback;
  readonly ui: UiStore;
};

/** Open the dashboard; it ends the process when it closes (see the top of this file for the exit codes). */
export function runDashboard(opts: DashboardOptions): void {
  const controller = new Controller(opts.session, {speed: opts.speed, running: true});
  const ui = new UiStore();
  const recorder = new Recorder({...recorderOptions(opts, ui), controller, scenario: opts.session.scenario, seed: opts.session.seed, slab: opts.slab ?? null});
  openTerminal(opts, recordedDashboard(opts, {controller, ui, recorder, startRecording: () => recorder.start(), title: `kmemscope: ${opts.session.scenario.name}`}));
}

export type LiveDashboardOptions = Terminal & {
  readonly controller: LiveController;
  readonly app: ComponentType<AppProps>;
  /** The --interval it started with (a recording's header says it). */
  readonly interval: number;
  /** --record FILE: record from the first sample (r stops; r again records to FILE-2...). */
  readonly record?: string;
};

/** The dashboard on the host's /proc (kmemscope live): sampling starts with the first frame. */
export function runLive(opts: LiveDashboardOptions): void {
  const {controller} = opts;
  const ui = new UiStore();
  const recorder = new LiveRecorder({...recorderOptions(opts, ui), controller, interval: opts.interval});
  let sampling = false;
  const startSampling = () => {
    if (!sampling) controller.start();
    sampling = true;
  };
  const startRecording = () => {
    // --record: the first sample is taken first, so the header names the kernel recorded (and keeps that sample).
    startSampling();
    recorder.start();
  };
  openTerminal(opts, {...recordedDashboard(opts, {controller, ui, recorder, startRecording, title: `kmemscope live: ${controller.source}`}), start: startSampling});
}

type Dashboard = Terminal & {readonly app: ComponentType<AppProps>; readonly record?: string};

/** What either recorder is told of the terminal: the clock, its size, the view's state and --record FILE. */
function recorderOptions(opts: Dashboard, ui: UiStore): RecorderBaseOptions {
  const stdout = opts.stdout ?? process.stdout;
  return {
    now: () => performance.now(),
    date: () => new Date(),
    size: () => ({cols: stdout.columns || 80, rows: stdout.rows || 24}),
    view: () => ui.getSnapshot(),
    ...(opts.record !== undefined ? {file: opts.record} : {}),
  };
}

/** The App with its recorder wired in (every key, r, m, resizes, the cast's markers), for the emulator or live. */
function recordedDashboard(
  opts: Dashboard,
  d: {controller: AppProps['controller'] & {dispose(): void}; ui: UiStore; recorder: RecorderBase<RecorderBaseOptions>; startRecording: () => void; title: string},
): Screen {
  const {controller, ui, recorder} = d;
  const App = opts.app;
  return {
    prepare: (cast) => {
      // A cast that can no longer be written (a full disk) loses its markers, not the lecture.
      if (cast) recorder.castMarker = (label) => attempt(() => cast.marker(cast.elapsed(), label));
      if (opts.record !== undefined) d.startRecording();
    },
    element: (quit) => (
      <App
        controller={controller}
        ui={ui}
        hooks={{onKey: (n) => recorder.key(n), record: () => recorder.toggle(), marker: (l) => recorder.marker(l), canMark: () => recorder.marks}}
        status={recorder}
        theme={opts.theme}
        noColor={opts.noColor}
        onQuit={quit}
      />
    ),
    resize: (cols, rows) => recorder.resize(cols, rows),
    close: () => {
      recorder.stop();
      controller.dispose();
    },
    title: d.title,
  };
}

export type LiveReplayOptions = Terminal & {
  readonly playback: LivePlayback;
  readonly ui: UiStore;
};

/** Play a live recording back on the terminal. */
export function runLiveReplay(opts: LiveReplayOptions): void {
  const {live} = opts.playback.recording.header;
  openTerminal(opts, replayScreen(opts, () => opts.playback.dispose(), `kmemscope replay: live ${live.source}${live.kernel ? ` (Linux ${live.kernel})` : ''}`));
}

/** Play a recording back on the terminal. */
export function runReplay(opts: ReplayOptions): void {
  const p = opts.playback;
  const close = () => {
    p.dispose();
    p.controller.dispose();
  };
  openTerminal(opts, replayScreen(opts, close, `kmemscope replay: ${p.recording.header.scenario.file}`));
}

/** The replay viewer on either kind of recording: it plays from the first frame, its markers go to the cast. */
function replayScreen(opts: ReplayOptions | LiveReplayOptions, close: () => void, title: string): Screen {
  const p = opts.playback;
  return {
    prepare: (cast) => {
      if (cast) p.onMarker = (label) => attempt(() => cast.marker(cast.elapsed(), label));
    },
    element: (quit) => <ReplayApp playback={p} ui={opts.ui} theme={opts.theme} noColor={opts.noColor} onQuit={quit} />,
    start: () => p.play(),
    close,
    title,
  };
}

type Cast = CastWriter & {elapsed(): number};

type Screen = {
  /** Before the screen is taken: open files; a throw here is a usage error (one line, exit 2). */
  readonly prepare: (cast: Cast | null) => void;
  readonly element: (quit: () => void) => ReactElement;
  readonly start?: () => void;
  readonly resize?: (cols: number, rows: number) => void;
  /** Closing, whichever way: flush and close what was opened. */
  readonly close: () => void;
  readonly title: string;
};

function openTerminal(t: Terminal, screen: Screen): void {
  const stdout = t.stdout ?? process.stdout;
  const stdin = t.stdin ?? process.stdin;
  const stderr = t.stderr ?? process.stderr;
  let ink: Instance | null = null;
  let cast: Cast | null = null;
  let closing = false;

  /** Restore the terminal (best effort: on SIGHUP it may be gone) and exit. */
  const close = (code: number, message?: string): never => {
    if (closing) process.exit(code); // a second way out while closing: the first one restores
    closing = true;
    attempt(() => ink?.unmount());
    attempt(() => screen.close());
    attempt(() => cast?.close());
    attempt(() => {
      if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
    });
    attempt(() => stdout.write(LEAVE_SCREEN));
    if (message !== undefined) attempt(() => stderr.write(message + '\n'));
    process.exit(code);
  };
  const crash = (e: unknown): never => close(EXIT_CRASH, `kmemscope: the dashboard crashed: ${describe(e)}`);

  // Files first: a recording or cast that cannot be created stops us before the screen is taken.
  try {
    if (t.cast !== undefined) {
      const start = performance.now();
      const writer = CastWriter.open(t.cast, {width: stdout.columns || 80, height: stdout.rows || 24, timestamp: Math.floor(Date.now() / 1000), title: screen.title});
      cast = Object.assign(writer, {elapsed: () => (performance.now() - start) / 1000});
    }
    screen.prepare(cast);
  } catch (e) {
    // Nothing was recorded: leave no half-made cast behind (it would also refuse the retry as "file exists").
    attempt(() => cast?.close());
    const made = cast?.path;
    if (made !== undefined) attempt(() => unlinkSync(made));
    stderr.write(`kmemscope: ${describe(e)}\n`);
    process.exit(EXIT_USAGE);
  }

  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  for (const [signal, code] of Object.entries(SIGNAL_EXIT)) process.on(signal, () => close(code));

  try {
    stdout.write(ENTER_SCREEN);
    if (cast) teeToCast(stdout, cast);
    stdout.on('resize', () => {
      const cols = stdout.columns || 80;
      const rows = stdout.rows || 24;
      attempt(() => cast?.resize(cast.elapsed(), cols, rows));
      screen.resize?.(cols, rows);
    });
    ink = render(screen.element(() => close(EXIT_QUIT)), {
      stdout,
      stdin,
      stderr,
      exitOnCtrlC: false,
      // Ink 6.8's incremental mode (only changed lines rewritten) misplaces lines once a frame is shorter than the
      // terminal (a header drawn twice, a border lost); the frame is kept a row short so Ink never clears the whole
      // screen, and rewrites the frame's own lines instead.
      incrementalRendering: false,
      // Ink holds a frame back until 1000/maxFps ms after the last one (default 30 a second: up to 33 ms). The
      // controller already limits frames to 20 a second while running; a key's frame should not wait on top.
      maxFps: MAX_FPS,
    });
    screen.start?.();
    // Ink ends by itself only through a render error (its error boundary) or useApp().exit().
    ink.waitUntilExit().then(() => close(EXIT_QUIT), crash);
  } catch (e) {
    crash(e);
  }
}

/** Everything written to the terminal from here on also goes to the cast, from a cleared screen. */
function teeToCast(stdout: NodeJS.WriteStream, cast: Cast): void {
  cast.output(0, '\x1b[2J\x1b[H\x1b[?25l');
  const write = stdout.write.bind(stdout) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
    // The screen is left when closing: the cast ends on the last frame, not on the shell's screen.
    if (text && text !== LEAVE_SCREEN) attempt(() => cast.output(cast.elapsed(), text));
    return write(chunk, ...rest);
  }) as typeof stdout.write;
}

function attempt(f: () => unknown): void {
  try {
    f();
  } catch {
    // Restoring is best effort: a closed terminal must not turn a clean exit into a crash.
  }
}

/** One line: the error's message (its first line), or the value. */
function describe(e: unknown): string {
  const text = e instanceof Error ? e.message || e.name : String(e);
  return text.split('\n')[0];
}
