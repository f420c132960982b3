// Replaying a recording (recording.ts): the recorded keys go through the same key handler as a live dashboard's,
// at the ticks they were pressed at, into a driven controller, so the session runs exactly as it did; its
// state hashes are checked where the recording stored them, and the first that differs is reported.
//
// Position. The replay is at (i, tick): the first i events have been fired and the controller is at `tick`.
// Between two events the recorded session either sat still (paused: the next event is at the same tick) or ran
// (the next event is at a later tick); time within such a stretch maps linearly onto its ticks, so a replay shows
// the ticks at the pace the audience saw them, whatever the speed of the machine that replays.
// Playing moves a time cursor (ms since the recording began, times the replay speed) and fires what is due.
// The viewer's step goes on to the recorded session's next tick; step back and the marker jumps restore the
// nearest checkpoint before the target and run forward to it at once (checkpoints: the controller's whole state
// plus the view's, every CHECKPOINT_WORK ticks and events, thinned with age like the controller's snapshots).
// Speed, play and pause and the status store are every replay's: replay-pacer.ts.
import type {Clock, Controller, ControllerCheckpoint} from './controller.js';
import {KMEMSCOPE_VERSION} from './open-scenario.js';
import {HASH_EVERY, type Recording, type RecordingEvent, speedFromJson} from './recording.js';
import {REAL_CLOCK, ReplayPacer} from './replay-pacer.js';
import {stateHash} from './state-hash.js';

export {REPLAY_SPEEDS, type PlaybackStatus} from './replay-pacer.js';

/** What the replay needs from the view: the recorded keys and sizes go there, and its state is kept at checkpoints. */
export type PlaybackView = {
  feedKey(name: string): void;
  resize(cols: number, rows: number): void;
  save(): unknown;
  restore(saved: unknown): void;
};

export const CHECKPOINT_WORK = 2000;
export const MAX_CHECKPOINTS = 40;
const RECENT_CHECKPOINTS = 20;
const SLICE_MS = 8;
const FRAME_MS = 30;

export type Divergence = {tick: number; message: string};

type Checkpoint = {i: number; tick: number; time: number; controller: ControllerCheckpoint; view: unknown; hashes: Array<{tick: number; hash: string}>};

export class Playback extends ReplayPacer<RecordingEvent> {
  private readonly markerList: readonly {index: number; tick: number; ms: number; label: string}[];
  /** false: a replay that only runs to the end (a check) keeps just the start, not the way back. */
  private readonly keepCheckpoints: boolean;
  /** The controller's tick after event j fired (known for every event fired so far). */
  private readonly postTick: number[] = [];
  private checkpoints: Checkpoint[] = [];
  private work = 0;
  private lastFrame = 0;
  private firstDivergence: Divergence | null = null;
  private lastMatch: number | null = null;
  private checked = 0;
  /**
   * Hashes of the states the replay ran forward onto at multiples of HASH_EVERY, not yet matched with the
   * recording's hash events: taken at the moment the recorder took its own (a key such as N can cross a multiple
   * of 1000 inside its step, so its hash event comes after the key's, at a tick the replay has already left).
   */
  private hashes: Array<{tick: number; hash: string}> = [];

  constructor(
    readonly recording: Recording,
    readonly controller: Controller,
    private readonly view: PlaybackView,
    opts: {speed?: number; clock?: Clock; checkpoints?: boolean} = {},
  ) {
    super(recording.events, opts.clock ?? REAL_CLOCK, opts.speed ?? 1);
    this.markerList = recording.events.flatMap((e, index) => (e.type === 'marker' ? [{index, tick: e.tick, ms: e.ms, label: e.label}] : []));
    this.keepCheckpoints = opts.checkpoints ?? true;
    controller.onAdvance = (tick) => {
      if (tick % HASH_EVERY === 0) this.hashes.push({tick, hash: stateHash(controller.current)});
    };
    const s = recording.header.start;
    controller.prime({tick: s.tick, inputs: s.inputs, shownPauses: s.shown_notes, speed: speedFromJson(s.speed), running: s.running, note: s.note, command: s.command});
    view.restore({ui: s.ui, size: recording.header.terminal});
    this.checkpoint();
    this.publish(recording.warning ? {text: recording.warning, tone: 'warn'} : null);
  }

  // ---- where the replay is ------------------------------------------------------------------------------

  get position(): {readonly i: number; readonly tick: number; readonly ms: number} {
    return {i: this.i, tick: this.controller.getSnapshot().tick, ms: this.timeMs};
  }

  /** The first state that differed from the recording's, if any. */
  get divergence(): Divergence | null {
    return this.firstDivergence;
  }

  /** State hashes compared so far (hash and marker events fired). */
  get hashesChecked(): number {
    return this.checked;
  }

  /** The recording's markers, in order, with the index of their event. */
  get markers(): readonly {index: number; tick: number; ms: number; label: string}[] {
    return this.markerList;
  }

  protected divergedBadge(): string {
    return this.firstDivergence ? ` DIVERGED at tick ${this.firstDivergence.tick}` : '';
  }

  // ---- playing in real time -----------------------------------------------------------------------------

  /**
   * One slice: move the time cursor by the time that passed (times the speed), firing what is due, then yield.
   * Behind (a flat-out stretch: more ticks due than a slice can run), the next slice comes at once, as the live
   * controller's do; the screen hears of it at most every FRAME_MS.
   */
  slice(): void {
    this.timer = null;
    if (!this.running) return;
    const start = this.clock.now();
    const target = this.timeMs + (start - this.lastSlice) * this.speed;
    this.lastSlice = start;
    const frame = start - this.lastFrame >= FRAME_MS;
    if (frame) this.lastFrame = start;
    let behind = false;
    this.controller.batch(() => {
      behind = this.advanceTo(target, start + SLICE_MS);
    }, frame);
    if (this.atEnd) {
      this.running = false;
      this.controller.batch(() => {}, true);
      this.publish(this.endNotice(this.recording.ended));
      return;
    }
    if (frame) this.publish();
    this.timer = this.clock.setTimeout(() => this.slice(), behind ? 0 : FRAME_MS);
  }

  // ---- headless: verify and export ----------------------------------------------------------------------

  /** Move the time cursor to ms (forward only), firing every event due, with no time limit. */
  runTo(ms: number): void {
    this.controller.batch(() => this.advanceTo(ms, Infinity));
  }

  /** Run the whole recording (what `kmemscope replay` does without a terminal, and a test's check). */
  runToEnd(): void {
    this.runTo(Infinity);
  }

  // ---- the viewer's stepping ----------------------------------------------------------------------------

  /** On to the recorded session's next tick: fire what happened at this tick, then move once. */
  step(): void {
    this.pause();
    this.controller.batch(() => {
      const from = this.tick;
      for (;;) {
        const next = this.events[this.i];
        if (!next) break;
        if (next.tick <= this.tick) {
          this.fire();
          if (this.tick !== from) break;
          continue;
        }
        if (this.controller.getSnapshot().running) this.runTicks(1);
        else this.fire(); // the recording moved on while this replay is still: fire() reports it
        break;
      }
      this.timeMs = this.timeAt(this.i, this.tick);
    });
    this.publish();
  }

  /** Back to where the recorded session was at its previous tick. */
  stepBack(): void {
    this.pause();
    const target = this.previousPosition();
    if (target) this.seek(target.i, target.tick);
    this.publish();
  }

  /** Just after the next marker (the one at this position counts as passed). */
  nextMarker(): void {
    this.pause();
    const m = this.markers.find((k) => k.index >= this.i);
    if (!m) return this.publish({text: 'no marker after this point', tone: 'warn'});
    this.seek(m.index + 1, m.tick);
    this.publish();
  }

  /** Just after the previous marker (before the one just passed); the start when there is none. */
  prevMarker(): void {
    this.pause();
    // The marker just passed, unless we stand right on it: then the one before.
    const m = this.markers.filter((k) => k.index + 1 < this.i || (k.index + 1 === this.i && this.tick !== k.tick)).at(-1);
    if (m) this.seek(m.index + 1, m.tick);
    else this.seek(0, this.recording.header.start.tick);
    this.publish(m ? undefined : {text: 'no marker before this point: back at the start of the recording', tone: 'warn'});
  }

  // ---- the machinery ------------------------------------------------------------------------------------

  private get tick(): number {
    return this.controller.getSnapshot().tick;
  }

  /** The stretch between event i-1 and event i: where it starts (time, tick) and ends (the next event's). */
  private segment(i: number): {m0: number; p0: number; m1: number; t1: number} | null {
    const next = this.events[i];
    if (!next) return null;
    const m0 = i > 0 ? this.events[i - 1].ms : 0;
    const p0 = i > 0 ? this.postTick[i - 1] : this.recording.header.start.tick;
    return {m0, p0, m1: next.ms, t1: next.tick};
  }

  /** The time at which the recorded session was at (i, tick). */
  private timeAt(i: number, tick: number): number {
    const seg = this.segment(i);
    if (!seg) return this.durationMs;
    if (seg.t1 <= seg.p0 || tick <= seg.p0) return seg.m0;
    return seg.m0 + ((Math.min(tick, seg.t1) - seg.p0) / (seg.t1 - seg.p0)) * (seg.m1 - seg.m0);
  }

  /** Fire every event due by `ms` and run the ticks between, until the deadline (clock ms) passes; true if it did. */
  private advanceTo(ms: number, deadline: number): boolean {
    for (;;) {
      const seg = this.segment(this.i);
      if (!seg) {
        this.timeMs = this.durationMs;
        return false;
      }
      const until = Math.min(ms, seg.m1);
      if (this.controller.getSnapshot().running && seg.t1 > seg.p0) {
        const span = seg.m1 - seg.m0;
        const want = span <= 0 ? seg.t1 : Math.min(seg.t1, seg.p0 + Math.floor(((until - seg.m0) / span) * (seg.t1 - seg.p0)));
        while (this.tick < want && this.controller.getSnapshot().running) {
          this.runTicks(Math.min(want - this.tick, 64));
          if (this.clock.now() > deadline) {
            // Behind: the time shown is the time of the tick reached, so the replay slows rather than skips.
            this.timeMs = Math.max(this.timeMs, this.timeAt(this.i, this.tick));
            return true;
          }
        }
      }
      if (seg.m1 > ms) {
        this.timeMs = Math.max(this.timeMs, ms);
        return false;
      }
      this.fire();
      this.timeMs = Math.max(this.timeMs, seg.m1);
      if (this.clock.now() > deadline) return true;
    }
  }

  private runTicks(n: number): void {
    const ran = this.controller.runFor(n);
    this.work += ran;
    if (this.work >= CHECKPOINT_WORK) this.checkpoint();
  }

  /** Fire event i: the controller must be at its tick, as the recorded one was. */
  private fire(): void {
    const e = this.events[this.i];
    if (this.controller.getSnapshot().running && this.tick < e.tick) this.runTicks(e.tick - this.tick);
    if (this.tick !== e.tick && e.type !== 'hash') {
      const st = this.controller.getSnapshot();
      this.diverged(this.tick, `the recording's next event is at tick ${e.tick}, but the replay is ${st.running ? 'running' : 'paused'} at tick ${this.tick}`);
    }
    switch (e.type) {
      case 'key':
        // The replay's own notice has been read by now; the status line shows the recorded session's again
        // (a divergence stays until the viewer presses a key).
        if (this.status.notice && this.status.notice.tone !== 'bad') this.publish(null);
        this.view.feedKey(e.key);
        break;
      case 'kcall': {
        const c = this.controller.getSnapshot().command;
        if (!c || c.text !== e.text || c.ok !== e.ok || c.output !== e.output) {
          this.diverged(this.tick, `the kcall "${e.text}" gave "${e.output}" in the recording, but ${c ? `"${c.text}" gave "${c.output}"` : 'nothing ran'} in the replay`);
        }
        break;
      }
      case 'speed':
        if (speedFromJson(e.speed) !== this.controller.getSnapshot().speed) this.diverged(this.tick, `the speed is ${this.controller.getSnapshot().speed} ticks/s, the recording's ${e.speed}`);
        break;
      case 'note':
        if (this.controller.getSnapshot().note?.tick !== e.tick) this.diverged(this.tick, `a pausing note stopped the recorded run at tick ${e.tick}, but not the replay`);
        break;
      case 'resize':
        this.view.resize(e.cols, e.rows);
        break;
      case 'hash': {
        const mine = this.hashes.shift();
        if (!mine || mine.tick !== e.tick) this.diverged(this.tick, `the recording ran onto tick ${e.tick} here, the replay ${mine ? `onto tick ${mine.tick}` : 'onto no multiple of ' + HASH_EVERY}`);
        else this.checkHash(e.tick, mine.hash, e.hash);
        break;
      }
      case 'marker':
        this.checkHash(this.tick, stateHash(this.controller.current), e.hash);
        this.tellMarker(this.i, e.label, e.ms);
        if (this.status.notice?.tone !== 'bad') this.publish({text: `marker ${this.markers.findIndex((m) => m.index === this.i) + 1}/${this.markers.length}${e.label ? `: ${e.label}` : ''} (tick ${e.tick})`, tone: 'ok'});
        break;
      case 'end':
        break;
    }
    this.postTick[this.i] = this.tick;
    this.i++;
    this.work++;
    if (this.work >= CHECKPOINT_WORK) this.checkpoint();
  }

  private checkHash(tick: number, got: string, expected: string): void {
    this.checked++;
    if (got === expected) {
      if (!this.firstDivergence) this.lastMatch = tick;
      return;
    }
    const since = this.lastMatch === null ? 'no earlier hash matched' : `the last match was at tick ${this.lastMatch}`;
    this.diverged(tick, `the emulator state differs from the recording's (hash ${got}, recorded ${expected}); ${since}`);
  }

  private diverged(tick: number, why: string): void {
    if (this.firstDivergence) return;
    const versions = this.recording.header.version === KMEMSCOPE_VERSION ? '' : ` (recorded with kmemscope ${this.recording.header.version}, this is ${KMEMSCOPE_VERSION}: the emulator may have changed)`;
    this.firstDivergence = {tick, message: `replay diverged at tick ${tick}: ${why}${versions}`};
    this.publish({text: this.firstDivergence.message, tone: 'bad'});
  }

  private checkpoint(): void {
    this.work = 0;
    if (!this.keepCheckpoints && this.checkpoints.length > 0) return;
    this.checkpoints.push({i: this.i, tick: this.tick, time: this.timeMs, controller: this.controller.checkpoint(), view: this.view.save(), hashes: this.hashes.slice()});
    if (this.checkpoints.length > MAX_CHECKPOINTS) {
      const old = this.checkpoints.length - RECENT_CHECKPOINTS;
      this.checkpoints = this.checkpoints.filter((_, k) => k === 0 || k >= old || k % 2 === 1);
    }
  }

  /** Go to position (i, tick): forward from here, or from the nearest checkpoint before it. */
  private seek(i: number, tick: number): void {
    const before = (a: {i: number; tick: number}) => a.i < i || (a.i === i && a.tick <= tick);
    this.controller.batch(() => {
      if (!before({i: this.i, tick: this.tick})) {
        const cp = this.checkpoints.filter(before).at(-1) ?? this.checkpoints[0];
        this.controller.restore(cp.controller);
        this.view.restore(cp.view);
        this.hashes = cp.hashes.slice();
        this.i = cp.i;
        this.timeMs = cp.time;
        this.checkpoints = this.checkpoints.filter((c) => before(c));
        this.work = 0;
      }
      while (this.i < i) this.fire();
      if (this.controller.getSnapshot().running && this.tick < tick) this.runTicks(tick - this.tick);
      this.timeMs = this.timeAt(this.i, this.tick);
    });
  }

  /** The position of the recorded session's previous tick (see the top of the file), or null at the start. */
  private previousPosition(): {i: number; tick: number} | null {
    const tick = this.tick;
    // Within a stretch the session ran: one tick back in the same stretch.
    if (this.i < this.events.length || this.i > 0) {
      const p0 = this.i > 0 ? this.postTick[this.i - 1] : this.recording.header.start.tick;
      if (tick > p0) return {i: this.i, tick: tick - 1};
    }
    // Otherwise back through the events until the tick differs: just before an event that moved the tick, or
    // the last tick of a stretch that ran.
    for (let j = this.i - 1; j >= 0; j--) {
      if (this.events[j].tick !== tick) return {i: j, tick: this.events[j].tick};
      const p0 = j > 0 ? this.postTick[j - 1] : this.recording.header.start.tick;
      if (p0 < this.events[j].tick) return {i: j, tick: this.events[j].tick - 1};
    }
    return this.i > 0 ? {i: 0, tick: this.recording.header.start.tick} : null;
  }
}
