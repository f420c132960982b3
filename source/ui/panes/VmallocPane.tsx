// The vmalloc region (mm/vmalloc.c): which part of the window is used, guard, lazily freed or free, and how close
// the lazily freed pages are to the purge that flushes every CPU's TLB.
import {memo} from 'react';
import {innerHeight, innerWidth, PaneFrame} from './PaneFrame.js';
import type {VmallocPaneProps} from './types.js';
import {vmallocContent} from './vmalloc-lines.js';

type Props = VmallocPaneProps;

function VmallocPaneImpl({vmalloc, width, height, focused, notice}: Props) {
  const lines = vmallocContent(vmalloc, innerWidth(width), innerHeight(height), notice);
  // Live: the body counts the areas with their change (and there is no count without vmallocinfo).
  const info = vmalloc.live ? undefined : `${vmalloc.areas} area${vmalloc.areas === 1 ? '' : 's'}`;
  return <PaneFrame title="vmalloc" info={info} width={width} height={height} focused={focused} lines={lines} />;
}

export const VmallocPane = memo(VmallocPaneImpl);
