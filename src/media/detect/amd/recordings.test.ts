import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeWav } from '../../playout/wav.js';
import { replayPcm, resolveAmdParams, type AmdEvent } from './index.js';

// Fixed recordings from the held-out parts of the AMD corpus (scripts/amd-corpus.mjs: espeak-ng,
// flite and festival voices, telephone band, G.711, noise), one for each failure mode of issue 13 §2. Each
// was misclassified by the detector before the fix; the labels below come from the clean signal.

const dir = fileURLToPath(new URL('../../../../test/amd/', import.meta.url));

function replay(file: string): AmdEvent[] {
  return replayPcm(decodeWav(readFileSync(dir + file)), resolveAmdParams({}));
}

function verdict(events: readonly AmdEvent[]): AmdEvent {
  const v = events.find((e) => e.type === 'amd_human_detected' || e.type === 'amd_machine_detected');
  assert.ok(v, `no verdict in ${JSON.stringify(events.map((e) => e.type))}`);
  return v;
}

test('one long sentence from a person (~2.5 s, "Hello, Tom speaking, how can I help?", flite slt, white noise 20 dB) is a human', () => {
  // Speech 492–2952 ms (2.46 s).
  const v = verdict(replay('human_long_answer_tom_flite_8k.wav'));
  assert.equal(v.type, 'amd_human_detected');
  assert.ok(v.decision_ms - 2952 <= 1000, `human verdict ${v.decision_ms - 2952} ms after the speech ended`);
});

test('a short greeting (1.45 s, festival ked) with a beep 464 ms later is a machine (beep), not a human', () => {
  // "Sorry, leave a message." 572–2022 ms, 500 Hz beep 2486–3259 ms, street noise at 10.6 dB SNR.
  const events = replay('vm_short_greeting_beep_464ms_festival_8k.wav');
  const v = verdict(events);
  assert.equal(v.type, 'amd_machine_detected');
  assert.equal(v.reason, 'beep');
  const tone = events.find((e) => e.type === 'amd_tone_detected');
  assert.ok(tone && Math.abs((tone.frequency ?? 0) - 500) <= 10, JSON.stringify(tone));
  assert.ok(tone.decision_ms >= 3259 && tone.decision_ms - 3259 <= 150, `beep event at ${tone.decision_ms}`);
});

test('a short greeting (1.03 s, flite awb) with a beep 635 ms later is a machine (beep), not a human', () => {
  // "Talk after the beep." 1024–2054 ms, beep 2689–3157 ms, white noise at 16.4 dB SNR.
  const events = replay('vm_short_greeting_beep_635ms_flite_8k.wav');
  assert.equal(verdict(events).reason, 'beep');
  assert.ok(events.some((e) => e.type === 'amd_tone_detected'));
});

test('clicks on the line (crackle at 11 dB SNR) do not make a short answer ("Hi, Jordan here.", flite kal) a long greeting', () => {
  const v = verdict(replay('human_crackle_flite_8k.wav'));
  assert.equal(v.type, 'amd_human_detected', `${v.type} ${v.reason ?? ''}`);
});

test('clicks on the line before a SIT do not turn its tones into a beep: reason sit', () => {
  const v = verdict(replay('sit_crackle_flite_8k.wav'));
  assert.equal(v.reason, 'sit');
  assert.deepEqual(v.evidence.tones.map((t) => t.kind), ['sit', 'sit', 'sit']);
});

test('a final stop whose release comes after its closure ("Talk after the beep.", espeak-ng, brown noise 26 dB) does not end the greeting early: the beep 927 ms later wins', () => {
  // Speech 947–2027 ms (the release of "beep" at ~1940–2020 ms), 1200 Hz beep 2954–3849 ms.
  const events = replay('vm_short_greeting_beep_927ms_espeak_8k.wav');
  assert.equal(verdict(events).reason, 'beep');
});

test('a steady vowel in background babble (21.6 dB SNR) is no beep: the human verdict on "Morning!" is not held back by it', () => {
  // Speech 2486–3146 ms; babble of six talkers throughout.
  const v = verdict(replay('human_babble_espeak_8k.wav'));
  assert.equal(v.type, 'amd_human_detected');
  assert.ok(v.decision_ms - 3146 <= 1000, `human verdict ${v.decision_ms - 3146} ms after the speech ended`);
});
