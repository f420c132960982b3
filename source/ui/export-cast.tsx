// kmemscope export FILE --cast OUT.cast: a recording rendered headless, at any size, into asciicast v2. The replay
// runs at the recording's own pace (times scaled by --speed); a frame is drawn with Ink's renderToString every
// 1/fps seconds of recording time when anything on screen may have changed, and markers become marker events.
// A live recording (live/live-recording.ts) is rendered the same way from its samples and keys.
import {renderToString} from 'ink';
import {CastWriter, frameOutput} from '../session/asciicast.js';
import {LivePlayback} from '../live/live-playback.js';
import type {LiveRecording} from '../live/live-recording.js';
import {type Clock, Controller, type DashboardDriver} from '../session/controller.js';
import {Playback} from '../session/playback.js';
import type {Recording} from '../session/recording.js';
import type {Session} from '../session/session.js';
import {App} from './App.js';
import {replayView} from './replay-view.js';
import type {ThemeName} from './theme.js';
import type {UiStore} from './ui-store.js';

export type ExportOptions = {
  readonly out: string;
  readonly cols: number;
  readonly rows: number;
  /** Recording time is divided by this (2: twice as fast). */
  readonly speed: number;
  readonly fps?: number;
  readonly theme: ThemeName;
  readonly noColor: boolean;
  readonly title: string;
};

export type ExportResult<P = Playback> = {frames: number; seconds: number; markers: number; playback: P};

/** A clock that never moves: the export is paced by the recording's times, not by the machine it runs on. */
const STILL: Clock = {now: () => 0, setTimeout: () => 0, clearTimeout: () => {}};

/** Render the recording into a new .cast file (never overwriting one). Throws a one-line Error on a file problem. */
export function exportCast(recording: Recording, session: Session, o: ExportOptions): ExportResult {
  const controller = new Controller(session, {clock: STILL, driven: true});
  const view = replayView(controller);
  const playback = new Playback(recording, controller, view, {clock: STILL});
  return {...writeCast(playback, controller, view.ui, recording.header.created, o), playback};
}

/** A live recording rendered the same way: its samples and keys at their recorded times. */
export function exportLiveCast(recording: LiveRecording, o: ExportOptions): ExportResult<LivePlayback> {
  const playback = new LivePlayback(recording, (c) => replayView(c), {clock: STILL});
  return {...writeCast(playback, playback.controller, playback.view.ui, recording.header.created, o), playback};
}

type Replay = {runTo(ms: number): void; readonly durationMs: number; onMarker: ((label: string, ms: number) => void) | null};

function writeCast(playback: Replay, controller: DashboardDriver, ui: UiStore, createdAt: string, o: ExportOptions): Omit<ExportResult, 'playback'> {
  const created = Date.parse(createdAt);
  const cast = CastWriter.open(o.out, {width: o.cols, height: o.rows, timestamp: Number.isFinite(created) ? Math.floor(created / 1000) : 0, title: o.title});
  const at = (ms: number) => ms / 1000 / o.speed;
  let markers = 0;
  playback.onMarker = (label, ms) => {
    markers++;
    cast.marker(at(ms), label);
  };
  const size = {columns: o.cols, rows: o.rows};
  const draw = () =>
    renderToString(<App controller={controller} ui={ui} keys={false} theme={o.theme} noColor={o.noColor} onQuit={() => {}} size={size} />, {columns: o.cols});
  let frames = 0;
  let last = '';
  let seen = '';
  const frameAt = (ms: number) => {
    // Draw only when the session or the view changed since the last frame.
    const key = `${controller.getSnapshot().version}/${JSON.stringify(ui.getSnapshot())}`;
    if (key === seen) return;
    seen = key;
    const frame = draw();
    if (frame === last) return;
    last = frame;
    cast.output(at(ms), frameOutput(frame));
    frames++;
  };
  try {
    cast.output(0, '\x1b[?25l\x1b[2J'); // the cursor hidden, as the dashboard hides it
    const step = 1000 / (o.fps ?? 10);
    const end = playback.durationMs;
    for (let ms = 0; ; ms = Math.min(end, ms + step)) {
      playback.runTo(ms);
      frameAt(ms);
      if (ms >= end) break;
    }
    cast.output(at(end), '\x1b[?25h');
  } finally {
    cast.close();
  }
  return {frames, seconds: at(playback.durationMs), markers};
}
