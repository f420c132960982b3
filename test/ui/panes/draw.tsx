// Helpers for the pane tests: a view model from a real session of a shipped scenario, a pane drawn to a string
// (ink's renderToString) under a theme, and the checks every pane must pass (exactly its box, no colour under
// NO_COLOR).
import chalk from 'chalk';
import {renderToString} from 'ink';
import type {ReactElement} from 'react';
import {expect} from 'vitest';
import {openScenario} from '../../../source/session/open-scenario.js';
import {Session} from '../../../source/session/session.js';
import {buildViewModel, type ViewModel} from '../../../source/session/view-model.js';
import {DEFAULT_THEME, type Theme} from '../../../source/ui/theme.js';
import {ThemeContext} from '../../../source/ui/use-theme.js';

const sessions = new Map<string, ViewModel>();

/** The view model of a shipped scenario after `ticks` ticks (each distinct run made once per test file). */
export function viewAt(scenario: string, ticks: number): ViewModel {
  const key = `${scenario}@${ticks}`;
  let vm = sessions.get(key);
  if (!vm) {
    const r = openScenario(scenario);
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const s = Session.create(r.scenario);
    if (!s.ok) throw new Error(JSON.stringify(s.error));
    s.session.runTicks(ticks);
    vm = buildViewModel(s.session);
    sessions.set(key, vm);
  }
  return vm;
}

const ANSI = /\x1b\[[0-9;]*m/g;
export const strip = (s: string): string => s.replace(ANSI, '');

/** SGR parameters that set a colour: 30-38 and 40-48 (and their resets 39/49), 90-97, 100-107. */
export const COLOUR_SGR = /\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/;

/** Draw with colour forced on (the test runner's stdout is no terminal, so chalk would write none). */
export function drawRaw(el: ReactElement, width: number, theme: Theme = DEFAULT_THEME): string {
  const level = chalk.level;
  chalk.level = 3;
  try {
    return renderToString(<ThemeContext.Provider value={theme}>{el}</ThemeContext.Provider>, {columns: width + 10});
  } finally {
    chalk.level = level;
  }
}

/** The screen lines of a pane, escape codes removed. */
export function draw(el: ReactElement, width: number, theme: Theme = DEFAULT_THEME): string[] {
  return strip(drawRaw(el, width, theme)).split('\n');
}

/** Exactly the box: `height` lines of exactly `width` cells, framed. */
export function expectBox(lines: readonly string[], width: number, height: number): void {
  expect(lines.length).toBe(height);
  for (const l of lines) expect([...l].length, JSON.stringify(l)).toBe(width);
  expect(lines[0]).toMatch(/^[┌╔]/);
  expect(lines[0]).toMatch(/[┐╗]$/);
  expect(lines[height - 1]).toMatch(/^[└╚][─═]*[┘╝]$/);
  for (const l of lines.slice(1, -1)) expect(l).toMatch(/^[│║].*[│║]$/);
}

/** The inside of the box: the content rows without the border. */
export const body = (lines: readonly string[]): string[] => lines.slice(1, -1).map((l) => [...l].slice(1, -1).join(''));

/** The numbers in a piece of text, in order. */
export const numbers = (s: string): number[] => (s.match(/\d+(?:\.\d+)?/g) ?? []).map(Number);
