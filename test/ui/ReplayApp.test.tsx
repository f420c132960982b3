// The replay viewer's keys, as a person presses them: ink-testing-library drives the real ReplayApp over a
// recording made with the real recorder (a clock that never moves: nothing plays unless a key says so).
import {join} from 'node:path';
import {render} from 'ink-testing-library';
import {describe, expect, test, vi} from 'vitest';
import {type Clock, Controller} from '../../source/session/controller.js';
import {Playback} from '../../source/session/playback.js';
import {openRecording} from '../../source/session/recording.js';
import {replayView} from '../../source/ui/replay-view.js';
import {ReplayApp} from '../../source/ui/ReplayApp.js';
import {liveSession, tempDir} from '../session/record-helpers.js';

const STILL: Clock = {now: () => 0, setTimeout: () => 0, clearTimeout: () => {}};

/** one-block: run to its pausing note at tick 10, a kcall, a marker "after", two steps, q. */
function recording(): string {
  const file = join(tempDir(), 'one-block.jsonl');
  const s = liveSession('one-block', {record: file, speed: 20});
  s.press('space');
  s.wait(1_000);
  expect(s.controller.getSnapshot().note?.tick).toBe(10);
  s.press('x'); // closes the note
  s.press(':');
  s.type('p = kmalloc(5000, GFP_ATOMIC)');
  s.press('enter', 'm');
  s.type('after');
  s.press('enter', 'n', 'n', 'q');
  return file;
}

function viewer() {
  const r = openRecording(recording());
  if (!r.ok) throw new Error(r.message);
  const controller = new Controller(r.session, {clock: STILL, driven: true});
  const view = replayView(controller);
  const playback = new Playback(r.recording, controller, view, {clock: STILL});
  const onQuit = vi.fn();
  const app = render(<ReplayApp playback={playback} ui={view.ui} theme="default" noColor={true} onQuit={onQuit} size={{columns: 120, rows: 40}} />);
  const frame = () => app.lastFrame() ?? '';
  const press = async (keys: string, until: (f: string) => boolean) => {
    app.stdin.write(keys);
    await vi.waitFor(() => expect(until(frame()), `after ${JSON.stringify(keys)}:\n${frame()}`).toBe(true), {timeout: 2000, interval: 5});
  };
  return {playback, app, frame, press, onQuit};
}

describe('the replay viewer', () => {
  test('a recorded ? shows the dashboard\'s help, as the audience saw it, not the viewer\'s keys', async () => {
    const file = join(tempDir(), 'help.jsonl');
    const s = liveSession('one-block', {record: file, speed: 20});
    s.press('?', 'q');
    const r = openRecording(file);
    if (!r.ok) throw new Error(r.message);
    const controller = new Controller(r.session, {clock: STILL, driven: true});
    const view = replayView(controller);
    const playback = new Playback(r.recording, controller, view, {clock: STILL});
    const app = render(<ReplayApp playback={playback} ui={view.ui} theme="default" noColor={true} onQuit={() => {}} size={{columns: 120, rows: 40}} />);
    playback.step(); // fires the recorded ?
    await vi.waitFor(() => expect(app.lastFrame()).toContain('step 100 ticks'));
    expect(app.lastFrame()).not.toContain('replay faster');
  });

  test('header badge, replay keys in the footer, and the recorded session underneath', async () => {
    const v = viewer();
    await vi.waitFor(() => expect(v.frame()).toContain('REPLAY ❚❚ x1 0:00/0:01'));
    const lines = v.frame().split('\n');
    expect(lines[0]).toMatch(/one-block {2}tick 0 {2}REPLAY/);
    expect(lines.at(-1)).toMatch(/q\/C-c quit {2}\? help {2}space pause {2}n\/→ step {2}b\/← back {2}\] marker/);
  });

  test('n steps to the next recorded tick, b steps back, ] and [ jump between markers', async () => {
    const v = viewer();
    await v.press('n', (f) => f.includes('tick 1 '));
    await v.press('n', (f) => f.includes('tick 2 '));
    await v.press('b', (f) => f.includes('tick 1 '));
    await v.press(']', (f) => f.includes('marker 1/1: after (tick 10)'));
    expect(v.frame()).toContain('tick 10 ');
    // The recorded kcall ran before the marker: its result is on screen in the event log.
    expect(v.frame()).toContain('kcall @cpu0:process: p = kmalloc(5000, GFP_ATOMIC)');
    await v.press('n', (f) => f.includes('tick 11 '));
    await v.press('[', (f) => f.includes('tick 10 ') && f.includes('marker 1/1'));
    await v.press('[', (f) => f.includes('tick 0 ') && f.includes('no marker before this point'));
  });

  test('keys that arrive together (a held n) each step', async () => {
    const v = viewer();
    await v.press('nnn', (f) => f.includes('tick 3 '));
    await v.press('bb', (f) => f.includes('tick 1 '));
  });

  test('+ and - change the replay speed, ? shows the replay keys, q quits', async () => {
    const v = viewer();
    await v.press('+', (f) => f.includes('REPLAY ❚❚ x2'));
    await v.press('-', (f) => f.includes('REPLAY ❚❚ x1 '));
    await v.press('-', (f) => f.includes('REPLAY ❚❚ x0.5'));
    await v.press('?', (f) => f.includes('jump to the next marker'));
    await v.press('x', (f) => f.includes('REPLAY ❚❚ x0.5'));
    v.app.stdin.write('q');
    await vi.waitFor(() => expect(v.onQuit).toHaveBeenCalledTimes(1));
  });

  test('space plays: the recorded keys drive the dashboard (the note, then the kcall) to the end', async () => {
    const v = viewer();
    v.playback.runToEnd(); // what space does over time, at once
    await vi.waitFor(() => expect(v.frame()).toContain('tick 12 '));
    expect(v.playback.divergence).toBeNull();
    expect(v.frame()).toContain('p = kmalloc(5000, GFP_ATOMIC)  =>  p = 0x');
  });
});
