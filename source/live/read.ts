// Reading the host's /proc and /sys/kernel/slab, or a saved tree of them (--proc-root DIR reads DIR and DIR/sys).
// Only reads: nothing here opens a file for writing, and nothing under /proc or /sys is ever written. A file that
// cannot be read is not an error of the program: it becomes a one-line notice that says what to run.
import {readdirSync, readFileSync, statSync} from 'node:fs';
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

/** How a file is read: node:fs by default; tests give one that fails the way the kernel's files fail. */
export type FileSystem = {
  readFile(path: string): string;
  readDir(path: string): string[];
  /** Whether path, symlinks followed, is a regular file; throws as stat(2) does (ENOENT, EACCES ...). */
  isFile(path: string): boolean;
};

export const NODE_FS: FileSystem = {
  readFile: (path) => readFileSync(path, 'utf8'),
  readDir: (path) => readdirSync(path),
  isFile: (path) => statSync(path).isFile(),
};

/** The command a notice tells to run with sudo, unless the caller names another (snapshot names itself). */
export const LIVE_COMMAND = 'kmemscope live';

export type ReadProblem = 'unreadable' | 'missing' | 'error';
export type FileRead = {readonly ok: true; readonly text: string} | {readonly ok: false; readonly problem: ReadProblem; readonly message: string};

/** Files only root may read on a default kernel (mode 0400): the notice suggests sudo for these. */
const ROOT_ONLY = new Set<string>(['slabinfo', 'vmallocinfo', 'pagetypeinfo']);

/** Our own code for a file a saved tree has under a name but is no regular file (a FIFO, a device, a directory). */
const NOT_REGULAR = 'ENOTREG';

/** What an errno means for a file that was to be read, in words (the codes a tree of files can give). */
const IN_WORDS: Record<string, string> = {
  [NOT_REGULAR]: 'is not a regular file',
  EISDIR: 'is a directory, not a file',
  ELOOP: 'is a loop of symbolic links',
  ENAMETOOLONG: 'has too long a name',
  EIO: 'could not be read (I/O error)',
  ENXIO: 'is a device that is not there',
  ENODEV: 'is a device that is not there',
  EMFILE: 'could not be opened (too many open files)',
  ENFILE: 'could not be opened (too many open files)',
  ENOMEM: 'could not be read (out of memory)',
  EINVAL: 'could not be read (the kernel refused the read)',
  EAGAIN: 'could not be read now (would block)',
};

/** `${path} ${what went wrong}` for an error that is neither EACCES nor ENOENT. */
export function failedInWords(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code ?? '';
  const words = IN_WORDS[code];
  if (words) return `${path} ${words}`;
  return `${path} could not be read (${code || (e as Error).message})`;
}

function problemOf(e: unknown): ReadProblem {
  const code = (e as NodeJS.ErrnoException | null)?.code ?? '';
  if (code === 'EACCES' || code === 'EPERM') return 'unreadable';
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
  return 'error';
}

/**
 * A file's text. A saved tree may hold anything under a file's name: a FIFO blocks readFileSync forever and a
 * symlink to /dev/zero never ends, so anything that is not a regular file is refused before it is opened. The
 * host's /proc and /sys files are the kernel's own regular files: not stat'ed there, to keep a sample cheap.
 */
function readRegular(root: ProcRoot, path: string, fs: FileSystem): string {
  if (!root.host && !fs.isFile(path)) throw Object.assign(new Error(`${path} is not a regular file`), {code: NOT_REGULAR});
  return fs.readFile(path);
}

/** One /proc file, or why it could not be read in one line that starts with what to run (a pane shows ~38 cells). */
export function readProcFile(root: ProcRoot, name: ProcFile, fs: FileSystem = NODE_FS, command = LIVE_COMMAND): FileRead {
  const path = join(root.proc, name);
  try {
    return {ok: true, text: readRegular(root, path, fs)};
  } catch (e) {
    const problem = problemOf(e);
    let message: string;
    if (problem === 'unreadable') {
      if (!root.host) message = `${path} is not readable by this user (permission denied)`;
      else message = `run sudo ${command}: ${path} ${ROOT_ONLY.has(name) ? 'is root-only' : 'is not readable by this user'}`;
    } else if (problem === 'missing') message = root.host ? `${path} does not exist on this kernel` : `${path}: not in this snapshot`;
    else message = failedInWords(path, e);
    return {ok: false, problem, message};
  }
}

export type SlabSysfs = {ok: true; caches: Map<string, Record<SlabSysfsFile, string>>} | {ok: false; problem: ReadProblem; message: string};

/**
 * A cache's directory name under /sys/kernel/slab: lib/kobject.c kobject_set_name_vargs() writes '/' as '!'.
 * Simplified: a mergeable cache's directory is an id (":0000064") and its name a symlink that mm/slub.c
 * sysfs_slab_alias() makes with the raw name; we apply the kobject rule to every name, as proc-tree.ts writes.
 */
export function slabSysfsName(cache: string): string {
  return cache.replaceAll('/', '!');
}

/**
 * The sysfs counts of the named caches, keyed by cache name. Not every cache has a directory (classic SLAB has no
 * /sys/kernel/slab at all); a cache without one is left out. If the directory itself cannot be read, or the kernel
 * has no `slabs` files, the whole answer is a notice.
 */
export function readSlabSysfs(root: ProcRoot, names: readonly string[], fs: FileSystem = NODE_FS, command = LIVE_COMMAND): SlabSysfs {
  const dir = join(root.sys, 'kernel', 'slab');
  let present: Set<string>;
  try {
    present = new Set(fs.readDir(dir));
  } catch (e) {
    const problem = problemOf(e);
    const message =
      problem === 'missing'
        ? root.host
          ? `${dir} does not exist (not SLUB, or sysfs not mounted): full/partial/empty unknown`
          : `${dir}: not in this snapshot: full/partial/empty unknown`
        : problem === 'unreadable'
          ? `${root.host ? `run sudo ${command}: ` : ''}${dir} is not readable: full/partial/empty unknown`
          : `${failedInWords(dir, e)}: full/partial/empty unknown`;
    return {ok: false, problem, message};
  }
  const caches = new Map<string, Record<SlabSysfsFile, string>>();
  for (const name of names) {
    const base = join(dir, slabSysfsName(name));
    if (!present.has(slabSysfsName(name))) continue;
    let at = join(base, 'slabs');
    try {
      const slabs = readRegular(root, at, fs);
      at = join(base, 'partial');
      const partial = readRegular(root, at, fs);
      at = join(base, 'cpu_slabs');
      caches.set(name, {slabs, partial, cpu_slabs: readRegular(root, at, fs)});
    } catch (e) {
      const problem = problemOf(e);
      if (problem === 'missing') {
        // mm/slub.c: slabs_show() is under CONFIG_SLUB_DEBUG, partial_show() is not: a directory with `partial`
        // and without `slabs` is the kernel's build, not a cache destroyed between slabinfo and here.
        if (at === join(base, 'slabs') && hasFile(join(base, 'partial'), fs)) {
          return {ok: false, problem, message: `${dir} has no slabs files (kernel without CONFIG_SLUB_DEBUG): full slabs unknown`};
        }
        continue;
      }
      const why = problem === 'unreadable' ? (root.host ? `run sudo ${command}: ${at} is root-only` : `${at} is not readable by this user (permission denied)`) : failedInWords(at, e);
      return {ok: false, problem, message: `${why}: full/partial/empty unknown`};
    }
  }
  return {ok: true, caches};
}

/** Whether a regular file is there (stat only: this is the error path, and a tree's FIFO must not be opened). */
function hasFile(path: string, fs: FileSystem): boolean {
  try {
    return fs.isFile(path);
  } catch {
    return false;
  }
}
