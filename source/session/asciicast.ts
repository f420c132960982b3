// asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): what the screen showed, as newline-delimited JSON
// that `asciinema play` and the web player replay. Line 1 is a header object; every further line is one event
// [seconds, code, data]: "o" output, "m" marker, "r" resize ("COLSxROWS"), "i" input.
// The writer appends one line per event with writeSync, so a kill -9 loses at most the event being written, and a
// file cut anywhere still parses up to the cut (parseCast names the broken line).
import {closeSync, openSync, unlinkSync, writeSync} from 'node:fs';

export type CastHeader = {width: number; height: number; timestamp: number; title: string};
type CastEvent = [number, string, string];

/** What a terminal recorder records, for the frames we emit (Ink draws with SGR colours). */
const CAST_ENV = {TERM: 'xterm-256color'};
const CODES = new Set(['o', 'm', 'r', 'i']);
const RESIZE = /^\d+x\d+$/;
// A surrogate half without its partner cannot be encoded as UTF-8: asciinema (Python) dies printing one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const BARE_LF = /(?<!\r)\n/g;

/** Writes a .cast file line by line as events happen (fs.writeSync on an fd: a kill -9 loses at most one event). */
export class CastWriter {
  private fd: number | undefined;
  private last = 0;
  /** The previous output chunk ended in '\r': a '\n' opening the next one already has its CR. */
  private pendingCR = false;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Create the file ('wx': an existing file is never overwritten) and write the header at once. Every failure is an
   *  Error with a one-line message naming the path, e.g. "lecture.cast: file exists". */
  static open(path: string, header: CastHeader): CastWriter {
    const bad = headerProblem(header);
    if (bad) throw new Error(`${path}: ${bad}`);
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      throw new Error(`${path}: ${reason(e)}`);
    }
    const w = new CastWriter(path, fd);
    const {width, height, timestamp, title} = header;
    try {
      w.writeLine(JSON.stringify({version: 2, width, height, timestamp, title, env: CAST_ENV}));
    } catch (e) {
      // We created the file and it holds no complete header: leave nothing that would block a retry with "file exists".
      try {
        unlinkSync(path);
      } catch {
        // the header error is the one worth reporting
      }
      throw e;
    }
    return w;
  }

  /** Output at `time` seconds since the start. A '\n' not preceded by '\r' becomes '\r\n', as a pty's onlcr would
   *  have written it (the players treat a bare LF as a line feed only), also across chunk boundaries. */
  output(time: number, data: string): void {
    if (data === '') return;
    let out = data.replace(BARE_LF, '\r\n');
    if (this.pendingCR && data.startsWith('\n')) out = out.slice(1); // the '\r' went out with the previous chunk
    this.event(time, 'o', out.replace(LONE_SURROGATE, '\uFFFD'));
    this.pendingCR = data.endsWith('\r');
  }

  marker(time: number, label: string): void {
    this.event(time, 'm', label.replace(LONE_SURROGATE, '\uFFFD'));
  }

  resize(time: number, cols: number, rows: number): void {
    if (!isPositiveInt(cols) || !isPositiveInt(rows)) throw new Error(`${this.path}: resize to ${cols}x${rows}: not a terminal size`);
    this.event(time, 'r', `${cols}x${rows}`);
  }

  /** Idempotent. A failure to close (rare: the data is already written) is reported like a write error. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch (e) {
      throw new Error(`${this.path}: ${reason(e)}`);
    }
  }

  /** Times never go backwards: a smaller one is written as the last one (clamped), never out of order. */
  private event(time: number, code: string, data: string): void {
    if (!Number.isFinite(time)) throw new Error(`${this.path}: event time ${time} is not a number of seconds`);
    // Round first, then clamp: the written times are what must not decrease.
    const t = Math.max(this.last, Number(time.toFixed(6)));
    this.writeLine(JSON.stringify([t, code, data]));
    this.last = t;
  }

  private writeLine(line: string): void {
    if (this.fd === undefined) throw new Error(`${this.path}: the cast is closed`);
    const buf = Buffer.from(line + '\n', 'utf8');
    try {
      for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off, buf.length - off);
    } catch (e) {
      // A failed write (ENOSPC, EIO) leaves at most a cut line, which parseCast reports; later events would only pile
      // up behind it, so the writer stops here.
      const fd = this.fd;
      this.fd = undefined;
      try {
        closeSync(fd);
      } catch {
        // the write error is the one worth reporting
      }
      throw new Error(`${this.path}: ${reason(e)}`);
    }
  }
}

/**
 * A whole frame (lines of text with ANSI styles, as Ink renders it) as output that redraws the screen from the
 * top-left: cursor home; each line erased (EL 2) and then written; CRLF between lines; on the last line, everything
 * from its start down (ED 0) is erased before it is written, which clears what a taller previous frame left below.
 *
 * The erases come before the text, not after it: a line as wide as the terminal leaves the cursor on its last column
 * with a wrap pending, and there xterm (and xterm.js, mintty) makes EL/ED erase that last character, so an
 * "erase to end of line" after each line would eat the right border of every full-width box. VTE, Konsole, tmux
 * and asciinema's own emulator would not; erasing first draws the same screen on all of them. One trailing '\n'
 * (Ink adds one outside full-screen mode) is not a line of its own.
 */
export function frameOutput(frame: string): string {
  const lines = (frame.endsWith('\n') ? frame.slice(0, -1) : frame).split(/\r?\n/);
  const last = lines.length - 1;
  return '\x1b[H' + lines.map((l, i) => (i === last ? '\x1b[J' : '\x1b[2K') + l).join('\r\n');
}

type ParseResult = {ok: true; header: CastHeader & Record<string, unknown>; events: CastEvent[]} | {ok: false; line: number; message: string};

/**
 * Strict parse of asciicast v2 text, for tests and for the export command's self-check. The header must carry
 * version 2, width and height, and (as kmemscope always writes them) timestamp and title; known optional fields must
 * have their types. Every event line must be [number >= 0, "o"|"m"|"r"|"i", string] with times non-decreasing and
 * "r" data "COLSxROWS". A missing final newline is accepted; an empty line is not. Errors name the 1-based line.
 */
export function parseCast(text: string): ParseResult {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) return {ok: false, line: 1, message: 'empty file: no asciicast header'};
  const fail = (i: number, message: string): ParseResult => ({ok: false, line: i + 1, message});

  let header: unknown;
  try {
    header = JSON.parse(lines[0]);
  } catch {
    if (isV1(text)) return fail(0, 'asciicast v1 (one JSON document), expected v2');
    return fail(0, 'not an asciicast v2 header: not a JSON object');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return fail(0, 'not an asciicast v2 header: not a JSON object');
  const h = header as Record<string, unknown>;
  if (h.version !== 2) {
    if (h.version === 1) return fail(0, 'asciicast v1, expected v2');
    return fail(0, `unsupported asciicast version ${JSON.stringify(h.version ?? null)}, expected 2`);
  }
  const bad = headerProblem(h);
  if (bad) return fail(0, bad);

  const events: CastEvent[] = [];
  let last = 0;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') return fail(i, 'empty line');
    let e: unknown;
    try {
      e = JSON.parse(lines[i]);
    } catch {
      return fail(i, i === lines.length - 1 && !text.endsWith('\n') ? 'not a JSON event (the file is cut in this line)' : 'not a JSON event');
    }
    if (!Array.isArray(e) || e.length !== 3) return fail(i, 'an event is a 3-element array [time, code, data]');
    const [t, code, data] = e as unknown[];
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) return fail(i, `event time ${JSON.stringify(t)} is not a number of seconds >= 0`);
    if (typeof code !== 'string' || !CODES.has(code)) return fail(i, `event code ${JSON.stringify(code)}, expected "o", "m", "r" or "i"`);
    if (typeof data !== 'string') return fail(i, 'event data is not a string');
    if (t < last) return fail(i, `time ${t} goes back before ${last}`);
    if (code === 'r' && !RESIZE.test(data)) return fail(i, `resize data ${JSON.stringify(data)}, expected COLSxROWS`);
    events.push([t, code, data]);
    last = t;
  }
  return {ok: true, header: h as CastHeader & Record<string, unknown>, events};
}

/** What is wrong with a header's fields, or undefined. `version` is checked by the caller. */
function headerProblem(h: Record<string, unknown>): string | undefined {
  for (const k of ['width', 'height'] as const) if (!isPositiveInt(h[k])) return `header "${k}" ${JSON.stringify(h[k] ?? null)} is not a positive integer`;
  if (!Number.isInteger(h.timestamp) || (h.timestamp as number) < 0) return `header "timestamp" ${JSON.stringify(h.timestamp ?? null)} is not unix seconds (an integer)`;
  if (typeof h.title !== 'string') return 'header "title" is not a string';
  for (const k of ['duration', 'idle_time_limit'] as const) {
    if (k in h && (typeof h[k] !== 'number' || !((h[k] as number) >= 0))) return `header "${k}" is not a number of seconds`;
  }
  if ('command' in h && typeof h.command !== 'string') return 'header "command" is not a string';
  if ('env' in h) {
    const env = h.env;
    if (typeof env !== 'object' || env === null || Array.isArray(env) || Object.values(env).some((v) => typeof v !== 'string')) {
      return 'header "env" is not an object of strings';
    }
  }
  return undefined;
}

function isPositiveInt(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) > 0;
}

/** asciicast v1: one (usually pretty-printed) JSON object with version 1 and a "stdout" array. */
function isV1(text: string): boolean {
  try {
    const doc = JSON.parse(text) as unknown;
    return typeof doc === 'object' && doc !== null && (doc as Record<string, unknown>).version === 1;
  } catch {
    return false;
  }
}

/** A file-system error as one line: "file exists", "no such directory", ... */
function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const known: Record<string, string> = {
    EEXIST: 'file exists',
    ENOENT: 'no such directory',
    ENOTDIR: 'a parent is not a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EISDIR: 'is a directory',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EFBIG: 'file too large',
    EIO: 'input/output error',
  };
  if (code && known[code]) return known[code];
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}
