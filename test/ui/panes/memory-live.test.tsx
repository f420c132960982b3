// Live mode's memory pane: /proc/meminfo's rows in MiB and GiB with their changes, read down each column, under a
// sparkline of MemFree over the kept samples; scrolled like the CPU pane whose place it takes.
import {describe, expect, test} from 'vitest';
import {kib} from '../../../source/ui/panes/live-lines.js';
import {memFreeLine, memoryContent, memoryRowLines, memoryRowsWanted} from '../../../source/ui/panes/memory-lines.js';
import {MemoryPane} from '../../../source/ui/panes/MemoryPane.js';
import {resolveTheme} from '../../../source/ui/theme.js';
import {lineText, liveMemory, roleOf} from '../live-view-fixture.js';
import {body, COLOUR_SGR, draw, drawRaw, expectBox} from './draw.js';

const m = liveMemory();

describe('memory, live', () => {
  test('kB as binary units: KiB below a MiB, MiB with a decimal, GiB and TiB with two', () => {
    expect(kib(0)).toBe('0 KiB');
    expect(kib(1023)).toBe('1023 KiB');
    expect(kib(1024)).toBe('1.0 MiB');
    expect(kib(88044)).toBe('86.0 MiB');
    expect(kib(24684084)).toBe('23.54 GiB');
    expect(kib(34359738367)).toBe('32.00 TiB');
    expect(kib(-12288)).toBe('-12.0 MiB');
  });

  test('rows read down each column, as meminfo prints them, with their changes in the rise or fall role', () => {
    const lines = memoryRowLines(m, 78);
    const text = lines.map((l) => lineText(l).trimEnd());
    expect(text).toEqual([
      'MemTotal:     23.54 GiB             Slab:          59.6 MiB ▲40 KiB',
      'MemFree:      23.25 GiB ▼12.0 MiB   KernelStack:    3.5 MiB',
      'MemAvailable: 23.22 GiB ▼10.0 MiB   VmallocUsed:  120.6 MiB ▲64 KiB',
      'Cached:        86.0 MiB ▲2.0 MiB',
    ]);
    expect(roleOf(lines[1], '▼12.0 MiB')).toBe('fall');
    expect(roleOf(lines[3], '▲2.0 MiB')).toBe('rise');
    // One column where only one fits.
    expect(memoryRowLines(m, 40).map((l) => lineText(l).split(':')[0])).toEqual(m.rows.map((r) => r.name));
  });

  test('MemFree over the kept samples as a sparkline, lowest ▁, with its figure now', () => {
    expect(lineText(memFreeLine(m, 40))).toBe('MemFree                   █▇▇▁ 23.25 GiB');
  });

  test('the pane: the sparkline, then the rows; scrolled, the last page stays full; it asks for the rows it needs', () => {
    const lines = draw(<MemoryPane memory={m} width={80} height={8} focused={false} scroll={0} />, 80);
    expectBox(lines, 80, 8);
    const rows = body(lines);
    expect(rows[0]).toMatch(/^MemFree .*█▇▇▁ 23\.25 GiB$/);
    expect(rows[1]).toMatch(/^MemTotal: +23\.54 GiB +Slab:/);
    expect(lines[0]).toContain('Memory (/proc/meminfo)');
    expect(memoryRowsWanted(m, 80)).toBe(2 + 1 + 4);
    expect(memoryRowsWanted(m, 80, 'notice')).toBe(2 + 1 + 1 + 4);
    const narrow = memoryContent(m, 38, 4, 99);
    expect(narrow.info).toBe('lines 5-7/7');
    expect(lineText(narrow.lines[0])).toMatch(/^MemFree +█▇▇▁ 23\.25 GiB$/);
    expect(lineText(narrow.lines[0])).toHaveLength(38);
    expect(narrow.lines.slice(1).map((l) => lineText(l).split(':')[0])).toEqual(['Slab', 'KernelStack', 'VmallocUsed']);
  });

  test('meminfo unreadable: the notice alone; under NO_COLOR no colour, the change still reads', () => {
    const none = memoryContent({rows: [], history: []}, 78, 6, 0, '/proc/meminfo: permission denied');
    expect(none.lines.map(lineText)).toEqual(['! /proc/meminfo: permission denied']);
    const raw = drawRaw(<MemoryPane memory={m} width={80} height={8} focused={false} scroll={0} />, 80, resolveTheme('high-contrast', {NO_COLOR: '1'}));
    expect(raw).not.toMatch(COLOUR_SGR);
    expect(raw).toContain('▼12.0 MiB');
  });

  test('a notice wider than the pane: two rows asked for and used; where the rows are taken, one line, cut', () => {
    const notice = 'run sudo kmemscope live: /proc/meminfo is not readable by this user';
    expect(memoryRowsWanted(m, 40, notice)).toBe(memoryRowsWanted(m, 40) + 2);
    const height = memoryRowsWanted(m, 40, notice);
    const rows = body(draw(<MemoryPane memory={m} notice={notice} width={40} height={height} focused={false} scroll={0} />, 40));
    expect(rows.slice(0, 2).map((r) => r.trimEnd())).toEqual(['! run sudo kmemscope live:', '  /proc/meminfo is not readable by th…']);
    expect(rows[2]).toMatch(/^MemFree /);
    expect(rows.at(-1)).toMatch(/^VmallocUsed:/);
    const short = body(draw(<MemoryPane memory={m} notice={notice} width={40} height={height - 1} focused={false} scroll={0} />, 40));
    expect(short[0]).toMatch(/^! run sudo kmemscope live: \/proc\/mem[a-z]*…$/);
    expect(short[0]).toHaveLength(38);
    expect(short[1]).toMatch(/^MemFree /);
  });
});

