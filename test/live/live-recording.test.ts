// Live recordings (issue 9 item 6): samples stored as what changed and decoded exactly; a live session recorded
// with its keys replays to the same view models at the same moments, whether recording began with the first sample
// or with r in the middle of a session; stepping back and the marker jumps land where stepping forward did; a cut
// file replays up to the cut with one warning.
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import fc from 'fast-check';
import {describe, expect, test} from 'vitest';
import type {LiveRecordingEvent, LiveRecordingHeader} from '../../source/live/live-recording.js';
import {type Sample, takeSample} from '../../source/live/sample.js';
import {decodeSample, diff, encodeSample, patch} from '../../source/live/sample-codec.js';
import {parseRecording} from '../../source/session/recording.js';
import {FIXTURE_ROOT, fixtureFiles, mapFs} from './live-helpers.js';
import {liveLecture, liveReplay, liveSession, type Moment, readLive, sampleAt, tempDir} from './live-record-helpers.js';

/** The samples textsAt() gives, 1..n, a second apart, each sharing what did not change with the one before. */
function series(n: number): Sample[] {
  const out: Sample[] = [];
  for (let seq = 1; seq <= n; seq++) out.push(sampleAt(seq, seq * 1000, out.at(-1) ?? null));
  return out;
}

/** Through JSON, as a recording stores it. */
const viaJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('a sample stored as what changed since the one before', () => {
  const samples = series(12);

  test('decodes to the sample exactly, through every change the series makes', () => {
    for (let k = 1; k < samples.length; k++) {
      const d = viaJson(encodeSample(samples[k - 1], samples[k]));
      expect(decodeSample(samples[k - 1], samples[k].seq, d), `sample ${k + 1}`).toEqual(samples[k]);
    }
  });

  test('says only what changed: a cache added, one gone, one grown, an area gone and one new', () => {
    const at = (seq: number) => encodeSample(samples[seq - 2], samples[seq - 1]);
    expect(at(4).cacheChanges?.put?.map(([i, c]) => [i, c.name])).toEqual([[0, 'my_struct']]);
    expect(at(6).cacheChanges?.gone).toEqual(['bio-312']);
    expect(Object.keys(at(3).cacheChanges?.set ?? {})).toEqual(['kmalloc-64']);
    expect(at(3).cacheChanges?.set?.['kmalloc-64']).toEqual({active_objs: samples[2].caches!.find((c) => c.name === 'kmalloc-64')!.active_objs, num_objs: expect.any(Number)});
    // Hashed addresses: areas alike are alike, so which of them went is the diff's choice (decoding is exact).
    expect(at(5).vmallocChanges?.areas).toEqual([[expect.any(Number), 1, []]]);
    expect(at(7).vmallocChanges?.areas).toEqual([[expect.any(Number), 0, [{start: null, pages: 4, kind: 'vmalloc', nodes: {N0: 3}}]]]);
    expect(Object.keys(at(3)).sort()).toEqual(['cacheChanges', 'meminfoChanges', 'time', 'tlb', 'zoneChanges']);
    expect(at(3).meminfoChanges).toMatchObject({set: {MemFree: 24374536 - 3 * 4096}});
  });

  test('an unreadable file goes whole (as null), and so does the file readable again', () => {
    const gone = encodeSample(samples[7], samples[8]);
    expect(gone.caches).toBeNull();
    expect(gone.problems).toEqual(samples[8].problems);
    const back = encodeSample(samples[8], samples[9]);
    expect(back.caches).toEqual(samples[9].caches);
  });

  test('costs a small part of the sample', () => {
    const whole = JSON.stringify(samples[2]).length;
    const delta = JSON.stringify(encodeSample(samples[1], samples[2])).length;
    expect(whole).toBeGreaterThan(20_000);
    expect(delta).toBeLessThan(whole / 20);
  });

  test('shares what did not change with the sample before (a replay keeps its history cheaply)', () => {
    const s = decodeSample(samples[2], 4, viaJson(encodeSample(samples[2], samples[3])));
    const before = new Map(samples[2].caches!.map((c) => [c.name, c]));
    const shared = s.caches!.filter((c) => before.get(c.name) === c).length;
    expect(shared).toBe(s.caches!.length - 2); // my_struct is new, kmalloc-64 grew
  });

  test('with /sys/kernel/slab lists, caches reordered, and a whole sample', () => {
    const files = fixtureFiles();
    const a = takeSample(FIXTURE_ROOT, 1, 0, null, mapFs(files));
    const name = a.caches!.find((c) => c.lists && files.has(`sys/kernel/slab/${c.name}/partial`) && c.lists.partial > 0)!.name;
    const sys = new Map(files);
    sys.set(`sys/kernel/slab/${name}/partial`, '0 N0=0\n');
    // No sample before it (takeSample would carry lists of caches that did not change): nothing shared with a.
    const b = takeSample(FIXTURE_ROOT, 2, 1000, null, mapFs(sys));
    const d = viaJson(encodeSample(a, b));
    expect(Object.keys(d.cacheChanges!.set!)).toEqual([name]);
    expect(d.cacheChanges!.set![name]).toEqual({lists: b.caches!.find((c) => c.name === name)!.lists});
    expect(decodeSample(a, 2, d)).toEqual(b);
    const swapped = {...b, seq: 3, caches: [b.caches![1], b.caches![0], ...b.caches!.slice(2)]};
    const ds = viaJson(encodeSample(b, swapped));
    expect(ds.caches).toHaveLength(b.caches!.length);
    expect(decodeSample(b, 3, ds)).toEqual(swapped);
  });

  test('a delta that does not fit the sample before is refused, not guessed', () => {
    const d = encodeSample(samples[4], samples[5]);
    expect(() => decodeSample({...samples[4], caches: null}, 6, d)).toThrow('cache changes, but the sample before has none');
  });
});

describe('the list diff', () => {
  test('patch(a, diff(a, b)) is b, for any two lists', () => {
    const list = fc.array(fc.integer({min: 0, max: 6}), {maxLength: 40});
    fc.assert(
      fc.property(list, list, (a, b) => {
        const h = diff(a, b, 1000);
        expect(h).not.toBeNull();
        expect(patch(a, h!)).toEqual(b);
      }),
      {numRuns: 500},
    );
  });

  test('is minimal for one insertion and one deletion, and gives up past its limit', () => {
    const a = Array.from({length: 1000}, (_, i) => i);
    const b = [...a.slice(0, 300), -1, ...a.slice(300, 700), ...a.slice(701)];
    expect(diff(a, b, 10)).toEqual([
      [300, 0, [-1]],
      [700, 1, []],
    ]);
    expect(diff(a, a.map((x) => -x - 1), 10)).toBeNull();
  });
});

/** The last moment of each ms (a replay run to that ms has fired every event of it). */
function lastPerMs(moments: readonly Moment[]): Moment[] {
  return moments.filter((m, i) => moments[i + 1]?.ms !== m.ms);
}

function expectSameAsRecorded(file: string, moments: readonly Moment[]) {
  const p = liveReplay(file);
  let compared = 0;
  for (const m of lastPerMs(moments)) {
    p.runTo(m.ms);
    const {version: _v, ...state} = p.controller.getSnapshot();
    expect(state, `at ${m.ms} ms`).toEqual(m.state);
    expect(p.controller.viewModel(), `at ${m.ms} ms`).toEqual(m.vm);
    // The marker's prompt is the lecturer's, not part of the recording (as in the emulator's recordings).
    if (m.ui.mode !== 'marker') expect(p.view.ui.getSnapshot(), `at ${m.ms} ms`).toEqual(m.ui);
    compared++;
  }
  p.runToEnd();
  expect(p.divergence).toBeNull();
  expect(p.atEnd).toBe(true);
  return compared;
}

describe('record and replay', () => {
  test('r in the middle of a session: the replay shows the same view models at the same moments', () => {
    const s = liveLecture();
    const r = readLive(s.file);
    expect(r.ended).toBe(true);
    expect(r.start.samples.map((x) => x.seq)).toEqual([1, 2, 3]);
    expect(r.header.start).toMatchObject({shown: 2, running: false, interval: 1000});
    expect(r.header.live).toEqual({source: '/fx', interval: 1000, kernel: expect.stringMatching(/^6\.18\./), keep: 600});
    const types = r.events.map((e) => e.type);
    expect(types.filter((t) => t === 'sample').length).toBeGreaterThan(10);
    expect(types.filter((t) => t === 'marker')).toHaveLength(1);
    expect(compareCount(s.file, s.moments)).toBeGreaterThan(40);
  });

  test('n at the newest sample takes one at once: the recording stores it after the key, the replay takes it inside the key', () => {
    const s = liveLecture();
    const lines = readFileSync(s.file, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l) as LiveRecordingEvent);
    const k = lines.findIndex((e, i) => e.type === 'key' && e.key === 'n' && lines[i + 1]?.type === 'sample');
    expect(k).toBeGreaterThan(0);
    expect(lines[k + 1].ms).toBe(lines[k].ms);
  });

  test('--record from the first sample: the first is stored whole, the rest as changes', () => {
    const s = liveLecture(undefined, true);
    const text = readFileSync(s.file, 'utf8');
    const [head, first, second] = text.split('\n').map((l) => JSON.parse(l || '{}') as Record<string, unknown>);
    expect((head as unknown as LiveRecordingHeader).start.kept).toEqual([]);
    expect(first).toMatchObject({type: 'sample', ms: 0, seq: 1, sample: {seq: 1}});
    expect(second).toMatchObject({type: 'sample', seq: 2, delta: {time: expect.any(Number)}});
    expect(compareCount(s.file, s.moments)).toBeGreaterThan(40);
  });

  test('the header badge, numbered names that never overwrite, and what r says when it stops', () => {
    const file = join(tempDir(), 'talk.jsonl');
    writeFileSync(join(tempDir(), 'x'), '');
    const s = liveSession(file);
    s.controller.start();
    s.press('r');
    expect(s.recorder.getSnapshot().badge).toBe(`● REC ${file}`);
    s.wait(2000);
    s.press('r');
    expect(s.recorder.getSnapshot()).toEqual({badge: null, notice: {text: `recorded 2 samples, 0 other events and 0 markers to ${file} (kmemscope replay ${file})`, tone: 'ok'}});
    s.press('r');
    expect(s.recorder.getSnapshot().badge).toBe(`● REC ${file.replace('.jsonl', '-2.jsonl')}`);
    s.press('r');
    expect(readLive(file).events.filter((e) => e.type === 'sample')).toHaveLength(2);
  });

  test('without --record a name of its own, with the date', () => {
    const s = liveSession();
    const r = s.recorder as unknown as {o: {file?: string}};
    delete r.o.file;
    const cwd = process.cwd();
    process.chdir(tempDir());
    try {
      s.press('r');
      expect(s.recorder.getSnapshot().badge).toMatch(/^● REC kmemscope-live-\d{8}-\d{6}\.jsonl$/);
      s.press('r');
    } finally {
      process.chdir(cwd);
    }
  });
});

function compareCount(file: string, moments: readonly Moment[]): number {
  return expectSameAsRecorded(file, moments);
}

describe('the replay viewer\'s stepping', () => {
  test('b, ] and [ land on the view models stepping forward showed there', () => {
    const s = liveLecture();
    const p = liveReplay(s.file);
    const seen = new Map<number, unknown>([[0, p.controller.viewModel()]]);
    while (!p.atEnd) {
      p.step();
      seen.set(p.position.i, p.controller.viewModel());
    }
    let backs = 0;
    while (p.position.i > 0) {
      p.stepBack();
      expect(seen.has(p.position.i), `position ${p.position.i}`).toBe(true);
      expect(p.controller.viewModel()).toEqual(seen.get(p.position.i));
      backs++;
    }
    expect(backs).toBe(seen.size - 1);
    p.nextMarker();
    expect(p.position.i).toBe(p.markers[0].index + 1);
    expect(p.controller.viewModel()).toEqual(seen.get(p.position.i));
    expect(p.getSnapshot().notice?.text).toBe('marker 1/1: look at kmalloc-64 (sample 4)');
    p.prevMarker();
    expect(p.position.i).toBe(0);
    expect(p.getSnapshot().notice?.text).toMatch(/^no marker before this point/);
    expect(p.divergence).toBeNull();
  });

  test('the badge says where the replay is, as the emulator\'s does', () => {
    const s = liveLecture();
    const p = liveReplay(s.file);
    expect(p.getSnapshot().badge).toMatch(/^REPLAY ❚❚ x1 0:00\/0:1\d$/);
    p.runTo(5000);
    p.faster();
    expect(p.getSnapshot().badge).toMatch(/^REPLAY ❚❚ x2 0:0[45]\/0:1\d$/);
  });

  test('a step back on a 10-minute recording (600 samples) restores a checkpoint: well under 50 ms', () => {
    const s = liveSession(join(tempDir(), 'long.jsonl'));
    s.record();
    s.controller.start();
    for (let k = 0; k < 60; k++) {
      s.clock.advance(10_000);
      s.press('b', 'space');
    }
    s.press('q');
    const p = liveReplay(s.file);
    const t0 = performance.now();
    p.runToEnd();
    const whole = performance.now() - t0;
    const times: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t = performance.now();
      p.stepBack();
      times.push(performance.now() - t);
    }
    expect(p.sampleCount).toBe(601);
    expect(Math.max(...times)).toBeLessThan(50);
    console.info(`live replay of 600 samples: ${whole.toFixed(1)} ms from the start; step back ${Math.max(...times).toFixed(2)} ms at most`);
  });
});

describe('cut and corrupt files', () => {
  /** The lecture's file cut in the middle of the first sample line (after line 10) that `after` accepts. */
  function cutLecture(after: (prev: LiveRecordingEvent) => boolean) {
    const s = liveLecture();
    const lines = readFileSync(s.file, 'utf8').split('\n');
    const cutAt = lines.findIndex((l, i) => i > 10 && l.includes('"type":"sample"') && after(JSON.parse(lines[i - 1]) as LiveRecordingEvent));
    const samplesBefore = lines.slice(1, cutAt).filter((l) => l.includes('"type":"sample"'));
    const lastGood = (JSON.parse(samplesBefore.at(-1)!) as {seq: number}).seq;
    const file = join(tempDir(), 'cut.jsonl');
    writeFileSync(file, lines.slice(0, cutAt).join('\n') + '\n' + lines[cutAt].slice(0, 200));
    return {s, file, cutAt, lastGood};
  }

  test('a file cut in the middle of a sample replays to the sample before, with one warning naming the line', () => {
    const {file, cutAt, lastGood} = cutLecture((prev) => prev.type === 'sample');
    const r = readLive(file);
    expect(r.warning).toBe(`${file}:${cutAt + 1}: cut off in the middle of an event; replaying the ${cutAt - 1} events before it (to sample ${lastGood})`);
    expect(r.ended).toBe(false);
    const p = liveReplay(file);
    expect(p.getSnapshot().notice).toEqual({text: r.warning, tone: 'warn'});
    p.runToEnd();
    expect(p.divergence).toBeNull();
    expect(p.controller.kept.at(-1)!.seq).toBe(lastGood);
  });

  test('cut in the sample a key took (n at the newest): the replay ends before that key, and says why', () => {
    const {s, file, lastGood} = cutLecture((prev) => prev.type === 'key' && prev.key === 'n');
    const p = liveReplay(file);
    p.runToEnd();
    expect(p.divergence).toBeNull();
    expect(p.getSnapshot().notice).toEqual({text: 'the recording was cut after key n: the sample it took is lost, so the replay ends before the key', tone: 'warn'});
    expect(p.controller.kept.at(-1)!.seq).toBe(lastGood);
    // What the whole recording shows just before that key.
    const whole = liveReplay(s.file);
    while (whole.position.i < p.recording.events.length - 1) whole.step();
    expect(whole.position.i).toBe(p.recording.events.length - 1);
    expect(p.controller.viewModel()).toEqual(whole.controller.viewModel());
    expect(p.controller.getSnapshot().running).toBe(whole.controller.getSnapshot().running);
  });

  test('a sample whose changes do not fit the one before ends the events there', () => {
    const s = liveLecture();
    const lines = readFileSync(s.file, 'utf8').split('\n');
    const at = lines.findIndex((l, i) => i > 0 && l.includes('"cacheChanges"'));
    const e = JSON.parse(lines[at]) as {seq: number; delta: {cacheChanges: {set?: Record<string, unknown>}}};
    e.delta.cacheChanges.set = {no_such_cache: {active_objs: 1}};
    lines[at] = JSON.stringify(e);
    const file = join(tempDir(), 'bad.jsonl');
    writeFileSync(file, lines.join('\n'));
    expect(readLive(file).warning).toMatch(new RegExp(`^${file}:${at + 1}: sample ${e.seq} does not apply to sample ${e.seq - 1}: changes to caches the sample before does not have: no_such_cache; replaying the ${at - 1} events before it`));
  });

  test('samples out of order are damage', () => {
    const s = liveLecture();
    const lines = readFileSync(s.file, 'utf8').split('\n');
    const at = lines.findIndex((l, i) => i > 5 && l.includes('"type":"sample"'));
    lines[at] = lines[at].replace(/"seq":(\d+)/, '"seq":1');
    const file = join(tempDir(), 'order.jsonl');
    writeFileSync(file, lines.join('\n'));
    expect(readLive(file).warning).toMatch(/: samples out of order \(sample 1 after sample \d+\); replaying/);
  });

  test('a header without its live fields is refused, naming the field; the emulator\'s readers refuse a live recording', () => {
    const s = liveLecture();
    const [head, ...rest] = readFileSync(s.file, 'utf8').split('\n');
    const h = JSON.parse(head) as Record<string, unknown>;
    const broken = JSON.stringify({...h, live: {...(h.live as object), keep: 0}});
    const r = parseRecording('f.jsonl', [broken, ...rest].join('\n'), 'any');
    expect(r).toEqual({ok: false, message: 'f.jsonl:1: a live recording header, but its count of samples kept is missing'});
    expect(parseRecording('f.jsonl', [head, ...rest].join('\n'))).toEqual({ok: false, message: 'f.jsonl: a recording of live mode (kmemscope live --record), not of a scenario'});
  });
});
