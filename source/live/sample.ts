// One sample of the host: every file read once and parsed, reduced to what the panes draw. A sample is plain JSON
// (a recording stores it as it is: it cannot be recomputed), and holds no text of the files, so a kept history of
// hundreds of samples stays small; unchanged caches share their objects with the previous sample.
import {parseBuddyinfo} from './parse/buddyinfo.js';
import {parseInterrupts} from './parse/interrupts.js';
import {parseMeminfo} from './parse/meminfo.js';
import {parsePagetypeinfo} from './parse/pagetypeinfo.js';
import {parseSlabinfo, type SlabinfoRow} from './parse/slabinfo.js';
import {parseSlabCount, slabLists} from './parse/sysfs-slab.js';
import {parseVmallocinfo, type VmArea} from './parse/vmallocinfo.js';
import {parseVmstat} from './parse/vmstat.js';
import {parseZoneinfo} from './parse/zoneinfo.js';
import {type FileSystem, NODE_FS, PROC_FILES, type ProcFile, type ProcRoot, readProcFile, readSlabSysfs} from './read.js';

/** The migrate types the free-area pane splits orders by, in the view model's order. */
const TYPES = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic'] as const;

export type SampleZone = {
  node: number;
  zone: string;
  /** Zoneinfo's figures (pages); null where zoneinfo could not be read. */
  managed: number | null;
  free: number;
  min: number | null;
  low: number | null;
  high: number | null;
  /** Free blocks per order (buddyinfo), and per order and migrate type (pagetypeinfo; null when unreadable). */
  blocks: number[];
  byType: number[][] | null;
};

export type SampleCache = SlabinfoRow & {
  /** From /sys/kernel/slab: slabs on no list (full), on node partial lists, and CPU (+ CPU partial) slabs. */
  lists: {full: number; partial: number; cpu: number} | null;
};

export type SampleVmalloc = {
  hashed: boolean;
  /** Per area in address order: start (pages from the lowest area's 2 MiB boundary; null when hashed), pages,
   *  the kind, and the pages of memory behind it per node. */
  areas: {start: number | null; pages: number; kind: string; nodes: Record<string, number>}[];
  /** The lowest area's address rounded down to 2 MiB, as hex, when the addresses are real. */
  base: string | null;
};

export type Sample = {
  /** 1 for the first sample taken; the time it was taken (ms since the epoch: wall clock, this is the host). */
  seq: number;
  time: number;
  /** What /proc/version says, e.g. "6.18.44-fc-v669"; null when unreadable. */
  kernel: string | null;
  /** Why a file is not in the sample, by file ('sysfs' for /sys/kernel/slab). */
  problems: Partial<Record<ProcFile | 'sysfs', string>>;
  /** Lines each parser skipped as unknown, where any were. */
  skipped: Partial<Record<ProcFile | 'sysfs', number>>;
  zones: SampleZone[] | null;
  caches: SampleCache[] | null;
  vmalloc: SampleVmalloc | null;
  meminfo: Record<string, number> | null;
  /** Per-CPU TLB shootdowns received (/proc/interrupts), and the nr_tlb_* counters of /proc/vmstat (null when the
   *  kernel has no CONFIG_DEBUG_TLBFLUSH or vmstat is unreadable). */
  tlb: number[] | null;
  /** The CPU number of each of tlb's columns (the "CPU0 CPU2" header: an offline CPU has no column); absent in
   *  samples recorded before it was kept, which meant 0, 1, 2 ... */
  tlbCpus?: number[] | null;
  tlbCounters: Record<string, number> | null;
};

/** Files a sample reads only when asked: pagetypeinfo, while the view shows the split by migrate type. */
export type SampleWants = {types: boolean};
const EVERYTHING: SampleWants = {types: true};

const PAGE = 4096;

/** Every file of a root read and parsed into a sample. `prev` lends unchanged caches (structural sharing). */
export function takeSample(root: ProcRoot, seq: number, time: number, prev: Sample | null = null, fs: FileSystem = NODE_FS, want: SampleWants = EVERYTHING): Sample {
  const texts: Partial<Record<ProcFile, string>> = {};
  const problems: Sample['problems'] = {};
  for (const name of PROC_FILES) {
    if (name === 'pagetypeinfo' && !want.types) continue;
    const r = readProcFile(root, name, fs);
    if (r.ok) texts[name] = r.text;
    else problems[name] = r.message;
  }
  const s = sampleFromTexts(texts, seq, time, prev, problems);
  if (s.caches) addSlabLists(s, root, prev, fs);
  return s;
}

/**
 * Reading three sysfs files of each of ~200 caches is most of a sample's cost (open and read cost more than the
 * kernel's counting). A cache whose slabinfo figures did not move since the previous sample keeps its lists from
 * there, except for a rotating tenth re-read every sample, so every cache is read at least every SYSFS_ROTATION
 * samples; a cache whose figures moved is always read.
 */
export const SYSFS_ROTATION = 10;

function addSlabLists(s: Sample, root: ProcRoot, prev: Sample | null, fs: FileSystem): void {
  const caches = s.caches!;
  const old = new Map((prev?.caches ?? []).map((c) => [c.name, c]));
  const carried = (c: SampleCache, i: number): SampleCache['lists'] => {
    const p = old.get(c.name);
    if (!p?.lists || i % SYSFS_ROTATION === s.seq % SYSFS_ROTATION) return null;
    const same = p.active_objs === c.active_objs && p.num_objs === c.num_objs && p.active_slabs === c.active_slabs && p.num_slabs === c.num_slabs;
    return same ? p.lists : null;
  };
  const keep = caches.map(carried);
  const sys = readSlabSysfs(root, caches.filter((_, i) => keep[i] === null).map((c) => c.name), fs);
  if (!sys.ok) {
    s.problems.sysfs = sys.message;
    return;
  }
  let skipped = 0;
  s.caches = caches.map((c, i) => {
    if (keep[i]) return {...c, lists: keep[i]};
    const files = sys.caches.get(c.name);
    if (!files) return c;
    const slabs = parseSlabCount(files.slabs);
    const partial = parseSlabCount(files.partial);
    const cpu = parseSlabCount(files.cpu_slabs);
    skipped += slabs.skipped + partial.skipped + cpu.skipped;
    return {...c, lists: slabLists({slabs: slabs.value.total, partial: partial.value.total, cpu_slabs: cpu.value.total})};
  });
  if (skipped) s.skipped.sysfs = skipped;
  if (caches.length > 0 && s.caches.every((c) => c.lists === null)) s.problems.sysfs = 'no cache of slabinfo has a /sys/kernel/slab directory: full/partial/empty unknown';
  if (prev?.caches) s.caches = shareCaches(s.caches, prev.caches);
}

/** A sample from file texts already read (a missing text: that file's problem says why). */
export function sampleFromTexts(texts: Partial<Record<ProcFile, string>>, seq: number, time: number, prev: Sample | null, problems: Sample['problems'] = {}): Sample {
  const skipped: Sample['skipped'] = {};
  const parse = <T>(name: ProcFile, f: (t: string) => {value: T; skipped: number}): T | null => {
    const t = texts[name];
    if (t === undefined) return null;
    const r = f(t);
    if (r.skipped) skipped[name] = r.skipped;
    return r.value;
  };
  const buddy = parse('buddyinfo', parseBuddyinfo);
  const types = parse('pagetypeinfo', parsePagetypeinfo);
  const zoneinfo = parse('zoneinfo', parseZoneinfo);
  const slab = parse('slabinfo', parseSlabinfo);
  const vmalloc = parse('vmallocinfo', parseVmallocinfo);
  const meminfo = parse('meminfo', parseMeminfo);
  const irq = parse('interrupts', parseInterrupts);
  const vmstat = parse('vmstat', parseVmstat);
  const version = texts.version?.match(/^Linux version (\S+)/)?.[1] ?? null;
  if (irq && irq.tlb === null) problems.interrupts = 'no TLB line in /proc/interrupts (not x86): shootdowns unknown';
  let tlbCounters: Record<string, number> | null = null;
  if (vmstat) {
    const names = Object.keys(vmstat).filter((k) => k.startsWith('nr_tlb_'));
    if (names.length) tlbCounters = Object.fromEntries(names.map((k) => [k, vmstat[k]]));
  }
  return {
    seq,
    time,
    kernel: version,
    problems,
    skipped,
    zones: zonesOf(buddy, types, zoneinfo),
    caches: slab ? slab.caches.map((c) => ({...c, lists: null})) : null,
    vmalloc: vmalloc ? vmallocOf(vmalloc.areas, vmalloc.hashed, prev?.vmalloc ?? null) : null,
    meminfo: meminfo ? {...meminfo} : null,
    tlb: irq?.tlb ?? null,
    tlbCpus: irq?.tlb ? irq.ids.slice(0, irq.tlb.length) : null,
    tlbCounters,
  };
}

type Buddy = ReturnType<typeof parseBuddyinfo>['value'];
type Types = ReturnType<typeof parsePagetypeinfo>['value'];
type Zoneinfo = ReturnType<typeof parseZoneinfo>['value'];

/** buddyinfo's zones (every populated zone), with zoneinfo's watermarks and pagetypeinfo's split where readable. */
function zonesOf(buddy: Buddy | null, types: Types | null, zoneinfo: Zoneinfo | null): SampleZone[] | null {
  if (!buddy) return null;
  const key = (node: number, zone: string) => `${node}/${zone}`;
  const info = new Map((zoneinfo ?? []).map((z) => [key(z.node, z.zone), z]));
  const split = new Map<string, number[][]>();
  if (types) {
    for (const r of types.free) {
      const mt = (TYPES as readonly string[]).indexOf(r.type);
      if (mt < 0) continue; // CMA and Isolate: the pane splits by the four types the allocator falls back between
      const k = key(r.node, r.zone);
      let byOrder = split.get(k);
      if (!byOrder) split.set(k, (byOrder = r.free.map(() => TYPES.map(() => 0))));
      r.free.forEach((n, o) => {
        if (byOrder[o]) byOrder[o][mt] = n;
      });
    }
  }
  return buddy.map((b) => {
    const z = info.get(key(b.node, b.zone));
    let free = 0;
    b.free.forEach((n, o) => (free += n * 2 ** o));
    return {
      node: b.node,
      zone: b.zone,
      managed: z?.managed ?? null,
      // NR_FREE_PAGES as zoneinfo prints it; without zoneinfo, the pages of buddyinfo's blocks (the same figure).
      free: z?.free ?? free,
      min: z?.min ?? null,
      low: z?.low ?? null,
      high: z?.high ?? null,
      blocks: [...b.free],
      byType: split.get(key(b.node, b.zone)) ?? null,
    };
  });
}

const TWO_MIB = 2n * 1024n * 1024n;

type Area = SampleVmalloc['areas'][number];

function vmallocOf(areas: readonly VmArea[], hashed: boolean, prev: SampleVmalloc | null): SampleVmalloc {
  let base: bigint | null = null;
  if (!hashed) for (const a of areas) {
    const s = BigInt(a.start);
    if (base === null || s < base) base = s;
  }
  if (base !== null) base -= base % TWO_MIB;
  // Areas equal to one of the previous sample's are its objects: a thousand areas that stay cost nothing more.
  const old = new Map<string, Area>();
  for (const a of prev?.areas ?? []) if (!old.has(areaKey(a))) old.set(areaKey(a), a);
  const out = areas.map((a) => {
    const area: Area = {start: base === null ? null : Number((BigInt(a.start) - base) / BigInt(PAGE)), pages: Math.ceil(a.size / PAGE), kind: a.kind, nodes: a.nodes};
    return old.get(areaKey(area)) ?? area;
  });
  if (base !== null) out.sort((x, y) => (x.start ?? 0) - (y.start ?? 0));
  const b = base === null ? null : '0x' + base.toString(16);
  // Nothing moved: the previous sample's vmalloc, whole (equal keys: hashed areas of one size are all alike).
  if (prev && prev.hashed === hashed && prev.base === b && prev.areas.length === out.length && out.every((a, i) => a === prev.areas[i] || areaKey(a) === areaKey(prev.areas[i]))) return prev;
  return {hashed, areas: out, base: b};
}

function areaKey(a: Area): string {
  let k = `${a.start}:${a.pages}:${a.kind}`;
  for (const n in a.nodes) k += `:${n}=${a.nodes[n]}`;
  return k;
}

/** Caches equal to the previous sample's are that sample's objects: a kept history costs what changed. */
function shareCaches(caches: SampleCache[], prev: readonly SampleCache[]): SampleCache[] {
  const old = new Map(prev.map((c) => [c.name, c]));
  return caches.map((c) => {
    const p = old.get(c.name);
    return p && sameCache(p, c) ? p : c;
  });
}

function sameCache(a: SampleCache, b: SampleCache): boolean {
  for (const k of Object.keys(b) as (keyof SampleCache)[]) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (typeof x === 'object' && typeof y === 'object' && JSON.stringify(x) === JSON.stringify(y)) continue;
    return false;
  }
  return Object.keys(a).length === Object.keys(b).length;
}
