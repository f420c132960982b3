import {Box, Text} from 'ink';
import type {HeaderView} from '../session/view-model.js';
import {useTheme} from './use-theme.js';

type Props = {
  readonly header: HeaderView;
  readonly running: boolean;
  readonly speed: number;
  readonly width: number;
  /** Shown before the run state, highlighted: "● REC", "REPLAY ▶ x1 0:42/3:10". */
  readonly badge?: string | null;
};

/** Speed as a person reads it: "10 ticks/s", "flat out". */
export function speedLabel(speed: number): string {
  return speed === Infinity ? 'flat out' : `${speed} tick${speed === 1 ? '' : 's'}/s`;
}

/** One line: what runs, where it is, how fast, on what machine. */
export function Header({header, running, speed, width, badge}: Props) {
  const t = useTheme();
  const state = running ? `▶ running ${speedLabel(speed)}` : `❚❚ paused (${speedLabel(speed)})`;
  const left = ` kmemscope  ${header.scenario}  tick ${header.tick}  `;
  const right = `  seed ${header.seed}  ${header.machine} `;
  const mark = badge ? `${badge}  ` : '';
  const room = Math.max(0, width - left.length - mark.length - state.length);
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end" inverse>
        <Text bold>{left}</Text>
        {mark ? (
          <Text {...t.styles.bad} bold>
            {mark}
          </Text>
        ) : null}
        <Text {...(running ? t.styles.ok : t.styles.warn)} bold>
          {state}
        </Text>
        <Text>{right.length <= room ? right.padStart(room) : right.slice(0, room)}</Text>
      </Text>
    </Box>
  );
}
