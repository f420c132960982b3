// TLB flushes (arch/x86/mm/tlb.c): full and single-page flushes per CPU, pages flushed, shootdown IPIs sent and
// received, remote flushes, and a sparkline of the last ticks.
import {memo} from 'react';
import {innerHeight, innerWidth, PaneFrame} from './PaneFrame.js';
import {tlbContent} from './tlb-lines.js';
import type {TlbPaneProps} from './types.js';

type Props = TlbPaneProps;

function TlbPaneImpl({tlb, width, height, focused, notice}: Props) {
  const info = `${tlb.cpus.length} CPU${tlb.cpus.length === 1 ? '' : 's'}`;
  const title = tlb.live ? 'TLB shootdowns' : 'TLB';
  return <PaneFrame title={title} info={info} width={width} height={height} focused={focused} lines={tlbContent(tlb, innerWidth(width), notice, innerHeight(height))} />;
}

export const TlbPane = memo(TlbPaneImpl);
