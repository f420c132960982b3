// `kmemscope snapshot DIR`: what live mode reads, read once and kept. A saved tree gives back exactly its files;
// a file that cannot be read is left out with its notice, and the rest is kept.
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative} from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import {type FileSystem, NODE_FS, PROC_FILES, type ProcRoot, procRoot, readSlabSysfs, SLAB_SYSFS_FILES} from '../../source/live/read.js';
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

/** The node reader, except that paths ending in one of `denied` fail as a 0400 file does for a user (stat works). */
function denying(...denied: string[]): FileSystem {
  const fail = (path: string) => {
    if (denied.some((d) => path.endsWith(d))) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), {code: 'EACCES'});
  };
  return {
    readFile: (path) => (fail(path), NODE_FS.readFile(path)),
    readDir: (path) => (fail(path), NODE_FS.readDir(path)),
    isFile: NODE_FS.isFile,
  };
}

/** The node reader, with the paths ending in one of `odd` stat'ing as no regular file (a FIFO); reads are logged. */
function withFifos(...odd: string[]): FileSystem & {read: string[]} {
  const read: string[] = [];
  return {
    read,
    readFile: (path) => (read.push(path), NODE_FS.readFile(path)),
    readDir: NODE_FS.readDir,
    isFile: (path) => !odd.some((d) => path.endsWith(d)) && NODE_FS.isFile(path),
  };
}

/** The host fixture's files with changes: `edit` gets the map to change in place; written to a new directory. */
function treeLike(name: string, edit: (files: Map<string, string>) => void): string {
  const files = new Map(walk(HOST));
  edit(files);
  const dir = join(TMP, name);
  writeTree(dir, files);
  return dir;
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

  test('slabinfo readable by root only: the notice says what to run first, then why; every other /proc file is kept', () => {
    const {files, notices} = hostTree(AS_HOST, denying('/slabinfo'));
    expect(notices).toEqual([`run sudo kmemscope live: ${join(HOST, 'slabinfo')} is root-only`]);
    expect([...files.keys()]).toEqual(PROC_FILES.filter((f) => f !== 'slabinfo'));
    for (const f of files.keys()) expect(files.get(f)).toBe(readFileSync(join(HOST, f), 'utf8'));
  });

  test('the command to run is the one given: snapshot names itself', () => {
    const {notices} = hostTree(AS_HOST, denying('/slabinfo', '/zoneinfo'), 'kmemscope snapshot');
    expect(notices).toEqual([`run sudo kmemscope snapshot: ${join(HOST, 'zoneinfo')} is not readable by this user`, `run sudo kmemscope snapshot: ${join(HOST, 'slabinfo')} is root-only`]);
  });

  test('in a saved tree the notice names the file and what is wrong, without telling to run sudo', () => {
    const {notices} = hostTree(procRoot(HOST), denying('/slabinfo', '/vmallocinfo'));
    expect(notices).toEqual([`${join(HOST, 'slabinfo')} is not readable by this user (permission denied)`, `${join(HOST, 'vmallocinfo')} is not readable by this user (permission denied)`]);
  });

  test('/sys/kernel/slab not readable: one notice saying what to run, and all of /proc is kept', () => {
    const {files, notices} = hostTree(AS_HOST, denying('/sys/kernel/slab'));
    expect(notices).toEqual([`run sudo kmemscope live: ${join(HOST, 'sys', 'kernel', 'slab')} is not readable: full/partial/empty unknown`]);
    expect([...files.keys()]).toEqual([...PROC_FILES]);
  });

  test('a tree without sys/ (classic SLAB, or sysfs not saved) keeps its /proc files and says sysfs is missing', () => {
    const dir = join(TMP, 'no-sys');
    writeTree(dir, new Map(PROC_FILES.map((f) => [f, readFileSync(join(HOST, f), 'utf8')])));
    const {files, notices} = hostTree(procRoot(dir));
    expect([...files.keys()]).toEqual([...PROC_FILES]);
    expect(notices).toEqual([`${join(dir, 'sys', 'kernel', 'slab')}: not in this snapshot: full/partial/empty unknown`]);
  });

  test('a cache\'s sysfs file root-only: the notice names it and what to run', () => {
    const {notices} = hostTree(AS_HOST, denying('/kmalloc-64/partial'), 'kmemscope snapshot');
    expect(notices).toEqual([`run sudo kmemscope snapshot: ${join(HOST, 'sys', 'kernel', 'slab', 'kmalloc-64', 'partial')} is root-only: full/partial/empty unknown`]);
  });

  test('in a saved tree, a file that is no regular file (a FIFO) is never opened: its notice says so', () => {
    const fs = withFifos('/buddyinfo', '/kmalloc-64/slabs');
    const {files, notices} = hostTree(procRoot(HOST), fs);
    expect(notices).toEqual([`${join(HOST, 'buddyinfo')} is not a regular file`, `${join(HOST, 'sys', 'kernel', 'slab', 'kmalloc-64', 'slabs')} is not a regular file: full/partial/empty unknown`]);
    expect(files.has('buddyinfo')).toBe(false);
    expect(fs.read.filter((p) => p.endsWith('/buddyinfo') || p.endsWith('/kmalloc-64/slabs'))).toEqual([]);
  });

  test('the host\'s own files are not stat\'ed: a sample stays cheap', () => {
    const fs = withFifos('/buddyinfo');
    const {files, notices} = hostTree(AS_HOST, fs);
    expect(notices).toEqual([]);
    expect(files.get('buddyinfo')).toBe(readFileSync(join(HOST, 'buddyinfo'), 'utf8'));
  });

  test('a cache name with "/" is found, and saved, under the kobject name with "!" (lib/kobject.c)', () => {
    const dir = treeLike('slash', (files) => {
      files.set('slabinfo', files.get('slabinfo')!.replace(/^kmalloc-64 /m, 'kmalloc/64 '));
      for (const f of SLAB_SYSFS_FILES) {
        files.set(`sys/kernel/slab/kmalloc!64/${f}`, files.get(`sys/kernel/slab/kmalloc-64/${f}`)!);
        files.delete(`sys/kernel/slab/kmalloc-64/${f}`);
      }
    });
    const sysfs = readSlabSysfs(procRoot(dir), ['kmalloc/64']);
    expect(sysfs.ok && sysfs.caches.get('kmalloc/64')?.slabs).toBe('41 N0=41\n');
    const {files, notices} = hostTree(procRoot(dir));
    expect(notices).toEqual([]);
    expect(files.get('sys/kernel/slab/kmalloc!64/slabs')).toBe('41 N0=41\n');
    expect([...files.keys()].some((k) => k.includes('kmalloc/64'))).toBe(false);
  });

  test('cache names come from the slabinfo parser: a line cut short names no cache, so none of its sysfs is saved', () => {
    const dir = treeLike('cut', (files) => {
      const slabinfo = files.get('slabinfo')!.replace(/^kmalloc-64 .*\n/m, '');
      files.set('slabinfo', slabinfo + 'kmalloc-64          2411   26');
    });
    const {files} = hostTree(procRoot(dir));
    expect([...files.keys()].filter((k) => k.startsWith('sys/')).length).toBe(234 * 3);
    expect(files.has('sys/kernel/slab/kmalloc-64/slabs')).toBe(false);
  });

  test('directories without `slabs` (no CONFIG_SLUB_DEBUG, mm/slub.c): says so, not that caches lack directories', () => {
    const dir = treeLike('no-debug', (files) => {
      for (const k of [...files.keys()]) if (k.endsWith('/slabs')) files.delete(k);
    });
    const message = `${join(dir, 'sys', 'kernel', 'slab')} has no slabs files (kernel without CONFIG_SLUB_DEBUG): full slabs unknown`;
    expect(readSlabSysfs(procRoot(dir), ['kmalloc-64', 'dentry'])).toEqual({ok: false, problem: 'missing', message});
    expect(readSlabSysfs({...procRoot(dir), host: true}, ['kmalloc-64'])).toEqual({ok: false, problem: 'missing', message});
    expect(hostTree(procRoot(dir)).notices).toEqual([message]);
  });

  test('a cache whose directory went away between slabinfo and sysfs is left out, the others are read', () => {
    const dir = treeLike('gone', (files) => {
      for (const f of SLAB_SYSFS_FILES) files.delete(`sys/kernel/slab/dentry/${f}`);
    });
    const sysfs = readSlabSysfs(procRoot(dir), ['dentry', 'kmalloc-64']);
    expect(sysfs.ok && [...sysfs.caches.keys()]).toEqual(['kmalloc-64']);
  });

  test('written with writeTree and read again, a snapshot is the same tree', () => {
    const first = hostTree(procRoot(HOST)).files;
    const dir = join(TMP, 'again');
    writeTree(dir, first);
    expect(sorted(hostTree(procRoot(dir)).files)).toEqual(sorted(first));
    expect(() => writeTree(dir, first)).toThrow(`${dir} is not empty`);
  });
});

describe('writeTree into a dangling symbolic link', () => {
  test('the directory itself: named with where it points, nothing written', () => {
    const link = join(TMP, 's3');
    symlinkSync(join(TMP, 'nowhere'), link);
    expect(() => writeTree(link, new Map([['buddyinfo', 'x\n']]))).toThrow(`${link} is a symbolic link to ${join(TMP, 'nowhere')}, which does not exist: a snapshot needs a new or empty directory`);
    expect(existsSync(join(TMP, 'nowhere'))).toBe(false);
  });

  test('a directory above it', () => {
    const link = join(TMP, 'up');
    symlinkSync('nowhere-up', link);
    expect(() => writeTree(join(link, 'snap'), new Map([['buddyinfo', 'x\n']]))).toThrow(`${link} is a symbolic link to nowhere-up, which does not exist`);
  });
});

describe('writeTree never writes under /proc or /sys', () => {
  test.each(['/proc/kmemscope-snap', '/sys/kernel/kmemscope-snap', '/proc'])('%s is refused before anything is tried', (dir) => {
    expect(() => writeTree(dir, new Map([['buddyinfo', 'x\n']]))).toThrow(`${dir} is under /${dir.split('/')[1]}: kmemscope never writes there`);
  });

  test('nor through a link that leads there', () => {
    const link = join(TMP, 'to-proc');
    symlinkSync('/proc', link);
    expect(() => writeTree(join(link, 'new', 'snap'), new Map([['buddyinfo', 'x\n']]))).toThrow('is under /proc: kmemscope never writes there');
  });
});
