// Recording live mode in a real terminal, as a lecturer would: tmux runs the real binary on this machine's /proc with
// --record, the test presses b, puts a labelled marker and quits; then the replay plays it back on the terminal with
// the viewer's keys, and the check without a terminal accepts the file.
import {spawnSync} from 'node:child_process';
import {rmSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {buildIfStale, CLI, HAS_TMUX, lines, shellIsBack, Terminal, WHY_NO_TMUX} from '../ui/tmux-terminal.js';
import {readLive, tempDir} from './live-record-helpers.js';

if (!HAS_TMUX) console.warn(`test/live/live-record-e2e.test.ts:${WHY_NO_TMUX}`);

const sampleOf = (s: string) => {
  const m = /\bsample (\d+)\/(\d+)\b/.exec(lines(s)[0]);
  return m ? {shown: Number(m[1]), newest: Number(m[2])} : null;
};

describe.skipIf(!HAS_TMUX)(`kmemscope live --record, then replay, in tmux${HAS_TMUX ? '' : WHY_NO_TMUX}`, () => {
  let term: Terminal;
  const dir = tempDir();
  const file = join(dir, 'lecture.jsonl');
  const record = `node ${CLI} live --interval 250ms --record ${file}`;
  const replay = `node ${CLI} replay ${file}`;

  beforeAll(() => {
    buildIfStale();
    term = new Terminal(140, 45, dir);
  }, 180_000);
  afterAll(() => {
    term?.close();
    rmSync(dir, {recursive: true, force: true});
  });

  test('records: the badge, b, a labelled marker, q closes the file', async () => {
    await term.run(record);
    await term.until('recording, a few samples in', (s) => lines(s)[0].includes(`● REC ${file}`) && (sampleOf(s)?.newest ?? 0) >= 3);
    term.keys('b');
    await term.until('one back', (s) => {
      const x = sampleOf(s);
      return x !== null && x.shown < x.newest;
    });
    term.keys('m');
    term.type('the slab pane');
    term.keys('Enter');
    await term.until('the marker', (s) => s.includes('marker "the slab pane" at sample'));
    term.keys('Space');
    await term.until('sampling shown again', (s) => (sampleOf(s)?.newest ?? 0) >= 8);
    term.keys('q');
    await term.until('the shell', (s) => shellIsBack(s, record, 0));
    const r = readLive(file);
    expect(r.ended).toBe(true);
    expect(r.header.live).toMatchObject({source: '/proc', interval: 250, kernel: expect.any(String)});
    expect(r.events.filter((e) => e.type === 'marker')).toMatchObject([{label: 'the slab pane'}]);
    expect(r.events.filter((e) => e.type === 'key').map((e) => (e.type === 'key' ? e.key : ''))).toEqual(['b', 'space', 'q']);
  });

  test('replays on the terminal: the badge, ] to the marker with its label, q', async () => {
    await term.run(replay);
    await term.until('the replay', (s) => /REPLAY (▶|end|❚❚) x1 \d:\d\d\/\d:\d\d/.test(lines(s)[0]) && sampleOf(s) !== null);
    term.keys('Space');
    term.keys('[');
    term.keys(']');
    await term.until('the marker', (s) => s.includes('marker 1/1: the slab pane'));
    term.keys('q');
    await term.until('the shell', (s) => shellIsBack(s, replay, 0));
  });

  test('without a terminal, the check accepts it', () => {
    const r = spawnSync(process.execPath, [CLI, 'replay', file], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/replayed \d+ samples .* 3 keys and 1 marker over 0:0\d \(live \/proc, Linux .*\); every line decodes, samples in order\n$/);
  });
});
