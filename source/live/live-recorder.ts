// Live mode's recorder: --record FILE or the r key writes a live recording (live-recording.ts) as the samples come;
// every sample the controller takes (as what changed since the one recorded before it), every key the dashboard
// acts on, each resize and each m marker. Like the emulator's recorder (session/recorder.ts): the header badge
// "● REC file", numbered names that never overwrite, markers into the asciicast too when one is being written.
import type {RecorderStatus} from '../session/recorder.js';
import {recordingPath} from '../session/recorder.js';
import {RECORDING_FORMAT, RecordingWriter} from '../session/recording.js';
import {KMEMSCOPE_VERSION} from '../session/open-scenario.js';
import type {LiveController} from './live-controller.js';
import type {LiveRecordingEvent, LiveRecordingHeader, SampleLine} from './live-recording.js';
import type {Sample} from './sample.js';
import {encodeSample} from './sample-codec.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type LiveRecorderOptions = {
  readonly controller: LiveController;
  /** The --interval the session started with (the header says it; the interval now is in the start state). */
  readonly interval: number;
  /** Milliseconds, from any origin (performance.now()). */
  readonly now: () => number;
  readonly date: () => Date;
  readonly size: () => {readonly cols: number; readonly rows: number};
  /** The view's state, stored in the header so a replay starts with the same focus, sort and filter. */
  readonly view: () => unknown;
  /** --record FILE: the first recording's file (later ones get -2, -3... before the extension). */
  readonly file?: string;
};

/** A sample as a line: whole, or what changed since `prev`. */
export function sampleLine(prev: Sample | null, s: Sample): SampleLine {
  return prev ? {seq: s.seq, delta: encodeSample(prev, s)} : {seq: s.seq, sample: s};
}

export class LiveRecorder {
  private writer: RecordingWriter | null = null;
  private started = 0;
  private events = 0;
  private samples = 0;
  private markers = 0;
  private recordings = 0;
  /** The last sample recorded: the next is stored against it. */
  private last: Sample | null = null;
  private status: RecorderStatus = {badge: null, notice: null};
  private readonly listeners = new Set<() => void>();
  /** Markers also go here (an asciicast being written). */
  castMarker: ((label: string) => void) | null = null;

  constructor(private readonly o: LiveRecorderOptions) {}

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

  get recording(): boolean {
    return this.writer !== null;
  }

  // ---- starting and stopping ----------------------------------------------------------------------------

  /** Start recording from the controller's state now. Throws a one-line Error if the file cannot be created. */
  start(): string {
    const c = this.o.controller;
    const cp = c.checkpoint();
    const {cols, rows} = this.o.size();
    const kept: SampleLine[] = cp.samples.map((s, i) => sampleLine(i > 0 ? cp.samples[i - 1] : null, s));
    const header: LiveRecordingHeader = {
      kmemscope: 'recording',
      format: RECORDING_FORMAT,
      mode: 'live',
      version: KMEMSCOPE_VERSION,
      created: this.o.date().toISOString(),
      live: {source: c.source, interval: this.o.interval, kernel: cp.samples.at(-1)?.kernel ?? null, keep: c.keep},
      terminal: {cols, rows},
      start: {
        ui: this.o.view(),
        interval: cp.interval,
        running: cp.running,
        shown: cp.samples[cp.shown]?.seq ?? 0,
        command: cp.command,
        kept,
        events: [...cp.events],
        eventSeq: cp.eventSeq,
      },
    };
    const path = recordingPath(this.o.file, this.recordings, this.o.date(), 'kmemscope-live');
    this.writer = RecordingWriter.open(path, header);
    this.recordings++;
    this.started = this.o.now();
    this.events = 0;
    this.samples = 0;
    this.markers = 0;
    this.last = cp.samples.at(-1) ?? null;
    c.onSample = (s) => this.sample(s);
    this.say(`recording to ${path} (r stops, m puts a marker)`, 'ok');
    return path;
  }

  /** Stop and close the recording (a clean end). */
  stop(): void {
    const w = this.writer;
    if (!w) return;
    const at = {ms: this.o.now() - this.started, shown: this.shown()};
    this.writer = null;
    this.detach();
    try {
      w.close(at);
      const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
      this.say(`recorded ${n(this.samples, 'sample')}, ${n(this.events - this.samples, 'other event')} and ${n(this.markers, 'marker')} to ${w.path} (kmemscope replay ${w.path})`, 'ok');
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

  /** A key the dashboard is about to act on (it also clears the last notice: it has been read). */
  key(name: string): void {
    if (this.status.notice) {
      this.status = {...this.status, notice: null};
      for (const l of this.listeners) l();
    }
    this.write({type: 'key', key: name, shown: this.shown()});
  }

  resize(cols: number, rows: number): void {
    this.write({type: 'resize', cols, rows, shown: this.shown()});
  }

  /** m: a marker in the recording and in the cast. */
  marker(label: string): void {
    if (!this.marks) return this.say('not recording: r starts a recording, then m puts a marker in it', 'warn');
    if (this.writer) {
      this.markers++;
      this.write({type: 'marker', label, shown: this.shown()});
    }
    this.castMarker?.(label);
    this.say(`marker ${label ? `"${label}" ` : ''}at sample ${this.shown()}`, 'ok');
  }

  private sample(s: Sample): void {
    if (!this.writer) return;
    const line = sampleLine(this.last, s);
    this.last = s;
    this.samples++;
    this.write({type: 'sample', ...line});
  }

  private shown(): number {
    return this.o.controller.getSnapshot().tick;
  }

  private detach(): void {
    this.o.controller.onSample = null;
    this.writer?.abandon(); // after a failed write; a clean stop has closed it already
    this.writer = null;
    this.last = null;
  }

  private write(ev: DistributiveOmit<Exclude<LiveRecordingEvent, {type: 'end'}>, 'ms'>): void {
    const w = this.writer;
    if (!w) return;
    try {
      w.write({...ev, ms: this.o.now() - this.started} as LiveRecordingEvent);
      this.events++;
    } catch (e) {
      // A full disk must not end the lecture: stop recording and say so.
      this.detach();
      this.say(`recording stopped: ${(e as Error).message}`, 'bad');
    }
  }
}
