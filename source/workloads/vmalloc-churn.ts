// SKELETON: replaced by the generators' implementation in this session.
import type {ForkChurnSpec, ModuleLoaderSpec} from './spec.js';
import type {System} from './system.js';
import {Workload} from './workload.js';

export class ModuleLoaderWorkload extends Workload<ModuleLoaderSpec> {
  start(sys: System): void {
    this.state = 'running';
    this.log(sys, this.cpus[0] ?? 0, `${this.name}: ${this.type} generator not written yet`);
  }

  stop(_sys: System): void {
    this.state = 'stopped';
  }
}

export class ForkChurnWorkload extends Workload<ForkChurnSpec> {
  start(sys: System): void {
    this.state = 'running';
    this.log(sys, this.cpus[0] ?? 0, `${this.name}: ${this.type} generator not written yet`);
  }

  stop(_sys: System): void {
    this.state = 'stopped';
  }
}
