import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, noise, silence, speechLike } from '../audio.js';
import { UtteranceDetector, type UtteranceEvent } from './utterances.js';

function run(pcm: Int16Array, chunk = 160): UtteranceEvent[] {
  const events: UtteranceEvent[] = [];
  const d = new UtteranceDetector({ sampleRate: 8000 }, (e) => events.push(e));
  for (let i = 0; i < pcm.length; i += chunk) d.push(pcm.subarray(i, i + chunk));
  d.flush();
  return events;
}

test('utterances: two phrases separated by 800 ms of silence are two utterances, at their places', () => {
  const ev = run(concat(silence(300), speechLike(700), silence(800), speechLike(500, 5), silence(700)), 137);
  assert.deepEqual(ev.map((e) => e.type), ['start', 'end', 'start', 'end']);
  assert.ok(Math.abs(ev[0]!.atMs - 300) <= 20, `first start at ${ev[0]!.atMs} ms`);
  assert.ok(Math.abs(ev[2]!.atMs - 1800) <= 20, `second start at ${ev[2]!.atMs} ms`);
});

test('utterances: silence and low noise are no utterance', () => {
  assert.deepEqual(run(concat(silence(1000), noise(1000, 100))), []);
});

test('utterances: speech still going when the audio ends is closed by flush', () => {
  const ev = run(concat(silence(100), speechLike(600)));
  assert.deepEqual(ev.map((e) => e.type), ['start', 'end']);
});
