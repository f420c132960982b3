// The emulator state hash a recording stores at each marker and every 1000 ticks, and a replay recomputes at
// the same tick to find the first divergence (issue 8). It covers exactly what Session.snapshot() copies with
// cloneState (kernel/snapshot.ts) - {machine, sys, env, pauses} - and walks that object graph the same way:
// objects by their own enumerable keys in order, arrays, Maps, Sets and typed arrays; functions are shared code
// and hold no state, so they count only as "a function is here". The transcript is not state (it is capped and
// only reports), and nothing of the Controller is.
//
// Equal states give equal hashes however they were reached, and the hash is the same in every process: it reads
// no object identities, no clock, no per-process seed. Shared references and cycles are encoded by the index of
// the object's first visit, so the shape of the sharing is hashed too (two fields pointing at one Zone differ from
// two fields pointing at two equal Zones, and a snapshot keeps that shape). Each object's class name goes in, so
// a SlabList and a plain object with the same fields differ.
//
// The mix is two 32-bit lanes, each a murmur3-style word mix with its own constants, finalised together (the
// x86_128 finalisation of murmur3) into 64 bits. Typed arrays, most of the bytes, are read 32 bits at a time
// through an Int32Array view of their own range of the buffer.
import type {Session} from './session.js';

// Tags: one word before each value says what kind of value follows.
const T_UNDEFINED = 1;
const T_NULL = 2;
const T_FALSE = 3;
const T_TRUE = 4;
const T_INT = 5;
const T_DOUBLE = 6;
const T_NAN = 7;
const T_NEG_ZERO = 8;
const T_STRING = 9;
const T_BIGINT = 10;
const T_FUNCTION = 11;
const T_SYMBOL = 12;
const T_REF = 13;
const T_ARRAY = 14;
const T_MAP = 15;
const T_SET = 16;
const T_VIEW = 17;
const T_OBJECT = 18;

// The walk's state lives at module level, so the recursion passes one argument and allocates no closures.
// stateHash() resets it on entry; the walk never yields, so one hash cannot see another's.
let a = 0;
let b = 0;
let words = 0;
let seen = new Map<object, number>();

const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);

/** Class names, hashed once per prototype (prototypes are code, not state: they outlive any session). */
const classNames = new WeakMap<object, number>();

/** One 32-bit word into both lanes (murmur3 x86_32's body, with a second set of constants for lane b). */
function mix(w: number): void {
  let k = Math.imul(w, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  a ^= k;
  a = (Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
  k = Math.imul(w, 0x85ebca6b);
  k = Math.imul((k << 13) | (k >>> 19), 0xc2b2ae35);
  b ^= k;
  b = (Math.imul((b << 17) | (b >>> 15), 9) + 0x7f4a7c15) | 0;
  words++;
}

/** A string: its length, then its UTF-16 code units two to a word. */
function mixString(s: string): void {
  const n = s.length;
  mix(n);
  let i = 0;
  for (; i + 1 < n; i += 2) mix(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) mix(s.charCodeAt(i));
}

function mixNumber(v: number): void {
  if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
    mix(T_INT);
    mix(v);
  } else if (v !== v) mix(T_NAN); // every NaN alike: V8 may or may not keep a NaN's payload bits
  else if (v === 0) mix(T_NEG_ZERO);
  else {
    f64[0] = v;
    mix(T_DOUBLE);
    mix(f64Words[0]);
    mix(f64Words[1]);
  }
}

/** FNV-1a of a class name: one word per prototype, computed once. */
function className(o: object): number {
  const proto = Object.getPrototypeOf(o) as object | null;
  if (proto === null) return 0;
  let h = classNames.get(proto);
  if (h === undefined) {
    const ctor = (proto as {constructor?: unknown}).constructor;
    const name = typeof ctor === 'function' ? ctor.name : '';
    h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    classNames.set(proto, h);
  }
  return h;
}

/** A typed array (or DataView): its class, its length in bytes, then its bytes, 32 bits at a time. */
function mixView(v: ArrayBufferView): void {
  const off = v.byteOffset;
  const len = v.byteLength;
  mix(len);
  let ha = a;
  let hb = b;
  const n = len >>> 2;
  let tail = 0;
  let tailFrom = 0;
  if ((off & 3) === 0) {
    const w32 = new Int32Array(v.buffer, off, n);
    // mix() written out, with the lanes in locals: this loop carries most of the hash's bytes.
    for (let i = 0; i < n; i++) {
      const w = w32[i];
      let k = Math.imul(w, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      ha ^= k;
      ha = (Math.imul((ha << 13) | (ha >>> 19), 5) + 0xe6546b64) | 0;
      k = Math.imul(w, 0x85ebca6b);
      k = Math.imul((k << 13) | (k >>> 19), 0xc2b2ae35);
      hb ^= k;
      hb = (Math.imul((hb << 17) | (hb >>> 15), 9) + 0x7f4a7c15) | 0;
    }
    tailFrom = n << 2;
  }
  a = ha;
  b = hb;
  words += tailFrom >>> 2;
  // An unaligned view (a Uint8Array or Uint16Array at an odd offset) goes byte by byte, little-endian words as
  // the aligned path reads them on every machine we run on; so does the last 1-3 bytes of an aligned one.
  const bytes = new Uint8Array(v.buffer, off, len);
  let shift = 0;
  for (let i = tailFrom; i < len; i++) {
    tail |= bytes[i] << shift;
    shift += 8;
    if (shift === 32) {
      mix(tail);
      tail = 0;
      shift = 0;
    }
  }
  if (shift !== 0) mix(tail);
}

function walk(v: unknown): void {
  switch (typeof v) {
    case 'number':
      mixNumber(v);
      return;
    case 'string':
      mix(T_STRING);
      mixString(v);
      return;
    case 'boolean':
      mix(v ? T_TRUE : T_FALSE);
      return;
    case 'undefined':
      mix(T_UNDEFINED);
      return;
    case 'bigint':
      mix(T_BIGINT);
      mixString(v.toString(16));
      return;
    case 'function':
      mix(T_FUNCTION);
      return;
    case 'symbol':
      mix(T_SYMBOL);
      mixString(v.description ?? '');
      return;
  }
  if (v === null) {
    mix(T_NULL);
    return;
  }
  const o = v as object;
  const first = seen.get(o);
  if (first !== undefined) {
    mix(T_REF);
    mix(first);
    return;
  }
  seen.set(o, seen.size);
  if (ArrayBuffer.isView(o)) {
    mix(T_VIEW);
    mix(className(o));
    mixView(o);
    return;
  }
  if (Array.isArray(o)) {
    mix(T_ARRAY);
    mix(className(o));
    const n = o.length;
    mix(n);
    for (let i = 0; i < n; i++) {
      const x: unknown = o[i];
      // Arrays of small integers are common (free counts, ids): no call for them.
      if (typeof x === 'number' && (x | 0) === x && (x !== 0 || 1 / x > 0)) {
        mix(T_INT);
        mix(x);
      } else walk(x);
    }
    return;
  }
  if (o instanceof Map) {
    mix(T_MAP);
    mix(className(o));
    mix(o.size);
    for (const [k, x] of o) {
      walk(k);
      walk(x);
    }
    return;
  }
  if (o instanceof Set) {
    mix(T_SET);
    mix(className(o));
    mix(o.size);
    for (const x of o) walk(x);
    return;
  }
  if (o instanceof WeakMap || o instanceof WeakSet) throw new Error('stateHash: a WeakMap or WeakSet cannot be walked; keep state enumerable');
  mix(T_OBJECT);
  mix(className(o));
  const keys = Object.keys(o);
  mix(keys.length);
  for (let i = 0; i < keys.length; i++) {
    mixString(keys[i]);
    walk((o as Record<string, unknown>)[keys[i]]);
  }
}

/** murmur3's fmix32: every input bit reaches every output bit. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const hex8 = (h: number) => (h >>> 0).toString(16).padStart(8, '0');

/** The hash of any object graph as stateHash() walks it (the tests use it on graphs of their own). */
export function hashGraph(root: unknown): string {
  a = 0x9e3779b9 | 0;
  b = 0x243f6a88;
  words = 0;
  seen = new Map();
  try {
    walk(root);
    let x = a ^ words;
    let y = b ^ words;
    x = (x + y) | 0;
    y = (y + x) | 0;
    x = fmix(x);
    y = fmix(y);
    x = (x + y) | 0;
    y = (y + x) | 0;
    return hex8(x) + hex8(y);
  } finally {
    seen = new Map(); // let the graph go
  }
}

/** A hash of everything that decides the session's future: 16 lowercase hex digits. */
export function stateHash(session: Session): string {
  // The same root, with the same keys in the same order, as Session.snapshot() hands to cloneState.
  return hashGraph({machine: session.machine, sys: session.sys, env: session.env, pauses: session.pauses});
}
