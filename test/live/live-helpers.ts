// Shared by the live tests: the host fixture as texts, a file system over a map (failing the way /proc fails), and
// a clock moved by hand.
import {readdirSync, readFileSync} from 'node:fs';
import {join, relative} from 'node:path';
import {PROC_FILES, type FileSystem, type ProcFile, procRoot} from '../../source/live/read.js';

export const HOST_FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'proc', 'linux-6.18');
export const FIXTURE_ROOT = procRoot('/fx');

/** Every file of the host fixture by its path under the root ("slabinfo", "sys/kernel/slab/x/partial"). */
export function fixtureFiles(dir = HOST_FIXTURE): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, {withFileTypes: true})) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

export const fixtureTexts = (files = fixtureFiles()): Partial<Record<ProcFile, string>> =>
  Object.fromEntries(PROC_FILES.filter((f) => files.has(f)).map((f) => [f, files.get(f)!]));

const errno = (code: string, path: string) => Object.assign(new Error(`${code}: ${path}`), {code});

/** A FileSystem over `files` rooted at /fx; `fail` maps a path under the root to the errno its read gives. */
export function mapFs(files: Map<string, string>, fail: Record<string, string> = {}): FileSystem & {reads: number} {
  const fs = {
    reads: 0,
    readFile(path: string): string {
      fs.reads++;
      const rel = relative('/fx', path);
      if (fail[rel]) throw errno(fail[rel], path);
      const t = files.get(rel);
      if (t === undefined) throw errno('ENOENT', path);
      return t;
    },
    readDir(path: string): string[] {
      const rel = relative('/fx', path);
      if (fail[rel]) throw errno(fail[rel], path);
      const prefix = rel + '/';
      const names = new Set<string>();
      for (const k of files.keys()) if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0]);
      if (names.size === 0) throw errno('ENOENT', path);
      return [...names];
    },
    /** A file of the map (or one failing on read, as a 0400 file still stats) is regular; a directory is not. */
    isFile(path: string): boolean {
      const rel = relative('/fx', path);
      if (files.has(rel) || fail[rel]) return true;
      if ([...files.keys()].some((k) => k.startsWith(rel + '/'))) return false;
      throw errno('ENOENT', path);
    },
  };
  return fs;
}

/** A clock moved by hand: timers fire only when the test advances it. */
export class HandClock {
  t = 1_700_000_000_000;
  private timers: {at: number; fn: () => void; id: number}[] = [];
  private next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.push({at: this.t + ms, fn, id});
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const due = this.timers[0];
      if (!due || due.at > end) break;
      this.timers.shift();
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
  get pending(): number {
    return this.timers.length;
  }
}
