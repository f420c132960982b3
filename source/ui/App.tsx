// The dashboard: the controller's state (useSyncExternalStore), the UI's own state (ui-state.ts), the keys
// (keymap.ts) and the layout (layout.ts), put together. It draws what the panes are given and sends everything
// that changes the machine to the controller; it never reaches into the kernel.
import {Box, type Key, useInput} from 'ink';
import {useMemo, useRef, useState, useSyncExternalStore} from 'react';
import type {Controller} from '../session/controller.js';
import {Footer} from './Footer.js';
import {Header} from './Header.js';
import {HelpOverlay} from './HelpOverlay.js';
import {type Action, actionOf, keyName} from './keymap.js';
import {CHROME_ROWS, layout} from './layout.js';
import {NoteOverlay} from './NoteOverlay.js';
import {CpuPane} from './panes/CpuPane.js';
import {EventsPane} from './panes/EventsPane.js';
import {FreeAreaPane} from './panes/FreeAreaPane.js';
import {SlabPane} from './panes/SlabPane.js';
import {slabPageRows} from './panes/slab-lines.js';
import {TlbPane} from './panes/TlbPane.js';
import {VmallocPane} from './panes/VmallocPane.js';
import {orderCaches} from './slab-order.js';
import {StatusLine} from './StatusLine.js';
import {DEFAULT_THEME, HIGH_CONTRAST_THEME, type ThemeName, withoutColor} from './theme.js';
import {TooSmall} from './TooSmall.js';
import {
  focusNext,
  initialUiState,
  move,
  nextContext,
  nextCpu,
  nextSort,
  openInput,
  type PaneId,
  toggle,
  typeKey,
  type UiContext,
  type UiState,
} from './ui-state.js';
import {ThemeContext} from './use-theme.js';
import {useTerminalSize} from './use-terminal-size.js';

export type AppProps = {
  readonly controller: Controller;
  readonly theme: ThemeName;
  readonly noColor: boolean;
  readonly onQuit: () => void;
  /** The terminal size; by default the real terminal's, followed live. */
  readonly size?: {readonly columns: number; readonly rows: number};
};

/** Rows the CPU pane would like: borders, a title, its CPUs, a header and the workloads. */
const cpuRowsWanted = (cpus: number, workloads: number) => 2 + cpus + (workloads ? 2 + workloads : 0);

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

export function App({controller, theme, noColor, onQuit, size}: AppProps) {
  const state = useSyncExternalStore(controller.subscribe, controller.getSnapshot);
  const terminal = useTerminalSize();
  const {columns, rows} = size ?? terminal;
  const vm = controller.viewModel();
  const [ui, setUi] = useState<UiState>(initialUiState);
  // Keys can arrive faster than React renders: each handler works on the latest state, never a stale one.
  const uiRef = useRef(ui);
  const set = (next: UiState) => {
    uiRef.current = next;
    setUi(next);
  };
  const lay = layout(columns, rows, {cpus: cpuRowsWanted(vm.cpus.length, vm.workloads.length), tlb: 5 + vm.cpus.length});
  const slabRows = useMemo(() => orderCaches(vm.slabs, ui.sort, ui.filter), [vm.slabs, ui.sort, ui.filter]);
  const themeValue = useMemo(() => {
    const t = theme === 'high-contrast' ? HIGH_CONTRAST_THEME : DEFAULT_THEME;
    return noColor ? withoutColor(t) : t;
  }, [theme, noColor]);

  const page = (p: PaneId) => {
    if (lay.tooSmall) return 1;
    const box = lay.panes[p];
    // The slab table's rows depend on whether the selected cache's detail takes the lower part.
    if (p === 'slabs') return Math.max(1, slabPageRows({caches: controller.viewModel().slabs, selected: uiRef.current.detail ? uiRef.current.selected : null, width: box.width, height: box.height}));
    return Math.max(1, box.height - 4);
  };
  const ctx = (): UiContext => ({
    slabRows: orderCaches(controller.viewModel().slabs, uiRef.current.sort, uiRef.current.filter).map((c) => c.name),
    page: {free: page('free'), slabs: page('slabs'), vmalloc: page('vmalloc'), tlb: page('tlb'), cpus: page('cpus'), events: page('events')},
    nrCpus: controller.viewModel().cpus.length,
  });

  const act = (a: Action) => {
    const s = uiRef.current;
    switch (a) {
      case 'quit':
        return onQuit();
      case 'toggle':
        return controller.toggle();
      case 'step':
        return controller.step(1);
      case 'step100':
        return controller.step(100);
      case 'back':
        return controller.stepBack(1);
      case 'faster':
        return controller.faster();
      case 'slower':
        return controller.slower();
      case 'focusNext':
        return set(focusNext(s, 1));
      case 'focusPrev':
        return set(focusNext(s, -1));
      case 'up':
        return set(move(s, -1, ctx()));
      case 'down':
        return set(move(s, 1, ctx()));
      case 'pageUp':
        return set(move(s, -page(s.focus), ctx()));
      case 'pageDown':
        return set(move(s, page(s.focus), ctx()));
      case 'sort':
        return set(nextSort(s));
      case 'filter':
        return set(openInput(s, 'filter'));
      case 'select': {
        if (s.focus !== 'slabs') return;
        const first = ctx().slabRows[0] ?? null;
        return set(toggle(s.selected === null ? {...s, selected: first} : s, 'detail'));
      }
      case 'types':
        return set(toggle(s, 'byType'));
      case 'cpu':
        return set(nextCpu(s, ctx().nrCpus));
      case 'context':
        return set(nextContext(s));
      case 'command':
        return set(openInput(s, 'command'));
      case 'help':
        return set(toggle(s, 'help'));
    }
  };

  const onKey = (input: string, key: Key): void => {
    const name = keyName(input, key);
    const s = uiRef.current;
    // Keys typed faster than they are read, or pasted, arrive together ("nnb", ":kfree(p)\r"): each is a key of
    // its own, in order, so none is lost and Enter inside a paste still runs the line.
    if (!key.ctrl && !key.meta && [...input].length > 1) {
      for (const ch of input) onKey(ch === '\r' || ch === '\n' ? '' : ch, charKey(key, ch));
      return;
    }
    if (name === 'ctrl-c') return onQuit();
    // A pausing note, or the help, takes the next key (q still quits).
    if (controller.getSnapshot().note) {
      if (name === 'q' && s.mode === 'keys') return onQuit();
      controller.dismissNote();
      // Space goes on with the run; any other key only closes the note.
      if (name === 'space') controller.play();
      return;
    }
    if (s.help) {
      if (name === 'q') return onQuit();
      return set(toggle(s, 'help'));
    }
    if (s.mode !== 'keys') {
      const r = typeKey(s, name, input);
      set(r.state);
      if (r.run !== undefined) controller.command(r.run, s.cpu, s.context);
      return;
    }
    const a = actionOf(name);
    if (a) act(a);
  };
  useInput(onKey);

  if (lay.tooSmall) return <TooSmall columns={columns} rows={rows} />;
  const width = columns - 1;
  const bodyHeight = rows - CHROME_ROWS;
  const p = lay.panes;
  const focused = (id: PaneId) => ui.focus === id;
  // A pausing note takes the event log's place, so the panes it talks about stay in view.
  const bottom = state.note ? (
    <NoteOverlay width={width} height={p.events.height} tick={state.note.tick} text={state.note.text} />
  ) : (
    <EventsPane {...p.events} focused={focused('events')} events={vm.events} scroll={ui.scroll.events} />
  );
  const body = ui.help ? (
    <HelpOverlay width={width} height={bodyHeight} />
  ) : (
    <Box flexDirection="column" width={width} height={bodyHeight}>
      <Box flexDirection="row">
        <Box flexDirection="column" width={lay.left}>
          <FreeAreaPane {...p.free} focused={focused('free')} zones={vm.zones} byType={ui.byType} scroll={ui.scroll.free} />
          <VmallocPane {...p.vmalloc} focused={focused('vmalloc')} vmalloc={vm.vmalloc} />
          <TlbPane {...p.tlb} focused={focused('tlb')} tlb={vm.tlb} />
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
          />
          <CpuPane {...p.cpus} focused={focused('cpus')} cpus={vm.cpus} workloads={vm.workloads} scroll={ui.scroll.cpus} />
        </Box>
      </Box>
      {bottom}
    </Box>
  );
  return (
    <ThemeContext.Provider value={themeValue}>
      <Box flexDirection="column" width={width}>
        <Header header={vm.header} running={state.running} speed={state.speed} width={width} />
        {body}
        <StatusLine width={width} mode={ui.mode} draft={ui.draft} cpu={ui.cpu} context={ui.context} command={state.command} />
        <Footer width={width} />
      </Box>
    </ThemeContext.Provider>
  );
}
