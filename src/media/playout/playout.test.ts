import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FakeClock } from '../../testkit/fake-clock.js';
import { tones, wavBytes, zeroCrossingHz } from '../../testkit/audio.js';
import { turnsWhile } from '../../testkit/event-loop.js';
import {
  decodeRaw, decodeWav, decodeWavYielding, encodeWav, fileSource, MediaSourceError, pcmSource, PlayoutScheduler, sequenceSource, silenceSource,
} from './index.js';
import { ULAW_ENCODE } from '../codec/g711.js';

const AUDIO = fileURLToPath(new URL('../../../test/audio', import.meta.url));

test('WAV: 16-bit 8 kHz file decodes to its samples', () => {
  const pcm = decodeWav(readFileSync(`${AUDIO}/beep_1000hz_500ms_8k.wav`));
  assert.equal(pcm.length, 4000);
  assert.ok(Math.abs(zeroCrossingHz(pcm.subarray(400, 3600)) - 1000) < 1);
});

test('WAV: 8-bit unsigned, µ-law, A-law, stereo and 22.05 kHz all come out as 8 kHz mono', () => {
  const tone = tones([700], 200, 10000);
  const u8 = Buffer.concat([wavHeaderFor(1, 8, 8000, 1, tone.length), Buffer.from(tone.map((v) => (v >> 8) + 128))]);
  assert.ok(Math.abs(zeroCrossingHz(decodeWav(u8)) - 700) < 2);
  const mu = Buffer.concat([wavHeaderFor(7, 8, 8000, 1, tone.length), Buffer.from(tone.map((v) => ULAW_ENCODE[v & 0xffff]))]);
  assert.ok(Math.abs(zeroCrossingHz(decodeWav(mu)) - 700) < 2);
  const stereo = new Int16Array(tone.length * 2);
  tone.forEach((v, i) => { stereo[2 * i] = v; stereo[2 * i + 1] = v; });
  assert.equal(decodeWav(wavBytes(stereo, 8000, 2)).length, tone.length);
  const hi = Int16Array.from({ length: 22050 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 22050)));
  const down = decodeWav(wavBytes(hi, 22050));
  assert.ok(Math.abs(down.length - 8000) <= 1);
  assert.ok(Math.abs(zeroCrossingHz(down.subarray(100, 7900)) - 1000) < 1);
  assert.throws(() => decodeWav(Buffer.from('nope')), MediaSourceError);
});

test('WAV in slices (the call path): the same samples as one pass, with other tasks running in between', async () => {
  const frames = 48000 * 3;
  // 24-bit stereo at 48 kHz (the mixing path), 16-bit mono at 16 kHz (the one-copy path), 8 kHz (no conversion).
  const stereo24 = Buffer.alloc(frames * 6);
  for (let i = 0; i < frames; i++) {
    stereo24.writeIntLE(Math.round(2e6 * Math.sin((2 * Math.PI * 700 * i) / 48000)), 6 * i, 3);
    stereo24.writeIntLE(Math.round(1e6 * Math.sin((2 * Math.PI * 300 * i) / 48000)), 6 * i + 3, 3);
  }
  const files = [
    Buffer.concat([wavHeaderFor(1, 24, 48000, 2, frames), stereo24]),
    wavBytes(Int16Array.from({ length: 48000 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 16000))), 16000),
    wavBytes(tones([1000], 3000, 8000)),
  ];
  for (const wav of files) {
    const { result: sliced, turns } = await turnsWhile(() => decodeWavYielding(wav));
    assert.deepEqual(sliced, decodeWav(wav));
    assert.equal(sliced.length, 24000);
    if (wav.readUInt32LE(24) !== 8000) assert.ok(turns >= 5, `other tasks ran ${turns} times while ${wav.readUInt32LE(24)} Hz audio was decoded`);
  }
  await assert.rejects(decodeWavYielding(wavBytes(new Int16Array(10), 500_000)), (e: unknown) => e instanceof MediaSourceError && e.code === 'MEDIA_BAD_WAV');
  assert.throws(() => decodeWav(wavBytes(new Int16Array(10), 999)), /outside 1000–384000 Hz/);
});

test('raw formats: µ-law file, L16 big-endian, s16le', () => {
  const ulaw = decodeRaw(readFileSync(`${AUDIO}/hello_8k.ulaw`), 'ulaw');
  assert.equal(ulaw.length, 12736);
  const be = Buffer.from([0x01, 0x02, 0xff, 0xfe]);
  assert.deepEqual([...decodeRaw(be, 'l16')], [0x0102, -2]);
  assert.deepEqual([...decodeRaw(be, 's16le')], [0x0201, -257]);
  assert.equal(encodeWav(new Int16Array(10)).length, 64);
});

test('sources: file, silence, sequence produce 160-sample frames, zero-padded at the end', async () => {
  const signal = new AbortController().signal;
  const seq = await sequenceSource([silenceSource(30), fileSource(`${AUDIO}/beep_1000hz_500ms_8k.wav`), pcmSource(new Int16Array(5))]).open(signal);
  assert.equal(seq.totalSamples, 240 + 4000 + 5);
  const out = new Int16Array(160);
  const counts: number[] = [];
  for (let n = seq.read(out); n > 0; n = seq.read(out)) counts.push(n);
  assert.deepEqual(counts.slice(0, 3), [160, 80, 160]);
  assert.equal(counts.reduce((a, b) => a + b, 0), 4245);
  await assert.rejects(fileSource('/nonexistent.wav').open(signal), (e: unknown) => e instanceof MediaSourceError && e.code === 'MEDIA_SOURCE_FAILED');
});

test('scheduler: one timer drives every target; ticks due at start + n·20 ms even when timers fire late', () => {
  const clock = new FakeClock();
  const s = new PlayoutScheduler({ clock });
  const seen: Array<[string, number, number]> = [];
  const a = { onTick: (t: number, now: number) => seen.push(['a', t, now]) };
  const b = { onTick: (t: number, now: number) => seen.push(['b', t, now]) };
  s.add(a);
  s.add(b);
  assert.equal(clock.pendingCount, 1);
  clock.advance(100);
  assert.deepEqual(seen.filter((x) => x[0] === 'a').map((x) => x[2]), [0, 20, 40, 60, 80, 100]);
  s.remove(a);
  clock.advance(40);
  assert.equal(seen.filter((x) => x[0] === 'a').length, 6);
  assert.equal(seen.filter((x) => x[0] === 'b').length, 8);
  s.remove(b);
  assert.equal(clock.pendingCount, 0);
});

test('scheduler: a stalled loop catches up a few ticks back to back, then skips', () => {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const clock = { now: () => now, wallNow: () => now, setTimer: (ms: number, fn: () => void) => { timers.push({ at: now + ms, fn }); return { cancel: () => undefined }; } };
  const s = new PlayoutScheduler({ clock, maxCatchUpTicks: 3 });
  const ticks: number[] = [];
  s.add({ onTick: (t) => ticks.push(t) });
  const fire = (at: number) => { now = at; const t = timers.shift(); t?.fn(); };
  fire(0);
  assert.equal(timers[0].at, 20);
  fire(27); // late by 7 ms: the next is still due at 40, not 47
  assert.equal(timers[0].at, 40);
  fire(100); // ticks 2..5 due: caught up back to back
  assert.deepEqual(ticks, [0, 1, 2, 3, 4, 5]);
  fire(400); // 15 ticks behind: skips all but 3
  assert.equal(s.stats.skippedTicks, 11);
  assert.deepEqual(ticks.slice(6), [17, 18, 19, 20]); // 3 missed + the one due now
});

test('scheduler with a lead: each tick runs that long before its media time, which it exposes while it runs; a stall within the lead is caught up, not skipped', () => {
  let now = 1000;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const clock = { now: () => now, wallNow: () => now, setTimer: (ms: number, fn: () => void) => { timers.push({ at: now + ms, fn }); return { cancel: () => undefined }; } };
  const s = new PlayoutScheduler({ clock, leadMs: 40 });
  const seen: Array<[number, number]> = [];
  s.add({ onTick: (t) => seen.push([t, s.dueMs]) });
  const fire = (at: number) => { now = at; const t = timers.shift(); t?.fn(); };
  fire(1000); // ticks 0–2 (media time 1000, 1020, 1040) are all due within the lead
  assert.deepEqual(seen, [[0, 1000], [1, 1020], [2, 1040]]);
  assert.ok(Number.isNaN(s.dueMs), 'no media time between ticks');
  assert.equal(timers[0].at, 1020, 'tick 3 (media time 1060) runs at 1020');
  fire(1020 + 100); // a 100 ms stall: 5 ticks behind, within 3 + lead/20 = 5: none skipped
  assert.deepEqual(seen.slice(3).map((x) => x[0]), [3, 4, 5, 6, 7, 8]);
  assert.equal(s.stats.skippedTicks, 0);
  assert.equal(seen[seen.length - 1][1], 1160);
});

test('scheduler: a timer firing within the 1 ms timer grid before the due time runs the tick at once', () => {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const clock = { now: () => now, wallNow: () => now, setTimer: (ms: number, fn: () => void) => { timers.push({ at: now + ms, fn }); return { cancel: () => undefined }; } };
  const s = new PlayoutScheduler({ clock });
  const ticks: number[] = [];
  s.add({ onTick: (t) => ticks.push(t) });
  const fire = (at: number) => { now = at; const t = timers.shift(); t?.fn(); };
  fire(0);
  fire(18.8); // 1.2 ms early: tick 1 runs now, no re-arm for the remainder
  assert.deepEqual(ticks, [0, 1]);
  assert.equal(timers[0].at, 40);
  fire(37); // 3 ms early: too early, waits for the due time
  assert.deepEqual(ticks, [0, 1]);
  assert.equal(timers[0].at, 40);
});

test('scheduler: a target whose tick throws is reported and removed; every other target keeps ticking', () => {
  const clock = new FakeClock();
  const failures: Array<[unknown, unknown]> = [];
  const s = new PlayoutScheduler({ clock, onTargetError: (t, err) => failures.push([t, err]) });
  const ticks = { a: 0, c: 0 };
  const a = { onTick: () => { ticks.a++; } };
  const bad = { onTick: (t: number) => { if (t === 2) throw new Error('boom'); } };
  const c = { onTick: () => { ticks.c++; } };
  s.add(a);
  s.add(bad);
  s.add(c);
  clock.advance(200);
  assert.equal(ticks.a, 11);
  assert.equal(ticks.c, 11);
  assert.equal(failures.length, 1);
  assert.equal(failures[0][0], bad);
  assert.match(String(failures[0][1]), /boom/);
  assert.equal(s.has(bad), false);
  assert.equal(s.stats.targets, 2);
  assert.equal(clock.pendingCount, 1);
});

function wavHeaderFor(format: number, bits: number, rate: number, channels: number, frames: number): Buffer {
  const h = encodeWav(new Int16Array(0), rate, channels).subarray(0, 44);
  h.writeUInt16LE(format, 20);
  h.writeUInt16LE(bits, 34);
  h.writeUInt16LE((channels * bits) / 8, 32);
  h.writeUInt32LE(frames * channels * (bits / 8), 40);
  return h;
}
