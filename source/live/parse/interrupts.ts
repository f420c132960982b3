// /proc/interrupts, for the TLB pane: kernel/irq/proc.c show_interrupts() prints a header of the online CPUs
// ("CPU%-8d" each), a line per IRQ, then on x86 arch_show_interrupts() the per-CPU counters, among them
// "TLB: <count per CPU>  TLB shootdowns" (flush IPIs received, since 2.6.2x; absent on other architectures).
// Only the header and the TLB line are read: the other lines vary by machine and are neither parsed nor skipped.
import {count, type Parsed} from './parsed.js';
import {wholeLines} from './whole-lines.js';

export type Interrupts = {
  /** Online CPUs: the header's columns. */
  cpus: number;
  /** The CPU number of each column (CPU1 is missing from "CPU0 CPU2" while it is offline). */
  ids: number[];
  /** TLB shootdowns received per column; null where the kernel prints no TLB line (not x86). */
  tlb: number[] | null;
};

const HEADER = /^ *((?:CPU\d+ *)+)$/;
// "%*s: " right-aligns the name to the IRQ numbers' width; the counts end where the description starts.
const TLB = /^ *TLB:((?: +\d+)+)(?: +\D.*)?$/;

export function parseInterrupts(text: string): Parsed<Interrupts> {
  const {lines, cut} = wholeLines(text);
  const value: Interrupts = {cpus: 0, ids: [], tlb: null};
  let skipped = cut;
  lines.forEach((line, i) => {
    if (i === 0) {
      const m = HEADER.exec(line);
      if (m) value.ids = m[1].trim().split(/ +/).map((c) => count(c.slice(3)));
      else skipped++;
      value.cpus = value.ids.length;
    } else if (line.trimStart().startsWith('TLB:')) {
      const m = TLB.exec(line);
      const counts = m ? m[1].trim().split(/ +/).map(count) : [];
      // One count per online CPU; without a header, as many as the line has.
      if (m && (value.cpus === 0 || counts.length === value.cpus)) value.tlb = counts;
      else skipped++;
    }
  });
  return {value, skipped};
}
