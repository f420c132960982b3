// The check that live mode reads what the emulator means: a machine written as a /proc tree by
// `kmemscope run --snapshot DIR`, read back as `kmemscope live --proc-root DIR` does, gives the view model the
// emulator's dashboard drew, for everything /proc and sysfs publish. What they do not publish (a cache's per-CPU
// slabs and per-node lists, lazy_max_pages, purge counts, flushes by kind) is not compared: live mode cannot know it.
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {liveViewModel} from '../../source/live/live-view.js';
import {procRoot} from '../../source/live/read.js';
import {takeSample} from '../../source/live/sample.js';
import {writeTree} from '../../source/live/snapshot.js';
import {emulatedTree} from '../../source/session/proc-tree.js';
import {buildViewModel} from '../../source/session/view-model.js';
import {busyYaml} from '../busy-scenario.js';
import {openSession} from '../helpers.js';

const TMP = mkdtempSync(join(tmpdir(), 'kmemscope-emulated-tree-'));
afterAll(() => rmSync(TMP, {recursive: true, force: true}));

function both(scenario: string, ticks: number) {
  const s = openSession(scenario);
  s.runTicks(ticks);
  const dir = join(TMP, `${scenario.replace(/\W/g, '_')}-${ticks}`);
  writeTree(dir, emulatedTree(s));
  const sample = takeSample(procRoot(dir), 1, 0);
  return {emu: buildViewModel(s), live: liveViewModel([sample], 0, {source: dir, interval: 1000, events: []}), sample};
}

const busyFile = () => {
  const f = join(TMP, 'busy.yaml');
  writeFileSync(f, busyYaml({notes: [], churn: true, irq: true}));
  return f;
};

describe.each([
  ['busy', 3000],
  ['tour', 4000],
  ['numa', 2000],
  ['i386-vmalloc-exhaustion', 3000],
])('%s after %d ticks, written and read back', (name, ticks) => {
  const {emu, live, sample} = both(name === 'busy' ? busyFile() : name, ticks);

  it('reads every file without a problem or an unknown line', () => {
    expect(sample.problems).toEqual({});
    expect(sample.skipped).toEqual({});
  });

  it('gives the same zones: free pages, watermarks, blocks per order and migrate type, fragmentation', () => {
    expect(live.zones.map(({live: _, ...z}) => z)).toEqual(emu.zones);
  });

  it('gives the same slabinfo figures for every cache, in the same order', () => {
    const cols = ['name', 'active_objs', 'num_objs', 'objsize', 'objperslab', 'pagesperslab', 'limit', 'batchcount', 'sharedfactor', 'active_slabs', 'num_slabs', 'shared_avail'] as const;
    const pick = (c: Record<string, unknown>) => Object.fromEntries(cols.map((k) => [k, c[k]]));
    expect(live.slabs.map(pick)).toEqual(emu.slabs.map(pick));
  });

  it('gives the same slab lists as sysfs tells them: node partial lists, CPU slabs, the rest full', () => {
    if (emu.slabs.some((c) => c.limit > 0)) {
      // Classic SLAB has no /sys/kernel/slab: the lists are unknown, and the pane says so.
      expect(live.live!.slabLists).toBe('none');
      return;
    }
    expect(live.live!.slabLists).toBe('sysfs');
    for (const c of emu.slabs) {
      const l = live.slabs.find((x) => x.name === c.name)!;
      expect(l.partial, c.name).toBe(c.places.partial);
      // show_slab_objects() counts a CPU's partial slabs only when that CPU has a CPU slab.
      const cpuPartial = c.cpus.filter((x) => x.slab !== null).reduce((a, x) => a + x.partial_slabs, 0);
      expect(l.places.cpu, c.name).toBe(c.places.cpu + cpuPartial);
      expect(l.full, c.name).toBe(Math.max(0, c.num_slabs - c.places.partial - c.places.cpu - cpuPartial));
    }
  });

  it('gives the same vmalloc region: used, guard and lazy pages, free space, areas, and the strip', () => {
    const keys = ['start', 'regionPages', 'windowPages', 'usedPages', 'guardPages', 'lazyPages', 'freePages', 'largestFreePages', 'areas', 'segments'] as const;
    const pick = (v: typeof emu.vmalloc) => Object.fromEntries(keys.map((k) => [k, v[k]]));
    // With no area at all, nothing in vmallocinfo says where the region starts.
    if (live.vmalloc.usedPages + live.vmalloc.lazyPages === 0) expect({...pick(live.vmalloc), start: emu.vmalloc.start}).toEqual(pick(emu.vmalloc));
    else expect(pick(live.vmalloc)).toEqual(pick(emu.vmalloc));
    expect(live.vmalloc.live!.hashed).toBe(false);
  });

  it('gives the same shootdowns received per CPU', () => {
    expect(live.tlb.cpus.map((c) => c.ipisReceived)).toEqual(emu.tlb.cpus.map((c) => c.ipisReceived));
    expect(live.tlb.remoteFlushes).toBe(emu.tlb.remoteFlushes);
  });
});
