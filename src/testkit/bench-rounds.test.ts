import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BenchRoundsError, formatSpread, interleaved, medianRatio, parseRounds, spread } from './bench-rounds.js';

test('spread: the median of an odd count is the middle value, whatever the order', () => {
  assert.deepEqual(spread([9, 1, 5, 7, 3]), { median: 5, min: 1, max: 9, runs: 5 });
});

test('spread: the median of an even count is the mean of the two middle values', () => {
  assert.deepEqual(spread([400, 100, 300, 200]), { median: 250, min: 100, max: 400, runs: 4 });
});

test('spread: one slow run does not move the median (a noisy machine does not decide)', () => {
  const s = spread([55, 57, 21, 58, 56]);
  assert.equal(s.median, 56);
  assert.equal(s.min, 21);
});

test('spread: values that are not finite (a column a run could not measure) are left out', () => {
  assert.deepEqual(spread([Number.NaN, 2, 4, Number.POSITIVE_INFINITY]), { median: 3, min: 2, max: 4, runs: 2 });
  const none = spread([Number.NaN]);
  assert.ok(Number.isNaN(none.median) && Number.isNaN(none.min) && Number.isNaN(none.max));
  assert.equal(none.runs, 0);
});

test('medianRatio: the ratio of the medians, not the median of per-round ratios', () => {
  assert.equal(medianRatio([10, 30, 20], [10, 10, 40]), 2);
  assert.ok(Number.isNaN(medianRatio([1], [0])), 'no baseline, no ratio');
});

test('formatSpread: median with the min–max, and the median alone for one run', () => {
  assert.equal(formatSpread(spread([1.234, 5, 3.5])), '3.50 (1.23–5.00)');
  assert.equal(formatSpread(spread([1200, 800, 1000]), 0), '1000 (800–1200)');
  assert.equal(formatSpread(spread([7])), '7.00');
  assert.equal(formatSpread(spread([Number.NaN])), '-');
});

test('interleaved: the sides alternate round by round (ours, base, ours, base …) and results are kept per side', async () => {
  const order: string[] = [];
  const seen: string[] = [];
  const r = await interleaved(
    3,
    [
      { name: 'ours', run: async (round) => { order.push(`ours${round}`); return round * 10; } },
      { name: 'base', run: async (round) => { order.push(`base${round}`); return round * 100; } },
    ],
    (side, round, value) => seen.push(`${side}${round}=${value}`),
  );
  assert.deepEqual(order, ['ours0', 'base0', 'ours1', 'base1', 'ours2', 'base2']);
  assert.deepEqual(r, { ours: [0, 10, 20], base: [0, 100, 200] });
  assert.deepEqual(seen, ['ours0=0', 'base0=0', 'ours1=10', 'base1=100', 'ours2=20', 'base2=200']);
});

test('interleaved: a side starts only after the previous one has finished (no overlap on the machine)', async () => {
  let running = 0;
  let most = 0;
  const side = (name: string) => ({
    name,
    run: async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return 0;
    },
  });
  await interleaved(2, [side('a'), side('b')]);
  assert.equal(most, 1);
});

test('parseRounds: BENCH_ROUNDS unset or empty gives the bench default; a positive integer is taken', () => {
  assert.equal(parseRounds(undefined, 5), 5);
  assert.equal(parseRounds('', 3), 3);
  assert.equal(parseRounds('7', 5), 7);
});

test('parseRounds: anything but a positive integer is refused with BENCH_BAD_ROUNDS', () => {
  for (const bad of ['0', '-2', '2.5', 'five', 'NaN']) {
    assert.throws(() => parseRounds(bad, 5), (e: unknown) => e instanceof BenchRoundsError && e.code === 'BENCH_BAD_ROUNDS', bad);
  }
});
