// The terminal's size in columns and rows, live: Ink (6.8) re-lays out on stdout 'resize' but offers no hook for
// the size, so the dashboard reads stdout.columns/rows itself and re-renders when they change.
//
// Our listener is prepended, so on a resize React has the new size before Ink's own resize handler draws:
// the first frame after a resize is already laid out for the new size, not the old layout squeezed into it.
//
// Tests and renderToString have no terminal (ink-testing-library's stdout has 100 columns and no rows; under
// renderToString useStdout gives process.stdout): they fix the size with
// <TerminalSizeContext.Provider value={{columns: 160, rows: 50}}>.
import {useStdout} from 'ink';
import {createContext, useContext, useEffect, useState} from 'react';

export type TerminalSize = {readonly columns: number; readonly rows: number};

/** What a stdout that does not know its size (not a terminal) is taken to be. */
export const FALLBACK_SIZE: TerminalSize = {columns: 80, rows: 24};

/** A fixed size for tests and renderToString; null (the default) reads the real stdout. */
export const TerminalSizeContext = createContext<TerminalSize | null>(null);

function sizeOf(stdout: NodeJS.WriteStream): TerminalSize {
  return {columns: stdout.columns || FALLBACK_SIZE.columns, rows: stdout.rows || FALLBACK_SIZE.rows};
}

export function useTerminalSize(): TerminalSize {
  const fixed = useContext(TerminalSizeContext);
  const {stdout} = useStdout();
  const [size, setSize] = useState<TerminalSize>(() => sizeOf(stdout));
  useEffect(() => {
    if (fixed) return undefined;
    const update = () => {
      const next = sizeOf(stdout);
      setSize((prev) => (prev.columns === next.columns && prev.rows === next.rows ? prev : next));
    };
    stdout.prependListener('resize', update);
    update(); // a resize between the first render and this effect
    return () => {
      stdout.off('resize', update);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}
