// Replaying a live recording (live-recording.ts): a live controller shown the recorded samples and keys at their
// recorded times, so the dashboard shows what the audience saw, sample for sample.
//
// The controller is not a driven one but a sampling one whose clock never fires and whose `take` hands out the
// recorded samples: a timer's sample is pushed when its event comes, and a key that takes a sample at once (n at the
// newest) takes the recorded one that follows it, inside the key's own step, as it did live. So every key goes
// through the same controller code as it did when recorded, whatever that code does with the sample it takes.
//
// Position: the first i events have been fired. Playing moves a time cursor (ms since recording began, times the
// replay speed) and fires what is due. The viewer's n fires the next event, b goes back one; b and the marker jumps
// restore the nearest checkpoint (the controller's and the view's state, every CHECKPOINT_EVENTS events) and fire
// forward from it. A key's sample is part of the key: the position between the two is never stopped at.
// Speed, play and pause and the status store are every replay's: replay-pacer.ts.
import {KMEMSCOPE_VERSION} from '../session/open-scenario.js';
import type {PlaybackView} from '../session/playback.js';
import {REAL_CLOCK, ReplayPacer} from '../session/replay-pacer.js';
import {type LiveCheckpoint, type LiveClock, LiveController} from './live-controller.js';
import type {LiveEvent, LiveRecording} from './live-recording.js';
import type {Sample} from './sample.js';

export const CHECKPOINT_EVENTS = 64;
const FRAME_MS = 30;

/** A clock that never fires: the replay decides when samples come. */
const STILL: LiveClock = {now: () => 0, setTimeout: () => 0, clearTimeout: () => {}};

export type Divergence = {seq: number; message: string};
type Marker = {index: number; ms: number; label: string; shown: number};
type Checkpoint = {i: number; time: number; controller: LiveCheckpoint; view: unknown};

export type LivePlaybackOptions = {
  readonly speed?: number;
  /** The replay's own clock (its pace); the controller's never fires. */
  readonly clock?: LiveClock;
  /** false: a replay that only runs to the end (a check) keeps no way back. */
  readonly checkpoints?: boolean;
};

export class LivePlayback<V extends PlaybackView = PlaybackView> extends ReplayPacer<LiveEvent> {
  readonly controller: LiveController;
  readonly view: V;
  private readonly markerList: readonly Marker[];
  private readonly keepCheckpoints: boolean;
  private checkpoints: Checkpoint[] = [];
  private sinceCheckpoint = 0;
  /** Sample events a key took inside its step (positions just before them are never stopped at). */
  private readonly taken = new Set<number>();
  private firstDivergence: Divergence | null = null;
  /** take() found no recorded sample at the end of a cut recording. */
  private lostSample = false;

  constructor(
    readonly recording: LiveRecording,
    makeView: (controller: LiveController) => V,
    opts: LivePlaybackOptions = {},
  ) {
    super(recording.events, opts.clock ?? REAL_CLOCK, opts.speed ?? 1);
    const h = recording.header;
    this.markerList = recording.events.flatMap((e, index) => (e.type === 'marker' ? [{index, ms: e.ms, label: e.label, shown: e.shown}] : []));
    this.keepCheckpoints = opts.checkpoints ?? true;
    this.controller = new LiveController({take: (seq) => this.take(seq), source: h.live.source, interval: h.start.interval, keep: h.live.keep, clock: STILL});
    this.controller.restore(recording.start);
    this.view = makeView(this.controller);
    this.view.restore({ui: h.start.ui, size: h.terminal});
    this.checkpoint();
    this.publish(recording.warning ? {text: recording.warning, tone: 'warn'} : null);
  }

  // ---- where the replay is ------------------------------------------------------------------------------

  get position(): {readonly i: number; readonly ms: number} {
    return {i: this.i, ms: this.timeMs};
  }

  get divergence(): Divergence | null {
    return this.firstDivergence;
  }

  get markers(): readonly Marker[] {
    return this.markerList;
  }

  /** The samples the recording holds (those kept at its start, then those taken while it ran). */
  get sampleCount(): number {
    return this.recording.start.samples.length + this.events.filter((e) => e.type === 'sample').length;
  }

  /** The last sample of the recording. */
  get lastSample(): Sample | null {
    for (let j = this.events.length - 1; j >= 0; j--) {
      const e = this.events[j];
      if (e.type === 'sample') return e.sample;
    }
    return this.recording.start.samples.at(-1) ?? null;
  }

  protected divergedBadge(): string {
    return this.firstDivergence ? ` DIVERGED at sample ${this.firstDivergence.seq}` : '';
  }

  // ---- playing in real time -----------------------------------------------------------------------------

  override dispose(): void {
    super.dispose();
    this.controller.dispose();
  }

  /** Move the time cursor by the time that passed (times the speed), firing what is due. */
  slice(): void {
    this.timer = null;
    if (!this.running) return;
    const now = this.clock.now();
    this.runTo(this.timeMs + (now - this.lastSlice) * this.speed);
    this.lastSlice = now;
    if (this.atEnd) {
      this.running = false;
      this.publish(this.endNotice(this.recording.ended));
      return;
    }
    this.publish();
    this.timer = this.clock.setTimeout(() => this.slice(), FRAME_MS);
  }

  // ---- headless: check and export -----------------------------------------------------------------------

  /** Move the time cursor to ms (forward only), firing every event due. */
  runTo(ms: number): void {
    while (!this.atEnd && this.events[this.i].ms <= ms) this.fire();
    this.timeMs = Math.max(this.timeMs, Math.min(ms, this.durationMs));
  }

  runToEnd(): void {
    this.runTo(Infinity);
  }

  // ---- the viewer's stepping ----------------------------------------------------------------------------

  /** The next event (a key with the sample it took). */
  step(): void {
    this.pause();
    if (!this.atEnd) {
      this.fire();
      this.timeMs = this.events[this.i - 1].ms;
    }
    this.publish();
  }

  /** Back to before the last event fired. */
  stepBack(): void {
    this.pause();
    let j = this.i - 1;
    while (j > 0 && this.taken.has(j)) j--;
    if (j >= 0) this.seek(j);
    this.publish();
  }

  /** Just after the next marker. */
  nextMarker(): void {
    this.pause();
    const m = this.markerList.find((k) => k.index >= this.i);
    if (!m) return this.publish({text: 'no marker after this point', tone: 'warn'});
    this.seek(m.index + 1);
    this.publish();
  }

  /** Just after the marker before the one just passed (the one passed, when elsewhere); the start when none. */
  prevMarker(): void {
    this.pause();
    const m = this.markerList.filter((k) => k.index + 1 < this.i).at(-1);
    this.seek(m ? m.index + 1 : 0);
    this.publish(m ? undefined : {text: 'no marker before this point: back at the start of the recording', tone: 'warn'});
  }

  // ---- the machinery ------------------------------------------------------------------------------------

  private fire(): void {
    const e = this.events[this.i];
    this.i++;
    if (e.type === 'sample') this.controller.push(e.sample);
    else {
      const shown = this.controller.getSnapshot().tick;
      if (shown !== e.shown) this.diverged(shown, `the recording showed sample ${e.shown} at its ${e.type === 'key' ? `key ${e.key}` : e.type}, the replay shows sample ${shown}`);
      switch (e.type) {
        case 'key': {
          // The replay's own notice has been read by now (a divergence stays until the viewer acts).
          if (this.status.notice && this.status.notice.tone !== 'bad') this.publish(null);
          // The last line of a cut recording: if the key took a sample, that sample was lost in the cut.
          const cut = this.atEnd && !this.recording.ended ? {controller: this.controller.checkpoint(), view: this.view.save()} : null;
          this.lostSample = false;
          this.view.feedKey(e.key);
          if (cut && this.lostSample) {
            this.controller.restore(cut.controller);
            this.view.restore(cut.view);
            this.publish({text: `the recording was cut after key ${e.key}: the sample it took is lost, so the replay ends before the key`, tone: 'warn'});
          }
          break;
        }
        case 'resize':
          this.view.resize(e.cols, e.rows);
          break;
        case 'marker': {
          const index = this.i - 1;
          this.tellMarker(index, e.label, e.ms);
          const n = this.markerList.findIndex((m) => m.index === index) + 1;
          if (this.status.notice?.tone !== 'bad') this.publish({text: `marker ${n}/${this.markerList.length}${e.label ? `: ${e.label}` : ''} (sample ${e.shown})`, tone: 'ok'});
          break;
        }
        case 'end':
          break;
      }
    }
    if (++this.sinceCheckpoint >= CHECKPOINT_EVENTS) this.checkpoint();
  }

  /** The controller takes a sample inside a key's step: the recorded one that follows the key. */
  private take(seq: number): Sample {
    const e = this.events[this.i];
    if (e?.type === 'sample') {
      this.taken.add(this.i);
      this.i++;
      if (e.seq !== seq) this.diverged(seq, `the replay took sample ${seq} where the recording took sample ${e.seq}`);
      return e.sample;
    }
    // None recorded here: lost in a cut (the key is then undone), or the replay differs (it shows the last again).
    if (this.atEnd && !this.recording.ended) this.lostSample = true;
    else this.diverged(seq, 'the replay took a sample at a key where the recording took none');
    const last = this.controller.kept.at(-1);
    return last ? {...last, seq} : {seq, time: 0, kernel: null, problems: {}, skipped: {}, zones: null, caches: null, vmalloc: null, meminfo: null, tlb: null, tlbCounters: null};
  }

  private diverged(seq: number, why: string): void {
    if (this.firstDivergence) return;
    const h = this.recording.header;
    const versions = h.version === KMEMSCOPE_VERSION ? '' : ` (recorded with kmemscope ${h.version}, this is ${KMEMSCOPE_VERSION}: live mode may have changed)`;
    this.firstDivergence = {seq, message: `replay diverged at sample ${seq}: ${why}${versions}`};
    this.publish({text: this.firstDivergence.message, tone: 'bad'});
  }

  private checkpoint(): void {
    this.sinceCheckpoint = 0;
    if (!this.keepCheckpoints && this.checkpoints.length > 0) return;
    this.checkpoints.push({i: this.i, time: this.timeMs, controller: this.controller.checkpoint(), view: this.view.save()});
  }

  /** Go to position i: forward from here, or from the nearest checkpoint before it. */
  private seek(i: number): void {
    if (i < this.i) {
      const cp = this.checkpoints.filter((c) => c.i <= i).at(-1) ?? this.checkpoints[0];
      this.controller.restore(cp.controller);
      this.view.restore(cp.view);
      this.i = cp.i;
      this.checkpoints = this.checkpoints.filter((c) => c.i <= cp.i);
      this.sinceCheckpoint = 0;
    }
    while (this.i < i) this.fire();
    this.timeMs = this.i > 0 ? this.events[this.i - 1].ms : 0;
  }
}
