// Files of one counter a line, "name value" (/proc/vmstat) or "Name: value kB" (/proc/meminfo): the caller's line
// pattern says the separator and the unit, and captures the name and the figure. Kept in the file's order (no such
// name is an integer, so a JS object keeps insertion order).
import {count, type Parsed} from './parsed.js';
import {wholeLines} from './whole-lines.js';

/** Every line that `line` matches (group 1 the name, group 2 the figure); the others are counted as skipped. */
export function parseNameValues(text: string, line: RegExp): Parsed<Record<string, number>> {
  const {lines, cut} = wholeLines(text);
  const value: Record<string, number> = {};
  let skipped = cut;
  for (const l of lines) {
    const m = line.exec(l);
    // A name twice is not something the kernel prints: the first stands.
    if (!m || Object.hasOwn(value, m[1])) skipped++;
    else value[m[1]] = count(m[2]);
  }
  return {value, skipped};
}
