// The dashboard's external store (React subscribes with useSyncExternalStore; the emulator does not know React
// exists): a Session run time-sliced on the main thread, paused, stepped, stepped back, with the lecturer's
// command-line kcalls kept as an input log so that stepping back and running forward again replays them at their
// ticks (DESIGN §3: a run is a pure function of scenario, seed and inputs).
//
// Time slicing: while running, each slice runs the ticks that are due at the chosen speed (flat out: as many as
// fit in SLICE_MS), then yields, so keys and frames are never starved. Listeners hear of changes at most every
// FRAME_MS while running (a frame costs some 25 ms to draw at 160x50, so this gives just over 20 a second), and
// at once after a key.
// Step back: snapshots of the whole session every SNAPSHOT_EVERY ticks, thinned to every other one when there are
// more than MAX_SNAPSHOTS (so memory stays bounded and older history is sparser); a step back restores the
// nearest snapshot at or before the target and runs forward to it, replaying the inputs.
import {checkStmt, execStmt} from './kcall-exec.js';
import {parseKcall} from '../scenario/kcall.js';
import type {ContextName} from '../kernel/context.js';
import type {Session} from './session.js';
import {buildViewModel, type ViewModel} from './view-model.js';

/** Ticks per second a user can pick with + and -; Infinity is flat out. */
export const SPEEDS: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000, Infinity];
export const DEFAULT_SPEED = 10;
export const SLICE_MS = 6;
export const FRAME_MS = 30;
/**
 * A snapshot costs what some 100 ticks of the tour cost (1.7 ms against 14 us a tick): one every 500 ticks keeps
 * that under a quarter of a flat-out run, and a step back re-runs at most 500 ticks (under 10 ms on the tour).
 */
export const SNAPSHOT_EVERY = 500;
export const MAX_SNAPSHOTS = 40;
export const RECENT_SNAPSHOTS = 20;

/** A kcall the lecturer typed, at the tick it ran (after that tick's step). */
export type Input = {tick: number; cpu: number; context: ContextName; text: string};

export type CommandResult = {text: string; ok: boolean; output: string};

export type ControllerState = {
  /** Bumped on every change: the value React compares. */
  version: number;
  tick: number;
  running: boolean;
  speed: number;
  /** A note with pause: true the viewer has not dismissed yet. */
  note: {tick: number; text: string} | null;
  /** The last command-line kcall and its result or error. */
  command: CommandResult | null;
  /** The ticks the view can step back to (the oldest tick still reachable). */
  oldestTick: number;
};

/** How the controller schedules its slices and reads the time: the real ones, or a test's. */
export type Clock = {now(): number; setTimeout(fn: () => void, ms: number): unknown; clearTimeout(handle: unknown): void};

const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

type Snapshot = {tick: number; session: Session; inputs: number};

/** A controller's whole state at one moment, for a replay to come back to (see checkpoint()). */
export type ControllerCheckpoint = {
  readonly session: Session;
  readonly inputs: readonly Input[];
  readonly snapshots: readonly Snapshot[];
  readonly state: ControllerState;
  readonly shownPauses: ReadonlySet<number>;
  readonly pauseSeen: number;
};

/**
 * What the dashboard drives and draws: the emulator's Controller, or live mode's sampler (live/live-controller.ts).
 * The keys (ui/key-handler.ts) and the App use nothing else, so both modes share them.
 */
export type DashboardDriver = {
  subscribe(listener: () => void): () => void;
  getSnapshot(): ControllerState;
  viewModel(): ViewModel;
  toggle(): void;
  play(): void;
  step(n?: number): void;
  stepBack(n?: number): void;
  faster(): void;
  slower(): void;
  dismissNote(): void;
  command(text: string, cpu: number, context: ContextName): CommandResult;
  /** The view shows (or stops showing) the split by migrate type: a live sampler reads pagetypeinfo only then. */
  showTypes?(on: boolean): void;
};

export type ControllerOptions = {
  speed?: number;
  clock?: Clock;
  running?: boolean;
  /**
   * Driven: the controller never schedules its own slices; whoever drives it (a replay) moves time on with
   * runFor(). Playing and pausing still change its state, as they did when the session was recorded.
   */
  driven?: boolean;
  /** Called after every tick the controller runs forward (not the ticks a step back replays): a recorder's hook. */
  onAdvance?: (tick: number) => void;
};

export class Controller implements DashboardDriver {
  private session: Session;
  private readonly inputs: Input[] = [];
  private snapshots: Snapshot[] = [];
  private state: ControllerState;
  private readonly listeners = new Set<() => void>();
  private timer: unknown = null;
  private lastSlice = 0;
  private owed = 0;
  private lastNotify = 0;
  private view: {version: number; model: ViewModel} | null = null;
  /** Pausing notes already shown (a step back and forward again does not show them twice). */
  private shownPauses = new Set<number>();
  private pauseSeen: number;

  private readonly driven: boolean;
  /** See ControllerOptions.onAdvance; a recorder sets it when it starts. */
  onAdvance: ((tick: number) => void) | null;

  constructor(
    session: Session,
    opts: ControllerOptions = {},
    private readonly clock: Clock = opts.clock ?? REAL_CLOCK,
  ) {
    this.session = session;
    this.driven = opts.driven ?? false;
    this.onAdvance = opts.onAdvance ?? null;
    this.pauseSeen = session.pauses.length;
    this.state = {version: 0, tick: session.tick, running: false, speed: opts.speed ?? DEFAULT_SPEED, note: null, command: null, oldestTick: session.tick};
    this.snapshots.push({tick: session.tick, session: session.snapshot(), inputs: 0});
    this.checkPauses();
    if (opts.running) this.play();
  }

  // ---- the store ------------------------------------------------------------------------------------------

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ControllerState => this.state;

  /** The view model of the current tick (built once per change). */
  viewModel(): ViewModel {
    if (this.view?.version !== this.state.version) this.view = {version: this.state.version, model: buildViewModel(this.session)};
    return this.view.model;
  }

  get current(): Session {
    return this.session;
  }

  /** Every kcall typed so far, in order (what a recording keeps). */
  get inputLog(): readonly Input[] {
    return this.inputs;
  }

  private update(patch: Partial<ControllerState>, now = true): void {
    // (now = false: the change waits for the next frame)
    this.state = {...this.state, ...patch, tick: this.session.tick, version: this.state.version + 1};
    if (now) this.notify();
  }

  private notify(): void {
    if (this.batching > 0) {
      this.pending = true;
      return;
    }
    this.lastNotify = this.clock.now();
    for (const l of this.listeners) l();
  }

  private batching = 0;
  private pending = false;

  /**
   * Run fn with the listeners told once at the end, not at each change (a replay moves many keys and ticks at
   * once); with tell = false, not even then: the next batch that tells will.
   */
  batch<T>(fn: () => T, tell = true): T {
    this.batching++;
    try {
      return fn();
    } finally {
      if (--this.batching === 0 && this.pending && tell) {
        this.pending = false;
        this.notify();
      }
    }
  }

  // ---- running --------------------------------------------------------------------------------------------

  play(): void {
    if (this.state.running || this.state.note) return;
    this.lastSlice = this.clock.now();
    this.owed = 0;
    this.update({running: true});
    this.schedule();
  }

  pause(): void {
    if (!this.state.running) return;
    this.unschedule();
    this.update({running: false});
  }

  toggle(): void {
    if (this.state.running) this.pause();
    else this.play();
  }

  faster(): void {
    const i = SPEEDS.indexOf(this.state.speed);
    this.update({speed: SPEEDS[Math.min(SPEEDS.length - 1, i + 1)]});
  }

  slower(): void {
    const i = SPEEDS.indexOf(this.state.speed);
    this.update({speed: SPEEDS[Math.max(0, i - 1)]});
  }

  /** Stop the slices for good (the dashboard is closing). */
  dispose(): void {
    this.unschedule();
    this.listeners.clear();
  }

  private schedule(): void {
    if (!this.driven) this.timer = this.clock.setTimeout(() => this.slice(), 0);
  }

  /**
   * Driven mode: run up to n ticks forward as a running session does between two keys (stopping early at a
   * pausing note, as a slice does). Returns the ticks run. Nothing runs while paused.
   */
  runFor(n: number): number {
    let ran = 0;
    while (ran < n && this.state.running) {
      this.advance();
      ran++;
    }
    if (ran > 0) this.update({});
    return ran;
  }

  /**
   * A replay's start (driven mode, on a fresh session at its first tick): the inputs the recorded controller had,
   * run silently up to the tick the recording began at, then its state as it was (speed, running, a note open,
   * the notes already shown, the last command's result).
   */
  prime(p: {tick: number; inputs: readonly Input[]; shownPauses: readonly number[]; speed: number; running: boolean; note: ControllerState['note']; command: CommandResult | null}): void {
    this.inputs.push(...p.inputs);
    this.applyInputs();
    while (this.session.tick < p.tick) {
      this.session.step();
      this.applyInputs();
      if (this.session.tick % SNAPSHOT_EVERY === 0) this.takeSnapshot();
    }
    this.shownPauses = new Set(p.shownPauses);
    this.pauseSeen = this.session.pauses.length;
    this.update({speed: p.speed, running: p.running, note: p.note, command: p.command});
  }

  /** What a recording needs to start from here (see prime()). */
  get shownNotes(): readonly number[] {
    return [...this.shownPauses];
  }

  /** The controller's whole state (sessions are copied where they would change; stored snapshots never change). */
  checkpoint(): ControllerCheckpoint {
    return {
      session: this.session.snapshot(),
      inputs: this.inputs.slice(),
      snapshots: this.snapshots.slice(),
      state: this.state,
      shownPauses: new Set(this.shownPauses),
      pauseSeen: this.pauseSeen,
    };
  }

  /** Back to a checkpoint (a replay stepping back); the checkpoint stays usable for another restore. */
  restore(cp: ControllerCheckpoint): void {
    this.unschedule();
    this.session = cp.session.snapshot();
    this.inputs.length = 0;
    this.inputs.push(...cp.inputs);
    this.snapshots = cp.snapshots.slice();
    this.shownPauses = new Set(cp.shownPauses);
    this.pauseSeen = cp.pauseSeen;
    this.state = {...cp.state, version: this.state.version + 1};
    this.notify();
  }

  private unschedule(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** One time slice: run what is due, then yield. */
  slice(): void {
    this.timer = null;
    if (!this.state.running) return;
    const start = this.clock.now();
    const speed = this.state.speed;
    if (speed === Infinity) {
      do this.advance();
      while (this.state.running && this.clock.now() - start < SLICE_MS);
    } else {
      this.owed = Math.min(this.owed + ((start - this.lastSlice) / 1000) * speed, speed); // at most a second behind
      while (this.owed >= 1 && this.state.running && this.clock.now() - start < SLICE_MS) {
        this.owed -= 1;
        this.advance();
      }
    }
    this.lastSlice = start;
    if (this.state.running) {
      this.state = {...this.state, tick: this.session.tick, version: this.state.version + 1};
      if (this.clock.now() - this.lastNotify >= FRAME_MS) this.notify();
      this.timer = this.clock.setTimeout(() => this.slice(), speed === Infinity ? 0 : Math.max(1, Math.min(FRAME_MS, 1000 / speed)));
    }
  }

  /** One tick forward: the step, the inputs of the new tick, a snapshot now and then, a pausing note. */
  private advance(): void {
    this.session.step();
    this.applyInputs();
    if (this.session.tick % SNAPSHOT_EVERY === 0) this.takeSnapshot();
    this.checkPauses();
    this.onAdvance?.(this.session.tick);
  }

  private applyInputs(): void {
    for (const i of this.inputs) if (i.tick === this.session.tick) this.exec(i);
  }

  private checkPauses(): void {
    const p = this.session.pauses;
    for (; this.pauseSeen < p.length; this.pauseSeen++) {
      const tick = p[this.pauseSeen];
      if (this.shownPauses.has(tick)) continue;
      this.shownPauses.add(tick);
      const note = [...this.session.transcript].reverse().find((l) => l.kind === 'note' && l.tick === tick);
      this.unschedule();
      this.update({running: false, note: {tick, text: note?.text ?? ''}});
    }
  }

  dismissNote(): void {
    if (this.state.note) this.update({note: null});
  }

  // ---- stepping -------------------------------------------------------------------------------------------

  /** n ticks forward (paused). */
  step(n = 1): void {
    this.unschedule();
    this.state = {...this.state, running: false, note: null};
    for (let i = 0; i < n && !this.state.note; i++) this.advance();
    this.update({});
  }

  /** Back n ticks: restore the nearest snapshot at or before the target and run forward to it. */
  stepBack(n = 1): void {
    this.unschedule();
    const target = Math.max(this.snapshots[0].tick, this.session.tick - n);
    this.goTo(target);
    this.update({running: false, note: null});
  }

  private goTo(target: number): void {
    let snap = this.snapshots[0];
    for (const s of this.snapshots) if (s.tick <= target) snap = s;
    this.session = snap.session.snapshot();
    // Inputs typed at the snapshot's tick after it was taken run now; the later ones at their ticks.
    for (let k = snap.inputs; k < this.inputs.length; k++) if (this.inputs[k].tick === snap.tick) this.exec(this.inputs[k]);
    this.pauseSeen = this.session.pauses.length;
    while (this.session.tick < target) {
      this.session.step();
      this.applyInputs();
      this.pauseSeen = this.session.pauses.length;
    }
    this.snapshots = this.snapshots.filter((s) => s.tick <= target);
  }

  private takeSnapshot(): void {
    const inputs = this.inputs.filter((i) => i.tick <= this.session.tick).length;
    this.snapshots.push({tick: this.session.tick, session: this.session.snapshot(), inputs});
    if (this.snapshots.length > MAX_SNAPSHOTS) {
      // The newest RECENT_SNAPSHOTS stay SNAPSHOT_EVERY apart (a step back costs at most that many ticks to
      // replay); older ones are thinned to every other one, so history gets sparser with age and memory stays bounded.
      const old = this.snapshots.length - RECENT_SNAPSHOTS;
      this.snapshots = this.snapshots.filter((_, i) => i === 0 || i >= old || i % 2 === 1);
    }
    this.state = {...this.state, oldestTick: this.snapshots[0].tick};
  }

  // ---- the command line -----------------------------------------------------------------------------------

  /**
   * A kcall typed on the command line runs at the current tick on the given CPU and context (a leading
   * `@cpuN:context` in the text wins). It joins the input log, replacing any inputs after this tick (the
   * history from here on is rewritten), and its result or error is shown.
   */
  command(text: string, cpu: number, context: ContextName): CommandResult {
    const src = text.trim();
    const r = this.check(src);
    if (!r.ok) {
      const result = {text: src, ok: false, output: r.message};
      this.update({command: result});
      return result;
    }
    const tick = this.session.tick;
    // What was typed after this tick belongs to a future we are leaving.
    for (let k = this.inputs.length - 1; k >= 0 && this.inputs[k].tick > tick; k--) this.inputs.pop();
    this.snapshots = this.snapshots.filter((s) => s.tick <= tick);
    const input: Input = {tick, cpu, context, text: src};
    this.inputs.push(input);
    const output = this.exec(input);
    const result = {text: src, ok: !output.startsWith('error: '), output: output.replace(/^error: /, '')};
    this.update({command: result});
    return result;
  }

  /** Parse and check a command line without running it. */
  private check(src: string): {ok: true} | {ok: false; message: string} {
    if (src === '') return {ok: false, message: 'nothing to run: type a kernel call such as kmalloc(5000, GFP_ATOMIC)'};
    const p = parseKcall(src);
    if (!p.ok) return {ok: false, message: `${p.error.col}: ${p.error.message}`};
    const known = new Set(this.session.env.keys());
    for (const s of p.stmts) {
      const bad = checkStmt(s, known, this.session.machine.nrCpus);
      if (bad) return {ok: false, message: `${bad.col}: ${bad.message}`};
      if (s.target) known.add(s.target.name);
    }
    return {ok: true};
  }

  /** Run an input's statements; returns what they printed, one line per statement. */
  private exec(i: Input): string {
    const p = parseKcall(i.text);
    if (!p.ok) return `error: ${p.error.message}`;
    const out: string[] = [];
    for (const s of p.stmts) {
      // The event log shows the call before what the kernel prints while it runs.
      this.session.machine.log(s.cpu ?? i.cpu, 'info', `kcall @cpu${s.cpu ?? i.cpu}:${s.context ?? i.context}: ${s.text.replace(/^@\S+\s+/, '')}`);
      const r = execStmt(this.session.machine, s, this.session.env, {cpu: i.cpu, context: i.context, comm: 'kcall'});
      out.push(r.ok ? r.text : `error: ${r.error.message}`);
      this.session.recordCommand(s.text, r.ok ? r.text : null, r.ok ? '' : r.error.message);
    }
    return out.join('; ');
  }
}
