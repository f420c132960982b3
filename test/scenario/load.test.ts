import fc from 'fast-check';
import {describe, expect, test} from 'vitest';
import type {ConfigError, MachineSpec} from '../../source/kernel/config.js';
import {formatStmt} from '../../source/scenario/kcall.js';
import {formatScenarioError, loadScenario} from '../../source/scenario/load.js';
import type {Scenario} from '../../source/scenario/load.js';

const ONE_BLOCK = `name: one-block
description: One order-4 allocation on a 1 GiB machine, then back
seed: 1
machine: { profile: x86_64, memory: 1G, nodes: 1, cpus: 2 }
timeline:
  - at: 1
    run: p = alloc_pages_node(0, GFP_KERNEL, 4)
  - at: 5
    run: |
      __free_pages(p, 4)
  - at: 10
    note: Back where we started
    pause: true
`;

function load(text: string, validate?: (spec: MachineSpec) => ConfigError | undefined): Scenario {
  const r = loadScenario('s.yaml', text, validate);
  if (!r.ok) throw new Error(formatScenarioError(r.error));
  return r.scenario;
}

/** The one error for `text`, as "line:col: message". */
function error(text: string, validate?: (spec: MachineSpec) => ConfigError | undefined): string {
  const r = loadScenario('s.yaml', text, validate);
  if (r.ok) throw new Error('expected an error');
  expect(r.error.file).toBe('s.yaml');
  return `${r.error.line}:${r.error.col}: ${r.error.message}`;
}

/** A small valid scenario whose machine block and timeline a test fills in. */
function scenario(machine: string, timeline = ''): string {
  return `name: t\ndescription: a test\nmachine:\n${machine}\n${timeline ? `timeline:\n${timeline}\n` : ''}`;
}

const MACHINE_KEYS = 'profile, memory, cpus, nodes, distance, reserved, pcp, min_free_kbytes, watermark_scale_factor, slab, vmalloc';

describe('a valid scenario', () => {
  test('the one-block example', () => {
    const s = load(ONE_BLOCK);
    expect(s).toMatchObject({file: 's.yaml', source: ONE_BLOCK, name: 'one-block', seed: 1});
    expect(s.description).toBe('One order-4 allocation on a 1 GiB machine, then back');
    expect(s.notes).toBeUndefined();
    expect(s.machine).toEqual({profile: 'x86_64', memory: 1 << 30, nodes: 1, cpus: 2});
    expect(s.timeline.map(e => ({at: e.at, run: e.run?.map(formatStmt), note: e.note, pause: e.pause, line: e.line, col: e.col}))).toEqual([
      {at: 1, run: ['p = alloc_pages_node(0, GFP_KERNEL, 4)'], note: undefined, pause: false, line: 6, col: 5},
      {at: 5, run: ['__free_pages(p, 4)'], note: undefined, pause: false, line: 8, col: 5},
      {at: 10, run: undefined, note: 'Back where we started', pause: true, line: 11, col: 5},
    ]);
  });

  test('statement positions are moved to the file', () => {
    const [first, second] = load(ONE_BLOCK).timeline;
    const s1 = first.run![0];
    expect(s1.pos).toEqual({line: 7, col: 10});
    expect(s1.target?.pos).toEqual({line: 7, col: 10});
    expect(s1.callPos).toEqual({line: 7, col: 14});
    expect(s1.args.map(a => a.pos)).toEqual([
      {line: 7, col: 31},
      {line: 7, col: 34},
      {line: 7, col: 46},
    ]);
    expect(second.run![0].pos).toEqual({line: 10, col: 7});
    expect(second.run![0].args[0].pos).toEqual({line: 10, col: 20});
  });

  test('defaults: seed 1, an empty timeline, no notes', () => {
    const s = load('name: n\ndescription: d\nmachine: {}\n');
    expect(s.seed).toBe(1);
    expect(s.timeline).toEqual([]);
    expect(s.machine).toEqual({});
    expect('notes' in s).toBe(false);
  });

  test('an empty timeline key keeps the default', () => {
    expect(load('name: n\ndescription: d\nmachine: {}\ntimeline:\n  # - at: 1\n').timeline).toEqual([]);
  });

  test('seed and lecture notes', () => {
    const s = load('name: n\ndescription: d\nseed: 0\nmachine: {}\nnotes: |\n  First, the buddy allocator.\n  Then the slab.\n');
    expect(s.seed).toBe(0);
    expect(s.notes).toBe('First, the buddy allocator.\nThen the slab.\n');
  });

  test('every machine key', () => {
    const s = load(
      scenario(`  profile: i386
  memory: 2G
  cpus: 4
  nodes:
    - {memory: 1G, cpus: 2}
    - memory: 0x40000000
      cpus: 0
  distance: [[10, 20], [20, 10]]
  reserved:
    - {start: 0x100000, size: 64K}
    - {start: 16M, size: 4096}
  pcp: false
  min_free_kbytes: 1024
  watermark_scale_factor: 10
  slab: slab
  vmalloc: 128M`),
    );
    expect(s.machine).toEqual({
      profile: 'i386',
      memory: 2 ** 31,
      cpus: 4,
      nodes: [
        {memory: 2 ** 30, cpus: 2},
        {memory: 2 ** 30, cpus: 0},
      ],
      distance: [
        [10, 20],
        [20, 10],
      ],
      reserved: [
        {start: 0x100000, size: 65536},
        {start: 16 << 20, size: 4096},
      ],
      pcp: false,
      min_free_kbytes: 1024,
      watermark_scale_factor: 10,
      slab: 'slab',
      vmalloc: 128 << 20,
    });
  });

  test.each([
    ['512M', 512 * 2 ** 20],
    ['1G', 2 ** 30],
    ['64K', 65536],
    ['0x1000000', 0x1000000],
    ['"4096"', 4096],
    ['4096', 4096],
    ['0x1000', 4096],
    ['2GiB', 2 ** 31],
    ['1m', 2 ** 20],
    ['8191G', 8191 * 2 ** 30],
  ])('size %s', (text, bytes) => {
    expect(load(scenario(`  memory: ${text}`)).machine.memory).toBe(bytes);
  });

  test('entries keep file order within a tick and are sorted by tick', () => {
    const s = load(scenario('  memory: 1G', '  - {at: 5, note: a}\n  - {at: 1, note: b}\n  - {at: 5, note: c}\n  - {at: 0, note: d}\n  - {at: 1, note: e}'));
    expect(s.timeline.map(e => `${e.at}${e.note}`)).toEqual(['0d', '1b', '1e', '5a', '5c']);
  });

  test('a run text may hold several statements, comments and CPU prefixes', () => {
    const s = load(scenario('  memory: 1G', '  - at: 1\n    run: |\n      # prepare\n      a = __get_free_pages(GFP_DMA, 2); free_pages(a, 2)\n      @cpu1:hardirq b = kmalloc(64, GFP_ATOMIC)'));
    const run = s.timeline[0].run!;
    expect(run.map(formatStmt)).toEqual(['a = __get_free_pages(GFP_DMA, 2)', 'free_pages(a, 2)', '@cpu1:hardirq b = kmalloc(64, GFP_ATOMIC)']);
    expect(run.map(st => st.pos)).toEqual([
      {line: 9, col: 7},
      {line: 9, col: 41},
      {line: 10, col: 7},
    ]);
  });

  test('a run line that starts with @cpu must be quoted; quoted, it loads', () => {
    const s = load(scenario('  memory: 1G', '  - at: 1\n    run: "@cpu0 free_pages(0xffff888000100000, 0)"'));
    expect(s.timeline[0].run![0]).toMatchObject({cpu: 0, pos: {line: 7, col: 11}});
    expect(error(scenario('  memory: 1G', '  - at: 1\n    run: @cpu0 kfree(p)'))).toBe(
      '7:10: bad YAML: Plain value cannot start with reserved character @ (quote a run line that starts with @cpu, or write run: |)',
    );
  });

  test('anchors and aliases are followed', () => {
    const s = load('name: n\ndescription: d\nmachine: {memory: &m 1G, vmalloc: *m}\ntimeline:\n  - &e {at: 1, note: x}\n  - *e\n');
    expect(s.machine).toEqual({memory: 2 ** 30, vmalloc: 2 ** 30});
    expect(s.timeline.map(e => e.note)).toEqual(['x', 'x']);
  });
});

describe('one error, at the right line and column', () => {
  test('YAML syntax errors', () => {
    expect(error('name: [unclosed\n')).toBe('2:1: bad YAML: Flow sequence in block collection must be sufficiently indented and end with a ]');
    expect(error('name: "x\n')).toBe('2:1: bad YAML: Missing closing "quote');
    expect(error('name: x\n\tdescription: y\n')).toMatch(/^2:1: bad YAML: /);
    expect(error('name: x\n---\nname: y\n')).toBe('2:1: bad YAML: Source contains multiple documents; please use YAML.parseAllDocuments()');
  });

  test('not a mapping', () => {
    const expected = 'expected a mapping of scenario keys (name, description, seed, machine, workloads, timeline, notes)';
    expect(error('')).toBe(`1:1: found nothing, ${expected}`);
    expect(error('# just a comment\n')).toBe(`1:1: found nothing, ${expected}`);
    expect(error('hello\n')).toBe(`1:1: found "hello", ${expected}`);
    expect(error('- a\n- b\n')).toBe(`1:1: found a sequence, ${expected}`);
  });

  test('unknown keys list the valid ones', () => {
    expect(error(scenario('  memroy: 1G'))).toBe(`4:3: unknown key "memroy" in machine, expected one of: ${MACHINE_KEYS}`);
    expect(error(ONE_BLOCK.replace('memory: 1G', 'memroy: 1G'))).toBe(`4:29: unknown key "memroy" in machine, expected one of: ${MACHINE_KEYS}`);
    expect(error(ONE_BLOCK + 'workload: x\n')).toBe('14:1: unknown key "workload" in scenario, expected one of: name, description, seed, machine, workloads, timeline, notes');
    expect(error(ONE_BLOCK.replace('    pause: true', '    pasue: true'))).toBe('13:5: unknown key "pasue" in timeline entry, expected one of: at, start, stop, load, unload, run, note, pause');
    expect(error(scenario('  nodes: [{memory: 1G, cpu: 1}]'))).toBe('4:24: unknown key "cpu" in node, expected one of: memory, cpus');
    expect(error(scenario('  reserved: [{begin: 0, size: 4K}]'))).toBe('4:15: unknown key "begin" in reserved range, expected one of: start, size');
    expect(error(scenario('  1: x'))).toBe(`4:3: unknown key "1" in machine, expected one of: ${MACHINE_KEYS}`);
  });

  test('duplicate keys', () => {
    expect(error(ONE_BLOCK.replace('seed: 1\n', 'seed: 1\nseed: 2\n'))).toBe('4:1: duplicate key "seed" in scenario, expected each key once');
    expect(error(scenario('  {memory: 1G, cpus: 1, memory: 2G}'))).toBe('4:25: duplicate key "memory" in machine, expected each key once');
    expect(error(ONE_BLOCK.replace('  - at: 5\n', '  - at: 5\n    at: 6\n'))).toBe('9:5: duplicate key "at" in timeline entry, expected each key once');
  });

  test('wrong types', () => {
    expect(error(ONE_BLOCK.replace('cpus: 2', 'cpus: two'))).toBe('4:57: found "two", expected a positive integer');
    expect(error(scenario('  cpus: 0'))).toBe('4:9: found "0", expected a positive integer');
    expect(error(scenario('  cpus: 1.5'))).toBe('4:9: found "1.5", expected a positive integer');
    expect(error(scenario('  cpus: "2"'))).toBe('4:9: found "2", expected a positive integer');
    expect(error(scenario('  profile: arm64'))).toBe('4:12: found "arm64", expected one of: x86_64, i386');
    expect(error(scenario('  slab: slob'))).toBe('4:9: found "slob", expected one of: slub, slab');
    expect(error(scenario('  pcp: yes'))).toBe('4:8: found "yes", expected true or false');
    expect(error(scenario('  nodes: two'))).toBe('4:10: found "two", expected a positive integer or a sequence of nodes such as [{memory: 512M, cpus: 1}]');
    expect(error(scenario('  nodes: {memory: 1G}'))).toBe('4:10: found a mapping, expected a positive integer or a sequence of nodes such as [{memory: 512M, cpus: 1}]');
    expect(error(scenario('  distance: [10, 20]'))).toBe('4:14: found "10", expected a sequence (each item a non-negative integer)');
    expect(error(scenario('  distance: [[10, x]]'))).toBe('4:19: found "x", expected a non-negative integer');
    expect(error(scenario('  min_free_kbytes: -1'))).toBe('4:20: found "-1", expected a non-negative integer');
    expect(error('name: n\ndescription: d\nseed: -1\nmachine: {}\n')).toBe('3:7: found "-1", expected a non-negative integer');
    expect(error('name: [n]\ndescription: d\nmachine: {}\n')).toBe('1:7: found a sequence, expected a string');
    expect(error('name: 42\ndescription: d\nmachine: {}\n')).toBe('1:7: found "42", expected a string');
    expect(error('name: n\ndescription: d\nmachine: 1G\n')).toBe(`3:10: found "1G", expected a mapping of machine keys (${MACHINE_KEYS})`);
    expect(error('name: n\ndescription: d\nmachine: {}\ntimeline: {at: 1}\n')).toBe(
      '4:11: found a mapping, expected a sequence (each item a mapping of timeline entry keys (at, start, stop, load, unload, run, note, pause))',
    );
    expect(error(scenario('  memory: 1G', '  - at: one\n    note: x'))).toBe('6:9: found "one", expected a non-negative integer');
    expect(error(scenario('  memory: 1G', '  - at: 1\n    run: 5'))).toBe('7:10: found "5", expected kernel calls, as in p = kmalloc(64, GFP_KERNEL)');
    expect(error(scenario('  memory: 1G', '  - at: 1\n    note: x\n    pause: 1'))).toBe('8:12: found "1", expected true or false');
    expect(error(scenario('  memory: 1G', '  - 5'))).toBe('6:5: found "5", expected a mapping of timeline entry keys (at, start, stop, load, unload, run, note, pause)');
  });

  test('a one-line description', () => {
    expect(error('name: n\ndescription: |\n  two\n  lines\nmachine: {}\n')).toBe('2:14: found a description of 2 lines, expected one line');
    expect(load('name: n\ndescription: >\n  folded\n  into one\nmachine: {}\n').description).toBe('folded into one');
    expect(error('name: n\ndescription: "  "\nmachine: {}\n')).toBe('2:14: found "  ", expected a non-empty description');
  });

  test('bad units', () => {
    expect(error(ONE_BLOCK.replace('memory: 1G', 'memory: 1.5Q'))).toBe('4:37: found "1.5Q", expected a size such as 512M, 1G or 0x40000000');
    expect(error(scenario('  memory: 1.5G'))).toBe('4:11: found "1.5G", expected a size such as 512M, 1G or 0x40000000');
    expect(error(scenario('  memory: 1GB'))).toBe('4:11: found "1GB", expected a size such as 512M, 1G or 0x40000000');
    expect(error(scenario('  memory: 1T'))).toBe('4:11: found "1T", expected a size such as 512M, 1G or 0x40000000');
    expect(error(scenario('  memory: -4096'))).toBe('4:11: found "-4096", expected a size such as 512M, 1G or 0x40000000');
    expect(error(scenario('  memory: 8192P'))).toBe('4:11: found "8192P", expected a size such as 512M, 1G or 0x40000000');
    expect(error(scenario('  vmalloc: 0xffff888000000000'))).toBe('4:12: found "0xffff888000000000", expected a size such as 512M, 1G or 0x40000000');
    expect(error(scenario('  reserved: [{start: 0x100000, size: lots}]'))).toBe('4:38: found "lots", expected a size such as 512M, 1G or 0x40000000');
  });

  test('missing required keys point at the mapping that lacks them', () => {
    expect(error(ONE_BLOCK.replace('name: one-block\n', ''))).toBe('1:1: missing required key "name" in scenario');
    expect(error('# a comment\n\nname: n\nmachine: {}\n')).toBe('3:1: missing required key "description" in scenario');
    expect(error('name: n\ndescription: d\n')).toBe('1:1: missing required key "machine" in scenario');
    expect(error(scenario('  memory: 1G', '  - note: x'))).toBe('6:5: missing required key "at" in timeline entry');
    expect(error(scenario('  reserved:\n    - start: 0'))).toBe('5:7: missing required key "size" in reserved range');
    expect(error('name:\ndescription: d\nmachine: {}\n')).toBe('1:1: found nothing, expected a name on one line');
  });

  test('a timeline entry needs run or note, and pause needs a note', () => {
    expect(error(scenario('  memory: 1G', '  - at: 1'))).toBe('6:5: found a timeline entry with nothing to do, expected at least one of run, note, start, stop, load, unload');
    expect(error(scenario('  memory: 1G', '  - at: 1\n    run: kfree(p)\n    pause: true'))).toBe(
      '8:5: found "pause" without a "note", expected a note to show while paused',
    );
    expect(error(scenario('  memory: 1G', '  -'))).toBe('6:4: found nothing, expected a mapping of timeline entry keys (at, start, stop, load, unload, run, note, pause)');
  });

  test('an alias to no anchor', () => {
    expect(error('name: n\ndescription: d\nmachine: {memory: *nope}\n')).toBe(
      '3:19: found "*nope", expected an alias to an anchor defined before it, as in &name',
    );
  });
});

describe('kcall errors inside the YAML', () => {
  const entry = (run: string) => scenario('  memory: 1G', `  - at: 1\n${run}`);

  test('a plain scalar: the scalar offset plus the kcall column', () => {
    expect(error(entry('    run: p = alloc_pages_node(0, GFP_KERNEL 4)'))).toBe('7:45: found "4", expected "," or ")"');
    expect(error(entry('    run: kfree(p); kfree(1.5)'))).toBe('7:26: found "1.5", expected a number such as 4096, 0x1000 or 4K');
    // In a flow mapping a plain scalar ends at the first ",": the run text is "kmalloc(200". Quote it.
    expect(error(scenario('  memory: 1G', '  - {run: kmalloc(200, 4), at: 2}'))).toBe('6:22: found the end of the line, expected "," or ")"');
    expect(error(scenario('  memory: 1G', '  - {run: "kmalloc(200, )", at: 2}'))).toBe('6:25: found ")", expected an expression (a number, a name or a string)');
  });

  test('a plain scalar folded over two lines', () => {
    expect(error(entry('    run: kfree(p);\n      kfree(1.5)'))).toBe('8:13: found "1.5", expected a number such as 4096, 0x1000 or 4K');
  });

  test('a literal block: kcall lines map to file lines, columns shift by the indentation', () => {
    const text = entry('    run: |   # the calls\n      kfree(p)\n\n      # a comment\n      @cpu1:irq kfree(q)');
    expect(error(text)).toBe('11:13: found "irq", expected a context: process, softirq or hardirq');
    expect(error(entry('    run: |\n      kfree(p)\n      kfree(p'))).toBe('9:14: found the end of the line, expected "," or ")"');
    expect(error(entry('    run: |-\n      kfree(p)\n        kfree(p q)'))).toBe('9:17: found "q", expected "," or ")"');
    expect(error(entry('    run: |2\n        kfree(\n'))).toBe('8:15: found the end of the line, expected an expression (a number, a name or a string)');
  });

  test('a folded block', () => {
    expect(error(entry('    run: >\n      kfree(p)\n      kfree(q)'))).toBe('9:7: found "kfree", expected the end of the statement (a new line or ";")');
  });

  test('a double-quoted scalar, escapes included', () => {
    expect(error(entry('    run: "p = alloc_pages_node(0, \\"x\\" GFP_KERNEL 4)"'))).toBe('7:41: found "GFP_KERNEL", expected "," or ")"');
    expect(error(entry('    run: "kfree(\\t1.5)"'))).toBe('7:19: found "1.5", expected a number such as 4096, 0x1000 or 4K');
    expect(error(entry('    run: "kfree(p);\n      kfree(1.5)"'))).toBe('8:13: found "1.5", expected a number such as 4096, 0x1000 or 4K');
  });

  test('a single-quoted scalar', () => {
    expect(error(entry("    run: 'kfree(''a'' | 1)'"))).toBe('7:17: found "\'", expected an expression (a number, a name or a string)');
    expect(error(entry("    run: 'kmem_cache_create(\"it''s\", 1 2)'"))).toBe('7:40: found "2", expected "," or ")"');
  });
});

describe('validateMachine', () => {
  const text = scenario(`  memory: 1G
  nodes:
    - {memory: 512M, cpus: 1}
    - cpus: 1
  distance: [[10, 20], [20, 10]]`);
  const refuse = (path: (string | number)[]) => () => ({path, message: 'refused'});

  test('gets the parsed spec and, when it is content, the scenario loads', () => {
    const seen: MachineSpec[] = [];
    load(text, spec => void seen.push(spec));
    expect(seen).toEqual([{memory: 2 ** 30, nodes: [{memory: 2 ** 29, cpus: 1}, {cpus: 1}], distance: [[10, 20], [20, 10]]}]);
  });

  test('is not asked when the file has a structural mistake', () => {
    let asked = false;
    error(text.replace('memory: 1G', 'memory: 1Q'), () => void (asked = true));
    expect(asked).toBe(false);
  });

  test.each([
    [['memory'], '4:11'],
    [['nodes'], '6:5'],
    [['nodes', 0], '6:7'],
    [['nodes', 0, 'cpus'], '6:28'],
    [['nodes', 1, 'cpus'], '7:13'],
    [['nodes', 1, 'memory'], '7:7'], // not written: its node
    [['nodes', 5, 'memory'], '6:5'], // no such node: the list
    [['distance', 1, 0], '8:25'],
    [['vmalloc'], '3:1'], // not written at all: the machine key
    [[], '3:1'],
  ])('path %j points at %s', (path, at) => {
    expect(error(text, refuse(path))).toBe(`${at}: refused`);
  });

  test('a key written with no value: the key', () => {
    expect(error(scenario('  memory: 1G\n  cpus:'), refuse(['cpus']))).toBe('5:3: refused');
  });
});

test('formatScenarioError', () => {
  expect(formatScenarioError({file: 'scenarios/x.yaml', line: 3, col: 7, message: 'found "two", expected a positive integer'})).toBe(
    'scenarios/x.yaml:3:7: found "two", expected a positive integer',
  );
});

describe('never throws (property)', () => {
  function checkResult(text: string, r: ReturnType<typeof loadScenario>): void {
    if (r.ok) return;
    const lines = text.split('\n');
    expect(r.error.file).toBe('f.yaml');
    expect(r.error.line).toBeGreaterThanOrEqual(1);
    expect(r.error.col).toBeGreaterThanOrEqual(1);
    expect(r.error.line).toBeLessThanOrEqual(lines.length);
    expect(r.error.col).toBeLessThanOrEqual(lines[r.error.line - 1].length + 1);
    expect(r.error.message).not.toMatch(/^internal error/);
    expect(r.error.message).not.toContain('\n');
  }

  const refusal = fc.option(
    fc.record({path: fc.array(fc.oneof(fc.constantFrom('memory', 'nodes', 'cpus', 'distance', 'x'), fc.integer({min: -1, max: 3})), {maxLength: 4}), message: fc.constant('no')}),
  );

  test('random text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({unit: fc.constantFrom(...'ab:- \n{}[],&*|>"\'#!@%0123456789'.split(''))})), refusal, (text, refuse) => {
        checkResult(text, loadScenario('f.yaml', text, () => refuse ?? undefined));
      }),
      {numRuns: 1000},
    );
  });

  const VALID = `${ONE_BLOCK}notes: |
  Lecture notes.
`.replace(
    'machine: { profile: x86_64, memory: 1G, nodes: 1, cpus: 2 }',
    'machine:\n  memory: &m 1G\n  nodes: [{memory: *m, cpus: 1}, {memory: 512M, cpus: 1}]\n  reserved: [{start: 0x100000, size: 64K}]\n  distance: [[10, 20], [20, 10]]',
  );

  test('the fuzz base scenario is valid', () => {
    expect(load(VALID).timeline).toHaveLength(3);
  });

  test('random mutations of a valid scenario', () => {
    const pieces = ['\n', ' ', '  ', ':', '- ', '"', "'", '|', '>', '#', '{', '}', '[', ']', ',', '&a ', '*a', '@cpu1 ', '1.5Q', '0x', 'at: ', 'run: ', 'kfree(', ')', '\t', 'memory: 1G\n', 'é'];
    const edit = fc.record({at: fc.nat(), drop: fc.nat({max: 6}), insert: fc.oneof(fc.constantFrom(...pieces), fc.string({maxLength: 4}))});
    fc.assert(
      fc.property(fc.array(edit, {minLength: 1, maxLength: 4}), refusal, (edits, refuse) => {
        let text = VALID;
        for (const e of edits) {
          const i = e.at % (text.length + 1);
          text = text.slice(0, i) + e.insert + text.slice(i + e.drop);
        }
        checkResult(text, loadScenario('f.yaml', text, () => refuse ?? undefined));
      }),
      {numRuns: 2000},
    );
  });

  test('random line shuffles of a valid scenario', () => {
    const lines = VALID.split('\n');
    fc.assert(
      fc.property(fc.shuffledSubarray(lines), kept => {
        const text = kept.join('\n');
        checkResult(text, loadScenario('f.yaml', text));
      }),
      {numRuns: 500},
    );
  });

  test('many aliases are refused rather than expanded without end', () => {
    const aliases = Array(1500).fill('*r').join(', ');
    expect(error(`name: n\ndescription: d\nmachine:\n  distance: [&r [1], ${aliases}]\n`)).toBe(`4:${16 + 6 + 4 * 1000}: found more than 1000 aliases, expected fewer`);
  });
});
