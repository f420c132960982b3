import {Box, Text} from 'ink';
import {useTheme} from './use-theme.js';

type Props = {readonly width: number; readonly height: number; readonly tick: number; readonly text: string};

/** A scenario note that paused the run: shown until a key is pressed. */
export function NoteOverlay({width, height, tick, text}: Props) {
  const t = useTheme();
  return (
    <Box width={width} height={height} flexDirection="column" borderStyle="double" borderColor={t.styles.ev_note.color} paddingX={1}>
      <Text wrap="truncate-end">
        <Text bold {...t.styles.ev_note}>
          {`Note at tick ${tick}`}
        </Text>
        <Text {...t.styles.dim}>{'   space: go on   any other key: close, stay paused'}</Text>
      </Text>
      <Box flexGrow={1} overflow="hidden">
        <Text wrap="wrap">{text}</Text>
      </Box>
    </Box>
  );
}
