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
import {render, type Instance} from 'ink';
import type {ComponentType} from 'react';
import {Controller} from '../session/controller.js';
import type {Session} from '../session/session.js';
import type {AppProps} from './App.js';

/** Alternate screen on, cleared, cursor home and hidden. */
export const ENTER_SCREEN = '\x1b[?1049h\x1b[2J\x1b[H\x1b[?25l';
/** Cursor shown, alternate screen off: the shell's screen comes back as it was. */
export const LEAVE_SCREEN = '\x1b[?25h\x1b[?1049l';

/** Ink's frame throttle (see render() below). */
export const MAX_FPS = 60;

export const EXIT_QUIT = 0;
export const EXIT_CRASH = 70;
const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number>> = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129};

export type DashboardOptions = {
  readonly session: Session;
  /** The root component (the real App; a test may pass a stand-in). */
  readonly app: ComponentType<AppProps>;
  readonly theme: AppProps['theme'];
  readonly noColor: boolean;
  /** Ticks per second at the start (Infinity: flat out). */
  readonly speed: number;
  readonly stdout?: NodeJS.WriteStream;
  readonly stdin?: NodeJS.ReadStream;
  readonly stderr?: NodeJS.WriteStream;
};

/** Open the dashboard; it ends the process when it closes (see the top of this file for the exit codes). */
export function runDashboard(opts: DashboardOptions): void {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  const stderr = opts.stderr ?? process.stderr;
  let controller: Controller | null = null;
  let ink: Instance | null = null;
  let closing = false;

  /** Restore the terminal (best effort: on SIGHUP it may be gone) and exit. */
  const close = (code: number, message?: string): never => {
    if (closing) process.exit(code); // a second way out while closing: the first one restores
    closing = true;
    attempt(() => controller?.dispose());
    attempt(() => ink?.unmount());
    attempt(() => {
      if (stdin.isTTY && stdin.isRaw) stdin.setRawMode(false);
    });
    attempt(() => stdout.write(LEAVE_SCREEN));
    if (message !== undefined) attempt(() => stderr.write(message + '\n'));
    process.exit(code);
  };
  const crash = (e: unknown): never => close(EXIT_CRASH, `kmemscope: the dashboard crashed: ${describe(e)}`);

  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  for (const [signal, code] of Object.entries(SIGNAL_EXIT)) process.on(signal, () => close(code));

  try {
    stdout.write(ENTER_SCREEN);
    controller = new Controller(opts.session, {speed: opts.speed, running: true});
    const App = opts.app;
    ink = render(<App controller={controller} theme={opts.theme} noColor={opts.noColor} onQuit={() => close(EXIT_QUIT)} />, {
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
    // Ink ends by itself only through a render error (its error boundary) or useApp().exit().
    ink.waitUntilExit().then(() => close(EXIT_QUIT), crash);
  } catch (e) {
    crash(e);
  }
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
