// What a scenario file says about its workloads, as plain data: the loader (scenario/) decodes YAML into these
// types and the generators (workloads/) run them. Rates are per tick; sizes are bytes; lifetimes are ticks.

/** A distribution of numbers, sampled from the machine's PRNG. */
export type Dist =
  | {readonly kind: 'fixed'; readonly value: number}
  | {readonly kind: 'uniform'; readonly min: number; readonly max: number}
  | {readonly kind: 'exponential'; readonly mean: number};

/** When events happen: every N ticks, as a Poisson process (mean events per tick), or in bursts. */
export type Arrival =
  | {readonly kind: 'periodic'; readonly every: number}
  | {readonly kind: 'poisson'; readonly rate: number}
  /** `length` ticks of a Poisson process at `rate` out of every `every` ticks, quiet in between. */
  | {readonly kind: 'bursts'; readonly every: number; readonly length: number; readonly rate: number};

type Common = {
  /** The CPUs the workload's threads or interrupt lines run on (all CPUs when absent). */
  readonly cpus?: readonly number[];
};

/** A driver module: probe creates caches, control structures and firmware; a worker per CPU serves requests. */
export type DriverSpec = Common & {
  readonly type: 'driver';
  readonly caches: readonly {readonly name: string; readonly size: number; readonly align: number; readonly flags: number}[];
  /** kmalloc'd at probe (GFP_KERNEL): the driver's control structures. */
  readonly control: readonly number[];
  /** vmalloc'd at probe: firmware image or tables (0 for none). */
  readonly firmware: number;
  readonly requests?: {
    readonly arrival: Arrival;
    /** kmalloc size of one request (unless `cache` names one of the driver's caches). */
    readonly size: Dist;
    readonly cache?: string;
    readonly lifetime: Dist;
    readonly gfp: number;
    readonly gfpText: string;
    /** In-flight requests per worker at most (a queue depth); arrivals beyond it wait. */
    readonly maxInflight: number;
  };
  /** remove() forgets its control structures and in-flight requests: kmemleak reports them. */
  readonly leak: boolean;
};

/** An interrupt line: the handler allocates buffers in hardirq context and a consumer frees them later. */
export type IrqSpec = Common & {
  readonly type: 'irq';
  /** The IRQ number shown in the log and the tasks dump. */
  readonly irq: number;
  readonly arrival: Arrival;
  /** Buffers the handler allocates per interrupt. */
  readonly buffers: Dist;
  /** kmalloc'd buffers of this size, or pages of `order` when alloc is 'pages'. */
  readonly alloc: 'kmalloc' | 'pages';
  readonly size: Dist;
  readonly order: number;
  readonly gfp: number;
  readonly gfpText: string;
  /** softirq: NET_RX-style softirq on the same CPU; task: a threaded handler per CPU. */
  readonly consumer: 'softirq' | 'task';
  /** Buffers the consumer frees per step (the NAPI weight). */
  readonly budget: number;
  /** Buffers queued per CPU at most (netdev_max_backlog); the handler drops beyond it. */
  readonly backlog: number;
  /** The handler uses GFP_KERNEL: the kernel's sleeping-in-atomic BUG. */
  readonly bugSleepingAlloc: boolean;
};

/** A device that needs physically contiguous DMA memory in ZONE_DMA or ZONE_DMA32. */
export type DmaSpec = Common & {
  readonly type: 'dma_device';
  readonly zone: 'DMA' | 'DMA32';
  /** Coherent ring buffers allocated at probe. */
  readonly ring: {readonly count: number; readonly order: number};
  /** Streaming buffers over time. */
  readonly buffers?: {readonly arrival: Arrival; readonly order: number; readonly lifetime: Dist; readonly pool: number};
  /** Take the ring and a pool of buffers at boot, before memory fragments, and keep them. */
  readonly allocateAtBoot: boolean;
};

/** Memory pressure: page-cache reads and user (anonymous) pages that fill and fragment memory. */
export type PressureSpec = Common & {
  readonly type: 'pressure';
  /** Page-cache pages read per step of each task. */
  readonly read: Dist;
  /** User pages faulted in per step of each task. */
  readonly anon: Dist;
  /** Bytes of user pages each task holds at most. */
  readonly anonMax: number;
  /** Ticks a user page lives before the process unmaps it. */
  readonly lifetime: Dist;
};

/** Module loads and unloads: module images in the vmalloc region. */
export type ModuleLoaderSpec = Common & {
  readonly type: 'module_loader';
  readonly arrival: Arrival;
  readonly size: Dist;
  readonly lifetime: Dist;
};

/** Processes forked and exiting: kernel stacks (vmalloc'd) and task_structs. */
export type ForkChurnSpec = Common & {
  readonly type: 'fork_churn';
  readonly arrival: Arrival;
  readonly lifetime: Dist;
};

export type WorkloadSpec = DriverSpec | IrqSpec | DmaSpec | PressureSpec | ModuleLoaderSpec | ForkChurnSpec;
export type WorkloadType = WorkloadSpec['type'];

/** Driver-like workloads are loaded and unloaded; the rest are started and stopped. */
export const LOADABLE: ReadonlySet<WorkloadType> = new Set(['driver', 'dma_device']);

export type NamedWorkload = {readonly name: string; readonly spec: WorkloadSpec; readonly line: number; readonly col: number};

/** A timeline action on a workload. */
export type WorkloadAction = {readonly verb: 'start' | 'stop' | 'load' | 'unload'; readonly name: string; readonly line: number; readonly col: number};
