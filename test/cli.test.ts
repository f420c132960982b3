// The real binary, as a user runs it (built by `npm test`'s pretest step).
import {spawnSync} from 'node:child_process';
import {mkdtempSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, test} from 'vitest';

const BIN = join(import.meta.dirname, '..', 'dist', 'cli.js');
function kmemscope(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}});
  return {code: r.status, out: r.stdout, err: r.stderr};
}
function scenarioFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kmemscope-'));
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, text);
  return f;
}

describe('kmemscope run', () => {
  test('--dump buddyinfo prints the kernel format after the last tick', () => {
    const r = kmemscope('run', 'one-block', '--ticks', '10', '--dump', 'buddyinfo');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1      3 \n' +
        'Node 0, zone    DMA32      0      0      0      0      0      0      0      0      0      0    244 \n',
    );
  });

  test('after tick 1 the order-4 block is out', () => {
    const r = kmemscope('run', 'one-block', '--ticks', '1', '--dump', 'buddyinfo');
    expect(r.out.split('\n')[1]).toBe('Node 0, zone    DMA32      0      0      0      0      1      1      1      1      1      1    243 ');
  });

  test('several dumps in order, zoneinfo and pagetypeinfo included', () => {
    const r = kmemscope('run', 'one-block', '--ticks', '2', '--dump', 'zoneinfo,pagetypeinfo');
    expect(r.code).toBe(0);
    expect(r.out.startsWith('Node 0, zone      DMA\n  per-node stats\n')).toBe(true);
    expect(r.out).toContain('Page block order: 9\n');
    expect(r.out.indexOf('Page block order')).toBeGreaterThan(r.out.indexOf('start_pfn'));
  });

  test('--json carries the same figures as the dumps', () => {
    const j = JSON.parse(kmemscope('run', 'one-block', '--ticks', '1', '--json').out);
    expect(j.tick).toBe(1);
    expect(j.buddyinfo[1]).toEqual({node: 0, zone: 'DMA32', free: [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 243]});
    expect(j.zoneinfo.find((z: {zone: string}) => z.zone === 'DMA32').min).toBe(991);
    expect(j.pagetypeinfo.blocks[1].blocks.Unmovable).toBe(2);
    expect(j.log[0].text).toContain('p = alloc_pages_node(0, GFP_KERNEL, 4)');
  });

  test('without --dump the transcript shows calls, results and notes', () => {
    const r = kmemscope('run', 'one-block', '--ticks', '10');
    expect(r.out).toContain('[     1] p = alloc_pages_node(0, GFP_KERNEL, 4)  =>  p = (struct page *)0xffffea0000080000');
    expect(r.out).toContain('[    10] note: Back where we started');
  });

  test('--seed and --ticks are checked', () => {
    expect(kmemscope('run', 'one-block', '--ticks', 'ten')).toMatchObject({code: 2, err: 'kmemscope: --ticks "ten" is not a whole number, expected e.g. --ticks 100\n'});
    expect(kmemscope('run', 'one-block', '--seed', 'x')).toMatchObject({code: 2, err: 'kmemscope: --seed "x" is not a whole number, expected e.g. --seed 100\n'});
    expect(JSON.parse(kmemscope('run', 'one-block', '--ticks', '1', '--seed', '9', '--json').out).seed).toBe(9);
    const r = kmemscope('run', 'one-block', '--dump', 'slabby');
    expect(r.code).toBe(2);
    expect(r.err).toBe('kmemscope: unknown dump "slabby", expected any of buddyinfo, pagetypeinfo, zoneinfo, slabinfo, vmallocinfo, tlb, tasks, workloads\n');
  });
});

describe('scenario mistakes are one line with file:line:col and exit 2', () => {
  const cases: [string, string][] = [
    ['name: x\ndescription: y\nmachine: {memory: 1G}\ntimeline:\n  - at: 1\n    run: p = alloc_pages_node(0, GFP_KERNEL 4)\n', ':6:45: found "4", expected "," or ")"'],
    ['name: x\ndescription: y\nmachine: {memroy: 1G}\n', ':3:11: unknown key "memroy" in machine, expected one of'],
    ['name: x\ndescription: y\nmachine: {memory: 1.5Q}\n', ':3:19: found "1.5Q", expected a size'],
    ['name: x\ndescription: y\nmachine: {memory: 1G, cpus: 0}\n', ':3:29: found "0", expected a positive integer'],
    ['name: x\ndescription: y\nmachine:\n  memory: 1G\n  nodes:\n    - {memory: 1G, cpus: 1}\n    - {memory: 0, cpus: 1}\n', ':7:16: node 1 has no memory'],
    ['name: x\ndescription: y\nmachine: {memory: 1G}\ntimeline:\n  - at: 1\n    run: __free_pages(q, 0)\n', ':6:23: unknown name q, expected a handle assigned earlier'],
    ['name: x\ndescription: y\nmachine: {memory: 1G}\ntimeline:\n  - at: 1\n    run: kmallok(8, GFP_KERNEL)\n', ':6:10: unknown call kmallok'],
    ['name: [x\n', ':2:1: bad YAML'],
  ];
  test.each(cases)('%#', (text, expected) => {
    const f = scenarioFile(text);
    const r = kmemscope('run', f, '--ticks', '1');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n').length).toBe(2); // one line and its newline
    expect(r.err).toContain(f + expected);
  });

  test('a missing scenario names the shipped ones', () => {
    const r = kmemscope('run', 'no-such-thing');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^kmemscope: no scenario file or shipped scenario named "no-such-thing", expected a path or one of: .*one-block.*tour/);
  });
});

describe('other modes', () => {
  test('the built binary is executable (npx kmemscope runs it directly)', () => {
    expect(statSync(BIN).mode & 0o111).not.toBe(0);
  });

  test('--help lists the modes', () => {
    const r = kmemscope('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('kmemscope run <scenario>');
  });

  test('list and check', () => {
    expect(kmemscope('list').out).toContain('one-block                One order-4 allocation on a 1 GiB machine, then back');
    expect(kmemscope('check', 'scenarios/tour.yaml')).toMatchObject({code: 0});
  });

  test('check names the line and column of a workload mistake and lists the valid keys', () => {
    const f = scenarioFile('name: w\ndescription: d\nmachine: {memory: 256M, cpus: 2}\nworkloads:\n  nic:\n    type: irq\n    arrival: {poisson: 1}\n    bugdet: 8\n');
    const r = kmemscope('check', f);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `kmemscope: ${f}:8:5: unknown key "bugdet" in irq workload, expected one of: type, cpus, irq, arrival, buffers, alloc, size, order, gfp, consumer, budget, backlog, bug_sleeping_alloc\n`,
    );
  });

  test('--dump tasks and workloads show who ran where and what each workload holds', () => {
    const f = scenarioFile(
      'name: w\ndescription: d\nmachine: {memory: 256M, cpus: 2}\nworkloads:\n  nvme:\n    type: driver\n    cpus: [1]\n    control: [4K]\n    requests: {arrival: {periodic: 1}, size: 512, lifetime: 5}\n',
    );
    const r = kmemscope('run', f, '--ticks', '100', '--dump', 'tasks,workloads');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^CPU\s+NODE\s+CONTEXT\s+CURRENT\s+HARDIRQ\s+SOFTIRQ\s+PROCESS\s+IDLE\s+INTERRUPTS$/);
    expect(lines.find((l) => /\bnvme\/1$/.test(l))).toMatch(/^\s+\d+\s+1\s+[RS]\s+\S+\s+\d+\s+0\s+nvme\s+nvme\/1$/);
    expect(lines.find((l) => l.startsWith('kswapd0') || /kswapd0$/.test(l))).toMatch(/\s0\s+S\s+kswapd\s/);
    // One request a tick living 5 ticks: 5 in flight, plus the control structure.
    expect(lines.find((l) => l.startsWith('nvme '))).toMatch(/^nvme\s+driver\s+running\s+0\s+6\s+0\s+0\s+0\s+\d+\s+requests=99$/);
  });

  test('no arguments runs the default scenario headless and says so', () => {
    const r = kmemscope();
    expect(r.code).toBe(0);
    expect(r.err).toContain('running "tour" headless');
    expect(r.out).toContain('end of run; /proc/buddyinfo:');
  });
});
