// kmemscope replay and export, and the --record flag's refusals, as a user runs them: the built binary (npm test's
// pretest builds it) on a recording made in this process with the real recorder, stdin and stdout not terminals.
import {spawnSync} from 'node:child_process';
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {parseCast} from '../source/session/asciicast.js';
import {headlessOutput} from '../source/session/headless.js';
import type {RecordingEvent} from '../source/session/recording.js';
import {SHORT_LECTURE_KCALL, shortLecture, tempDir} from './session/record-helpers.js';

const BIN = join(import.meta.dirname, '..', 'dist', 'cli.js');
function kmemscope(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, timeout: 60_000, ...(cwd ? {cwd} : {})});
  return {code: r.status, out: r.stdout, err: r.stderr};
}

const hasAsciinema = spawnSync('asciinema', ['--version'], {encoding: 'utf8'}).status === 0 && spawnSync('script', ['--version'], {encoding: 'utf8'}).status === 0;

const KCALL = SHORT_LECTURE_KCALL;
const DIR = tempDir();
afterAll(() => rmSync(DIR, {recursive: true, force: true}));

/** The lecture: one-block run past its note and a state hash, a kcall, two markers, a step back, q. */
let lecture: {file: string; text: string; events: RecordingEvent[]; endTick: number; buddyinfo: string};
beforeAll(() => {
  const file = join(DIR, 'lecture.jsonl');
  const s = shortLecture(file);
  const text = readFileSync(file, 'utf8');
  const events = text
    .split('\n')
    .slice(1, -1)
    .map((l) => JSON.parse(l) as RecordingEvent);
  lecture = {file, text, events, endTick: s.controller.getSnapshot().tick, buddyinfo: headlessOutput(s.controller.current, ['buddyinfo'], false)};
});

/** A copy of the lecture with its lines changed by `edit`, in a file of its own. */
let copies = 0;
function variant(edit: (lines: string[]) => string): string {
  const f = join(DIR, `variant-${++copies}.jsonl`);
  writeFileSync(f, edit(lecture.text.split('\n')));
  return f;
}

/** One line on stderr, naming nothing of the program's insides (no stack, no "Error:"). */
function oneLine(err: string): void {
  expect(err.endsWith('\n')).toBe(true);
  expect(err.split('\n')).toHaveLength(2);
  expect(err).toMatch(/^kmemscope: /);
  expect(err).not.toMatch(/\n\s+at |Error:|internal error/);
}

describe('kmemscope replay without a terminal checks the recording', () => {
  test('the lecture recorded has what the tests below rely on', () => {
    const types = lecture.events.map((e) => e.type);
    expect(types.filter((t) => t === 'hash')).toHaveLength(1);
    expect(types.filter((t) => t === 'marker')).toHaveLength(2);
    expect(types.at(-1)).toBe('end');
    expect(lecture.endTick).toBeGreaterThan(1000);
  });

  test('exit 0 and one summary line: the events, the end tick, the hashes, all matching', () => {
    const r = kmemscope(['replay', lecture.file]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `${lecture.file}: replayed ${lecture.events.length} events to tick ${lecture.endTick} (scenarios/one-block.yaml, seed 1); 3 state hashes checked, all match the recording\n`,
    );
  });

  test('--speed 2 is a replay speed; --speed 3 is not', () => {
    expect(kmemscope(['replay', lecture.file, '--speed', '2'])).toMatchObject({code: 0, err: '', out: expect.stringContaining('all match the recording')});
    const r = kmemscope(['replay', lecture.file, '--speed', '3']);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toContain('--speed "3" is not a replay speed, expected one of 0.125, 0.25, 0.5, 1, 2, 4');
  });

  test('a tampered hash: exit 1, the tick it diverged at on stderr', () => {
    const hash = lecture.events.find((e) => e.type === 'hash');
    if (hash?.type !== 'hash') throw new Error('no hash event');
    const f = variant((lines) => lines.join('\n').replace(`"hash":"${hash.hash}"`, `"hash":"${hash.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'))}"`));
    const r = kmemscope(['replay', f]);
    expect(r.code).toBe(1);
    oneLine(r.err);
    expect(r.err).toMatch(new RegExp(`^kmemscope: ${f}: replay diverged at tick ${hash.tick}: the emulator state differs from the recording's`));
    expect(r.out).toMatch(new RegExp(`^${f}: replayed ${lecture.events.length} events to tick ${lecture.endTick} `));
    expect(r.out).not.toContain('all match');
  });

  test('--dump buddyinfo prints the recorded session\'s final state', () => {
    const r = kmemscope(['replay', lecture.file, '--dump', 'buddyinfo']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(lecture.buddyinfo);
  });

  test('a file cut mid-line replays to the cut, with a warning naming the line', () => {
    const cutAt = 20; // 1-based line number of the line cut in half
    const f = variant((lines) => lines.slice(0, cutAt - 1).join('\n') + '\n' + lines[cutAt - 1].slice(0, 12));
    const r = kmemscope(['replay', f]);
    expect(r.code).toBe(0);
    oneLine(r.err);
    const kept = cutAt - 2;
    expect(r.err).toBe(`kmemscope: warning: ${f}:${cutAt}: cut off in the middle of an event; replaying the ${kept} events before it (to tick ${lecture.events[kept - 1].tick})\n`);
    expect(r.out).toMatch(new RegExp(`^${f}: replayed ${kept} events to tick \\d+ .*all match the recording\\n$`));
  });

  const notRecordings: [string, () => string, RegExp][] = [
    ['a scenario', () => join(import.meta.dirname, '..', 'scenarios', 'one-block.yaml'), /: not a kmemscope recording \(line 1 is not a recording header/],
    ['a missing file', () => join(DIR, 'no-such.jsonl'), /no-such\.jsonl: no such file$/m],
    ['an empty file', () => variant(() => ''), /: the file is empty, not a kmemscope recording$/m],
    ['a recording of another scenario format', () => variant(([h, ...rest]) => [JSON.stringify({...JSON.parse(h), scenario_format: 2}), ...rest].join('\n')), /: recorded by kmemscope \S+ with scenario format 2/],
  ];
  test.each(notRecordings)('%s is refused: exit 2, one line naming the file', (_, file, message) => {
    const f = file();
    const r = kmemscope(['replay', f]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    oneLine(r.err);
    expect(r.err.startsWith(`kmemscope: ${f}`)).toBe(true);
    expect(r.err).toMatch(message);
  });

  test.each([
    ['--seed', '3'],
    ['--slab', 'slab'],
  ])('%s is refused: a recording replays with its own seed', (flag, value) => {
    const r = kmemscope(['replay', lecture.file, flag, value]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    oneLine(r.err);
    expect(r.err).toBe(`kmemscope: replay does not take ${flag} (a recording replays with the seed and slab model it was made with)\n`);
  });
});

describe('kmemscope export', () => {
  let out: string;
  let run: ReturnType<typeof kmemscope>;
  beforeAll(() => {
    out = join(DIR, 'lecture.cast');
    run = kmemscope(['export', lecture.file, '--cast', out, '--cols', '100', '--rows', '30', '--speed', '2']);
  });

  test('writes an asciicast v2 file at the size asked, its times never going back', () => {
    expect(run.code).toBe(0);
    oneLine(run.err);
    expect(run.err).toMatch(new RegExp(`^kmemscope: wrote ${out}: \\d+ frames, .* at 100x30, 2 markers\\n$`));
    const cast = parseCast(readFileSync(out, 'utf8'));
    if (!cast.ok) throw new Error(`${out}:${cast.line}: ${cast.message}`);
    expect(cast.header).toMatchObject({version: 2, width: 100, height: 30});
    expect(cast.header.title).toContain('one-block');
    let last = 0;
    for (const [t] of cast.events) {
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
    }
    // The recording's length at twice the speed (times are rounded to microseconds).
    expect(last).toBeCloseTo((lecture.events.at(-1)?.ms ?? 0) / 1000 / 2, 5);
  });

  test('markers carry the recorded labels at the recorded times over the speed', () => {
    const cast = parseCast(readFileSync(out, 'utf8'));
    if (!cast.ok) throw new Error(cast.message);
    const got = cast.events.filter(([, code]) => code === 'm');
    const recorded = lecture.events.filter((e) => e.type === 'marker');
    expect(got.map(([, , label]) => label)).toEqual(['after the kmalloc', 'one tick on']);
    expect(got).toHaveLength(recorded.length);
    for (const [k, [t]] of got.entries()) expect(t).toBeCloseTo(recorded[k].ms / 1000 / 2, 5);
  });

  test('the last frame shows the recorded kcall', () => {
    const cast = parseCast(readFileSync(out, 'utf8'));
    if (!cast.ok) throw new Error(cast.message);
    const frames = cast.events.filter(([, code, data]) => code === 'o' && data.startsWith('\x1b[H'));
    expect(frames.length).toBeGreaterThan(2);
    const text = (frames.at(-1)?.[2] ?? '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    expect(text).toContain(`tick ${lecture.endTick}`);
    expect(text).toContain(KCALL);
    // It fits the size asked for.
    const rows = text.split('\r\n');
    expect(rows.length).toBeLessThanOrEqual(30);
    expect(Math.max(...rows.map((l) => [...l].length))).toBeLessThanOrEqual(100);
    expect(Math.max(...rows.map((l) => [...l].length))).toBeGreaterThan(90);
  });

  test('a second export to the same file is refused and leaves it as it was', () => {
    const before = readFileSync(out);
    const r = kmemscope(['export', lecture.file, '--cast', out]);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toBe(`kmemscope: ${out}: file exists\n`);
    expect(readFileSync(out).equals(before)).toBe(true);
  });

  test('--cols 40 and a missing --cast are refused', () => {
    const narrow = join(DIR, 'narrow.cast');
    const r = kmemscope(['export', lecture.file, '--cast', narrow, '--cols', '40']);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toContain('--cols 40');
    expect(r.err).toContain('80x24');
    expect(existsSync(narrow)).toBe(false);
    const none = kmemscope(['export', lecture.file]);
    expect(none.code).toBe(2);
    oneLine(none.err);
    expect(none.err).toBe('kmemscope: export needs --cast OUT.cast: the asciicast file to write\n');
  });

  test.skipIf(!hasAsciinema)(`asciinema cat accepts the export${hasAsciinema ? '' : ' (asciinema not installed)'}`, () => {
    // asciinema wants a terminal; script gives it one, and -e passes its exit status on.
    const r = spawnSync('script', ['-qec', `asciinema cat '${out}'`, '/dev/null'], {encoding: 'utf8', timeout: 30_000});
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kmemscope');
    expect(r.stdout).toContain('one-block');
    expect(r.stdout).toContain(KCALL);
  });
});

describe('--record', () => {
  test('with stdout not a terminal: exit 2, it needs a terminal, and no file', () => {
    const r = kmemscope(['one-block', '--record', 'X.jsonl'], DIR);
    expect(r.code).toBe(2);
    oneLine(r.err);
    expect(r.err).toBe('kmemscope: --record records the dashboard, which needs a terminal (stdout is not one)\n');
    expect(existsSync(join(DIR, 'X.jsonl'))).toBe(false);
  });

  test('run does not take it', () => {
    const r = kmemscope(['run', 'one-block', '--record', 'X.jsonl'], DIR);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe('kmemscope: run does not take --record\n');
    expect(existsSync(join(DIR, 'X.jsonl'))).toBe(false);
  });
});
