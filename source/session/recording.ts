// A recording of a dashboard session (issue 8): JSON lines, one header then one event a line, each written the
// moment it happens (one write per line), so a kill -9 loses at most the event in flight.
//
// The header holds what the run is a function of (DESIGN §3): the scenario's source, the seed, the slab model
// override, and the controller's state when recording began (its tick, its input log, the notes already shown),
// plus the view's state and the terminal size, which only the screen depends on. Events carry the tick they
// happened at and the milliseconds since recording began:
//   key     a key the session or the view acted on (keymap names: "n", "space", ":", "k", "enter"...)
//   kcall   a command-line kcall the keys ran, with its result (for the reader; a replay checks it)
//   speed   the speed the keys set (for the reader; a replay checks it)
//   note    a pausing note stopped the run (when, so a replay keeps the pace; a replay checks it)
//   resize  the terminal's new size
//   marker  the lecturer's m, with its label and the state hash there
//   hash    the state hash, each time the controller runs forward onto a multiple of HASH_EVERY ticks
//   end     a clean stop
// Speeds are ticks per second, "max" for flat out (JSON has no Infinity).
// A recording of live mode (header mode 'live') stores samples instead: ../live/live-recording.ts; the writer and
// the reading of lines are shared, and readers that pass 'any' get it back as a LiveReadResult.
import {closeSync, openSync, readFileSync, unlinkSync, writeSync} from 'node:fs';
import {formatScenarioError, SCENARIO_FORMAT} from '../scenario/load.js';
import {scenarioFromText} from './open-scenario.js';
import {Session} from './session.js';
import type {ContextName} from '../kernel/context.js';
import {CONTEXTS} from '../kernel/context.js';
import type {CommandResult, ControllerState, Input} from './controller.js';
import {liveEvent, type LiveEvent, liveHeader, type LiveRecording, type LiveRecordingEvent, type LiveRecordingHeader, SampleChain} from '../live/live-recording.js';

export const RECORDING_FORMAT = 1;
/** A state hash every this many ticks run forward. */
export const HASH_EVERY = 1000;

export type Speed = number | 'max';

export type RecordingStart = {
  tick: number;
  inputs: Input[];
  shown_notes: number[];
  speed: Speed;
  running: boolean;
  note: ControllerState['note'];
  command: CommandResult | null;
  /** The view's state (ui-state.ts UiState), opaque to the session. */
  ui: unknown;
};

export type RecordingHeader = {
  kmemscope: 'recording';
  format: number;
  scenario_format: number;
  version: string;
  created: string;
  scenario: {file: string; source: string};
  seed: number;
  slab: 'slub' | 'slab' | null;
  terminal: {cols: number; rows: number};
  start: RecordingStart;
};

type At = {ms: number; tick: number};
export type RecordingEvent =
  | (At & {type: 'key'; key: string})
  | (At & {type: 'kcall'; text: string; ok: boolean; output: string})
  | (At & {type: 'speed'; speed: Speed})
  | (At & {type: 'note'})
  | (At & {type: 'resize'; cols: number; rows: number})
  | (At & {type: 'marker'; label: string; hash: string})
  | (At & {type: 'hash'; hash: string})
  | (At & {type: 'end'});

export type Recording = {
  header: RecordingHeader;
  events: RecordingEvent[];
  /** Set when the file was cut or corrupt: one line naming where; the events before it are kept. */
  warning?: string;
  /** Whether the recording was closed cleanly (it ends with an end event). */
  ended: boolean;
};

export const speedToJson = (s: number): Speed => (s === Infinity ? 'max' : s);
export const speedFromJson = (s: Speed): number => (s === 'max' ? Infinity : s);

/** Appends a recording line by line. */
export class RecordingWriter {
  private fd: number | null;
  private lastMs = 0;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Create the file (an existing one is never overwritten) and write the header. Throws a one-line Error. */
  static open(path: string, header: RecordingHeader | LiveRecordingHeader): RecordingWriter {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      throw new Error(`${path}: ${fsReason(e)}`);
    }
    const w = new RecordingWriter(path, fd);
    try {
      w.line(header);
    } catch (e) {
      // A header cut short is no recording: leave no file behind to be refused as one, or to block a retry.
      w.abandon();
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
      throw e;
    }
    return w;
  }

  /** Close without an end event (the file could not be written). */
  abandon(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      closeSync(fd);
    } catch {
      // nothing more to lose
    }
  }

  get open(): boolean {
    return this.fd !== null;
  }

  write(ev: RecordingEvent | LiveRecordingEvent): void {
    // Times never go backwards in a file (the reader insists).
    this.lastMs = Math.max(this.lastMs, Math.round(ev.ms));
    this.line({...ev, ms: this.lastMs});
  }

  /** Write the end event and close (idempotent). */
  close(at: At | {ms: number; shown: number}): void {
    if (this.fd === null) return;
    try {
      this.write({type: 'end', ...at} as RecordingEvent | LiveRecordingEvent);
    } finally {
      this.abandon();
    }
  }

  private line(v: unknown): void {
    if (this.fd === null) return;
    const bytes = Buffer.from(JSON.stringify(v) + '\n', 'utf8');
    try {
      // writeSync may write less than asked (a pipe, a signal): the rest goes after it.
      for (let done = 0; done < bytes.length; ) done += writeSync(this.fd, bytes, done, bytes.length - done);
    } catch (e) {
      throw new Error(`${this.path}: ${fsReason(e)}`);
    }
  }
}

function fsReason(e: unknown, reading = false): string {
  const code = (e as NodeJS.ErrnoException).code;
  const reasons: Record<string, string> = {
    EEXIST: 'file exists (a recording is never overwritten: choose another name)',
    ENOENT: reading ? 'no such file' : 'no such directory',
    EACCES: 'permission denied',
    ENOSPC: 'no space left on the device',
    EISDIR: 'it is a directory',
  };
  return (code && reasons[code]) ?? (e instanceof Error ? e.message.split('\n')[0] : String(e));
}

// ---- reading ----------------------------------------------------------------------------------------------

export type ReadResult = {ok: true; mode?: 'emulator'; recording: Recording} | {ok: false; message: string};
/** A live recording (kmemscope live --record), read by callers that pass 'any'. */
export type LiveReadResult = {ok: true; mode: 'live'; recording: LiveRecording};
/** Which recordings a caller takes: the emulator's only (a live one is refused, saying what it is), or any. */
export type Accept = 'emulator' | 'any';

export function readRecording(path: string): ReadResult;
export function readRecording(path: string, accept: Accept): ReadResult | LiveReadResult;
export function readRecording(path: string, accept: Accept = 'emulator'): ReadResult | LiveReadResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return {ok: false, message: `${path}: ${fsReason(e, true)}`};
  }
  return parseRecording(path, text, accept);
}

/** Parse a recording's text. Refuses what is no recording (or one this version cannot replay exactly); a cut or corrupt line ends the events with a warning. */
export function parseRecording(path: string, text: string): ReadResult;
export function parseRecording(path: string, text: string, accept: Accept): ReadResult | LiveReadResult;
export function parseRecording(path: string, text: string, accept: Accept = 'emulator'): ReadResult | LiveReadResult {
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  if (text.trim() === '') return {ok: false, message: `${path}: the file is empty, not a kmemscope recording`};
  let raw: unknown;
  try {
    raw = JSON.parse(first);
  } catch {
    raw = undefined;
  }
  if (raw === undefined && lines.length === 1 && /^\{"kmemscope":"recording"/.test(first)) {
    return {ok: false, message: `${path}: a kmemscope recording cut off in its header (line 1): nothing in it can be replayed`};
  }
  if (!isObject(raw) || raw.kmemscope !== 'recording') {
    return {ok: false, message: `${path}: not a kmemscope recording (line 1 is not a recording header; record one with kmemscope --record FILE)`};
  }
  if (raw.format !== RECORDING_FORMAT) {
    return {ok: false, message: `${path}: a recording in format ${JSON.stringify(raw.format)}; this kmemscope reads format ${RECORDING_FORMAT}`};
  }
  if (raw.mode === 'live') {
    if (accept === 'any') return parseLive(path, lines, raw);
    return {ok: false, message: `${path}: a recording of live mode (kmemscope live --record), not of a scenario`};
  }
  if (raw.scenario_format !== SCENARIO_FORMAT) {
    const by = typeof raw.version === 'string' ? ` by kmemscope ${raw.version}` : '';
    return {
      ok: false,
      message: `${path}: recorded${by} with scenario format ${JSON.stringify(raw.scenario_format)}; this kmemscope reads scenario format ${SCENARIO_FORMAT}, so it cannot replay it exactly`,
    };
  }
  const bad = headerProblem(raw);
  if (bad) return {ok: false, message: `${path}:1: a recording header, but ${bad}`};
  const header = raw as unknown as RecordingHeader;
  let lastMs = 0;
  let lastTick = header.start.tick;
  const read = readEvents<RecordingEvent>(path, lines, (ev) => {
    const problem = eventProblem(ev, lastMs);
    if (problem) return {problem};
    const e = ev as RecordingEvent;
    lastMs = e.ms;
    lastTick = e.tick;
    return {event: e};
  }, () => `to tick ${lastTick}`);
  return {ok: true, recording: {header, ...read}};
}

/** A live recording's text (its header line already parsed): its header and its events, samples decoded. */
function parseLive(path: string, lines: string[], raw: Record<string, unknown>): LiveReadResult | {ok: false; message: string} {
  const h = liveHeader(raw);
  if (!h.ok) return {ok: false, message: `${path}:1: a live recording header, but ${h.problem}`};
  let lastMs = 0;
  const chain = new SampleChain(h.start.samples.at(-1) ?? null);
  const read = readEvents<LiveEvent>(path, lines, (ev) => {
    const r = liveEvent(ev, lastMs, chain);
    if ('event' in r) lastMs = r.event.ms;
    return r;
  }, () => (chain.last ? `to sample ${chain.last.seq}` : 'before the first sample'));
  return {ok: true, mode: 'live', recording: {header: h.header, start: h.start, ...read}};
}

/**
 * The events after the header, one a line, each checked (and taken) by `take`: up to the end event, or up to the
 * first bad line, with a warning that names it and says how far the events before it go (`reach`).
 */
function readEvents<E extends {type: string}>(
  path: string,
  lines: readonly string[],
  take: (ev: unknown) => {event: E} | {problem: string},
  reach: () => string,
): {events: E[]; ended: boolean; warning?: string} {
  const events: E[] = [];
  let warning: string | undefined;
  let ended = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const cutOff = i === lines.length - 1; // no newline after it: the writer was stopped mid-line
    // Blank lines at the end (an editor's extra newline) are nothing; one in the middle is damage.
    if (line.trim() === '' && lines.slice(i).every((l) => l.trim() === '')) break;
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch {
      ev = undefined;
    }
    const r = line.trim() === '' ? {problem: 'an empty line, expected an event'} : ev === undefined ? {problem: cutOff ? 'cut off in the middle of an event' : 'not JSON'} : take(ev);
    if ('problem' in r) {
      warning = `${path}:${i + 1}: ${r.problem}; replaying the ${events.length} event${events.length === 1 ? '' : 's'} before it (${reach()})`;
      break;
    }
    events.push(r.event);
    if (r.event.type === 'end') {
      ended = true;
      const after = lines.findIndex((l, k) => k > i && l.trim() !== '');
      if (after >= 0) warning = `${path}:${after + 1}: lines after the end of the recording are ignored`;
      break;
    }
  }
  return {events, ended, ...(warning ? {warning} : {})};
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isSpeed = (v: unknown): boolean => v === 'max' || (typeof v === 'number' && v > 0 && Number.isFinite(v));
const isInput = (v: unknown): boolean =>
  isObject(v) && isCount(v.tick) && isCount(v.cpu) && CONTEXTS.includes(v.context as ContextName) && typeof v.text === 'string';
const isNote = (v: unknown): boolean => v === null || (isObject(v) && isCount(v.tick) && typeof v.text === 'string');
const isCommand = (v: unknown): boolean => v === null || (isObject(v) && typeof v.text === 'string' && typeof v.ok === 'boolean' && typeof v.output === 'string');
const isHash = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{16}$/.test(v);

/** What is wrong with a header, or undefined. */
function headerProblem(h: Record<string, unknown>): string | undefined {
  const sc = h.scenario;
  if (!isObject(sc) || typeof sc.file !== 'string' || typeof sc.source !== 'string') return 'its scenario (file and source) is missing';
  if (!isCount(h.seed)) return 'its seed is missing or not a whole number';
  if (h.slab !== null && h.slab !== 'slub' && h.slab !== 'slab') return 'its slab model is not slub, slab or null';
  const t = h.terminal;
  if (!isObject(t) || !isCount(t.cols) || !isCount(t.rows) || t.cols === 0 || t.rows === 0) return 'its terminal size is missing';
  const s = h.start;
  if (!isObject(s)) return 'its start state is missing';
  if (!isCount(s.tick)) return 'its start tick is missing';
  if (!Array.isArray(s.inputs) || !s.inputs.every(isInput)) return 'its start inputs are not a list of {tick, cpu, context, text}';
  if (!Array.isArray(s.shown_notes) || !s.shown_notes.every(isCount)) return 'its start shown_notes is not a list of ticks';
  if (!isSpeed(s.speed)) return 'its start speed is not ticks per second or "max"';
  if (typeof s.running !== 'boolean') return 'its start running flag is missing';
  if (!isNote(s.note)) return 'its start note is not {tick, text} or null';
  if (!isCommand(s.command)) return 'its start command is not {text, ok, output} or null';
  return undefined;
}

/** What is wrong with an event line, or undefined. */
function eventProblem(e: unknown, lastMs: number): string | undefined {
  if (!isObject(e)) return 'not a recording event (expected a JSON object)';
  if (typeof e.ms !== 'number' || !Number.isFinite(e.ms) || e.ms < 0) return 'an event without a time (ms)';
  if (e.ms < lastMs) return `time goes backwards (${e.ms} ms after ${lastMs} ms)`;
  if (!isCount(e.tick)) return 'an event without a tick';
  switch (e.type) {
    case 'key':
      return typeof e.key === 'string' && e.key !== '' ? undefined : 'a key event without its key';
    case 'kcall':
      return isCommand(e) ? undefined : 'a kcall event without its text, ok and output';
    case 'speed':
      return isSpeed(e.speed) ? undefined : 'a speed event without ticks per second or "max"';
    case 'resize':
      return isCount(e.cols) && isCount(e.rows) && e.cols > 0 && e.rows > 0 ? undefined : 'a resize event without its size';
    case 'marker':
      return typeof e.label === 'string' && isHash(e.hash) ? undefined : 'a marker without its label or hash';
    case 'hash':
      return isHash(e.hash) ? undefined : 'a hash event without its 16-digit hash';
    case 'note':
    case 'end':
      return undefined;
    default:
      return `an event of unknown type ${JSON.stringify(e.type)} (expected key, kcall, speed, note, resize, marker, hash or end)`;
  }
}

/**
 * A recording and a fresh session of its scenario, ready to replay: the scenario comes from the recording's own
 * copy of its source, with the seed and slab model it was recorded with.
 */
export function openRecording(path: string): {ok: true; recording: Recording; session: Session} | {ok: false; message: string};
export function openRecording(path: string, accept: Accept): {ok: true; mode?: 'emulator'; recording: Recording; session: Session} | LiveReadResult | {ok: false; message: string};
export function openRecording(path: string, accept: Accept = 'emulator'): {ok: true; recording: Recording; session: Session} | LiveReadResult | {ok: false; message: string} {
  const r = readRecording(path, accept);
  if (!r.ok || r.mode === 'live') return r;
  const h = r.recording.header;
  const sc = scenarioFromText(h.scenario.file, h.scenario.source);
  if (!sc.ok) return {ok: false, message: `${path}: its scenario does not load: ${formatScenarioError(sc.error)}`};
  if (h.slab !== null) sc.scenario.machine = {...sc.scenario.machine, slab: h.slab};
  const s = Session.create(sc.scenario, h.seed);
  if (!s.ok) return {ok: false, message: `${path}: its scenario does not load: ${formatScenarioError(s.error)}`};
  return {ok: true, recording: r.recording, session: s.session};
}
