// The emulated machine as a /proc tree (`run --snapshot DIR`): the files live mode reads (source/live/read.ts),
// so `--proc-root DIR` shows the emulator's machine through the same readers as a real host. Paths are relative:
// DIR/<file> for /proc, DIR/sys/kernel/slab/<cache>/{slabs,partial,cpu_slabs} for SLUB's sysfs.
// Writing the tree to disk is writeTree() in source/live/snapshot.ts (the session layer does not import live/).
import type {Machine} from '../kernel/machine.js';
import {DUMPS, meminfoView, renderMeminfo, tlbView} from '../kernel/procfs.js';
import type {KmemCache} from '../kernel/slab/cache.js';
import {KMEMSCOPE_VERSION} from './open-scenario.js';
import type {Session} from './session.js';

/** The kernel release whose line formats source/kernel/procfs.ts renders (its NR_VM_NODE_STAT_ITEMS are 6.18's). */
const RELEASE = '6.18.0-kmemscope';

/** Every file of the tree, relative path -> text, /proc files first in live/read.ts's PROC_FILES order. */
export function emulatedTree(session: Session): Map<string, string> {
  const m = session.machine;
  const files = new Map<string, string>([
    ['buddyinfo', DUMPS.buddyinfo(m)],
    ['pagetypeinfo', DUMPS.pagetypeinfo(m)],
    ['zoneinfo', DUMPS.zoneinfo(m)],
    ['slabinfo', DUMPS.slabinfo(m)],
    ['vmallocinfo', DUMPS.vmallocinfo(m)],
    ['meminfo', renderMeminfo(meminfoView(m))],
    ['interrupts', renderInterrupts(m)],
    ['vmstat', renderVmstat(m)],
    ['version', renderVersion(session)],
  ]);
  // Classic SLAB has no /sys/kernel/slab at all.
  if (m.slab.model.name === 'slub') for (const [dir, f] of slubSysfs(m)) for (const [name, text] of Object.entries(f)) files.set(`sys/kernel/slab/${dir}/${name}`, text);
  return files;
}

/**
 * kernel/irq/proc.c show_interrupts(): the header ("%*s" of prec + 8, then "CPU%-8d" per online CPU; prec is 3
 * below 1000 irqs), then arch/x86/kernel/irq.c arch_show_interrupts()'s TLB line. We model no irq lines of our own.
 */
export function renderInterrupts(m: Machine): string {
  let header = ' '.repeat(3 + 8);
  for (let cpu = 0; cpu < m.nrCpus; cpu++) header += `CPU${String(cpu).padEnd(8)}`;
  return `${header}\n${DUMPS.tlb(m).split('\n')[0]}\n`;
}

/** /proc/vmstat's "name value" lines for what we count: nr_free_pages, then the CONFIG_DEBUG_TLBFLUSH counters. */
export function renderVmstat(m: Machine): string {
  const free = m.pa.nodes.reduce((a, n) => a + n.zones.reduce((b, z) => b + z.freePages, 0), 0);
  const counters = {nr_free_pages: free, ...tlbView(m).vmstat};
  return Object.entries(counters).map(([k, v]) => `${k} ${v}\n`).join('');
}

/** init/version.c linux_banner: "Linux version <release> (<user>@<host>) (<compiler>) <version>", ours filled in. */
export function renderVersion(s: Session): string {
  const m = s.machine;
  const oneLine = (t: string) => t.replace(/\s+/g, ' ').trim();
  return `Linux version ${RELEASE} (kmemscope@${oneLine(s.scenario.name)}) (kmemscope ${KMEMSCOPE_VERSION}, profile ${m.config.profile}, ${m.slab.model.name === 'slub' ? 'SLUB' : 'SLAB'}, seed ${s.seed}) #1 SMP tick ${s.tick}\n`;
}

export type SlabSysfsCounts = {slabs: string; partial: string; cpu_slabs: string};

/**
 * mm/slub.c show_slab_objects() (read in torvalds/linux at a9dbe778, a 6.x copy; this 6.18 host prints the same):
 * the total, then " N<node>=<count>" for each node whose count is not 0 (CONFIG_NUMA), then a newline.
 * - slabs (SO_ALL): node_nr_slabs() of every node: all slabs, wherever they are.
 * - partial (SO_PARTIAL): n->nr_partial: the node partial lists.
 * - cpu_slabs (SO_CPU): per CPU, 1 for its CPU slab, then (CONFIG_SLUB_CPU_PARTIAL) the length of its CPU partial
 *   list (slab->slabs of the list's head) on the head's node. A CPU without a CPU slab is skipped whole, its
 *   partial list too: the kernel's `continue`, kept.
 * Keyed by directory name: a kobject's name has '/' made '!' (kobject_set_name_vargs(); live/read.ts
 * slabSysfsName() reads it back by the same rule); of two caches with one name only the older gets the directory
 * (sysfs refuses the duplicate).
 */
export function slubSysfs(m: Machine): Map<string, SlabSysfsCounts> {
  const out = new Map<string, SlabSysfsCounts>();
  // m.slab.caches is newest first (slabinfo's order); the oldest of a name creates its directory first.
  for (const c of [...m.slab.caches].reverse()) {
    const dir = c.name.replaceAll('/', '!');
    if (dir === '.' || dir === '..' || out.has(dir)) continue;
    out.set(dir, showSlabObjects(c, m.pa.nodes.length));
  }
  return out;
}

function showSlabObjects(c: KmemCache, nrNodes: number): SlabSysfsCounts {
  const show = (nodes: number[]) => nodes.reduce((a, x) => a + x, 0) + nodes.map((x, n) => (x ? ` N${n}=${x}` : '')).join('') + '\n';
  const all = new Array<number>(nrNodes).fill(0);
  const partial = new Array<number>(nrNodes).fill(0);
  const cpu = new Array<number>(nrNodes).fill(0);
  for (const n of c.nodes) {
    all[n.nid] += n.nrSlabs;
    partial[n.nid] += n.partial.count;
  }
  for (const cc of c.cpus) {
    if (!cc.slab) continue;
    cpu[cc.slab.nid] += 1;
    if (cc.partial.head) cpu[cc.partial.head.nid] += cc.partial.count;
  }
  return {slabs: show(all), partial: show(partial), cpu_slabs: show(cpu)};
}
