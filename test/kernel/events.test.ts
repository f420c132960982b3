import {expect, test} from 'vitest';
import {EventLog} from '../../source/kernel/events.js';

test('the event ring keeps the newest, and since() returns exactly the events from a seq on', () => {
  const log = new EventLog(4);
  for (let i = 0; i < 10; i++) log.push(i, 0, 'info', `e${i}`);
  expect(log.all().map((e) => e.text)).toEqual(['e6', 'e7', 'e8', 'e9']);
  expect(log.since(8).map((e) => e.text)).toEqual(['e8', 'e9']);
  expect(log.since(0).map((e) => e.text)).toEqual(['e6', 'e7', 'e8', 'e9']);
  expect(log.since(10)).toEqual([]);
  expect([log.count, log.dropped]).toEqual([10, 6]);
  const small = new EventLog(8);
  small.push(0, 0, 'info', 'a');
  small.push(0, 0, 'info', 'b');
  expect(small.since(1).map((e) => e.text)).toEqual(['b']);
});
