// The machine's configuration: what a scenario's `machine:` block says, checked and turned into a physical
// memory layout the way an x86 kernel sees it after e820 and memblock (arch/x86/kernel/setup.c, mm/mm_init.c).
// Simplified: node memory is contiguous in node order; the firmware map is always the classic PC one
// (pfn 0 and 640 KiB..1 MiB are holes, the rest of the first MiB is reserved, as x86 has done since 5.13);
// the kernel image is a fixed reservation at 16 MiB; struct pages are reserved at the top of each node.
import {PAGE_SIZE} from './page-alloc/types.js';

export type Profile = 'x86_64' | 'i386';
export type SlabModel = 'slub' | 'slab';

/** What a scenario may say about the machine; sizes already in bytes. Every key optional. */
export type MachineSpec = {
  profile?: Profile;
  memory?: number;
  cpus?: number;
  nodes?: number | ReadonlyArray<{memory?: number; cpus?: number}>;
  distance?: ReadonlyArray<ReadonlyArray<number>>;
  reserved?: ReadonlyArray<{start: number; size: number}>;
  pcp?: boolean;
  min_free_kbytes?: number;
  watermark_scale_factor?: number;
  slab?: SlabModel;
  vmalloc?: number;
};

/** A refusal names the spec key it is about, e.g. ['nodes', 1, 'memory'], so the loader can point at it. */
export type ConfigError = {path: ReadonlyArray<string | number>; message: string};

/** A range of pfns [start, end). */
export type PfnRange = {readonly start: number; readonly end: number};

export type ZoneLayout = {readonly name: string; readonly zoneIdx: number; readonly start: number; readonly end: number};

export type NodeLayout = {
  readonly nid: number;
  readonly startPfn: number;
  readonly endPfn: number;
  readonly cpus: readonly number[];
  /** Every zone type of the profile, empty ones with start == end. */
  readonly zones: readonly ZoneLayout[];
};

export type MachineConfig = {
  readonly profile: Profile;
  readonly memory: number;
  readonly nrCpus: number;
  readonly nodes: readonly NodeLayout[];
  readonly distance: readonly (readonly number[])[];
  /** pfns with no memory behind them. */
  readonly holes: readonly PfnRange[];
  /** pfns that exist but the kernel keeps (first MiB, kernel image, struct pages, the scenario's own). */
  readonly reserved: readonly (PfnRange & {readonly what: string})[];
  readonly pcp: boolean;
  readonly minFreeKbytes: number | undefined;
  readonly watermarkScaleFactor: number;
  readonly slab: SlabModel;
  readonly vmalloc: number;
  /** Zone type names in kernel order for the profile (MAX_NR_ZONES of them). */
  readonly zoneNames: readonly string[];
  /** lowmem_reserve_ratio sysctl per zone type. */
  readonly lowmemReserveRatio: readonly number[];
};

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const PROFILES = {
  x86_64: {
    zoneNames: ['DMA', 'DMA32', 'Normal', 'Movable', 'Device'],
    // Upper bounds of DMA, DMA32, Normal in bytes (Normal is unbounded).
    zoneLimits: [16 * MiB, 4 * GiB, Infinity, 0, 0],
    lowmemReserveRatio: [256, 256, 32, 0, 0],
    structPageBytes: 64,
    kernelImage: {start: 16 * MiB, size: 16 * MiB},
    minMemory: 64 * MiB,
    maxMemory: 256 * GiB,
    vmallocDefault: 32 * 1024 * GiB,
  },
  i386: {
    zoneNames: ['DMA', 'Normal', 'HighMem', 'Movable'],
    zoneLimits: [16 * MiB, 896 * MiB, 4 * GiB, 0],
    lowmemReserveRatio: [256, 32, 0, 0],
    structPageBytes: 32,
    kernelImage: {start: 16 * MiB, size: 8 * MiB},
    minMemory: 32 * MiB,
    maxMemory: 4 * GiB,
    vmallocDefault: 128 * MiB,
  },
} as const;

/** i386 (3G/1G split, non-PAE): PAGE_OFFSET, VMALLOC_OFFSET and VMALLOC_END = PKMAP_BASE (0xff400000) - 2 pages. */
export const I386_PAGE_OFFSET = 0xc0000000;
export const I386_VMALLOC_OFFSET = 8 * 1024 * 1024;
export const I386_VMALLOC_END = 0xff400000 - 2 * 4096;

export const MAX_NODES = 64;
export const MAX_CPUS = 512;
/** node_distance() defaults when the scenario gives no table (LOCAL_DISTANCE, REMOTE_DISTANCE). */
export const LOCAL_DISTANCE = 10;
export const REMOTE_DISTANCE = 20;

const fail = (path: ReadonlyArray<string | number>, message: string) => ({ok: false as const, error: {path, message}});

function isPositiveInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0;
}

export function formatBytes(n: number): string {
  if (n % GiB === 0) return `${n / GiB}G`;
  if (n % MiB === 0) return `${n / MiB}M`;
  if (n % KiB === 0) return `${n / KiB}K`;
  return `${n}`;
}

/** Check a spec and lay the machine out, or say (with the key's path) why it makes no sense. */
export function resolveMachineConfig(spec: MachineSpec): {ok: true; config: MachineConfig} | {ok: false; error: ConfigError} {
  const profile = spec.profile ?? 'x86_64';
  const p = PROFILES[profile];
  if (!p) return fail(['profile'], `unknown profile "${String(profile)}", expected x86_64 or i386`);
  const memory = spec.memory ?? 1 * GiB;
  if (!isPositiveInt(memory)) return fail(['memory'], 'memory must be a positive number of bytes');
  if (memory % PAGE_SIZE !== 0) return fail(['memory'], `memory ${memory} is not a multiple of the page size (4K)`);
  if (memory < p.minMemory) return fail(['memory'], `memory ${formatBytes(memory)} is too small for ${profile}, expected at least ${formatBytes(p.minMemory)}`);
  if (memory > p.maxMemory) return fail(['memory'], `memory ${formatBytes(memory)} is more than ${profile} supports here, expected at most ${formatBytes(p.maxMemory)}`);

  // Nodes: a count splits memory and CPUs evenly; a list gives each node its share.
  const nodeSpecs = typeof spec.nodes === 'object' ? spec.nodes : undefined;
  const nrNodes = nodeSpecs ? nodeSpecs.length : (spec.nodes ?? 1);
  if (!isPositiveInt(nrNodes)) return fail(['nodes'], 'a machine needs at least one node');
  if (nrNodes > MAX_NODES) return fail(['nodes'], `${nrNodes} nodes is more than ${MAX_NODES}`);
  if (profile === 'i386' && nrNodes > 1) return fail(['nodes'], 'the i386 profile has one node (no NUMA on 32-bit here)');

  const sizes: number[] = [];
  if (nodeSpecs && nodeSpecs.some((n) => n.memory !== undefined)) {
    let sum = 0;
    for (let i = 0; i < nrNodes; i++) {
      const m = nodeSpecs[i].memory;
      if (m === undefined) return fail(['nodes', i], `node ${i} has no memory: give every node a memory size, or none`);
      if (m <= 0) return fail(['nodes', i, 'memory'], `node ${i} has no memory`);
      if (m % PAGE_SIZE !== 0) return fail(['nodes', i, 'memory'], `node ${i} memory is not a multiple of the page size (4K)`);
      sizes.push(m);
      sum += m;
    }
    if (spec.memory !== undefined && sum !== memory)
      return fail(['memory'], `memory ${formatBytes(memory)} is not the sum of the nodes' memory (${formatBytes(sum)})`);
  } else {
    const per = Math.floor(memory / PAGE_SIZE / nrNodes);
    if (per === 0) return fail(['nodes'], `${nrNodes} nodes leave a node with no memory`);
    for (let i = 0; i < nrNodes; i++) sizes.push(per * PAGE_SIZE);
    sizes[nrNodes - 1] += memory - per * PAGE_SIZE * nrNodes;
  }
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total < p.minMemory) return fail(['memory'], `memory ${formatBytes(total)} is too small for ${profile}, expected at least ${formatBytes(p.minMemory)}`);
  if (total > p.maxMemory) return fail(['memory'], `memory ${formatBytes(total)} is more than ${profile} supports here, expected at most ${formatBytes(p.maxMemory)}`);

  // CPUs: a total spread over nodes in order, or per node.
  const cpuCounts: number[] = [];
  if (nodeSpecs && nodeSpecs.some((n) => n.cpus !== undefined)) {
    for (let i = 0; i < nrNodes; i++) {
      const c = nodeSpecs[i].cpus ?? 0;
      if (!Number.isInteger(c) || c < 0) return fail(['nodes', i, 'cpus'], `node ${i} cpus must be a whole number`);
      cpuCounts.push(c);
    }
    const sum = cpuCounts.reduce((a, b) => a + b, 0);
    if (spec.cpus !== undefined && spec.cpus !== sum) return fail(['cpus'], `cpus ${spec.cpus} is not the sum of the nodes' cpus (${sum})`);
  } else {
    const cpus = spec.cpus ?? 1;
    if (!Number.isInteger(cpus) || cpus < 1) return fail(['cpus'], 'a machine needs at least one CPU');
    for (let i = 0; i < nrNodes; i++) cpuCounts.push(Math.floor(cpus / nrNodes) + (i < cpus % nrNodes ? 1 : 0));
  }
  const nrCpus = cpuCounts.reduce((a, b) => a + b, 0);
  if (nrCpus < 1) return fail(nodeSpecs ? ['nodes'] : ['cpus'], 'a machine needs at least one CPU');
  if (nrCpus > MAX_CPUS) return fail(['cpus'], `${nrCpus} CPUs is more than ${MAX_CPUS}`);

  // Distances: a full symmetric-looking SLIT with 10 on the diagonal.
  const distance: number[][] = [];
  if (spec.distance) {
    if (spec.distance.length !== nrNodes) return fail(['distance'], `the distance table has ${spec.distance.length} rows, expected ${nrNodes} (one per node)`);
    for (let i = 0; i < nrNodes; i++) {
      const row = spec.distance[i];
      if (row.length !== nrNodes) return fail(['distance', i], `row ${i} has ${row.length} entries, expected ${nrNodes}`);
      for (let j = 0; j < nrNodes; j++) {
        const d = row[j];
        if (!Number.isInteger(d)) return fail(['distance', i, j], 'a distance is a whole number');
        if (i === j && d !== LOCAL_DISTANCE) return fail(['distance', i, j], `the distance of a node to itself is ${LOCAL_DISTANCE}, found ${d}`);
        if (i !== j && (d <= LOCAL_DISTANCE || d > 254)) return fail(['distance', i, j], `a distance between nodes is 11..254, found ${d}`);
      }
      distance.push([...row]);
    }
  } else {
    for (let i = 0; i < nrNodes; i++) distance.push(Array.from({length: nrNodes}, (_, j) => (i === j ? LOCAL_DISTANCE : REMOTE_DISTANCE)));
  }

  const wsf = spec.watermark_scale_factor ?? 10;
  if (!Number.isInteger(wsf) || wsf < 1 || wsf > 3000) return fail(['watermark_scale_factor'], `watermark_scale_factor is 1..3000, found ${wsf}`);
  const mfk = spec.min_free_kbytes;
  if (mfk !== undefined && (!Number.isInteger(mfk) || mfk < 0)) return fail(['min_free_kbytes'], 'min_free_kbytes is a whole number of KiB');

  let vmalloc: number = spec.vmalloc ?? p.vmallocDefault;
  if (spec.vmalloc !== undefined) {
    if (vmalloc % PAGE_SIZE !== 0 || vmalloc <= 0) return fail(['vmalloc'], 'vmalloc must be a positive multiple of the page size');
    if (profile === 'i386' && (vmalloc < 16 * MiB || vmalloc > 768 * MiB)) return fail(['vmalloc'], `vmalloc on i386 is 16M..768M, found ${formatBytes(vmalloc)}`);
  }
  if (profile === 'x86_64' && vmalloc > p.vmallocDefault) return fail(['vmalloc'], `vmalloc on x86_64 is at most 32T (the region ends where vmemmap begins), found ${formatBytes(vmalloc)}`);

  // Zone bounds in bytes. On i386, vmalloc= moves the end of lowmem: parse_vmalloc() makes __VMALLOC_RESERVE
  // the size plus VMALLOC_OFFSET, and MAXMEM = VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE. Without the
  // option lowmem ends at 896 MiB, the figure the issue and every i386 textbook use.
  const limits: number[] = [...p.zoneLimits];
  if (profile === 'i386' && spec.vmalloc !== undefined) {
    limits[1] = Math.floor((I386_VMALLOC_END - I386_PAGE_OFFSET - (vmalloc + I386_VMALLOC_OFFSET)) / PAGE_SIZE) * PAGE_SIZE;
  }

  const nodes: NodeLayout[] = [];
  let base = 0;
  let cpu = 0;
  for (let nid = 0; nid < nrNodes; nid++) {
    const startPfn = base / PAGE_SIZE;
    const endPfn = (base + sizes[nid]) / PAGE_SIZE;
    const zones: ZoneLayout[] = [];
    let lo = 0;
    for (let z = 0; z < p.zoneNames.length; z++) {
      const hi = limits[z];
      // pfn 0 is never memory on a PC, so the lowest zone starts at pfn 1 (zoneinfo's start_pfn: 1).
      const zs = hi === 0 ? 0 : Math.max(startPfn, lo / PAGE_SIZE, 1);
      const ze = hi === 0 ? 0 : Math.min(endPfn, hi === Infinity ? endPfn : hi / PAGE_SIZE);
      zones.push({name: p.zoneNames[z], zoneIdx: z, start: ze > zs ? zs : 0, end: ze > zs ? ze : 0});
      if (hi !== 0) lo = hi;
    }
    const cpus = Array.from({length: cpuCounts[nid]}, () => cpu++);
    nodes.push({nid, startPfn, endPfn, cpus, zones});
    base += sizes[nid];
  }
  const totalPfn = base / PAGE_SIZE;

  // The firmware's holes and the kernel's boot reservations.
  const holes: PfnRange[] = [{start: 0, end: 1}, {start: 0x9f, end: 0x100}];
  const reserved: (PfnRange & {what: string})[] = [{start: 1, end: 0x9f, what: 'first MiB (BIOS, real mode)'}];
  const kimg = p.kernelImage;
  reserved.push({start: kimg.start / PAGE_SIZE, end: (kimg.start + kimg.size) / PAGE_SIZE, what: 'kernel image'});
  if (profile === 'x86_64') {
    for (const n of nodes) {
      const pages = Math.ceil(((n.endPfn - n.startPfn) * p.structPageBytes) / PAGE_SIZE);
      reserved.push({start: n.endPfn - pages, end: n.endPfn, what: `struct pages of node ${n.nid}`});
    }
  } else {
    // i386 keeps mem_map for all memory in lowmem, at its top.
    const pages = Math.ceil((totalPfn * p.structPageBytes) / PAGE_SIZE);
    const top = Math.min(totalPfn, limits[1] / PAGE_SIZE);
    reserved.push({start: top - pages, end: top, what: 'struct pages (mem_map)'});
  }
  const spec_reserved = spec.reserved ?? [];
  for (let i = 0; i < spec_reserved.length; i++) {
    const r = spec_reserved[i];
    if (r.start % PAGE_SIZE !== 0) return fail(['reserved', i, 'start'], 'a reserved range starts on a page boundary (a multiple of 4K)');
    if (r.size <= 0 || r.size % PAGE_SIZE !== 0) return fail(['reserved', i, 'size'], 'a reserved range is a positive multiple of 4K');
    if (r.start + r.size > base) return fail(['reserved', i], `the reserved range ends beyond memory (${formatBytes(base)})`);
    reserved.push({start: r.start / PAGE_SIZE, end: (r.start + r.size) / PAGE_SIZE, what: `reserved[${i}]`});
  }

  // Every node must keep memory the buddy allocator can use.
  for (const n of nodes) {
    // Holes and reservations may overlap: subtract their union, not their sum.
    const cuts = [...holes, ...reserved]
      .map((r) => ({start: Math.max(r.start, n.startPfn), end: Math.min(r.end, n.endPfn)}))
      .filter((r) => r.end > r.start)
      .sort((a, b) => a.start - b.start);
    let usable = n.endPfn - n.startPfn;
    let covered = n.startPfn;
    for (const r of cuts) {
      if (r.end <= covered) continue;
      usable -= r.end - Math.max(r.start, covered);
      covered = r.end;
    }
    if (usable < 1024) {
      const path = nodeSpecs ? ['nodes', n.nid, 'memory'] : ['memory'];
      return fail(path, `node ${n.nid} has almost no memory left after the kernel's reservations, expected a larger node`);
    }
  }

  return {
    ok: true,
    config: {
      profile,
      memory: base,
      nrCpus,
      nodes,
      distance,
      holes,
      reserved,
      pcp: spec.pcp ?? true,
      minFreeKbytes: mfk,
      watermarkScaleFactor: wsf,
      slab: spec.slab ?? 'slub',
      vmalloc,
      zoneNames: p.zoneNames,
      lowmemReserveRatio: p.lowmemReserveRatio,
    },
  };
}
