// The dashboard running for real (issue 7 §4): Ink rendering the App to a terminal-like stream while the controller
// runs the tour flat out, time-sliced on the same thread.
//
// dashboard_fps_flat_out: frames written per second over RUN_MS (a frame: a burst of writes after a quiet gap).
// Budget: at least 20.
// key_latency_ms: a space typed while running flat out, until a frame saying "paused" is written; the median of
// PRESSES presses at varying moments (the worst is printed on stderr). Budget: under 50 ms.
import {PassThrough} from 'node:stream';
import {render} from 'ink';
import {createElement} from 'react';
import {Controller} from '../../source/session/controller.js';
import {openScenario} from '../../source/session/open-scenario.js';
import {Session} from '../../source/session/session.js';
import {App} from '../../source/ui/App.js';
import type {Figure} from './figure.js';

const RUN_MS = 3000;
const PRESSES = 15;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const LIVE_FIGURES = ['dashboard_fps_flat_out', 'key_latency_ms'] as const;

export async function liveBench(log: (line: string) => void): Promise<Figure[]> {
  const r = openScenario('tour');
  if (!r.ok) throw new Error('live: tour does not load');
  const s = Session.create(r.scenario);
  if (!s.ok) throw new Error('live: tour does not start');
  const out = Object.assign(new PassThrough(), {isTTY: true, columns: 160, rows: 50});
  const inp = Object.assign(new PassThrough(), {isTTY: true, setRawMode: () => {}, ref: () => {}, unref: () => {}});
  const frames: number[] = [];
  let last = 0;
  let screen = '';
  out.on('data', (d: Buffer) => {
    const t = performance.now();
    if (t - last > 3) frames.push(t);
    last = t;
    screen = (screen + d.toString()).slice(-40_000);
  });
  const c = new Controller(s.session, {speed: Infinity});
  const ink = render(createElement(App, {controller: c, theme: 'default', noColor: false, onQuit: () => {}}), {
    stdout: out as unknown as NodeJS.WriteStream,
    stdin: inp as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: 60,
  });
  const go = () => {
    c.dismissNote();
    c.play();
  };
  // Past the tour's pausing notes (the first 60 ticks) and warm.
  for (let i = 0; i < 30; i++) {
    go();
    await sleep(40);
  }
  go();
  const t0 = performance.now();
  const tick0 = c.getSnapshot().tick;
  await sleep(RUN_MS);
  const fps = frames.filter((t) => t > t0).length / (RUN_MS / 1000);
  const ticks = c.getSnapshot().tick - tick0;
  const lat: number[] = [];
  for (let k = 0; k < PRESSES; k++) {
    go();
    await sleep(150 + k * 7);
    screen = '';
    const tp = performance.now();
    inp.write(' ');
    while (!screen.includes('paused')) await sleep(0.5);
    lat.push(performance.now() - tp);
  }
  ink.unmount();
  c.dispose();
  lat.sort((a, b) => a - b);
  const median = lat[Math.floor(lat.length / 2)];
  log(`live: tour flat out at 160x50: ${fps.toFixed(1)} frames/s, ${Math.round((ticks * 1000) / RUN_MS)} ticks/s; a key: median ${median.toFixed(1)} ms, worst ${lat.at(-1)?.toFixed(1)} ms`);
  return [
    {figure: 'dashboard_fps_flat_out', value: Math.round(fps * 10) / 10, unit: 'frames/s'},
    {figure: 'key_latency_ms', value: Math.round(median * 10) / 10, unit: 'ms'},
  ];
}
