import {Box, Text} from 'ink';
import {type Binding, KEYMAP, keyLabel} from './keymap.js';
import {useTheme} from './use-theme.js';

type Props = {readonly width: number; readonly height: number; readonly keymap?: readonly Binding<string>[]};

/** Every key and what it does, from the one keymap table. */
export function HelpOverlay({width, height, keymap = KEYMAP}: Props) {
  const t = useTheme();
  const rows = keymap.map((b) => ({keys: b.keys.map(keyLabel).join(' '), help: b.help}));
  const keyWidth = Math.max(...rows.map((r) => r.keys.length)) + 2;
  const shown = rows.slice(0, Math.max(0, height - 4));
  return (
    <Box width={width} height={height} flexDirection="column" borderStyle="double" borderColor={t.styles.borderFocused.color} paddingX={1}>
      <Text bold>Keys (any key closes this)</Text>
      {shown.map((r) => (
        <Text key={r.keys} wrap="truncate-end">
          <Text {...(t.styles.sortKey)} bold>
            {r.keys.padEnd(keyWidth)}
          </Text>
          {r.help}
        </Text>
      ))}
      {shown.length < rows.length ? <Text {...(t.styles.dim)}>…more (a bigger terminal shows every key)</Text> : null}
    </Box>
  );
}
