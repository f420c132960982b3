// The dashboard in a real terminal: tmux runs a shell, the shell runs kmemscope, and the test types keys
// (send-keys) and reads the screen (capture-pane -p), as a lecturer would type and look.
//
// Every wait polls the screen against a deadline (never a fixed sleep), so a loaded 2-core machine makes the test
// slower, not flaky. A failed wait shows the last screen it saw.
//
// The real binary (dist/cli.js, rebuilt first when a source file is newer): start, pause, step, step back, a kcall
// on the command line, resize smaller and larger, the three screen sizes of a lecture room, q. Scenario notes that
// pause the run can appear whenever the run moves; before each key the test dismisses one that is showing.
// Colours: some by default, none with NO_COLOR=1 (bold and inverse stay).
// A stand-in App (stand-in-dashboard.tsx, run with tsx): the ways out the real App cannot be made to take on
// purpose - SIGTERM, SIGHUP, SIGINT, a key handler and a render that throw - each must leave the shell's screen as
// it was, with the right exit code.
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, test} from 'vitest';
import {buildIfStale, HAS_TMUX, lines, NOTE, shellIsBack, Terminal, tickOf, WHY_NO_TMUX} from './tmux-terminal.js';

// Said on stderr too: a reporter that folds skipped files away would hide the reason in the tests' names.
if (!HAS_TMUX) console.warn(`test/ui/e2e.test.ts:${WHY_NO_TMUX}`);
/** Screens captured at the lecture-room sizes go here when set, for a look by eye. */
const SCREENS_DIR = process.env.KMEMSCOPE_E2E_SCREENS;

describe.skipIf(!HAS_TMUX)(`the real dashboard in tmux${HAS_TMUX ? '' : WHY_NO_TMUX}`, () => {
  let term: Terminal;
  const command = 'node dist/cli.js tour --speed 1';

  /** Dismiss a scenario note if one is showing (the run is paused; any key goes on). */
  async function dismissNote(): Promise<void> {
    if (!NOTE.test(term.screen())) return;
    term.keys('z');
    await term.until('the note to go', (s) => !NOTE.test(s));
  }

  beforeAll(() => {
    buildIfStale();
    term = new Terminal(160, 50);
  }, 180_000);
  afterAll(() => term?.close());

  test('starts full screen: the header shows the scenario and the tick, the footer the keys', async () => {
    await term.run(command);
    // The whole first frame: a capture can land while the terminal is still drawing it.
    const s = await term.until('the header and the footer', (s) => /^ kmemscope {2}tour {2}tick \d+/.test(lines(s)[0]) && /q\/C-c quit/.test(lines(s).at(-2) ?? ''));
    expect(lines(s)).toHaveLength(50);
    expect(s).not.toContain(command); // the alternate screen: the shell's lines are not under the dashboard
    expect(lines(s).at(-2)).toMatch(/q\/C-c quit/);
  });

  test('space pauses: the header says paused', async () => {
    await dismissNote();
    term.keys('Space');
    await term.until('running', (s) => lines(s)[0].includes('running'));
    term.keys('Space');
    await term.until('paused', (s) => lines(s)[0].includes('paused'));
  });

  test('n steps one tick, b steps back one', async () => {
    await dismissNote();
    const t = tickOf(term.screen());
    term.keys('n');
    await term.until(`tick ${t + 1}`, (s) => tickOf(s) === t + 1);
    await dismissNote();
    term.keys('b');
    await term.until(`tick ${t} again`, (s) => tickOf(s) === t);
    expect(lines(term.screen())[0]).toContain('paused');
  });

  test('a kcall on the command line shows its result', async () => {
    await dismissNote();
    term.keys(':');
    await term.until("the command line", (s) => /^ @cpu\d+:\w+ :/m.test(s));
    term.type('kmalloc(5000, GFP_ATOMIC)');
    term.keys('Enter');
    await term.until('the result', (s) => /kmalloc\(5000, GFP_ATOMIC\)\s+=>\s+0x[0-9a-f]+/.test(s));
  });

  test('smaller than the minimum: a message says how big the terminal must be; larger: the dashboard again', async () => {
    term.resize(60, 20);
    const s = await term.until('the too-small message', (s) => /at least \d+x\d+/.test(s));
    const [, cols, rows] = /at least (\d+)x(\d+)/.exec(s)!.map(Number);
    expect(60 < cols || 20 < rows).toBe(true);
    expect(s).toContain('60x20');
    term.resize(160, 50);
    const big = await term.until('the dashboard at 160x50', (s) => /^ kmemscope {2}tour {2}tick \d+/.test(lines(s)[0]) && !/at least/.test(s));
    expect(lines(big)).toHaveLength(50);
    expect(lines(big).at(-2)).toMatch(/q\/C-c quit/);
  });

  test.each([
    [80, 24],
    [120, 40],
    [200, 60],
  ])('at %ix%i the header is the first line, the footer (quit and help first) the last but one, the last row empty (no flicker)', async (columns, rows) => {
    term.resize(columns, rows);
    const s = await term.until(`the dashboard at ${columns}x${rows}`, (s) => {
      const l = lines(s);
      return l.length === rows && /^ kmemscope {2}tour {2}tick \d+/.test(l[0]) && /^ q\/C-c quit {2}\? help/.test(l[rows - 2]) && l[rows - 1].trim() === '';
    });
    if (SCREENS_DIR) {
      mkdirSync(SCREENS_DIR, {recursive: true});
      writeFileSync(join(SCREENS_DIR, `dashboard-${columns}x${rows}.txt`), s);
      writeFileSync(join(SCREENS_DIR, `dashboard-${columns}x${rows}.ansi`), term.tmux('capture-pane', '-p', '-e', '-t', 'e2e'));
    }
    // Every line fits: nothing wrapped onto the next line (the last column is kept free).
    for (const l of lines(s)) expect(l.trimEnd().length).toBeLessThan(columns);
  });

  test('q quits: the process exits 0 and the shell is back as it was', async () => {
    term.resize(160, 50);
    await dismissNote();
    term.keys('q');
    const s = await term.until('the shell', (s) => shellIsBack(s, command, 0));
    expect(s).not.toMatch(/kmemscope {2}tour {2}tick/);
  });
});

describe.skipIf(!HAS_TMUX)(`colours in tmux${HAS_TMUX ? '' : WHY_NO_TMUX}`, () => {
  let term: Terminal | undefined;
  beforeAll(buildIfStale, 180_000);
  afterEach(() => term?.close());

  /** The SGR colour codes (foreground and background) on the dashboard's screen. */
  async function coloursOf(command: string): Promise<Set<string>> {
    term = new Terminal(160, 50);
    await term.run(command);
    await term.until('the dashboard', (s) => /^ kmemscope {2}tour {2}tick \d+/.test(lines(s)[0]));
    const screen = term.tmux('capture-pane', '-p', '-e', '-t', 'e2e');
    const colours = new Set<string>();
    for (const [, params] of screen.matchAll(/\x1b\[([0-9;]*)m/g)) {
      const p = params.split(';');
      for (let i = 0; i < p.length; i++) {
        if (p[i] === '38' || p[i] === '48') {
          const n = p[i + 1] === '5' ? 3 : 5;
          colours.add(p.slice(i, i + n).join(';'));
          i += n - 1;
        } else if (/^(3[0-7]|4[0-7]|9[0-7]|10[0-7])$/.test(p[i])) colours.add(p[i]);
      }
    }
    term.keys('q');
    await term.until('the shell', (s) => shellIsBack(s, command, 0));
    return colours;
  }

  test('in colour by default; NO_COLOR=1: none at all', async () => {
    expect((await coloursOf('node dist/cli.js tour')).size).toBeGreaterThan(2);
    term?.close();
    expect([...(await coloursOf('NO_COLOR=1 node dist/cli.js tour'))]).toEqual([]);
  });
});

describe.skipIf(!HAS_TMUX)(`the dashboard's ways out, with a stand-in App${HAS_TMUX ? '' : WHY_NO_TMUX}`, () => {
  const command = 'node --import tsx test/ui/stand-in-dashboard.tsx tour';
  let term: Terminal | undefined;
  afterEach(() => term?.close());

  /** A terminal of its own per case, the stand-in running in it. */
  async function start(): Promise<Terminal> {
    term = new Terminal(100, 30);
    await term.run(command);
    await term.until('the stand-in', (s) => /^stand-in {2}tour {2}tick \d+/.test(lines(s)[0]));
    return term;
  }

  const signal = (name: NodeJS.Signals) => (t: Terminal) => void process.kill(t.foregroundPid(), name);
  const cases: readonly (readonly [string, number, string | null, (t: Terminal) => void])[] = [
    ['Ctrl-C', 0, null, (t) => t.keys('C-c')],
    ['SIGTERM', 143, null, signal('SIGTERM')],
    ['SIGHUP', 129, null, signal('SIGHUP')],
    ['SIGINT', 130, null, signal('SIGINT')],
    ['a key handler that throws', 70, 'kmemscope: the dashboard crashed: a key handler went wrong', (t) => t.keys('x')],
    ['a render that throws', 70, 'kmemscope: the dashboard crashed: a render went wrong', (t) => t.keys('r')],
  ];
  test.each(cases)('%s: the shell is back, exit %i', async (_, code, message, end) => {
    const t = await start();
    end(t);
    const s = await t.until(`the shell and exit=${code}`, (s) => shellIsBack(s, command, code));
    expect(s).not.toContain('stand-in  tour');
    const l = lines(s).map((x) => x.trimEnd());
    const at = l.indexOf(`exit=${code}`);
    // One line and no more between the command and its exit code: the message, or nothing.
    expect(l.slice(l.findIndex((x) => x.includes(command)) + 1, at)).toEqual(message === null ? [] : [message]);
  });
});
