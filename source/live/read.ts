// Reading the host's /proc and /sys/kernel/slab, or a saved tree of them (--proc-root DIR reads DIR and DIR/sys).
// Only reads: nothing here opens a file for writing, and nothing under /proc or /sys is ever written. A file that
// cannot be read is not an error of the program: it becomes a one-line notice that says what to run.
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';

/** The /proc files a sample reads, in the order a snapshot lists them. */
export const PROC_FILES = ['buddyinfo', 'pagetypeinfo', 'zoneinfo', 'slabinfo', 'vmallocinfo', 'meminfo', 'interrupts', 'vmstat', 'version'] as const;
export type ProcFile = (typeof PROC_FILES)[number];

/** What SLUB's sysfs tells per cache (mm/slub.c show_slab_objects): all slabs, node partial ones, CPU ones. */
export const SLAB_SYSFS_FILES = ['slabs', 'partial', 'cpu_slabs'] as const;
export type SlabSysfsFile = (typeof SLAB_SYSFS_FILES)[number];

export type ProcRoot = {
  readonly proc: string;
  readonly sys: string;
  /** True for the host's own /proc: notices then say what to run, not what a snapshot lacks. */
  readonly host: boolean;
};

export const HOST_ROOT: ProcRoot = {proc: '/proc', sys: '/sys', host: true};

/** The host's /proc, or a saved tree: DIR for /proc's files, DIR/sys for sysfs. */
export function procRoot(dir?: string): ProcRoot {
  return dir === undefined ? HOST_ROOT : {proc: dir, sys: join(dir, 'sys'), host: false};
}

/** How a file is read: readFileSync by default; tests give one that fails the way the kernel's files fail. */
export type FileSystem = {
  readFile(path: string): string;
  readDir(path: string): string[];
};

export const NODE_FS: FileSystem = {
  readFile: (path) => readFileSync(path, 'utf8'),
  readDir: (path) => readdirSync(path),
};

export type FileRead = {readonly ok: true; readonly text: string} | {readonly ok: false; readonly problem: 'unreadable' | 'missing' | 'error'; readonly message: string};

/** Files only root may read on a default kernel (mode 0400): the notice suggests sudo for these. */
const ROOT_ONLY = new Set<string>(['slabinfo', 'vmallocinfo', 'pagetypeinfo']);

function problemOf(e: unknown): {problem: 'unreadable' | 'missing' | 'error'; code: string} {
  const code = (e as NodeJS.ErrnoException | null)?.code ?? '';
  if (code === 'EACCES' || code === 'EPERM') return {problem: 'unreadable', code};
  if (code === 'ENOENT' || code === 'ENOTDIR') return {problem: 'missing', code};
  return {problem: 'error', code};
}

/** One /proc file, or why it could not be read, in one line. */
export function readProcFile(root: ProcRoot, name: ProcFile, fs: FileSystem = NODE_FS): FileRead {
  const path = join(root.proc, name);
  try {
    return {ok: true, text: fs.readFile(path)};
  } catch (e) {
    const {problem, code} = problemOf(e);
    let message: string;
    if (problem === 'unreadable') message = `${path} is readable by root only${root.host && ROOT_ONLY.has(name) ? ': run sudo kmemscope live' : ''}`;
    else if (problem === 'missing') message = root.host ? `${path} does not exist on this kernel` : `${path}: not in this snapshot`;
    else message = `${path}: ${code || (e as Error).message}`;
    return {ok: false, problem, message};
  }
}

export type SlabSysfs = {ok: true; caches: Map<string, Record<SlabSysfsFile, string>>} | {ok: false; problem: 'unreadable' | 'missing' | 'error'; message: string};

/**
 * The sysfs counts of the named caches. Not every cache has a directory (classic SLAB has no /sys/kernel/slab at
 * all); a cache without one is left out. If the directory itself cannot be read, the whole answer is a notice.
 */
export function readSlabSysfs(root: ProcRoot, names: readonly string[], fs: FileSystem = NODE_FS): SlabSysfs {
  const dir = join(root.sys, 'kernel', 'slab');
  let present: Set<string>;
  try {
    present = new Set(fs.readDir(dir));
  } catch (e) {
    const {problem, code} = problemOf(e);
    const message =
      problem === 'missing'
        ? root.host
          ? `${dir} does not exist (not SLUB, or sysfs not mounted): full/partial/empty unknown`
          : `${dir}: not in this snapshot: full/partial/empty unknown`
        : problem === 'unreadable'
          ? `${dir} is not readable: full/partial/empty unknown${root.host ? ' (run sudo kmemscope live)' : ''}`
          : `${dir}: ${code}: full/partial/empty unknown`;
    return {ok: false, problem, message};
  }
  const caches = new Map<string, Record<SlabSysfsFile, string>>();
  for (const name of names) {
    if (!present.has(name)) continue;
    try {
      const base = join(dir, name);
      caches.set(name, {slabs: fs.readFile(join(base, 'slabs')), partial: fs.readFile(join(base, 'partial')), cpu_slabs: fs.readFile(join(base, 'cpu_slabs'))});
    } catch (e) {
      const {problem, code} = problemOf(e);
      if (problem === 'missing') continue; // a cache destroyed between slabinfo and here
      return {ok: false, problem, message: `${join(dir, name)}: ${problem === 'unreadable' ? 'not readable' : code}: full/partial/empty unknown${root.host && problem === 'unreadable' ? ' (run sudo kmemscope live)' : ''}`};
    }
  }
  return {ok: true, caches};
}
