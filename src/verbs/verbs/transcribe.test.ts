import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLogger } from '../../kernel/logger.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { FakeCall, FakeWebhooks } from '../../testkit/fake-call.js';
import { startApplication, type ApplicationHandle } from '../session.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
};

function run(verbs: unknown[], reply: (path: string) => unknown = () => undefined): { call: FakeCall; clock: FakeClock; hooks: FakeWebhooks; app: ApplicationHandle } {
  const clock = new FakeClock();
  const call = new FakeCall({ clock, mediaMs: 1000, recognize: true });
  const hooks = new FakeWebhooks((req) => reply(new URL(req.hook.url).pathname));
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: hooks, callHook: 'http://app.test/hook', appJson: verbs });
  return { call, clock, hooks, app };
}

test('transcribe: runs in the background; each final goes to transcriptionHook with speech; stops at hang-up', async () => {
  const t = run([
    { transcribe: { transcriptionHook: '/t', recognizer: { vendor: 'deepgram', language: 'en-AU' } } },
    { say: { text: 'talk to me' } },
    { pause: { length: 60 } },
  ]);
  await flush();
  assert.deepEqual(t.call.said, ['talk to me'], 'the next verb runs at once');
  const r = t.call.recognitions[0];
  assert.equal(r.req.vendor, 'deepgram');
  assert.equal(r.req.interim, false);
  r.transcript('first sentence', true);
  r.transcript('ignored interim', false);
  r.transcript('second sentence', true);
  await flush();
  assert.deepEqual(t.hooks.paths, ['/t', '/t']);
  const speech = t.hooks.requests[1].payload.speech as { language_code: string; alternatives: Array<{ transcript: string }> };
  assert.equal(speech.language_code, 'en-AU');
  assert.equal(speech.alternatives[0].transcript, 'second sentence');
  assert.equal(t.hooks.requests[1].payload.call_sid, 'call-1');
  t.call.remoteHangup();
  await t.app.done;
  assert.ok(r.stopped);
});

test('transcribe: live control pauses, resumes and stops it (transcribe_status)', async () => {
  const t = run([{ transcribe: { transcriptionHook: '/t', recognizer: { vendor: 'google' } } }, { pause: { length: 60 } }]);
  await flush();
  const tr = t.app.session.transcription;
  assert.ok(tr?.active);
  tr.pause();
  assert.ok(t.call.recognitions[0].stopped);
  tr.resume();
  assert.equal(t.call.recognitions.length, 2);
  tr.stop();
  assert.ok(t.call.recognitions[1].stopped);
  tr.resume();
  assert.equal(t.call.recognitions.length, 2, 'a stopped transcription does not resume');
});

test('config.transcribe: enable starts a background transcription, enable false stops it', async () => {
  const t = run([
    { config: { transcribe: { enable: true, transcriptionHook: '/t', recognizer: { vendor: 'microsoft' } } } },
    { pause: { length: 1 } },
    { config: { transcribe: { enable: false } } },
    { pause: { length: 60 } },
  ]);
  await flush();
  assert.equal(t.call.recognitions.length, 1);
  t.call.recognitions[0].transcript('hello', true);
  t.clock.advance(1000);
  await flush();
  assert.ok(t.call.recognitions[0].stopped);
  assert.deepEqual(t.hooks.paths, ['/t']);
});

test('config.bargeIn: a background gather posts its result to its actionHook; the reply replaces the application', async () => {
  const t = run([
    { config: { recognizer: { vendor: 'deepgram' }, bargeIn: { enable: true, input: ['speech'], actionHook: '/barge' } } },
    { say: { text: 'a long announcement' } },
    { say: { text: 'the next prompt' } },
  ], (path) => (path === '/barge' ? [{ say: { text: 'you interrupted' } }] : undefined));
  await flush();
  assert.deepEqual(t.call.said, ['a long announcement']);
  t.call.recognitions[0].transcript('agent please', true);
  await flush();
  t.clock.advance(1000);
  await flush();
  t.clock.advance(1000);
  await t.app.done;
  assert.deepEqual(t.hooks.requests.map((r) => [new URL(r.hook.url).pathname, r.payload.reason]), [['/barge', 'speechDetected']]);
  // The speech stopped the announcement; the next prompt started and was replaced by the hook's verbs.
  assert.deepEqual(t.call.said, ['a long announcement', 'the next prompt', 'you interrupted']);
});

test('config.bargeIn sticky: listens again after each result; enable false stops it', async () => {
  const t = run([
    { config: { bargeIn: { enable: true, sticky: true, input: ['digits'], numDigits: 1, actionHook: '/barge' } } },
    { pause: { length: 10 } },
    { config: { bargeIn: { enable: false } } },
    { pause: { length: 60 } },
  ]);
  await flush();
  t.call.press('1');
  await flush();
  t.call.press('2');
  await flush();
  assert.deepEqual(t.hooks.requests.map((r) => r.payload.digits), ['1', '2']);
  t.clock.advance(10_000);
  await flush();
  t.call.press('3');
  await flush();
  assert.equal(t.hooks.requests.length, 2, 'disabled: no more background results');
  assert.equal(t.call.dtmfListeners, 0);
});

test('config.bargeIn: the caller\'s speech onset stops the foreground prompt at once; the app goes on (or the hook\'s verbs replace it)', async () => {
  const t = run([
    { config: { recognizer: { vendor: 'deepgram' }, bargeIn: { enable: true, input: ['speech'], actionHook: '/barge' } } },
    { say: { text: 'a long announcement' } },
    { say: { text: 'the next prompt' } },
    { pause: { length: 60 } },
  ]);
  await flush();
  assert.deepEqual(t.call.said, ['a long announcement']);
  t.clock.advance(200);
  t.call.recognitions[0].emit({ type: 'onset', atMs: 200 });
  await flush();
  assert.ok(t.call.events.some((e) => e.kind === 'interrupt'), 'the playing prompt was interrupted');
  assert.deepEqual(t.call.said, ['a long announcement', 'the next prompt'], 'the announcement ended at the onset (200 ms of its 1000), not at its end');
  t.call.remoteHangup();
  await t.app.done;
});
