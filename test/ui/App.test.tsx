// Every key of the dashboard, as a person presses it: ink-testing-library drives the real App over a controller
// on a small living machine (a fake clock, so nothing runs unless a key says so).
import {render} from 'ink-testing-library';
import {describe, expect, test, vi} from 'vitest';
import {type Clock, Controller} from '../../source/session/controller.js';
import {loadScenario} from '../../source/scenario/load.js';
import {Session} from '../../source/session/session.js';
import {App} from '../../source/ui/App.js';
import {busyYaml} from '../busy-scenario.js';

const BUSY = busyYaml({notes: [[3, 'the first stop']]});

const STILL: Clock = {now: () => 0, setTimeout: () => 0, clearTimeout: () => {}};

function dashboard(size = {columns: 100, rows: 40}) {
  const r = loadScenario('busy.yaml', BUSY);
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const s = Session.create(r.scenario);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  const c = new Controller(s.session, {clock: STILL});
  const onQuit = vi.fn();
  const app = render(<App controller={c} theme="default" noColor={true} onQuit={onQuit} size={size} />);
  const frame = () => app.lastFrame() ?? '';
  /** Type keys, then wait until the screen shows `until` (Ink reads stdin on its own schedule). */
  const press = async (keys: string, until: (f: string) => boolean) => {
    app.stdin.write(keys);
    await vi.waitFor(() => expect(until(frame()), frame().split("\n").slice(-3).join("\n")).toBe(true), {timeout: 2000, interval: 5});
  };
  return {c, app, frame, press, onQuit};
}

const ESC = '\x1b';
const KEY = {right: `${ESC}[C`, left: `${ESC}[D`, up: `${ESC}[A`, down: `${ESC}[B`, tab: '\t', shiftTab: `${ESC}[Z`, enter: '\r', pgdn: `${ESC}[6~`};

/** Past the pausing note at tick 3. */
async function pastNote(d: ReturnType<typeof dashboard>) {
  d.c.step(5);
  d.c.dismissNote();
  d.c.step(5);
  await vi.waitFor(() => expect(d.frame()).toContain('tick 8'));
}

describe('the dashboard', () => {
  test('the header, every pane, the status line and the footer are on screen, within the terminal', async () => {
    const d = dashboard();
    await pastNote(d);
    const f = d.frame();
    for (const title of ['Free areas', 'Slabs', 'vmalloc', 'TLB', 'CPUs and workloads', 'Events']) expect(f).toContain(title);
    expect(f).toMatch(/kmemscope {2}busy {2}tick 8 {2}❚❚ paused/);
    expect(f).toContain('space pause');
    const lines = f.split('\n');
    expect(lines.length).toBeLessThanOrEqual(40);
    for (const l of lines) expect([...l].length).toBeLessThan(100);
  });

  test('space pauses and resumes; + and - change the speed the header shows', async () => {
    const d = dashboard();
    await pastNote(d);
    await d.press(' ', (f) => f.includes('▶ running 10 ticks/s'));
    expect(d.c.getSnapshot().running).toBe(true);
    await d.press('+', (f) => f.includes('20 ticks/s'));
    await d.press('-', (f) => f.includes('10 ticks/s'));
    await d.press(' ', (f) => f.includes('❚❚ paused'));
  });

  test('n and → step one tick, N a hundred, b and ← step back', async () => {
    const d = dashboard();
    await pastNote(d);
    await d.press('n', (f) => f.includes('tick 9 '));
    await d.press(KEY.right, (f) => f.includes('tick 10 '));
    await d.press('N', (f) => f.includes('tick 110 '));
    await d.press('b', (f) => f.includes('tick 109 '));
    await d.press(KEY.left, (f) => f.includes('tick 108 '));
  });

  test('a pausing note stops the run and shows until a key is pressed; that key does nothing else', async () => {
    const d = dashboard();
    await d.press('n', (f) => f.includes('tick 1 '));
    await d.press('nn', (f) => f.includes('Note at tick 3'));
    expect(d.frame()).toContain('the first stop');
    // The note takes the event log's place: the panes stay in view.
    expect(d.frame()).toContain('Free areas');
    await d.press('n', (f) => !f.includes('Note at tick 3'));
    expect(d.c.getSnapshot()).toMatchObject({tick: 3, running: false});
  });

  test('space on a note closes it and goes on with the run', async () => {
    const d = dashboard();
    await d.press('nnn', (f) => f.includes('Note at tick 3'));
    await d.press(' ', (f) => !f.includes('Note at tick 3') && f.includes('▶ running'));
  });

  test('tab and shift-tab move the focus (a double border); ↓ and PgDn scroll the focused pane', async () => {
    const d = dashboard();
    await pastNote(d);
    expect(d.frame()).toContain('╔═ Free areas');
    await d.press(KEY.tab, (f) => f.includes('╔═ Slabs'));
    await d.press(KEY.shiftTab, (f) => f.includes('╔═ Free areas'));
    await d.press(KEY.shiftTab, (f) => f.includes('╔═ Events'));
  });

  test('in the slab table: ↓ selects, Enter shows the per-node and per-CPU detail, s sorts, / filters', async () => {
    const d = dashboard();
    await pastNote(d);
    await d.press(KEY.tab, (f) => f.includes('╔═ Slabs'));
    await d.press('s', (f) => /sort total/.test(f));
    await d.press('/', (f) => f.includes('filter caches /'));
    await d.press('nvme', (f) => f.includes('filter caches / nvme'));
    await d.press(KEY.enter, (f) => !f.includes('filter caches /'));
    const rows = d.frame().split('\n').filter((l) => /kmalloc-|nvme_req/.test(l));
    expect(rows.length).toBe(1);
    expect(rows[0]).toContain('nvme_req');
    await d.press(KEY.down, (f) => f.includes('nvme_req'));
    await d.press(KEY.enter, (f) => /node 0/i.test(f) && /cpu ?0/i.test(f));
  });

  test('t splits the free areas by migrate type', async () => {
    const d = dashboard();
    await pastNote(d);
    const before = d.frame();
    await d.press('t', (f) => f !== before);
    expect(d.frame()).toMatch(/\bM\b/);
  });

  test(': runs a kcall on the chosen CPU and context; its result shows inline and joins the input log', async () => {
    const d = dashboard();
    await pastNote(d);
    await d.press('c', (f) => f.includes('@cpu1:process'));
    await d.press('x', (f) => f.includes('@cpu1:softirq'));
    await d.press(':', (f) => /@cpu1:softirq :$/m.test(f));
    await d.press('p = kmalloc(5000, GFP_ATOMIC)', (f) => f.includes('kmalloc(5000, GFP_ATOMIC)'));
    await d.press(KEY.enter, (f) => f.includes('=>  p = 0xffff'));
    expect(d.c.inputLog).toEqual([{tick: 8, cpu: 1, context: 'softirq', text: 'p = kmalloc(5000, GFP_ATOMIC)'}]);
    await d.press(':kfree(q)\r', (f) => f.includes('error:'));
    expect(d.frame()).toMatch(/error: .*q/);
  });

  test('? shows every key; any key closes it', async () => {
    const d = dashboard();
    await pastNote(d);
    await d.press('?', (f) => f.includes('Keys (any key closes this)'));
    expect(d.frame()).toContain('step back one tick');
    await d.press('n', (f) => !f.includes('Keys (any key closes this)'));
    expect(d.c.getSnapshot().tick).toBe(8);
  });

  test('q and Ctrl-C quit', async () => {
    const d = dashboard();
    d.app.stdin.write('q');
    await vi.waitFor(() => expect(d.onQuit).toHaveBeenCalledTimes(1));
    d.app.stdin.write('\x03');
    await vi.waitFor(() => expect(d.onQuit).toHaveBeenCalledTimes(2));
  });

  test('below 80x24 the screen says how big it must be', () => {
    const d = dashboard({columns: 60, rows: 20});
    expect(d.frame().replace(/\s+/g, ' ')).toContain('kmemscope needs a terminal of at least 80x24; this one is 60x20.');
  });
});
