// Live mode's driver of the dashboard: it takes a sample every interval, keeps the recent ones, and shows one of
// them. The keys mean what they mean on the emulator where they can: space freezes the view (sampling goes on, so
// nothing is missed), b and n walk through the kept samples (n at the newest takes one at once), + and - change
// the interval. Kernel calls need an emulated machine: the command line says so.
import type {CommandResult, ControllerState, DashboardDriver} from '../session/controller.js';
import type {EventView, ViewModel} from '../session/view-model.js';
import {liveViewModel, sampleEvents} from './live-view.js';
import type {Sample, SampleWants} from './sample.js';

/** Intervals + and - step through, ms. */
export const INTERVALS: readonly number[] = [250, 500, 1000, 2000, 5000, 10000, 30000];
export const DEFAULT_INTERVAL = 1000;
/** Samples kept for stepping back and the sparklines: 10 minutes at 1 s. */
export const KEEP_SAMPLES = 600;
/** Events kept (the pane shows the newest). */
const KEEP_EVENTS = 2000;

/** How the controller reads the time and schedules samples: the real ones, or a test's. */
export type LiveClock = {now(): number; setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void};

const REAL_CLOCK: LiveClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type LiveOptions = {
  /** Takes sample `seq` at `time` (prev: the one before, to share unchanged figures; want: the optional files). */
  readonly take: (seq: number, time: number, prev: Sample | null, want: SampleWants) => Sample;
  /** What the header says the samples come from. */
  readonly source: string;
  readonly interval?: number;
  readonly clock?: LiveClock;
  readonly keep?: number;
  /** Driven: no timer and no sampling of its own; whoever drives it (a replay) gives it samples with push(). */
  readonly driven?: boolean;
  /** Called with every sample taken (a recorder's hook). */
  readonly onSample?: (s: Sample) => void;
};

/** The controller's whole state: a live recording's start, a replay's checkpoints (samples are shared: never changed). */
export type LiveCheckpoint = {
  readonly samples: readonly Sample[];
  /** The index of the sample shown; -1 before the first. */
  readonly shown: number;
  readonly events: readonly EventView[];
  readonly eventSeq: number;
  readonly running: boolean;
  readonly interval: number;
  readonly command: CommandResult | null;
};

export const LIVE_COMMAND_MESSAGE = 'live mode watches this host: kernel calls run on an emulated machine (kmemscope SCENARIO)';

export class LiveController implements DashboardDriver {
  private samples: Sample[] = [];
  private events: EventView[] = [];
  private eventSeq = 0;
  private shown = -1;
  private state: ControllerState;
  private readonly listeners = new Set<() => void>();
  private timer: unknown = null;
  private view: {version: number; model: ViewModel} | null = null;
  private readonly clock: LiveClock;
  readonly keep: number;
  readonly source: string;
  onSample: ((s: Sample) => void) | null;
  /** What the view needs besides the panes' figures: migrate types only while they are shown (t). */
  private readonly wants: SampleWants = {types: false};

  constructor(private readonly opts: LiveOptions) {
    this.clock = opts.clock ?? REAL_CLOCK;
    this.keep = opts.keep ?? KEEP_SAMPLES;
    this.source = opts.source;
    this.onSample = opts.onSample ?? null;
    this.state = {version: 0, tick: 0, running: true, speed: opts.interval ?? DEFAULT_INTERVAL, note: null, command: null, oldestTick: 0};
  }

  /** The first sample now, then one every interval. */
  start(): void {
    if (this.opts.driven) return;
    this.sampleNow();
  }

  // ---- the store ------------------------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ControllerState => this.state;

  viewModel(): ViewModel {
    if (this.view?.version !== this.state.version) {
      const model = this.shown < 0 ? emptyView(this.source, this.state.speed) : liveViewModel(this.samples, this.shown, {source: this.source, interval: this.state.speed, events: this.events});
      this.view = {version: this.state.version, model};
    }
    return this.view.model;
  }

  /** Every kept sample, oldest first. */
  get kept(): readonly Sample[] {
    return this.samples;
  }

  private update(patch: Partial<ControllerState>): void {
    this.state = {...this.state, ...patch, version: this.state.version + 1};
    for (const l of this.listeners) l();
  }

  // ---- sampling -------------------------------------------------------------------------------------------

  private sampleNow(): void {
    this.unschedule();
    const prev = this.samples.length ? this.samples[this.samples.length - 1] : null;
    let s: Sample;
    try {
      s = this.opts.take((prev?.seq ?? 0) + 1, this.clock.now(), prev, {...this.wants});
    } catch (e) {
      // A sample that cannot be taken is a line in the log, not the end of the dashboard: the next one may work.
      const text = `live: sampling failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
      this.events.push({seq: this.eventSeq++, tick: prev?.seq ?? 0, cpu: 0, kind: 'warning', text, detail: []});
      this.update({});
      this.schedule();
      return;
    }
    this.push(s);
    this.onSample?.(s);
    this.schedule();
  }

  /** Whether the view shows the split by migrate type: /proc/pagetypeinfo is read only then (from the next
   *  sample), as printing it holds each zone's lock with interrupts off while it counts the free lists. */
  showTypes(on: boolean): void {
    this.wants.types = on;
  }

  private schedule(): void {
    if (this.opts.driven || this.timer !== null) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.sampleNow();
    }, this.state.speed);
  }

  private unschedule(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** A new sample: kept, its changes logged, and shown unless the view is frozen. */
  push(s: Sample): void {
    const prev = this.samples.length ? this.samples[this.samples.length - 1] : null;
    const ev = sampleEvents(prev, s, this.source, this.eventSeq);
    this.eventSeq += ev.length;
    this.events.push(...ev);
    if (this.events.length > KEEP_EVENTS) this.events.splice(0, this.events.length - KEEP_EVENTS);
    this.samples.push(s);
    if (this.samples.length > this.keep) {
      const drop = this.samples.length - this.keep;
      if (!this.state.running && this.shown >= 0 && this.shown < drop) {
        // Frozen on a sample about to go: it stays (the view must not move under a frozen header); the ones after
        // it go instead, leaving a gap in the history that n steps over.
        this.samples.splice(this.shown + 1, drop);
      } else {
        this.samples.splice(0, drop);
        this.shown = Math.max(-1, this.shown - drop);
      }
    }
    if (this.state.running || this.shown < 0) this.shown = this.samples.length - 1;
    this.update({tick: this.samples[this.shown].seq, oldestTick: this.samples[0].seq});
  }

  checkpoint(): LiveCheckpoint {
    const st = this.state;
    return {samples: this.samples.slice(), shown: this.shown, events: this.events.slice(), eventSeq: this.eventSeq, running: st.running, interval: st.speed, command: st.command};
  }

  /** Back to a checkpoint (for a replay: the timer, if any, is left as it is). */
  restore(cp: LiveCheckpoint): void {
    this.samples = cp.samples.slice();
    this.shown = cp.shown;
    this.events = cp.events.slice();
    this.eventSeq = cp.eventSeq;
    this.update({running: cp.running, speed: cp.interval, command: cp.command, tick: this.samples[this.shown]?.seq ?? 0, oldestTick: this.samples[0]?.seq ?? 0});
  }

  dispose(): void {
    this.unschedule();
    this.listeners.clear();
  }

  // ---- keys -----------------------------------------------------------------------------------------------

  /** Space: freeze the view, or unfreeze it onto the newest sample. */
  toggle(): void {
    if (this.state.running) this.pause();
    else this.play();
  }

  play(): void {
    if (this.state.running) return;
    if (this.samples.length) this.shown = this.samples.length - 1;
    this.update({running: true, tick: this.samples[this.shown]?.seq ?? 0});
  }

  pause(): void {
    if (this.state.running) this.update({running: false});
  }

  /** n samples on through the kept ones, frozen; at the newest, a sample taken now. */
  step(n = 1): void {
    if (this.state.running) this.state = {...this.state, running: false};
    if (this.shown >= this.samples.length - 1 && !this.opts.driven) {
      this.sampleNow();
      this.shown = this.samples.length - 1;
    } else this.shown = Math.min(this.samples.length - 1, this.shown + n);
    this.update({tick: this.samples[this.shown]?.seq ?? 0});
  }

  /** Back n kept samples, frozen. */
  stepBack(n = 1): void {
    if (this.shown < 0) return;
    this.shown = Math.max(0, this.shown - n);
    this.update({running: false, tick: this.samples[this.shown].seq});
  }

  /** A shorter interval (more samples a second). */
  faster(): void {
    this.setInterval(INTERVALS.filter((i) => i < this.state.speed).at(-1) ?? this.state.speed);
  }

  slower(): void {
    this.setInterval(INTERVALS.find((i) => i > this.state.speed) ?? this.state.speed);
  }

  setInterval(ms: number): void {
    if (ms === this.state.speed) return;
    this.update({speed: ms});
    if (this.timer !== null) {
      this.unschedule();
      this.schedule();
    }
  }

  dismissNote(): void {}

  command(text: string): CommandResult {
    const result = {text: text.trim(), ok: false, output: LIVE_COMMAND_MESSAGE};
    this.update({command: result});
    return result;
  }
}

/** Before the first sample (a replay not yet started): the panes with nothing in them. */
function emptyView(source: string, interval: number): ViewModel {
  return {
    header: {scenario: 'live', tick: 0, seed: 0, machine: '', live: {source, sample: 0, newest: 0, kept: 0, time: 0, interval, elapsed: 0}},
    zones: [],
    slabs: [],
    vmalloc: {
      start: '?',
      regionPages: 0,
      windowPages: 0,
      usedPages: 0,
      guardPages: 0,
      lazyPages: 0,
      lazyMax: 0,
      freePages: 0,
      largestFreePages: 0,
      areas: 0,
      purges: 0,
      segments: [],
      live: {hashed: false, kinds: [], nodes: [], meminfo: null, deltaAreas: 0, deltaBytes: 0, history: []},
    },
    tlb: {cpus: [], remoteFlushes: 0, series: [], live: {deltaReceived: [], rate: 0, counters: null}},
    cpus: [],
    workloads: [],
    events: [],
    live: {notices: {}, slabLists: 'none', memory: null, skipped: {}},
  };
}
