// The dashboard's recorder: --record FILE or the r key writes a recording (recording.ts) as the lecture goes;
// every key the session or the view acts on, each resize, each m marker, and a state hash every HASH_EVERY ticks
// run forward. Markers also go to the asciicast when one is being written (--cast), so m works for either.
// The recorder reads the wall clock for event times only; the emulator never sees them.
import {existsSync} from 'node:fs';
import type {Scenario} from '../scenario/load.js';
import {SCENARIO_FORMAT} from '../scenario/load.js';
import type {Controller} from './controller.js';
import {KMEMSCOPE_VERSION} from './open-scenario.js';
import {HASH_EVERY, type RecordingEvent, type RecordingHeader, RecordingWriter, speedToJson} from './recording.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
import {stateHash} from './state-hash.js';

export type RecorderStatus = {readonly badge: string | null; readonly notice: {readonly text: string; readonly tone: 'ok' | 'warn' | 'bad'} | null};

export type RecorderOptions = {
  readonly controller: Controller;
  readonly scenario: Scenario;
  readonly seed: number;
  /** The --slab override, if any (the scenario's source does not say it). */
  readonly slab: 'slub' | 'slab' | null;
  /** Milliseconds, from any origin (performance.now()). */
  readonly now: () => number;
  /** The wall-clock date, for the header and for a file name of its own. */
  readonly date: () => Date;
  readonly size: () => {readonly cols: number; readonly rows: number};
  /** The view's state, stored in the header so a replay starts with the same focus, sort and command line. */
  readonly view: () => unknown;
  /** --record FILE: the first recording's file (later ones get -2, -3... before the extension). */
  readonly file?: string;
};

export class Recorder {
  private writer: RecordingWriter | null = null;
  private started = 0;
  private events = 0;
  private markers = 0;
  private recordings = 0;
  private status: RecorderStatus = {badge: null, notice: null};
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | null = null;
  /** Markers also go here (an asciicast being written). */
  castMarker: ((label: string) => void) | null = null;

  constructor(private readonly o: RecorderOptions) {}

  // ---- the status store (the App's header badge and status-line notice) ---------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): RecorderStatus => this.status;

  private say(text: string, tone: 'ok' | 'warn' | 'bad'): void {
    this.status = {badge: this.writer ? `● REC ${this.writer.path}` : null, notice: {text, tone}};
    for (const l of this.listeners) l();
  }

  /** Whether m does anything (a recording or a cast to put markers in). */
  get marks(): boolean {
    return this.writer !== null || this.castMarker !== null;
  }

  // ---- starting and stopping ----------------------------------------------------------------------------

  /** Start a recording of the session from where it is now. Throws a one-line Error if the file cannot be created. */
  start(): string {
    const c = this.o.controller;
    const st = c.getSnapshot();
    const {cols, rows} = this.o.size();
    const header: RecordingHeader = {
      kmemscope: 'recording',
      format: 1,
      scenario_format: SCENARIO_FORMAT,
      version: KMEMSCOPE_VERSION,
      created: this.o.date().toISOString(),
      scenario: {file: this.o.scenario.file, source: this.o.scenario.source},
      seed: this.o.seed,
      slab: this.o.slab,
      terminal: {cols, rows},
      start: {
        tick: st.tick,
        inputs: c.inputLog.map((i) => ({...i})),
        shown_notes: [...c.shownNotes],
        speed: speedToJson(st.speed),
        running: st.running,
        note: st.note,
        command: st.command,
        ui: this.o.view(),
      },
    };
    const path = this.nextPath();
    this.writer = RecordingWriter.open(path, header);
    this.recordings++;
    this.started = this.o.now();
    this.events = 0;
    this.markers = 0;
    c.onAdvance = (tick) => {
      if (tick % HASH_EVERY === 0) this.write({type: 'hash', tick, hash: stateHash(c.current)});
    };
    // What the keys did, for a reader of the file and for the replay to check: each kcall's result, each speed.
    let seen = c.getSnapshot();
    this.unsubscribe = c.subscribe(() => {
      const now = c.getSnapshot();
      if (now.command !== seen.command && now.command) this.write({type: 'kcall', tick: now.tick, ...now.command});
      if (now.speed !== seen.speed) this.write({type: 'speed', tick: now.tick, speed: speedToJson(now.speed)});
      // A pausing note stops the run by itself: when it did is what keeps a replay's pace right around it.
      if (now.note && now.note !== seen.note) this.write({type: 'note', tick: now.note.tick});
      seen = now;
    });
    this.say(`recording to ${path} (r stops, m puts a marker)`, 'ok');
    return path;
  }

  /** Stop and close the recording (a clean end). */
  stop(): void {
    const w = this.writer;
    if (!w) return;
    const at = this.at();
    this.writer = null;
    this.detach();
    try {
      w.close(at);
      this.say(`recorded ${this.events} event${this.events === 1 ? '' : 's'} and ${this.markers} marker${this.markers === 1 ? '' : 's'} to ${w.path} (kmemscope replay ${w.path})`, 'ok');
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
    this.write({type: 'key', key: name, tick: this.o.controller.getSnapshot().tick});
  }

  resize(cols: number, rows: number): void {
    this.write({type: 'resize', cols, rows, tick: this.o.controller.getSnapshot().tick});
  }

  /** m: a marker in the recording (with the state hash there) and in the cast. */
  marker(label: string): void {
    if (!this.marks) return this.say('not recording: r starts a recording, then m puts a marker in it', 'warn');
    const c = this.o.controller;
    if (this.writer) {
      this.markers++;
      this.write({type: 'marker', label, tick: c.getSnapshot().tick, hash: stateHash(c.current)});
    }
    this.castMarker?.(label);
    this.say(`marker ${label ? `"${label}" ` : ''}at tick ${c.getSnapshot().tick}`, 'ok');
  }

  private detach(): void {
    this.o.controller.onAdvance = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.writer?.abandon(); // after a failed write; a clean stop has closed it already
    this.writer = null;
  }

  private at(): {ms: number; tick: number} {
    return {ms: this.o.now() - this.started, tick: this.o.controller.getSnapshot().tick};
  }

  private write(ev: DistributiveOmit<Exclude<RecordingEvent, {type: 'end'}>, 'ms'>): void {
    const w = this.writer;
    if (!w) return;
    try {
      w.write({...ev, ms: this.o.now() - this.started});
      this.events++;
    } catch (e) {
      // A full disk must not end the lecture: stop recording and say so.
      this.detach();
      this.say(`recording stopped: ${(e as Error).message}`, 'bad');
    }
  }

  private nextPath(): string {
    return recordingPath(this.o.file, this.recordings, this.o.date(), `kmemscope-${this.o.scenario.name.replace(/[^\w.-]+/g, '-')}`);
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
