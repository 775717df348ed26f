import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLogger } from '../../kernel/logger.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { FakeCall, FakeWebhooks, type FakeRecognition } from '../../testkit/fake-call.js';
import { startApplication } from '../session.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
};

function run(verbs: unknown[], reply: (path: string) => unknown = () => undefined): { call: FakeCall; clock: FakeClock; hooks: FakeWebhooks; done: Promise<void>; rec: () => FakeRecognition } {
  const clock = new FakeClock();
  const call = new FakeCall({ clock, mediaMs: 3000, recognize: true });
  const hooks = new FakeWebhooks((req) => reply(new URL(req.hook.url).pathname));
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/hook', appJson: verbs });
  const rec = (): FakeRecognition => {
    const r = call.recognitions.at(-1);
    assert.ok(r, 'a recognition was started');
    return r;
  };
  return { call, clock, hooks, done: app.done, rec };
}

test('gather speech: a final transcript posts speechDetected with the speech object as jambonz shapes it', async () => {
  const g = run([{ gather: { input: ['speech'], actionHook: '/speech', recognizer: { vendor: 'deepgram', language: 'en-GB', hints: ['sales', { phrase: 'support', boost: 5 }], hintsBoost: 10 } } }]);
  await flush();
  const r = g.rec();
  assert.equal(r.req.vendor, 'deepgram');
  assert.equal(r.req.language, 'en-GB');
  assert.deepEqual(r.req.hints, ['sales', 'support']);
  assert.equal(r.req.hintsBoost, 10);
  r.emit({ type: 'transcript', vendor: 'deepgram', isFinal: true, alternatives: [{ transcript: 'I want sales', confidence: 0.92 }], vendorEvent: { type: 'Results' } });
  await g.done;
  assert.equal(g.hooks.requests.length, 1);
  const body = g.hooks.requests[0].payload;
  assert.equal(body.reason, 'speechDetected');
  assert.deepEqual(body.speech, {
    language_code: 'en-GB', channel_tag: 1, is_final: true, alternatives: [{ transcript: 'I want sales', confidence: 0.92 }], vendor: { name: 'deepgram', evt: { type: 'Results' } },
  });
  assert.ok(r.stopped, 'the recognizer is stopped after the result');
});

test('gather digits+speech: the first digit stops the recognizer and wins', async () => {
  const g = run([{ gather: { input: ['digits', 'speech'], numDigits: 1, actionHook: '/d', recognizer: { vendor: 'google' } } }]);
  await flush();
  const r = g.rec();
  g.call.press('5');
  r.transcript('five', true);
  await g.done;
  assert.ok(r.stopped);
  assert.deepEqual(g.hooks.requests.map((q) => [q.payload.reason, q.payload.digits]), [['dtmfDetected', '5']]);
});

test('gather digits+speech: speech first wins and the DTMF listener goes away', async () => {
  const g = run([{ gather: { input: ['digits', 'speech'], numDigits: 3, actionHook: '/d', recognizer: { vendor: 'google' } } }]);
  await flush();
  g.rec().transcript('billing', true);
  await g.done;
  assert.equal(g.hooks.requests[0].payload.reason, 'speechDetected');
  assert.equal(g.call.dtmfListeners, 0);
});

test('gather bargein: our VAD onset stops the nested say at once; without bargein the prompt plays on', async () => {
  const g = run([{ gather: { input: ['speech'], bargein: true, actionHook: '/s', recognizer: { vendor: 'microsoft' }, say: { text: ['one', 'two'] } } }]);
  await flush();
  const r = g.rec();
  assert.equal(r.req.vad, true, 'barge-in asks for our own VAD');
  g.clock.advance(1000);
  r.emit({ type: 'onset', atMs: 1000 });
  await flush();
  assert.deepEqual(g.call.said, ['one'], 'the prompt stopped');
  r.transcript('hello', true);
  await g.done;
  assert.equal(g.hooks.requests[0].payload.reason, 'speechDetected');

  const n = run([{ gather: { input: ['speech'], actionHook: '/s', recognizer: { vendor: 'microsoft' }, say: { text: ['one', 'two'] } } }]);
  await flush();
  n.rec().emit({ type: 'onset', atMs: 0 });
  n.clock.advance(3000);
  await flush();
  assert.deepEqual(n.call.said, ['one', 'two'], 'no barge-in without bargein');
});

test('gather bargein with minBargeinWordCount 3: the prompt stops only once three words are heard', async () => {
  const g = run([{ gather: { input: ['speech'], bargein: true, minBargeinWordCount: 3, actionHook: '/s', recognizer: { vendor: 'microsoft' }, say: { text: ['one', 'two'] } } }]);
  await flush();
  const r = g.rec();
  assert.equal(r.req.interim, true, 'word counting needs interim results');
  r.emit({ type: 'onset', atMs: 0 });
  r.transcript('I would', false);
  await flush();
  g.clock.advance(1000);
  await flush();
  assert.deepEqual(g.call.events.filter((e) => e.kind === 'say').length, 1);
  r.transcript('I would like', false);
  await flush();
  g.clock.advance(2000);
  await flush();
  assert.deepEqual(g.call.said, ['one'], 'stopped at the third word: "two" never started');
});

test('gather listenDuringPrompt false: the recognizer starts after the prompt', async () => {
  const g = run([{ gather: { input: ['speech'], listenDuringPrompt: false, actionHook: '/s', recognizer: { vendor: 'google' }, say: { text: 'Say something' } } }]);
  await flush();
  assert.equal(g.call.recognitions.length, 0);
  g.clock.advance(3000);
  await flush();
  assert.equal(g.call.recognitions.length, 1);
});

test('gather partialResultHook: interim transcripts are posted with is_final false and the reply is ignored', async () => {
  const g = run([{ gather: { input: ['speech'], partialResultHook: '/partial', actionHook: '/final', recognizer: { vendor: 'google' } } }, { say: { text: 'after' } }], (path) =>
    path === '/partial' ? [{ hangup: {} }] : undefined);
  await flush();
  const r = g.rec();
  assert.equal(r.req.interim, true);
  r.transcript('hel', false);
  await flush();
  r.transcript('hello', true);
  await flush();
  g.clock.advance(3000);
  await g.done;
  assert.deepEqual(g.hooks.paths, ['/partial', '/final']);
  const partial = g.hooks.requests[0].payload.speech as { is_final: boolean; alternatives: Array<{ transcript: string }> };
  assert.equal(partial.is_final, false);
  assert.equal(partial.alternatives[0].transcript, 'hel');
  assert.deepEqual(g.call.said, ['after'], 'the partial reply did not hang up');
});

test('gather speech timeout: the timer restarts with transcripts; silence → reason timeout', async () => {
  const g = run([{ gather: { input: ['speech'], timeout: 5, actionHook: '/s', recognizer: { vendor: 'google' } } }]);
  await flush();
  const r = g.rec();
  g.clock.advance(4000);
  r.transcript('um', false);
  g.clock.advance(4000);
  await flush();
  assert.equal(g.hooks.requests.length, 0, 'the interim result restarted the timer');
  g.clock.advance(1000);
  await g.done;
  assert.equal(g.hooks.requests[0].payload.reason, 'timeout');
  assert.ok(r.stopped);
});

test('gather speech: confidence under recognizer.minConfidence posts stt-low-confidence with the speech', async () => {
  const g = run([{ gather: { input: ['speech'], actionHook: '/s', recognizer: { vendor: 'google', minConfidence: 0.6 } } }]);
  await flush();
  g.rec().transcript('mumble', true, 0.3);
  await g.done;
  const body = g.hooks.requests[0].payload;
  assert.equal(body.reason, 'stt-low-confidence');
  assert.equal((body.speech as { alternatives: Array<{ confidence: number }> }).alternatives[0].confidence, 0.3);
});

test('gather speech: a vendor failure with no fallback left posts reason error with details; the app goes on', async () => {
  const g = run([{ gather: { input: ['speech'], actionHook: '/s', recognizer: { vendor: 'microsoft' } } }, { say: { text: 'next' } }]);
  await flush();
  g.rec().emit({ type: 'failed', vendor: 'microsoft', code: 'SPEECH_AUTH', message: 'HTTP 401 Unauthorized' });
  await flush();
  g.clock.advance(3000);
  await g.done;
  assert.equal(g.hooks.requests[0].payload.reason, 'error');
  assert.match(String(g.hooks.requests[0].payload.details), /microsoft: HTTP 401/);
  assert.deepEqual(g.call.said, ['next'], 'the application went on to its next verb');
});

test('gather continuous ASR: finals accumulate until asrTimeout of silence; the termination digit ends it early', async () => {
  const g = run([{ gather: { input: ['speech'], actionHook: '/s', recognizer: { vendor: 'google', asrTimeout: 2 } } }]);
  await flush();
  const r = g.rec();
  r.transcript('my number is', true, 0.9);
  g.clock.advance(1500);
  r.transcript('five five five', true, 0.8);
  g.clock.advance(1999);
  await flush();
  assert.equal(g.hooks.requests.length, 0);
  g.clock.advance(1);
  await g.done;
  const speech = g.hooks.requests[0].payload.speech as { alternatives: Array<{ transcript: string; confidence: number }> };
  assert.deepEqual(speech.alternatives, [{ transcript: 'my number is five five five', confidence: 0.8 }]);

  const t = run([{ gather: { input: ['digits', 'speech'], actionHook: '/s', recognizer: { vendor: 'google', asrTimeout: 10, asrDtmfTerminationDigit: '#' } } }]);
  await flush();
  t.rec().transcript('account one two', true);
  t.call.press('#');
  await t.done;
  assert.equal(t.hooks.requests[0].payload.reason, 'speechDetected');
  assert.equal((t.hooks.requests[0].payload.speech as { alternatives: Array<{ transcript: string }> }).alternatives[0].transcript, 'account one two');
});

test('gather speechTimeout: silence after an interim result asks the vendor to finalize; an utterance end takes the interim', async () => {
  const g = run([{ gather: { input: ['speech'], speechTimeout: 1, actionHook: '/s', recognizer: { vendor: 'deepgram' } } }]);
  await flush();
  const r = g.rec();
  r.transcript('cancel my order', false);
  g.clock.advance(1000);
  assert.equal(r.finalized, 1);
  r.emit({ type: 'utterance-end', vendor: 'deepgram' });
  await g.done;
  const speech = g.hooks.requests[0].payload.speech as { is_final: boolean; alternatives: Array<{ transcript: string }> };
  assert.equal(speech.is_final, true);
  assert.equal(speech.alternatives[0].transcript, 'cancel my order');
});
