// runDashboard with a tiny stand-in for the App, run by e2e.test.ts in tmux (node --import tsx ...): the ways a
// dashboard ends that the real App cannot be made to take on purpose - a key handler that throws, a render that
// throws - next to q, Ctrl-C and the signals. Usage: stand-in-dashboard.tsx <scenario>
import {Box, Text, useInput} from 'ink';
import {useState, useSyncExternalStore} from 'react';
import {openScenario} from '../../source/session/open-scenario.js';
import {Session} from '../../source/session/session.js';
import type {AppProps} from '../../source/ui/App.js';
import {runDashboard} from '../../source/ui/run-dashboard.js';
import {useTerminalSize} from '../../source/ui/use-terminal-size.js';

/** q and Ctrl-C quit, space pauses; x throws in the key handler, r makes the next render throw. */
function StandIn({controller, onQuit}: AppProps) {
  const state = useSyncExternalStore(controller.subscribe, controller.getSnapshot);
  const {columns, rows} = useTerminalSize();
  const [broken, setBroken] = useState(false);
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) onQuit();
    else if (input === ' ') controller.toggle();
    else if (input === 'x') throw new Error('a key handler went wrong');
    else if (input === 'r') setBroken(true);
  });
  if (broken) throw new Error('a render went wrong');
  return (
    <Box flexDirection="column" height={rows}>
      <Text>{`stand-in  ${controller.viewModel().header.scenario}  tick ${state.tick}  ${state.running ? 'running' : 'paused'}  ${columns}x${rows}`}</Text>
    </Box>
  );
}

const r = openScenario(process.argv[2] ?? 'tour');
if (!r.ok) throw new Error(`stand-in: ${JSON.stringify(r.error)}`);
const s = Session.create(r.scenario);
if (!s.ok) throw new Error(`stand-in: ${JSON.stringify(s.error)}`);
runDashboard({session: s.session, app: StandIn, theme: 'default', noColor: false, speed: 10});
