// Live mode's memory pane, in the CPU pane's place: /proc/meminfo in MiB and GiB with what changed since the
// previous sample, under a sparkline of MemFree over the kept samples.
import {memo} from 'react';
import {memoryContent} from './memory-lines.js';
import {innerHeight, innerWidth, PaneFrame} from './PaneFrame.js';
import type {MemoryPaneProps} from './types.js';

type Props = MemoryPaneProps;

function MemoryPaneImpl({memory, scroll, width, height, focused, notice}: Props) {
  const {lines, info} = memoryContent(memory, innerWidth(width), innerHeight(height), scroll, notice);
  return <PaneFrame title="Memory (/proc/meminfo)" info={info} width={width} height={height} focused={focused} lines={lines} />;
}

export const MemoryPane = memo(MemoryPaneImpl);
