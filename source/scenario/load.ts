// The scenario loader: YAML text -> a validated Scenario, or exactly one error with its file, line and column.
//
// The schema is data: each mapping is a table of fields (key -> decoder, required or defaulted), so a new key such
// as `workloads:` is one line in SCENARIO_FIELDS plus its decoder. Decoders walk the YAML node tree (not plain JS
// values) so every error can point at the node it is about. The loader does no I/O and never throws.
import {isMap, isScalar, isSeq, LineCounter, parseDocument} from 'yaml';
import type {Node as YNode, Scalar} from 'yaml';
import type {ConfigError, MachineSpec} from '../kernel/config.js';
import {type Check, type Ctx, decoder, deref, fail, type Field, keyNode, linePos, mismatch, offsetOf, ok, optional, present, record, type RecordOf, required, seq, size, str, int, bool, oneOf, oneLine, withDefault} from './decode.js';
import {mapStmtPositions, parseKcall} from './kcall.js';
import {LOADABLE, type NamedWorkload, type WorkloadAction} from '../workloads/spec.js';
import {type KeyPositions, names, workloads} from './workload-schema.js';
import type {Pos, Stmt} from './kcall.js';

export type ScenarioError = {file: string; line: number; col: number; message: string};

/**
 * The version of the scenario language. A recording stores it, because it replays its scenario's source: bump it
 * when a scenario file that loads today would load with another meaning (a key renamed, a default changed).
 */
export const SCENARIO_FORMAT = 1;
/** One `at:` of the timeline: workload actions first, then the kernel calls, then the note. */
export type TimelineEntry = {at: number; actions: WorkloadAction[]; run?: Stmt[]; note?: string; pause: boolean; line: number; col: number};
export type Scenario = {
  file: string;
  source: string;
  name: string;
  description: string;
  seed: number;
  notes?: string;
  machine: MachineSpec;
  workloads: ScenarioWorkload[];
  timeline: TimelineEntry[];
};
export type ScenarioWorkload = NamedWorkload & {keys: KeyPositions};

// ---------------------------------------------------------------------------------------------------------------
// kcall text inside YAML: errors and statement positions are moved from the run text to the file.

const kcall = decoder('kernel calls, as in p = kmalloc(64, GFP_KERNEL)', (node, ctx) => {
  if (!isScalar(node) || typeof node.value !== 'string') return mismatch(node, 'kernel calls, as in p = kmalloc(64, GFP_KERNEL)');
  const src = node.value;
  const r = parseKcall(src);
  const toFile = scalarOffsets(node, src, ctx.text);
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') starts.push(i + 1);
  const fileOff = (p: Pos) => toFile(Math.min(src.length, (starts[p.line - 1] ?? 0) + p.col - 1));
  if (!r.ok) return fail(fileOff(r.error), r.error.message);
  return ok(r.stmts.map(s => mapStmtPositions(s, p => linePos(ctx, fileOff(p)))));
});

/**
 * Maps an offset in a scalar's value to an offset in the file. Plain and literal scalars map exactly: value and
 * source hold the same characters apart from indentation and folded line breaks. Escapes in quoted scalars are
 * matched approximately (a value character is looked for a few characters ahead).
 */
function scalarOffsets(node: Scalar, value: string, text: string): (i: number) => number {
  const [start, end] = node.range ?? [0, 0];
  let j = start;
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    const nl = text.indexOf('\n', start);
    j = nl < 0 || nl >= end ? end : nl + 1;
  } else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    j = start + 1;
  }
  const map: number[] = new Array<number>(value.length + 1);
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    map[i] = j;
    if (isSpace(c)) {
      if (j < end && isSpace(text[j])) j++;
      continue;
    }
    let k = j;
    let skipped = 0;
    while (k < end && text[k] !== c && (isSpace(text[k]) || ++skipped <= 10)) k++;
    if (k < end && text[k] === c) {
      map[i] = k;
      j = k + 1;
    }
  }
  map[value.length] = value.length > 0 ? map[value.length - 1] + 1 : j;
  return i => map[Math.max(0, Math.min(i, value.length))];
}


// ---------------------------------------------------------------------------------------------------------------
// The schema

// `nodes: 2` splits memory and CPUs evenly; a sequence describes each node.
const NODES_EXPECTED = 'a positive integer or a sequence of nodes such as [{memory: 512M, cpus: 1}]';
const nodeList = seq(record('node', {memory: optional(size), cpus: optional(int(0))}));
const nodeCount = int(1);
const nodes = decoder<number | RecordOf<{memory: Field<number>; cpus: Field<number>}>[]>(NODES_EXPECTED, (node, ctx) => {
  if (isSeq(node)) return nodeList.decode(node, ctx);
  const count = isScalar(node) ? nodeCount.decode(node, ctx) : undefined;
  return count?.ok ? count : mismatch(node, NODES_EXPECTED);
});

const MACHINE_FIELDS = {
  profile: optional(oneOf(['x86_64', 'i386'] as const)),
  memory: optional(size),
  cpus: optional(int(1)),
  nodes: optional(nodes),
  distance: optional(seq(seq(int(0)))),
  reserved: optional(seq(record('reserved range', {start: required(size), size: required(size)}))),
  pcp: optional(bool),
  min_free_kbytes: optional(int(0)),
  watermark_scale_factor: optional(int(0)),
  slab: optional(oneOf(['slub', 'slab'] as const)),
  vmalloc: optional(size),
};

const VERBS = ['start', 'stop', 'load', 'unload'] as const;
const ENTRY_FIELDS = {
  at: required(int(0)),
  start: optional(names),
  stop: optional(names),
  load: optional(names),
  unload: optional(names),
  run: optional(kcall),
  note: optional(str),
  pause: withDefault(bool, false),
};

const entryRules: Check<RecordOf<typeof ENTRY_FIELDS>> = (e, map) => {
  if (e.run === undefined && e.note === undefined && VERBS.every(v => e[v] === undefined)) {
    return fail(offsetOf(map), 'found a timeline entry with nothing to do, expected at least one of run, note, start, stop, load, unload');
  }
  if (e.pause && e.note === undefined) return fail(offsetOf(keyNode(map, 'pause')?.key, offsetOf(map)), 'found "pause" without a "note", expected a note to show while paused');
  return undefined;
};

const entryRecord = record('timeline entry', ENTRY_FIELDS, entryRules);
const timelineEntry = decoder(entryRecord.expected, (node, ctx) => {
  const r = entryRecord.decode(node, ctx);
  if (!r.ok) return r;
  const {line, col} = linePos(ctx, offsetOf(node));
  // Actions run in the order they are written, so `stop: x` then `start: x` restarts x.
  const actions: WorkloadAction[] = [];
  const written = isMap(node) ? (node.items as {key: unknown}[]).map((p) => (isScalar(p.key) ? String(p.key.value) : '')) : [];
  for (const verb of VERBS.slice().sort((a, b) => written.indexOf(a) - written.indexOf(b))) {
    const k = isMap(node) ? keyNode(node, verb) : undefined;
    const names = r.value[verb] ?? [];
    const items = k && isSeq(k.value) ? (k.value.items as YNode[]) : [];
    names.forEach((name, i) => actions.push({verb, name, ...linePos(ctx, offsetOf(items[i] ?? k?.value ?? k?.key, offsetOf(node)))}));
  }
  const entry: TimelineEntry = {at: r.value.at, actions, pause: r.value.pause, line, col};
  if (r.value.run !== undefined) entry.run = r.value.run;
  if (r.value.note !== undefined) entry.note = r.value.note;
  return ok(entry);
});

const SCENARIO_FIELDS = {
  name: required(oneLine('name')),
  description: required(oneLine('description')),
  seed: withDefault(int(0), 1),
  machine: required(record('machine', MACHINE_FIELDS)),
  workloads: withDefault(workloads, []),
  timeline: withDefault(seq(timelineEntry), []),
  notes: optional(str),
};
const scenarioRecord = record('scenario', SCENARIO_FIELDS);

// ---------------------------------------------------------------------------------------------------------------
// Loading

export function loadScenario(
  file: string,
  text: string,
  validateMachine?: (spec: MachineSpec) => ConfigError | undefined,
): {ok: true; scenario: Scenario} | {ok: false; error: ScenarioError} {
  const lines = new LineCounter();
  const at = (off: number, message: string) => ({ok: false as const, error: {file, ...linePos({lines, text}, off), message}});
  try {
    const doc = parseDocument(text, {lineCounter: lines, uniqueKeys: false, prettyErrors: false});
    const ctx: Ctx = {doc, text, lines, aliases: 0};
    const yamlError = doc.errors[0] ?? doc.warnings[0];
    if (yamlError) {
      const hint = text[yamlError.pos[0]] === '@' ? ' (quote a run line that starts with @cpu, or write run: |)' : '';
      return at(yamlError.pos[0], `bad YAML: ${yamlError.message.split('\n')[0]}${hint}`);
    }
    const root = doc.contents as YNode | null;
    if (!present(root)) return at(0, `found nothing, expected ${scenarioRecord.expected}`);
    const r = scenarioRecord.decode(root, ctx);
    if (!r.ok) return at(r.off, r.message);
    const s = r.value;
    const machine: MachineSpec = s.machine;
    const refusal = validateMachine?.(machine);
    if (refusal) return at(configErrorOffset(root, refusal.path, ctx), refusal.message);
    const timeline = [...s.timeline].sort((a, b) => a.at - b.at);
    const bad = checkActions(s.workloads, timeline);
    if (bad) return {ok: false, error: {file, ...bad}};
    const scenario: Scenario = {file, source: text, name: s.name, description: s.description, seed: s.seed, machine, workloads: s.workloads, timeline};
    if (s.notes !== undefined) scenario.notes = s.notes;
    return {ok: true, scenario};
  } catch (e) {
    // Not reached on any input we know of (the fuzz tests check); a bug here must still be an error value.
    return at(0, `internal error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The YAML node a kernel refusal is about: the deepest node along its path inside `machine:` that exists. */
function configErrorOffset(root: YNode, path: ReadonlyArray<string | number>, ctx: Ctx): number {
  const machinePair = isMap(root) ? keyNode(root, 'machine') : undefined;
  let off = offsetOf(machinePair?.key);
  let node = machinePair?.value ?? null;
  for (const step of path) {
    const d = node ? deref(node, ctx) : undefined;
    if (!d?.ok) break;
    node = d.value;
    if (typeof step === 'string' && isMap(node)) {
      const pair = keyNode(node, step);
      if (!pair) break;
      off = offsetOf(pair.key, off);
      node = pair.value;
      if (present(node)) off = offsetOf(node, off);
    } else if (typeof step === 'number' && isSeq(node) && step >= 0 && step < node.items.length) {
      node = node.items[step] as YNode | null;
      off = offsetOf(node, off);
    } else {
      break;
    }
  }
  return off;
}

/** Each action names a declared workload, with the verb its type takes (drivers load, the others start). */
function checkActions(ws: readonly NamedWorkload[], timeline: readonly TimelineEntry[]): {line: number; col: number; message: string} | undefined {
  for (const e of timeline) {
    for (const a of e.actions) {
      const w = ws.find(x => x.name === a.name);
      if (!w) {
        const known = ws.map(x => x.name).join(', ') || '(no workloads declared)';
        return {line: a.line, col: a.col, message: `${a.verb}: unknown workload ${JSON.stringify(a.name)}, expected one of: ${known}`};
      }
      const loadable = LOADABLE.has(w.spec.type);
      const fits = loadable ? a.verb === 'load' || a.verb === 'unload' : a.verb === 'start' || a.verb === 'stop';
      if (!fits) {
        const want = loadable ? (a.verb === 'start' ? 'load' : 'unload') : a.verb === 'load' ? 'start' : 'stop';
        return {line: a.line, col: a.col, message: `${a.verb}: ${w.spec.type} workload ${JSON.stringify(a.name)} is ${loadable ? 'loaded and unloaded' : 'started and stopped'}, expected ${want}: ${a.name}`};
      }
    }
  }
  return undefined;
}

export function formatScenarioError(e: ScenarioError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.message}`;
}
