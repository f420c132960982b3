import {Box, Text} from 'ink';
import type {ContextName} from '../kernel/context.js';
import type {CommandResult} from '../session/controller.js';
import type {InputMode} from './ui-state.js';
import {useTheme} from './use-theme.js';

type Props = {
  readonly width: number;
  readonly mode: InputMode;
  readonly draft: string;
  readonly cpu: number;
  readonly context: ContextName;
  readonly command: CommandResult | null;
  /** A one-line message that wins over the last command's result (recording started, a replay's divergence...). */
  readonly notice?: {readonly text: string; readonly tone: 'ok' | 'warn' | 'bad'} | null;
  /** What the line says when there is nothing else to say (live mode: the kept samples, not the command line). */
  readonly idle?: string | undefined;
};

/** The command line while it is open (with where its kcall will run), else the last command's result. */
export function StatusLine({width, mode, draft, cpu, context, command, notice, idle}: Props) {
  const t = useTheme();
  if (mode === 'command') {
    return (
      <Box width={width} height={1}>
        <Text wrap="truncate-start">
          <Text {...(t.styles.header)} bold>{` @cpu${cpu}:${context} : `}</Text>
          <Text>{draft}</Text>
          <Text inverse> </Text>
        </Text>
      </Box>
    );
  }
  if (mode === 'filter' || mode === 'marker') {
    return (
      <Box width={width} height={1}>
        <Text wrap="truncate-start">
          <Text {...(t.styles.header)} bold>{mode === 'filter' ? ' filter caches / ' : ' marker label (Enter: none) : '}</Text>
          <Text>{draft}</Text>
          <Text inverse> </Text>
        </Text>
      </Box>
    );
  }
  if (notice) {
    return (
      <Box width={width} height={1}>
        <Text wrap="truncate-end" {...t.styles[notice.tone]}>{` ${notice.text}`}</Text>
      </Box>
    );
  }
  if (command) {
    return (
      <Box width={width} height={1}>
        <Text wrap="truncate-end">
          <Text {...(t.styles.header)}>{` ${command.text}`}</Text>
          <Text {...(command.ok ? t.styles.ok : t.styles.bad)}>{command.ok ? `  =>  ${command.output}` : `  error: ${command.output}`}</Text>
        </Text>
      </Box>
    );
  }
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end" {...(t.styles.dim)}>{idle ?? ` : runs a kernel call on @cpu${cpu}:${context} (c: CPU, x: context)`}</Text>
    </Box>
  );
}
