// Recording a lecture with the real binary in a real terminal (issue 8): tmux runs a shell, the shell runs
// dist/cli.js, the test types keys (send-keys) and reads the screen (capture-pane -p) and the files written.
//
//   --record FILE   the "● REC" badge; space, n, b, a kcall, a marker with its label; q closes the file (an end event)
//   r               records to kmemscope-<scenario>-<date>.jsonl in the current directory; r again stops and says so;
//                   m without a recording says so and opens no prompt; a resize during a recording is an event
//   replay FILE     the REPLAY badge; it plays, pauses, steps, steps back, jumps to the marker and back, shows its
//                   own keys, says when the recording ends, and q gives the shell back
//   --cast FILE     an asciicast v2 of the screen at the pane's size, with the marker; asciinema cat accepts it
//   kill -9         the recording so far is valid (no end event) and replays headless with every hash matching
//
// Every wait polls the screen or the file against a deadline (never a fixed sleep), so a loaded 2-core machine makes
// the test slower, not flaky; a failed wait shows what it last saw. The terminal is tmux-terminal.ts's, started
// in a temporary working directory.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {parseCast} from '../../source/session/asciicast.js';
import {parseRecording, type Recording, type RecordingEvent} from '../../source/session/recording.js';
import {buildIfStale, CLI, cleanEnv, HAS_TMUX, lines, NOTE, poll, PROMPT, shellIsBack, Terminal, tickOf, WHY_NO_TMUX} from './tmux-terminal.js';

const HAS_ASCIINEMA = spawnSync('asciinema', ['--version']).status === 0 && spawnSync('script', ['--version']).status === 0;
const WHY_NO_CAT = ' (SKIPPED: asciinema or script is not installed; apt-get install -y asciinema)';
// Said on stderr too: a reporter that folds skipped files away would hide the reason in the tests' names.
if (!HAS_TMUX) console.warn(`test/ui/e2e-recording.test.ts:${WHY_NO_TMUX}`);
else if (!HAS_ASCIINEMA) console.warn(`test/ui/e2e-recording.test.ts: asciinema cat${WHY_NO_CAT}`);

/** A recording file as it is now (a file being written may end in the middle of a line). */
function recordingNow(path: string): Recording {
  const r = parseRecording(path, existsSync(path) ? readFileSync(path, 'utf8') : '');
  if (!r.ok) throw new Error(r.message);
  return r.recording;
}

/** Poll a recording file until its events satisfy `ok`. */
async function untilRecorded(what: string, path: string, ok: (events: readonly RecordingEvent[]) => boolean, timeoutMs = 15_000): Promise<Recording> {
  const read = (): Recording | null => {
    try {
      return recordingNow(path);
    } catch {
      return null; // not there yet (the header is written before the screen is taken)
    }
  };
  const r = await poll(what, read, (r) => r !== null && ok(r.events), timeoutMs, () => `${path} held:\n${existsSync(path) ? readFileSync(path, 'utf8') : '(no file)'}`);
  return r!;
}

const headerOf = (screen: string) => lines(screen)[0];
/** The status line: above the footer, which is above the empty last row. */
const statusOf = (screen: string) => lines(screen).at(-3) ?? '';
const DASHBOARD = /^ kmemscope {2}one-block {2}tick \d+/;

/** The keymap names a recording stores for text typed at the command line. */
const typedKeys = (text: string) => [...text].map((c) => (c === ' ' ? 'space' : c));

const tempDirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kmemscope-e2e-rec-'));
  tempDirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of tempDirs) rmSync(d, {recursive: true, force: true});
});

/** one-block at 50 ticks a second: its note pauses the run at tick 10 within a second, and nothing moves after that unless told. */
const LABEL = 'kmalloc-8k takes it';

describe.skipIf(!HAS_TMUX)(`recording with --record, then replaying, in tmux${HAS_TMUX ? '' : WHY_NO_TMUX}`, () => {
  let term: Terminal;
  let dir: string;
  let file: string;
  /** The tick the recorded session was paused at for n, b, the kcall and the marker. */
  let pausedAt = -1;

  beforeAll(() => {
    buildIfStale();
    dir = tempDir();
    file = join(dir, 'a.jsonl');
    term = new Terminal(160, 50, dir);
  }, 180_000);
  afterAll(() => term?.close());

  test('--record FILE: the REC badge, space/n/b, a kcall, a marker with its label; q closes the file', async () => {
    const command = `node ${CLI} one-block --record ${file} --speed 50`;
    await term.run(command);
    await term.until('the REC badge with the file name, and the note at tick 10', (s) => DASHBOARD.test(headerOf(s)) && headerOf(s).includes(`● REC ${file}`) && /Note at tick 10\b/.test(s));
    expect(statusOf(term.screen())).toContain(`recording to ${file}`);

    // Space on the note goes on with the run; let it run a while (a stretch the replay will play), then pause.
    term.keys('Space');
    await term.until('running past tick 20', (s) => !NOTE.test(s) && headerOf(s).includes('running') && tickOf(s) >= 20);
    term.keys('Space');
    pausedAt = tickOf(await term.until('paused', (s) => headerOf(s).includes('paused')));
    term.keys('n');
    await term.until(`tick ${pausedAt + 1}`, (s) => tickOf(s) === pausedAt + 1);
    term.keys('b');
    await term.until(`tick ${pausedAt} again`, (s) => tickOf(s) === pausedAt);

    term.keys(':');
    await term.until('the command line', (s) => /^ @cpu0:process :/.test(statusOf(s)));
    term.type('kmalloc(5000, GFP_ATOMIC)');
    term.keys('Enter');
    await term.until('the kcall in the event log', (s) => s.includes(`[${pausedAt}] kcall @cpu0:process: kmalloc(5000, GFP_ATOMIC)`));

    term.keys('m');
    await term.until('the marker prompt', (s) => statusOf(s).startsWith(' marker label (Enter: none) :'));
    term.type(LABEL);
    await term.until('the label typed', (s) => statusOf(s).includes(LABEL));
    term.keys('Enter');
    await term.until('the marker said', (s) => statusOf(s).includes(`marker "${LABEL}" at tick ${pausedAt}`));

    term.keys('q');
    const s = await term.until('the shell', (s) => shellIsBack(s, command, 0));
    expect(s).not.toMatch(DASHBOARD);
    expect(s).not.toContain('● REC');

    const r = parseRecording(file, readFileSync(file, 'utf8'));
    if (!r.ok) throw new Error(r.message);
    const {header, events, ended, warning} = r.recording;
    expect(warning).toBeUndefined();
    expect(ended).toBe(true);
    expect(header.scenario.file).toMatch(/one-block\.yaml$/);
    expect(header.terminal).toEqual({cols: 160, rows: 50});
    expect(header.start.speed).toBe(50);
    // Every key the session acted on, in order; r, m and the marker's label are the recording's, not the session's.
    const keys = events.filter((e) => e.type === 'key');
    expect(keys.map((e) => e.key)).toEqual(['space', 'space', 'n', 'b', ':', ...typedKeys('kmalloc(5000, GFP_ATOMIC)'), 'enter', 'q']);
    expect(keys.slice(0, 4).map((e) => e.tick)).toEqual([10, pausedAt, pausedAt, pausedAt + 1]);
    // one-block's pausing note at tick 10 stopped the run before the first key: the file says when.
    expect(events.find((e) => e.type === 'note')).toMatchObject({tick: 10});
    const rest = events.filter((e) => e.type !== 'hash' && e.type !== 'key' && e.type !== 'note');
    expect(rest.map((e) => e.type)).toEqual(['kcall', 'marker', 'end']);
    // The kcall's result is in the file too, at the tick it ran.
    expect(rest[0]).toMatchObject({type: 'kcall', text: 'kmalloc(5000, GFP_ATOMIC)', ok: true, tick: pausedAt});
    expect((rest[0] as Extract<RecordingEvent, {type: 'kcall'}>).output).toMatch(/^0x[0-9a-f]+ /);
    const marker = rest[1] as Extract<RecordingEvent, {type: 'marker'}>;
    expect(marker).toMatchObject({label: LABEL, tick: pausedAt});
    expect(marker.hash).toMatch(/^[0-9a-f]{16}$/);
    // The marker was put after the kcall's Enter and before q.
    const order = events.filter((e) => e.type !== 'hash').map((e) => (e.type === 'key' ? e.key : e.type));
    expect(order.slice(-5)).toEqual(['enter', 'kcall', 'marker', 'q', 'end']);
  });

  test('replay FILE: the REPLAY badge; it plays, space pauses, n steps, b steps back, ] and [ jump, ? shows its keys, the end is said, q quits', async () => {
    expect(pausedAt).toBeGreaterThan(0); // the recording above was made
    const start = recordingNow(file).header.start.tick;
    // A quarter of the recorded pace: the first stretch (ticks 0 to 10, then the note) lasts long enough that the
    // pause below lands in it however slow the machine, so n and b have known ticks to go to.
    const command = `node ${CLI} replay ${file} --speed 0.25`;
    await term.run(command);
    await term.until('the REPLAY badge and the tick moving', (s) => DASHBOARD.test(headerOf(s)) && headerOf(s).includes('REPLAY ▶ x0.25') && tickOf(s) > start);

    term.keys('Space');
    const t0 = tickOf(await term.until('the replay paused', (s) => headerOf(s).includes('REPLAY ❚❚')));
    expect(t0).toBeLessThanOrEqual(10);
    // Paused stays put (a look again a little later; the waits above and below are what synchronise).
    await new Promise((r) => setTimeout(r, 300));
    expect(tickOf(term.screen())).toBe(t0);

    term.keys('n');
    await term.until(`n: tick ${t0 + 1}`, (s) => tickOf(s) === t0 + 1 && headerOf(s).includes('REPLAY ❚❚'));
    term.keys('b');
    await term.until(`b: tick ${t0} again`, (s) => tickOf(s) === t0 && headerOf(s).includes('REPLAY ❚❚'));

    term.keys(']');
    await term.until('] at the marker', (s) => statusOf(s).includes(`marker 1/1: ${LABEL} (tick ${pausedAt})`) && tickOf(s) === pausedAt);
    term.keys('[');
    await term.until('[ back at the start', (s) => statusOf(s).includes('no marker before this point: back at the start') && tickOf(s) === start);

    term.keys('?');
    const help = await term.until("the replay's keys", (s) => s.includes('Keys (any key closes this)'));
    for (const line of ['pause / resume the replay', 'jump to the next marker', 'jump to the previous marker', 'step back to the previous tick', 'replay faster']) expect(help).toContain(line);
    expect(help).not.toContain('command line: a kernel call'); // the dashboard's keys are not the viewer's
    term.keys('x');
    await term.until('the help closed', (s) => !s.includes('Keys (any key closes this)') && DASHBOARD.test(headerOf(s)));

    term.keys('+');
    await term.until('+: x0.5', (s) => headerOf(s).includes('REPLAY ❚❚ x0.5'));
    term.keys(']');
    await term.until('] at the marker again', (s) => statusOf(s).includes(`marker 1/1: ${LABEL}`));
    term.keys('Space');
    await term.until('the end of the recording', (s) => headerOf(s).includes('REPLAY end') && statusOf(s).includes('end of the recording'));
    expect(tickOf(term.screen())).toBe(pausedAt);

    term.keys('q');
    const s = await term.until('the shell', (s) => shellIsBack(s, command, 0));
    expect(s).not.toMatch(DASHBOARD);
  });
});

describe.skipIf(!HAS_TMUX)(`the r and m keys without --record, and a resize, in tmux${HAS_TMUX ? '' : WHY_NO_TMUX}`, () => {
  let term: Terminal;
  let dir: string;
  let name = '';
  const command = `node ${CLI} one-block --speed 50`;

  beforeAll(() => {
    buildIfStale();
    dir = tempDir();
    term = new Terminal(160, 50, dir);
  }, 180_000);
  afterAll(() => term?.close());

  test('m without a recording says "not recording" and opens no prompt', async () => {
    await term.run(command);
    await term.until('the note at tick 10', (s) => DASHBOARD.test(headerOf(s)) && /Note at tick 10\b/.test(s));
    term.keys('z'); // any key but space closes the note and stays paused
    await term.until('the note closed', (s) => !NOTE.test(s) && headerOf(s).includes('paused') && tickOf(s) === 10);
    term.keys('m');
    const s = await term.until('"not recording"', (s) => statusOf(s).includes('not recording: r starts a recording'));
    expect(s).not.toContain('marker label');
    expect(headerOf(s)).not.toContain('REC');
    // No prompt took the next key: n steps the session.
    term.keys('n');
    await term.until('n: tick 11', (s) => tickOf(s) === 11);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('r records to kmemscope-<scenario>-<date>.jsonl in the current directory, and says so', async () => {
    term.keys('r');
    const s = await term.until('recording to a file', (s) => /recording to kmemscope-one-block-\d{8}-\d{6}\.jsonl \(r stops/.test(statusOf(s)));
    name = /recording to (\S+)/.exec(statusOf(s))![1];
    expect(headerOf(s)).toContain(`● REC ${name}`);
    expect(readdirSync(dir)).toEqual([name]);
    // The date in the name is the local time it started (two minutes' leeway either side for a slow machine).
    const [, y, mo, d, h, mi, se] = /-(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)(\d\d)\.jsonl$/.exec(name)!.map(Number);
    expect(Math.abs(new Date(y, mo - 1, d, h, mi, se).getTime() - Date.now())).toBeLessThan(120_000);
    const r = recordingNow(join(dir, name));
    expect(r.header.start.tick).toBe(11);
    expect(r.ended).toBe(false);
  });

  test("while recording, a kcall's result shows on the status line (the recorder's notice gives way to the next key) and goes to the file", async () => {
    term.keys(':');
    await term.until('the command line', (s) => /^ @cpu0:process :/.test(statusOf(s)));
    term.type('kmalloc(5000, GFP_ATOMIC)');
    term.keys('Enter');
    const s = await term.until('the result on the status line', (s) => /kmalloc\(5000, GFP_ATOMIC\)\s+=>\s+0x[0-9a-f]+/.test(statusOf(s)));
    const address = /=>\s+(0x[0-9a-f]+)/.exec(statusOf(s))![1];
    const r = await untilRecorded('the kcall event', join(dir, name), (ev) => ev.some((e) => e.type === 'kcall'));
    const kcalls = r.events.filter((e) => e.type === 'kcall');
    expect(kcalls).toMatchObject([{text: 'kmalloc(5000, GFP_ATOMIC)', ok: true, tick: 11}]);
    expect(kcalls[0].type === 'kcall' && kcalls[0].output.startsWith(`${address} `)).toBe(true);
  });

  test('a resize during a recording writes a resize event with the new size', async () => {
    const file = join(dir, name);
    term.resize(120, 40);
    const r = await untilRecorded('a resize event to 120x40', file, (ev) => ev.some((e) => e.type === 'resize' && e.cols === 120 && e.rows === 40));
    expect(r.events.filter((e) => e.type === 'resize').at(-1)).toMatchObject({cols: 120, rows: 40, tick: 11});
    await term.until('the dashboard at 120x40', (s) => lines(s).length === 40 && DASHBOARD.test(headerOf(s)));
    term.resize(160, 50);
    const back = await untilRecorded('a resize event back to 160x50', file, (ev) => ev.filter((e) => e.type === 'resize').at(-1)?.cols === 160);
    expect(back.events.filter((e) => e.type === 'resize').map((e) => e.type === 'resize' && `${e.cols}x${e.rows}`)).toEqual(['120x40', '160x50']);
    await term.until('the dashboard at 160x50', (s) => lines(s).length === 50 && DASHBOARD.test(headerOf(s)));
  });

  test('r again stops: "recorded N events ... to FILE", the file closed with every event it counted', async () => {
    term.keys('r');
    const s = await term.until('recorded N events', (s) => /recorded \d+ events? and 0 markers to /.test(statusOf(s)));
    const [, n, to] = /recorded (\d+) events? and 0 markers to (\S+)/.exec(statusOf(s))!;
    expect(to).toBe(name);
    expect(headerOf(s)).not.toContain('REC');
    const r = recordingNow(join(dir, name));
    expect(r.ended).toBe(true);
    expect(r.warning).toBeUndefined();
    expect(r.events.at(-1)?.type).toBe('end');
    expect(Number(n)).toBe(r.events.length - 1);
    expect(Number(n)).toBeGreaterThanOrEqual(2); // the two resizes at least
  });

  // The view's own notice (the answer to this key) wins over the recorder's older one.
  test('after r stops, m says "not recording" again and opens no prompt', async () => {
    term.keys('m');
    const s = await term.until('"not recording" after the recording', (s) => statusOf(s).includes('not recording: r starts a recording'));
    expect(s).not.toContain('marker label');
  });

  test('q quits: exit 0, and r made one file, no more', async () => {
    await term.until('no prompt open', (s) => !statusOf(s).includes('marker label'));
    term.keys('q');
    await term.until('the shell', (s) => shellIsBack(s, command, 0));
    expect(readdirSync(dir)).toEqual([name]); // r started one recording, no more
  });
});

describe.skipIf(!HAS_TMUX)(`--cast with --record, in tmux${HAS_TMUX ? '' : WHY_NO_TMUX}`, () => {
  let term: Terminal;
  let dir: string;
  const label = 'the cast marker';

  beforeAll(() => {
    buildIfStale();
    dir = tempDir();
    term = new Terminal(120, 40, dir);
  }, 180_000);
  afterAll(() => term?.close());

  test('the cast parses as asciicast v2 at the pane size, with output and the marker; the recording has the marker too', async () => {
    // Relative names: the files go to the shell's directory.
    const command = `node ${CLI} one-block --speed 50 --record c.jsonl --cast live.cast`;
    await term.run(command);
    await term.until('the note at tick 10', (s) => DASHBOARD.test(headerOf(s)) && /Note at tick 10\b/.test(s) && headerOf(s).includes('● REC c.jsonl'));
    term.keys('z');
    await term.until('the note closed', (s) => !NOTE.test(s));
    term.keys('m');
    await term.until('the marker prompt', (s) => statusOf(s).startsWith(' marker label (Enter: none) :'));
    term.type(label);
    await term.until('the label typed', (s) => statusOf(s).includes(label));
    term.keys('Enter');
    await term.until('the marker said', (s) => statusOf(s).includes(`marker "${label}" at tick 10`));
    term.keys('n');
    await term.until('tick 11', (s) => tickOf(s) === 11);
    term.keys('q');
    await term.until('the shell', (s) => shellIsBack(s, command, 0));

    const text = readFileSync(join(dir, 'live.cast'), 'utf8');
    const cast = parseCast(text);
    if (!cast.ok) throw new Error(`live.cast:${cast.line}: ${cast.message}`);
    expect(cast.header).toMatchObject({version: 2, width: 120, height: 40, title: 'kmemscope: one-block'});
    expect(Math.abs(cast.header.timestamp - Date.now() / 1000)).toBeLessThan(600);
    const output = cast.events.filter(([, code]) => code === 'o');
    expect(output.length).toBeGreaterThan(2);
    const shown = output.map(([, , data]) => data).join('');
    expect(shown).toContain('kmemscope  one-block  tick 10');
    expect(shown).toContain('kmemscope  one-block  tick 11');
    expect(shown).not.toContain('\x1b[?1049l'); // it ends on the last frame, not on the shell's screen
    const markers = cast.events.filter(([, code]) => code === 'm');
    expect(markers.map(([, , data]) => data)).toEqual([label]);
    // The marker sits between the frame with the note closed and the frame after n.
    const at = markers[0][0];
    expect(output.some(([t]) => t <= at) && output.some(([t]) => t >= at)).toBe(true);

    const r = recordingNow(join(dir, 'c.jsonl'));
    expect(r.ended).toBe(true);
    expect(r.header.terminal).toEqual({cols: 120, rows: 40});
    expect(r.events.filter((e) => e.type === 'marker')).toMatchObject([{label, tick: 10}]);
  });

  test.skipIf(!HAS_ASCIINEMA)(`asciinema cat accepts the cast${HAS_ASCIINEMA ? '' : WHY_NO_CAT}`, () => {
    const cast = join(dir, 'live.cast');
    expect(existsSync(cast)).toBe(true);
    // asciinema cat wants a terminal: script gives it one.
    const r = spawnSync('script', ['-qec', `asciinema cat ${cast}`, '/dev/null'], {encoding: 'utf8', timeout: 30_000, env: cleanEnv()});
    expect(r.stdout).not.toContain('printing failed');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kmemscope  one-block  tick 11');
  });
});

describe.skipIf(!HAS_TMUX)(`kill -9 of a recording dashboard, in tmux${HAS_TMUX ? '' : WHY_NO_TMUX}`, () => {
  let term: Terminal;
  let dir: string;

  beforeAll(() => {
    buildIfStale();
    dir = tempDir();
    term = new Terminal(160, 50, dir);
  }, 180_000);
  afterAll(() => term?.close());

  test('the file is a recording without its end, and replays without a terminal with every hash matching', async () => {
    const file = join(dir, 'k.jsonl');
    const command = `node ${CLI} one-block --speed max --record ${file}`;
    await term.run(command);
    await term.until('the note at tick 10', (s) => DASHBOARD.test(headerOf(s)) && /Note at tick 10\b/.test(s));
    term.keys('z');
    await term.until('the note closed', (s) => !NOTE.test(s));
    term.keys('m');
    await term.until('the marker prompt', (s) => statusOf(s).startsWith(' marker label (Enter: none) :'));
    term.type('before the kill');
    term.keys('Enter');
    await term.until('the marker said', (s) => statusOf(s).includes('marker "before the kill" at tick 10'));
    // Flat out: a state hash every 1000 ticks, written while the process is killed.
    term.keys('Space');
    await untilRecorded('three state hashes', file, (ev) => ev.filter((e) => e.type === 'hash').length >= 3);
    process.kill(term.foregroundPid(), 'SIGKILL');
    // Nothing restored the terminal (the alternate screen stays): the shell says Killed on it, and prompts.
    await term.until('the shell, exit 137', (s) => lines(s).some((l) => l.trimEnd() === 'exit=137') && s.trimEnd().endsWith(PROMPT.trimEnd()));

    const text = readFileSync(file, 'utf8');
    const r = parseRecording(file, text);
    if (!r.ok) throw new Error(r.message);
    expect(r.recording.ended).toBe(false);
    expect(r.recording.events.some((e) => e.type === 'end')).toBe(false);
    expect(r.recording.events.filter((e) => e.type === 'marker')).toMatchObject([{label: 'before the kill', tick: 10}]);
    const hashes = r.recording.events.filter((e) => e.type === 'hash');
    expect(hashes.length).toBeGreaterThanOrEqual(3);
    expect(hashes.map((e) => e.tick)).toEqual(hashes.map((_, i) => 1000 * (i + 1)));
    // At most the line being written is lost: a warning, if any, names the last line and no other.
    const n = text.split('\n').length;
    if (text.endsWith('\n')) expect(r.recording.warning).toBeUndefined();
    else expect(r.recording.warning).toMatch(new RegExp(`^${escapeRegExp(file)}:${n}: cut off in the middle of an event`));

    // No terminal (stdin a pipe): replay it all and check every hash.
    const replay = spawnSync('node', [CLI, 'replay', file], {cwd: dir, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000});
    expect(replay.stderr.replace(/^kmemscope: warning: .*:\d+: cut off.*\n/, '')).toBe('');
    expect(replay.status).toBe(0);
    const last = r.recording.events.at(-1)!;
    expect(replay.stdout).toBe(
      `${file}: replayed ${r.recording.events.length} events to tick ${last.tick} (scenarios/one-block.yaml, seed 1); ${hashes.length + 1} state hashes checked, all match the recording\n`,
    );
  });
});

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
