// CPUs and workloads: what each CPU ran in the last tick and in which context, steps by context, interrupts; what
// each workload holds (pages, slab objects, vmalloc), its failures and stalls.
import {memo} from 'react';
import {cpuContent} from './cpu-lines.js';
import {innerHeight, innerWidth, PaneFrame} from './PaneFrame.js';
import type {CpuPaneProps} from './types.js';

type Props = CpuPaneProps;

function CpuPaneImpl({cpus, workloads, scroll, width, height, focused, notice}: Props) {
  const {lines, info} = cpuContent(cpus, workloads, innerWidth(width), innerHeight(height), scroll, notice);
  return <PaneFrame title="CPUs and workloads" info={info} width={width} height={height} focused={focused} lines={lines} />;
}

export const CpuPane = memo(CpuPaneImpl);
