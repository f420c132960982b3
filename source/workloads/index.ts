// The generators by workload type: a scenario's spec becomes the Workload that runs it.
import {DmaWorkload} from './dma.js';
import {DriverWorkload} from './driver.js';
import {IrqWorkload} from './irq.js';
import {PressureWorkload} from './pressure.js';
import type {DmaSpec, DriverSpec, ForkChurnSpec, IrqSpec, ModuleLoaderSpec, NamedWorkload, PressureSpec} from './spec.js';
import type {WorkloadFactory} from './system.js';
import {ForkChurnWorkload, ModuleLoaderWorkload} from './vmalloc-churn.js';
import type {Workload} from './workload.js';

export const createWorkload: WorkloadFactory = (index: number, w: NamedWorkload, cpus: readonly number[]): Workload => {
  const s = w.spec;
  switch (s.type) {
    case 'driver':
      return new DriverWorkload(index, w.name, s as DriverSpec, cpus);
    case 'irq':
      return new IrqWorkload(index, w.name, s as IrqSpec, cpus);
    case 'dma_device':
      return new DmaWorkload(index, w.name, s as DmaSpec, cpus);
    case 'pressure':
      return new PressureWorkload(index, w.name, s as PressureSpec, cpus);
    case 'module_loader':
      return new ModuleLoaderWorkload(index, w.name, s as ModuleLoaderSpec, cpus);
    case 'fork_churn':
      return new ForkChurnWorkload(index, w.name, s as ForkChurnSpec, cpus);
  }
};
