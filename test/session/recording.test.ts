// The recording file (recording.ts): what parses, what is refused and with which one line, how a corrupt or cut
// event line ends the events with a warning naming it, and what RecordingWriter puts in the file as it goes.
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, test} from 'vitest';
import {SCENARIO_FORMAT} from '../../source/scenario/load.js';
import {openScenario} from '../../source/session/open-scenario.js';
import {openRecording, parseRecording, readRecording, RECORDING_FORMAT, type Recording, type RecordingEvent, RecordingWriter} from '../../source/session/recording.js';
import {replayOf, shortLecture, tempDir} from './record-helpers.js';

const F = 'lecture.jsonl';
const H1 = '0123456789abcdef';
const H2 = 'fedcba9876543210';

const ONE_BLOCK = (() => {
  const r = openScenario('one-block');
  if (!r.ok) throw new Error('one-block does not load');
  return r.scenario;
})();

/** A header as the recorder writes one, with fields replaced (or, with undefined, left out). */
function header(over: Record<string, unknown> = {}): Record<string, unknown> {
  const h: Record<string, unknown> = {
    kmemscope: 'recording',
    format: RECORDING_FORMAT,
    scenario_format: SCENARIO_FORMAT,
    version: '0.1.0',
    created: '2026-11-25T09:00:00.000Z',
    scenario: {file: ONE_BLOCK.file, source: ONE_BLOCK.source},
    seed: 1,
    slab: null,
    terminal: {cols: 120, rows: 40},
    start: {tick: 0, inputs: [], shown_notes: [], speed: 100, running: false, note: null, command: null, ui: null},
    ...over,
  };
  for (const k of Object.keys(h)) if (h[k] === undefined) delete h[k];
  return h;
}

/** JSON lines, each followed by a newline (a string is written as it is). */
const jsonl = (...lines: unknown[]): string => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';

/** Three events that end at tick 1000 and 600 ms, as a lecture's first seconds. */
const FIRST: RecordingEvent[] = [
  {type: 'key', key: 'space', tick: 0, ms: 0},
  {type: 'hash', hash: H1, tick: 1000, ms: 500},
  {type: 'marker', label: 'the first block', hash: H2, tick: 1000, ms: 600},
];
const END: RecordingEvent = {type: 'end', tick: 1001, ms: 900};

function parsed(text: string, path = F): Recording {
  const r = parseRecording(path, text);
  if (!r.ok) throw new Error(r.message);
  return r.recording;
}

function refusal(text: string, path = F): string {
  const r = parseRecording(path, text);
  if (r.ok) throw new Error(`${path} was accepted`);
  return r.message;
}

describe('a well-formed recording', () => {
  test('parses: its header fields, its events in order, and ended', () => {
    const events: RecordingEvent[] = [...FIRST, {type: 'resize', cols: 100, rows: 30, tick: 1000, ms: 700}, {type: 'key', key: 'n', tick: 1000, ms: 800}, END];
    const r = parsed(jsonl(header({seed: 7, slab: 'slab'}), ...events));
    expect(r.header).toMatchObject({seed: 7, slab: 'slab', terminal: {cols: 120, rows: 40}, scenario: {file: 'scenarios/one-block.yaml', source: ONE_BLOCK.source}});
    expect(r.header.start).toMatchObject({tick: 0, speed: 100, running: false});
    expect(r.events).toEqual(events);
    expect(r.ended).toBe(true);
    expect(r.warning).toBeUndefined();
  });

  test('without its end event it is not ended, and that is no warning (the recorder was stopped between two events)', () => {
    const r = parsed(jsonl(header(), ...FIRST));
    expect(r.events).toEqual(FIRST);
    expect(r.ended).toBe(false);
    expect(r.warning).toBeUndefined();
  });

  test('a header alone is a recording of nothing', () => {
    const r = parsed(jsonl(header()));
    expect(r).toMatchObject({events: [], ended: false});
    expect(r.warning).toBeUndefined();
  });
});

describe('what is no recording is refused with one line', () => {
  const cases: [string, string, string][] = [
    ['an empty file', '', `${F}: the file is empty, not a kmemscope recording`],
    ['a file of blank lines', '\n\n  \n', `${F}: the file is empty, not a kmemscope recording`],
    ['a scenario (YAML)', ONE_BLOCK.source, `${F}: not a kmemscope recording (line 1 is not a recording header; record one with kmemscope --record FILE)`],
    [
      'an asciicast',
      jsonl({version: 2, width: 80, height: 24, timestamp: 0, title: 'kmemscope: tour'}, [0, 'o', 'hello']),
      `${F}: not a kmemscope recording (line 1 is not a recording header; record one with kmemscope --record FILE)`,
    ],
    ['a JSON array', jsonl([header()]), `${F}: not a kmemscope recording (line 1 is not a recording header; record one with kmemscope --record FILE)`],
    ['a header on line 2', jsonl({}, header(), ...FIRST), `${F}: not a kmemscope recording (line 1 is not a recording header; record one with kmemscope --record FILE)`],
    ['recording format 2', jsonl(header({format: 2}), ...FIRST), `${F}: a recording in format 2; this kmemscope reads format ${RECORDING_FORMAT}`],
  ];
  test.each(cases)('%s', (_, text, message) => {
    expect(refusal(text)).toBe(message);
  });

  test('a recording made with another scenario format says so and names the kmemscope that made it', () => {
    const m = refusal(jsonl(header({scenario_format: 2, version: '0.9.3'}), ...FIRST));
    expect(m).toBe(`${F}: recorded by kmemscope 0.9.3 with scenario format 2; this kmemscope reads scenario format ${SCENARIO_FORMAT}, so it cannot replay it exactly`);
    expect(m).not.toContain('\n');
  });

  const missing: [string, Record<string, unknown>, string][] = [
    ['seed', {seed: undefined}, 'its seed is missing or not a whole number'],
    ['a seed that is not a whole number', {seed: 1.5}, 'its seed is missing or not a whole number'],
    ['start', {start: undefined}, 'its start state is missing'],
    ['terminal', {terminal: undefined}, 'its terminal size is missing'],
    ['a terminal of no columns', {terminal: {cols: 0, rows: 40}}, 'its terminal size is missing'],
    ['scenario', {scenario: {file: 'x.yaml'}}, 'its scenario (file and source) is missing'],
    ['slab', {slab: 'slob'}, 'its slab model is not slub, slab or null'],
  ];
  test.each(missing)('a header without %s names the field on line 1', (_, over, why) => {
    expect(refusal(jsonl(header(over), ...FIRST))).toBe(`${F}:1: a recording header, but ${why}`);
  });

  test('readRecording names the file it cannot read', () => {
    const dir = tempDir();
    const r = readRecording(dir);
    expect(r).toEqual({ok: false, message: `${dir}: it is a directory`});
  });

  test('a recording whose scenario no longer loads names the scenario line and column', () => {
    const file = join(tempDir(), 'old.jsonl');
    const source = 'name: x\ndescription: y\nmachine: {memory: 1G}\ntimeline:\n  - at: 1\n    run: kmallok(8, GFP_KERNEL)\n';
    writeFileSync(file, jsonl(header({scenario: {file: 'scenarios/old.yaml', source}}), ...FIRST));
    const r = openRecording(file);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.message).toMatch(new RegExp(`^${file}: its scenario does not load: scenarios/old\\.yaml:6:10: unknown call kmallok`));
    expect(r.message).not.toContain('\n');
  });

  test('openRecording gives back a session of the recorded scenario, seed and slab model', () => {
    const file = join(tempDir(), 'ok.jsonl');
    writeFileSync(file, jsonl(header({seed: 42, slab: 'slab'}), ...FIRST, END));
    const r = openRecording(file);
    if (!r.ok) throw new Error(r.message);
    expect(r.session.seed).toBe(42);
    expect(r.session.scenario.machine.slab).toBe('slab');
    expect(r.session.scenario.name).toBe('one-block');
    expect(r.recording.ended).toBe(true);
  });
});

describe('a corrupt event line ends the events there, with a warning naming it', () => {
  // Line 5 is the bad one: after the header and FIRST's three events (the last at tick 1000).
  const cases: [string, string, string][] = [
    ['not JSON', '{"type":"key","key":"n","tick":1000,"ms":650', 'not JSON'],
    ['an empty line', '', 'an empty line, expected an event'],
    ['not an object', '[1000, "key", "n"]', 'not a recording event (expected a JSON object)'],
    ['an unknown type', JSON.stringify({type: 'zoom', tick: 1000, ms: 650}), 'an event of unknown type "zoom" (expected key, '],
    ['time going backwards', JSON.stringify({type: 'key', key: 'n', tick: 1000, ms: 100}), 'time goes backwards (100 ms after 600 ms)'],
    ['no time', JSON.stringify({type: 'key', key: 'n', tick: 1000}), 'an event without a time (ms)'],
    ['a negative time', JSON.stringify({type: 'key', key: 'n', tick: 1000, ms: -1}), 'an event without a time (ms)'],
    ['no tick', JSON.stringify({type: 'key', key: 'n', ms: 650}), 'an event without a tick'],
    ['a key event with no key', JSON.stringify({type: 'key', tick: 1000, ms: 650}), 'a key event without its key'],
    ['a key event with an empty key', JSON.stringify({type: 'key', key: '', tick: 1000, ms: 650}), 'a key event without its key'],
    ['a hash of 15 digits', JSON.stringify({type: 'hash', hash: H1.slice(1), tick: 1000, ms: 650}), 'a hash event without its 16-digit hash'],
    ['a hash in capitals', JSON.stringify({type: 'hash', hash: H1.toUpperCase(), tick: 1000, ms: 650}), 'a hash event without its 16-digit hash'],
    ['a marker whose hash is not hex', JSON.stringify({type: 'marker', label: 'x', hash: 'zzzzzzzzzzzzzzzz', tick: 1000, ms: 650}), 'a marker without its label or hash'],
    ['a marker without a label', JSON.stringify({type: 'marker', hash: H1, tick: 1000, ms: 650}), 'a marker without its label or hash'],
    ['a resize to nothing', JSON.stringify({type: 'resize', cols: 0, rows: 30, tick: 1000, ms: 650}), 'a resize event without its size'],
  ];
  test.each(cases)('%s', (_, bad, problem) => {
    const r = parsed(jsonl(header(), ...FIRST, bad, {type: 'key', key: 'n', tick: 1000, ms: 700}, END));
    // The problem in full (the list of event types only begins: it grows with the format).
    expect(r.warning?.startsWith(`${F}:5: ${problem}`)).toBe(true);
    expect(r.warning).toMatch(/^[^;]*; replaying the 3 events before it \(to tick 1000\)$/);
    expect(r.events).toEqual(FIRST);
    expect(r.ended).toBe(false);
  });

  test('one event before it, and none: the count and the tick are the replay\'s', () => {
    const one = parsed(jsonl(header(), FIRST[0], 'garbage', ...FIRST.slice(1)));
    expect(one.warning).toBe(`${F}:3: not JSON; replaying the 1 event before it (to tick 0)`);
    // With none, the replay stays where the recording began.
    const start = (header().start as Record<string, unknown>);
    const none = parsed(jsonl(header({start: {...start, tick: 7}}), 'garbage', ...FIRST));
    expect(none.warning).toBe(`${F}:2: not JSON; replaying the 0 events before it (to tick 7)`);
    expect(none.events).toEqual([]);
  });

  test('a last line without its newline is an event cut off in the middle', () => {
    const text = jsonl(header(), ...FIRST) + '{"type":"key","key":"sp';
    const r = parsed(text);
    expect(r.warning).toBe(`${F}:5: cut off in the middle of an event; replaying the 3 events before it (to tick 1000)`);
    expect(r.events).toEqual(FIRST);
  });

  test('a last line that is whole but lost its newline is still an event', () => {
    const text = jsonl(header(), ...FIRST) + JSON.stringify(END);
    const r = parsed(text);
    expect(r.events).toEqual([...FIRST, END]);
    expect(r).toMatchObject({ended: true});
    expect(r.warning).toBeUndefined();
  });

  test('lines after the end event get their own warning; the recording is whole', () => {
    const r = parsed(jsonl(header(), ...FIRST, END, {type: 'key', key: 'n', tick: 1001, ms: 950}, 'junk'));
    expect(r.warning).toBe(`${F}:6: lines after the end of the recording are ignored`);
    expect(r.events).toEqual([...FIRST, END]);
    expect(r.ended).toBe(true);
  });

  test('the warning names the first line after the end that is not blank; blank lines at the end are nothing', () => {
    expect(parsed(jsonl(header(), ...FIRST, END, '', 'junk')).warning).toBe(`${F}:7: lines after the end of the recording are ignored`);
    const r = parsed(jsonl(header(), ...FIRST, END) + '\n\n');
    expect(r.warning).toBeUndefined();
    expect(r.events).toEqual([...FIRST, END]);
  });
});

describe('RecordingWriter', () => {
  const h = header() as unknown as Parameters<typeof RecordingWriter.open>[1];
  const lines = (file: string) => readFileSync(file, 'utf8').split('\n');

  test('refuses an existing file and leaves it as it was', () => {
    const file = join(tempDir(), 'lecture.jsonl');
    const before = Buffer.from('{"kmemscope":"recording"}\nlast week\'s lecture\n\u00e9\n');
    writeFileSync(file, before);
    expect(() => RecordingWriter.open(file, h)).toThrow(`${file}: file exists (a recording is never overwritten: choose another name)`);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  test('refuses a file in a directory that is not there, naming the file', () => {
    const file = join(tempDir(), 'no', 'such', 'dir.jsonl');
    expect(() => RecordingWriter.open(file, h)).toThrow(`${file}: no such directory`);
  });

  test('writes the header at once, then each event as it happens, one line each', () => {
    const file = join(tempDir(), 'lecture.jsonl');
    const w = RecordingWriter.open(file, h);
    expect(lines(file)).toEqual([JSON.stringify(h), '']);
    for (const [k, ev] of FIRST.entries()) {
      w.write(ev);
      // On disk before anything closes: a kill -9 here would keep it.
      const now = lines(file);
      expect(now).toHaveLength(k + 3);
      expect(JSON.parse(now[k + 1])).toEqual(ev);
      expect(now.at(-1)).toBe('');
    }
    expect(w.open).toBe(true);
    w.close({tick: 1001, ms: 900});
    expect(w.open).toBe(false);
    const after = readFileSync(file, 'utf8');
    expect(JSON.parse(after.split('\n').at(-2) ?? '')).toEqual({type: 'end', tick: 1001, ms: 900});
    // close again: nothing more, no error.
    w.close({tick: 2000, ms: 5000});
    expect(readFileSync(file, 'utf8')).toBe(after);
    expect(parsed(after)).toMatchObject({events: [...FIRST, END], ended: true});
  });

  test('times never go backwards in the file, even when asked; they are whole milliseconds', () => {
    const file = join(tempDir(), 'lecture.jsonl');
    const w = RecordingWriter.open(file, h);
    w.write({type: 'key', key: 'space', tick: 0, ms: 12.6});
    w.write({type: 'key', key: 'n', tick: 0, ms: 5});
    w.write({type: 'key', key: 'n', tick: 1, ms: 40.2});
    w.close({tick: 2, ms: 30});
    const r = parsed(readFileSync(file, 'utf8'));
    expect(r.events.map((e) => e.ms)).toEqual([13, 13, 40, 40]);
    expect(r.warning).toBeUndefined();
  });
});

describe('killed mid-write (kill -9)', () => {
  /** A short lecture on one-block, recorded with the real recorder: a run past a hash, a kcall, two markers. */
  function lecture() {
    const file = join(tempDir(), 'lecture.jsonl');
    const s = shortLecture(file);
    return {file, text: readFileSync(file, 'utf8'), end: s.hash()};
  }

  test('a file cut in the middle of any line replays, without divergence, to the last whole event', () => {
    const {file, text, end} = lecture();
    const all = text.split('\n').slice(0, -1); // the last line ends with a newline
    const events = all.slice(1).map((l) => JSON.parse(l) as RecordingEvent);
    expect(events.filter((e) => e.type === 'hash')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'marker')).toHaveLength(2);
    expect(events.at(-1)?.type).toBe('end');
    // Cut inside every line (a line's bytes up to its middle), and check the replay of what is left.
    const checked = (es: RecordingEvent[]) => es.filter((e) => e.type === 'hash' || e.type === 'marker').length;
    let replayed = 0;
    let atMarkers = 0;
    for (let cut = 2; cut <= all.length; cut++) {
      const line = all[cut - 1];
      const kept = events.slice(0, cut - 2);
      const cutText = all.slice(0, cut - 1).join('\n') + '\n' + line.slice(0, Math.floor(line.length / 2));
      const f = `${file}.cut${cut}`;
      writeFileSync(f, cutText);
      const r = parsed(cutText, f);
      const lastTick = kept.at(-1)?.tick ?? 0;
      expect(r.warning).toBe(`${f}:${cut}: cut off in the middle of an event; replaying the ${kept.length} event${kept.length === 1 ? '' : 's'} before it (to tick ${lastTick})`);
      expect(r.events).toEqual(kept);
      expect(r.ended).toBe(false);
      // Replaying runs the ticks too: only where it tells something (just after a hash or marker, the first event,
      // the middle, the end event lost).
      const last = kept.at(-1);
      if (!(last?.type === 'hash' || last?.type === 'marker' || cut === 3 || cut === Math.floor(all.length / 2) || cut === all.length)) continue;
      const replay = replayOf(f);
      replay.playback.runToEnd();
      expect(replay.playback.divergence).toBeNull();
      expect(replay.playback.hashesChecked).toBe(checked(kept));
      expect(replay.playback.position.i).toBe(kept.length);
      replayed++;
      // Cut just after a marker: the replay ends in the very state the lecturer marked.
      if (last?.type === 'marker') {
        expect(replay.hash()).toBe(last.hash);
        atMarkers++;
      }
    }
    expect(replayed).toBeGreaterThanOrEqual(6);
    expect(atMarkers).toBe(2);
    // And uncut, to the state the lecture ended in.
    const whole = replayOf(file);
    whole.playback.runToEnd();
    expect(whole.hash()).toBe(end);
  });

  test('a file cut at a line\'s end (the event written, the next not begun) replays with no warning', () => {
    const {file, text} = lecture();
    const all = text.split('\n');
    const cutText = all.slice(0, 10).join('\n') + '\n';
    writeFileSync(file + '.cut', cutText);
    const r = parsed(cutText, file + '.cut');
    expect(r.warning).toBeUndefined();
    expect(r.events).toHaveLength(9);
    expect(r.ended).toBe(false);
  });

  test('a file cut inside its header is a recording that cannot be replayed, and says so', () => {
    const {text} = lecture();
    const first = text.split('\n')[0];
    expect(refusal(first.slice(0, first.length - 3))).toBe(`${F}: a kmemscope recording cut off in its header (line 1): nothing in it can be replayed`);
  });
});
