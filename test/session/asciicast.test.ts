// The asciicast v2 writer and checker: what lands in the file line by line, what parseCast accepts and refuses,
// the frame redraw bytes, and (where it is installed) asciinema itself reading what we wrote.
import {execFileSync, spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, test, vi} from 'vitest';
import {CastWriter, frameOutput, parseCast} from '../../source/session/asciicast.js';

// The real node:fs, except that a test can make the next writes fail as a full disk would.
const disk = vi.hoisted(() => ({full: false}));
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const writeSync = ((...args: Parameters<typeof real.writeSync>) => {
    if (disk.full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'});
    return (real.writeSync as (...a: unknown[]) => number)(...args);
  }) as typeof real.writeSync;
  return {...real, default: {...real, writeSync}, writeSync};
});

const DIR = fs.mkdtempSync(join(tmpdir(), 'kmemscope-cast-'));
afterAll(() => fs.rmSync(DIR, {recursive: true, force: true}));
let n = 0;
const fresh = () => join(DIR, `t${++n}.cast`);
const HEADER = {width: 80, height: 24, timestamp: 1_700_000_000, title: 'kmemscope: tour'};

/** Write a cast with `fill`, close it, and give back the file's text. */
function cast(fill: (w: CastWriter) => void, header = HEADER): {path: string; text: string} {
  const w = CastWriter.open(fresh(), header);
  fill(w);
  w.close();
  return {path: w.path, text: fs.readFileSync(w.path, 'utf8')};
}

function parsed(text: string) {
  const r = parseCast(text);
  if (!r.ok) throw new Error(`line ${r.line}: ${r.message}`);
  return r;
}

describe('CastWriter', () => {
  test('header, output, marker and resize round-trip through parseCast', () => {
    const {text} = cast((w) => {
      w.output(0, '\x1b[1;31mbuddy\x1b[0m');
      w.marker(0.25, 'slab shrink');
      w.resize(0.5, 100, 30);
      w.output(1.5, 'ü €');
      w.marker(2, '');
    });
    const r = parsed(text);
    expect(r.header).toEqual({version: 2, ...HEADER, env: {TERM: 'xterm-256color'}});
    expect(r.events).toEqual([
      [0, 'o', '\x1b[1;31mbuddy\x1b[0m'],
      [0.25, 'm', 'slab shrink'],
      [0.5, 'r', '100x30'],
      [1.5, 'o', 'ü €'],
      [2, 'm', ''],
    ]);
    // One JSON value per line, the header first, and a newline after every line.
    expect(text.split('\n')).toHaveLength(7);
    expect(text.endsWith('\n')).toBe(true);
  });

  test('a bare LF becomes CRLF, an existing CRLF stays, also when the CR ends one chunk and the LF opens the next', () => {
    const out = (chunks: string[]) =>
      parsed(cast((w) => chunks.forEach((c, i) => w.output(i, c))).text).events.map((e) => e[2]);
    expect(out(['a\nb\r\nc\n\nd'])).toEqual(['a\r\nb\r\nc\r\n\r\nd']);
    expect(out(['x\r', '\ny'])).toEqual(['x\r', '\ny']);
    expect(out(['x', '\ny'])).toEqual(['x', '\r\ny']);
    expect(out(['x\r', '\n\n'])).toEqual(['x\r', '\n\r\n']);
    // The CR already went to the terminal: a marker in between does not undo it, and an empty chunk writes nothing.
    const events = parsed(
      cast((w) => {
        w.output(0, 'x\r');
        w.marker(1, 'm');
        w.output(2, '');
        w.output(3, '\nz\r');
        w.output(4, 'y\n');
      }).text,
    ).events;
    expect(events).toEqual([
      [0, 'o', 'x\r'],
      [1, 'm', 'm'],
      [3, 'o', '\nz\r'],
      [4, 'o', 'y\r\n'],
    ]);
  });

  test('times are rounded to 6 decimals and never go backwards: a smaller one is written as the last one', () => {
    const {text} = cast((w) => {
      w.output(-1, 'a');
      w.output(1.23456789, 'b');
      w.marker(0.5, 'late');
      w.output(1.2345674, 'c');
      w.resize(3, 90, 20);
      w.output(2, 'd');
    });
    expect(parsed(text).events.map((e) => e[0])).toEqual([0, 1.234568, 1.234568, 1.234568, 3, 3]);
    for (const line of text.trim().split('\n').slice(1)) expect(line).toMatch(/^\[\d+(\.\d{1,6})?,/);
    const w = CastWriter.open(fresh(), HEADER);
    expect(() => w.output(Number.NaN, 'x')).toThrow(/not a number of seconds/);
    w.close();
  });

  test('open refuses an existing file and leaves it untouched, with a one-line message naming the path', () => {
    const path = fresh();
    fs.writeFileSync(path, 'the lecture from last year\n');
    expect(() => CastWriter.open(path, HEADER)).toThrow(new Error(`${path}: file exists`));
    expect(fs.readFileSync(path, 'utf8')).toBe('the lecture from last year\n');
  });

  test('open names a missing directory, a path through a file, and a bad header in one line', () => {
    const missing = join(DIR, 'no-such-dir', 'a.cast');
    expect(() => CastWriter.open(missing, HEADER)).toThrow(new Error(`${missing}: no such directory`));
    const file = fresh();
    fs.writeFileSync(file, '');
    expect(() => CastWriter.open(join(file, 'a.cast'), HEADER)).toThrow(new Error(`${join(file, 'a.cast')}: a parent is not a directory`));
    const p = fresh();
    expect(() => CastWriter.open(p, {...HEADER, width: 0})).toThrow(new Error(`${p}: header "width" 0 is not a positive integer`));
    expect(() => CastWriter.open(p, {...HEADER, timestamp: 1.5})).toThrow(/header "timestamp" 1.5 is not unix seconds/);
    expect(fs.existsSync(p)).toBe(false);
  });

  test('a full disk is one line naming the path; the writer stops, and a full disk at open leaves no empty file', () => {
    const w = CastWriter.open(fresh(), HEADER);
    w.output(0, 'kept');
    disk.full = true;
    try {
      expect(() => w.output(1, 'lost')).toThrow(new Error(`${w.path}: no space left on device`));
    } finally {
      disk.full = false;
    }
    expect(() => w.output(2, 'after')).toThrow(new Error(`${w.path}: the cast is closed`));
    w.close();
    expect(parsed(fs.readFileSync(w.path, 'utf8')).events).toEqual([[0, 'o', 'kept']]);

    const p = fresh();
    disk.full = true;
    try {
      expect(() => CastWriter.open(p, HEADER)).toThrow(new Error(`${p}: no space left on device`));
    } finally {
      disk.full = false;
    }
    expect(fs.existsSync(p)).toBe(false); // a retry is not refused with "file exists"
  });

  test('close is idempotent, and writing after it is an error, not a silent loss', () => {
    const w = CastWriter.open(fresh(), HEADER);
    w.output(0, 'x');
    w.close();
    w.close();
    expect(() => w.marker(1, 'm')).toThrow(new Error(`${w.path}: the cast is closed`));
    expect(parsed(fs.readFileSync(w.path, 'utf8')).events).toHaveLength(1);
  });

  test('each event is on disk as soon as it is written, before close (a kill -9 loses at most one)', () => {
    const w = CastWriter.open(fresh(), HEADER);
    expect(parsed(fs.readFileSync(w.path, 'utf8')).events).toEqual([]);
    w.output(0, 'one');
    w.marker(1, 'two');
    expect(parsed(fs.readFileSync(w.path, 'utf8')).events).toEqual([
      [0, 'o', 'one'],
      [1, 'm', 'two'],
    ]);
    w.close();
  });

  test('a lone UTF-16 surrogate (a chunk cut inside a character) is written as U+FFFD, which asciinema can print', () => {
    const {text} = cast((w) => {
      w.output(0, 'ok 🐧');
      w.output(1, 'a\uD83D');
      w.marker(2, '\uDC27b');
    });
    expect(parsed(text).events.map((e) => e[2])).toEqual(['ok 🐧', 'a\uFFFD', '\uFFFDb']);
  });
});

describe('parseCast', () => {
  const good = () =>
    cast((w) => {
      w.output(0, frameOutput('line one\nline two'));
      w.marker(0.5, 'here');
      w.output(1, 'more\n');
      w.resize(1.25, 120, 40);
      w.output(2, 'end');
    }).text;

  test('a file cut in the middle of a line fails naming that line; cut at a line end it parses up to the cut', () => {
    const text = good();
    const lines = text.split('\n');
    const cutInLine4 = lines.slice(0, 3).join('\n') + '\n' + lines[3].slice(0, 7);
    expect(parseCast(cutInLine4)).toEqual({ok: false, line: 4, message: 'not a JSON event (the file is cut in this line)'});
    const cutInHeader = text.slice(0, 20);
    expect(parseCast(cutInHeader)).toMatchObject({ok: false, line: 1});
    const cutAtLine4 = lines.slice(0, 4).join('\n') + '\n';
    expect(parsed(cutAtLine4).events).toHaveLength(3);
  });

  test('it refuses an asciicast v1 file, in either layout', () => {
    const v1 = {version: 1, width: 80, height: 24, duration: 1.5, command: '/bin/sh', title: '', env: {}, stdout: [[0.5, 'hi']]};
    expect(parseCast(JSON.stringify(v1, null, 2))).toEqual({ok: false, line: 1, message: 'asciicast v1 (one JSON document), expected v2'});
    expect(parseCast(JSON.stringify(v1) + '\n')).toEqual({ok: false, line: 1, message: 'asciicast v1, expected v2'});
  });

  test('it refuses junk and names the line', () => {
    const header = good().split('\n')[0];
    const withEvent = (e: string, before = '') => `${header}\n${before}${e}\n`;
    const cases: [string, number, RegExp][] = [
      ['', 1, /empty file/],
      ['hello, world\n', 1, /not a JSON object/],
      ['[1, "o", "x"]\n', 1, /not a JSON object/],
      ['{"version": 3, "term": {"cols": 80, "rows": 24}}\n', 1, /unsupported asciicast version 3/],
      ['{"version": 2, "width": 80, "timestamp": 1, "title": ""}\n', 1, /"height" null is not a positive integer/],
      ['{"version": 2, "width": 80, "height": 24, "timestamp": 1, "title": 7}\n', 1, /"title" is not a string/],
      ['{"version": 2, "width": 80, "height": 24, "timestamp": 1, "title": "", "env": {"TERM": 1}}\n', 1, /"env"/],
      [withEvent('[0, "o"]'), 2, /3-element array/],
      [withEvent('{"t": 0}'), 2, /3-element array/],
      [withEvent('["0", "o", "x"]'), 2, /time "0"/],
      [withEvent('[-1, "o", "x"]'), 2, /time -1/],
      [withEvent('[0, "x", "x"]'), 2, /code "x"/],
      [withEvent('[0, "o", 5]'), 2, /data is not a string/],
      [withEvent('[1, "r", "80 by 24"]'), 2, /resize data/],
      [withEvent('[1, "o", "b"]', '[2, "o", "a"]\n'), 3, /time 1 goes back before 2/],
      [withEvent('[1, "o", "b"]', '\n'), 2, /empty line/],
      [withEvent('[0, "o", "x"] trailing'), 2, /not a JSON event$/],
    ];
    for (const [text, line, message] of cases) {
      const r = parseCast(text);
      expect(r.ok, text).toBe(false);
      if (r.ok) continue;
      expect(r.line, text).toBe(line);
      expect(r.message, text).toMatch(message);
      expect(r.message).not.toContain('\n');
    }
  });

  test('it accepts a CRLF file and a header with the optional fields asciinema writes', () => {
    const text =
      '{"version": 2, "width": 80, "height": 24, "timestamp": 1504467315, "title": "Demo", "duration": 6.5, "idle_time_limit": 2, "command": "/bin/zsh", "env": {"TERM": "xterm-256color", "SHELL": "/bin/zsh"}}\r\n' +
      '[0.248848, "o", "\\u001b[1;31mHello\\u001b[0m\\n"]\r\n[1.5, "m", ""]\r\n[1.5, "i", "q"]\r\n';
    const r = parsed(text);
    expect(r.header.command).toBe('/bin/zsh');
    expect(r.events).toEqual([
      [0.248848, 'o', '\x1b[1;31mHello\x1b[0m\n'],
      [1.5, 'm', ''],
      [1.5, 'i', 'q'],
    ]);
  });
});

describe('frameOutput', () => {
  test('a 3-line frame: home, each line erased then written, CRLF between, everything below erased with the last', () => {
    const frame = '┌ buddy ┐\n\x1b[32m│ 4 2 1 │\x1b[39m\n└───────┘';
    expect(frameOutput(frame)).toBe(
      '\x1b[H' + '\x1b[2K┌ buddy ┐' + '\r\n' + '\x1b[2K\x1b[32m│ 4 2 1 │\x1b[39m' + '\r\n' + '\x1b[J└───────┘',
    );
  });

  test("Ink's trailing newline is not a line of its own; a one-line frame erases from its line down", () => {
    expect(frameOutput('a\nb\n')).toBe(frameOutput('a\nb'));
    expect(frameOutput('only')).toBe('\x1b[H\x1b[Jonly');
    expect(frameOutput('')).toBe('\x1b[H\x1b[J');
  });

  test('written through CastWriter, a frame keeps its CRLFs as they are', () => {
    const f = frameOutput('a\nb\nc');
    expect(parsed(cast((w) => w.output(0, f)).text).events[0][2]).toBe(f);
  });
});

const HAS_ASCIINEMA = spawnSync('which', ['asciinema']).status === 0 && spawnSync('which', ['script']).status === 0;
const ASCIINEMA = HAS_ASCIINEMA ? '' : ' (asciinema not installed)';

/** asciinema wants a terminal: run it under script(1), which gives it a pty; -e passes its exit status on. */
function underPty(command: string): string {
  return execFileSync('script', ['-qec', command, '/dev/null'], {encoding: 'utf8', timeout: 20_000, stdio: ['pipe', 'pipe', 'pipe']});
}

describe('asciinema reads what we write', () => {
  const lecture = () =>
    cast((w) => {
      w.output(0, frameOutput('zone DMA32 free pages\norder 3: 12 blocks'));
      w.marker(0.5, 'before the burst');
      w.output(1, frameOutput('zone DMA32 free pages\norder 3: 7 blocks\n'));
      w.resize(1.5, 100, 30);
      w.output(2, 'x\r');
      w.output(2.5, '\ngoodbye\n');
    }, {width: 60, height: 10, timestamp: 1_700_000_000, title: 'kmemscope lecture'});

  test.skipIf(!HAS_ASCIINEMA)(`asciinema cat prints every output event, exit status 0${ASCIINEMA}`, () => {
    const {path} = lecture();
    const out = underPty(`asciinema cat '${path}'`);
    for (const s of ['order 3: 12 blocks', 'order 3: 7 blocks', 'goodbye']) expect(out).toContain(s);
    // The control: a file cut inside an event is refused (asciinema exits 1), so the check above can fail.
    const cut = fresh();
    fs.writeFileSync(cut, fs.readFileSync(path, 'utf8').slice(0, -10));
    expect(() => underPty(`asciinema cat '${cut}'`)).toThrow();
  });

  test.skipIf(!HAS_ASCIINEMA)(`asciinema play -i 0.01 plays it headless to the end${ASCIINEMA}`, () => {
    // play swallows a parse error and exits 0 with nothing shown, so the text is what tells it played.
    const {path} = lecture();
    const out = underPty(`asciinema play -i 0.01 '${path}'`);
    for (const s of ['order 3: 12 blocks', 'order 3: 7 blocks', 'goodbye']) expect(out).toContain(s);
  });
});
