// `kmemscope snapshot DIR`: what live mode reads, read once and kept. A saved tree gives back exactly its files;
// a file that cannot be read is left out with its notice, and the rest is kept.
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import {type FileSystem, NODE_FS, PROC_FILES, type ProcRoot, procRoot} from '../../source/live/read.js';
import {hostTree, writeTree} from '../../source/live/snapshot.js';

const HOST = join(import.meta.dirname, '..', 'fixtures', 'proc', 'linux-6.18');
const TMP = mkdtempSync(join(tmpdir(), 'kmemscope-snapshot-'));
afterAll(() => rmSync(TMP, {recursive: true, force: true}));

/** Every file under dir, relative path -> text. */
function walk(dir: string, top = dir, out = new Map<string, string>()): Map<string, string> {
  for (const d of readdirSync(dir, {withFileTypes: true})) {
    const p = join(dir, d.name);
    if (d.isDirectory()) walk(p, top, out);
    else out.set(relative(top, p), readFileSync(p, 'utf8'));
  }
  return out;
}

/** The node reader, except that paths ending in one of `denied` fail as a 0400 file does for a user. */
function denying(...denied: string[]): FileSystem {
  const fail = (path: string) => {
    if (denied.some((d) => path.endsWith(d))) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), {code: 'EACCES'});
  };
  return {
    readFile: (path) => (fail(path), NODE_FS.readFile(path)),
    readDir: (path) => (fail(path), NODE_FS.readDir(path)),
  };
}

/** The fixture as if it were the host's own /proc and /sys (notices then say what to run). */
const AS_HOST: ProcRoot = {proc: HOST, sys: join(HOST, 'sys'), host: true};

const sorted = (m: Map<string, string>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));

describe('hostTree', () => {
  test('a saved 6.18 tree gives back exactly its files: nine /proc files and three sysfs files for each of 235 caches', () => {
    const {files, notices} = hostTree(procRoot(HOST));
    expect(notices).toEqual([]);
    expect(sorted(files)).toEqual(sorted(walk(HOST)));
    expect(files.size).toBe(PROC_FILES.length + 235 * 3);
    expect(files.get('sys/kernel/slab/kmalloc-64/slabs')).toBe('41 N0=41\n');
  });

  test('slabinfo readable by root only: the notice says so and what to run, every other /proc file is kept', () => {
    const {files, notices} = hostTree(AS_HOST, denying('/slabinfo'));
    expect(notices).toEqual([`${join(HOST, 'slabinfo')} is readable by root only: run sudo kmemscope live`]);
    expect([...files.keys()]).toEqual(PROC_FILES.filter((f) => f !== 'slabinfo'));
    for (const f of files.keys()) expect(files.get(f)).toBe(readFileSync(join(HOST, f), 'utf8'));
  });

  test('in a saved tree the same notice names the file, without telling to run sudo', () => {
    const {notices} = hostTree(procRoot(HOST), denying('/slabinfo', '/vmallocinfo'));
    expect(notices).toEqual([`${join(HOST, 'slabinfo')} is readable by root only`, `${join(HOST, 'vmallocinfo')} is readable by root only`]);
  });

  test('/sys/kernel/slab not readable: one notice, and all of /proc is kept', () => {
    const {files, notices} = hostTree(AS_HOST, denying('/sys/kernel/slab'));
    expect(notices).toEqual([`${join(HOST, 'sys', 'kernel', 'slab')} is not readable: full/partial/empty unknown (run sudo kmemscope live)`]);
    expect([...files.keys()]).toEqual([...PROC_FILES]);
  });

  test('a tree without sys/ (classic SLAB, or sysfs not saved) keeps its /proc files and says sysfs is missing', () => {
    const dir = join(TMP, 'no-sys');
    writeTree(dir, new Map(PROC_FILES.map((f) => [f, readFileSync(join(HOST, f), 'utf8')])));
    const {files, notices} = hostTree(procRoot(dir));
    expect([...files.keys()]).toEqual([...PROC_FILES]);
    expect(notices).toEqual([`${join(dir, 'sys', 'kernel', 'slab')}: not in this snapshot: full/partial/empty unknown`]);
  });

  test('written with writeTree and read again, a snapshot is the same tree', () => {
    const first = hostTree(procRoot(HOST)).files;
    const dir = join(TMP, 'again');
    writeTree(dir, first);
    expect(sorted(hostTree(procRoot(dir)).files)).toEqual(sorted(first));
    expect(() => writeTree(dir, first)).toThrow(`${dir} is not empty`);
  });
});
