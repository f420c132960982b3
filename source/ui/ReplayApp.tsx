// A recording played back: the dashboard as the recorded keys drive it, with the viewer's own keys on top
// (REPLAY_KEYMAP: pause, step, step back, markers, speed, help, quit) and the replay's clock and any divergence
// in the header and the status line.
import {type Key, useInput} from 'ink';
import {useRef, useState} from 'react';
import type {DashboardDriver} from '../session/controller.js';
import {App, type AppProps, type StatusSource} from './App.js';
import {HelpOverlay} from './HelpOverlay.js';
import {keyName, REPLAY_KEYMAP, replayActionOf} from './keymap.js';
import type {UiStore} from './ui-store.js';
import {useTerminalSize} from './use-terminal-size.js';

/** What the viewer's keys drive: a recording's playback (session/playback.ts, or live/live-playback.ts for live mode). */
export type ReplayDriver = StatusSource & {
  readonly controller: DashboardDriver;
  toggle(): void;
  step(): void;
  stepBack(): void;
  nextMarker(): void;
  prevMarker(): void;
  faster(): void;
  slower(): void;
};

type Props = Pick<AppProps, 'theme' | 'noColor' | 'onQuit' | 'size'> & {readonly playback: ReplayDriver; readonly ui: UiStore};

export function ReplayApp({playback, ui, theme, noColor, onQuit, size}: Props) {
  const [help, setHelpState] = useState(false);
  // Keys can arrive before React has re-subscribed the handler of the last render: read the latest value, not a stale one.
  const helpRef = useRef(false);
  const setHelp = (on: boolean) => {
    helpRef.current = on;
    setHelpState(on);
  };
  const terminal = useTerminalSize();
  const {columns, rows} = size ?? terminal;
  const onKey = (input: string, key: Key): void => {
    // Keys that arrive together (a held n or b, a paste) are each a key of their own, as in the dashboard.
    if (!key.ctrl && !key.meta && [...input].length > 1) {
      for (const ch of input) onKey(ch, key);
      return;
    }
    const name = keyName(input, key);
    if (helpRef.current) {
      if (name === 'q' || name === 'ctrl-c') return onQuit();
      return setHelp(false);
    }
    switch (replayActionOf(name)) {
      case 'toggle':
        return playback.toggle();
      case 'step':
        return playback.step();
      case 'back':
        return playback.stepBack();
      case 'nextMarker':
        return playback.nextMarker();
      case 'prevMarker':
        return playback.prevMarker();
      case 'faster':
        return playback.faster();
      case 'slower':
        return playback.slower();
      case 'help':
        return setHelp(true);
      case 'quit':
        return onQuit();
    }
  };
  useInput(onKey);
  if (help) return <HelpOverlay width={columns - 1} height={rows - 1} keymap={REPLAY_KEYMAP} />;
  return (
    <App
      controller={playback.controller}
      ui={ui}
      keys={false}
      status={playback}
      keymap={REPLAY_KEYMAP}
      theme={theme}
      noColor={noColor}
      onQuit={onQuit}
      {...(size ? {size} : {})}
    />
  );
}
