// The TLB pane in live mode: what the host counts - shootdowns received per CPU (/proc/interrupts' TLB line)
// with their changes, their rate, a sparkline of shootdowns per sample - and /proc/vmstat's nr_tlb_* where the
// kernel has them; the emulator's columns the host has no figures for are not shown.
import {describe, expect, test} from 'vitest';
import {sparkline} from '../../../source/ui/panes/bar.js';
import {TlbPane} from '../../../source/ui/panes/TlbPane.js';
import {tlbContent, tlbRowsWanted} from '../../../source/ui/panes/tlb-lines.js';
import {lineText, liveTlb, roleOf} from '../live-view-fixture.js';
import {body, draw, expectBox} from './draw.js';

const INNER = 77;
const COUNTERS = [
  {name: 'nr_tlb_remote_flush', value: 1234, delta: 4},
  {name: 'nr_tlb_remote_flush_received', value: 2345, delta: 8},
  {name: 'nr_tlb_local_flush_all', value: 99, delta: 0},
  {name: 'nr_tlb_local_flush_one', value: 5555, delta: -1},
];

describe('TLB, live', () => {
  test('shootdowns per sample as a sparkline, received in all with the change and rate, then each CPU', () => {
    const t = liveTlb();
    const lines = tlbContent(t, INNER);
    const text = lines.map(lineText);
    const spark = /^shootdowns\/sample (.+) max (\d+) *$/.exec(text[0])!;
    expect(spark[1]).toBe(sparkline(t.series, INNER - 'shootdowns/sample '.length - 8).text);
    expect(spark[1].trimStart()).toBe('·▂▃·█');
    expect(spark[2]).toBe('12');
    expect(text[1]).toBe('received 3259065 ▲12  rate 12/s');
    expect(text[2]).toBe('nr_tlb_* not counted (kernel without CONFIG_DEBUG_TLBFLUSH)');
    expect(lines[2][0].role).toBe('dim');
    expect(text[3].trimEnd()).toBe('cpu0 1712380 ▲12   cpu1 1546685');
    expect(roleOf(lines[3], '▲12')).toBe('rise');
    for (const l of text) expect(l).not.toMatch(/full|single|IPIs sent|pages/);
  });

  test('a rate under 10 a second keeps a decimal', () => {
    const t = liveTlb();
    expect(lineText(tlbContent({...t, live: {...t.live!, rate: 0.5}}, INNER)[1])).toBe('received 3259065 ▲12  rate 0.5/s');
  });

  test('nr_tlb_* where the kernel counts them: each with its change, flowed across the pane', () => {
    const lines = tlbContent(liveTlb(COUNTERS), INNER);
    const text = lines.map((l) => lineText(l).trimEnd());
    expect(text[2]).toBe('remote_flush 1234 ▲4           remote_flush_received 2345 ▲8');
    expect(text[3]).toBe('local_flush_all 99             local_flush_one 5555 ▼1');
    expect(roleOf(lines[3], '▼1')).toBe('fall');
    expect(text[4]).toBe('cpu0 1712380 ▲12   cpu1 1546685');
  });

  test('many CPUs flow into lines; the pane asks for the rows they need', () => {
    const t = liveTlb();
    const cpus = Array.from({length: 16}, (_, cpu) => ({...t.cpus[0], cpu, ipisReceived: 1000 + cpu}));
    const many = {...t, cpus, live: {...t.live!, deltaReceived: cpus.map((_, i) => i % 3)}};
    const lines = tlbContent(many, INNER).map(lineText);
    const per = lines.slice(3);
    // "cpu15 1015 ▲2" is 13 cells: five to a line of 77 with 3 between.
    expect(per).toHaveLength(4);
    expect(per[0].trimEnd()).toBe('cpu0  1000      cpu1  1001 ▲1   cpu2  1002 ▲2   cpu3  1003      cpu4  1004 ▲1');
    expect(tlbRowsWanted(many, 79)).toBe(2 + 3 + 4);
    expect(tlbRowsWanted(many, 79, 'a notice')).toBe(2 + 1 + 3 + 4);
    const pane = draw(<TlbPane tlb={many} width={79} height={9} focused={false} />, 79);
    expectBox(pane, 79, 9);
    expect(pane[0]).toContain('TLB shootdowns');
    // cpu15: 15 % 3 = 0, no change and no glyph.
    expect(body(pane)[6].trimEnd()).toBe('cpu15 1015');
  });

  test('no TLB line (not x86) and no counters: the notice is all there is', () => {
    const t = {...liveTlb(), cpus: [], series: []};
    const notice = '/proc/interrupts has no TLB line (not x86)';
    expect(tlbContent({...t, live: {...t.live!, deltaReceived: []}}, INNER, notice).map(lineText)).toEqual([`! ${notice}`]);
  });

  test('a notice wider than the pane: two rows asked for and used; in a short pane, one line, cut', () => {
    const t = liveTlb();
    const notice = 'run sudo kmemscope live: /proc/interrupts is not readable by this user';
    expect(tlbRowsWanted(t, 39, notice)).toBe(tlbRowsWanted(t, 39) + 2);
    expect(tlbRowsWanted(t, 39, 'short notice')).toBe(tlbRowsWanted(t, 39) + 1);
    const height = tlbRowsWanted(t, 39, notice);
    const rows = body(draw(<TlbPane tlb={t} notice={notice} width={39} height={height} focused={false} />, 39));
    expect(rows.slice(0, 2).map((r) => r.trimEnd())).toEqual(['! run sudo kmemscope live:', '  /proc/interrupts is not readable b…']);
    expect(rows[2]).toMatch(/^shootdowns\/sample /);
    expect(rows.at(-1)!.trimEnd()).toMatch(/^cpu0 1712380 ▲12 +cpu1 1546685$/);
    const short = body(draw(<TlbPane tlb={t} notice={notice} width={39} height={5} focused={false} />, 39));
    expect(short[0]).toMatch(/^! run sudo kmemscope live: \/proc\/int[a-z]*…$/);
    expect(short[0]).toHaveLength(37);
    expect(short[1]).toMatch(/^shootdowns\/sample /);
  });
});

