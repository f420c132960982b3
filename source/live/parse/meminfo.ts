// /proc/meminfo: fs/proc/meminfo.c meminfo_proc_show() prints "Name:" then the figure in kB (show_val_kb) for most
// lines, and hugetlb_report_meminfo() prints HugePages_Total/Free/Rsvd/Surp as plain page counts. Which lines exist
// depends on the kernel and its config (HighTotal with CONFIG_HIGHMEM, CmaTotal with CONFIG_CMA ...): every
// "Name: number [kB]" line is kept. The shape is the emulator's MeminfoView: a Record whose keys come in the
// file's order (no meminfo name is an integer, so a JS object keeps insertion order).
import {count, type Parsed} from './parsed.js';
import {wholeLines} from './whole-lines.js';

const LINE = /^(\S+): +(\d+)( kB)?$/;

export function parseMeminfo(text: string): Parsed<Record<string, number>> {
  const {lines, cut} = wholeLines(text);
  const value: Record<string, number> = {};
  let skipped = cut;
  for (const line of lines) {
    const m = LINE.exec(line);
    // A name twice is not something the kernel prints: the first stands.
    if (!m || Object.hasOwn(value, m[1])) skipped++;
    else value[m[1]] = count(m[2]);
  }
  return {value, skipped};
}
