// replay_ticks_per_s and record_overhead: what recording costs a lecture, and how fast a recording is checked.
//
// A lecture on the tour is recorded with the real recorder and key handler (test/session/record-helpers.ts) at
// 5000 ticks per second of a hand-moved clock, for TICKS ticks (each pausing note closed with space as it comes),
// with a kcall and a marker on the way. The same keys are then pressed on an identical session with the recorder
// stopped: record_overhead is the time with the recorder over the time without (its hashes every 1000 ticks, its
// lines). replay_ticks_per_s is a headless replay of the file (kmemscope replay FILE without a terminal): every
// key fed through the key handler, every stored hash recomputed, checkpoints for step back. It must match.
import {join} from 'node:path';
import {type LiveSession, liveSession, replayOf, tempDir} from '../session/record-helpers.js';
import type {Figure} from './figure.js';

const TICKS = Number(process.env.BENCH_TICKS ?? 100_000);

export const REPLAY_FIGURES = ['replay_ticks_per_s', 'record_overhead'];

/** The lecture: run at 5000 ticks/s to TICKS, closing notes, with a kcall and a marker half way. Returns ms. */
function lecture(s: LiveSession): number {
  const t0 = performance.now();
  s.press('+', '+', '+', '+', '+', '+', '+', 'space'); // 10 -> 5000 ticks/s (one more would be flat out, which a hand-moved clock never ends)
  let kcall = false;
  while (s.controller.getSnapshot().tick < TICKS) {
    s.wait(1000);
    if (s.controller.getSnapshot().note) s.press('space');
    if (!kcall && s.controller.getSnapshot().tick > TICKS / 2) {
      kcall = true;
      s.press(':');
      s.type('p = kmalloc(5000, GFP_ATOMIC)');
      s.press('enter', 'm', 'enter');
    }
  }
  s.press('q');
  return performance.now() - t0;
}

export function replayBench(log: (line: string) => void): Figure[] {
  const file = join(tempDir(), 'lecture.jsonl');
  const recorded = liveSession('tour', {record: file, speed: 10});
  const withRecorder = lecture(recorded);
  const plain = liveSession('tour', {speed: 10});
  const without = lecture(plain);
  if (plain.hash() !== recorded.hash()) throw new Error('replay: recording changed the session it recorded');
  const r = replayOf(file, {checkpoints: false}); // as kmemscope replay FILE does without a terminal
  const t0 = performance.now();
  r.playback.runToEnd();
  const ms = performance.now() - t0;
  if (r.playback.divergence) throw new Error(`replay: ${r.playback.divergence.message}`);
  if (r.hash() !== recorded.hash()) throw new Error('replay: the replay ended in another state than the recording');
  const ticks = r.playback.position.tick;
  log(`replay: ${ticks} ticks, ${r.recording.events.length} events, ${r.playback.hashesChecked} hashes checked in ${ms.toFixed(0)} ms; lecture ${without.toFixed(0)} ms plain, ${withRecorder.toFixed(0)} ms recorded`);
  return [
    {figure: 'replay_ticks_per_s', value: Math.round(ticks / (ms / 1000)), unit: 'ticks/s'},
    {figure: 'record_overhead', value: Number((withRecorder / without).toFixed(3)), unit: 'x'},
  ];
}
