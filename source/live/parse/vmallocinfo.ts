// /proc/vmallocinfo read back: mm/vmalloc.c vmalloc_info_show() (s_show() before 6.9) prints per busy area
//   "0x%pK-0x%pK %7ld" [" %pS" caller] [" pages=%d"] [" phys=%pa"] [" ioremap"] [" sparse"] [" vmalloc"] [" vmap"]
//   [" user"] [" dma-coherent"] [" vpages"] [" N%u=%u" per node]
// an area with no vm_struct as "0x%pK-0x%pK %7ld vm_map_ram", and show_purge_info() the lazily freed ones as
// "0x%pK-0x%pK %7ld unpurged vm_area". Flag words we do not know are kept as flags, in their order. %pK prints
// hashed pointers with kptr_restrict 0 (real with no_hash_pointers), real ones to CAP_SYSLOG with 1, else zeros when
// kptr_restrict forbids it; then only sizes, callers and counts are real. renderVmallocinfo() prints a value back.
// Kept fast (a host has thousands of lines): one split per line, no regex per field.
import {linesOf, type Parsed} from './parsed.js';

/** The area's main kind: the first of these its flags carry, else its first other flag, else 'other'. */
export type VmAreaKind = 'vmalloc' | 'ioremap' | 'vmap' | 'vm_map_ram' | 'unpurged' | 'user' | 'other' | (string & {});

export type VmArea = {
  /** As printed ("0xffffc90000000000"; hashed on most hosts). */
  start: string;
  end: string;
  size: number;
  /** %pS: "kernel_clone+0x94/0x3e0", with " [module]" for a module's symbol. */
  caller: string | null;
  /** 0 when the kernel printed no pages=. */
  pages: number;
  phys: string | null;
  kind: VmAreaKind;
  /** Every word after caller, pages= and phys=, in order ("vmalloc", "vpages"; "unpurged", "vm_area"). */
  flags: string[];
  /** Pages per node: {N0: 4}. */
  nodes: Record<string, number>;
};

export type Vmallocinfo = {
  areas: VmArea[];
  /** The addresses are not real (hashed or zeroed %pK): some area's end - start is not its size. */
  hashed: boolean;
};

const KINDS = ['unpurged', 'vm_map_ram', 'vmalloc', 'ioremap', 'vmap', 'user'];
// The kind of a flag that only qualifies another ("vpages" rides on vmalloc, "vm_area" on unpurged).
const QUALIFIERS = new Set(['vpages', 'vm_area', 'dma-coherent']);

/** A decimal count, as count() of parsed.ts reads it but without a regex (it runs a few times per line); NaN otherwise. */
function uint(s: string): number {
  if (s.length === 0 || s.length > 15) return NaN;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

function isAddress(s: string): boolean {
  if (s.length < 3 || s[0] !== '0' || s[1] !== 'x') return false;
  for (let i = 2; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** %pS prints "symbol+0xoff/0xsize", or the bare address when it finds no symbol. */
function isCaller(s: string): boolean {
  return s.includes('+0x') || isAddress(s);
}

/** show_numa_info(): "N%u=%u". */
function isNode(w: string): boolean {
  const eq = w.indexOf('=');
  return eq > 1 && uint(w.slice(1, eq)) >= 0 && uint(w.slice(eq + 1)) >= 0;
}

function kindOf(flags: readonly string[]): VmAreaKind {
  for (const k of KINDS) if (flags.includes(k)) return k;
  for (const f of flags) if (!QUALIFIERS.has(f)) return f;
  return 'other';
}

// Field order as vmalloc_info_show() prints them; a field out of this order makes the line malformed.
const CALLER = 0;
const PAGES = 1;
const PHYS = 2;
const FLAGS = 3;
const NODES = 4;

function parseArea(line: string): VmArea | null {
  const dash = line.indexOf('-');
  const sp = line.indexOf(' ', dash + 1);
  if (dash < 0 || sp < 0) return null;
  const start = line.slice(0, dash);
  const end = line.slice(dash + 1, sp);
  if (!isAddress(start) || !isAddress(end)) return null;
  let i = sp;
  while (line.charCodeAt(i) === 32) i++;
  let j = line.indexOf(' ', i);
  if (j < 0) j = line.length;
  const size = uint(line.slice(i, j));
  if (!(size >= 0)) return null;
  const area: VmArea = {start, end, size, caller: null, pages: 0, phys: null, kind: 'other', flags: [], nodes: {}};
  const words = j < line.length ? line.slice(j + 1).split(' ') : [];
  let at = CALLER;
  for (let k = 0; k < words.length; k++) {
    const w = words[k];
    if (w === '') return null;
    if (k === 0 && isCaller(w)) {
      area.caller = w;
      // A module's symbol: "xt_alloc_table_info+0xfe/0x130 [x_tables]".
      const next = words[1];
      if (next !== undefined && next[0] === '[' && next[next.length - 1] === ']') {
        area.caller += ' ' + next;
        k++;
      }
      at = PAGES;
    } else if (w.startsWith('pages=') && at <= PAGES && uint(w.slice(6)) > 0) {
      area.pages = uint(w.slice(6));
      at = PHYS;
    } else if (w.startsWith('phys=') && at <= PHYS) {
      area.phys = w.slice(5);
      at = FLAGS;
    } else if (w[0] === 'N' && isNode(w)) {
      const eq = w.indexOf('=');
      const node = w.slice(0, eq);
      if (node in area.nodes) return null;
      area.nodes[node] = uint(w.slice(eq + 1));
      at = NODES;
    } else if (at <= FLAGS) {
      area.flags.push(w);
      at = FLAGS;
    } else return null;
  }
  area.kind = kindOf(area.flags);
  return area;
}

/** end - start == size, compared on the low 52 bits (exact in a double; a size never reaches 2^52). */
function spanMatches(a: VmArea): boolean {
  const low = (s: string) => parseInt(s.slice(Math.max(2, s.length - 13)), 16);
  let span = low(a.end) - low(a.start);
  if (span < 0) span += 2 ** 52;
  return span === a.size;
}

/** A malformed line, or a last line cut short (no '\n': its last number may be cut too), is skipped. */
export function parseVmallocinfo(text: string): Parsed<Vmallocinfo> {
  const areas: VmArea[] = [];
  const lines = linesOf(text);
  const complete = text.endsWith('\n') || lines.length === 0 ? lines.length : lines.length - 1;
  let skipped = lines.length - complete;
  let hashed = false;
  for (let i = 0; i < complete; i++) {
    const area = parseArea(lines[i]);
    if (!area) {
      skipped++;
      continue;
    }
    areas.push(area);
    if (!hashed && !spanMatches(area)) hashed = true;
  }
  return {value: {areas, hashed}, skipped};
}

/** vmalloc_info_show()'s lines for these areas. */
export function renderVmallocinfo(value: Vmallocinfo): string {
  let s = '';
  for (const a of value.areas) {
    s += a.start + '-' + a.end + ' ' + String(a.size).padStart(7);
    if (a.caller !== null) s += ' ' + a.caller;
    if (a.pages) s += ' pages=' + a.pages;
    if (a.phys !== null) s += ' phys=' + a.phys;
    for (const f of a.flags) s += ' ' + f;
    for (const k in a.nodes) s += ' ' + k + '=' + a.nodes[k];
    s += '\n';
  }
  return s;
}
