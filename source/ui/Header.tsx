import {Box, Text} from 'ink';
import type {HeaderView} from '../session/view-model.js';
import {clockTime, intervalLabel} from './panes/live-lines.js';
import {useTheme} from './use-theme.js';

type Props = {
  readonly header: HeaderView;
  readonly running: boolean;
  /** Ticks per second; in live mode the sampling interval in ms. */
  readonly speed: number;
  readonly width: number;
  /** Shown before the run state, highlighted: "● REC", "REPLAY ▶ x1 0:42/3:10". */
  readonly badge?: string | null;
};

/** Speed as a person reads it: "10 ticks/s", "flat out". */
export function speedLabel(speed: number): string {
  return speed === Infinity ? 'flat out' : `${speed} tick${speed === 1 ? '' : 's'}/s`;
}

/** A long --proc-root keeps its end (the part that names the capture), so the run state stays on the line. */
const SOURCE_CELLS = 24;
const MIN_SOURCE_CELLS = 8;
const tail = (text: string, cells: number): string => (text.length <= cells ? text : '…' + text.slice(text.length - cells + 1));

/**
 * The header's three parts: what and where (left), the run state (highlighted), the machine (right). `room`: the
 * cells left and state may take (live mode shortens its source to keep the run state on the line).
 */
export function headerParts(header: HeaderView, running: boolean, speed: number, room = Infinity): {left: string; state: string; right: string} {
  const l = header.live;
  if (l) {
    // Live: the sample shown of the newest taken, when it was taken, where from; no seed (nothing is random).
    const frozen = running ? '' : ' (frozen)';
    const every = intervalLabel(speed);
    const state = running ? `▶ live every ${every}` : `❚❚ paused (every ${every})`;
    const rest = `  sample ${l.sample}/${l.newest}${frozen}  ${clockTime(l.time)}  `;
    const cells = Math.max(MIN_SOURCE_CELLS, Math.min(SOURCE_CELLS, room - ' kmemscope live  '.length - rest.length - state.length));
    return {left: ` kmemscope live  ${tail(l.source, cells)}${rest}`, state, right: `  ${header.machine} `};
  }
  return {
    left: ` kmemscope  ${header.scenario}  tick ${header.tick}  `,
    state: running ? `▶ running ${speedLabel(speed)}` : `❚❚ paused (${speedLabel(speed)})`,
    right: `  seed ${header.seed}  ${header.machine} `,
  };
}

/** One line: what runs, where it is, how fast, on what machine (live: which sample of the host, when, from where). */
export function Header({header, running, speed, width, badge}: Props) {
  const t = useTheme();
  const mark = badge ? `${badge}  ` : '';
  const {left, state, right} = headerParts(header, running, speed, width - mark.length);
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
