// A recording of live mode (issue 9 item 6): the same JSON-lines family as the emulator's (session/recording.ts),
// with mode 'live'. The emulator's run is a function of its inputs and is re-run; the host's samples cannot be
// recomputed, so they are stored, each as what changed since the one before (sample-codec.ts).
//
// The header holds where the samples came from, the terminal, and the live controller's whole state when recording
// began (a recording started with r mid-session replays exactly): the samples kept (the first whole, then deltas),
// which one was shown, whether the view was frozen, the interval, the event log and the view's state.
// Events carry the milliseconds since recording began, and `shown`, the sample shown when they happened:
//   sample  a sample taken: its seq, and `sample` (whole: the first of a recording with nothing kept) or `delta`
//   key     a key the dashboard acted on (keymap names, as the emulator's recordings)
//   resize  the terminal's new size
//   marker  the lecturer's m, with its label
//   end     a clean stop
import type {CommandResult} from '../session/controller.js';
import type {EventView} from '../session/view-model.js';
import type {LiveCheckpoint} from './live-controller.js';
import type {Sample} from './sample.js';
import {decodeSample, type SampleDelta} from './sample-codec.js';

export type SampleLine = {seq: number; sample: Sample} | {seq: number; delta: SampleDelta};

export type LiveStart = {
  /** The view's state (ui-state.ts UiState), as in the emulator's recordings. */
  ui: unknown;
  interval: number;
  running: boolean;
  /** The seq of the sample shown; 0 before the first. */
  shown: number;
  command: CommandResult | null;
  /** The samples the controller kept, oldest first. */
  kept: SampleLine[];
  events: EventView[];
  /** The seq the next event logged gets. */
  eventSeq: number;
};

export type LiveRecordingHeader = {
  kmemscope: 'recording';
  format: number;
  mode: 'live';
  version: string;
  created: string;
  /** What was sampled ("/proc" or a --proc-root), the --interval, the kernel, and how many samples were kept. */
  live: {source: string; interval: number; kernel: string | null; keep: number};
  terminal: {cols: number; rows: number};
  start: LiveStart;
};

type At = {ms: number; shown: number};
export type LiveRecordingEvent =
  | ({type: 'sample'; ms: number} & SampleLine)
  | (At & {type: 'key'; key: string})
  | (At & {type: 'resize'; cols: number; rows: number})
  | (At & {type: 'marker'; label: string})
  | (At & {type: 'end'});

/** An event as a replay uses it: its sample decoded. */
export type LiveEvent = Exclude<LiveRecordingEvent, {type: 'sample'}> | {type: 'sample'; ms: number; seq: number; sample: Sample};

export type LiveRecording = {
  header: LiveRecordingHeader;
  /** The controller's state at the start, decoded from the header. */
  start: LiveCheckpoint;
  events: LiveEvent[];
  /** Set when the file was cut or corrupt: one line naming where; the events before it are kept. */
  warning?: string;
  ended: boolean;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isCommand = (v: unknown): boolean => v === null || (isObject(v) && typeof v.text === 'string' && typeof v.ok === 'boolean' && typeof v.output === 'string');
const isEventView = (v: unknown): boolean =>
  isObject(v) && isCount(v.seq) && isCount(v.tick) && typeof v.kind === 'string' && typeof v.text === 'string' && Array.isArray(v.detail);
const isArrayOrNull = (v: unknown): boolean => v === null || Array.isArray(v);

/** What is wrong with a whole sample, or undefined (its shape, as far as the view relies on it). */
function sampleProblem(s: unknown): string | undefined {
  if (!isObject(s) || !isCount(s.seq) || typeof s.time !== 'number') return 'a sample without its seq and time';
  if (!isObject(s.problems) || !isObject(s.skipped)) return 'a sample without its problems and skipped';
  if (!isArrayOrNull(s.zones) || !isArrayOrNull(s.caches) || !isArrayOrNull(s.tlb)) return 'a sample whose zones, caches or tlb are not lists';
  if (s.vmalloc !== null && !(isObject(s.vmalloc) && Array.isArray(s.vmalloc.areas))) return 'a sample whose vmalloc has no areas';
  return undefined;
}

/** Reads a chain of sample lines, each against the one before: the header's kept samples, then the events'. */
export class SampleChain {
  last: Sample | null;

  constructor(last: Sample | null = null) {
    this.last = last;
  }

  /** The line's sample, or what is wrong with it. */
  next(line: Record<string, unknown>): {sample: Sample} | {problem: string} {
    const seq = line.seq;
    if (!isCount(seq)) return {problem: 'a sample without its seq'};
    if (this.last && seq <= this.last.seq) return {problem: `samples out of order (sample ${seq} after sample ${this.last.seq})`};
    let s: Sample;
    if (Object.hasOwn(line, 'sample')) {
      const bad = sampleProblem(line.sample);
      if (bad) return {problem: bad};
      s = line.sample as Sample;
      if (s.seq !== seq) return {problem: `sample ${s.seq} in the line of sample ${seq}`};
    } else if (isObject(line.delta) && typeof line.delta.time === 'number') {
      if (!this.last) return {problem: `sample ${seq} is stored as its changes, but there is no sample before it`};
      try {
        s = decodeSample(this.last, seq, line.delta as SampleDelta);
      } catch (e) {
        return {problem: `sample ${seq} does not apply to sample ${this.last.seq}: ${(e as Error).message}`};
      }
    } else return {problem: 'a sample event without its sample or delta'};
    this.last = s;
    return {sample: s};
  }
}

/** The controller's state a live header starts from, or what is wrong with the header. */
export function liveHeader(h: Record<string, unknown>): {ok: true; header: LiveRecordingHeader; start: LiveCheckpoint} | {ok: false; problem: string} {
  const bad = (problem: string) => ({ok: false as const, problem});
  const l = h.live;
  if (!isObject(l) || typeof l.source !== 'string') return bad('its live source is missing');
  if (typeof l.interval !== 'number' || !(l.interval > 0)) return bad('its live interval is missing');
  if (l.kernel !== null && typeof l.kernel !== 'string') return bad('its kernel is not a string or null');
  if (!isCount(l.keep) || l.keep === 0) return bad('its count of samples kept is missing');
  const t = h.terminal;
  if (!isObject(t) || !isCount(t.cols) || !isCount(t.rows) || t.cols === 0 || t.rows === 0) return bad('its terminal size is missing');
  const s = h.start;
  if (!isObject(s)) return bad('its start state is missing');
  if (typeof s.interval !== 'number' || !(s.interval > 0)) return bad('its start interval is missing');
  if (typeof s.running !== 'boolean') return bad('its start running flag is missing');
  if (!isCount(s.shown)) return bad('its start sample shown is missing');
  if (!isCommand(s.command)) return bad('its start command is not {text, ok, output} or null');
  if (!Array.isArray(s.events) || !s.events.every(isEventView) || !isCount(s.eventSeq)) return bad('its start event log is not a list of events');
  if (!Array.isArray(s.kept)) return bad('its kept samples are not a list');
  const chain = new SampleChain();
  const samples: Sample[] = [];
  for (const [i, line] of s.kept.entries()) {
    const r = isObject(line) ? chain.next(line) : {problem: 'not a sample line'};
    if ('problem' in r) return bad(`its kept sample ${i + 1}: ${r.problem}`);
    samples.push(r.sample);
  }
  const shown = s.shown === 0 ? -1 : samples.findIndex((x) => x.seq === s.shown);
  if (s.shown !== 0 && shown < 0) return bad(`it shows sample ${s.shown}, which it does not keep`);
  const header = h as unknown as LiveRecordingHeader;
  return {
    ok: true,
    header,
    start: {samples, shown, events: header.start.events, eventSeq: header.start.eventSeq, running: header.start.running, interval: header.start.interval, command: header.start.command},
  };
}

/** An event line checked (and its sample decoded through the chain), or what is wrong with it. */
export function liveEvent(e: unknown, lastMs: number, chain: SampleChain): {event: LiveEvent} | {problem: string} {
  if (!isObject(e)) return {problem: 'not a recording event (expected a JSON object)'};
  if (typeof e.ms !== 'number' || !Number.isFinite(e.ms) || e.ms < 0) return {problem: 'an event without a time (ms)'};
  if (e.ms < lastMs) return {problem: `time goes backwards (${e.ms} ms after ${lastMs} ms)`};
  if (e.type === 'sample') {
    const r = chain.next(e);
    return 'problem' in r ? r : {event: {type: 'sample', ms: e.ms, seq: r.sample.seq, sample: r.sample}};
  }
  if (!isCount(e.shown)) return {problem: 'an event without the sample shown'};
  const ok = {event: e as unknown as LiveEvent};
  switch (e.type) {
    case 'key':
      return typeof e.key === 'string' && e.key !== '' ? ok : {problem: 'a key event without its key'};
    case 'resize':
      return isCount(e.cols) && isCount(e.rows) && e.cols > 0 && e.rows > 0 ? ok : {problem: 'a resize event without its size'};
    case 'marker':
      return typeof e.label === 'string' ? ok : {problem: 'a marker without its label'};
    case 'end':
      return ok;
    default:
      return {problem: `an event of unknown type ${JSON.stringify(e.type)} (expected sample, key, resize, marker or end)`};
  }
}
