// Live mode's recorder: --record FILE or the r key writes a live recording (live-recording.ts) as the samples come;
// every sample the controller takes (as what changed since the one recorded before it), every key the dashboard
// acts on, each resize and each m marker. Like the emulator's recorder (session/recorder.ts): the header badge
// "● REC file", numbered names that never overwrite, markers into the asciicast too when one is being written; both
// are a RecorderBase (session/recorder-base.ts).
import {KMEMSCOPE_VERSION} from '../session/open-scenario.js';
import {RecorderBase, type RecorderBaseOptions, type RecorderEvent} from '../session/recorder-base.js';
import {RECORDING_FORMAT} from '../session/recording.js';
import type {LiveController} from './live-controller.js';
import type {LiveRecordingHeader, SampleLine} from './live-recording.js';
import type {Sample} from './sample.js';
import {encodeSample} from './sample-codec.js';

export type LiveRecorderOptions = RecorderBaseOptions & {
  readonly controller: LiveController;
  /** The --interval the session started with (the header says it; the interval now is in the start state). */
  readonly interval: number;
};

/** A sample as a line: whole, or what changed since `prev`. */
export function sampleLine(prev: Sample | null, s: Sample): SampleLine {
  return prev ? {seq: s.seq, delta: encodeSample(prev, s)} : {seq: s.seq, sample: s};
}

export class LiveRecorder extends RecorderBase<LiveRecorderOptions> {
  private samples = 0;
  /** The last sample recorded: the next is stored against it. */
  private last: Sample | null = null;

  protected header(): LiveRecordingHeader {
    const c = this.o.controller;
    const cp = c.checkpoint();
    const {cols, rows} = this.o.size();
    const kept: SampleLine[] = cp.samples.map((s, i) => sampleLine(i > 0 ? cp.samples[i - 1] : null, s));
    return {
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
  }

  protected stem(): string {
    return 'kmemscope-live';
  }

  /** The header holds the samples kept; the next one is stored against the last of them. */
  protected attach(): void {
    const c = this.o.controller;
    this.samples = 0;
    this.last = c.kept.at(-1) ?? null;
    c.onSample = (s) => this.sample(s);
  }

  protected unhook(): void {
    this.o.controller.onSample = null;
    this.last = null;
  }

  protected where(): {shown: number} {
    return {shown: this.o.controller.getSnapshot().tick};
  }

  protected markerEvent(label: string): RecorderEvent {
    return {type: 'marker', label, ...this.where()};
  }

  protected summary(): string {
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
    return `${n(this.samples, 'sample')}, ${n(this.events - this.samples, 'other event')} and ${n(this.markers, 'marker')}`;
  }

  private sample(s: Sample): void {
    if (!this.writer) return;
    const line = sampleLine(this.last, s);
    this.last = s;
    this.samples++;
    this.write({type: 'sample', ...line});
  }
}
