// /proc trees on disk: `kmemscope snapshot DIR` saves what live mode reads from the host (or from another saved
// tree), and writeTree() writes any tree, this one or the emulator's (source/session/proc-tree.ts), in the layout
// read.ts reads back with --proc-root: DIR/<file> for /proc, DIR/sys/kernel/slab/<cache>/<file> for sysfs.
// A snapshot never overwrites: a directory with anything in it is refused, and every file is created with 'wx'.
import {lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, statSync, writeFileSync} from 'node:fs';
import {basename, dirname, isAbsolute, join, normalize, resolve, sep} from 'node:path';
import {parseSlabinfo} from './parse/slabinfo.js';
import {failedInWords, type FileSystem, LIVE_COMMAND, NODE_FS, PROC_FILES, type ProcRoot, readProcFile, readSlabSysfs, slabSysfsName} from './read.js';

/**
 * Every /proc file of PROC_FILES and, for each cache slabinfo names, its sysfs counts under the cache's directory
 * name. What cannot be read is left out of `files` and its one-line notice listed in `notices`; `command` is what a
 * notice tells to run with sudo.
 */
export function hostTree(root: ProcRoot, fs: FileSystem = NODE_FS, command = LIVE_COMMAND): {files: Map<string, string>; notices: string[]} {
  const files = new Map<string, string>();
  const notices: string[] = [];
  for (const name of PROC_FILES) {
    const r = readProcFile(root, name, fs, command);
    if (r.ok) files.set(name, r.text);
    else notices.push(r.message);
  }
  const slabinfo = files.get('slabinfo');
  // Without slabinfo there are no cache names to look up (and its notice already says why).
  if (slabinfo !== undefined) {
    const sysfs = readSlabSysfs(root, parseSlabinfo(slabinfo).value.caches.map((c) => c.name), fs, command);
    if (sysfs.ok) {
      for (const [cache, counts] of sysfs.caches) for (const [f, text] of Object.entries(counts)) files.set(`sys/kernel/slab/${slabSysfsName(cache)}/${f}`, text);
    } else notices.push(sysfs.message);
  }
  return {files, notices};
}

/** What an errno means for a file or directory being written, in words. */
const WRITE_WORDS: Record<string, string> = {
  EEXIST: 'exists already (not overwritten)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'is on a read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'over the disk quota',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'a loop of symbolic links on the way',
  ENAMETOOLONG: 'the name is too long',
};

/** The first symbolic link on path (itself or a directory above it) that points to nothing, in words. */
export function danglingLinkOn(path: string): string | null {
  for (let p = path; ; p = dirname(p)) {
    let link = false;
    try {
      link = lstatSync(p).isSymbolicLink();
      if (link) statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (link && code === 'ENOENT') return `${p} is a symbolic link to ${readlinkSync(p)}, which does not exist`;
      if (link && code === 'ELOOP') return `${p} is a loop of symbolic links`;
      // p itself is not there: look further up
    }
    if (dirname(p) === p) return null;
  }
}

/** Why writing at `at` failed, in words: an ENOENT while creating directories is a dangling link on the way. */
function writeFailure(at: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code === 'ENOENT') return danglingLinkOn(at) ?? `${at}: a directory on the way vanished`;
  return `${at}: ${WRITE_WORDS[code] ?? (code || (e as Error).message)}`;
}

/**
 * Create dir (and its parents) and write each file under it. Refuses, with one line naming dir, when dir exists
 * and is not empty, and when a path would leave dir; a file that appeared meanwhile is not overwritten either.
 */
export function writeTree(dir: string, files: Map<string, string>): void {
  const kernel = kernelFileSystem(dir);
  if (kernel) throw new Error(`${dir} is under ${kernel}: kmemscope never writes there, give a directory elsewhere`);
  let present: string[] = [];
  try {
    present = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new Error(`${dir} exists and is not a directory: a snapshot needs a new or empty directory`);
    if (code !== 'ENOENT') throw new Error(`cannot read ${dir}: ${failedInWords(dir, e)}`);
    // mkdir would fail on a link to nothing (EEXIST, then ENOENT): say so before writing anything.
    const dangling = danglingLinkOn(dir);
    if (dangling) throw new Error(`${dangling}: a snapshot needs a new or empty directory`);
  }
  if (present.length > 0) throw new Error(`${dir} is not empty: a snapshot never overwrites files, give a new or empty directory`);
  for (const rel of files.keys()) {
    const n = normalize(rel);
    if (rel === '' || isAbsolute(rel) || n === '..' || n.startsWith('..' + sep)) throw new Error(`${dir}: refusing to write ${JSON.stringify(rel)} outside the snapshot directory`);
  }
  let at = dir;
  try {
    mkdirSync(dir, {recursive: true});
    for (const [rel, text] of files) {
      at = join(dir, rel);
      mkdirSync(dirname(at), {recursive: true});
      writeFileSync(at, text, {flag: 'wx'});
    }
  } catch (e) {
    throw new Error(`cannot write the snapshot in ${dir}: ${writeFailure(at, e)}`);
  }
}

/** /proc or /sys when `dir` (or the nearest part of it that exists, links followed) lies under one of them. */
function kernelFileSystem(dir: string): string | null {
  let at = resolve(dir);
  let rest = '';
  for (;;) {
    try {
      at = join(realpathSync(at), rest);
      break;
    } catch {
      const up = dirname(at);
      if (up === at) break;
      rest = join(basename(at), rest);
      at = up;
    }
  }
  for (const root of ['/proc', '/sys']) if (at === root || at.startsWith(root + sep)) return root;
  return null;
}
