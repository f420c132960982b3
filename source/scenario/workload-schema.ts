// The `workloads:` section of a scenario: a mapping of names to workload specs, each chosen by its `type`, with
// the generator's parameters (rates, sizes and their distributions) validated where they are written. An
// unknown key lists the keys of that workload type; an unknown type lists the types.
import {isMap, isScalar} from 'yaml';
import type {Node as YNode, Pair, YAMLMap} from 'yaml';
import {gfpByName} from '../kernel/gfp.js';
import {slabFlagByName} from '../kernel/slab/geometry.js';
import type {Arrival, Dist, NamedWorkload, WorkloadSpec, WorkloadType} from '../workloads/spec.js';
import {
  type Check,
  type Ctx,
  decoder,
  fail,
  int,
  keyNode,
  keyOf,
  linePos,
  mismatch,
  offsetOf,
  ok,
  oneOf,
  optional,
  present,
  record,
  required,
  type Res,
  scalar,
  seq,
  size,
  str,
  withDefault,
  bool,
  type Decoder,
} from './decode.js';

const MAX_ORDER = 10;

/** A rate or mean: a positive number (fractions allowed). */
const positive = scalar('a positive number such as 0.5', v => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined));
const order = scalar(`an order from 0 to ${MAX_ORDER}`, v => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_ORDER ? v : undefined));

const DIST_EXPECTED = 'a number or size (fixed), or one of {fixed: N}, {uniform: [MIN, MAX]}, {exponential: MEAN}';

/** One key of a single-key mapping such as {poisson: 0.5}. */
function only(node: YAMLMap, ctx: Ctx, expected: string): Res<{key: string; value: YNode; keyOff: number}> {
  const items = node.items as Pair<YNode | null, YNode | null>[];
  if (items.length !== 1) return fail(offsetOf(node), `found a mapping of ${items.length} keys, expected ${expected}`);
  const k = keyOf(items[0], node, ctx);
  if (!k.ok) return k;
  const value = items[0].value;
  if (!present(value)) return fail(offsetOf(items[0].key, offsetOf(node)), `found nothing after ${k.value}, expected ${expected}`);
  return ok({key: k.value, value, keyOff: offsetOf(items[0].key, offsetOf(node))});
}

const pair = seq(size);

/** A distribution: `64`, `4K`, `{fixed: 64}`, `{uniform: [64, 4K]}`, `{exponential: 100}`. */
export const dist = decoder<Dist>(DIST_EXPECTED, (node, ctx) => {
  if (isScalar(node)) {
    const v = size.decode(node, ctx);
    return v.ok ? ok({kind: 'fixed', value: v.value}) : mismatch(node, DIST_EXPECTED);
  }
  if (!isMap(node)) return mismatch(node, DIST_EXPECTED);
  const o = only(node, ctx, DIST_EXPECTED);
  if (!o.ok) return o;
  switch (o.value.key) {
    case 'fixed': {
      const v = size.decode(o.value.value, ctx);
      return v.ok ? ok({kind: 'fixed', value: v.value}) : v;
    }
    case 'uniform': {
      const v = pair.decode(o.value.value, ctx);
      if (!v.ok) return v;
      if (v.value.length !== 2 || v.value[0] > v.value[1]) return fail(offsetOf(o.value.value), 'found a bad range, expected [MIN, MAX] with MIN <= MAX');
      return ok({kind: 'uniform', min: v.value[0], max: v.value[1]});
    }
    case 'exponential': {
      // A mean: a positive number, or a size such as 4K.
      const n = isScalar(o.value.value) && typeof o.value.value.value === 'string' ? size.decode(o.value.value, ctx) : positive.decode(o.value.value, ctx);
      if (n.ok && n.value <= 0) return fail(offsetOf(o.value.value), `found a mean of 0, expected a positive number such as 0.5`);
      return n.ok ? ok({kind: 'exponential', mean: n.value}) : n;
    }
    default:
      return fail(o.value.keyOff, `unknown distribution ${JSON.stringify(o.value.key)}, expected one of: fixed, uniform, exponential`);
  }
});

const ARRIVAL_EXPECTED = 'one of {periodic: TICKS}, {poisson: RATE}, {bursts: {every: TICKS, length: TICKS, rate: RATE}}';
const burstRecord = record('bursts', {every: required(int(1)), length: required(int(1)), rate: required(positive)}, (b, map) =>
  b.length > b.every ? fail(offsetOf(keyNode(map, 'length')?.value, offsetOf(map)), `found a burst of ${b.length} ticks every ${b.every}, expected length <= every`) : undefined,
);

/** An arrival process: `{periodic: 10}`, `{poisson: 0.5}`, `{bursts: {every: 200, length: 20, rate: 4}}`. */
export const arrival = decoder<Arrival>(ARRIVAL_EXPECTED, (node, ctx) => {
  if (!isMap(node)) return mismatch(node, ARRIVAL_EXPECTED);
  const o = only(node, ctx, ARRIVAL_EXPECTED);
  if (!o.ok) return o;
  switch (o.value.key) {
    case 'periodic': {
      const v = int(1).decode(o.value.value, ctx);
      return v.ok ? ok({kind: 'periodic', every: v.value}) : v;
    }
    case 'poisson': {
      const v = positive.decode(o.value.value, ctx);
      return v.ok ? ok({kind: 'poisson', rate: v.value}) : v;
    }
    case 'bursts': {
      const v = burstRecord.decode(o.value.value, ctx);
      return v.ok ? ok({kind: 'bursts', ...v.value}) : v;
    }
    default:
      return fail(o.value.keyOff, `unknown arrival ${JSON.stringify(o.value.key)}, expected ${ARRIVAL_EXPECTED}`);
  }
});

/** Names joined by |, each known to `byName`; or a number. */
function flagsOf(what: string, example: string, byName: (n: string) => number | undefined): Decoder<{value: number; text: string}> {
  const expected = `${what} such as ${example}`;
  return decoder(expected, (node, ctx) => {
    if (isScalar(node) && typeof node.value === 'number' && Number.isSafeInteger(node.value) && node.value >= 0) return ok({value: node.value, text: String(node.value)});
    const s = str.decode(node, ctx);
    if (!s.ok) return mismatch(node, expected);
    let value = 0;
    for (const raw of s.value.split('|')) {
      const name = raw.trim();
      const v = byName(name);
      if (v === undefined) return fail(offsetOf(node), `found ${JSON.stringify(name)}, expected ${expected}`);
      value |= v;
    }
    return ok({value, text: s.value.split('|').map(x => x.trim()).join(' | ')});
  });
}

const gfp = flagsOf('GFP flags', 'GFP_KERNEL | __GFP_NOWARN', gfpByName);
const slabFlags = flagsOf('slab flags', 'SLAB_HWCACHE_ALIGN', slabFlagByName);

const cpuList = seq(int(0));
/** CPU ids, each once. */
const cpus = decoder<number[]>(cpuList.expected, (node, ctx) => {
  const r = cpuList.decode(node, ctx);
  if (!r.ok) return r;
  const dup = r.value.find((c, i) => r.value.indexOf(c) !== i);
  return dup === undefined ? r : fail(offsetOf(node), `found CPU ${dup} twice, expected each CPU once`);
});
const cacheRecord = record('cache', {name: required(str), size: required(size), align: withDefault(int(0), 0), flags: optional(slabFlags)});

// One table of fields per workload type; `type` and `cpus` are common to all.
const COMMON = {type: required(str), cpus: optional(cpus)};

const DRIVER = {
  ...COMMON,
  caches: withDefault(seq(cacheRecord), []),
  control: withDefault(seq(size), []),
  firmware: withDefault(size, 0),
  requests: optional(
    record('requests', {
      arrival: required(arrival),
      size: withDefault(dist, {kind: 'fixed', value: 256} as Dist),
      cache: optional(str),
      lifetime: withDefault(dist, {kind: 'fixed', value: 10} as Dist),
      gfp: optional(gfp),
      max_inflight: withDefault(int(1), 256),
    }),
  ),
  leak: withDefault(bool, false),
};
const IRQ = {
  ...COMMON,
  irq: optional(int(0)),
  arrival: required(arrival),
  buffers: withDefault(dist, {kind: 'fixed', value: 1} as Dist),
  alloc: withDefault(oneOf(['kmalloc', 'pages'] as const), 'kmalloc'),
  size: withDefault(dist, {kind: 'fixed', value: 2048} as Dist),
  order: withDefault(order, 0),
  gfp: optional(gfp),
  consumer: withDefault(oneOf(['softirq', 'task'] as const), 'softirq'),
  budget: withDefault(int(1), 64),
  backlog: withDefault(int(1), 1000),
  bug_sleeping_alloc: withDefault(bool, false),
};
const DMA = {
  ...COMMON,
  zone: withDefault(oneOf(['DMA', 'DMA32'] as const), 'DMA32'),
  ring: withDefault(record('ring', {count: withDefault(int(0), 1), order: withDefault(order, 0)}), {count: 1, order: 0}),
  buffers: optional(
    record('buffers', {
      arrival: required(arrival),
      order: withDefault(order, 0),
      lifetime: withDefault(dist, {kind: 'fixed', value: 100} as Dist),
      pool: withDefault(int(0), 8),
    }),
  ),
  allocate_at_boot: withDefault(bool, false),
};
const PRESSURE = {
  ...COMMON,
  read: withDefault(dist, {kind: 'fixed', value: 0} as Dist),
  anon: withDefault(dist, {kind: 'fixed', value: 0} as Dist),
  anon_max: withDefault(size, 64 * 1024 * 1024),
  lifetime: withDefault(dist, {kind: 'exponential', mean: 1000} as Dist),
};
const MODULE_LOADER = {
  ...COMMON,
  arrival: required(arrival),
  size: withDefault(dist, {kind: 'uniform', min: 16 * 1024, max: 512 * 1024} as Dist),
  lifetime: withDefault(dist, {kind: 'exponential', mean: 500} as Dist),
};
const FORK_CHURN = {...COMMON, arrival: required(arrival), lifetime: withDefault(dist, {kind: 'exponential', mean: 100} as Dist)};

const GFP_KERNEL_TEXT = 'GFP_KERNEL';
const GFP_ATOMIC_TEXT = 'GFP_ATOMIC';
const gfpOr = (g: {value: number; text: string} | undefined, text: string) => g ?? {value: gfpByName(text) as number, text};

const driverCheck: Check<{caches: {name: string}[]; requests?: {cache?: string}}> = (d, map) => {
  const want = d.requests?.cache;
  if (want === undefined || d.caches.some(c => c.name === want)) return undefined;
  const req = keyNode(map, 'requests')?.value;
  const at = isMap(req) ? offsetOf(keyNode(req, 'cache')?.value, offsetOf(req)) : offsetOf(map);
  return fail(at, `found cache ${JSON.stringify(want)}, expected one of the driver's caches: ${d.caches.map(c => c.name).join(', ') || '(none declared)'}`);
};

// Each type: its field table, and how the decoded record becomes a spec.
const TYPES = {
  driver: decoder<WorkloadSpec>('', (node, ctx) => {
    const r = record('driver workload', DRIVER, driverCheck).decode(node, ctx);
    if (!r.ok) return r;
    const v = r.value;
    const q = v.requests;
    return ok({
      type: 'driver',
      ...(v.cpus && {cpus: v.cpus}),
      caches: v.caches.map(c => ({name: c.name, size: c.size, align: c.align, flags: c.flags?.value ?? 0})),
      control: v.control,
      firmware: v.firmware,
      ...(q && {
        requests: {
          arrival: q.arrival,
          size: q.size,
          ...(q.cache !== undefined && {cache: q.cache}),
          lifetime: q.lifetime,
          gfp: gfpOr(q.gfp, GFP_KERNEL_TEXT).value,
          gfpText: gfpOr(q.gfp, GFP_KERNEL_TEXT).text,
          maxInflight: q.max_inflight,
        },
      }),
      leak: v.leak,
    });
  }),
  irq: decoder<WorkloadSpec>('', (node, ctx) => {
    const r = record('irq workload', IRQ).decode(node, ctx);
    if (!r.ok) return r;
    const v = r.value;
    const g = gfpOr(v.gfp, v.bug_sleeping_alloc ? GFP_KERNEL_TEXT : GFP_ATOMIC_TEXT);
    return ok({
      type: 'irq',
      ...(v.cpus && {cpus: v.cpus}),
      irq: v.irq ?? -1,
      arrival: v.arrival,
      buffers: v.buffers,
      alloc: v.alloc,
      size: v.size,
      order: v.order,
      gfp: g.value,
      gfpText: g.text,
      consumer: v.consumer,
      budget: v.budget,
      backlog: v.backlog,
      bugSleepingAlloc: v.bug_sleeping_alloc,
    });
  }),
  dma_device: decoder<WorkloadSpec>('', (node, ctx) => {
    const r = record('dma_device workload', DMA).decode(node, ctx);
    if (!r.ok) return r;
    const v = r.value;
    return ok({type: 'dma_device', ...(v.cpus && {cpus: v.cpus}), zone: v.zone, ring: v.ring, ...(v.buffers && {buffers: v.buffers}), allocateAtBoot: v.allocate_at_boot});
  }),
  pressure: decoder<WorkloadSpec>('', (node, ctx) => {
    const r = record('pressure workload', PRESSURE).decode(node, ctx);
    if (!r.ok) return r;
    const v = r.value;
    return ok({type: 'pressure', ...(v.cpus && {cpus: v.cpus}), read: v.read, anon: v.anon, anonMax: v.anon_max, lifetime: v.lifetime});
  }),
  module_loader: decoder<WorkloadSpec>('', (node, ctx) => {
    const r = record('module_loader workload', MODULE_LOADER).decode(node, ctx);
    if (!r.ok) return r;
    const v = r.value;
    return ok({type: 'module_loader', ...(v.cpus && {cpus: v.cpus}), arrival: v.arrival, size: v.size, lifetime: v.lifetime});
  }),
  fork_churn: decoder<WorkloadSpec>('', (node, ctx) => {
    const r = record('fork_churn workload', FORK_CHURN).decode(node, ctx);
    if (!r.ok) return r;
    const v = r.value;
    return ok({type: 'fork_churn', ...(v.cpus && {cpus: v.cpus}), arrival: v.arrival, lifetime: v.lifetime});
  }),
} satisfies Record<WorkloadType, Decoder<WorkloadSpec>>;

export const WORKLOAD_TYPES = Object.keys(TYPES) as WorkloadType[];
const TYPE_EXPECTED = `one of: ${WORKLOAD_TYPES.join(', ')}`;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Where each key of a workload's mapping is written (for errors found later, e.g. a CPU the machine lacks). */
export type KeyPositions = Record<string, {line: number; col: number}>;

const workload = (name: string) =>
  decoder<WorkloadSpec>(`a mapping with a type (${TYPE_EXPECTED})`, (node, ctx) => {
    if (!isMap(node)) return mismatch(node, `a mapping with a type (${TYPE_EXPECTED})`);
    const t = keyNode(node, 'type');
    if (!t || !present(t.value)) return fail(offsetOf(t?.key, offsetOf(node)), `workload ${JSON.stringify(name)} has no type, expected type: ${TYPE_EXPECTED}`);
    const type = isScalar(t.value) ? t.value.value : undefined;
    if (typeof type !== 'string' || !Object.hasOwn(TYPES, type)) return mismatch(t.value, TYPE_EXPECTED);
    return TYPES[type as WorkloadType].decode(node, ctx);
  });

/** `workloads:` as a list of named specs, in file order, with the positions of their keys. */
export const workloads = decoder<(NamedWorkload & {keys: KeyPositions})[]>('a mapping of workload names to workloads', (node, ctx) => {
  if (!isMap(node)) return mismatch(node, 'a mapping of workload names to workloads');
  const out: (NamedWorkload & {keys: KeyPositions})[] = [];
  for (const p of node.items as Pair<YNode | null, YNode | null>[]) {
    const k = keyOf(p, node, ctx);
    if (!k.ok) return k;
    const keyOff = offsetOf(p.key, offsetOf(node));
    if (!NAME.test(k.value)) return fail(keyOff, `found workload name ${JSON.stringify(k.value)}, expected letters, digits, _ . - (not starting with a digit)`);
    if (out.some(w => w.name === k.value)) return fail(keyOff, `duplicate workload ${JSON.stringify(k.value)}, expected each name once`);
    if (!present(p.value)) return fail(keyOff, `found nothing, expected a mapping with a type (${TYPE_EXPECTED})`);
    const r = workload(k.value).decode(p.value, ctx);
    if (!r.ok) return r;
    const keys: KeyPositions = {};
    const m = p.value;
    if (isMap(m)) for (const q of m.items as Pair<YNode | null, YNode | null>[]) if (isScalar(q.key)) keys[String(q.key.value)] = linePos(ctx, offsetOf(q.value && present(q.value) ? q.value : q.key));
    out.push({name: k.value, spec: r.value, ...linePos(ctx, keyOff), keys});
  }
  return ok(out);
});

/** A workload name or a list of them, for timeline actions. */
export const names = decoder<string[]>('a workload name or a list of names', (node, ctx) => {
  if (isScalar(node)) {
    const s = str.decode(node, ctx);
    return s.ok ? ok([s.value]) : s;
  }
  return seq(str).decode(node, ctx);
});
