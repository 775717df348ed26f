import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClockError, MAX_TIMER_MS, createSystemClock, systemClock } from './clock.js';

const isBadDelay = (e: unknown): boolean => e instanceof ClockError && e.code === 'CLOCK_BAD_DELAY';

test('setTimer refuses a delay that is not a finite number (NaN, ±Infinity) with CLOCK_BAD_DELAY', () => {
  for (const ms of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    assert.throws(() => systemClock.setTimer(ms, () => undefined), isBadDelay, String(ms));
  }
});

test('a delay of 2^31 ms does not fire at once (Node would clamp it to 1 ms)', async () => {
  let fired = false;
  const t = systemClock.setTimer(2 ** 31, () => { fired = true; });
  try {
    // Node fires an overflowing setTimeout after 1 ms; give it ample time to show that bug.
    await new Promise<void>((r) => setTimeout(r, 30));
    assert.equal(fired, false);
  } finally {
    t.cancel();
  }
});

test('a delay longer than one timer can hold is chained: it fires once, not before it is due', async () => {
  const clock = createSystemClock({ maxTimerMs: 5 });
  const start = performance.now();
  const firedAt = await new Promise<number>((resolve) => clock.setTimer(23, () => resolve(performance.now())));
  assert.ok(firedAt - start >= 22, `fired after ${(firedAt - start).toFixed(1)} ms`);
});

test('cancel stops a chained timer between its links', async () => {
  const clock = createSystemClock({ maxTimerMs: 5 });
  let fired = false;
  const t = clock.setTimer(20, () => { fired = true; });
  await new Promise<void>((r) => setTimeout(r, 8));
  t.cancel();
  await new Promise<void>((r) => setTimeout(r, 30));
  assert.equal(fired, false);
});

test('MAX_TIMER_MS is the largest delay setTimeout honours', () => {
  assert.equal(MAX_TIMER_MS, 2 ** 31 - 1);
});
