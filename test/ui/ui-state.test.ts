// The dashboard's own state, key by key, without React.
import {describe, expect, test} from 'vitest';
import {actionOf, KEYMAP, keyName} from '../../source/ui/keymap.js';
import {focusNext, initialUiState, move, nextContext, nextCpu, nextSort, openInput, PANES, typeKey, type UiContext, type UiState} from '../../source/ui/ui-state.js';
import type {Key} from 'ink';

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
} as Key;

const ctx: UiContext = {slabRows: ['a', 'b', 'c', 'd', 'e'], page: {free: 3, slabs: 2, vmalloc: 3, tlb: 3, cpus: 3, events: 3}, nrCpus: 2};

describe('the keymap', () => {
  test('every key the issue names is bound, and no key twice', () => {
    const keys = KEYMAP.flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
    const want: Record<string, string> = {
      space: 'toggle', n: 'step', right: 'step', N: 'step100', b: 'back', left: 'back', '+': 'faster', '-': 'slower',
      tab: 'focusNext', 'shift-tab': 'focusPrev', up: 'up', down: 'down', pageup: 'pageUp', pagedown: 'pageDown',
      s: 'sort', '/': 'filter', ':': 'command', '?': 'help', q: 'quit', 'ctrl-c': 'quit',
    };
    for (const [k, a] of Object.entries(want)) expect(actionOf(k), k).toBe(a);
  });

  test("Ink's key flags become names", () => {
    expect(keyName(' ', NO_KEY)).toBe('space');
    expect(keyName('', {...NO_KEY, tab: true, shift: true})).toBe('shift-tab');
    expect(keyName('c', {...NO_KEY, ctrl: true})).toBe('ctrl-c');
    expect(keyName('', {...NO_KEY, rightArrow: true})).toBe('right');
    expect(keyName('', {...NO_KEY, pageDown: true})).toBe('pagedown');
    expect(keyName('N', NO_KEY)).toBe('N');
  });
});

describe('focus and scrolling', () => {
  test('tab walks the panes in order and wraps; shift-tab goes back', () => {
    let s = initialUiState();
    const seen = [];
    for (let i = 0; i < PANES.length; i++) {
      seen.push(s.focus);
      s = focusNext(s, 1);
    }
    expect(seen).toEqual([...PANES]);
    expect(s.focus).toBe('free');
    expect(focusNext(s, -1).focus).toBe('events');
  });

  test('in the slab table the arrows move the selection and the scroll follows it', () => {
    let s: UiState = {...initialUiState(), focus: 'slabs'};
    s = move(s, 1, ctx);
    expect([s.selected, s.scroll.slabs]).toEqual(['a', 0]);
    s = move(move(s, 1, ctx), 1, ctx);
    expect([s.selected, s.scroll.slabs]).toEqual(['c', 1]);
    s = move(s, 10, ctx);
    expect([s.selected, s.scroll.slabs]).toEqual(['e', 3]);
    s = move(s, -4, ctx);
    expect([s.selected, s.scroll.slabs]).toEqual(['a', 0]);
  });

  test('other panes scroll, never below 0; events scroll back from the newest', () => {
    let s = move(initialUiState(), 3, ctx);
    expect(s.scroll.free).toBe(3);
    s = move(s, -10, ctx);
    expect(s.scroll.free).toBe(0);
    s = {...s, focus: 'events'};
    expect(move(s, -1, ctx).scroll.events).toBe(1);
    expect(move(s, 1, ctx).scroll.events).toBe(0);
  });

  test('s cycles the sort column; c and x pick where command-line kcalls run', () => {
    const s = initialUiState();
    expect(nextSort(s).sort).toBe('total');
    expect(nextCpu(nextCpu(s, 2), 2).cpu).toBe(0);
    expect(nextContext(nextContext(s)).context).toBe('hardirq');
  });
});

describe('typing', () => {
  test('the command line takes every character, pasted text too, and Enter gives the line to run', () => {
    let s = openInput(initialUiState(), 'command');
    s = typeKey(s, 'k', 'k').state;
    s = typeKey(s, 'malloc(5000, GFP_ATOMIC)', 'malloc(5000, GFP_ATOMIC)').state;
    s = typeKey(s, 'backspace', '').state;
    s = typeKey(s, ')', ')').state;
    // Letters that are also key names (n, b, q) are text here.
    expect(s.draft).toBe('kmalloc(5000, GFP_ATOMIC)');
    const r = typeKey(s, 'enter', '\r');
    expect(r.run).toBe('kmalloc(5000, GFP_ATOMIC)');
    expect(r.state).toMatchObject({mode: 'keys', draft: '', history: ['kmalloc(5000, GFP_ATOMIC)']});
  });

  test('Up and Down walk the command history; Esc closes without running', () => {
    let s = openInput({...initialUiState(), history: ['a = kmalloc(1, GFP_KERNEL)', 'kfree(a)']}, 'command');
    s = typeKey(s, 'up', '').state;
    expect(s.draft).toBe('kfree(a)');
    s = typeKey(s, 'up', '').state;
    expect(s.draft).toBe('a = kmalloc(1, GFP_KERNEL)');
    s = typeKey(s, 'down', '').state;
    s = typeKey(s, 'down', '').state;
    expect(s.draft).toBe('');
    const r = typeKey(s, 'escape', '');
    expect(r.run).toBeUndefined();
    expect(r.state.mode).toBe('keys');
  });

  test('the filter applies as it is typed; Enter keeps it, Esc clears it', () => {
    let s = openInput(initialUiState(), 'filter');
    expect(s.focus).toBe('slabs');
    s = typeKey(s, 'km', 'km').state;
    expect(s.filter).toBe('km');
    expect(typeKey(s, 'enter', '\r').state).toMatchObject({mode: 'keys', filter: 'km'});
    expect(typeKey(s, 'escape', '').state).toMatchObject({mode: 'keys', filter: ''});
  });
});
