// Headless runs: a session advanced for N ticks, then the requested /proc dumps in the kernel's formats,
// or the same figures as one JSON document, or (with neither) the transcript of what happened.
import {formatBytes} from '../kernel/config.js';
import {buddyinfoView, DUMPS as PROC_DUMPS, pagetypeinfoView, slabinfoView, tlbView, vmallocinfoView, zoneinfoView} from '../kernel/procfs.js';
import {cpusView, renderTasks, renderWorkloads, tasksView, workloadsView} from '../workloads/report.js';
import type {Session, TranscriptLine} from './session.js';

/** Every dump: the machine's /proc files, then the session's CPUs, tasks and workloads. */
const DUMPS = {
  ...Object.fromEntries(Object.entries(PROC_DUMPS).map(([k, f]) => [k, (s: Session) => f(s.machine)])),
  tasks: (s: Session) => renderTasks(s.sys),
  workloads: (s: Session) => renderWorkloads(s.sys),
} as Record<keyof typeof PROC_DUMPS | 'tasks' | 'workloads', (s: Session) => string>;
export type DumpName = keyof typeof DUMPS;
export const DUMP_NAMES = Object.keys(DUMPS) as DumpName[];

/**
 * Parse "buddyinfo,zoneinfo" into names out of `names` (run's dumps by default; live mode has its own), or say
 * which one is unknown. `what` words the messages (the flag, what a name is, and a lead for the unknown one).
 */
export function parseDumpList<N extends string = DumpName>(
  list: string,
  names: readonly N[] = DUMP_NAMES as unknown as readonly N[],
  what = {flag: '--dump', item: 'dump', lead: ''},
): {ok: true; dumps: N[]} | {ok: false; message: string} {
  const dumps: N[] = [];
  for (const raw of list.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!(names as readonly string[]).includes(name)) return {ok: false, message: `${what.lead}unknown ${what.item} "${name}", expected any of ${names.join(', ')}`};
    if (!dumps.includes(name as N)) dumps.push(name as N);
  }
  if (dumps.length === 0) return {ok: false, message: `${what.flag} needs a list, expected any of ${names.join(', ')}`};
  return {ok: true, dumps};
}

export function formatTranscriptLine(l: TranscriptLine): string {
  const head = `[${String(l.tick).padStart(6)}] `;
  const lines = [head + (l.kind === 'note' ? `note: ${l.text}` : l.text)];
  for (const d of l.detail ?? []) lines.push(' '.repeat(head.length) + d);
  return lines.join('\n');
}

/** The machine as the header and JSON describe it. */
export function machineSummary(s: Session) {
  const m = s.machine;
  return {
    profile: m.config.profile,
    memory: m.config.memory,
    memory_text: formatBytes(m.config.memory),
    cpus: m.nrCpus,
    nodes: m.pa.nodes.map((n) => ({node: n.nid, cpus: n.cpus, start_pfn: n.startPfn, end_pfn: n.endPfn})),
    distance: m.config.distance,
    pcp: m.config.pcp,
    slab: m.config.slab,
    min_free_kbytes: m.pa.minFreeKbytes,
    watermark_scale_factor: m.config.watermarkScaleFactor,
  };
}

/** The JSON document of a run: the figures of the requested dumps (all of them when none is named). */
export function jsonDocument(s: Session, dumps: readonly DumpName[]) {
  const m = s.machine;
  const want = dumps.length ? dumps : DUMP_NAMES;
  const doc: Record<string, unknown> = {
    scenario: s.scenario.name,
    seed: s.seed,
    tick: s.tick,
    machine: machineSummary(s),
  };
  if (want.includes('buddyinfo')) doc.buddyinfo = buddyinfoView(m);
  if (want.includes('pagetypeinfo')) doc.pagetypeinfo = pagetypeinfoView(m);
  if (want.includes('zoneinfo')) doc.zoneinfo = zoneinfoView(m);
  if (want.includes('slabinfo')) doc.slabinfo = {model: m.slab.model.name, caches: slabinfoView(m)};
  if (want.includes('vmallocinfo')) doc.vmallocinfo = vmallocinfoView(m);
  if (want.includes('tlb')) doc.tlb = tlbView(m);
  if (want.includes('tasks')) {
    doc.cpus = cpusView(s.sys);
    doc.tasks = tasksView(s.sys);
  }
  if (want.includes('workloads')) doc.workloads = workloadsView(s.sys);
  doc.workload_calls = s.sys.calls;
  const st = m.pa.stats;
  // /proc/vmstat names where the kernel has one; the rest in the same style.
  doc.vmstat = {
    allocstall: st.allocstall,
    pgsteal_kswapd: st.pgstealKswapd,
    pgsteal_direct: st.pgstealDirect,
    kswapd_wakeups: st.kswapdWakeups,
    direct_reclaim_stall_ticks: st.stallTicks,
    alloc_failures: st.allocFailures,
    highatomic_pageblocks_reserved: st.highatomicReserved,
  };
  doc.log = s.transcript;
  if (s.transcriptDropped) doc.log_dropped = s.transcriptDropped;
  return doc;
}

/** Everything a headless run prints, after the session has run. */
export function headlessOutput(s: Session, dumps: readonly DumpName[], json: boolean): string {
  if (json) return JSON.stringify(jsonDocument(s, dumps), null, 2) + '\n';
  if (dumps.length) return dumps.map((d) => DUMPS[d](s)).join('');
  const lines = s.transcript.map(formatTranscriptLine);
  if (s.transcriptDropped) lines.unshift(`[ ... ${s.transcriptDropped} earlier lines dropped: the transcript keeps the newest ${s.transcriptMax} ... ]`);
  lines.push(`[${String(s.tick).padStart(6)}] end of run; /proc/buddyinfo:`);
  return lines.join('\n') + '\n' + DUMPS.buddyinfo(s);
}
