import {Box, Text} from 'ink';
import type {HeaderView} from '../session/view-model.js';
import {useTheme} from './use-theme.js';

type Props = {readonly header: HeaderView; readonly running: boolean; readonly speed: number; readonly width: number};

/** Speed as a person reads it: "10 ticks/s", "flat out". */
export function speedLabel(speed: number): string {
  return speed === Infinity ? 'flat out' : `${speed} tick${speed === 1 ? '' : 's'}/s`;
}

/** One line: what runs, where it is, how fast, on what machine. */
export function Header({header, running, speed, width}: Props) {
  const t = useTheme();
  const state = running ? `▶ running ${speedLabel(speed)}` : `❚❚ paused (${speedLabel(speed)})`;
  const left = ` kmemscope  ${header.scenario}  tick ${header.tick}  `;
  const right = `  seed ${header.seed}  ${header.machine} `;
  const room = Math.max(0, width - left.length - state.length);
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end" inverse>
        <Text bold>{left}</Text>
        <Text {...(running ? t.styles.ok : t.styles.warn)} bold>
          {state}
        </Text>
        <Text>{right.length <= room ? right.padStart(room) : right.slice(0, room)}</Text>
      </Text>
    </Box>
  );
}
