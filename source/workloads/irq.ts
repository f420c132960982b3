// SKELETON: replaced by the generator's implementation in this session.
import type {IrqSpec} from './spec.js';
import type {System} from './system.js';
import {Workload} from './workload.js';

export class IrqWorkload extends Workload<IrqSpec> {
  start(sys: System): void {
    this.state = 'running';
    this.log(sys, this.cpus[0] ?? 0, `${this.name}: ${this.type} generator not written yet`);
  }

  stop(_sys: System): void {
    this.state = 'stopped';
  }
}
