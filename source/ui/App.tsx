// The dashboard: the controller's state and the view's own state (ui-store.ts), both external stores read with
// useSyncExternalStore, the keys (key-handler.ts, shared with a replay) and the layout (layout.ts), put together.
// It draws what the panes are given; everything that changes the machine goes to the controller.
// Live mode (the view model has `live`): the same panes with what changed between samples, each pane's notice, the
// memory pane in the CPU pane's place, and live mode's keys in the footer and the help.
import {Box, type Key, useInput} from 'ink';
import {useMemo, useState, useSyncExternalStore} from 'react';
import type {DashboardDriver} from '../session/controller.js';
import type {LiveMemory} from '../session/view-model.js';
import {Footer} from './Footer.js';
import {Header} from './Header.js';
import {HelpOverlay} from './HelpOverlay.js';
import {dashboardLayout, type KeyHooks, pressKey} from './key-handler.js';
import {type Binding, KEYMAP, keyName, LIVE_KEYMAP, LIVE_LEGEND} from './keymap.js';
import {CHROME_ROWS} from './layout.js';
import {NoteOverlay} from './NoteOverlay.js';
import {CpuPane} from './panes/CpuPane.js';
import {EventsPane} from './panes/EventsPane.js';
import {FreeAreaPane} from './panes/FreeAreaPane.js';
import {liveStatusText} from './panes/live-lines.js';
import {MemoryPane} from './panes/MemoryPane.js';
import {SlabPane} from './panes/SlabPane.js';
import {TlbPane} from './panes/TlbPane.js';
import {slabLiveOf} from './panes/types.js';
import {VmallocPane} from './panes/VmallocPane.js';
import {orderCaches} from './slab-order.js';
import {StatusLine} from './StatusLine.js';
import {DEFAULT_THEME, HIGH_CONTRAST_THEME, type ThemeName, withoutColor} from './theme.js';
import {TooSmall} from './TooSmall.js';
import {type PaneId} from './ui-state.js';
import {UiStore} from './ui-store.js';
import {ThemeContext} from './use-theme.js';
import {useTerminalSize} from './use-terminal-size.js';

/** What the chrome shows besides the session: a badge in the header, a notice in the status line. */
export type ChromeStatus = {readonly badge: string | null; readonly notice: {readonly text: string; readonly tone: 'ok' | 'warn' | 'bad'} | null};
export type StatusSource = {subscribe(listener: () => void): () => void; getSnapshot(): ChromeStatus};

export type AppProps = {
  readonly controller: DashboardDriver;
  readonly theme: ThemeName;
  readonly noColor: boolean;
  readonly onQuit: () => void;
  /** The terminal size; by default the real terminal's, followed live. */
  readonly size?: {readonly columns: number; readonly rows: number};
  /** The view's state (focus, scrolling, the command line); by default the App's own. */
  readonly ui?: UiStore;
  /** false: the App reads no keys (a replay feeds recorded keys through pressKey and reads the viewer's itself). */
  readonly keys?: boolean;
  /** A recorder's hooks (r, m and every key). */
  readonly hooks?: KeyHooks;
  /** A recorder's or a replay's badge and notices. */
  readonly status?: StatusSource;
  /**
   * The keys the footer shows (a replay shows the viewer's; the help, part of the recorded view, shows the
   * dashboard's). By default the dashboard's, or live mode's in live mode.
   */
  readonly keymap?: readonly Binding<string>[];
};

/** The Key flags one character of a batch stands for. */
function charKey(key: Key, ch: string): Key {
  return {
    ...key,
    return: ch === '\r' || ch === '\n',
    tab: ch === '\t',
    backspace: ch === '\x7f' || ch === '\b',
    escape: ch === '\x1b',
    shift: ch !== ch.toLowerCase(),
  };
}

const NO_STATUS: StatusSource = {subscribe: () => () => {}, getSnapshot: () => NO_CHROME};
const NO_CHROME: ChromeStatus = {badge: null, notice: null};
const NO_MEMORY: LiveMemory = {rows: [], history: []};

export function App({controller, theme, noColor, onQuit, size, ui: givenUi, keys = true, hooks, status = NO_STATUS, keymap}: AppProps) {
  const state = useSyncExternalStore(controller.subscribe, controller.getSnapshot);
  const [ownUi] = useState(() => new UiStore());
  const store = givenUi ?? ownUi;
  const ui = useSyncExternalStore(store.subscribe, store.getSnapshot);
  const chrome = useSyncExternalStore(status.subscribe, status.getSnapshot);
  const terminal = useTerminalSize();
  const {columns, rows} = size ?? terminal;
  const vm = controller.viewModel();
  const lay = dashboardLayout(controller, columns, rows);
  const slabRows = useMemo(() => orderCaches(vm.slabs, ui.sort, ui.filter), [vm.slabs, ui.sort, ui.filter]);
  const live = vm.live;
  const ownKeys = live ? LIVE_KEYMAP : KEYMAP;
  const slabLive = useMemo(() => slabLiveOf(vm), [vm]);
  const themeValue = useMemo(() => {
    const t = theme === 'high-contrast' ? HIGH_CONTRAST_THEME : DEFAULT_THEME;
    return noColor ? withoutColor(t) : t;
  }, [theme, noColor]);

  const target = {controller, ui: store, size: () => size ?? terminal, onQuit, ...(hooks ? {hooks} : {})};
  const onKey = (input: string, key: Key): void => {
    // Keys typed faster than they are read, or pasted, arrive together ("nnb", ":kfree(p)\r"): each is a key of
    // its own, in order, so none is lost and Enter inside a paste still runs the line.
    if (!key.ctrl && !key.meta && [...input].length > 1) {
      for (const ch of input) onKey(ch === '\r' || ch === '\n' ? '' : ch, charKey(key, ch));
      return;
    }
    pressKey(target, keyName(input, key), input);
  };
  useInput(onKey, {isActive: keys});

  if (lay.tooSmall) return <TooSmall columns={columns} rows={rows} />;
  const width = columns - 1;
  const bodyHeight = rows - CHROME_ROWS;
  const p = lay.panes;
  const focused = (id: PaneId) => ui.focus === id;
  // A pausing note takes the event log's place, so the panes it talks about stay in view.
  const bottom = state.note ? (
    <NoteOverlay width={width} height={p.events.height} tick={state.note.tick} text={state.note.text} />
  ) : (
    <EventsPane {...p.events} focused={focused('events')} events={vm.events} scroll={ui.scroll.events} notice={live?.notices.events} />
  );
  // Live: the host's meminfo where the emulator shows its CPUs and workloads (with its notice when unreadable).
  const lowerRight = live ? (
    <MemoryPane {...p.cpus} focused={focused('cpus')} memory={live.memory ?? NO_MEMORY} scroll={ui.scroll.cpus} notice={live.notices.cpus} />
  ) : (
    <CpuPane {...p.cpus} focused={focused('cpus')} cpus={vm.cpus} workloads={vm.workloads} scroll={ui.scroll.cpus} />
  );
  const body = ui.help ? (
    <HelpOverlay width={width} height={bodyHeight} keymap={ownKeys} {...(live ? {legend: LIVE_LEGEND} : {})} />
  ) : (
    <Box flexDirection="column" width={width} height={bodyHeight}>
      <Box flexDirection="row">
        <Box flexDirection="column" width={lay.left}>
          <FreeAreaPane {...p.free} focused={focused('free')} zones={vm.zones} byType={ui.byType} scroll={ui.scroll.free} notice={live?.notices.free} />
          <VmallocPane {...p.vmalloc} focused={focused('vmalloc')} vmalloc={vm.vmalloc} notice={live?.notices.vmalloc} />
          <TlbPane {...p.tlb} focused={focused('tlb')} tlb={vm.tlb} notice={live?.notices.tlb} />
        </Box>
        <Box flexDirection="column" width={lay.right}>
          <SlabPane
            {...p.slabs}
            focused={focused('slabs')}
            caches={slabRows}
            sort={ui.sort}
            filter={ui.filter}
            scroll={ui.scroll.slabs}
            selected={ui.detail ? ui.selected : null}
            highlighted={ui.selected}
            live={slabLive}
          />
          {lowerRight}
        </Box>
      </Box>
      {bottom}
    </Box>
  );
  return (
    <ThemeContext.Provider value={themeValue}>
      <Box flexDirection="column" width={width}>
        <Header header={vm.header} running={state.running} speed={state.speed} width={width} badge={chrome.badge} />
        {body}
        <StatusLine
          width={width}
          mode={ui.mode}
          draft={ui.draft}
          cpu={ui.cpu}
          context={ui.context}
          command={state.command}
          notice={ui.notice === null ? chrome.notice : {text: ui.notice, tone: 'warn'}}
          idle={live && vm.header.live ? liveStatusText(vm.header.live, live) : undefined}
        />
        <Footer width={width} keymap={keymap ?? ownKeys} />
      </Box>
    </ThemeContext.Provider>
  );
}
