// The dashboard's budgets (DESIGN §7, issue 7): a frame is cheap, a step back is quick, and a frame costs the
// same whatever the emulated memory size.
//
// render_frame_ms: one frame of the tour at 160x50 as the dashboard draws it - the App given a Controller, drawn
// with Ink's renderToString (React render, Yoga layout, the output string). The view model is built inside the
// frame (Controller.viewModel() is lazy, once per change), as on screen. Between frames the controller steps
// FRAME_STRIDE ticks, so the frames see different ticks (split and merged buddy lists, caches, events); scenario
// notes are dismissed so the panes are drawn, not the note. WARMUP frames first (JIT), then FRAMES measured;
// the figure is the median. Budget: under 50 ms (20 frames a second with room for the emulator).
//
// step_back_ms: Controller.stepBack(1) after running the tour 2000 ticks, BACK_STEPS times in a row (each
// restores the nearest snapshot and re-runs to its target, so the steps cover every distance from a snapshot);
// the median. Budget: under 100 ms.
//
// render_frame_256m_ms, render_frame_8g_ms, render_frame_8g_vs_256m: the tour on its own 256 MiB machine and
// on an 8 GiB one, frames interleaved (one of each, MEMORY_FRAMES times) so both see the same machine load;
// each figure the median. The ratio's budget is 2: a frame must not cost what the memory costs (the view model
// is built from zones, orders, caches and areas, never from pages).
//
// React runs its production build, as in the dashboard (run.ts sets NODE_ENV for its children as cli.tsx does).
// stderr gets each median's spread (the 10th and 90th percentiles) and, for the frame, how much of it is the
// view model.
import {renderToString} from 'ink';
import {createElement} from 'react';
import {Controller} from '../../source/session/controller.js';
import {openScenario} from '../../source/session/open-scenario.js';
import {Session} from '../../source/session/session.js';
import {App} from '../../source/ui/App.js';
import type {Figure} from './figure.js';

const COLUMNS = 160;
const ROWS = 50;
const WARMUP = 20;
const FRAMES = 100;
const FRAME_STRIDE = 20;
const RUN_TICKS = 2000;
const BACK_STEPS = 100;
const MEMORY_FRAMES = 60;
const GiB = 2 ** 30;

function tour(memory?: number): Controller {
  const r = openScenario('tour');
  if (!r.ok) throw new Error(`dashboard: tour does not load: ${JSON.stringify(r.error)}`);
  if (memory !== undefined) r.scenario.machine = {...r.scenario.machine, memory};
  const s = Session.create(r.scenario);
  if (!s.ok) throw new Error(`dashboard: tour does not start: ${JSON.stringify(s.error)}`);
  return new Controller(s.session, {running: false});
}

/** n ticks forward, past any pausing notes (step() stops at one). */
function advance(c: Controller, n: number): void {
  const target = c.current.tick + n;
  while (c.current.tick < target) {
    c.step(target - c.current.tick);
    c.dismissNote();
  }
}

/** One frame as the dashboard draws it; its time in ms. */
function frame(c: Controller): number {
  const t0 = performance.now();
  const out = renderToString(
    createElement(App, {controller: c, theme: 'default', noColor: false, onQuit: () => {}, size: {columns: COLUMNS, rows: ROWS}}),
    {columns: COLUMNS},
  );
  const ms = performance.now() - t0;
  if (!out.includes(`tick ${c.current.tick}`)) throw new Error(`dashboard: the frame at tick ${c.current.tick} does not show its tick:\n${out}`);
  return ms;
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}
const median = (xs: readonly number[]) => percentile(xs, 0.5);
const round = (ms: number) => Math.round(ms * 100) / 100;
const spread = (xs: readonly number[]) => `median ${round(median(xs))} ms, p10 ${round(percentile(xs, 0.1))}, p90 ${round(percentile(xs, 0.9))}, max ${round(Math.max(...xs))}`;

function renderFrame(log: (line: string) => void): Figure {
  const c = tour();
  for (let i = 0; i < WARMUP; i++) {
    advance(c, FRAME_STRIDE);
    frame(c);
  }
  const times: number[] = [];
  const models: number[] = [];
  for (let i = 0; i < FRAMES; i++) {
    advance(c, FRAME_STRIDE);
    times.push(frame(c));
    advance(c, 1); // the view model alone, on a fresh tick
    const t0 = performance.now();
    c.viewModel();
    models.push(performance.now() - t0);
  }
  log(`dashboard: ${FRAMES} frames of tour at ${COLUMNS}x${ROWS}, ticks ${c.current.tick - FRAMES * (FRAME_STRIDE + 1)}..${c.current.tick}: ${spread(times)}; the view model alone: median ${round(median(models))} ms`);
  return {figure: 'render_frame_ms', value: round(median(times)), unit: 'ms'};
}

function stepBack(log: (line: string) => void): Figure {
  const c = tour();
  advance(c, RUN_TICKS);
  const times: number[] = [];
  for (let i = 0; i < BACK_STEPS; i++) {
    const tick = c.current.tick;
    const t0 = performance.now();
    c.stepBack(1);
    times.push(performance.now() - t0);
    if (c.current.tick !== tick - 1) throw new Error(`dashboard: stepBack(1) from tick ${tick} went to ${c.current.tick}`);
  }
  log(`dashboard: ${BACK_STEPS} steps back from tick ${RUN_TICKS} of tour: ${spread(times)}`);
  return {figure: 'step_back_ms', value: round(median(times)), unit: 'ms'};
}

function memoryIndependence(log: (line: string) => void): Figure[] {
  const small = tour();
  const big = tour(8 * GiB);
  const smallTimes: number[] = [];
  const bigTimes: number[] = [];
  for (let i = 0; i < WARMUP + MEMORY_FRAMES; i++) {
    advance(small, FRAME_STRIDE);
    advance(big, FRAME_STRIDE);
    const a = frame(small);
    const b = frame(big);
    if (i >= WARMUP) {
      smallTimes.push(a);
      bigTimes.push(b);
    }
  }
  const ratio = median(bigTimes) / median(smallTimes);
  log(`dashboard: tour on ${small.viewModel().header.machine}: ${spread(smallTimes)}`);
  log(`dashboard: tour on ${big.viewModel().header.machine}: ${spread(bigTimes)}; ${ratio.toFixed(2)}x the small one`);
  return [
    {figure: 'render_frame_256m_ms', value: round(median(smallTimes)), unit: 'ms'},
    {figure: 'render_frame_8g_ms', value: round(median(bigTimes)), unit: 'ms'},
    {figure: 'render_frame_8g_vs_256m', value: Math.round(ratio * 100) / 100, unit: 'x'},
  ];
}

export const DASHBOARD_FIGURES = ['render_frame_ms', 'step_back_ms', 'render_frame_256m_ms', 'render_frame_8g_ms', 'render_frame_8g_vs_256m'] as const;

export function dashboardBench(log: (line: string) => void): Figure[] {
  return [renderFrame(log), stepBack(log), ...memoryIndependence(log)];
}
