// What both recorders share, the dashboard's (recorder.ts) and live mode's (live/live-recorder.ts): the file with
// its numbered names, the header badge "● REC file" and the notices, r and m, the keys and resizes, and a failed
// write that stops the recording instead of the lecture. What a recording starts from and hooks into is their own.
import {existsSync} from 'node:fs';
import type {LiveRecordingEvent, LiveRecordingHeader} from '../live/live-recording.js';
import {type RecordingEvent, type RecordingHeader, RecordingWriter} from './recording.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event as a recorder writes it (the writer adds its time). */
export type RecorderEvent = DistributiveOmit<Exclude<RecordingEvent | LiveRecordingEvent, {type: 'end'}>, 'ms'>;

export type RecorderStatus = {readonly badge: string | null; readonly notice: {readonly text: string; readonly tone: 'ok' | 'warn' | 'bad'} | null};

export type RecorderBaseOptions = {
  /** Milliseconds, from any origin (performance.now()). */
  readonly now: () => number;
  /** The wall-clock date, for the header and for a file name of its own. */
  readonly date: () => Date;
  readonly size: () => {readonly cols: number; readonly rows: number};
  /** The view's state, stored in the header so a replay starts with the same focus, sort and filter. */
  readonly view: () => unknown;
  /** --record FILE: the first recording's file (later ones get -2, -3... before the extension). */
  readonly file?: string;
};

export abstract class RecorderBase<O extends RecorderBaseOptions> {
  protected writer: RecordingWriter | null = null;
  private started = 0;
  protected events = 0;
  protected markers = 0;
  private recordings = 0;
  private status: RecorderStatus = {badge: null, notice: null};
  private readonly listeners = new Set<() => void>();
  /** Markers also go here (an asciicast being written). */
  castMarker: ((label: string) => void) | null = null;

  constructor(protected readonly o: O) {}

  /** The header of a recording that starts now. */
  protected abstract header(): RecordingHeader | LiveRecordingHeader;
  /** The file name's stem when no --record FILE names it. */
  protected abstract stem(): string;
  /** Start hearing of the session (the file is open). */
  protected abstract attach(): void;
  /** Stop hearing of it. */
  protected abstract unhook(): void;
  /** Where the session is: the emulator's tick, or the live sample shown. */
  protected abstract where(): {tick: number} | {shown: number};
  /** The m key's event (the emulator's carries the state hash). */
  protected abstract markerEvent(label: string): RecorderEvent;
  /** What a clean stop says it wrote (before "to FILE"). */
  protected abstract summary(): string;

  // ---- the status store (the App's header badge and status-line notice) ---------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): RecorderStatus => this.status;

  protected say(text: string, tone: 'ok' | 'warn' | 'bad'): void {
    this.status = {badge: this.writer ? `● REC ${this.writer.path}` : null, notice: {text, tone}};
    for (const l of this.listeners) l();
  }

  /** Whether m does anything (a recording or a cast to put markers in). */
  get marks(): boolean {
    return this.writer !== null || this.castMarker !== null;
  }

  get recording(): boolean {
    return this.writer !== null;
  }

  // ---- starting and stopping ----------------------------------------------------------------------------

  /** Start a recording from where the session is now. Throws a one-line Error if the file cannot be created. */
  start(): string {
    const header = this.header();
    const path = recordingPath(this.o.file, this.recordings, this.o.date(), this.stem());
    this.writer = RecordingWriter.open(path, header);
    this.recordings++;
    this.started = this.o.now();
    this.events = 0;
    this.markers = 0;
    this.attach();
    this.say(`recording to ${path} (r stops, m puts a marker)`, 'ok');
    return path;
  }

  /** Stop and close the recording (a clean end). */
  stop(): void {
    const w = this.writer;
    if (!w) return;
    const at = {ms: this.o.now() - this.started, ...this.where()};
    this.writer = null;
    this.detach();
    try {
      w.close(at);
      this.say(`recorded ${this.summary()} to ${w.path} (kmemscope replay ${w.path})`, 'ok');
    } catch (e) {
      this.say(`recording stopped: ${(e as Error).message}`, 'bad');
    }
  }

  /** The r key. */
  toggle(): void {
    if (this.writer) return this.stop();
    try {
      this.start();
    } catch (e) {
      this.say(`cannot record: ${(e as Error).message}`, 'bad');
    }
  }

  // ---- what happens while recording ---------------------------------------------------------------------

  /** A key the session or the view is about to act on (it also clears the last notice: it has been read). */
  key(name: string): void {
    if (this.status.notice) {
      this.status = {...this.status, notice: null};
      for (const l of this.listeners) l();
    }
    this.write({type: 'key', key: name, ...this.where()});
  }

  resize(cols: number, rows: number): void {
    this.write({type: 'resize', cols, rows, ...this.where()});
  }

  /** m: a marker in the recording and in the cast. */
  marker(label: string): void {
    if (!this.marks) return this.say('not recording: r starts a recording, then m puts a marker in it', 'warn');
    if (this.writer) {
      this.markers++;
      this.write(this.markerEvent(label));
    }
    this.castMarker?.(label);
    const w = this.where();
    this.say(`marker ${label ? `"${label}" ` : ''}at ${'tick' in w ? `tick ${w.tick}` : `sample ${w.shown}`}`, 'ok');
  }

  protected detach(): void {
    this.unhook();
    this.writer?.abandon(); // after a failed write; a clean stop has closed it already
    this.writer = null;
  }

  protected write(ev: RecorderEvent): void {
    const w = this.writer;
    if (!w) return;
    try {
      w.write({...ev, ms: this.o.now() - this.started} as RecordingEvent | LiveRecordingEvent);
      this.events++;
    } catch (e) {
      // A full disk must not end the lecture: stop recording and say so.
      this.detach();
      this.say(`recording stopped: ${(e as Error).message}`, 'bad');
    }
  }
}

/**
 * --record FILE for the first recording, then FILE with -2, -3... before the extension; without it, `stem` and the
 * date. A later name skips files that exist (the first is the user's own choice: an existing one is refused).
 */
export function recordingPath(file: string | undefined, recordings: number, d: Date, stem: string): string {
  if (file !== undefined && recordings === 0) return file;
  let base = file;
  if (base === undefined) {
    const p = (x: number) => String(x).padStart(2, '0');
    const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
    base = `${stem}-${stamp}.jsonl`;
  }
  const dot = base.lastIndexOf('.');
  const slash = base.lastIndexOf('/');
  const numbered = (n: number) => (n === 1 ? base : dot > slash + 1 ? `${base.slice(0, dot)}-${n}${base.slice(dot)}` : `${base}-${n}`);
  let n = file === undefined ? 1 : recordings + 1;
  while (existsSync(numbered(n))) n++;
  return numbered(n);
}
