import {Box, Text} from 'ink';
import {type Binding, FOOTER_FIRST, KEYMAP, keyLabel} from './keymap.js';
import {useTheme} from './use-theme.js';

type Props = {readonly width: number; readonly keymap?: readonly Binding<string>[]};

/** The keys, always on screen: quit and help first, then the bindings with a footer label in table order; ? has the rest. */
export function Footer({width, keymap = KEYMAP}: Props) {
  const t = useTheme();
  const shown = keymap.filter((b) => b.footer);
  const ordered = [...shown.filter((b) => FOOTER_FIRST.includes(b.action)).sort((a, b) => FOOTER_FIRST.indexOf(a.action) - FOOTER_FIRST.indexOf(b.action)), ...shown.filter((b) => !FOOTER_FIRST.includes(b.action))];
  const items = ordered.map((b) => ({keys: b.keys.map(keyLabel).join('/'), label: b.footer as string}));
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">
        {items.map((it, i) => (
          <Text key={it.label}>
            {i > 0 ? '  ' : ' '}
            <Text {...(t.styles.sortKey)} bold>
              {it.keys}
            </Text>
            <Text> {it.label}</Text>
          </Text>
        ))}
      </Text>
    </Box>
  );
}
