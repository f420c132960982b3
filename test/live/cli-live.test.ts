// kmemscope live --once, snapshot and run --snapshot through the real binary (built by npm test's pretest step).
// The round trip is the check that parsers and renderers are exact: for every file of every fixture kernel,
// the dump of it equals it byte for byte.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import {LIVE_DUMP_NAMES} from '../../source/live/headless.js';
import {fixtureFiles, HOST_FIXTURE} from './live-helpers.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'proc');
const TMP = mkdtempSync(join(tmpdir(), 'kmemscope-cli-live-'));
afterAll(() => rmSync(TMP, {recursive: true, force: true}));

function kmemscope(...args: string[]) {
  // The timeout turns a read that blocks (a FIFO opened) into a failed test instead of a hung run.
  const r = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, maxBuffer: 64 << 20, timeout: 30_000});
  return {code: r.status, out: r.stdout, err: r.stderr, signal: r.signal};
}

const HAS_MKFIFO = spawnSync('mkfifo', ['--version']).status === 0;

// The kernel docs' examples (proc-rst) lost their trailing blanks in the docs' text: not the kernel's bytes.
const cases = readdirSync(FIXTURES, {withFileTypes: true})
  .filter((d) => d.isDirectory() && d.name !== 'proc-rst')
  .flatMap((d) => LIVE_DUMP_NAMES.filter((f) => existsSync(join(FIXTURES, d.name, f))).map((f) => [d.name, f] as const));

describe('live --once --dump: every fixture file printed again equals itself', () => {
  test('there are fixtures of several kernels for each file', () => {
    for (const f of LIVE_DUMP_NAMES) expect(new Set(cases.filter(([, x]) => x === f).map(([d]) => d)).size, f).toBeGreaterThanOrEqual(2);
  });

  test.each(cases)('%s/%s', (dir, file) => {
    const r = kmemscope('live', '--once', '--dump', file, '--proc-root', join(FIXTURES, dir));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(readFileSync(join(FIXTURES, dir, file), 'utf8'));
  });

  test('several at once print in the order asked', () => {
    const r = kmemscope('live', '--once', '--dump', 'slabinfo,buddyinfo', '--proc-root', HOST_FIXTURE);
    const files = fixtureFiles();
    expect(r.out).toBe(files.get('slabinfo')! + files.get('buddyinfo')!);
  });

  test('a file the tree lacks: the others print, the missing one is named on stderr, exit 1', () => {
    const r = kmemscope('live', '--once', '--dump', 'buddyinfo,slabinfo', '--proc-root', join(FIXTURES, 'linux-3.10'));
    expect(r.code).toBe(1);
    expect(r.out).toBe(readFileSync(join(FIXTURES, 'linux-3.10', 'buddyinfo'), 'utf8'));
    expect(r.err).toBe(`kmemscope: ${join(FIXTURES, 'linux-3.10', 'slabinfo')}: not in this snapshot\n`);
  });
});

describe('live --once --json', () => {
  test('prints one sample of the tree', () => {
    const r = kmemscope('live', '--once', '--json', '--proc-root', HOST_FIXTURE);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({source: HOST_FIXTURE, seq: 1, kernel: '6.18.44-fc-v669', problems: {}});
    expect(doc.caches).toHaveLength(235);
    expect(doc.zones.map((z: {zone: string}) => z.zone)).toEqual(['DMA', 'DMA32', 'Normal']);
    expect(doc.tlb).toHaveLength(2);
  });

  test('a tree with some files: the sample has what is there, a warning line for each file that is not', () => {
    const r = kmemscope('live', '--once', '--json', '--proc-root', join(FIXTURES, 'linux-4.19'));
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.meminfo.MemTotal).toBeGreaterThan(0);
    expect(doc.zones).toBeNull();
    expect(r.err).toContain(`kmemscope: warning: ${join(FIXTURES, 'linux-4.19', 'buddyinfo')}: not in this snapshot\n`);
  });
});

describe('--proc-root', () => {
  test('/proc, or a link to it, is the host: sysfs is read at /sys, not /proc/sys', () => {
    const link = join(TMP, 'proc-link');
    symlinkSync('/proc', link);
    for (const root of ['/proc', link]) {
      const r = kmemscope('live', '--once', '--json', '--proc-root', root);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.out);
      expect(doc.source).toBe('/proc');
      expect(r.err).not.toContain('/proc/sys');
      expect(JSON.stringify(doc.problems)).not.toContain('snapshot');
    }
  });

  test('a tree with some of the files is read: the sample has them', () => {
    const dir = join(TMP, 'some');
    mkdirSync(dir);
    writeFileSync(join(dir, 'meminfo'), fixtureFiles().get('meminfo')!);
    const r = kmemscope('live', '--once', '--json', '--proc-root', dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).meminfo.MemTotal).toBeGreaterThan(0);
  });

  test('a kernel without CONFIG_SLUB_DEBUG (partial and cpu_slabs, no slabs files): the sample says so', () => {
    const dir = join(TMP, 'no-slub-debug');
    for (const [rel, text] of fixtureFiles()) {
      if (rel.endsWith('/slabs')) continue;
      mkdirSync(dirname(join(dir, rel)), {recursive: true});
      writeFileSync(join(dir, rel), text);
    }
    const r = kmemscope('live', '--once', '--json', '--proc-root', dir);
    expect(r.code).toBe(0);
    const message = `${join(dir, 'sys', 'kernel', 'slab')} has no slabs files (kernel without CONFIG_SLUB_DEBUG): full slabs unknown`;
    expect(JSON.parse(r.out).problems).toEqual({sysfs: message});
    expect(r.err).toBe(`kmemscope: warning: ${message}\n`);
  });

  test.skipIf(!HAS_MKFIFO)('a FIFO and a link to /dev/zero in the tree are named, never opened', () => {
    const dir = join(TMP, 'fifo');
    mkdirSync(dir);
    writeFileSync(join(dir, 'meminfo'), fixtureFiles().get('meminfo')!);
    expect(spawnSync('mkfifo', [join(dir, 'buddyinfo')]).status).toBe(0);
    symlinkSync('/dev/zero', join(dir, 'zoneinfo'));
    const dump = kmemscope('live', '--once', '--dump', 'buddyinfo,zoneinfo', '--proc-root', dir);
    expect(dump.signal).toBeNull();
    expect(dump.code).toBe(1);
    expect(dump.err).toBe(`kmemscope: ${join(dir, 'buddyinfo')} is not a regular file\nkmemscope: ${join(dir, 'zoneinfo')} is not a regular file\n`);
    const json = kmemscope('live', '--once', '--json', '--proc-root', dir);
    expect(json.code).toBe(0);
    expect(json.err).toContain(`kmemscope: warning: ${join(dir, 'buddyinfo')} is not a regular file\n`);
    const out = join(TMP, 'fifo-copy');
    const snap = kmemscope('snapshot', out, '--proc-root', dir);
    expect(snap.code).toBe(0);
    expect(snap.err).toContain(`kmemscope: not saved: ${join(dir, 'zoneinfo')} is not a regular file\n`);
    expect(readdirSync(out)).toEqual(['meminfo']);
  });
});

describe('snapshot and run --snapshot', () => {
  test('snapshot of a tree copies exactly the files live mode reads', () => {
    const out = join(TMP, 'copy');
    const r = kmemscope('snapshot', out, '--proc-root', HOST_FIXTURE);
    expect(r.code).toBe(0);
    expect(r.err).toBe(`kmemscope: wrote 9 /proc files and 705 sysfs files to ${out}\n`);
    expect(fixtureFiles(out)).toEqual(fixtureFiles());
  });

  test('snapshot never writes into a directory that has files', () => {
    const out = join(TMP, 'full');
    kmemscope('snapshot', out, '--proc-root', HOST_FIXTURE);
    writeFileSync(join(out, 'buddyinfo'), 'mine\n');
    const r = kmemscope('snapshot', out, '--proc-root', HOST_FIXTURE);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(out);
    expect(readFileSync(join(out, 'buddyinfo'), 'utf8')).toBe('mine\n');
  });

  test('into a dangling symbolic link: the link and where it points are named, nothing is written', () => {
    const link = join(TMP, 's3');
    symlinkSync(join(TMP, 'nowhere'), link);
    const r = kmemscope('snapshot', link, '--proc-root', HOST_FIXTURE);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`kmemscope: ${link} is a symbolic link to ${join(TMP, 'nowhere')}, which does not exist: a snapshot needs a new or empty directory\n`);
    expect(existsSync(join(TMP, 'nowhere'))).toBe(false);
  });

  test('run --snapshot writes the machine as a tree live mode prints back as run printed it', () => {
    const out = join(TMP, 'tour');
    const run = kmemscope('run', 'tour', '--ticks', '600', '--dump', 'buddyinfo,slabinfo,vmallocinfo', '--snapshot', out);
    expect(run.code).toBe(0);
    const live = kmemscope('live', '--once', '--dump', 'buddyinfo,slabinfo,vmallocinfo', '--proc-root', out);
    expect(live.code).toBe(0);
    expect(live.out).toBe(run.out);
  });
});

describe('usage errors: one line, exit 2', () => {
  const empty = join(TMP, 'empty');
  mkdirSync(empty);
  const dangling = join(TMP, 'dangling-root');
  symlinkSync(join(TMP, 'no-such-tree'), dangling);
  const none = `--proc-root "${empty}" has none of the files kmemscope live reads (buddyinfo, pagetypeinfo, zoneinfo, slabinfo, vmallocinfo, meminfo, interrupts, vmstat, version)`;
  test.each([
    [['live', '--interval', '5x'], '--interval "5x" is not an interval'],
    [['live', '--interval', '10ms'], '--interval "10ms" is not an interval'],
    [['live', '--interval', '2h'], '--interval "2h" is not an interval, expected e.g. 500ms, 2s, 1m or 1h (from 100ms to 1h)'],
    [['live', '--dump', 'buddyinfo'], '--dump prints one sample: add --once'],
    [['live', '--once'], 'live --once needs --json'],
    [['live', '--once', '--dump', 'tasks'], 'live --dump: unknown file "tasks"'],
    [['live', '--proc-root', '/nonexistent-kmemscope'], '--proc-root "/nonexistent-kmemscope" does not exist, expected a saved /proc tree'],
    [['live', '--proc-root', dangling], `--proc-root "${dangling}": ${dangling} is a symbolic link to ${join(TMP, 'no-such-tree')}, which does not exist`],
    [['live', '--proc-root', join(FIXTURES, 'README')], 'is not a directory'],
    [['live', '--proc-root', empty], `${none}; kmemscope snapshot DIR writes such a tree`],
    [['live', '--once', '--json', '--proc-root', empty], `${none}; kmemscope snapshot DIR writes such a tree`],
    [['snapshot', join(TMP, 'from-empty'), '--proc-root', empty], none],
    [['live', '--seed', '3'], 'live does not take --seed'],
    [['live', 'extra'], 'live takes no arguments'],
    [['live'], 'live opens the dashboard, which needs a terminal'],
    [['snapshot'], 'snapshot takes one directory'],
  ])('%j', (args, message) => {
    const r = kmemscope(...args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.out).toBe('');
  });

  test('--interval takes hours as its message says: 1h is accepted', () => {
    const r = kmemscope('live', '--once', '--json', '--interval', '1h', '--proc-root', HOST_FIXTURE);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
});
