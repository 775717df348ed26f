import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPEN_URL_POLICY } from '../kernel/net-policy.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { fakeCredentials, FakeSttVendor, FakeTtsVendor } from '../testkit/speech/fake-vendors.js';
import { SpeechService, type RecognitionEvent, type SpeechFailure } from './service.js';
import { SpeechVendors } from './vendor.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function service(vendors: SpeechVendors, credFor: readonly string[], clock = new FakeClock(), queueFrames?: number): SpeechService {
  return new SpeechService({ vendors, credentials: fakeCredentials('acct-1', credFor), urlPolicy: OPEN_URL_POLICY, clock, sttQueueFrames: queueFrames });
}

function recognizeWith(svc: SpeechService, spec: Record<string, unknown>): { events: RecognitionEvent[]; failures: SpeechFailure[]; session: ReturnType<SpeechService['recognize']> } {
  const events: RecognitionEvent[] = [];
  const failures: SpeechFailure[] = [];
  const raw = { ...spec };
  const session = svc.recognize(
    'acct-1',
    { spec: { vendor: String(spec.vendor), language: 'en-US', ...spec, raw } as never, sampleRate: 8000, interim: true, hints: [] },
    (e) => events.push(e),
    (f) => failures.push(f),
    new AbortController().signal,
  );
  return { events, failures, session };
}

const frame = (v: number): Int16Array => new Int16Array(160).fill(v);

test('speech service STT: a primary that refuses (401) is reported and the fallback gets the queued audio', async () => {
  const bad = new FakeSttVendor({ vendor: 'microsoft', failure: { kind: 'refuse401' } });
  const good = new FakeSttVendor({ vendor: 'deepgram' });
  const svc = service(new SpeechVendors().addStt(bad).addStt(good), ['microsoft', 'deepgram']);
  const r = recognizeWith(svc, { vendor: 'microsoft', fallbackVendor: 'deepgram', fallbackLanguage: 'de-DE' });
  r.session.write(frame(1));
  r.session.write(frame(2));
  await flush();
  assert.deepEqual(r.failures.map((f) => [f.vendor, f.error.code, f.error.status, f.fallingBack]), [['microsoft', 'SPEECH_AUTH', 401, true]]);
  assert.match(r.failures[0].error.message, /401/);
  assert.equal(good.streams.length, 1);
  assert.equal(good.requests[0].language, 'de-DE');
  assert.equal(good.requests[0].credential?.vendor, 'deepgram');
  assert.deepEqual(good.streams[0].frames.map((f) => f[0]), [1, 2], 'the frames queued while connecting reach the fallback');
  good.streams[0].transcript('hello', true);
  assert.deepEqual(r.events.map((e) => [e.type, e.vendor]), [['transcript', 'deepgram']]);
  assert.equal(r.session.vendor, 'deepgram');
});

test('speech service STT: unreachable without fallback → one failure and a final error event', async () => {
  const bad = new FakeSttVendor({ vendor: 'microsoft', failure: { kind: 'unreachable' } });
  const svc = service(new SpeechVendors().addStt(bad), ['microsoft']);
  const r = recognizeWith(svc, { vendor: 'microsoft' });
  await flush();
  assert.deepEqual(r.failures.map((f) => [f.error.code, f.fallingBack]), [['SPEECH_UNREACHABLE', false]]);
  assert.equal(r.events.length, 1);
  const e = r.events[0];
  assert.ok(e.type === 'error' && e.error.code === 'SPEECH_UNREACHABLE' && /ECONNREFUSED/.test(e.error.message));
  assert.ok(r.session.closed);
});

test('speech service STT: a stream closed mid-way hands over to the fallback', async () => {
  const bad = new FakeSttVendor({ vendor: 'deepgram', failure: { kind: 'close-mid-stream', afterFrames: 3 } });
  const good = new FakeSttVendor({ vendor: 'google' });
  const svc = service(new SpeechVendors().addStt(bad).addStt(good), ['deepgram', 'google']);
  const r = recognizeWith(svc, { vendor: 'deepgram', fallbackVendor: 'google' });
  await flush();
  for (let i = 0; i < 5; i++) r.session.write(frame(i));
  await flush();
  assert.deepEqual(r.failures.map((f) => [f.vendor, f.error.code, f.fallingBack]), [['deepgram', 'SPEECH_CLOSED', true]]);
  assert.equal(good.streams.length, 1);
  assert.deepEqual(good.streams[0].frames.map((f) => f[0]), [3, 4]);
  assert.ok(bad.streams[0].closed);
});

test('speech service STT: a missing credential is SPEECH_NO_CREDENTIAL, not a crash', async () => {
  const v = new FakeSttVendor({ vendor: 'deepgram' });
  const svc = service(new SpeechVendors().addStt(v), []);
  const r = recognizeWith(svc, { vendor: 'deepgram', label: 'eu' });
  await flush();
  assert.deepEqual(r.failures.map((f) => f.error.code), ['SPEECH_NO_CREDENTIAL']);
  assert.match(r.failures[0].error.message, /deepgram.*label "eu"/);
  assert.equal(v.requests.length, 0);
  assert.equal(r.events[0]?.type, 'error');
});

test('speech service STT: frames past the queue bound are dropped and counted while the vendor connects', async () => {
  const clock = new FakeClock();
  const v = new FakeSttVendor({ vendor: 'deepgram', clock, connectMs: 200 });
  const svc = service(new SpeechVendors().addStt(v), ['deepgram'], clock, 4);
  const r = recognizeWith(svc, { vendor: 'deepgram' });
  for (let i = 0; i < 10; i++) r.session.write(frame(i));
  assert.equal(r.session.dropped, 6);
  await flush();
  clock.advance(200);
  await flush();
  assert.deepEqual(v.streams[0].frames.map((f) => f[0]), [0, 1, 2, 3]);
  assert.equal(r.session.connectMs, 200);
  r.session.write(frame(42));
  assert.equal(v.streams[0].frames.at(-1)?.[0], 42, 'once open, frames go straight to the vendor');
});

test('speech service TTS: a refusing primary falls back; the stream resolves with the first chunk in', async () => {
  const clock = new FakeClock();
  const bad = new FakeTtsVendor({ vendor: 'microsoft', clock, chunks: [], failure: { kind: 'refuse401' } });
  const good = new FakeTtsVendor({ vendor: 'deepgram', clock, chunks: [frame(5), frame(6)], delayMs: 50, sampleRate: 16000 });
  const svc = service(new SpeechVendors().addTts(bad).addTts(good), ['microsoft', 'deepgram'], clock);
  const failures: SpeechFailure[] = [];
  const p = svc.synthesize('acct-1', { vendor: 'microsoft', voice: 'en-US-JennyNeural', fallbackVendor: 'deepgram', fallbackVoice: 'aura-asteria-en', raw: {} }, 'Hi', (f) => failures.push(f), new AbortController().signal);
  let resolved = false;
  void p.then(() => { resolved = true; });
  await flush();
  assert.equal(resolved, false, 'not before the first chunk');
  clock.advance(50);
  const s = await p;
  assert.equal(s.vendor, 'deepgram');
  assert.equal(s.voice, 'aura-asteria-en');
  assert.equal(s.sampleRate, 16000);
  assert.equal(s.firstAudioMs, 50);
  assert.deepEqual(failures.map((f) => [f.use, f.vendor, f.error.code]), [['tts', 'microsoft', 'SPEECH_AUTH']]);
  const got: number[] = [];
  const it = s.chunks[Symbol.asyncIterator]();
  got.push((await it.next()).value[0]);
  const second = it.next();
  clock.advance(50);
  got.push((await second).value[0]);
  assert.deepEqual(got, [5, 6]);
});

test('speech service TTS: no adapter and no fallback rejects with SPEECH_UNKNOWN_VENDOR after reporting it', async () => {
  const svc = service(new SpeechVendors(), []);
  const failures: SpeechFailure[] = [];
  await assert.rejects(svc.synthesize('acct-1', { vendor: 'polly', raw: {} }, 'Hi', (f) => failures.push(f), new AbortController().signal), /no TTS vendor "polly"/);
  assert.deepEqual(failures.map((f) => f.error.code), ['SPEECH_UNKNOWN_VENDOR']);
});

