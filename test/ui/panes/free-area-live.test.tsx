// The free-area pane in live mode: free pages' change since the previous sample next to free, a sparkline of free
// pages over the kept samples, the per-order counts that changed highlighted, and the pane's notice.
import {describe, expect, test} from 'vitest';
import {sparkline} from '../../../source/ui/panes/bar.js';
import {FreeAreaPane} from '../../../source/ui/panes/FreeAreaPane.js';
import {freeAreaContent, freeAreaGeometry, sparkCells, watermarkGauge, watermarksKnown, zoneHeader, zoneLines} from '../../../source/ui/panes/free-area-lines.js';
import {resolveTheme} from '../../../source/ui/theme.js';
import {lineText, liveZones, roleOf, unreadZone} from '../live-view-fixture.js';
import {body, COLOUR_SGR, draw, drawRaw, expectBox, numbers} from './draw.js';

const [dma32, normal] = liveZones();
const INNER = 77;

describe('free areas, live', () => {
  test('free pages with their change: "free 12034 ▼1014", in the fall role; an unchanged zone shows no change', () => {
    const h = zoneHeader(normal, INNER);
    expect(lineText(h)).toMatch(/^Node 0 Normal {2}free 12034 ▼1014 {2}min 11000 {2}low 13700 {2}high 16400/);
    expect(roleOf(h, '▼1014')).toBe('fall');
    expect(roleOf(h, '12034')).toBe('strong');
    const up = zoneHeader({...normal, live: {...normal.live!, deltaFree: 250}}, INNER);
    expect(lineText(up)).toContain('free 12034 ▲250  min');
    expect(roleOf(up, '▲250')).toBe('rise');
    expect(lineText(zoneHeader(dma32, INNER))).toMatch(/^Node 0 DMA32 {2}free 789000 {2}min 300 /);
    expect(lineText(zoneHeader(dma32, INNER))).not.toMatch(/[▲▼]/);
  });

  test('a narrow header keeps free and its change, dropping watermarks whole', () => {
    const t = lineText(zoneHeader(normal, 36));
    expect(t).toBe('Node 0 Normal  free 12034 ▼1014');
  });

  test('the gauge line ends in a sparkline of free pages over the kept samples, lowest ▁, highest █', () => {
    const g = lineText(watermarkGauge(normal, INNER));
    const cells = sparkCells(INNER);
    expect(cells).toBe(19);
    // 13500 13300 13048 12800 13048 12034: scaled between the lowest and the highest shown.
    expect(g.endsWith(' ' + sparkline(normal.live!.history, cells, 'min').text)).toBe(true);
    expect(g.trimEnd().endsWith('<low               █▇▆▅▆▁')).toBe(true);
    expect(g.length).toBe(INNER);
    // A level that never moved is flat at the bottom.
    expect(lineText(watermarkGauge(dma32, INNER)).endsWith('▁▁▁')).toBe(true);
    // No room for it in a narrow pane: the gauge as the emulator draws it.
    expect(lineText(watermarkGauge(normal, 29))).toBe(lineText(watermarkGauge({...normal, live: undefined}, 29)));
  });

  test('per-order counts that changed since the previous sample are highlighted: more in rise, fewer in fall', () => {
    const g = freeAreaGeometry(INNER, 40, 1, 0, 11);
    const lines = zoneLines(normal, g, INNER, false);
    const counts = lines.find((l) => lineText(l).startsWith('blocks'))!;
    const cells = counts.slice(1);
    expect(cells.map((s) => Number(s.text.trim()))).toEqual(normal.blocks);
    expect(cells.map((s) => s.role)).toEqual(['rise', 'value', 'value', 'fall', 'value', 'value', 'value', 'value', 'value', 'value', 'value']);
  });

  test('without colour the change still reads: ▲/▼ in the text, a changed count bold (more) or underlined (fewer)', () => {
    const raw = drawRaw(<FreeAreaPane zones={[normal]} width={79} height={16} focused={false} byType={false} scroll={0} />, 79, resolveTheme('default', {NO_COLOR: '1'}));
    expect(raw).not.toMatch(COLOUR_SGR);
    expect(raw).toContain('▼1014');
    expect(raw).toMatch(/\x1b\[1m +1979\x1b\[22m/);
    expect(raw).toMatch(/\x1b\[4m +2099\x1b\[24m/);
  });

  test('the pane: every zone in its box, free and its change, counts as buddyinfo printed them', () => {
    const lines = draw(<FreeAreaPane zones={liveZones()} width={79} height={30} focused={false} byType={false} scroll={0} />, 79);
    expectBox(lines, 79, 30);
    const rows = body(lines);
    expect(rows.find((r) => r.startsWith('Node 0 Normal '))).toContain('free 12034 ▼1014');
    const blocks = rows.filter((r) => r.startsWith('blocks'));
    expect(blocks.map(numbers)).toEqual([dma32.blocks, normal.blocks]);
  });

  test('a notice heads the pane; with no zones it is all the pane shows', () => {
    const notice = '/proc/pagetypeinfo is readable by root only (migrate types, t, unknown)';
    const c = freeAreaContent(liveZones(), INNER, 30, false, 0, notice);
    expect(lineText(c.lines[0])).toBe(`! ${notice}`);
    expect(c.lines[0][0].role).toBe('warn');
    expect(lineText(c.lines[1])).toMatch(/^Node 0 DMA32 /);
    // The zones get one row fewer than without the notice.
    expect(c.lines.length).toBeLessThanOrEqual(30);
    const none = freeAreaContent([], INNER, 30, false, 0, '/proc/buddyinfo: no such file');
    expect(none.lines.map(lineText)).toEqual(['! /proc/buddyinfo: no such file']);
    expect(freeAreaContent([], INNER, 30, false, 0).lines.map(lineText)).toEqual(['no zones']);
  });

  test('without zoneinfo: no min/low/high or managed in the header, no marks and no state word, the gauge says so in dim', () => {
    const z = unreadZone(normal, {watermarks: false, types: true});
    expect(lineText(zoneHeader(z, INNER))).toBe('Node 0 Normal  free 12034 ▼1014');
    const g = watermarkGauge(z, INNER);
    const text = lineText(g);
    const gauge = text.slice(0, INNER - sparkCells(INNER) - 1);
    expect(gauge.trimEnd()).toBe('min/low/high not read (/proc/zoneinfo)');
    expect(gauge).not.toMatch(/[░█»]|high\b.*[mlh]$|≥high|<min|<low|<high/);
    expect(g[0].role).toBe('dim');
    // The sparkline where a known zone has its own, the same width in all.
    expect(text.length).toBe(INNER);
    expect(text.slice(-sparkCells(INNER))).toBe(lineText(watermarkGauge(normal, INNER)).slice(-sparkCells(INNER)));
    // Narrower, a shorter word; the emulator's zone (no live fields) always has its watermarks.
    expect(lineText(watermarkGauge(z, 40)).trimEnd()).toMatch(/^watermarks not read +[▁-█]+$/);
    expect(lineText(watermarkGauge(z, 20)).trim()).toBe('no watermarks');
    expect(watermarksKnown({...z, live: undefined})).toBe(true);
  });

  test("t without pagetypeinfo: one dim line in place of the four rows, saying why; a zone with types keeps them", () => {
    const unread = unreadZone(normal, {watermarks: true, types: false});
    const g = freeAreaGeometry(INNER, 40, 1, 1, 11);
    const lines = zoneLines(unread, g, INNER, true, 'migrate types from the next sample').map(lineText);
    expect(lines.filter((l) => /^[UMRH] /.test(l))).toEqual([]);
    expect(lines).toContain('migrate types from the next sample');
    const known = zoneLines(normal, g, INNER, true).map(lineText);
    expect(known.filter((l) => /^[UMRH] /.test(l))).toHaveLength(4);
    expect(known.length - lines.length).toBe(3);
    // Without t, nothing is said about the types.
    expect(zoneLines(unread, g, INNER, false).map(lineText)).toEqual(zoneLines(normal, g, INNER, false).map(lineText));
  });

  test("right after t the split is not read yet: 'from the next sample'; with pagetypeinfo's notice, that it was not read", () => {
    const zones = liveZones().map((z) => unreadZone(z, {watermarks: true, types: false}));
    const next = freeAreaContent(zones, INNER, 30, true, 0);
    const line = next.lines.find((l) => lineText(l).startsWith('migrate types'))!;
    expect(lineText(line)).toBe('migrate types from the next sample');
    expect(line[0].role).toBe('dim');
    expect(next.lines.filter((l) => lineText(l).startsWith('migrate types'))).toHaveLength(2);
    const notice = 'run sudo kmemscope live: /proc/pagetypeinfo is root-only (migrate types, t, unknown)';
    const root = freeAreaContent(zones, INNER, 30, true, 0, notice).lines.map(lineText);
    // 86 cells in a pane of 77 with rows to spare: two lines.
    expect(root.slice(0, 2)).toEqual(['! run sudo kmemscope live: /proc/pagetypeinfo is root-only (migrate types, t,', '  unknown)']);
    expect(root.filter((l) => l === 'migrate types: /proc/pagetypeinfo not read')).toHaveLength(2);
    // A notice of another file says nothing of the types: they come with the next sample.
    expect(freeAreaContent(zones, INNER, 30, true, 0, '/proc/zoneinfo: not in this snapshot').lines.map(lineText)).toContain('migrate types from the next sample');
    // The three rows the types do not take go to the bars.
    const bars = (c: ReturnType<typeof freeAreaContent>) => c.lines.filter((l) => /^ +[▁-█ ]+$/.test(lineText(l)) && /[▁-█]/.test(lineText(l))).length;
    expect(bars(freeAreaContent(zones, INNER, 22, true, 0))).toBeGreaterThan(bars(freeAreaContent(liveZones(), INNER, 22, true, 0)));
  });

  test('a notice wider than a narrow pane wraps onto a second line when the pane has rows to spare, one line when not', () => {
    const notice = 'run sudo kmemscope live: /proc/pagetypeinfo is root-only (migrate types, t, unknown)';
    // 80x24: the pane is 39 wide and 6 high, its zones fill it: one line, cut by the frame.
    const short = body(draw(<FreeAreaPane zones={liveZones()} width={39} height={6} focused={false} byType={false} scroll={0} notice={notice} />, 39));
    expect(short[0]).toBe('! run sudo kmemscope live: /proc/pag…');
    expect(short[1]).toMatch(/^Node 0 DMA32 /);
    // Tall: the second line finishes the sentence, or as much of it as two lines hold.
    const tall = body(draw(<FreeAreaPane zones={liveZones()} width={39} height={30} focused={false} byType={false} scroll={0} notice={notice} />, 39));
    expect(tall[0]).toBe('! run sudo kmemscope live:'.padEnd(37));
    expect(tall[1]).toBe('  /proc/pagetypeinfo is root-only (m…');
    expect(tall[2]).toMatch(/^Node 0 DMA32 /);
    // No zones: the notice alone, on two lines as soon as there are two.
    expect(freeAreaContent([], 37, 2, false, 0, notice).lines.map(lineText)).toEqual(['! run sudo kmemscope live:', '  /proc/pagetypeinfo is root-only (migrate types, t, unknown)']);
    expect(freeAreaContent([], 37, 1, false, 0, notice).lines).toHaveLength(1);
  });
});
