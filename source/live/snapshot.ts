// /proc trees on disk: `kmemscope snapshot DIR` saves what live mode reads from the host (or from another saved
// tree), and writeTree() writes any tree, this one or the emulator's (source/session/proc-tree.ts), in the layout
// read.ts reads back with --proc-root: DIR/<file> for /proc, DIR/sys/kernel/slab/<cache>/<file> for sysfs.
// A snapshot never overwrites: a directory with anything in it is refused, and every file is created with 'wx'.
import {mkdirSync, readdirSync, writeFileSync} from 'node:fs';
import {dirname, isAbsolute, join, normalize, sep} from 'node:path';
import {type FileSystem, NODE_FS, PROC_FILES, type ProcRoot, readProcFile, readSlabSysfs} from './read.js';

/**
 * Every /proc file of PROC_FILES and, for each cache slabinfo names, its sysfs counts. What cannot be read is left
 * out of `files` and its one-line notice listed in `notices`.
 */
export function hostTree(root: ProcRoot, fs: FileSystem = NODE_FS): {files: Map<string, string>; notices: string[]} {
  const files = new Map<string, string>();
  const notices: string[] = [];
  for (const name of PROC_FILES) {
    const r = readProcFile(root, name, fs);
    if (r.ok) files.set(name, r.text);
    else notices.push(r.message);
  }
  const slabinfo = files.get('slabinfo');
  // Without slabinfo there are no cache names to look up (and its notice already says why).
  if (slabinfo !== undefined) {
    const sysfs = readSlabSysfs(root, slabinfoNames(slabinfo), fs);
    if (sysfs.ok) {
      for (const [cache, counts] of sysfs.caches) for (const [f, text] of Object.entries(counts)) files.set(`sys/kernel/slab/${cache}/${f}`, text);
    } else notices.push(sysfs.message);
  }
  return {files, notices};
}

/** The first field of each line after slabinfo's two header lines. A crude split: the parser lives in parse/. */
function slabinfoNames(text: string): string[] {
  return text
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n !== '');
}

/**
 * Create dir (and its parents) and write each file under it. Refuses, with one line naming dir, when dir exists
 * and is not empty, and when a path would leave dir; a file that appeared meanwhile is not overwritten either.
 */
export function writeTree(dir: string, files: Map<string, string>): void {
  let present: string[] = [];
  try {
    present = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new Error(`${dir} exists and is not a directory: a snapshot needs a new or empty directory`);
    if (code !== 'ENOENT') throw new Error(`cannot read ${dir}: ${code ?? (e as Error).message}`);
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
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`cannot write the snapshot in ${dir}: ${at}: ${code === 'EEXIST' ? 'exists already (not overwritten)' : (code ?? (e as Error).message)}`);
  }
}
