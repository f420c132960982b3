// What every /proc parser returns: the figures it understood, and how many lines it did not (skipped, never
// fatal: a kernel newer or older than the ones we know prints lines we have not met).
export type Parsed<T> = {readonly value: T; readonly skipped: number};

/** A file's lines without the empty one after its final newline. A file cut short keeps its last, partial line. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A decimal count as the kernel prints it (%lu, %d); NaN for anything else. */
export function count(field: string): number {
  return /^-?\d+$/.test(field) ? Number(field) : NaN;
}
