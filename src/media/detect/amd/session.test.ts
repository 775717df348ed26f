import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, dtmfSignal, frames, noise, scale, silence, speechLike, tones } from '../../../testkit/audio.js';
import { AMD_EVENT_TYPES, AmdSession, resolveAmdParams, type AmdEvent, type AmdParams } from './index.js';

const START = 100_000;
/** The balanced preset's silence after a greeting → human. */
const AFTER = resolveAmdParams({}).tuning.afterGreetingSilenceMs;

/** Feeds `pcm` from answer (START) in 20 ms frames, then ticks over `tailMs` of no audio. */
function run(pcm: Int16Array, params: AmdParams = resolveAmdParams({}), tailMs = 25_000): { events: AmdEvent[]; session: AmdSession } {
  const session = new AmdSession(params, START);
  const events: AmdEvent[] = [];
  const fs = frames(pcm);
  fs.forEach((f, i) => events.push(...session.push(f, START + i * 20)));
  for (let t = fs.length * 20 + 20; t <= fs.length * 20 + tailMs && !session.stopped; t += 20) events.push(...session.tick(START + t));
  return { events, session };
}

const types = (evs: readonly AmdEvent[]): string[] => evs.map((e) => e.type);
const find = (evs: readonly AmdEvent[], type: string): AmdEvent => {
  const e = evs.find((x) => x.type === type);
  assert.ok(e, `no ${type} in ${JSON.stringify(types(evs))}`);
  return e;
};
const near = (actual: number, expected: number, tol: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} not within ${tol} of ${expected}`);
};

test('human: a short greeting then silence → amd_human_detected (short greeting) → amd_stopped, after afterGreetingSilenceMs', () => {
  const { events } = run(concat(silence(500), speechLike(900, 5), silence(3000)));
  assert.deepEqual(types(events), ['amd_human_detected', 'amd_stopped']);
  const h = events[0];
  assert.equal(h.reason, 'short greeting');
  const ev = h.evidence;
  near(ev.initial_silence_ms, 500, 60, 'initial silence');
  const speechEnd = ev.initial_silence_ms + ev.greeting_ms;
  near(h.decision_ms - speechEnd, AFTER, 40, 'verdict after the greeting');
  assert.ok(ev.word_count >= 1 && ev.segments.some((s) => s.kind === 'speech'));
  assert.ok(h.confidence > 0.5 && h.confidence <= 1);
});

test('RTP that stops mid-word: the gap that tick() advances over is silence, so the word ends and a short greeting is a human', () => {
  // No silence frames after the speech: the last frame pushed is loud (the callee's RTP stopped).
  const { events } = run(concat(silence(500), noise(700, 6000)), resolveAmdParams({}), 5000);
  assert.deepEqual(types(events), ['amd_human_detected', 'amd_stopped']);
  const h = events[0];
  near(h.decision_ms - 1200, AFTER, 40, 'verdict after the last frame');
  assert.equal(h.evidence.word_count, 1);
});

test('a final stop: the release burst after the closure ends the greeting, so a beep that follows is not beaten by the human verdict', () => {
  // 700 ms word, 60 ms closure, then the release: 40 ms some 40 dB under the word (not a word itself).
  const word = concat(silence(500), noise(700, 6000));
  const release = run(concat(word, silence(60), noise(40, 200, 9), silence(3000)));
  assert.deepEqual(types(release.events), ['amd_human_detected', 'amd_stopped']);
  near(release.events[0].decision_ms - 1300, AFTER, 20, 'verdict after the release');
  // A single-frame click at the same place is not a release: the greeting ended with the word.
  const click = run(concat(word, silence(60), noise(20, 200, 9), silence(3000)));
  near(click.events[0].decision_ms - 1200, AFTER, 20, 'verdict after the word');
  // Nor is a burst that starts too long after the word (past the 80 ms a closure takes).
  const late = run(concat(word, silence(160), noise(40, 200, 9), silence(3000)));
  near(late.events[0].decision_ms - 1200, AFTER, 20, 'verdict after the word, not the late burst');
});

test('machine: speech still going on at greetingMs → long greeting; greeting completion timer → stopped speaking', () => {
  const { events } = run(concat(silence(300), speechLike(6000, 7), silence(4000)));
  assert.deepEqual(types(events), ['amd_machine_detected', 'amd_machine_stopped_speaking', 'amd_stopped']);
  const m = events[0];
  assert.equal(m.reason, 'long greeting');
  near(m.decision_ms, 300 + 2500, 200, 'machine verdict');
  const done = events[1];
  const lastWordEnd = done.evidence.initial_silence_ms + done.evidence.greeting_ms;
  near(done.decision_ms - lastWordEnd, 2000, 40, 'greetingCompletionTimeoutMs');
});

test('voicemail with a beep: machine → tone_detected (frequency, ≤ 150 ms after the tone) → stopped speaking 1 s after it → stopped', () => {
  const toneEnd = 300 + 4000 + 300 + 500;
  const { events } = run(concat(silence(300), speechLike(4000, 9), silence(300), tones([1000], 500, 8000), silence(3000)));
  assert.deepEqual(types(events), ['amd_machine_detected', 'amd_tone_detected', 'amd_machine_stopped_speaking', 'amd_stopped']);
  const tone = events[1];
  assert.equal(tone.frequency, 1000);
  near(tone.duration_ms ?? 0, 500, 40, 'beep length');
  assert.ok(tone.decision_ms >= toneEnd && tone.decision_ms - toneEnd <= 150, `beep event at ${tone.decision_ms}, tone ended ${toneEnd}`);
  assert.deepEqual(tone.evidence.tones.map((t) => t.kind), ['beep']);
  near(events[2].decision_ms - toneEnd, 1000, 60, 'beepCompletionMs');
});

test('a short greeting ending in a beep is a machine (reason beep), not a human', () => {
  const { events } = run(concat(silence(200), speechLike(900, 11), silence(300), tones([1400], 400, 8000), silence(2500)));
  assert.deepEqual(types(events), ['amd_machine_detected', 'amd_tone_detected', 'amd_machine_stopped_speaking', 'amd_stopped']);
  assert.equal(events[0].reason, 'beep');
  assert.equal(events[1].frequency, 1400);
});

test('no human verdict while a tone is starting: a beep that starts 20 ms before the silence timer runs out wins', () => {
  // Greeting ends at 1500 ms; with afterGreetingSilenceMs 800 a human verdict is due at 2300 ms.
  // The beep starts at 2280 ms: its first frames are not yet confirmed as a tone (160 ms) then.
  const params = resolveAmdParams({ tuning: { afterGreetingSilenceMs: 800 } });
  const { events } = run(concat(silence(300), speechLike(1200, 11), silence(780), tones([1000], 500, 8000), silence(2500)), params);
  assert.deepEqual(types(events), ['amd_machine_detected', 'amd_tone_detected', 'amd_machine_stopped_speaking', 'amd_stopped']);
  assert.equal(events[0].reason, 'beep');
  assert.equal(events[1].frequency, 1000);
});

test('no-speech timer: silence or steady noise for noSpeechTimeoutMs → amd_no_speech_detected → amd_stopped', () => {
  for (const pcm of [silence(7000), noise(7000, 800, 3)]) {
    const { events } = run(pcm);
    assert.deepEqual(types(events), ['amd_no_speech_detected', 'amd_stopped']);
    near(events[0].decision_ms, 5000, 20, 'no-speech timer');
  }
  const { events } = run(silence(7000), resolveAmdParams({ timers: { noSpeechTimeoutMs: 2500 } }));
  near(events[0].decision_ms, 2500, 20, 'custom no-speech timer');
});

test('timers run on tick() alone when no audio arrives (time is an input)', () => {
  const s = new AmdSession(resolveAmdParams({}), START);
  assert.deepEqual(s.tick(START + 4980), []);
  const evs = s.tick(START + 5000);
  assert.deepEqual(types(evs), ['amd_no_speech_detected', 'amd_stopped']);
  assert.equal(evs[0].decision_ms, 5000);
  assert.deepEqual(s.tick(START + 9000), []);
  assert.equal(s.stopped, true);
});

test('decision timer: no verdict by decisionTimeoutMs → amd_decision_timeout → amd_stopped', () => {
  const { events } = run(concat(silence(300), speechLike(3000, 13)), resolveAmdParams({ timers: { decisionTimeoutMs: 1000 } }));
  assert.deepEqual(types(events), ['amd_decision_timeout', 'amd_stopped']);
  near(events[0].decision_ms, 1000, 20, 'decision timer');
});

test('tone timer: a machine still talking at toneTimeoutMs without a beep → amd_tone_timeout → amd_stopped', () => {
  const { events } = run(concat(silence(200), speechLike(8000, 15), silence(3000)), resolveAmdParams({ timers: { toneTimeoutMs: 4000 } }));
  assert.deepEqual(types(events), ['amd_machine_detected', 'amd_tone_timeout', 'amd_stopped']);
  near(events[1].decision_ms, 4000, 20, 'tone timer');
});

test('greeting completion timer follows timers.greetingCompletionTimeoutMs', () => {
  const { events } = run(concat(silence(200), speechLike(4000, 17), silence(3000)), resolveAmdParams({ timers: { greetingCompletionTimeoutMs: 600 } }));
  const done = find(events, 'amd_machine_stopped_speaking');
  near(done.decision_ms - (done.evidence.initial_silence_ms + done.evidence.greeting_ms), 600, 40, 'completion');
});

test('a timer of 0 is off', () => {
  const { events } = run(silence(8000), resolveAmdParams({ timers: { noSpeechTimeoutMs: 0, decisionTimeoutMs: 7000 } }));
  assert.deepEqual(types(events), ['amd_decision_timeout', 'amd_stopped']);
});

test('fax CNG (1100 Hz, 0.5 s on / 3 s off) → amd_machine_detected reason fax → amd_stopped', () => {
  const burst = concat(tones([1100], 500, 6000), silence(3000));
  const { events } = run(concat(silence(400), burst, burst, burst));
  assert.deepEqual(types(events), ['amd_machine_detected', 'amd_stopped']);
  assert.equal(events[0].reason, 'fax');
  assert.ok(events[0].decision_ms < 4500, String(events[0].decision_ms));
  assert.ok(events[0].evidence.tones.every((t) => t.kind === 'fax-cng'));
});

test('fax CED (2100 Hz) → reason fax', () => {
  const { events } = run(concat(silence(300), tones([2100], 3000, 6000), silence(2000)));
  assert.deepEqual(types(events), ['amd_machine_detected', 'amd_stopped']);
  assert.equal(events[0].reason, 'fax');
});

test('SIT (913.8 → 1370.6 → 1776.7 Hz) then an announcement → reason sit, before the announcement', () => {
  const sit = concat(tones([913.8], 274, 6000), tones([1370.6], 274, 6000), tones([1776.7], 380, 6000));
  const { events } = run(concat(silence(300), sit, silence(300), speechLike(4000, 19), silence(1000)));
  assert.deepEqual(types(events), ['amd_machine_detected', 'amd_stopped']);
  assert.equal(events[0].reason, 'sit');
  assert.ok(events[0].decision_ms < 1500, String(events[0].decision_ms));
  assert.deepEqual(events[0].evidence.tones.map((t) => t.kind), ['sit', 'sit', 'sit']);
});

test('ringback (440+480), dial tone (350+440) and a 425 Hz ringback are not beeps', () => {
  const ring = concat(tones([440, 480], 2000, 5000), silence(4000));
  for (const pcm of [concat(ring, ring), tones([350, 440], 6000, 5000), concat(tones([425], 1000, 6000), silence(4000), tones([425], 1000, 6000))]) {
    const { events } = run(pcm);
    assert.ok(!events.some((e) => e.type === 'amd_tone_detected'), JSON.stringify(types(events)));
    assert.ok(!events.some((e) => e.reason === 'beep'), JSON.stringify(events.map((e) => e.reason)));
  }
  const { events } = run(concat(tones([425], 1000, 6000), silence(6000)));
  assert.deepEqual(events[0].evidence.tones.map((t) => t.kind), ['ringback']);
});

test('DTMF after a greeting is not a beep', () => {
  const { events } = run(concat(silence(200), speechLike(5000, 21), dtmfSignal('123', 150, 100), silence(3000)));
  assert.ok(!events.some((e) => e.type === 'amd_tone_detected'), JSON.stringify(types(events)));
});

test('quiet background talk before a loud "hello" restarts the greeting: still a human', () => {
  const bg = scale(speechLike(2500, 23), 0.05);
  const { events } = run(concat(silence(200), bg, speechLike(700, 25), silence(3000)));
  assert.equal(events[0].type, 'amd_human_detected', JSON.stringify(types(events)));
});

test('transcript rules: voicemail phrase (hint), digit run (digit count), word count (long greeting); a short one decides nothing', () => {
  const p = resolveAmdParams({ digitCount: 3, thresholdWordCount: 6 });
  const hint = new AmdSession(p, START).transcript('Hi, please leave a message', START + 900);
  assert.deepEqual(types(hint), ['amd_machine_detected']);
  assert.equal(hint[0].reason, 'hint');
  assert.equal(hint[0].hint, 'leave a message');
  assert.equal(hint[0].greeting, 'Hi, please leave a message');
  assert.equal(new AmdSession(p, START).transcript('call 5 5 5 now', START)[0]?.reason, 'digit count');
  assert.equal(new AmdSession(p, START).transcript('one two three one two', START)[0]?.reason, 'digit count');
  assert.equal(new AmdSession(p, START).transcript('we are so sorry we missed you today', START)[0]?.reason, 'long greeting');
  assert.deepEqual(new AmdSession(p, START).transcript('hello who is it', START), []);
});

test('a transcript keeps a machine "speaking" and stops the no-speech timer', () => {
  const s = new AmdSession(resolveAmdParams({}), START);
  assert.deepEqual(s.transcript('hello', START + 1000), []);
  assert.deepEqual(s.tick(START + 6000).filter((e) => e.type === 'amd_no_speech_detected'), []);
});

test('stop() sends amd_stopped once; nothing after it', () => {
  const s = new AmdSession(resolveAmdParams({}), START);
  s.push(new Int16Array(160), START);
  const evs = s.stop(START + 700);
  assert.deepEqual(types(evs), ['amd_stopped']);
  assert.equal(evs[0].decision_ms, 700);
  assert.deepEqual(s.stop(START + 800), []);
  assert.deepEqual(s.push(new Int16Array(160), START + 800), []);
});

test('a frame of the wrong size → amd_error → amd_stopped', () => {
  const evs = new AmdSession(resolveAmdParams({}), START).push(new Int16Array(80), START);
  assert.deepEqual(types(evs), ['amd_error', 'amd_stopped']);
  assert.match(evs[0].error ?? '', /80 samples/);
});

test('every event has a known type, confidence in [0, 1], decision_ms and evidence', () => {
  const all = [
    ...run(concat(silence(300), speechLike(4000, 27), silence(300), tones([800], 300, 8000), silence(3000))).events,
    ...run(concat(silence(500), speechLike(600, 29), silence(2000))).events,
    ...run(silence(6000)).events,
  ];
  for (const e of all) {
    assert.ok(AMD_EVENT_TYPES.includes(e.type));
    assert.ok(e.confidence >= 0 && e.confidence <= 1);
    assert.ok(Number.isInteger(e.decision_ms) && e.decision_ms >= 0);
    assert.ok(Array.isArray(e.evidence.segments) && Array.isArray(e.evidence.tones));
    assert.equal(typeof e.evidence.word_count, 'number');
  }
});

test('presets: fast decides a long greeting sooner than balanced, conservative later; balanced keeps a 2.3 s speaker human, conservative a 2.8 s one', () => {
  const greeting = concat(silence(300), speechLike(6000, 31), silence(3000));
  const at = (preset: string): number => find(run(greeting, resolveAmdParams({ preset })).events, 'amd_machine_detected').decision_ms;
  assert.ok(at('fast') < at('balanced') && at('balanced') < at('conservative'), `${at('fast')} ${at('balanced')} ${at('conservative')}`);
  const first = (pcm: Int16Array, preset: string): string => run(pcm, resolveAmdParams({ preset })).events[0].type;
  const talker = concat(silence(300), speechLike(2300, 33), silence(3000));
  assert.equal(first(talker, 'fast'), 'amd_machine_detected');
  assert.equal(first(talker, 'balanced'), 'amd_human_detected');
  const longTalker = concat(silence(300), speechLike(2800, 33), silence(3000));
  assert.equal(first(longTalker, 'balanced'), 'amd_machine_detected');
  assert.equal(first(longTalker, 'conservative'), 'amd_human_detected');
});
