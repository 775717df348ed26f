import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { concat, dtmfSignal, frames, noise, scale, silence, speechLike, tones } from '../../testkit/audio.js';
import { decodeWav } from '../playout/wav.js';
import { EnergyVad, ToneDetector, type ToneEvent, type VadEvent } from './index.js';

function runVad(pcm: Int16Array, vad = new EnergyVad()): VadEvent[] {
  return frames(pcm).map((f, i) => vad.push(f, i * 20)).filter((e): e is VadEvent => e !== null);
}

function runTone(pcm: Int16Array, det = new ToneDetector()): ToneEvent[] {
  const fs = frames(pcm);
  const out = fs.map((f, i) => det.push(f, i * 20)).filter((e): e is ToneEvent => e !== null);
  // Flush with silence so a tone running to the end is closed.
  for (let i = 0; i < 5; i++) { const e = det.push(new Int16Array(160), (fs.length + i) * 20); if (e) out.push(e); }
  return out;
}

function espeak(text: string): Int16Array {
  return decodeWav(execFileSync('espeak-ng', ['--stdout', text], { maxBuffer: 1 << 24 }));
}

test('VAD: speech-like bursts in low noise give one start and one end with the right timing', () => {
  const sig = concat(noise(1000, 60), speechLike(1500), noise(1500, 60));
  const ev = runVad(sig);
  assert.equal(ev.length, 2, JSON.stringify(ev));
  assert.equal(ev[0].type, 'speech-start');
  assert.ok(Math.abs(ev[0].atMs - 1000) <= 60, JSON.stringify(ev[0]));
  assert.ok(ev[0].type === 'speech-start' && Math.abs(ev[0].silenceMs - 1000) <= 60);
  assert.equal(ev[1].type, 'speech-end');
  assert.ok(ev[1].type === 'speech-end' && Math.abs(ev[1].speechMs - 1500) <= 250, JSON.stringify(ev[1]));
});

test('VAD: the noise floor adapts to loud steady noise, which is not speech', () => {
  const vad = new EnergyVad();
  const ev = runVad(concat(silence(200), noise(4000, 1500, 9)), vad);
  // At most the noise onset is taken for speech once; after adapting it goes quiet.
  assert.ok(ev.length <= 2, JSON.stringify(ev));
  assert.equal(vad.speaking, false);
  assert.ok(vad.noiseFloorDb > -40, String(vad.noiseFloorDb));
  const after = runVad(concat(scale(speechLike(1200, 5), 2), noise(1000, 1500, 11)), vad);
  assert.equal(after[0]?.type, 'speech-start');
});

test('VAD: espeak speech is speech; pure silence is not', () => {
  const ev = runVad(concat(silence(500), espeak('Hello, this is a test of the answering machine detector'), silence(800)));
  assert.ok(ev.length >= 2 && ev[0].type === 'speech-start' && ev[ev.length - 1].type === 'speech-end', JSON.stringify(ev));
  assert.deepEqual(runVad(silence(2000)), []);
});

for (const hz of [1000, 1400, 440, 2000]) {
  test(`tone detector: a ${hz} Hz beep of 500 ms is detected once with its frequency and length`, () => {
    const ev = runTone(concat(noise(300, 50), tones([hz], 500, 8000), noise(300, 50)));
    assert.equal(ev.length, 2, JSON.stringify(ev));
    assert.equal(ev[0].type, 'tone-start');
    assert.ok(Math.abs(ev[0].hz - hz) <= 3, JSON.stringify(ev[0]));
    assert.equal(ev[1].type, 'tone-end');
    assert.ok(ev[1].type === 'tone-end' && Math.abs(ev[1].durationMs - 500) <= 40, JSON.stringify(ev[1]));
  });
}

test('tone detector: the shared voicemail greeting has exactly one beep at 1 kHz after the speech', () => {
  const ev = runTone(decodeWav(readFileSync(new URL('../../../test/amd/vm_greeting_beep_8k.wav', import.meta.url))));
  const starts = ev.filter((e) => e.type === 'tone-start');
  assert.equal(starts.length, 1, JSON.stringify(ev));
  assert.ok(Math.abs(starts[0].hz - 1000) <= 3);
  assert.ok(starts[0].startMs > 3500, JSON.stringify(starts[0]));
});

test('tone detector rejects ringback (440+480), dial tone (350+440) and DTMF pairs', () => {
  assert.deepEqual(runTone(concat(tones([440, 480], 2000, 5000), silence(400), tones([440, 480], 2000, 5000))), []);
  assert.deepEqual(runTone(tones([350, 440], 3000, 5000)), []);
  assert.deepEqual(runTone(dtmfSignal('0123456789*#', 300, 100)), []);
});

test('tone detector rejects espeak speech and speech-like audio', () => {
  const speech = concat(espeak('Hi, you have reached Alex. Please leave a message after the tone.'), espeak('one two three four five six seven eight nine'));
  assert.deepEqual(runTone(speech).filter((e) => e.type === 'tone-start'), []);
  assert.deepEqual(runTone(speechLike(5000, 11)), []);
});
