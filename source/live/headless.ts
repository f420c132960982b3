// kmemscope live --once: one sample without a terminal, as JSON, or files parsed and printed again through our own
// renderers. For a file the kernel printed, the dump equals the file line for line: the check that the parsers
// miss nothing and the renderers invent nothing.
import {renderBuddyinfo, renderPagetypeinfo} from '../kernel/procfs.js';
import {parseDumpList} from '../session/headless.js';
import {parseBuddyinfo} from './parse/buddyinfo.js';
import {parsePagetypeinfo} from './parse/pagetypeinfo.js';
import {parseSlabinfo, renderSlabinfo} from './parse/slabinfo.js';
import {parseVmallocinfo, renderVmallocinfo} from './parse/vmallocinfo.js';
import {parseZoneinfo, renderParsedZoneinfo} from './parse/zoneinfo.js';
import {type FileSystem, NODE_FS, type ProcRoot, readProcFile} from './read.js';
import {takeSample} from './sample.js';

/** What --dump takes in live mode: the files we parse completely enough to print them again. */
const LIVE_DUMPS = {
  buddyinfo: (t: string) => renderBuddyinfo(parseBuddyinfo(t).value),
  pagetypeinfo: (t: string) => renderPagetypeinfo(parsePagetypeinfo(t).value),
  zoneinfo: (t: string) => renderParsedZoneinfo(parseZoneinfo(t).value),
  slabinfo: (t: string) => renderSlabinfo(parseSlabinfo(t).value),
  vmallocinfo: (t: string) => renderVmallocinfo(parseVmallocinfo(t).value),
} as const;
export type LiveDumpName = keyof typeof LIVE_DUMPS;
export const LIVE_DUMP_NAMES = Object.keys(LIVE_DUMPS) as LiveDumpName[];

/** --dump's list in live mode: the files above. */
export const parseLiveDumpList = (list: string) => parseDumpList(list, LIVE_DUMP_NAMES, {flag: 'live --dump', item: 'file', lead: 'live --dump: '});

export type OnceResult = {stdout: string; problems: string[]};

/** The files named, read once and printed again; a file that cannot be read is a problem line, the rest print. */
export function liveDump(root: ProcRoot, dumps: readonly LiveDumpName[], fs: FileSystem = NODE_FS): OnceResult {
  let stdout = '';
  const problems: string[] = [];
  for (const name of dumps) {
    const r = readProcFile(root, name, fs);
    if (r.ok) stdout += LIVE_DUMPS[name](r.text);
    else problems.push(r.message);
  }
  return {stdout, problems};
}

/** One sample as JSON: what the dashboard would draw from, with each unreadable file's notice in `problems`. */
export function liveJson(root: ProcRoot, source: string, time: number, fs: FileSystem = NODE_FS): OnceResult {
  const s = takeSample(root, 1, time, null, fs);
  return {stdout: JSON.stringify({source, ...s}, null, 2) + '\n', problems: Object.values(s.problems)};
}

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60000, h: 3600000};

/** "1s", "500ms", "2.5s", "1m", "1h", or a bare number of seconds, to ms; null if none of these or out of range. */
export function parseInterval(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const ms = Number(m[1]) * UNIT_MS[m[2] ?? 's'];
  return ms >= MIN_INTERVAL && ms <= MAX_INTERVAL ? Math.round(ms) : null;
}

export const MIN_INTERVAL = 100;
export const MAX_INTERVAL = 3600000;
