// A live recording stores each sample as what changed since the sample recorded before it: a sample of this host is
// about 50 KB of JSON (some 235 caches, over 1000 vmalloc areas), and from one second to the next most of it is the
// same. decodeSample(prev, seq, encodeSample(prev, cur)) equals cur exactly, and shares prev's objects wherever
// nothing changed (as takeSample does), so a replay's kept history costs what changed too.
//
// The delta, field by field (an absent field did not change; a field named as the sample's holds its new value):
//   zones        whole; or zoneChanges: [index, zone] for the zones that changed, when the zones are the same ones
//   caches       whole; or cacheChanges, by cache name: the fields of a row that changed, the rows that are new (or
//                changed shape) with their place, and the names gone
//   vmalloc      whole; or vmallocChanges: hashed and base when they changed, and the areas as diff hunks
//   meminfo, tlbCounters   whole; or the keys that changed and the keys gone
//   kernel, problems, skipped, tlb, tlbCpus   whole
// seq is not in the delta (a recording's sample event carries it); time always is.
import type {Sample, SampleCache, SampleVmalloc, SampleZone} from './sample.js';

type Area = SampleVmalloc['areas'][number];
type Counts = Record<string, number>;

/** Old index, how many old items go, the new items in their place (hunks in increasing old index). */
export type Hunk<T> = [at: number, deleted: number, inserted: T[]];
export type RecordChanges = {set?: Counts; gone?: string[]};
export type CacheChanges = {
  /** Rows that changed, by name: only their changed fields. */
  set?: Record<string, Partial<SampleCache>>;
  /** Rows that are new or changed shape: [index in the new list, row]. */
  put?: [number, SampleCache][];
  gone?: string[];
};

export type SampleDelta = {
  time: number;
  kernel?: string | null;
  problems?: Sample['problems'];
  skipped?: Sample['skipped'];
  zones?: SampleZone[] | null;
  zoneChanges?: [number, SampleZone][];
  caches?: SampleCache[] | null;
  cacheChanges?: CacheChanges;
  vmalloc?: SampleVmalloc | null;
  vmallocChanges?: {hashed?: boolean; base?: string | null; areas?: Hunk<Area>[]};
  meminfo?: Counts | null;
  meminfoChanges?: RecordChanges;
  tlb?: number[] | null;
  tlbCpus?: number[] | null;
  tlbCounters?: Counts | null;
  tlbCountersChanges?: RecordChanges;
};

/** Past this many inserted and deleted areas, the diff gives up and the areas go whole (they all moved). */
const MAX_AREA_EDITS = 256;

/** The JSON text of a value, remembered per object (a sample's parts are never changed once taken). */
const texts = new WeakMap<object, string>();
function text(v: unknown): string {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  let t = texts.get(v);
  if (t === undefined) texts.set(v, (t = JSON.stringify(v)));
  return t;
}

const same = (a: unknown, b: unknown): boolean => a === b || text(a) === text(b);

// ---- encoding ---------------------------------------------------------------------------------------------

/** What changed from prev to cur. */
export function encodeSample(prev: Sample, cur: Sample): SampleDelta {
  const d: SampleDelta = {time: cur.time};
  if (cur.kernel !== prev.kernel) d.kernel = cur.kernel;
  if (!same(prev.problems, cur.problems)) d.problems = cur.problems;
  if (!same(prev.skipped, cur.skipped)) d.skipped = cur.skipped;
  if (cur.zones !== prev.zones) {
    const ch = cur.zones && prev.zones ? zoneChanges(prev.zones, cur.zones) : null;
    if (ch) {
      if (ch.length) d.zoneChanges = ch;
    } else d.zones = cur.zones;
  }
  if (cur.caches !== prev.caches) {
    const ch = cur.caches && prev.caches ? cacheChanges(prev.caches, cur.caches) : null;
    if (ch) {
      if (Object.keys(ch).length) d.cacheChanges = ch;
    } else d.caches = cur.caches;
  }
  if (cur.vmalloc !== prev.vmalloc) {
    const ch = cur.vmalloc && prev.vmalloc ? vmallocChanges(prev.vmalloc, cur.vmalloc) : null;
    if (ch) {
      if (Object.keys(ch).length) d.vmallocChanges = ch;
    } else d.vmalloc = cur.vmalloc;
  }
  if (cur.meminfo !== prev.meminfo) {
    if (cur.meminfo && prev.meminfo) {
      const ch = recordChanges(prev.meminfo, cur.meminfo);
      if (ch) d.meminfoChanges = ch;
    } else d.meminfo = cur.meminfo;
  }
  if (!same(prev.tlb, cur.tlb)) d.tlb = cur.tlb;
  if (!same(prev.tlbCpus ?? null, cur.tlbCpus ?? null)) d.tlbCpus = cur.tlbCpus ?? null;
  if (cur.tlbCounters !== prev.tlbCounters) {
    if (cur.tlbCounters && prev.tlbCounters) {
      const ch = recordChanges(prev.tlbCounters, cur.tlbCounters);
      if (ch) d.tlbCountersChanges = ch;
    } else d.tlbCounters = cur.tlbCounters;
  }
  return d;
}

/** The zones that changed, by index; null when the zones are not the same ones (then they go whole). */
function zoneChanges(prev: SampleZone[], cur: SampleZone[]): [number, SampleZone][] | null {
  if (prev.length !== cur.length || cur.some((z, i) => z.node !== prev[i].node || z.zone !== prev[i].zone)) return null;
  return cur.flatMap((z, i) => (same(z, prev[i]) ? [] : [[i, z] as [number, SampleZone]]));
}

/** The caches' changes by name; null when the order of the caches that stayed changed (then they go whole). */
function cacheChanges(prev: SampleCache[], cur: SampleCache[]): CacheChanges | null {
  const old = new Map(prev.map((c) => [c.name, c]));
  const set: Record<string, Partial<SampleCache>> = {};
  const put: [number, SampleCache][] = [];
  cur.forEach((c, i) => {
    const p = old.get(c.name);
    if (p === c) return;
    const keys = Object.keys(c) as (keyof SampleCache)[];
    if (!p || keys.length !== Object.keys(p).length || !keys.every((k) => k in p)) {
      put.push([i, c]);
      return;
    }
    const changed = keys.filter((k) => !same(p[k], c[k]));
    if (changed.length) set[c.name] = Object.fromEntries(changed.map((k) => [k, c[k]])) as Partial<SampleCache>;
  });
  const names = new Set(cur.map((c) => c.name));
  const gone = prev.filter((c) => !names.has(c.name)).map((c) => c.name);
  const ch: CacheChanges = {};
  if (Object.keys(set).length) ch.set = set;
  if (put.length) ch.put = put;
  if (gone.length) ch.gone = gone;
  // Decoding keeps the order of the rows that stayed: if the kernel reordered them, this delta cannot say so.
  const rebuilt = applyCacheChanges(prev, ch).map((c) => c.name);
  return rebuilt.length === cur.length && rebuilt.every((n, i) => n === cur[i].name) ? ch : null;
}

function vmallocChanges(prev: SampleVmalloc, cur: SampleVmalloc): SampleDelta['vmallocChanges'] | null {
  const ch: NonNullable<SampleDelta['vmallocChanges']> = {};
  if (cur.hashed !== prev.hashed) ch.hashed = cur.hashed;
  if (cur.base !== prev.base) ch.base = cur.base;
  if (cur.areas !== prev.areas) {
    const hunks = diff(prev.areas, cur.areas, MAX_AREA_EDITS);
    if (!hunks) return null;
    if (hunks.length) ch.areas = hunks;
  }
  return ch;
}

function recordChanges(prev: Counts, cur: Counts): RecordChanges | null {
  const set: Counts = {};
  for (const [k, v] of Object.entries(cur)) if (prev[k] !== v) set[k] = v;
  const gone = Object.keys(prev).filter((k) => !(k in cur));
  const ch: RecordChanges = {};
  if (Object.keys(set).length) ch.set = set;
  if (gone.length) ch.gone = gone;
  return ch.set || ch.gone ? ch : null;
}

/**
 * Myers' O(ND) difference of two lists (items equal when their JSON is): the hunks that turn a into b, or null
 * when more than maxEdits items would be inserted or deleted.
 */
export function diff<T>(a: readonly T[], b: readonly T[], maxEdits: number): Hunk<T>[] | null {
  const ka = a.map(text);
  const kb = b.map(text);
  const n = ka.length;
  const m = kb.length;
  // Common ends first: the usual sample differs in a few places in the middle.
  let lo = 0;
  while (lo < n && lo < m && ka[lo] === kb[lo]) lo++;
  let hiA = n;
  let hiB = m;
  while (hiA > lo && hiB > lo && ka[hiA - 1] === kb[hiB - 1]) hiA--, hiB--;
  const N = hiA - lo;
  const M = hiB - lo;
  const max = N + M;
  if (max === 0) return [];
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  outer: for (let d = 0; d <= Math.min(max, maxEdits); d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < N && y < M && ka[lo + x] === kb[lo + y]) x++, y++;
      v[off + k] = x;
      if (x >= N && y >= M) {
        found = d;
        break outer;
      }
    }
  }
  if (found < 0) return null;
  // Back from the end: each step of d came from a diagonal k+1 (an insertion) or k-1 (a deletion).
  const matched: [number, number][] = [];
  let x = N;
  let y = M;
  for (let d = found; d > 0; d--) {
    const t = trace[d]; // v before step d, from index -d-1 .. d+1
    const at = (k: number) => t[k + d + 1];
    const k = x - y;
    const pk = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const px = at(pk);
    const py = px - pk;
    const sx = pk === k + 1 ? px : px + 1; // where the diagonal after this step's edit begins
    while (x > sx) matched.push([--x, --y]);
    x = px;
    y = py;
  }
  while (x > 0) matched.push([--x, --y]);
  matched.reverse();
  const hunks: Hunk<T>[] = [];
  let ia = 0;
  let ib = 0;
  for (const [i, j] of [...matched, [N, M] as [number, number]]) {
    if (i > ia || j > ib) hunks.push([lo + ia, i - ia, b.slice(lo + ib, lo + j)]);
    ia = i + 1;
    ib = j + 1;
  }
  return hunks;
}

// ---- decoding ---------------------------------------------------------------------------------------------

/** The sample `seq` from the one before it and its delta. Throws an Error saying what does not fit. */
export function decodeSample(prev: Sample, seq: number, d: SampleDelta): Sample {
  const has = (k: keyof SampleDelta) => Object.hasOwn(d, k);
  const s: Sample = {...prev, seq, time: d.time};
  if (has('kernel')) s.kernel = d.kernel ?? null;
  if (has('problems')) s.problems = d.problems ?? {};
  if (has('skipped')) s.skipped = d.skipped ?? {};
  if (has('zones')) s.zones = d.zones ?? null;
  else if (d.zoneChanges) {
    const zones = need(prev.zones, 'zone changes');
    s.zones = zones.slice();
    for (const [i, z] of d.zoneChanges) {
      if (!(i >= 0 && i < zones.length)) throw new Error(`a zone change at index ${i} of ${zones.length} zones`);
      s.zones[i] = z;
    }
  }
  if (has('caches')) s.caches = d.caches ?? null;
  else if (d.cacheChanges) s.caches = applyCacheChanges(need(prev.caches, 'cache changes'), d.cacheChanges);
  if (has('vmalloc')) s.vmalloc = d.vmalloc ?? null;
  else if (d.vmallocChanges) {
    const v = need(prev.vmalloc, 'vmalloc changes');
    const ch = d.vmallocChanges;
    s.vmalloc = {
      hashed: ch.hashed ?? v.hashed,
      areas: ch.areas ? patch(v.areas, ch.areas) : v.areas,
      base: Object.hasOwn(ch, 'base') ? (ch.base ?? null) : v.base,
    };
  }
  if (has('meminfo')) s.meminfo = d.meminfo ?? null;
  else if (d.meminfoChanges) s.meminfo = applyRecordChanges(need(prev.meminfo, 'meminfo changes'), d.meminfoChanges);
  if (has('tlb')) s.tlb = d.tlb ?? null;
  if (has('tlbCpus')) s.tlbCpus = d.tlbCpus ?? null;
  if (has('tlbCounters')) s.tlbCounters = d.tlbCounters ?? null;
  else if (d.tlbCountersChanges) s.tlbCounters = applyRecordChanges(need(prev.tlbCounters, 'TLB counter changes'), d.tlbCountersChanges);
  return s;
}

function need<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`${what}, but the sample before has none`);
  return v;
}

function applyCacheChanges(prev: readonly SampleCache[], ch: CacheChanges): SampleCache[] {
  const drop = new Set([...(ch.gone ?? []), ...(ch.put ?? []).map(([, c]) => c.name)]);
  const out: SampleCache[] = [];
  const set = ch.set ?? {};
  const setNames = new Set(Object.keys(set));
  for (const c of prev) {
    if (drop.has(c.name)) continue;
    if (setNames.has(c.name)) {
      setNames.delete(c.name);
      out.push({...c, ...set[c.name]});
    } else out.push(c);
  }
  if (setNames.size) throw new Error(`changes to caches the sample before does not have: ${[...setNames].slice(0, 3).join(', ')}`);
  for (const [i, c] of ch.put ?? []) {
    if (!(i >= 0 && i <= out.length)) throw new Error(`a new cache ${c.name} at index ${i} of ${out.length}`);
    out.splice(i, 0, c);
  }
  return out;
}

function applyRecordChanges(prev: Counts, ch: RecordChanges): Counts {
  const out: Counts = {...prev, ...ch.set};
  for (const k of ch.gone ?? []) delete out[k];
  return out;
}

/** The list the hunks (from diff()) make of a. */
export function patch<T>(a: readonly T[], hunks: readonly Hunk<T>[]): T[] {
  const out: T[] = [];
  let at = 0;
  for (const [i, del, ins] of hunks) {
    if (!(i >= at && del >= 0 && i + del <= a.length)) throw new Error(`a change of areas ${i}..${i + del} that does not fit ${a.length} areas`);
    for (; at < i; at++) out.push(a[at]);
    out.push(...ins);
    at = i + del;
  }
  for (; at < a.length; at++) out.push(a[at]);
  return out;
}
