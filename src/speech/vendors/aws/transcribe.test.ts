import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeWav } from '../../../media/playout/wav.js';
import { OPEN_URL_POLICY, parseUrlPolicy } from '../../../kernel/net-policy.js';
import { concat, silence, speechLike } from '../../../testkit/audio.js';
import { freePort } from '../../../testkit/ports.js';
import { startAwsServer, type AwsServer, type AwsServerOptions } from '../../../testkit/speech/aws-server.js';
import { SttError, type RecognizeRequest, type SpeechCredential, type SttEvent } from '../../vendor.js';
import { createSpeechVendors } from '../index.js';
import { SpeechCredentialTester } from '../shared/tester.js';
import { AwsTts } from './polly.js';
import { AwsStt } from './transcribe.js';
import { SttEvents, pollFor, writeFrames } from '../../../testkit/speech/stt-harness.js';

const KEY_ID = 'AKIATESTKEY0000002';
const SECRET = 'aws-secret-access-key/fedcba9876543210';
const HELLO = decodeWav(readFileSync(new URL('../../../../test/audio/hello_8k.wav', import.meta.url)));

function credential(fields: SpeechCredential['fields'] = {}, use: Partial<Pick<SpeechCredential, 'useForStt' | 'useForTts'>> = {}): SpeechCredential {
  return { sid: 'cred-aws', accountSid: 'acct-1', vendor: 'aws', useForStt: true, useForTts: true, ...use, fields: { access_key_id: KEY_ID, secret_access_key: SECRET, aws_region: 'eu-west-1', ...fields } };
}

function request(over: Partial<RecognizeRequest> = {}): RecognizeRequest {
  return { credential: credential(), urlPolicy: OPEN_URL_POLICY, language: 'en-US', sampleRate: 8000, interim: true, hints: [], recognizer: { vendor: 'aws' }, ...over };
}

async function withServer(opts: Partial<AwsServerOptions>, fn: (s: AwsServer) => Promise<void>): Promise<void> {
  const server = await startAwsServer({ accessKeyId: KEY_ID, ...opts });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

const isFinal = (e: SttEvent): boolean => e.type === 'transcript' && e.isFinal;
const kinds = (all: readonly SttEvent[]): string[] => all.map((e) => (e.type === 'transcript' ? (e.isFinal ? 'final' : 'interim') : e.type));

test('aws transcribe: hello_8k.wav over the signed HTTP/2 event stream gives speech-start, an interim, the final with its confidence, then utterance-end', async () => {
  await withServer({ transcripts: ['Hello there.'], confidence: 0.87 }, async (server) => {
    const ev = new SttEvents();
    const stream = await new AwsStt({ endpoint: server.url }).start(request(), ev.push, new AbortController().signal);
    writeFrames(stream, concat(silence(300), HELLO, silence(900)));
    await ev.until((e) => e.type === 'utterance-end');
    stream.finalize();
    const s = await pollFor(() => (server.sessions[0]?.closed ? server.sessions[0] : undefined), 'the stream to close after finalize');
    assert.ok(s.ended, 'the client sent its end-of-audio envelope');
    assert.ok(s.signed, 'every envelope carried :date and :chunk-signature');
    assert.deepEqual(kinds(ev.all), ['speech-start', 'interim', 'final', 'utterance-end']);
    const final = ev.all.find(isFinal);
    assert.deepEqual(final?.type === 'transcript' && final.alternatives, [{ transcript: 'Hello there.', confidence: 0.87 }]);
    assert.equal(final?.type === 'transcript' && final.language, 'en-US');
    assert.equal(s.headers['x-amzn-transcribe-language-code'], 'en-US');
    assert.equal(s.headers['x-amzn-transcribe-sample-rate'], '8000');
    assert.equal(s.headers['x-amzn-transcribe-media-encoding'], 'pcm');
    assert.equal(s.headers['x-amzn-transcribe-enable-partial-results-stabilization'], 'true');
    assert.match(String(s.headers.authorization), new RegExp(`Credential=${KEY_ID}/\\d{8}/eu-west-1/transcribe/aws4_request`));
    const expected = (300 + 900) * 16 + HELLO.length * 2;
    assert.ok(Math.abs(s.audioBytes - expected) < 320, `${s.audioBytes} of ${expected} bytes arrived`);
    assert.ok(s.audioBytes / s.audioEvents >= 800, `audio batched in ≥ 50 ms events (${s.audioEvents} events)`);
  });
});

test('aws transcribe: silence gets no transcript though the audio arrived', async () => {
  await withServer({ transcripts: ['should not be used'] }, async (server) => {
    const ev = new SttEvents();
    const stream = await new AwsStt({ endpoint: server.url }).start(request(), ev.push, new AbortController().signal);
    writeFrames(stream, silence(2000));
    stream.finalize();
    const s = await pollFor(() => (server.sessions[0]?.closed ? server.sessions[0] : undefined), 'the stream to close');
    assert.ok(s.ended);
    assert.equal(s.audioBytes, 2000 * 16);
    assert.deepEqual(ev.all, []);
  });
});

test('aws transcribe: 16 kHz, no interims when interim is false, vocabulary and filter from awsOptions (recognizer fields as fallback)', async () => {
  await withServer({ transcripts: ['sixteen'] }, async (server) => {
    const ev = new SttEvents();
    const recognizer = { vendor: 'aws', vocabularyName: 'legacy-vocab', filterMethod: 'tag', awsOptions: { vocabularyName: 'app-vocab', vocabularyFilterName: 'no-swear', languageModelName: 'clm-1' } };
    const stream = await new AwsStt({ endpoint: server.url }).start(request({ sampleRate: 16000, interim: false, recognizer, language: 'en-GB' }), ev.push, new AbortController().signal);
    // The testkit's generators count samples at 8 kHz: double them for 16 kHz durations.
    writeFrames(stream, concat(silence(400), speechLike(1600), silence(1600)), 320);
    await ev.until(isFinal);
    stream.close();
    const h = server.sessions[0].headers;
    assert.equal(h['x-amzn-transcribe-sample-rate'], '16000');
    assert.equal(h['x-amzn-transcribe-language-code'], 'en-GB');
    assert.equal(h['x-amzn-transcribe-vocabulary-name'], 'app-vocab');
    assert.equal(h['x-amzn-transcribe-vocabulary-filter-name'], 'no-swear');
    assert.equal(h['x-amzn-transcribe-vocabulary-filter-method'], 'tag');
    assert.equal(h['x-amzn-transcribe-language-model-name'], 'clm-1');
    assert.equal(h['x-amzn-transcribe-enable-partial-results-stabilization'], undefined);
    assert.deepEqual(kinds(ev.all), ['speech-start', 'final', 'utterance-end']);
  });
});

test('aws transcribe: an unknown access key id → SPEECH_AUTH (403 UnrecognizedClientException), no secret in the message', async () => {
  await withServer({ accessKeyId: 'AKIASOMEONEELSE0000' }, async (server) => {
    const err = await new AwsStt({ endpoint: server.url }).start(request(), () => undefined, new AbortController().signal).then(
      () => assert.fail('started'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SttError, String(err));
    assert.equal(err.code, 'SPEECH_AUTH');
    assert.equal(err.status, 403);
    assert.match(err.message, /UnrecognizedClientException/);
    assert.ok(!err.message.includes(SECRET), err.message);
    assert.equal(server.sessions.length, 0);
  });
});

test('aws transcribe: a refused port → SPEECH_UNREACHABLE; an endpoint the URL policy refuses is never connected to', async () => {
  await assert.rejects(new AwsStt({ endpoint: `http://127.0.0.1:${await freePort()}` }).start(request(), () => undefined, new AbortController().signal), (e: unknown) => {
    assert.ok(e instanceof SttError, String(e));
    assert.equal(e.code, 'SPEECH_UNREACHABLE', e.message);
    return true;
  });
  await withServer({}, async (server) => {
    await assert.rejects(new AwsStt({ endpoint: server.url }).start(request({ urlPolicy: parseUrlPolicy('public') }), () => undefined, new AbortController().signal), (e: unknown) => e instanceof SttError && e.code === 'SPEECH_UNREACHABLE');
    assert.equal(server.sessions.length, 0);
  });
});

for (const breakWith of ['exception', 'reset'] as const) {
  test(`aws transcribe: the service breaking the stream (${breakWith}) → one error event (SPEECH_CLOSED), nothing after`, async () => {
    await withServer({ transcripts: ['x'], breakAfterAudioMs: 300, breakWith }, async (server) => {
      const ev = new SttEvents();
      const stream = await new AwsStt({ endpoint: server.url }).start(request(), ev.push, new AbortController().signal);
      writeFrames(stream, silence(1000));
      const e = await ev.until((x) => x.type === 'error');
      assert.ok(e.type === 'error' && e.error.code === 'SPEECH_CLOSED', JSON.stringify(e));
      if (breakWith === 'exception') assert.match(e.type === 'error' ? e.error.message : '', /InternalFailureException|terminated processing/);
      writeFrames(stream, concat(speechLike(600), silence(800)));
      stream.finalize();
      stream.close();
      assert.equal(ev.all.length, 1, JSON.stringify(ev.all));
    });
  });
}

test('aws: registered for STT and TTS; the tester is ok with good keys (Polly synthesis and a Transcribe handshake) and fails with the reason for bad ones', async () => {
  const vendors = createSpeechVendors();
  assert.ok(vendors.stt('aws') && vendors.tts('aws') && vendors.tester('aws'));
  await withServer({}, async (server) => {
    const tester = new SpeechCredentialTester('aws', new AwsStt({ endpoint: server.url }), new AwsTts({ endpoint: server.url }));
    const ok = await tester.test({ credential: credential(), urlPolicy: OPEN_URL_POLICY }, new AbortController().signal);
    assert.deepEqual(ok, { tts: { status: 'ok' }, stt: { status: 'ok' } });
    assert.equal(server.speaks.length, 1);
    assert.equal(server.sessions.length, 1);
    const bad = await tester.test({ credential: credential({ access_key_id: 'AKIAWRONG0000000000' }, { useForTts: false }), urlPolicy: OPEN_URL_POLICY }, new AbortController().signal);
    assert.deepEqual(bad.tts, { status: 'not tested' });
    assert.equal(bad.stt?.status, 'fail');
    assert.match(bad.stt?.reason ?? '', /UnrecognizedClientException/);
    assert.doesNotMatch(bad.stt?.reason ?? '', new RegExp(SECRET));
  });
});
