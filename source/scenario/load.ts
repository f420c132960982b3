// The scenario loader: YAML text -> a validated Scenario, or exactly one error with its file, line and column.
//
// The schema is data: each mapping is a table of fields (key -> decoder, required or defaulted), so a new key such
// as `workloads:` is one line in SCENARIO_FIELDS plus its decoder. Decoders walk the YAML node tree (not plain JS
// values) so every error can point at the node it is about. The loader does no I/O and never throws.
import {isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument} from 'yaml';
import type {Document, Node as YNode, Pair, Scalar, YAMLMap} from 'yaml';
import type {ConfigError, MachineSpec} from '../kernel/config.js';
import {mapStmtPositions, parseKcall, parseNumber} from './kcall.js';
import type {Pos, Stmt} from './kcall.js';

export type ScenarioError = {file: string; line: number; col: number; message: string};
export type TimelineEntry = {at: number; run?: Stmt[]; note?: string; pause: boolean; line: number; col: number};
export type Scenario = {
  file: string;
  source: string;
  name: string;
  description: string;
  seed: number;
  notes?: string;
  machine: MachineSpec;
  timeline: TimelineEntry[];
};

// ---------------------------------------------------------------------------------------------------------------
// Decoders

type Ctx = {readonly doc: Document; readonly text: string; readonly lines: LineCounter; aliases: number};
/** A failure points at a byte offset in the file; it becomes a line and column at the very end. */
type Fail = {ok: false; off: number; message: string};
type Res<T> = {ok: true; value: T} | Fail;
type Decoder<T> = {readonly expected: string; readonly decode: (node: YNode, ctx: Ctx) => Res<T>};

/** More alias expansions than this are refused (a "billion laughs" file must not hang the loader). */
const MAX_ALIASES = 1000;

const ok = <T>(value: T): Res<T> => ({ok: true, value});
const fail = (off: number, message: string): Fail => ({ok: false, off, message});
const offsetOf = (node: YNode | null | undefined, fallback = 0): number => node?.range?.[0] ?? fallback;

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text);
}

/** What the user wrote, for "found ..." messages. */
function describe(node: YNode): string {
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a sequence';
  if (isAlias(node)) return quote('*' + node.source);
  if (!isScalar(node) || node.value === null || node.value === undefined) return 'nothing';
  if (typeof node.value === 'string') return quote(node.value);
  if (typeof node.value === 'number' || typeof node.value === 'boolean' || typeof node.value === 'bigint') {
    return quote(typeof node.source === 'string' && node.source !== '' ? node.source : String(node.value));
  }
  return 'binary data';
}

const mismatch = (node: YNode, expected: string): Fail => fail(offsetOf(node), `found ${describe(node)}, expected ${expected}`);

/** Follows an alias to its anchored node; every decoder sees through aliases. */
function deref(node: YNode, ctx: Ctx): Res<YNode> {
  if (!isAlias(node)) return ok(node);
  if (++ctx.aliases > MAX_ALIASES) return fail(offsetOf(node), `found more than ${MAX_ALIASES} aliases, expected fewer`);
  const target = node.resolve(ctx.doc);
  if (!target) return mismatch(node, 'an alias to an anchor defined before it, as in &name');
  return ok(target);
}

function decoder<T>(expected: string, decode: (node: YNode, ctx: Ctx) => Res<T>): Decoder<T> {
  return {
    expected,
    decode: (node, ctx) => {
      const d = deref(node, ctx);
      return d.ok ? decode(d.value, ctx) : d;
    },
  };
}

function scalar<T>(expected: string, accept: (value: unknown, node: Scalar) => T | undefined): Decoder<T> {
  return decoder(expected, node => {
    const v = isScalar(node) ? accept(node.value, node) : undefined;
    return v === undefined ? mismatch(node, expected) : ok(v);
  });
}

const str = scalar('a string', v => (typeof v === 'string' ? v : undefined));

/** Text on one line, trimmed; a folded block (>) is fine. */
const oneLine = (what: string): Decoder<string> =>
  decoder(`a ${what} on one line`, (node, ctx) => {
    const s = str.decode(node, ctx);
    if (!s.ok) return s;
    const v = s.value.trim();
    if (v === '') return mismatch(node, `a non-empty ${what}`);
    const lines = v.split('\n').length;
    return lines > 1 ? fail(offsetOf(node), `found a ${what} of ${lines} lines, expected one line`) : ok(v);
  });

const int = (min: 0 | 1): Decoder<number> =>
  scalar(min === 0 ? 'a non-negative integer' : 'a positive integer', v =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : undefined,
  );

const bool = scalar('true or false', v => (typeof v === 'boolean' ? v : undefined));

const oneOf = <const T extends string>(values: readonly T[]): Decoder<T> =>
  scalar(`one of: ${values.join(', ')}`, v => values.find(x => x === v));

/** A size in bytes: a YAML integer, or memparse-style text such as 512M, 1G, 64K, 0x1000000, 4096. */
const size = scalar('a size such as 512M, 1G or 0x40000000', v => {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const n = parseNumber(v.trim());
  return n !== undefined && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
});

const seq = <T>(item: Decoder<T>): Decoder<T[]> =>
  decoder(`a sequence (each item ${item.expected})`, (node, ctx) => {
    if (!isSeq(node)) return mismatch(node, `a sequence (each item ${item.expected})`);
    const out: T[] = [];
    for (const child of node.items) {
      const c = child as YNode | null;
      const r = present(c) ? item.decode(c, ctx) : fail(offsetOf(c, offsetOf(node)), `found nothing, expected ${item.expected}`);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return ok(out);
  });

/** `key:` with nothing after it counts as absent, so a commented-out list leaves the default. */
function present(node: YNode | null | undefined): node is YNode {
  return !!node && !(isScalar(node) && node.value === null);
}

// A mapping is a table of fields. Required and defaulted fields are always in the result; the others may be absent.
type Field<T> = {readonly decoder: Decoder<T>; readonly required?: true; readonly default?: T};
const required = <T>(decoder: Decoder<T>) => ({decoder, required: true as const});
const optional = <T>(decoder: Decoder<T>) => ({decoder});
const withDefault = <T>(decoder: Decoder<T>, value: T) => ({decoder, default: value});

type Fields = Record<string, Field<unknown>>;
type ValueOf<F> = F extends Field<infer T> ? T : never;
type Always<F> = {[K in keyof F as F[K] extends {required: true} | {default: unknown} ? K : never]: ValueOf<F[K]>};
type Maybe<F> = {[K in keyof F as F[K] extends {required: true} | {default: unknown} ? never : K]?: ValueOf<F[K]>};
type RecordOf<F> = Always<F> & Maybe<F>;
/** A cross-field rule, checked once every field has decoded. */
type Check<T> = (value: T, map: YAMLMap, ctx: Ctx) => Fail | undefined;

function record<F extends Fields>(what: string, fields: F, check?: Check<RecordOf<F>>): Decoder<RecordOf<F>> {
  const keys = Object.keys(fields);
  return decoder(`a mapping of ${what} keys (${keys.join(', ')})`, (node, ctx) => {
    if (!isMap(node)) return mismatch(node, `a mapping of ${what} keys (${keys.join(', ')})`);
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (const pair of node.items as Pair<YNode | null, YNode | null>[]) {
      const k = keyOf(pair, node, ctx);
      if (!k.ok) return k;
      const keyOff = offsetOf(pair.key, offsetOf(node));
      if (!Object.hasOwn(fields, k.value)) {
        return fail(keyOff, `unknown key ${quote(k.value)} in ${what}, expected one of: ${keys.join(', ')}`);
      }
      if (seen.has(k.value)) return fail(keyOff, `duplicate key ${quote(k.value)} in ${what}, expected each key once`);
      seen.add(k.value);
      const field = fields[k.value];
      if (!present(pair.value)) {
        if (field.required) return fail(keyOff, `found nothing, expected ${field.decoder.expected}`);
        continue;
      }
      const r = field.decoder.decode(pair.value, ctx);
      if (!r.ok) return r;
      out[k.value] = r.value;
    }
    for (const key of keys) {
      if (seen.has(key) && out[key] !== undefined) continue;
      if (fields[key].required) return fail(offsetOf(node), `missing required key ${quote(key)} in ${what}`);
      if (fields[key].default !== undefined) out[key] = structuredClone(fields[key].default); // never share a default
    }
    const value = out as RecordOf<F>;
    return check?.(value, node, ctx) ?? ok(value);
  });
}

function keyOf(pair: Pair<YNode | null, YNode | null>, map: YAMLMap, ctx: Ctx): Res<string> {
  if (!pair.key) return fail(offsetOf(pair.value, offsetOf(map)), 'found a value without a key, expected a key');
  const d = deref(pair.key, ctx);
  if (!d.ok) return d;
  const k = d.value;
  if (isScalar(k) && typeof k.value === 'string') return ok(k.value);
  if (isScalar(k) && k.value !== null) return ok(describe(k).slice(1, -1));
  return fail(offsetOf(pair.key), `found ${describe(k)} as a key, expected a name`);
}

/** Where `key` is written in a mapping (its key node), if it is. */
function keyNode(map: YAMLMap, key: string | number): Pair<YNode | null, YNode | null> | undefined {
  return (map.items as Pair<YNode | null, YNode | null>[]).find(p => isScalar(p.key) && p.key.value === key);
}

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

function linePos(ctx: Pick<Ctx, 'lines' | 'text'>, off: number): Pos {
  const p = ctx.lines.linePos(Math.max(0, Math.min(off, ctx.text.length)));
  return p.line < 1 ? {line: 1, col: Math.max(1, p.col + 1)} : {line: p.line, col: Math.max(1, p.col)};
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

const ENTRY_FIELDS = {at: required(int(0)), run: optional(kcall), note: optional(str), pause: withDefault(bool, false)};

const entryRules: Check<RecordOf<typeof ENTRY_FIELDS>> = (e, map) => {
  if (e.run === undefined && e.note === undefined) return fail(offsetOf(map), 'found a timeline entry with neither "run" nor "note", expected at least one');
  if (e.pause && e.note === undefined) return fail(offsetOf(keyNode(map, 'pause')?.key, offsetOf(map)), 'found "pause" without a "note", expected a note to show while paused');
  return undefined;
};

const entryRecord = record('timeline entry', ENTRY_FIELDS, entryRules);
const timelineEntry = decoder(entryRecord.expected, (node, ctx) => {
  const r = entryRecord.decode(node, ctx);
  if (!r.ok) return r;
  const {line, col} = linePos(ctx, offsetOf(node));
  const entry: TimelineEntry = {at: r.value.at, pause: r.value.pause, line, col};
  if (r.value.run !== undefined) entry.run = r.value.run;
  if (r.value.note !== undefined) entry.note = r.value.note;
  return ok(entry);
});

const SCENARIO_FIELDS = {
  name: required(oneLine('name')),
  description: required(oneLine('description')),
  seed: withDefault(int(0), 1),
  machine: required(record('machine', MACHINE_FIELDS)),
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
    const scenario: Scenario = {file, source: text, name: s.name, description: s.description, seed: s.seed, machine, timeline};
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

export function formatScenarioError(e: ScenarioError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.message}`;
}
