// seq_file ends every line the kernel prints with '\n': a last line without one was cut short (a read that stopped
// mid-file, a truncated copy), and its last number may be cut with it. Parsers take only the whole lines.
import {linesOf} from './parsed.js';

/** The whole lines of a file, and how many were cut (0 or 1): the caller counts that one as skipped. */
export function wholeLines(text: string): {lines: string[]; cut: number} {
  const lines = linesOf(text);
  if (text === '' || text.endsWith('\n')) return {lines, cut: 0};
  lines.pop();
  return {lines, cut: 1};
}
