import {Box, Text} from 'ink';
import {useTheme} from './use-theme.js';

type Props = {readonly width: number; readonly height: number; readonly tick: number; readonly text: string};

/** A scenario note that paused the run: shown until a key is pressed. */
export function NoteOverlay({width, height, tick, text}: Props) {
  const t = useTheme();
  return (
    <Box width={width} height={height} flexDirection="column" borderStyle="double" borderColor={t.styles.ev_note.color} paddingX={2} paddingY={1}>
      <Text bold {...(t.styles.ev_note)}>
        Note at tick {tick}
      </Text>
      <Box marginTop={1} flexGrow={1}>
        <Text wrap="wrap">{text}</Text>
      </Box>
      <Text {...(t.styles.dim)}>Press any key to go on (the run stays paused: space resumes).</Text>
    </Box>
  );
}
