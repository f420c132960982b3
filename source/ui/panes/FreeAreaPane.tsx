// Free areas per node and zone: free pages against the watermarks and the buddy allocator's free lists by order
// (the /proc/buddyinfo picture), optionally by migrate type (/proc/pagetypeinfo), with the fragmentation index
// (/sys/kernel/debug/extfrag/extfrag_index).
import {memo} from 'react';
import {freeAreaContent} from './free-area-lines.js';
import {innerHeight, innerWidth, PaneFrame} from './PaneFrame.js';
import type {FreeAreaPaneProps} from './types.js';

type Props = FreeAreaPaneProps;

function FreeAreaPaneImpl({zones, byType, scroll, width, height, focused, notice}: Props) {
  const {lines, info} = freeAreaContent(zones, innerWidth(width), innerHeight(height), byType, scroll, notice);
  const title = byType ? 'Free areas by migrate type' : 'Free areas';
  return <PaneFrame title={title} info={info} width={width} height={height} focused={focused} lines={lines} />;
}

export const FreeAreaPane = memo(FreeAreaPaneImpl);
