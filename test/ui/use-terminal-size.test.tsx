// useTerminalSize: the size of the stdout Ink draws on, updated on 'resize', and a fixed size for tests.
import {EventEmitter} from 'node:events';
import {render, renderToString, Text} from 'ink';
import {expect, test} from 'vitest';
import {TerminalSizeContext, useTerminalSize} from '../../source/ui/use-terminal-size.js';

function Size() {
  const {columns, rows} = useTerminalSize();
  return <Text>{`${columns}x${rows}`}</Text>;
}

/** A terminal stdout that records what is written to it and can be resized. */
class FakeTty extends EventEmitter {
  isTTY = true;
  columns = 120;
  rows = 40;
  /** In Ink's debug mode every write is one whole frame. */
  frames: string[] = [];
  write = (s: string) => {
    this.frames.push(s);
    return true;
  };
  resize(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

test('the size follows stdout and its resize events', async () => {
  const stdout = new FakeTty();
  const app = render(<Size />, {stdout: stdout as unknown as NodeJS.WriteStream, debug: true, patchConsole: false});
  expect(stdout.frames.at(-1)).toBe('120x40');
  stdout.resize(60, 20);
  await new Promise((r) => setTimeout(r, 50)); // Ink throttles frames (30 a second)
  expect(stdout.frames.at(-1)).toBe('60x20');
  app.unmount();
  expect(stdout.listenerCount('resize')).toBe(0);
});

test('a provider fixes the size (renderToString has no terminal)', () => {
  const out = renderToString(
    <TerminalSizeContext.Provider value={{columns: 160, rows: 50}}>
      <Size />
    </TerminalSizeContext.Provider>,
    {columns: 160},
  );
  expect(out).toBe('160x50');
});
