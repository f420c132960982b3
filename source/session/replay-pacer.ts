// What every replay shares, an emulator's (playback.ts) or a live one's (live/live-playback.ts): the speed, playing
// and pausing on a clock of its own, the markers told once to an export, and the status store behind the App's
// badge and notice. How a replay moves (slice, fire, seek) is its own.
import type {Clock} from './controller.js';

export const REPLAY_SPEEDS: readonly number[] = [0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];

export type PlaybackStatus = {readonly badge: string | null; readonly notice: {readonly text: string; readonly tone: 'ok' | 'warn' | 'bad'} | null};

export const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export abstract class ReplayPacer<E extends {readonly ms: number}> {
  /** Events fired so far. */
  protected i = 0;
  protected timeMs = 0;
  protected running = false;
  protected timer: unknown = null;
  /** The clock's time at the last slice: the next one moves the cursor by what passed since. */
  protected lastSlice = 0;
  protected status: PlaybackStatus = {badge: null, notice: null};
  private speedAt: number;
  private readonly listeners = new Set<() => void>();
  /** The markers already passed on to onMarker (a step back and forward again does not repeat them). */
  private readonly markersTold = new Set<number>();
  /** Called when a marker event fires (an export writes it to the cast). */
  onMarker: ((label: string, ms: number) => void) | null = null;

  constructor(
    protected readonly events: readonly E[],
    protected readonly clock: Clock,
    speed: number,
  ) {
    this.speedAt = REPLAY_SPEEDS.indexOf(speed);
    if (this.speedAt < 0) throw new Error(`replay speed ${speed} is not one of ${REPLAY_SPEEDS.join(', ')}`);
  }

  /** Move the time cursor by the time that passed (times the speed), firing what is due. */
  abstract slice(): void;

  /** The badge's tail when the replay differs from the recording (' DIVERGED at ...'), else ''. */
  protected abstract divergedBadge(): string;

  /** The recording's length in ms (its last event's time). */
  get durationMs(): number {
    return this.events.at(-1)?.ms ?? 0;
  }

  get atEnd(): boolean {
    return this.i >= this.events.length;
  }

  get speed(): number {
    return REPLAY_SPEEDS[this.speedAt];
  }

  // ---- the status store (the App's header badge and notice) ---------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): PlaybackStatus => this.status;

  /** A new badge, with a new notice (null clears it) or the one shown (undefined). */
  protected publish(notice?: PlaybackStatus['notice']): void {
    const state = this.atEnd ? 'end' : this.running ? '▶' : '❚❚';
    const badge = `REPLAY ${state} x${this.speed} ${mmss(this.timeMs)}/${mmss(this.durationMs)}${this.divergedBadge()}`;
    this.status = {badge, notice: notice === undefined ? this.status.notice : notice};
    for (const l of this.listeners) l();
  }

  /** The notice at the end of a replay that played through. */
  protected endNotice(ended: boolean): PlaybackStatus['notice'] {
    return {text: `end of the recording${ended ? '' : ' (it was not closed: the recorder stopped without a clean exit)'}: b steps back, [ jumps to a marker, q quits`, tone: 'ok'};
  }

  /** Pass the marker of event `index` on to onMarker, once. */
  protected tellMarker(index: number, label: string, ms: number): void {
    if (this.markersTold.has(index)) return;
    this.markersTold.add(index);
    this.onMarker?.(label, ms);
  }

  // ---- playing in real time -----------------------------------------------------------------------------

  play(): void {
    if (this.running || this.atEnd) return;
    this.running = true;
    this.lastSlice = this.clock.now();
    this.publish();
    this.timer = this.clock.setTimeout(() => this.slice(), 0);
  }

  pause(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (!this.running) return;
    this.running = false;
    this.publish();
  }

  toggle(): void {
    if (this.running) this.pause();
    else this.play();
  }

  faster(): void {
    this.speedAt = Math.min(REPLAY_SPEEDS.length - 1, this.speedAt + 1);
    this.publish();
  }

  slower(): void {
    this.speedAt = Math.max(0, this.speedAt - 1);
    this.publish();
  }

  dispose(): void {
    this.pause();
    this.listeners.clear();
  }
}

/** m:ss of a time in ms. */
function mmss(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
