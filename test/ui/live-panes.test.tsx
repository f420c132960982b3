// The dashboard in live mode, as a student watching their own kernel sees it: the real App over a still driver
// showing a hand-built live view model (live-view-fixture.ts), drawn by ink-testing-library at 100 columns, keys
// typed as a person types them. Without live fields the App is the emulator's (App.test.tsx checks that whole).
import {render} from 'ink-testing-library';
import {afterEach, describe, expect, test, vi} from 'vitest';
import type {ViewModel} from '../../source/session/view-model.js';
import {App} from '../../source/ui/App.js';
import {headerParts} from '../../source/ui/Header.js';
import {actionOf} from '../../source/ui/keymap.js';
import {dashboardLayout} from '../../source/ui/key-handler.js';
import {CpuPane} from '../../source/ui/panes/CpuPane.js';
import {EventsPane} from '../../source/ui/panes/EventsPane.js';
import {FreeAreaPane} from '../../source/ui/panes/FreeAreaPane.js';
import {clockTime, NOTICE_TALL, noticeHead, underNotice} from '../../source/ui/panes/live-lines.js';
import {MemoryPane} from '../../source/ui/panes/MemoryPane.js';
import {SlabPane} from '../../source/ui/panes/SlabPane.js';
import {TlbPane} from '../../source/ui/panes/TlbPane.js';
import {slabLiveOf} from '../../source/ui/panes/types.js';
import {VmallocPane} from '../../source/ui/panes/VmallocPane.js';
import {resolveTheme} from '../../source/ui/theme.js';
import {liveDriver, liveTlb, liveView, liveZones, realVmalloc, SAMPLE_TIME, unreadZone} from './live-view-fixture.js';
import {COLOUR_SGR, draw, drawRaw, expectBox} from './panes/draw.js';

function dashboard(vm: ViewModel, o: {running?: boolean; interval?: number; size?: {columns: number; rows: number}} = {}) {
  const {driver, calls} = liveDriver(vm, o.running ?? true, o.interval ?? 1000);
  const size = o.size ?? {columns: 100, rows: 40};
  const app = render(<App controller={driver} theme="default" noColor={true} onQuit={() => {}} size={size} />);
  const frame = () => app.lastFrame() ?? '';
  const press = async (keys: string, until: (f: string) => boolean) => {
    app.stdin.write(keys);
    await vi.waitFor(() => expect(until(frame()), frame()).toBe(true), {timeout: 2000, interval: 5});
  };
  return {app, frame, press, calls, driver};
}

const TZ = process.env.TZ;
afterEach(() => {
  if (TZ === undefined) delete process.env.TZ;
  else process.env.TZ = TZ;
});

describe('live mode: the chrome', () => {
  test("the header: the sample shown of the newest, its time, the source, the interval; no tick, seed or ticks/s", () => {
    const d = dashboard(liveView());
    const top = d.frame().split('\n')[0];
    expect(top).toContain(` kmemscope live  /proc  sample 12/15  ${clockTime(SAMPLE_TIME)}  ▶ live every 1s`);
    // The machine at the right edge of the 99 columns (the frame drops the last blank).
    expect(top).toMatch(/ {2}Linux 6\.18\.0, 2 CPUs, 23\.5 GiB$/);
    expect([...top].length).toBe(98);
    expect(top).not.toMatch(/seed|tick|ticks\/s/);
  });

  test('frozen: the sample says so, the run state says paused with the interval', () => {
    const d = dashboard(liveView(), {running: false, interval: 500});
    const top = d.frame().split('\n')[0];
    expect(top).toContain('sample 12/15 (frozen)');
    expect(top).toContain('❚❚ paused (every 500ms)');
  });

  test("the sample's time is this machine's wall clock, whatever its time zone", () => {
    process.env.TZ = 'UTC';
    expect(clockTime(SAMPLE_TIME)).toBe('14:03:07');
    process.env.TZ = 'Asia/Kolkata';
    expect(clockTime(SAMPLE_TIME)).toBe('19:33:07');
    expect(headerParts(liveView().header, true, 1000).left).toContain('19:33:07');
  });

  test('a long --proc-root keeps its end, so the run state stays on the line', () => {
    const vm = liveView();
    const header = {...vm.header, live: {...vm.header.live!, source: '/home/student/captures/2026-11-25-laptop'}};
    const {left} = headerParts(header, true, 1000);
    expect(left).toContain('  …tures/2026-11-25-laptop  sample');
    const d = dashboard({...vm, header}, {size: {columns: 80, rows: 24}});
    expect(d.frame().split('\n')[0]).toContain('▶ live every 1s');
  });

  test("the footer and the help: live mode's keys (freeze, back and next through samples, interval), no kcall", () => {
    const d = dashboard(liveView());
    const foot = d.frame().split('\n').at(-1)!;
    expect(foot).toContain('space freeze');
    expect(foot).toContain('b/← back');
    expect(foot).toContain('n/→ next');
    expect(foot).toContain('+/= interval');
    expect(foot).not.toMatch(/kcall|\+100/);
  });

  test('? shows the live keys and what ▲ ▼ ? - ! mean', async () => {
    const d = dashboard(liveView());
    await d.press('?', (f) => f.includes('Keys (any key closes this)'));
    const f = d.frame();
    expect(f).toContain('freeze / unfreeze the view');
    expect(f).toContain('back through the kept samples');
    expect(f).toContain('▲ ▼  more or less than at the previous sample');
    expect(f).toContain('?    not known: SLUB\'s full and partial lists come from /sys/kernel/slab');
    expect(f).toContain('command line: kernel calls run on an emulated machine');
    expect(f).not.toMatch(/step 100 ticks|next CPU to run on/);
  });

  test('the keys reach the driver: space freezes, b and ← go back, n and → on, + and - change the interval', async () => {
    const d = dashboard(liveView());
    const ESC = '\x1b';
    for (const [key, call] of [[' ', 'toggle'], ['b', 'back 1'], [`${ESC}[D`, 'back 1'], ['n', 'step 1'], [`${ESC}[C`, 'step 1'], ['+', 'faster'], ['-', 'slower']] as const) {
      const before = d.calls.length;
      d.app.stdin.write(key);
      await vi.waitFor(() => expect(d.calls.length).toBe(before + 1));
      expect(d.calls.at(-1)).toBe(call);
    }
  });

  test("LIVE_KEYMAP's actions: live mode's table has no c, x or N (its : only says kcalls need the emulator); the mode is asked only where the tables differ", () => {
    expect(actionOf(':', true)).toBe('command');
    expect(actionOf(':')).toBe('command');
    for (const k of ['c', 'x', 'N']) expect(actionOf(k, () => true), k).toBeUndefined();
    expect(actionOf('N', () => false)).toBe('step100');
    expect(actionOf('s', () => {
      throw new Error('asked');
    })).toBe('sort');
  });

  test("s walks live mode's sort columns: after total ... cache, use, slabs, obj/slab, pg/slab, the change", async () => {
    const d = dashboard(liveView());
    await d.press('s', (f) => f.includes('sort total'));
    // No empty between partial and cache: live mode never knows it.
    for (const k of ['full', 'partial', 'cache', 'use', 'slabs', 'objperslab', 'pagesperslab', 'delta']) await d.press('s', (f) => f.includes(`sort ${k} `));
    expect(d.frame()).toContain('▼Δ');
  });

  test('the status line: the kept samples, and the lines of each file that were skipped as unknown', () => {
    const d = dashboard(liveView({live: {skipped: {zoneinfo: 3, slabinfo: 1}}}));
    const status = d.frame().split('\n').at(-2)!;
    expect(status).toContain('lines skipped as unknown: zoneinfo 3, slabinfo 1');
    expect(status).toContain('15 samples kept: b and n walk them');
    expect(dashboard(liveView()).frame().split('\n').at(-2)).toBe(' 15 samples kept: b and n walk them, space freezes the view');
  });
});

describe('live mode: the panes', () => {
  test('the memory pane takes the CPU pane\'s place, every meminfo row shown', () => {
    const f = dashboard(liveView()).frame();
    expect(f).toContain('Memory (/proc/meminfo)');
    expect(f).not.toContain('CPUs and workloads');
    for (const name of ['MemTotal:', 'MemFree:', 'MemAvailable:', 'Cached:', 'Slab:', 'KernelStack:', 'VmallocUsed:']) expect(f).toContain(name);
    expect(f).toMatch(/MemFree: +23\.25 GiB ▼12\.0 MiB/);
  });

  test('meminfo unreadable: the memory pane still there, with its notice', () => {
    const f = dashboard(liveView({live: {memory: null, notices: {cpus: '/proc/meminfo: permission denied'}}})).frame();
    expect(f).toContain('Memory (/proc/meminfo)');
    expect(f).toContain('! /proc/meminfo: permission denied');
  });

  test('each pane shows its notice at the top of its content; panes with no data show the notice alone', () => {
    const notices = {
      free: '/proc/pagetypeinfo is readable by root only',
      slabs: '/proc/slabinfo is readable by root only: run sudo kmemscope live',
      vmalloc: '/proc/vmallocinfo is readable by root only',
      tlb: '/proc/interrupts has no TLB line',
      events: 'events: what changed between samples',
    };
    const vm = liveView({slabs: [], live: {notices, slabLists: 'none'}});
    const lines = dashboard(vm, {size: {columns: 100, rows: 50}}).frame().split('\n');
    const after = (title: string) => lines[lines.findIndex((l) => l.includes(`─ ${title} `) || l.includes(`═ ${title} `)) + 1];
    expect(after('Free areas')).toContain(`! ${notices.free}`);
    expect(after('Slabs')).toContain('! /proc/slabinfo is readable by root only:');
    expect(after('vmalloc')).toContain(`! ${notices.vmalloc}`);
    expect(after('TLB shootdowns')).toContain(`! ${notices.tlb}`);
    expect(after('Events')).toContain(`! ${notices.events}`);
    // The slab pane has no caches: its notice, too long for 48 cells, goes on on a second line, then nothing.
    const slab = lines.findIndex((l) => l.includes('─ Slabs '));
    expect(lines[slab + 2].slice(49)).toMatch(/^│ {2}sudo kmemscope live +│$/);
    expect(lines[slab + 3].slice(49)).toMatch(/^│ +│$/);
    // Free areas go on under theirs.
    expect(lines[lines.findIndex((l) => l.includes('Free areas')) + 2]).toContain('Node 0 DMA32');
  });

  test('the layout gives the TLB pane the rows its CPUs and counters need, the memory pane its rows', () => {
    const counters = [{name: 'nr_tlb_remote_flush', value: 1, delta: 0}, {name: 'nr_tlb_remote_flush_received', value: 2, delta: 0}, {name: 'nr_tlb_local_flush_all', value: 3, delta: 0}, {name: 'nr_tlb_local_flush_one', value: 4, delta: 0}];
    const vm = liveView({tlb: liveTlb(counters)});
    const lay = dashboardLayout(liveDriver(vm).driver, 160, 50);
    if (lay.tooSmall) throw new Error('160x50 refused');
    // Border 2, sparkline, totals, two lines of counters, one of CPUs.
    expect(lay.panes.tlb.height).toBe(7);
    // Border 2, MemFree's sparkline, seven rows in two columns (four lines).
    expect(lay.panes.cpus.height).toBe(7);
  });

  for (const [columns, rows] of [[80, 24], [120, 40], [160, 50], [200, 60]] as const) {
    test(`${columns}x${rows}: each live pane exactly its box in every theme, hashed or not; NO_COLOR without colour`, () => {
      const long = 'run sudo kmemscope live: a notice longer than any pane at this size is wide, on two lines where rows are spare';
      const unread = liveView({
        zones: liveZones().map((z) => unreadZone(z, {watermarks: false, types: false})),
        live: {slabLists: 'none', notices: {free: long, slabs: long, vmalloc: long, tlb: long, cpus: long, events: long}},
      });
      for (const vm of [liveView(), liveView({vmalloc: realVmalloc(), live: {slabLists: 'none', notices: {tlb: 'a notice'}}}), unread]) {
        const lay = dashboardLayout(liveDriver(vm).driver, columns, rows);
        if (lay.tooSmall) throw new Error('layout refused a lecture-room size');
        const p = lay.panes;
        const n = vm.live!.notices;
        const panes = [
          [p.free, <FreeAreaPane {...p.free} focused zones={vm.zones} byType={false} scroll={0} notice={n.free} />],
          [p.free, <FreeAreaPane {...p.free} focused zones={vm.zones} byType scroll={0} notice={n.free} />],
          [p.slabs, <SlabPane {...p.slabs} focused={false} caches={vm.slabs} sort="delta" filter="" scroll={0} selected="dentry" live={slabLiveOf(vm)} />],
          [p.vmalloc, <VmallocPane {...p.vmalloc} focused={false} vmalloc={vm.vmalloc} notice={n.vmalloc} />],
          [p.tlb, <TlbPane {...p.tlb} focused={false} tlb={vm.tlb} notice={n.tlb} />],
          [p.cpus, <MemoryPane {...p.cpus} focused={false} memory={vm.live!.memory!} scroll={0} notice={n.cpus} />],
          [p.cpus, <CpuPane {...p.cpus} focused={false} cpus={[]} workloads={[]} scroll={0} notice={n.cpus ?? '/proc/meminfo: permission denied'} />],
          [p.events, <EventsPane {...p.events} focused={false} events={vm.events} scroll={0} notice={n.events} />],
        ] as const;
        for (const [box, el] of panes) {
          for (const theme of [resolveTheme('default'), resolveTheme('high-contrast'), resolveTheme('default', {NO_COLOR: '1'})]) expectBox(draw(el, box.width, theme), box.width, box.height);
          expect(drawRaw(el, box.width, resolveTheme('high-contrast', {NO_COLOR: '1'}))).not.toMatch(COLOUR_SGR);
        }
      }
    });
  }

  test('the same driver without live fields draws the emulator: tick and seed, CPUs, the kcall key', () => {
    const vm = liveView();
    const {live: _live, ...header} = vm.header;
    const {live: _vmLive, ...emulated} = {...vm, header};
    const f = dashboard(emulated as ViewModel).frame();
    expect(f).toMatch(/kmemscope {2}live {2}tick 12 {2}▶ running/);
    expect(f).toContain('seed 0');
    expect(f).toContain('CPUs and workloads');
    expect(f).toContain('N +100');
  });

  test('t before pagetypeinfo was read: the free areas say the types come with the next sample, not a row of dots', async () => {
    const vm = liveView({zones: liveZones().map((z) => unreadZone(z, {watermarks: true, types: false}))});
    const d = dashboard(vm, {size: {columns: 120, rows: 40}});
    await d.press('t', (f) => f.includes('Free areas by migrate type'));
    const f = d.frame();
    expect(f).toContain('migrate types from the next sample');
    expect(f).not.toMatch(/[│║]U +[·\d]/);
    // Read, the four rows are there.
    const known = dashboard(liveView(), {size: {columns: 120, rows: 40}});
    await known.press('t', (f) => f.includes('Free areas by migrate type'));
    expect(known.frame()).toMatch(/[│║]U +[·\d]/);
    expect(known.frame()).not.toContain('migrate types from');
  });

  test('without zoneinfo no zone draws min 0 low 0 high 0, an empty gauge or a state word', () => {
    const vm = liveView({zones: liveZones().map((z) => unreadZone(z, {watermarks: false, types: true}))});
    const f = dashboard(vm, {size: {columns: 120, rows: 40}}).frame();
    expect(f).toMatch(/Node 0 Normal {2}free 12034 ▼1014 +[│║]/);
    expect(f).not.toMatch(/min 0|low 0|high 0|managed 0|≥high|<min|<low|<high/);
    expect(f).toContain('watermarks not read');
  });

  test('80x24 without root: a notice wraps onto a second line where its pane has the rows, else its first words show', () => {
    const v = liveView().vmalloc;
    const vm = liveView({
      slabs: [],
      vmalloc: {...v, areas: 0, live: {...v.live!, kinds: [], nodes: [], deltaAreas: 0, deltaBytes: 0}},
      live: {slabLists: 'none', notices: {slabs: 'run sudo kmemscope live: /proc/slabinfo is root-only', vmalloc: 'run sudo kmemscope live: /proc/vmallocinfo is root-only', free: 'run sudo kmemscope live: /proc/pagetypeinfo is root-only (migrate types, t, unknown)'}},
    });
    const lines = dashboard(vm, {size: {columns: 80, rows: 24}}).frame().split('\n');
    const pane = (title: string, right: boolean) => {
      const at = lines.findIndex((l) => l.includes(`─ ${title} `) || l.includes(`═ ${title} `));
      // The left column is 39 wide at 80 columns (layout.ts: one column kept free, the rest halved).
      return lines.slice(at + 1, at + 4).map((l) => (right ? l.slice(39) : l.slice(0, 39)).replace(/^[│║]|[│║]$/g, '').trimEnd());
    };
    expect(pane('Slabs', true).slice(0, 2)).toEqual(['! run sudo kmemscope live:', '  /proc/slabinfo is root-only']);
    expect(pane('vmalloc', false)).toEqual(['! run sudo kmemscope live:', '  /proc/vmallocinfo is root-only', 'used 120.6 MiB/32.00 TiB']);
    // The free areas fill their rows: one line, what to run first.
    expect(pane('Free areas', false)[0]).toMatch(/^! run sudo kmemscope live: \/proc\/pa\S*…$/);
    expect(pane('Free areas', false)[1]).toMatch(/^Node 0 DMA32 /);
    // No count in the vmalloc title, and none in the slab title but the sort.
    expect(lines.find((l) => l.includes('─ vmalloc '))).not.toMatch(/area/);
    expect(lines.find((l) => l.includes('─ Slabs '))).toMatch(/sort active ─/);
  });
});

describe('live mode: a notice on one line or two', () => {
  const long = 'run sudo kmemscope live: /proc/slabinfo is root-only';
  const text = (lines: readonly (readonly {text: string}[])[]) => lines.map((l) => l.map((s) => s.text).join(''));

  test('one line where it fits; two where it does not and the content still shows whole under them, or the pane is tall', () => {
    expect(text(noticeHead('short', 37, 3, 3))).toEqual(['! short']);
    expect(text(noticeHead(long, 37, 5, 3))).toEqual(['! run sudo kmemscope live:', '  /proc/slabinfo is root-only']);
    // Scarce: the content wants the row.
    expect(text(noticeHead(long, 37, 5, 4))).toEqual([`! ${long}`]);
    expect(text(noticeHead(long, 37, NOTICE_TALL - 1, 50))).toHaveLength(1);
    expect(text(noticeHead(long, 37, NOTICE_TALL, 50))).toHaveLength(2);
    expect(text(noticeHead(long, 37, 1, 0))).toHaveLength(1);
    expect(noticeHead(undefined, 37, 5, 0)).toEqual([]);
    expect(noticeHead(long, 37, 5, 3).every((l) => l[0].role === 'warn')).toBe(true);
  });

  test('underNotice asks for the rows under one line, then under two when it takes two; no notice, all the rows', () => {
    const asked: number[] = [];
    const build = (rows: number) => {
      asked.push(rows);
      return {lines: Array.from({length: Math.min(rows, 2)}, () => [{text: 'x'}]), rows};
    };
    expect(underNotice(long, 37, 6, build).rows).toBe(4);
    expect(asked).toEqual([5, 4]);
    asked.length = 0;
    expect(underNotice('short', 37, 6, build).rows).toBe(5);
    expect(asked).toEqual([5]);
    expect(underNotice(undefined, 37, 6, build).lines).toHaveLength(2);
  });
});

