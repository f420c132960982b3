// The event log's lines, as dmesg shows the kernel's: "[tick] text", a splat's further lines indented below it,
// newest last; a scenario note wraps over a few lines. Only the lines shown are built: the cost follows the pane's height, not the log's length.
import type {EventView} from '../../session/view-model.js';
import {EVENT_ROLE, type Role} from '../theme.js';
import {noticeAlone, underNotice} from './live-lines.js';
import {clean, type Line, span, wrapWords} from './spans.js';

/** How far the text of a line starts: "[tick] " with the widest tick of the log. */
export const tickWidth = (events: readonly EventView[]): number => String(events.length ? events[events.length - 1].tick : 0).length;

/** A scenario note is prose for the audience: it wraps (at spaces) over up to this many lines; kernel lines are cut. */
export const NOTE_LINES = 4;

/** An event's lines: its first line, then its further lines indented, at most `most` lines in all. */
function eventLines(e: EventView, tw: number, width: number, most: number): Line[] {
  const role = EVENT_ROLE[e.kind];
  const stamp = `[${String(e.tick).padStart(tw)}] `;
  const text = clean(e.text);
  if (e.kind === 'note' && width - stamp.length >= 20) {
    const parts = wrapWords(text, width - stamp.length, Math.min(NOTE_LINES, most));
    return parts.map((p, i): Line => [span(i ? ' '.repeat(stamp.length) : stamp, 'tick'), span(p, role)]);
  }
  const head: Line = [span(stamp, 'tick'), span(text, role)];
  const detailRole: Role = e.kind === 'bug' ? 'bad' : role;
  const indent = ' '.repeat(stamp.length + 2);
  const room = most - 1;
  const detail = e.detail.length <= room ? e.detail : e.detail.slice(0, Math.max(0, room - 1));
  const out: Line[] = [head, ...detail.map((d): Line => [span(indent + clean(d), detailRole)])];
  if (detail.length < e.detail.length && room > 0) out.push([span(`${indent}… ${e.detail.length - detail.length} more lines`, 'more')]);
  return out;
}

export type EventsContent = {readonly lines: Line[]; readonly info: string};

/** The `rows` lines ending `scroll` lines before the newest (clamped to the oldest); a live notice above them. */
export function eventsContent(events: readonly EventView[], width: number, allRows: number, scroll: number, notice?: string): EventsContent {
  if (events.length === 0) return {lines: notice ? noticeAlone(notice, width, allRows) : [[span('no events yet', 'dim')]], info: ''};
  return underNotice(notice, width, allRows, (rows) => eventsIn(events, width, rows, scroll));
}

function eventsIn(events: readonly EventView[], width: number, rows: number, scroll: number): EventsContent {
  const tw = tickWidth(events);
  // A short pane gives an event fewer lines, so one splat or note cannot fill it: the first lines of the newest
  // events show, their further lines as many as fit.
  const most = Math.max(1, Math.floor(rows / 2));
  const want = rows + Math.max(0, scroll);
  const tail: Line[][] = [];
  let count = 0;
  for (let i = events.length - 1; i >= 0 && count < want; i--) {
    const l = eventLines(events[i], tw, width, most);
    tail.push(l);
    count += l.length;
  }
  tail.reverse();
  // Each line with its event and its place in it.
  const all = tail.flatMap((ls, e) => ls.map((line, k) => ({line, e, k})));
  const back = Math.max(0, Math.min(scroll, all.length - rows));
  const end = all.length - back;
  const shown = all.slice(Math.max(0, end - rows), end);
  const lines = shown.map((x) => x.line);
  // The top event cut: show its first lines (its tick and its start), not its last, and say it goes on.
  if (shown.length && shown[0].k > 0) {
    const top = tail[shown[0].e];
    const n = shown.filter((x) => x.e === shown[0].e).length;
    lines.splice(0, n, ...top.slice(0, n - 1), [...top[n - 1], span(' …', 'more')]);
  }
  const info = back > 0 ? `${back} line${back === 1 ? '' : 's'} back` : `${events.length} event${events.length === 1 ? '' : 's'}`;
  return {lines, info};
}
