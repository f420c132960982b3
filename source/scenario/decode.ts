// YAML decoders that remember where each value was written: combinators (scalar, seq, record) that walk the YAML
// node tree, so every error points at its node as a byte offset, turned into line and column at the very end.
// The loader (load.ts) and the workload schema (workload-schema.ts) build the scenario's schema from these.
import {isAlias, isMap, isScalar, isSeq, LineCounter} from 'yaml';
import type {Document, Node as YNode, Pair, Scalar, YAMLMap} from 'yaml';
import {parseNumber} from './kcall.js';
import type {Pos} from './kcall.js';

// ---------------------------------------------------------------------------------------------------------------
// Decoders

export type Ctx = {readonly doc: Document; readonly text: string; readonly lines: LineCounter; aliases: number};
/** A failure points at a byte offset in the file; it becomes a line and column at the very end. */
export type Fail = {ok: false; off: number; message: string};
export type Res<T> = {ok: true; value: T} | Fail;
export type Decoder<T> = {readonly expected: string; readonly decode: (node: YNode, ctx: Ctx) => Res<T>};

/** More alias expansions than this are refused (a "billion laughs" file must not hang the loader). */
export const MAX_ALIASES = 1000;

export const ok = <T>(value: T): Res<T> => ({ok: true, value});
export const fail = (off: number, message: string): Fail => ({ok: false, off, message});
export const offsetOf = (node: YNode | null | undefined, fallback = 0): number => node?.range?.[0] ?? fallback;

export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text);
}

/** What the user wrote, for "found ..." messages. */
export function describe(node: YNode): string {
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

export const mismatch = (node: YNode, expected: string): Fail => fail(offsetOf(node), `found ${describe(node)}, expected ${expected}`);

/** Follows an alias to its anchored node; every decoder sees through aliases. */
export function deref(node: YNode, ctx: Ctx): Res<YNode> {
  if (!isAlias(node)) return ok(node);
  if (++ctx.aliases > MAX_ALIASES) return fail(offsetOf(node), `found more than ${MAX_ALIASES} aliases, expected fewer`);
  const target = node.resolve(ctx.doc);
  if (!target) return mismatch(node, 'an alias to an anchor defined before it, as in &name');
  return ok(target);
}

export function decoder<T>(expected: string, decode: (node: YNode, ctx: Ctx) => Res<T>): Decoder<T> {
  return {
    expected,
    decode: (node, ctx) => {
      const d = deref(node, ctx);
      return d.ok ? decode(d.value, ctx) : d;
    },
  };
}

export function scalar<T>(expected: string, accept: (value: unknown, node: Scalar) => T | undefined): Decoder<T> {
  return decoder(expected, node => {
    const v = isScalar(node) ? accept(node.value, node) : undefined;
    return v === undefined ? mismatch(node, expected) : ok(v);
  });
}

export const str = scalar('a string', v => (typeof v === 'string' ? v : undefined));

/** Text on one line, trimmed; a folded block (>) is fine. */
export const oneLine = (what: string): Decoder<string> =>
  decoder(`a ${what} on one line`, (node, ctx) => {
    const s = str.decode(node, ctx);
    if (!s.ok) return s;
    const v = s.value.trim();
    if (v === '') return mismatch(node, `a non-empty ${what}`);
    const lines = v.split('\n').length;
    return lines > 1 ? fail(offsetOf(node), `found a ${what} of ${lines} lines, expected one line`) : ok(v);
  });

export const int = (min: 0 | 1): Decoder<number> =>
  scalar(min === 0 ? 'a non-negative integer' : 'a positive integer', v =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min ? v : undefined,
  );

export const bool = scalar('true or false', v => (typeof v === 'boolean' ? v : undefined));

export const oneOf = <const T extends string>(values: readonly T[]): Decoder<T> =>
  scalar(`one of: ${values.join(', ')}`, v => values.find(x => x === v));

/** A size in bytes: a YAML integer, or memparse-style text such as 512M, 1G, 64K, 0x1000000, 4096. */
export const size = scalar('a size such as 512M, 1G or 0x40000000', v => {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const n = parseNumber(v.trim());
  return n !== undefined && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
});

export const seq = <T>(item: Decoder<T>): Decoder<T[]> =>
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
export function present(node: YNode | null | undefined): node is YNode {
  return !!node && !(isScalar(node) && node.value === null);
}

// A mapping is a table of fields. Required and defaulted fields are always in the result; the others may be absent.
export type Field<T> = {readonly decoder: Decoder<T>; readonly required?: true; readonly default?: T};
export const required = <T>(decoder: Decoder<T>) => ({decoder, required: true as const});
export const optional = <T>(decoder: Decoder<T>) => ({decoder});
export const withDefault = <T>(decoder: Decoder<T>, value: T) => ({decoder, default: value});

export type Fields = Record<string, Field<unknown>>;
export type ValueOf<F> = F extends Field<infer T> ? T : never;
export type Always<F> = {[K in keyof F as F[K] extends {required: true} | {default: unknown} ? K : never]: ValueOf<F[K]>};
export type Maybe<F> = {[K in keyof F as F[K] extends {required: true} | {default: unknown} ? never : K]?: ValueOf<F[K]>};
export type RecordOf<F> = Always<F> & Maybe<F>;
/** A cross-field rule, checked once every field has decoded. */
export type Check<T> = (value: T, map: YAMLMap, ctx: Ctx) => Fail | undefined;

export function record<F extends Fields>(what: string, fields: F, check?: Check<RecordOf<F>>): Decoder<RecordOf<F>> {
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

export function keyOf(pair: Pair<YNode | null, YNode | null>, map: YAMLMap, ctx: Ctx): Res<string> {
  if (!pair.key) return fail(offsetOf(pair.value, offsetOf(map)), 'found a value without a key, expected a key');
  const d = deref(pair.key, ctx);
  if (!d.ok) return d;
  const k = d.value;
  if (isScalar(k) && typeof k.value === 'string') return ok(k.value);
  if (isScalar(k) && k.value !== null) return ok(describe(k).slice(1, -1));
  return fail(offsetOf(pair.key), `found ${describe(k)} as a key, expected a name`);
}

/** Where `key` is written in a mapping (its key node), if it is. */
export function keyNode(map: YAMLMap, key: string | number): Pair<YNode | null, YNode | null> | undefined {
  return (map.items as Pair<YNode | null, YNode | null>[]).find(p => isScalar(p.key) && p.key.value === key);
}


export function linePos(ctx: Pick<Ctx, 'lines' | 'text'>, off: number): Pos {
  const p = ctx.lines.linePos(Math.max(0, Math.min(off, ctx.text.length)));
  return p.line < 1 ? {line: 1, col: Math.max(1, p.col + 1)} : {line: p.line, col: Math.max(1, p.col)};
}
