// The kernel log: allocation failures, BUG and WARNING splats, kswapd, purges, workloads' lines and the
// scenario's notes, newest last, coloured by kind; scrolled back line by line.
import {memo} from 'react';
import {eventsContent} from './events-lines.js';
import {innerHeight, innerWidth, PaneFrame} from './PaneFrame.js';
import type {EventsPaneProps} from './types.js';

type Props = EventsPaneProps;

function EventsPaneImpl({events, scroll, width, height, focused, notice}: Props) {
  const {lines, info} = eventsContent(events, innerWidth(width), innerHeight(height), scroll, notice);
  return <PaneFrame title="Events" info={info} width={width} height={height} focused={focused} lines={lines} />;
}

export const EventsPane = memo(EventsPaneImpl);
