import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, zeroCrossingHz } from '../testkit/audio.js';
import { turnsWhile } from '../testkit/event-loop.js';
import { RateConverter, StreamingRateConverter } from './resample.js';

const sine = (rate: number, hz: number, n: number, amp = 8000): Int16Array =>
  Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)));

const rms = (x: Int16Array): number => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);

function streamed(c: StreamingRateConverter, input: Int16Array, chunk: number): Int16Array {
  const parts: Int16Array[] = [];
  for (let off = 0; off < input.length; off += chunk) parts.push(c.push(input.subarray(off, off + chunk)));
  return concat(...parts, c.flush());
}

test('rate converter: 22050 → 8000 keeps a 1 kHz tone and the duration', () => {
  const out = new RateConverter(22050, 8000).convert(sine(22050, 1000, 22050, 10000));
  assert.equal(out.length, 8000);
  assert.ok(Math.abs(zeroCrossingHz(out.subarray(200, 7800)) - 1000) < 0.5);
});

test('rate converter: content above the new Nyquist frequency is removed (16 kHz → 8 kHz, 6 kHz tone)', () => {
  const out = new RateConverter(16000, 8000).convert(sine(16000, 6000, 16000));
  assert.ok(rms(out.subarray(100, -100)) < 200, `rms ${rms(out.subarray(100, -100))}`);
});

test('rate converter: a rate pair with more phases than kept (44101 Hz) rounds the phase and keeps tone and length', () => {
  const c = new RateConverter(44101, 8000);
  const out = c.convert(sine(44101, 1000, 44101));
  assert.equal(out.length, c.outputLength(44101));
  assert.equal(out.length, 8000);
  assert.ok(Math.abs(zeroCrossingHz(out.subarray(200, 7800)) - 1000) < 0.5);
  // Against the ideal 8 kHz samples of the same tone, rounding the phase costs no more than a few LSB
  // over the exact filter of the nearest rate pair (44100 Hz).
  const ideal = sine(8000, 1000, 8000);
  const error = (x: Int16Array): number => {
    let worst = 0;
    for (let i = 200; i < 7800; i++) worst = Math.max(worst, Math.abs(x[i] - ideal[i]));
    return worst;
  };
  const exact = error(new RateConverter(44100, 8000).convert(sine(44100, 1000, 44100)));
  assert.ok(error(out) <= exact + 4, `error ${error(out)} with rounded phases, ${exact} with exact ones`);
});

test('rate converter: rates outside 1–384 kHz are refused', () => {
  assert.throws(() => new RateConverter(999, 8000), RangeError);
  assert.throws(() => new RateConverter(4_294_967_295, 8000), RangeError);
  assert.throws(() => new StreamingRateConverter(8000, 384_001), RangeError);
  assert.throws(() => new RateConverter(22050.5, 8000), RangeError);
});

test('rate converter: the slice-by-slice conversion equals the one-pass one and lets the event loop through between slices', async () => {
  const c = new RateConverter(22050, 8000);
  const input = Int16Array.from({ length: 22050 * 2 }, (_, i) => Math.round(8000 * Math.sin(i / 7) + 3000 * Math.sin(i / 31)));
  const { result: sliced, turns } = await turnsWhile(() => c.convertYielding(input, 1000));
  assert.deepEqual([...sliced], [...c.convert(input)]);
  // 16000 outputs in slices of 1000: 15 pauses, and another task ran in each of them.
  assert.ok(turns >= 15, `other tasks ran ${turns} times`);
});

test('streaming rate converter: chunked input gives exactly the whole-buffer conversion, exact and rounded phases', () => {
  for (const rate of [24000, 44101]) {
    const input = sine(rate, 440, rate);
    const whole = new RateConverter(rate, 8000).convert(input);
    for (const chunk of [1, 7, 337]) assert.deepEqual(streamed(new StreamingRateConverter(rate, 8000), input, chunk), whole, `${rate} Hz in chunks of ${chunk}`);
  }
  const up = new StreamingRateConverter(8000, 16000);
  assert.equal(up.push(new Int16Array(160)).length + up.flush().length, 320);
});
