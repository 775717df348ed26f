import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmdParamsError, DEFAULT_TIMERS, DEFAULT_VOICEMAIL_PHRASES, PRESET_TUNING, countWords, longestDigitRun, resolveAmdParams } from './index.js';

test('resolveAmdParams: defaults are the jambonz ones and the balanced preset', () => {
  const p = resolveAmdParams({ actionHook: '/amd' });
  assert.equal(p.preset, 'balanced');
  assert.equal(p.thresholdWordCount, 9);
  assert.equal(p.digitCount, 0);
  assert.deepEqual(p.timers, { noSpeechTimeoutMs: 5000, decisionTimeoutMs: 15000, toneTimeoutMs: 20000, greetingCompletionTimeoutMs: 2000 });
  assert.deepEqual(p.timers, DEFAULT_TIMERS);
  assert.deepEqual(p.tuning, PRESET_TUNING.balanced);
  assert.deepEqual(p.voicemailPhrases, DEFAULT_VOICEMAIL_PHRASES);
  assert.deepEqual(resolveAmdParams(), p);
});

test('resolveAmdParams: preset, then jambonz fields, then tuning overrides', () => {
  const p = resolveAmdParams({
    preset: 'conservative', thresholdWordCount: 12, digitCount: 4, timers: { decisionTimeoutMs: 8000 },
    tuning: { afterGreetingSilenceMs: 650, detectSit: false }, voicemailPhrases: ['  At The Tone '], recognizer: { vendor: 'google' },
  });
  assert.equal(p.preset, 'conservative');
  assert.equal(p.tuning.greetingMs, PRESET_TUNING.conservative.greetingMs);
  assert.equal(p.tuning.afterGreetingSilenceMs, 650);
  assert.equal(p.tuning.detectSit, false);
  assert.equal(p.timers.decisionTimeoutMs, 8000);
  assert.equal(p.timers.noSpeechTimeoutMs, 5000);
  assert.equal(p.thresholdWordCount, 12);
  assert.equal(p.digitCount, 4);
  assert.deepEqual(p.voicemailPhrases, ['at the tone']);
});

test('presets order the greeting limit: fast < balanced < conservative', () => {
  assert.ok(PRESET_TUNING.fast.greetingMs < PRESET_TUNING.balanced.greetingMs);
  assert.ok(PRESET_TUNING.balanced.greetingMs < PRESET_TUNING.conservative.greetingMs);
  assert.ok(PRESET_TUNING.fast.afterGreetingSilenceMs <= PRESET_TUNING.balanced.afterGreetingSilenceMs);
});

test('resolveAmdParams: bad values throw AmdParamsError with a code and the field path', () => {
  const cases: Array<[unknown, string]> = [
    [[], ''],
    ['x', ''],
    [{ preset: 'slow' }, 'preset'],
    [{ thresholdWordCount: 0 }, 'thresholdWordCount'],
    [{ thresholdWordCount: 2.5 }, 'thresholdWordCount'],
    [{ digitCount: -1 }, 'digitCount'],
    [{ timers: 5 }, 'timers'],
    [{ timers: { decisionTimeoutMs: -5 } }, 'timers.decisionTimeoutMs'],
    [{ timers: { toneTimeoutMs: 'soon' } }, 'timers.toneTimeoutMs'],
    [{ tuning: { greetingMs: 50 } }, 'tuning.greetingMs'],
    [{ tuning: { bogus: 1 } }, 'tuning.bogus'],
    [{ tuning: { releaseDb: 20 } }, 'tuning.releaseDb'],
    [{ tuning: { beepMinHz: 2500 } }, 'tuning.beepMaxHz'],
    [{ tuning: { detectFax: 'yes' } }, 'tuning.detectFax'],
    [{ voicemailPhrases: [1] }, 'voicemailPhrases'],
  ];
  for (const [input, path] of cases) {
    assert.throws(() => resolveAmdParams(input), (e: unknown) => {
      assert.ok(e instanceof AmdParamsError, String(e));
      assert.equal(e.code, 'AMD_INVALID_PARAMS');
      assert.equal(e.path, path, JSON.stringify(input));
      assert.match(e.message, /^amd\./);
      return true;
    });
  }
});

test('transcript helpers count words and digit runs (spelled digits too)', () => {
  assert.equal(countWords('  hi   there you '), 3);
  assert.equal(countWords(''), 0);
  assert.equal(longestDigitRun('call 555-1234 now'), 7);
  assert.equal(longestDigitRun('five five five one'), 4);
  assert.equal(longestDigitRun('room 12 and 3'), 2);
});
