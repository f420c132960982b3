// /proc/meminfo: fs/proc/meminfo.c meminfo_proc_show() prints "Name:" then the figure in kB (show_val_kb) for most
// lines, and hugetlb_report_meminfo() prints HugePages_Total/Free/Rsvd/Surp as plain page counts. Which lines exist
// depends on the kernel and its config (HighTotal with CONFIG_HIGHMEM, CmaTotal with CONFIG_CMA ...): every
// "Name: number [kB]" line is kept. The shape is the emulator's MeminfoView, keys in the file's order.
import type {Parsed} from './parsed.js';
import {parseNameValues} from './name-value.js';

const LINE = /^(\S+): +(\d+)( kB)?$/;

export function parseMeminfo(text: string): Parsed<Record<string, number>> {
  return parseNameValues(text, LINE);
}
