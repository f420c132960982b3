// kmemscope replay and export on a live recording, as a user runs them: the built binary (npm test's pretest builds
// it), stdin and stdout not terminals, on a recording made in this process with the real live recorder.
import {spawnSync} from 'node:child_process';
import {readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {parseCast} from '../../source/session/asciicast.js';
import {liveLecture, readLive, tempDir} from './live-record-helpers.js';

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli.js');
function kmemscope(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}, timeout: 60_000});
  return {code: r.status, out: r.stdout, err: r.stderr};
}

const hasAsciinema = spawnSync('asciinema', ['--version'], {encoding: 'utf8'}).status === 0 && spawnSync('script', ['--version'], {encoding: 'utf8'}).status === 0;
const DIR = tempDir();
afterAll(() => rmSync(DIR, {recursive: true, force: true}));

let lecture: {file: string; text: string; samples: number; lastSeq: number; keys: number};
beforeAll(() => {
  const file = join(DIR, 'live.jsonl');
  liveLecture(file);
  const r = readLive(file);
  const samples = r.events.filter((e) => e.type === 'sample');
  lecture = {
    file,
    text: readFileSync(file, 'utf8'),
    samples: r.start.samples.length + samples.length,
    lastSeq: samples.at(-1)!.type === 'sample' ? (samples.at(-1) as {seq: number}).seq : 0,
    keys: r.events.filter((e) => e.type === 'key').length,
  };
});

describe('kmemscope replay FILE on a live recording, without a terminal', () => {
  test('checks every line and prints one summary line', () => {
    const r = kmemscope(['replay', lecture.file]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(`^${lecture.file}: replayed ${lecture.samples} samples \\(to sample ${lecture.lastSeq}\\), ${lecture.keys} keys and 1 marker over 0:1\\d \\(live /fx, Linux 6\\.18\\.[^)]*\\); every line decodes, samples in order\\n$`),
    );
  });

  test('--json prints the last sample, as live --once --json prints one', () => {
    const r = kmemscope(['replay', lecture.file, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as {source: string; seq: number; caches: {name: string}[]};
    expect(s.source).toBe('/fx');
    expect(s.seq).toBe(lecture.lastSeq);
    expect(s.caches.map((c) => c.name)).toContain('my_struct');
  });

  test('a cut file: one warning naming the line, then the summary of what is before it', () => {
    const lines = lecture.text.split('\n');
    const cut = join(DIR, 'cut.jsonl');
    writeFileSync(cut, lines.slice(0, 12).join('\n') + '\n' + lines[12].slice(0, 30));
    const r = kmemscope(['replay', cut]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(new RegExp(`^kmemscope: warning: ${cut}:13: cut off in the middle of an event; replaying the 11 events before it \\(to sample \\d+\\)\\n$`));
    expect(r.out).toMatch(new RegExp(`^${cut}: replayed \\d+ samples .*\\)\\n$`));
    expect(r.out).not.toContain('every line decodes');
  });

  test('--dump says in one line what a live recording has instead', () => {
    const d = kmemscope(['replay', lecture.file, '--dump', 'buddyinfo']);
    expect(d).toMatchObject({code: 2, out: ''});
    expect(d.err).toBe("kmemscope: replay --dump prints an emulated machine's files; a live recording holds samples: --json prints its last one\n");
  });

  test('live --record needs the dashboard, so a terminal', () => {
    const r = kmemscope(['live', '--record', join(DIR, 'x.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^kmemscope: live opens the dashboard, which needs a terminal/);
  });
});

describe('kmemscope export FILE --cast OUT on a live recording', () => {
  test('renders it as asciicast v2 at the size asked: the marker, the samples, the recorded filter', () => {
    const out = join(DIR, 'live.cast');
    const r = kmemscope(['export', lecture.file, '--cast', out, '--cols', '120', '--rows', '40', '--speed', '2']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(new RegExp(`^kmemscope: wrote ${out}: \\d+ frames, 0:0\\d at 120x40, 1 marker\\n$`));
    const text = readFileSync(out, 'utf8');
    const cast = parseCast(text);
    if (!cast.ok) throw new Error(`${out}:${cast.line}: ${cast.message}`);
    expect(cast.header).toMatchObject({version: 2, width: 120, height: 40, title: `kmemscope live: /fx (${lecture.file})`});
    expect(cast.events.filter(([, code]) => code === 'm').map(([, , label]) => label)).toEqual(['look at kmalloc-64']);
    const frames = cast.events.filter(([, code, data]) => code === 'o' && data.startsWith('\x1b[H')).map(([, , data]) => data.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''));
    expect(frames.length).toBeGreaterThan(10);
    // The lecture ends frozen on an older sample, with the newest taken since.
    expect(frames.at(-1)).toMatch(new RegExp(`sample \\d+/${lecture.lastSeq} \\(frozen\\)`));
    expect(frames.some((f) => f.includes('/kmalloc'))).toBe(true);
    if (!hasAsciinema) return;
    // asciinema wants a terminal; script gives it one, and -e passes its exit status on.
    const cat = spawnSync('script', ['-qec', `asciinema cat '${out}'`, '/dev/null'], {encoding: 'utf8', timeout: 30_000});
    expect(cat.status).toBe(0);
    expect(cat.stdout).toContain('kmemscope live');
  });
});
