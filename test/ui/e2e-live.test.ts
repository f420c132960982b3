// Live mode in a real terminal: tmux runs the real binary on this machine's /proc (and, as an unprivileged user,
// without the root-only files), and the test types keys and reads the screen. Every wait polls against a deadline.
import {spawnSync} from 'node:child_process';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {buildIfStale, HAS_TMUX, lines, shellIsBack, Terminal, WHY_NO_TMUX} from './tmux-terminal.js';

if (!HAS_TMUX) console.warn(`test/ui/e2e-live.test.ts:${WHY_NO_TMUX}`);

/** "sample 7/9" in the header: the sample shown and the newest one kept. */
function sampleOf(screen: string): {shown: number; newest: number} {
  const m = /\bsample (\d+)\/(\d+)\b/.exec(lines(screen)[0]);
  if (!m) throw new Error(`no sample in the header:\n${screen}`);
  return {shown: Number(m[1]), newest: Number(m[2])};
}

const hasSample = (s: string) => /\bsample \d+\/\d+\b/.test(lines(s)[0]);

/** As root, an unprivileged user's view needs runuser; as anyone else it is the plain command. */
const isRoot = process.getuid?.() === 0;
const HAS_RUNUSER = spawnSync('runuser', ['--help']).status === 0;
const unprivileged = (command: string) => (isRoot ? `runuser -u nobody -- ${command}` : command);

describe.skipIf(!HAS_TMUX)(`kmemscope live in tmux${HAS_TMUX ? '' : WHY_NO_TMUX}`, () => {
  let term: Terminal;
  const command = 'node dist/cli.js live --interval 250ms';

  beforeAll(() => {
    buildIfStale();
    term = new Terminal(140, 45);
  }, 180_000);
  afterAll(() => term?.close());

  test('opens on this machine: the header names the kernel and the sample, the panes have its figures', async () => {
    await term.run(command);
    const s = await term.until('a few samples', (s) => hasSample(s) && sampleOf(s).newest >= 3);
    expect(lines(s)[0]).toMatch(/kmemscope live {2}\/proc/);
    expect(lines(s)[0]).toMatch(/Linux \d+\.\d+/);
    expect(s).toMatch(/Node 0 (DMA32|Normal)/);
    expect(s).toContain('TLB shootdowns');
    expect(s).toContain('/proc/meminfo');
    expect(lines(s).at(-2)).toMatch(/q\/C-c quit/);
  });

  test('space freezes the view while the samples go on; space again shows the newest', async () => {
    term.keys('Space');
    const frozen = sampleOf(await term.until('frozen', (s) => hasSample(s) && !lines(s)[0].includes('▶')));
    const later = await term.until('newer samples kept behind the frozen view', (s) => hasSample(s) && sampleOf(s).newest >= frozen.newest + 3);
    expect(sampleOf(later).shown).toBe(frozen.shown);
    term.keys('Space');
    await term.until('the view follows the newest again', (s) => hasSample(s) && sampleOf(s).shown === sampleOf(s).newest && sampleOf(s).newest > frozen.newest + 2);
  });

  test('b walks back through the kept samples, n forward', async () => {
    term.keys('b');
    const back = sampleOf(await term.until('one back', (s) => hasSample(s) && sampleOf(s).shown < sampleOf(s).newest));
    term.keys('b');
    await term.until('two back', (s) => hasSample(s) && sampleOf(s).shown === back.shown - 1);
    term.keys('n');
    await term.until('one on', (s) => hasSample(s) && sampleOf(s).shown === back.shown);
  });

  test('a kernel call on the command line says it needs the emulator', async () => {
    term.keys(':');
    term.type('kmalloc(64, GFP_KERNEL)');
    term.keys('Enter');
    await term.until('the answer', (s) => s.includes('kernel calls run on an emulated machine'));
  });

  test('resize below the minimum says so; back to a lecture size draws the panes', async () => {
    term.resize(70, 20);
    await term.until('the too-small message', (s) => /80.*24/.test(s) && !hasSample(s));
    term.resize(120, 40);
    await term.until('the panes again', (s) => hasSample(s) && lines(s).length === 40 && s.includes('Slabs'));
  });

  test('q gives the shell back, exit 0', async () => {
    term.keys('q');
    await term.until('the shell', (s) => shellIsBack(s, command, 0));
  });

  test.skipIf(isRoot && !HAS_RUNUSER)('without root: the root-only panes say what to run, the others work', async () => {
    const cmd = unprivileged(command);
    await term.run(cmd);
    const s = await term.until('the notices', (s) => hasSample(s) && s.includes('run sudo kmemscope live: /proc/slabinfo') && s.includes('/proc/vmallocinfo is root-only'));
    expect(s).toMatch(/Node 0 (DMA32|Normal) +free \d+/);
    term.keys('q');
    await term.until('the shell', (s) => shellIsBack(s, cmd, 0));
  });

  test('--proc-root reads a saved tree: this repository\'s fixture of a 6.18 host', async () => {
    const cmd = 'node dist/cli.js live --proc-root test/fixtures/proc/linux-6.18';
    await term.run(cmd);
    const s = await term.until('the saved host', (s) => hasSample(s) && s.includes('6.18.44-fc-v669'));
    expect(lines(s)[0]).toContain('proc/linux-'); // the source, cut to fit the header
    expect(s).toContain('kmalloc-');
    term.keys('q');
    await term.until('the shell', (s) => shellIsBack(s, cmd, 0));
  });
});
