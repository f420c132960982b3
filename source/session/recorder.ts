// The dashboard's recorder: --record FILE or the r key writes a recording (recording.ts) as the lecture goes;
// every key the session or the view acts on, each resize, each m marker, and a state hash every HASH_EVERY ticks
// run forward. Markers also go to the asciicast when one is being written (--cast), so m works for either.
// The recorder reads the wall clock for event times only; the emulator never sees them. What it shares with live
// mode's recorder (the file, the badge, r and m, keys and resizes) is in recorder-base.ts.
import type {Scenario} from '../scenario/load.js';
import {SCENARIO_FORMAT} from '../scenario/load.js';
import type {Controller} from './controller.js';
import {KMEMSCOPE_VERSION} from './open-scenario.js';
import {RecorderBase, type RecorderBaseOptions, type RecorderEvent} from './recorder-base.js';
import {HASH_EVERY, type RecordingHeader, speedToJson} from './recording.js';
import {stateHash} from './state-hash.js';

export type RecorderOptions = RecorderBaseOptions & {
  readonly controller: Controller;
  readonly scenario: Scenario;
  readonly seed: number;
  /** The --slab override, if any (the scenario's source does not say it). */
  readonly slab: 'slub' | 'slab' | null;
};

export class Recorder extends RecorderBase<RecorderOptions> {
  private unsubscribe: (() => void) | null = null;

  protected header(): RecordingHeader {
    const c = this.o.controller;
    const st = c.getSnapshot();
    const {cols, rows} = this.o.size();
    return {
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
  }

  protected stem(): string {
    return `kmemscope-${this.o.scenario.name.replace(/[^\w.-]+/g, '-')}`;
  }

  protected attach(): void {
    const c = this.o.controller;
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
  }

  protected unhook(): void {
    this.o.controller.onAdvance = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  protected where(): {tick: number} {
    return {tick: this.o.controller.getSnapshot().tick};
  }

  /** The marker carries the state hash there. */
  protected markerEvent(label: string): RecorderEvent {
    const c = this.o.controller;
    return {type: 'marker', label, tick: c.getSnapshot().tick, hash: stateHash(c.current)};
  }

  protected summary(): string {
    return `${this.events} event${this.events === 1 ? '' : 's'} and ${this.markers} marker${this.markers === 1 ? '' : 's'}`;
  }
}
