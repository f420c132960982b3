import {describe, expect, test} from 'vitest';
import {cpuPaneRows} from '../../../source/ui/panes/cpu-lines.js';
import {CpuPane} from '../../../source/ui/panes/CpuPane.js';
import type {ViewModel} from '../../../source/session/view-model.js';
import {resolveTheme} from '../../../source/ui/theme.js';
import {body, COLOUR_SGR, draw, drawRaw, expectBox, numbers, viewAt} from './draw.js';

const pane = (vm: ViewModel, width = 80, height = 12, scroll = 0) => (
  <CpuPane cpus={vm.cpus} workloads={vm.workloads} width={width} height={height} scroll={scroll} focused={false} />
);

describe('CpuPane', () => {
  // irq-storm at tick 80: CPU 1 lives in hardirq context, the storm's allocations have started failing.
  const vm = viewAt('irq-storm', 80);

  test('a line per CPU: the context and what ran, steps by context, interrupts', () => {
    const lines = draw(pane(vm), 80);
    expectBox(lines, 80, 12);
    const rows = body(lines);
    expect(rows[0].trim().split(/\s+/)).toEqual(['CPU', 'context', 'running', 'hardirq', 'softirq', 'process', 'idle', 'irqs']);
    for (const c of vm.cpus) {
      const row = rows.find((r) => r.startsWith(`cpu${c.cpu} `))!;
      expect(row.slice(5).startsWith(c.context.padEnd(8) + c.current)).toBe(true);
      expect(numbers(row.slice(row.indexOf(c.current) + c.current.length).replace(/\[\d+\]/, ''))).toEqual([c.steps.hardirq, c.steps.softirq, c.steps.process, c.steps.idle, c.interrupts]);
    }
    expect(vm.cpus[1].context).toBe('hardirq');
  });

  test('a line per workload: type, state, pages, slab objects, vmalloc KiB, failures, stalls', () => {
    const rows = body(draw(pane(vm), 80));
    const header = rows.findIndex((r) => r.startsWith('workload '));
    expect(rows[header].trim().split(/\s{1,}/).join(' ')).toBe('workload type state pages slab objs vmalloc KiB fail stalls');
    for (const w of vm.workloads) {
      const row = rows.find((r) => r.startsWith(`${w.name} `))!;
      const cells = row.trim().split(/\s+/);
      expect(cells.slice(1, 3)).toEqual([w.type, w.state]);
      expect(cells.slice(3).map(Number)).toEqual([w.pages, w.slab_objects, Math.ceil(w.vmalloc_bytes / 1024), w.failures, w.stalls]);
    }
    expect(vm.workloads.find((w) => w.name === 'storm')!.failures).toBeGreaterThan(0);
  });

  test('scrolls as one list; the title says which lines show; past the end the last page', () => {
    const tour = viewAt('tour', 300);
    const all = body(draw(pane(tour, 80, 20), 80)).filter((r) => r.trim());
    expect(all.length).toBe(cpuPaneRows(tour.cpus.length, tour.workloads.length) - 2);
    const lines = draw(pane(tour, 80, 6, 2), 80);
    expectBox(lines, 80, 6);
    const rows = body(lines);
    expect(rows.slice(0, 3)).toEqual(all.slice(2, 5));
    expect(rows[3]).toMatch(/^…more/);
    expect(lines[0]).toContain(`lines 3-5/${all.length}`);
    expect(body(draw(pane(tour, 80, 6, 50), 80))).toEqual(all.slice(-4));
  });

  test('fits every box; narrow panes keep the most telling columns; NO_COLOR has no colour', () => {
    for (const [w, h] of [[40, 8], [60, 12], [80, 15], [100, 20], [25, 5]] as const) expectBox(draw(pane(vm, w, h), w), w, h);
    const narrow = body(draw(pane(vm, 40, 8), 40));
    expect(narrow[0].trim().split(/\s+/)).toEqual(['CPU', 'context', 'running', 'hardirq', 'irqs']);
    expect(drawRaw(pane(vm), 80, resolveTheme('default', {NO_COLOR: '1'}))).not.toMatch(COLOUR_SGR);
  });
});
