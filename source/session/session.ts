// A Session is a Machine plus the Scenario that drives it: the timeline's kcalls and notes run at their
// ticks, handles live in one environment, and everything that happens is kept as a transcript line.
// Ticks: the machine boots at tick 0 and `at: 0` entries run right after boot; step() moves to the next
// tick, runs that tick's entries (workload actions, kcalls, the note), then each CPU takes its step (workload
// tasks, interrupt handlers, kswapd), then the kernel's end-of-tick work (slab reaping, vmalloc purges).
import {resolveMachineConfig} from '../kernel/config.js';
import {Machine} from '../kernel/machine.js';
import {cloneState} from '../kernel/snapshot.js';
import type {Scenario} from '../scenario/load.js';
import {createWorkload} from '../workloads/index.js';
import {System} from '../workloads/system.js';
import {checkStmt, execStmt} from './kcall-exec.js';

export type TranscriptLine = {tick: number; kind: 'kcall' | 'error' | 'note' | 'kernel' | 'action'; text: string; detail?: readonly string[]};

export type SessionError = {file: string; line: number; col: number; message: string};

/** The transcript keeps this many lines at most; the oldest tenth goes at once when it is over. */
export const TRANSCRIPT_MAX = 100_000;

export class Session {
  readonly machine: Machine;
  /** The CPUs, their tasks and the scenario's workloads. */
  readonly sys: System;
  readonly env = new Map<string, bigint>();
  readonly transcript: TranscriptLine[] = [];
  /** Transcript lines dropped from the front: it keeps the newest TRANSCRIPT_MAX lines (a long run stays bounded). */
  transcriptDropped = 0;
  transcriptMax = TRANSCRIPT_MAX;
  /** Notes with pause: true that were reached (the dashboard stops at them; headless runs go on). */
  readonly pauses: number[] = [];
  private next = 0;
  private eventSeq = 0;

  private constructor(
    readonly scenario: Scenario,
    readonly seed: number,
  ) {
    const r = resolveMachineConfig(scenario.machine);
    if (!r.ok) throw new Error(r.error.message); // create() has checked the spec already
    this.machine = new Machine(r.config, seed);
    this.sys = new System(this.machine, scenario.workloads, createWorkload);
    this.sys.boot();
    // A workload starts at boot unless the timeline starts or loads it (one the timeline only stops runs till then).
    const named = new Set(scenario.timeline.flatMap((e) => e.actions.filter((a) => a.verb === 'start' || a.verb === 'load').map((a) => a.name)));
    for (const w of this.sys.workloads) if (!named.has(w.name)) w.start(this.sys);
    this.runEntries();
    this.collectEvents();
  }

  /**
   * Check the timeline as a whole (handles are assigned before use, calls exist, CPUs exist) and boot.
   * The scenario's own seed is used unless one is given.
   */
  static create(scenario: Scenario, seed?: number): {ok: true; session: Session} | {ok: false; error: SessionError} {
    const r = resolveMachineConfig(scenario.machine);
    if (!r.ok) return {ok: false, error: {file: scenario.file, line: 1, col: 1, message: r.error.message}};
    for (const w of scenario.workloads) {
      const bad = (w.spec.cpus ?? []).find((c) => c >= r.config.nrCpus);
      if (bad !== undefined) {
        const at = w.keys.cpus ?? {line: w.line, col: w.col};
        return {ok: false, error: {file: scenario.file, ...at, message: `workload "${w.name}": CPU ${bad} does not exist, expected CPUs 0-${r.config.nrCpus - 1}`}};
      }
      if (w.spec.cpus?.length === 0) {
        return {ok: false, error: {file: scenario.file, ...(w.keys.cpus ?? w), message: `workload "${w.name}": found no CPUs, expected at least one`}};
      }
    }
    const known = new Set<string>();
    for (const e of scenario.timeline) {
      for (const s of e.run ?? []) {
        const bad = checkStmt(s, known, r.config.nrCpus);
        if (bad) return {ok: false, error: {file: scenario.file, ...bad}};
        if (s.target) known.add(s.target.name);
      }
    }
    return {ok: true, session: new Session(scenario, seed ?? scenario.seed)};
  }

  /**
   * A complete, independent copy of the session at this tick: machine, CPUs and tasks, workloads, handles and
   * the timeline's position (DESIGN §3: step back restores a copy and runs forward). The scenario is shared:
   * it never changes.
   */
  snapshot(): Session {
    const copy = Object.create(Session.prototype) as Session;
    const state = cloneState({machine: this.machine, sys: this.sys, env: this.env, pauses: this.pauses});
    Object.assign(copy, {scenario: this.scenario, seed: this.seed, ...state, transcript: this.transcript.slice(), transcriptDropped: this.transcriptDropped, next: this.next, eventSeq: this.eventSeq});
    return copy;
  }

  get tick(): number {
    return this.machine.tick;
  }

  /** The tick of the last timeline entry (0 for none). */
  get lastEntryTick(): number {
    const t = this.scenario.timeline;
    return t.length ? t[t.length - 1].at : 0;
  }

  step(): void {
    this.machine.beginTick();
    this.runEntries();
    this.sys.runTick();
    this.machine.endTick();
    this.collectEvents();
  }

  runTicks(n: number): void {
    for (let i = 0; i < n; i++) this.step();
  }

  /** Run the timeline entries whose tick has come. */
  private runEntries(): void {
    const tl = this.scenario.timeline;
    while (this.next < tl.length && tl[this.next].at <= this.machine.tick) {
      const e = tl[this.next++];
      for (const a of e.actions) {
        const w = this.sys.workload(a.name);
        if (!w) continue; // the loader checked every name
        this.transcript.push({tick: this.tick, kind: 'action', text: `${a.verb} ${a.name}`});
        if (a.verb === 'start' || a.verb === 'load') w.start(this.sys);
        else w.stop(this.sys);
        this.collectEvents();
      }
      for (const s of e.run ?? []) {
        this.collectEvents();
        const r = execStmt(this.machine, s, this.env, {cpu: 0, context: 'process', comm: 'kcall'});
        // The call and its result first, then what the kernel logged while it ran.
        if (r.ok) this.transcript.push({tick: this.tick, kind: 'kcall', text: `${s.text}  =>  ${r.text}`});
        else this.transcript.push({tick: this.tick, kind: 'error', text: `${this.scenario.file}:${r.error.line}:${r.error.col}: ${r.error.message}`});
        this.collectEvents();
      }
      if (e.note !== undefined) {
        this.machine.log(0, 'note', e.note);
        this.collectEvents();
        if (e.pause) this.pauses.push(this.tick);
      }
    }
  }

  /** A kcall typed on the dashboard's command line: the call and its result (or error), then what the kernel logged. */
  recordCommand(text: string, result: string | null, error: string): void {
    this.transcript.push(result === null ? {tick: this.tick, kind: 'error', text: `${text}: ${error}`} : {tick: this.tick, kind: 'kcall', text: `${text}  =>  ${result}`});
    this.collectEvents();
  }

  /** Move new kernel log events into the transcript, in order. */
  private collectEvents(): void {
    for (const ev of this.machine.events.since(this.eventSeq)) {
      this.transcript.push({tick: ev.tick, kind: ev.kind === 'note' ? 'note' : 'kernel', text: ev.text, detail: ev.detail});
    }
    this.eventSeq = this.machine.events.count;
    if (this.transcript.length > this.transcriptMax + this.transcriptMax / 10) {
      const n = this.transcript.length - this.transcriptMax;
      this.transcript.splice(0, n);
      this.transcriptDropped += n;
    }
  }
}
