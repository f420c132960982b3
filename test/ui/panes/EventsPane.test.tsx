import {describe, expect, test} from 'vitest';
import {EventsPane} from '../../../source/ui/panes/EventsPane.js';
import type {EventView} from '../../../source/session/view-model.js';
import {DEFAULT_THEME, resolveTheme} from '../../../source/ui/theme.js';
import {body, COLOUR_SGR, draw, drawRaw, expectBox, viewAt} from './draw.js';

const pane = (events: readonly EventView[], width = 100, height = 12, scroll = 0) => (
  <EventsPane events={events} width={width} height={height} scroll={scroll} focused={false} />
);

describe('EventsPane', () => {
  // irq-storm at tick 80: notes, kswapd, and the first page allocation failure with its report.
  const events = viewAt('irq-storm', 80).events;
  const fail = events.find((e) => e.kind === 'alloc_fail')!;

  test('newest last, each "[tick] text", a report\'s lines indented under it', () => {
    const lines = draw(pane(events, 160, 30), 160);
    expectBox(lines, 160, 30);
    const rows = body(lines).map((r) => r.trimEnd());
    const last = events[events.length - 1];
    const at = rows.findIndex((r) => r.startsWith(`[${fail.tick}] ${fail.text}`));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(rows.slice(at + 1, at + 1 + fail.detail.length)).toEqual(fail.detail.map((d) => `       ${d}`));
    // The newest event ends the pane: its first line is the last line that starts with "[".
    expect(rows.filter((r) => r.startsWith('[')).at(-1)).toMatch(new RegExp(`^\\[${last.tick}\\] `));
    // Lines start at the top; nothing after the newest event's lines.
    const filled = rows.filter((r) => r !== '');
    expect(rows.slice(0, filled.length)).toEqual(filled);
  });

  test('kernel lines are cut with an ellipsis; a note wraps at spaces over a few lines', () => {
    const rows = body(draw(pane(events, 80, 40), 80));
    const failRow = rows.find((r) => r.startsWith(`[${fail.tick}] swapper`))!;
    expect(failRow.endsWith('…')).toBe(true);
    const note = events.find((e) => e.kind === 'note' && e.text.length > 200)!;
    const at = rows.findIndex((r) => r.startsWith(`[${note.tick}] ${note.text.slice(0, 20)}`));
    expect(rows[at + 1]).toMatch(/^ {5}\S/);
    const words = rows.slice(at, at + 4).map((r, i) => (i ? r.slice(5) : r.slice(5))).join(' ').split(/\s+/).filter(Boolean);
    expect(note.text.split(' ').slice(0, 20)).toEqual(words.slice(0, 20));
  });

  test('scrolled back line by line, never past the oldest', () => {
    // One line each: the scroll is exact arithmetic.
    const single = viewAt('numa', 300).events.filter((e) => e.kind !== 'note' && e.detail.length === 0);
    expect(single.length).toBeGreaterThanOrEqual(10);
    const tw = String(single.at(-1)!.tick).length;
    const all = single.map((e) => `[${String(e.tick).padStart(tw)}] ${e.text}`).map((t) => (t.length > 98 ? t.slice(0, 97) + '…' : t.padEnd(98)));
    const lines = draw(pane(single, 100, 8, 3), 100);
    expectBox(lines, 100, 8);
    expect(body(lines)).toEqual(all.slice(-9, -3));
    expect(lines[0]).toContain('3 lines back');
    expect(body(draw(pane(single, 100, 8, 10_000), 100))).toEqual(all.slice(0, 6));
  });

  test('an event cut at the top shows its first lines (its tick), and says it goes on', () => {
    const rows = body(draw(pane(events, 120, 12), 120));
    // The note at tick 75 wraps over three lines; two fit above the newer events: its first two, then "…".
    const note = events.find((e) => e.tick === 75 && e.kind === 'note')!;
    expect(rows[0]).toBe(`[75] ${note.text.slice(0, rows[0].trimEnd().length - 5)}`.padEnd(118));
    expect(rows[1].trimEnd()).toMatch(/^ {5}\S.* …$/);
    expect(rows[2]).toMatch(/^\[77\] The first allocation failed/);
    // Short panes give each event at most half their rows: the newest failure shows its first line.
    const small = body(draw(pane(events, 100, 5), 100));
    expect(small.map((r) => r.slice(0, 5))).toEqual(['[75] ', '[77] ', '[77] ']);
    expect(small[2]).toMatch(/^\[77\] swapper\/1: page allocation failure/);
  });

  test('coloured by kind; NO_COLOR keeps the words, a BUG in inverse, and writes no colour', () => {
    const tour = viewAt('tour', 20).events;
    expect(tour.some((e) => e.kind === 'bug')).toBe(true);
    const colour = drawRaw(pane(tour), 100, DEFAULT_THEME);
    expect(colour).toMatch(/\x1b\[41m/);
    const raw = drawRaw(pane(tour), 100, resolveTheme('default', {NO_COLOR: '1'}));
    expect(raw).not.toMatch(COLOUR_SGR);
    expect(raw).toMatch(/\x1b\[7m(\x1b\[1m)?BUG: sleeping function/);
    for (const [w, h] of [[79, 5], [120, 10], [159, 13], [199, 15], [30, 3]] as const) expectBox(draw(pane(events, w, h), w), w, h);
    expect(body(draw(pane([], 40, 4), 40))[0]).toContain('no events yet');
  });
});
