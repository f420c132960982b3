// Recording live mode in a test: the host fixture changed sample by sample (caches growing, appearing and going,
// vmalloc areas coming and going, free pages and shootdowns moving), a live controller on a hand clock taking those
// samples, the real key handler and the real live recorder writing a real file. Then its headless replay.
import {mkdtempSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {type LiveClock, LiveController} from '../../source/live/live-controller.js';
import {LivePlayback} from '../../source/live/live-playback.js';
import {LiveRecorder} from '../../source/live/live-recorder.js';
import type {LiveRecording} from '../../source/live/live-recording.js';
import type {ProcFile} from '../../source/live/read.js';
import {type Sample, sampleFromTexts} from '../../source/live/sample.js';
import type {ControllerState} from '../../source/session/controller.js';
import {readRecording} from '../../source/session/recording.js';
import type {ViewModel} from '../../source/session/view-model.js';
import {keyInput, pressKey} from '../../source/ui/key-handler.js';
import {replayView} from '../../source/ui/replay-view.js';
import type {UiState} from '../../source/ui/ui-state.js';
import {UiStore} from '../../source/ui/ui-store.js';
import {recordedTarget} from '../session/record-helpers.js';
import {fixtureTexts, HandClock} from './live-helpers.js';

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'kmemscope-live-rec-'));

const BASE = fixtureTexts();
const lines = (t: string) => t.split('\n');

/**
 * The host fixture as sample `seq` would read it: Normal's order-0 blocks, MemFree, kmalloc-64 and the shootdowns
 * move every sample; a cache appears at the top from sample 4 (where the kernel lists a new one), bio-312 goes
 * from sample 6, a vmalloc area goes from sample 5 and a new one comes from sample 7; every third sample slabinfo
 * cannot be read from sample 9 on.
 */
export function textsAt(seq: number): Partial<Record<ProcFile, string>> {
  const t = {...BASE};
  t.buddyinfo = t.buddyinfo!.replace('Normal   1979', `Normal   ${String(1979 + ((seq * 37) % 500)).padStart(4)}`);
  t.meminfo = t.meminfo!.replace(/^MemFree:\s+\d+/m, `MemFree:        ${24374536 - seq * 4096}`);
  t.interrupts = t.interrupts!.replace(/^(\s*TLB:\s+)(\d+)(\s+)(\d+)/m, (_m, a, x, sp, y) => `${a}${Number(x) + seq * 1200}${sp}${Number(y) + seq * 7}`);
  let slab = t.slabinfo!.replace(/^(kmalloc-64\s+)(\d+)(\s+)(\d+)/m, (_m, a, act, sp, tot) => `${a}${Number(act) + seq * 64}${sp}${Number(tot) + seq * 64}`);
  const s = lines(slab);
  if (seq >= 4) s.splice(2, 0, 'my_struct            120    120    192   21    1 : tunables    0    0    0 : slabdata      6      6      0');
  slab = s.filter((l) => !(seq >= 6 && l.startsWith('bio-312 '))).join('\n');
  t.slabinfo = slab;
  const v = lines(t.vmallocinfo!);
  if (seq >= 5) v.splice(10, 1);
  if (seq >= 7) v.splice(20, 0, '0x00000000deadbeef-0x00000000feedf00d   16384 my_driver_init+0x1a/0x80 [my_driver] pages=3 vmalloc N0=3');
  t.vmallocinfo = v.join('\n');
  if (seq >= 9 && seq % 3 === 0) delete t.slabinfo;
  return t;
}

/** Sample `seq` of textsAt(), with the notice takeSample gives an unreadable slabinfo. */
export function sampleAt(seq: number, time: number, prev: Sample | null): Sample {
  const t = textsAt(seq);
  return sampleFromTexts(t, seq, time, prev, t.slabinfo === undefined ? {slabinfo: '/fx/slabinfo is readable by root only'} : {});
}

/** What the screen is drawn from at a moment. */
export type Moment = {ms: number; vm: ViewModel; ui: UiState; state: Omit<ControllerState, 'version'>};

export type LiveSession = {
  readonly controller: LiveController;
  readonly recorder: LiveRecorder;
  readonly ui: UiStore;
  readonly clock: HandClock;
  readonly file: string;
  /** After every action once recording: what the screen was drawn from, ms since recording began. */
  readonly moments: Moment[];
  /** Start recording now (what --record does before the first sample). */
  record(): void;
  press(...names: string[]): void;
  type(text: string): void;
  wait(ms: number): void;
};

const date = () => new Date(Date.UTC(2026, 10, 25, 9, 0, 0));

/** A live dashboard (no React) on the changing fixture, sampling every second; its recording goes to `file`. */
export function liveSession(file = join(tempDir(), 'live.jsonl'), opts: {keep?: number; interval?: number} = {}): LiveSession {
  const clock = new HandClock();
  const interval = opts.interval ?? 1000;
  const controller = new LiveController({
    take: sampleAt,
    source: '/fx',
    interval,
    clock: clock as LiveClock,
    ...(opts.keep ? {keep: opts.keep} : {}),
  });
  const ui = new UiStore();
  const size = {cols: 120, rows: 40};
  const recorder = new LiveRecorder({controller, interval, now: () => clock.now(), date, size: () => size, view: () => ui.getSnapshot(), file});
  const moments: Moment[] = [];
  let t0 = 0;
  const snap = () => {
    if (!recorder.recording) return;
    const {version: _v, ...state} = controller.getSnapshot();
    moments.push({ms: clock.now() - t0, vm: controller.viewModel(), ui: ui.getSnapshot(), state});
  };
  const target = recordedTarget(controller, ui, size, recorder, () => {
    t0 = clock.now();
  });
  const press = (name: string, input = keyInput(name)) => {
    pressKey(target, name, input);
    snap();
    clock.advance(1);
  };
  return {
    controller,
    recorder,
    ui,
    clock,
    file,
    moments,
    record: () => {
      recorder.start();
      t0 = clock.now();
    },
    press: (...names) => names.forEach((n) => press(n)),
    type: (text) => [...text].forEach((ch) => press(ch === ' ' ? 'space' : ch, ch)),
    wait: (ms) => {
      // A second at a time, so each sample is a moment of its own.
      for (let left = ms; left > 0; left -= Math.min(left, 250)) {
        clock.advance(Math.min(left, 250));
        snap();
      }
    },
  };
}

/** A live recording read back; throws what the reader said if it is not one. */
export function readLive(file: string): LiveRecording {
  const r = readRecording(file, 'any');
  if (!r.ok) throw new Error(r.message);
  if (r.mode !== 'live') throw new Error(`${file}: not a live recording`);
  return r.recording;
}

const STILL = {now: () => 0, setTimeout: () => 0, clearTimeout: () => {}};

/** A headless replay of a live recording, not yet run. */
export function liveReplay(file: string, opts: {checkpoints?: boolean} = {}) {
  const recording = readLive(file);
  return new LivePlayback(recording, (c) => replayView(c), {clock: STILL, ...opts});
}

/**
 * A lecture on the live dashboard: three samples, b (frozen on sample 2), then r; space, + (half-second interval),
 * two samples, b b, a marker "look at kmalloc-64", n n n (the last at the newest takes a sample at once), tab, s, a
 * filter, ?, ?, -, a resize... and q. `fromStart`: recording from the first sample instead (as --record does).
 */
export function liveLecture(file?: string, fromStart = false): LiveSession {
  const s = liveSession(file);
  if (fromStart) {
    s.record();
    s.controller.start();
    s.wait(1);
  } else {
    s.controller.start();
    s.wait(2000);
    s.press('b', 'r');
  }
  s.wait(1500);
  s.press('space', '+');
  s.wait(1200);
  s.press('b', 'b', 'm');
  s.type('look at kmalloc-64');
  s.press('enter');
  s.wait(700);
  s.press('n', 'n', 'n', 'n', 'tab', 's', '/');
  s.type('kmalloc');
  s.press('enter', '?');
  s.wait(600);
  s.press('?', '-', 'space');
  s.wait(3000);
  s.recorder.resize(100, 30);
  s.press('space');
  s.wait(4000);
  s.press('q');
  return s;
}
