// Slab caches as /proc/slabinfo would list them plus slabs by fill, sortable, filterable and scrollable; the
// selected cache's slabs per node and per CPU below the table. Live: slabtop's columns and the change per sample.
import {memo} from 'react';
import {innerHeight, innerWidth, PaneFrame} from './PaneFrame.js';
import {slabContent} from './slab-lines.js';
import type {SlabPaneProps} from './types.js';

type Props = SlabPaneProps;

function SlabPaneImpl({caches, sort, filter, scroll, selected, highlighted, width, height, focused, live}: Props) {
  const {lines, info} = slabContent(caches, sort, filter, scroll, selected, highlighted === undefined ? selected : highlighted, innerWidth(width), innerHeight(height), live);
  return <PaneFrame title="Slabs" info={info} width={width} height={height} focused={focused} lines={lines} />;
}

export const SlabPane = memo(SlabPaneImpl);
