import {describe, expect, it} from 'vitest';
import {LIVE_COMMAND_MESSAGE, LiveController} from '../../source/live/live-controller.js';
import {liveViewModel} from '../../source/live/live-view.js';
import {type Sample, sampleFromTexts, SYSFS_ROTATION, takeSample} from '../../source/live/sample.js';
import type {FileSystem} from '../../source/live/read.js';
import {FIXTURE_ROOT, fixtureFiles, fixtureTexts, HandClock, mapFs} from './live-helpers.js';

const files = fixtureFiles();
const texts = fixtureTexts(files);

/** The host fixture with Normal's order-0 and order-3 counts changed, and one slab cache grown. */
function changedTexts() {
  const t = {...texts};
  t.buddyinfo = t.buddyinfo!.replace('Normal   1979   4248   3440   2099', 'Normal   1000   4248   3440   2100');
  t.slabinfo = t.slabinfo!.replace(/^(kmalloc-64\s+)(\d+)(\s+)(\d+)/m, (_m, a, act, sp, tot) => `${a}${Number(act) + 640}${sp}${Number(tot) + 640}`);
  t.interrupts = t.interrupts!.replace(/^(\s*TLB:\s+)(\d+)(\s+)(\d+)/m, (_m, a, x, sp, y) => `${a}${Number(x) + 1500}${sp}${Number(y) + 500}`);
  return t;
}

const SECOND = 1000;

describe('the live view of two samples', () => {
  const a = sampleFromTexts(texts, 1, 0, null);
  const b = sampleFromTexts(changedTexts(), 2, 2 * SECOND, a);
  const vm = liveViewModel([a, b], 1, {source: '/fx', interval: SECOND, events: []});

  it('gives each zone the change in free pages and in blocks per order since the sample before', () => {
    const normal = vm.zones.find((z) => z.zone === 'Normal')!;
    // buddyinfo's blocks are what changed; zoneinfo (free) did not: order 0 lost 979 blocks, order 3 gained one.
    expect(normal.blocks.slice(0, 4)).toEqual([1000, 4248, 3440, 2100]);
    expect(normal.live!.deltaBlocks.slice(0, 4)).toEqual([-979, 0, 0, 1]);
    expect(normal.live!.deltaBlocks.slice(4).every((d) => d === 0)).toBe(true);
    expect(normal.live!.history).toEqual([normal.free, normal.free]);
    expect(normal.min).toBeGreaterThan(0);
    expect(normal.low).toBeGreaterThan(normal.min);
  });

  it('gives each cache its change in objects, and only the changed ones a non-zero one', () => {
    const k64 = vm.slabs.find((c) => c.name === 'kmalloc-64')!;
    expect(k64.live).toEqual({deltaActive: 640, deltaTotal: 640});
    expect(vm.slabs.filter((c) => c.live!.deltaActive !== 0).map((c) => c.name)).toEqual(['kmalloc-64']);
  });

  it('turns shootdowns received into a per-CPU delta and a rate over the elapsed time', () => {
    expect(vm.tlb.live!.deltaReceived).toEqual([1500, 500]);
    expect(vm.tlb.live!.rate).toBe(1000);
    expect(vm.tlb.series).toEqual([0, 2000]);
    expect(vm.header.live!.elapsed).toBe(2);
  });

  it('logs what changed: the cache that grew and the burst of shootdowns', () => {
    const c = new LiveController({take: () => a, source: '/fx', driven: true});
    c.push(a);
    c.push(b);
    const lines = c.viewModel().events.map((e) => e.text);
    expect(lines[0]).toMatch(/^live: sampling \/fx \(Linux 6\.18\./);
    expect(lines).toContain(`slab kmalloc-64: +640 objects (${k64Before(a)} -> ${k64Before(a) + 640}, 64 B each)`);
    expect(lines).toContain('TLB: 2000 shootdowns in 2.0 s');
  });
});

const k64Before = (s: Sample) => s.caches!.find((c) => c.name === 'kmalloc-64')!.active_objs;

describe('LiveController', () => {
  function live(fs: FileSystem = mapFs(files)) {
    const clock = new HandClock();
    const c = new LiveController({take: (seq, time, prev) => takeSample(FIXTURE_ROOT, seq, time, prev, fs), source: '/fx', interval: SECOND, clock});
    c.start();
    return {c, clock};
  }

  it('samples at once, then every interval, and shows the newest while running', () => {
    const {c, clock} = live();
    expect(c.getSnapshot().tick).toBe(1);
    clock.advance(3 * SECOND);
    expect(c.kept.map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    expect(c.viewModel().header.live).toMatchObject({sample: 4, newest: 4, kept: 4, interval: SECOND});
  });

  it('space freezes the view while sampling goes on; space again shows the newest', () => {
    const {c, clock} = live();
    c.toggle();
    clock.advance(2 * SECOND);
    expect(c.getSnapshot()).toMatchObject({running: false, tick: 1});
    expect(c.kept.length).toBe(3);
    c.toggle();
    expect(c.getSnapshot()).toMatchObject({running: true, tick: 3});
  });

  it('b walks back through the kept samples and n forward; n at the newest takes a sample now', () => {
    const {c, clock} = live();
    clock.advance(2 * SECOND);
    c.stepBack(1);
    expect(c.getSnapshot()).toMatchObject({running: false, tick: 2});
    c.stepBack(5);
    expect(c.getSnapshot().tick).toBe(1);
    c.step(1);
    c.step(1);
    expect(c.getSnapshot().tick).toBe(3);
    c.step(1);
    expect(c.getSnapshot().tick).toBe(4);
    expect(c.kept.length).toBe(4);
  });

  it('keeps at most `keep` samples, dropping the oldest', () => {
    const clock = new HandClock();
    const fs = mapFs(files);
    const c = new LiveController({take: (seq, time, prev) => takeSample(FIXTURE_ROOT, seq, time, prev, fs), source: '/fx', clock, keep: 3});
    c.start();
    clock.advance(5 * SECOND);
    expect(c.kept.map((s) => s.seq)).toEqual([4, 5, 6]);
    expect(c.getSnapshot().oldestTick).toBe(4);
  });

  it('+ and - change the interval; the next sample follows the new one', () => {
    const {c, clock} = live();
    c.faster();
    expect(c.getSnapshot().speed).toBe(500);
    clock.advance(500);
    expect(c.kept.length).toBe(2);
    c.slower();
    c.slower();
    expect(c.getSnapshot().speed).toBe(2000);
    clock.advance(1999);
    expect(c.kept.length).toBe(2);
    clock.advance(1);
    expect(c.kept.length).toBe(3);
  });

  it('answers a kernel call with what live mode is, and changes nothing', () => {
    const {c} = live();
    const r = c.command('kmalloc(64, GFP_KERNEL)');
    expect(r).toEqual({text: 'kmalloc(64, GFP_KERNEL)', ok: false, output: LIVE_COMMAND_MESSAGE});
    expect(c.kept.length).toBe(1);
  });

  it('shares unchanged caches with the sample before, so kept samples cost what changed', () => {
    const {c, clock} = live();
    clock.advance(SECOND);
    const [x, y] = c.kept;
    expect(y.caches!.every((cache, i) => cache === x.caches![i])).toBe(true);
  });

  it('disposes its timer', () => {
    const {c, clock} = live();
    c.dispose();
    expect(clock.pending).toBe(0);
  });
});

describe('files that cannot be read', () => {
  it('root-only files give their panes a notice saying what to run; the other panes have their figures', () => {
    const fs = mapFs(files, {slabinfo: 'EACCES', vmallocinfo: 'EACCES', pagetypeinfo: 'EACCES'});
    const s = takeSample({...FIXTURE_ROOT, host: true}, 1, 0, null, fs);
    const vm = liveViewModel([s], 0, {source: '/proc', interval: SECOND, events: []});
    expect(vm.live!.notices.slabs).toBe('run sudo kmemscope live: /fx/slabinfo is root-only');
    expect(vm.live!.notices.vmalloc).toBe('run sudo kmemscope live: /fx/vmallocinfo is root-only');
    expect(vm.live!.notices.free).toMatch(/^run sudo kmemscope live: \/fx\/pagetypeinfo is root-only \(migrate types, t, unknown\)$/);
    expect(vm.slabs).toEqual([]);
    expect(vm.zones.map((z) => z.zone)).toEqual(['DMA', 'DMA32', 'Normal']);
    expect(vm.zones[2].byType.flat().every((n) => n === 0)).toBe(true);
    expect(vm.tlb.cpus.length).toBe(2);
    expect(vm.live!.memory!.rows[0].name).toBe('MemTotal');
  });

  it('a saved tree without sysfs says the slab lists are unknown, and the slab table still fills', () => {
    const noSys = new Map([...files].filter(([k]) => !k.startsWith('sys/')));
    const s = takeSample(FIXTURE_ROOT, 1, 0, null, mapFs(noSys));
    const vm = liveViewModel([s], 0, {source: '/fx', interval: SECOND, events: []});
    expect(vm.live!.slabLists).toBe('none');
    expect(vm.live!.notices.slabs).toBe('/fx/sys/kernel/slab: not in this snapshot: full/partial/empty unknown');
    expect(vm.slabs.length).toBe(texts.slabinfo!.trim().split('\n').length - 2);
  });

  it('with sysfs the lists add up to the slabs each cache has', () => {
    const s = takeSample(FIXTURE_ROOT, 1, 0, null, mapFs(files));
    const vm = liveViewModel([s], 0, {source: '/fx', interval: SECOND, events: []});
    expect(vm.live!.slabLists).toBe('sysfs');
    const k = vm.slabs.find((c) => c.name === 'kmalloc-64')!;
    const sys = (f: string) => Number(files.get(`sys/kernel/slab/kmalloc-64/${f}`)!.split(' ')[0]);
    expect(k.partial).toBe(sys('partial'));
    expect(k.places.cpu).toBe(sys('cpu_slabs'));
    expect(k.full).toBe(Math.max(0, sys('slabs') - sys('partial') - sys('cpu_slabs')));
  });

  it('truncated files never throw: whatever is whole is read, the cut line is counted as skipped', () => {
    for (const cut of [1, 50, 333, 1000, 5000]) {
      const t = Object.fromEntries(Object.entries(texts).map(([k, v]) => [k, v!.slice(0, Math.min(v!.length - 1, cut))]));
      const s = sampleFromTexts(t, 1, 0, null);
      expect(() => liveViewModel([s], 0, {source: '/fx', interval: SECOND, events: []})).not.toThrow();
    }
  });
});

describe('sysfs reading, the costly part of a sample', () => {
  it('re-reads a cache whose slabinfo figures moved, and a rotating tenth of the others; the rest keep their lists', () => {
    const mine = new Map(files);
    const fs = mapFs(mine);
    const first = takeSample(FIXTURE_ROOT, 1, 0, null, fs);
    const caches = first.caches!.length;
    expect(fs.reads).toBe(9 + 3 * caches);
    // kmalloc-64 grows by a slab: slabinfo and its sysfs partial count change.
    mine.set('slabinfo', mine.get('slabinfo')!.replace(/^(kmalloc-64\s+)(\d+)(\s+)(\d+)/m, (_m, a, act, sp, tot) => `${a}${Number(act) + 64}${sp}${Number(tot) + 64}`));
    mine.set('sys/kernel/slab/kmalloc-64/partial', '99 N0=99\n');
    fs.reads = 0;
    const second = takeSample(FIXTURE_ROOT, 2, 1000, first, fs);
    const index = first.caches!.findIndex((c) => c.name === 'kmalloc-64');
    const rotated = first.caches!.filter((_, i) => i % SYSFS_ROTATION === 2 % SYSFS_ROTATION && i !== index).length;
    expect(fs.reads).toBe(9 + 3 * (rotated + 1));
    expect(second.caches![index].lists!.partial).toBe(99);
    // Unchanged and not in the rotation: the very object of the sample before.
    const still = first.caches!.findIndex((_, i) => i % SYSFS_ROTATION !== 2 && i !== index);
    expect(second.caches![still]).toBe(first.caches![still]);
    // Over the next SYSFS_ROTATION samples, with nothing moving, every cache is read exactly once more.
    let s = second;
    fs.reads = 0;
    for (let seq = 3; seq < 3 + SYSFS_ROTATION; seq++) s = takeSample(FIXTURE_ROOT, seq, seq * 1000, s, fs);
    expect(fs.reads).toBe(9 * SYSFS_ROTATION + 3 * caches);
  });
});

describe('what the review found', () => {
  const view = (samples: Sample[]) => liveViewModel(samples, samples.length - 1, {source: '/fx', interval: SECOND, events: []});

  it('matches TLB counts by CPU number: with CPU1 offline the columns are CPU0 and CPU2', () => {
    const irq = (cpus: number[], counts: number[]) =>
      ' '.repeat(11) + cpus.map((c) => `CPU${c}`.padEnd(11)).join('') + '\n' + 'TLB: ' + counts.map((n) => String(n).padStart(10) + ' ').join('') + '  TLB shootdowns\n';
    const a = sampleFromTexts({...texts, interrupts: irq([0, 1, 2], [100, 200, 300])}, 1, 0, null);
    const b = sampleFromTexts({...texts, interrupts: irq([0, 2], [110, 305])}, 2, SECOND, a);
    const t = view([a, b]).tlb;
    expect(t.cpus.map((c) => [c.cpu, c.ipisReceived])).toEqual([[0, 110], [2, 305]]);
    expect(t.live!.deltaReceived).toEqual([10, 5]);
    expect(t.live!.rate).toBe(15);
  });

  it('a count below the one before wrapped at 2^32 (irq_tlb_count is an unsigned int)', () => {
    const line = (x: number) => texts.interrupts!.replace(/^(\s*TLB:\s+)(\d+)/m, (_m, a) => `${a}${x}`);
    const a = sampleFromTexts({...texts, interrupts: line(2 ** 32 - 5)}, 1, 0, null);
    const b = sampleFromTexts({...texts, interrupts: line(3)}, 2, SECOND, a);
    expect(view([a, b]).tlb.live!.deltaReceived[0]).toBe(8);
  });

  it('a frozen view keeps its sample when the kept ones are full: the next ones go instead', () => {
    const clock = new HandClock();
    const fs = mapFs(files);
    const c = new LiveController({take: (seq, time, prev) => takeSample(FIXTURE_ROOT, seq, time, prev, fs), source: '/fx', clock, keep: 3});
    c.start();
    c.toggle();
    clock.advance(5 * SECOND);
    expect(c.getSnapshot().tick).toBe(1);
    expect(c.kept.map((s) => s.seq)).toEqual([1, 5, 6]);
    c.step(1);
    expect(c.getSnapshot().tick).toBe(5);
  });

  it('a sample that throws is a line in the log; sampling goes on', () => {
    const clock = new HandClock();
    let fail = true;
    const fs = mapFs(files);
    const c = new LiveController({
      take: (seq, time, prev) => {
        if (fail) throw new Error('EIO: i/o error, read');
        return takeSample(FIXTURE_ROOT, seq, time, prev, fs);
      },
      source: '/fx',
      clock,
    });
    c.start();
    expect(c.kept.length).toBe(0);
    expect(c.viewModel().events.at(-1)?.text).toBeUndefined(); // no sample shown yet: the empty view
    fail = false;
    clock.advance(SECOND);
    expect(c.kept.length).toBe(1);
    expect(clock.pending).toBe(1);
  });

  it('reads pagetypeinfo only while the view shows migrate types', () => {
    const fs = mapFs(files);
    let pagetypeReads = 0;
    const counting = {...fs, readFile: (p: string) => (p.endsWith('pagetypeinfo') && pagetypeReads++, fs.readFile(p))};
    const clock = new HandClock();
    const c = new LiveController({take: (seq, time, prev, want) => takeSample(FIXTURE_ROOT, seq, time, prev, counting, want), source: '/fx', clock});
    c.start();
    expect(pagetypeReads).toBe(0);
    expect(c.viewModel().zones[2].live!.known).toEqual({watermarks: true, types: false});
    c.showTypes(true);
    clock.advance(SECOND);
    expect(pagetypeReads).toBe(1);
    expect(c.viewModel().zones[2].live!.known.types).toBe(true);
    expect(c.viewModel().zones[2].byType.flat().some((n) => n > 0)).toBe(true);
    c.showTypes(false);
    clock.advance(SECOND);
    expect(pagetypeReads).toBe(1);
  });

  it('vmalloc areas that stay are the previous sample\'s objects; its bytes leave lazily freed ranges out', () => {
    const a = sampleFromTexts(texts, 1, 0, null);
    const b = sampleFromTexts(texts, 2, SECOND, a);
    expect(b.vmalloc).toBe(a.vmalloc);
    const busy = a.vmalloc!.areas.filter((x) => x.kind !== 'unpurged').reduce((n, x) => n + x.pages * 4096, 0);
    expect(view([a]).vmalloc.live!.history).toEqual([busy]);
    expect(a.vmalloc!.areas.some((x) => x.kind === 'unpurged')).toBe(true);
  });

  it('the strip covers the packed low end of the region, not a percpu chunk at its top', () => {
    const lines = ['0xffffc90000000000-0xffffc90000005000   20480 a+0x1/0x2 pages=4 vmalloc N0=4', '0xffffe8ffffc00000-0xffffe8ffffe01000 2101248 pcpu_get_vm_areas+0x0/0x1 vmalloc'];
    const s = sampleFromTexts({...texts, vmallocinfo: lines.join('\n') + '\n'}, 1, 0, null);
    const v = view([s]).vmalloc;
    expect(v.live!.hashed).toBe(false);
    expect(v.windowPages).toBe(4096);
    expect(v.segments).toEqual([{start: 0, pages: 4, kind: 'used'}, {start: 4, pages: 1, kind: 'guard'}]);
    expect(v.areas).toBe(2);
  });
});
