import {Box, Text} from 'ink';
import {MIN_COLS, MIN_ROWS} from './layout.js';

type Props = {readonly columns: number; readonly rows: number};

/** Below the minimum size: what size is needed, and how to quit. */
export function TooSmall({columns, rows}: Props) {
  return (
    <Box flexDirection="column" width={Math.max(1, columns - 1)}>
      <Text wrap="wrap" bold>
        kmemscope needs a terminal of at least {MIN_COLS}x{MIN_ROWS}; this one is {columns}x{rows}.
      </Text>
      <Text wrap="wrap">Make the window bigger or the font smaller. q quits.</Text>
    </Box>
  );
}
