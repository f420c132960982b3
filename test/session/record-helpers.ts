// Recording a dashboard session in a test, as a lecturer would make one: a live controller on a clock the test
// moves, the real key handler and the real recorder writing a real file. Then replaying it headless.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {type Clock, Controller} from '../../source/session/controller.js';
import {Playback} from '../../source/session/playback.js';
import {Recorder} from '../../source/session/recorder.js';
import {openRecording, type Recording} from '../../source/session/recording.js';
import type {RecorderBase, RecorderBaseOptions} from '../../source/session/recorder-base.js';
import {stateHash} from '../../source/session/state-hash.js';
import {keyInput, type KeyTarget, pressKey} from '../../source/ui/key-handler.js';
import {replayView} from '../../source/ui/replay-view.js';
import {UiStore} from '../../source/ui/ui-store.js';
import {openSession} from '../helpers.js';

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'kmemscope-rec-'));

/** A clock a test moves by hand: scheduled slices run when it is moved. */
export class HandClock implements Clock {
  t = 1000;
  private due: Array<() => void> = [];
  now = (): number => this.t;
  setTimeout = (fn: () => void): unknown => {
    this.due.push(fn);
    return fn;
  };
  clearTimeout = (h: unknown): void => {
    this.due = this.due.filter((f) => f !== h);
  };
  /** Move on by ms, in steps of at most 30 ms, running the slices due at each. */
  advance(ms: number): void {
    for (let left = ms; left > 0; left -= 30) {
      this.t += Math.min(30, left);
      const run = this.due;
      this.due = [];
      for (const f of run) f();
    }
  }
}

export type LiveSession = {
  readonly controller: Controller;
  readonly recorder: Recorder;
  readonly ui: UiStore;
  readonly clock: HandClock;
  /** Press keys by keymap name ("space", "n", "b", ":", "enter", "tab", "m", "r", ...), one after another. */
  press(...names: string[]): void;
  /** Type text into an open command line or marker label, one key per character. */
  type(text: string): void;
  /** Let ms of wall time pass (the controller runs if it is running). */
  wait(ms: number): void;
  /** The state hash now. */
  hash(): string;
};

/** A live dashboard session (no React) on a shipped scenario or a scenario path. */
export function liveSession(
  scenario: string,
  opts: {speed?: number; seed?: number; record?: string; recordTo?: string; running?: boolean; size?: {cols: number; rows: number}} = {},
): LiveSession {
  const session = openSession(scenario, opts.seed);
  const clock = new HandClock();
  const controller = new Controller(session, {clock, speed: opts.speed ?? 100, running: opts.running ?? false});
  const ui = new UiStore();
  const size = opts.size ?? {cols: 120, rows: 40};
  const recorder = new Recorder({
    controller,
    scenario: session.scenario,
    seed: session.seed,
    slab: null,
    now: () => clock.t,
    date: () => new Date(Date.UTC(2026, 10, 25, 9, 0, 0)),
    size: () => size,
    view: () => ui.getSnapshot(),
    // record: recording from the start (--record FILE); recordTo: where r will record (never the working directory).
    file: opts.record ?? opts.recordTo ?? join(tempDir(), 'r.jsonl'),
  });
  if (opts.record !== undefined) recorder.start();
  const target = recordedTarget(controller, ui, size, recorder);
  return {
    controller,
    recorder,
    ui,
    clock,
    press: (...names) => {
      for (const n of names) {
        pressKey(target, n, keyInput(n));
        clock.advance(1);
      }
    },
    type: (text) => {
      for (const ch of text) pressKey(target, ch === ' ' ? 'space' : ch, ch);
    },
    wait: (ms) => clock.advance(ms),
    hash: () => stateHash(controller.current),
  };
}

/**
 * What the key handler acts on in a dashboard (the emulator's or live) whose keys, r and m go to `recorder`;
 * `recorded` hears of each r after the recorder did.
 */
export function recordedTarget(
  controller: KeyTarget['controller'] & {dispose(): void},
  ui: UiStore,
  size: {readonly cols: number; readonly rows: number},
  recorder: RecorderBase<RecorderBaseOptions>,
  recorded: () => void = () => {},
): KeyTarget {
  return {
    controller,
    ui,
    size: () => ({columns: size.cols, rows: size.rows}),
    // q ends the dashboard: the recording closes and nothing runs any more.
    onQuit: () => {
      recorder.stop();
      controller.dispose();
    },
    hooks: {
      onKey: (n) => recorder.key(n),
      record: () => {
        recorder.toggle();
        recorded();
      },
      marker: (l) => recorder.marker(l),
      canMark: () => recorder.marks,
    },
  };
}

const STILL: Clock = {now: () => 0, setTimeout: () => 0, clearTimeout: () => {}};

/** A recording file opened for a headless replay, not yet run. */
export function replayOf(file: string, opts: {checkpoints?: boolean} = {}): {playback: Playback; recording: Recording; hash: () => string} {
  const r = openRecording(file);
  if (!r.ok) throw new Error(r.message);
  const controller = new Controller(r.session, {clock: STILL, driven: true});
  const playback = new Playback(r.recording, controller, replayView(controller), {clock: STILL, ...opts});
  return {playback, recording: r.recording, hash: () => stateHash(controller.current)};
}

/** The kcall shortLecture() types. */
export const SHORT_LECTURE_KCALL = 'x = kmalloc(300, GFP_KERNEL)';

/**
 * A short lecture on one-block, recorded to `file`: a run to the note at tick 10 and on past tick 1000 (a hash
 * event), a kcall, a marker "after the kmalloc", two steps and a step back, a marker "one tick on", q.
 */
export function shortLecture(file: string): LiveSession {
  const s = liveSession('one-block', {record: file, speed: 500});
  s.press('space');
  s.wait(100); // to the note at tick 10, which pauses
  s.press('space');
  s.wait(2_100); // past tick 1000: a hash event
  s.press('space', ':');
  s.type(SHORT_LECTURE_KCALL);
  s.press('enter', 'm');
  s.type('after the kmalloc');
  s.press('enter', 'n', 'n', 'b', 'm');
  s.type('one tick on');
  s.press('enter', 'q');
  return s;
}
