import assert from 'node:assert/strict';
import { test } from 'node:test';
import { datePhase, LocalTimes } from './schedule.js';

const weekdays = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, start: '09:00', end: '20:00' }];

test('a window is judged in the contact\'s own timezone: 08:30 UTC is 09:30 in Berlin (open) and 03:30 in New York (closed)', () => {
  const t = new LocalTimes();
  const wed0830z = Date.parse('2026-12-02T08:30:00Z');
  assert.deepEqual(t.at(wed0830z, 'Europe/Berlin'), { day: 'wed', minutes: 9 * 60 + 30 });
  assert.equal(t.open(weekdays, wed0830z, 'Europe/Berlin'), true);
  assert.equal(t.open(weekdays, wed0830z, 'America/New_York'), false);
  assert.equal(t.open(weekdays, Date.parse('2026-12-05T10:00:00Z'), 'Europe/Berlin'), false, 'Saturday');
  assert.equal(t.open(weekdays, Date.parse('2026-12-02T19:00:00Z'), 'Europe/Berlin'), false, '20:00 is the exclusive end');
  assert.equal(t.open(undefined, wed0830z, 'UTC'), true, 'no windows: any time');
});

test('"24:00" ends a window at midnight', () => {
  const t = new LocalTimes();
  const w = [{ days: ['wed'] as const, start: '18:00', end: '24:00' }];
  assert.equal(t.open(w, Date.parse('2026-12-02T23:59:00Z'), 'UTC'), true);
  assert.equal(t.open(w, Date.parse('2026-12-03T00:00:00Z'), 'UTC'), false);
});

test('start and end dates', () => {
  const s = { start_at: '2026-12-01T00:00:00Z', end_at: '2026-12-10T00:00:00Z' };
  assert.equal(datePhase(s, Date.parse('2026-11-30T23:59:59Z')), 'before');
  assert.equal(datePhase(s, Date.parse('2026-12-05T00:00:00Z')), 'open');
  assert.equal(datePhase(s, Date.parse('2026-12-10T00:00:00Z')), 'ended');
  assert.equal(datePhase(undefined, 0), 'open');
});
