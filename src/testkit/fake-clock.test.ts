import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClockError } from '../kernel/clock.js';
import { FakeClock } from './fake-clock.js';

test('fake clock: a delay past 2^31-1 ms fires when due, not at once', () => {
  const clock = new FakeClock();
  let fired = 0;
  clock.setTimer(2 ** 31, () => fired++);
  clock.advance(1);
  assert.equal(fired, 0);
  clock.advance(2 ** 31 - 2);
  assert.equal(fired, 0);
  clock.advance(1);
  assert.equal(fired, 1);
});

test('fake clock: non-finite delays throw CLOCK_BAD_DELAY like the real clock; a negative one is due now', () => {
  const clock = new FakeClock();
  for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assert.throws(() => clock.setTimer(ms, () => undefined), (e: unknown) => e instanceof ClockError && e.code === 'CLOCK_BAD_DELAY', String(ms));
  }
  assert.equal(clock.pendingCount, 0);
  let fired = false;
  clock.setTimer(-5, () => { fired = true; });
  clock.advance(0);
  assert.equal(fired, true);
});
