import {Box, Text} from 'ink';
import {type Binding, KEYMAP, keyLabel} from './keymap.js';
import {useTheme} from './use-theme.js';

type Props = {
  readonly width: number;
  readonly height: number;
  readonly keymap?: readonly Binding<string>[];
  /** Lines under the keys (live mode: what ▲ ▼ ? - ! mean), shown when there is room after every key. */
  readonly legend?: readonly string[];
};

/** Every key and what it does, from the one keymap table. */
export function HelpOverlay({width, height, keymap = KEYMAP, legend = []}: Props) {
  const t = useTheme();
  const rows = keymap.map((b) => ({keys: b.keys.map(keyLabel).join(' '), help: b.help}));
  const keyWidth = Math.max(...rows.map((r) => r.keys.length)) + 2;
  const shown = rows.slice(0, Math.max(0, height - 4));
  const room = height - 4 - shown.length;
  const notes = shown.length === rows.length && room > legend.length ? legend : [];
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
      {notes.length ? <Text> </Text> : null}
      {notes.map((n) => (
        <Text key={n} wrap="truncate-end" {...(t.styles.label)}>
          {n}
        </Text>
      ))}
    </Box>
  );
}
