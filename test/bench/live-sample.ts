// live_sample_ms: what one sample of `kmemscope live` costs on this machine: every /proc file and every cache's
// /sys/kernel/slab counts read once, parsed, and made into the dashboard's view model (issue 9). Budget 20 ms, so a
// 1 s interval costs under 2% of one core. The median of REPEATS samples after WARMUP untimed ones.
// live_sample_full_ms: a first sample, which reads all three sysfs files of every cache (later ones read those of
// the caches that moved and a rotating tenth of the rest).
// live_parse_ms: the parsing and the view model alone, from texts already read (what the kernel's side costs is
// the difference: pagetypeinfo and vmallocinfo walk kernel structures as they are read).
// The bench fails if the host is too small to mean anything (fewer than 100 caches or 500 vmallocinfo lines) or
// the files are unreadable (run it as root).
import {liveViewModel} from '../../source/live/live-view.js';
import {PROC_FILES, HOST_ROOT, type ProcFile, readProcFile} from '../../source/live/read.js';
import {sampleFromTexts, takeSample, type Sample} from '../../source/live/sample.js';
import type {Figure} from './figure.js';

const WARMUP = 5;
const REPEATS = 31;

export const LIVE_SAMPLE_FIGURES = ['live_sample_ms', 'live_sample_full_ms', 'live_parse_ms'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function liveSampleBench(log: (line: string) => void): Figure[] {
  const first = takeSample(HOST_ROOT, 1, Date.now());
  const problems = Object.values(first.problems);
  if (first.problems.slabinfo || first.problems.vmallocinfo) throw new Error(`live_sample: ${problems.join('; ')} (the bench needs every file: run it as root)`);
  const caches = first.caches?.length ?? 0;
  const areas = first.vmalloc?.areas.length ?? 0;
  if (caches < 100 || areas < 500) throw new Error(`live_sample: this host has ${caches} caches and ${areas} vmalloc areas; the budget is for about 200 and over 1000`);
  log(`live_sample: ${caches} caches (${first.caches!.filter((c) => c.lists).length} with sysfs lists), ${areas} vmallocinfo lines${problems.length ? `; ${problems.join('; ')}` : ''}`);
  const view = (samples: Sample[]) => liveViewModel(samples, samples.length - 1, {source: '/proc', interval: 1000, events: []});
  let prev: Sample = first;
  const times: number[] = [];
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    const t0 = performance.now();
    const s = takeSample(HOST_ROOT, i + 2, Date.now(), prev);
    view([prev, s]);
    const ms = performance.now() - t0;
    if (i >= WARMUP) times.push(ms);
    prev = s;
  }
  // A first sample (or one after every cache moved): every cache's three sysfs files read.
  const full: number[] = [];
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    const t0 = performance.now();
    const s = takeSample(HOST_ROOT, 1, Date.now(), null);
    view([s]);
    const ms = performance.now() - t0;
    if (i >= WARMUP) full.push(ms);
  }
  const texts: Partial<Record<ProcFile, string>> = {};
  for (const f of PROC_FILES) {
    const r = readProcFile(HOST_ROOT, f);
    if (r.ok) texts[f] = r.text;
  }
  const parse: number[] = [];
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    const t0 = performance.now();
    const s = sampleFromTexts(texts, i + 2, Date.now(), prev);
    view([prev, s]);
    const ms = performance.now() - t0;
    if (i >= WARMUP) parse.push(ms);
  }
  return [
    {figure: 'live_sample_ms', value: Number(median(times).toFixed(2)), unit: 'ms'},
    {figure: 'live_sample_full_ms', value: Number(median(full).toFixed(2)), unit: 'ms'},
    {figure: 'live_parse_ms', value: Number(median(parse).toFixed(2)), unit: 'ms'},
  ];
}
