// Record -> replay: a session recorded with the real recorder replays to identical state hashes, through keys,
// kcalls, step back, speed changes and markers; navigating a replay lands on the states the session passed.
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, test} from 'vitest';
import {parseRecording} from '../../source/session/recording.js';
import {uiFromJson} from '../../source/ui/replay-view.js';
import {initialUiState} from '../../source/ui/ui-state.js';
import {liveSession, replayOf, tempDir} from './record-helpers.js';
import {busyYaml} from '../busy-scenario.js';

/** A busy machine with one pausing note (at tick 50), so the recording has to get past a note too. */
const BUSY = busyYaml({notes: [[50, 'the first stop']], irq: true});

function busyScenario(): string {
  const f = join(tempDir(), 'busy.yaml');
  writeFileSync(f, BUSY);
  return f;
}

/** A lecture on the busy machine: runs, pauses, kcalls, a step back that rewrites history, markers, speed changes. */
function lecture(file: string) {
  const s = liveSession(busyScenario(), {record: file, speed: 100});
  const seen: Array<{tick: number; hash: string}> = [];
  const note = () => seen.push({tick: s.controller.getSnapshot().tick, hash: s.hash()});
  s.press('space'); // run
  s.wait(2_000); // to the note at tick 50, which pauses the run
  expect(s.controller.getSnapshot().note?.tick).toBe(50);
  s.press('space'); // closes the note and goes on
  s.wait(3_000);
  s.press('space');
  note();
  s.press(':');
  s.type('p = kmalloc(5000, GFP_ATOMIC)');
  s.press('enter');
  s.press('m');
  s.type('after the kmalloc');
  s.press('enter');
  note();
  s.press('n', 'n', 'n', 'b', 'b');
  s.press(':');
  s.type('q = vmalloc(65536)');
  s.press('enter');
  note();
  s.press('+', '+', 'tab', 's', 'space');
  s.wait(12_000);
  s.press('m');
  s.press('enter'); // a marker without a label
  note();
  s.press('-', 'space');
  s.wait(3_000);
  s.press('q');
  return {s, seen};
}

describe('record -> replay', () => {
  test('the replay passes every stored hash and ends in the recorded state', () => {
    const file = join(tempDir(), 'lecture.jsonl');
    const {s} = lecture(file);
    const endHash = s.hash();
    const endTick = s.controller.getSnapshot().tick;
    expect(endTick).toBeGreaterThan(2000);
    const r = replayOf(file);
    const hashes = r.recording.events.filter((e) => e.type === 'hash').length;
    expect(hashes).toBeGreaterThanOrEqual(2);
    r.playback.runToEnd();
    expect(r.playback.divergence).toBeNull();
    expect(r.playback.hashesChecked).toBe(hashes + 2); // every hash and both markers
    expect(r.playback.position.tick).toBe(endTick);
    expect(r.hash()).toBe(endHash);
  });

  test('markers survive the round trip with their labels and ticks', () => {
    const file = join(tempDir(), 'lecture.jsonl');
    const {seen} = lecture(file);
    const r = replayOf(file);
    expect(r.playback.markers.map((m) => [m.label, m.tick])).toEqual([
      ['after the kmalloc', seen[1].tick],
      ['', seen[3].tick],
    ]);
  });

  test('a tampered hash is reported at its tick, naming the last match', () => {
    const file = join(tempDir(), 'lecture.jsonl');
    lecture(file);
    const lines = readFileSync(file, 'utf8').split('\n');
    const hashes = lines.map((l, i) => [l, i] as const).filter(([l]) => l.includes('"type":"hash"'));
    const [line, at] = hashes[1];
    const ev = JSON.parse(line) as {tick: number; hash: string};
    lines[at] = JSON.stringify({...ev, hash: ev.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'))});
    writeFileSync(file, lines.join('\n'));
    const r = replayOf(file);
    r.playback.runToEnd();
    expect(r.playback.divergence?.tick).toBe(ev.tick);
    expect(r.playback.divergence?.message).toMatch(new RegExp(`^replay diverged at tick ${ev.tick}: .*last match was at tick ${(JSON.parse(hashes[0][0]) as {tick: number}).tick}`));
  });

  test('the kcalls and speed changes the keys made are in the file, and a replay checks them at their tick', () => {
    const file = join(tempDir(), 'lecture.jsonl');
    lecture(file);
    const lines = readFileSync(file, 'utf8').split('\n');
    const events = lines.slice(1).filter((l) => l).map((l) => JSON.parse(l) as {type: string; tick: number; text?: string; output?: string; speed?: number});
    expect(events.filter((e) => e.type === 'kcall').map((e) => e.text)).toEqual(['p = kmalloc(5000, GFP_ATOMIC)', 'q = vmalloc(65536)']);
    expect(events.filter((e) => e.type === 'speed').map((e) => e.speed)).toEqual([200, 500, 200]);
    const at = lines.findIndex((l) => l.includes('"type":"kcall"') && l.includes('vmalloc'));
    const ev = JSON.parse(lines[at]) as {tick: number; output: string};
    lines[at] = JSON.stringify({...ev, output: ev.output + ' (tampered)'});
    writeFileSync(file, lines.join('\n'));
    const r = replayOf(file);
    r.playback.runToEnd();
    expect(r.playback.divergence?.tick).toBe(ev.tick);
    expect(r.playback.divergence?.message).toContain('the kcall "q = vmalloc(65536)" gave');
  });

  test('a recording made with another seed diverges at its first hash', () => {
    const file = join(tempDir(), 'lecture.jsonl');
    lecture(file);
    const lines = readFileSync(file, 'utf8').split('\n');
    const h = JSON.parse(lines[0]) as {seed: number};
    lines[0] = JSON.stringify({...h, seed: h.seed + 1});
    writeFileSync(file, lines.join('\n'));
    const r = replayOf(file);
    r.playback.runToEnd();
    expect(r.playback.divergence).not.toBeNull();
  });

  test('a recording cut in the middle of a line replays up to the cut, with a warning naming the line', () => {
    const file = join(tempDir(), 'lecture.jsonl');
    lecture(file);
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const cutLine = Math.floor(lines.length / 2);
    const cut = lines.slice(0, cutLine).join('\n') + '\n' + lines[cutLine].slice(0, 10);
    writeFileSync(file, cut);
    const parsed = parseRecording(file, cut);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.recording.warning).toMatch(new RegExp(`^${file}:${cutLine + 1}: cut off in the middle of an event; replaying the ${cutLine - 1} events before it`));
    const lastGood = JSON.parse(lines[cutLine - 1]) as {tick: number; type: string; key?: string};
    const r = replayOf(file);
    r.playback.runToEnd();
    expect(r.playback.divergence).toBeNull();
    expect(r.recording.events).toHaveLength(cutLine - 1);
    // Every good event fired, the last one at its tick (a b key then moves one back).
    expect(r.playback.position.i).toBe(cutLine - 1);
    expect(r.playback.position.tick).toBe(lastGood.key === 'b' ? lastGood.tick - 1 : lastGood.tick);
  });
});

describe('keys a review found replaying wrongly', () => {
  test('N across a multiple of 1000 ticks: the hash taken inside its step is checked, no false divergence', () => {
    const file = join(tempDir(), 'n.jsonl');
    const s = liveSession('one-block', {record: file, speed: 5000});
    s.press('space');
    s.wait(200); // ~1000 ticks, into the note at 10 first
    while (s.controller.getSnapshot().note) s.press('x', 'space'), s.wait(50);
    while (s.controller.getSnapshot().tick < 1900) s.wait(10);
    s.press('space');
    const from = s.controller.getSnapshot().tick;
    s.press('N');
    expect(Math.floor(s.controller.getSnapshot().tick / 1000)).toBeGreaterThan(Math.floor(from / 1000));
    s.press('q');
    const r = replayOf(file);
    r.playback.runToEnd();
    expect(r.playback.divergence).toBeNull();
    expect(r.hash()).toBe(s.hash());
  });

  test('a key with no name (Home, F1) is neither acted on nor recorded', () => {
    const file = join(tempDir(), 'home.jsonl');
    const s = liveSession('one-block', {record: file, speed: 20});
    s.press('n', '', 'n', 'q');
    const r = replayOf(file);
    expect(r.recording.warning).toBeUndefined();
    r.playback.runToEnd();
    expect(r.playback.position.tick).toBe(2);
    expect(r.playback.divergence).toBeNull();
  });

  test('m over a pausing note opens the label prompt; r says it records even after an old notice', () => {
    const s = liveSession('one-block', {speed: 20});
    s.press('space');
    s.wait(1_000);
    expect(s.controller.getSnapshot().note?.tick).toBe(10);
    s.press('m');
    expect(s.ui.getSnapshot().notice).toMatch(/^not recording/);
    s.press('r');
    expect(s.ui.getSnapshot().notice).toBeNull();
    expect(s.recorder.getSnapshot().notice?.text).toMatch(/^recording to /);
    s.press('m');
    expect(s.ui.getSnapshot().mode).toBe('marker');
    expect(s.controller.getSnapshot().note?.tick).toBe(10); // the note stays open under the prompt
    s.press('escape', 'r');
  });

  test('r after r records to FILE-2, FILE-3...: a name that exists is skipped, never written over', () => {
    const d = tempDir();
    writeFileSync(join(d, 'l-2.jsonl'), 'mine');
    const s = liveSession('one-block', {record: join(d, 'l.jsonl')});
    s.press('r', 'r', 'r', 'r', 'r'); // stop, start, stop, start, stop
    expect(readdirSync(d).sort()).toEqual(['l-2.jsonl', 'l-3.jsonl', 'l-4.jsonl', 'l.jsonl']);
    expect(readFileSync(join(d, 'l-2.jsonl'), 'utf8')).toBe('mine');
  });

  test('[ goes back to the marker just passed, whether or not an event came after it', () => {
    const file = join(tempDir(), 'marks.jsonl');
    const s = liveSession('one-block', {record: file, speed: 20});
    s.press('space');
    s.wait(1_000); // the note at 10
    s.press('space');
    s.press('m', 'enter'); // marker 1 at 10
    s.wait(500);
    s.press('m', 'enter'); // marker 2, ~10 ticks on
    const second = s.controller.getSnapshot().tick;
    s.wait(500);
    s.press('space', 'q');
    const r = replayOf(file);
    r.playback.nextMarker();
    r.playback.nextMarker();
    expect(r.playback.position.tick).toBe(second);
    r.playback.step();
    r.playback.step(); // a few ticks past marker 2, no event since
    r.playback.prevMarker();
    expect(r.playback.position.tick).toBe(second);
    r.playback.prevMarker(); // on marker 2 itself: the one before
    expect(r.playback.position.tick).toBe(10);
  });
});

test('a header with a view state that makes no sense starts from a fresh view for those fields', () => {
  const ui = uiFromJson({focus: 'nope', sort: 42, scroll: {free: -3, slabs: 7}, mode: 'dance', cpu: 1, context: 'nmi', filter: 'kmalloc'});
  expect(ui).toEqual({...initialUiState(), scroll: {...initialUiState().scroll, slabs: 7}, cpu: 1, filter: 'kmalloc'});
});

describe('the pace of a replay', () => {
  test('ticks come when they came: a run up to a pausing note, then a long stop on it', () => {
    const file = join(tempDir(), 'paced.jsonl');
    const s = liveSession('one-block', {record: file, speed: 20}); // its note at tick 10 pauses the run
    s.press('space');
    s.wait(1_000); // ticks 1..10 in the first half second
    s.wait(7_000); // the lecturer talks over the note
    s.press('x', 'q');
    const r = replayOf(file);
    expect(r.recording.events.find((e) => e.type === 'note')).toMatchObject({tick: 10});
    r.playback.runTo(250);
    expect(r.playback.position.tick).toBeGreaterThanOrEqual(4);
    expect(r.playback.position.tick).toBeLessThanOrEqual(6);
    r.playback.runTo(1_000);
    expect(r.playback.position.tick).toBe(10); // not a crawl over the 7 seconds of talk
    r.playback.runToEnd();
    expect(r.playback.divergence).toBeNull();
  });
});

describe('navigating a replay', () => {
  test('step back and step land on the states the recorded session passed through', () => {
    const file = join(tempDir(), 'lecture.jsonl');
    const {seen} = lecture(file);
    const r = replayOf(file);
    // To the first marker: the state there is the one the lecturer marked.
    r.playback.nextMarker();
    expect(r.playback.position.tick).toBe(seen[1].tick);
    expect(r.hash()).toBe(seen[1].hash);
    // Back to the previous tick, then on to this tick again: there, before the kcall and the marker.
    r.playback.stepBack();
    expect(r.playback.position.tick).toBe(seen[1].tick - 1);
    r.playback.step();
    expect(r.playback.position.tick).toBe(seen[1].tick);
    expect(r.hash()).toBe(seen[0].hash);
    r.playback.nextMarker();
    expect(r.hash()).toBe(seen[1].hash);
    // The second marker, then the previous one again (through a checkpoint and a re-run).
    r.playback.nextMarker();
    expect(r.playback.position.tick).toBe(seen[3].tick);
    expect(r.hash()).toBe(seen[3].hash);
    r.playback.prevMarker();
    expect(r.playback.position.tick).toBe(seen[1].tick);
    expect(r.hash()).toBe(seen[1].hash);
    r.playback.prevMarker();
    expect(r.playback.position.i).toBe(0);
  });

  test('stepping through a whole recording reaches the same end as running it', () => {
    const file = join(tempDir(), 'short.jsonl');
    const s = liveSession('one-block', {record: file, speed: 20});
    s.press('space');
    s.wait(800);
    s.press('n', 'n', 'b', ':');
    s.type('x = kmalloc(100, GFP_KERNEL)');
    s.press('enter', 'space');
    s.wait(500);
    s.press('q');
    const end = s.hash();
    const r = replayOf(file);
    let guard = 0;
    while (!r.playback.atEnd && guard++ < 10_000) r.playback.step();
    expect(r.playback.atEnd).toBe(true);
    expect(r.playback.divergence).toBeNull();
    expect(r.hash()).toBe(end);
    // And all the way back, one step at a time, to the start.
    const ticks: number[] = [];
    while (r.playback.position.i > 0 && guard++ < 20_000) {
      r.playback.stepBack();
      ticks.push(r.playback.position.tick);
    }
    expect(r.playback.position).toMatchObject({i: 0, tick: 0});
    expect(ticks.length).toBeGreaterThan(10);
  });
});
