import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPEN_URL_POLICY, parseUrlPolicy } from '../../../kernel/net-policy.js';
import { freePort } from '../../../testkit/ports.js';
import { startElevenLabsServer, type ElevenLabsServer, type ElevenLabsServerOptions } from '../../../testkit/speech/elevenlabs-server.js';
import { TtsVendorError, type SpeechCredential, type SynthesizeRequest } from '../../vendor.js';
import { createSpeechVendors } from '../index.js';
import { ElevenLabsCredentialTester } from './tester.js';
import { ElevenLabsTts } from './tts.js';

const KEY = 'xi-secret-key-4567';

function credential(fields: SpeechCredential['fields'] = {}, use: Partial<Pick<SpeechCredential, 'useForStt' | 'useForTts'>> = {}): SpeechCredential {
  return { sid: 'cred-el', accountSid: 'acct-1', vendor: 'elevenlabs', useForStt: false, useForTts: true, ...use, fields: { api_key: KEY, ...fields } };
}

function speak(extra: Partial<SynthesizeRequest> = {}): SynthesizeRequest {
  return { credential: credential(), urlPolicy: OPEN_URL_POLICY, text: 'Hello there.', voice: 'voice-abc', language: 'en-US', synthesizer: { vendor: 'elevenlabs' }, ...extra };
}

async function withServer(opts: Partial<ElevenLabsServerOptions>, fn: (s: ElevenLabsServer) => Promise<void>): Promise<void> {
  const server = await startElevenLabsServer({ apiKey: KEY, ...opts });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => assert.fail('should reject'),
    (e: unknown) => e,
  );
}

test('elevenlabs tts: POST /v1/text-to-speech/{voice}/stream streams PCM; the first chunk arrives before the last is sent', async () => {
  await withServer({ holdLast: true, speakMs: 600, chunkMs: 100 }, async (server) => {
    const audio = await new ElevenLabsTts({ baseUrl: server.url }).synthesize(speak(), new AbortController().signal);
    assert.equal(audio.sampleRate, 16000);
    const it = audio.chunks[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    assert.ok(first.value.length > 0);
    const rec = server.requests[0];
    assert.ok(rec.chunksSent < rec.chunksTotal, `${rec.chunksSent} of ${rec.chunksTotal} sent when the first chunk arrived`);
    server.release();
    let samples = first.value.length;
    for (let r = await it.next(); !r.done; r = await it.next()) samples += r.value.length;
    assert.equal(samples, 9600, '600 ms at 16 kHz');
    assert.equal(rec.voiceId, 'voice-abc');
    assert.equal(rec.query.get('output_format'), 'pcm_16000');
    assert.equal(rec.apiKey, KEY);
    assert.deepEqual(rec.body, { text: 'Hello there.', model_id: 'eleven_multilingual_v2' });
  });
});

test('elevenlabs tts: model_id and voice_settings from the synthesizer options win over the credential; SSML is read as its words', async () => {
  await withServer({}, async (server) => {
    const cred = credential({ model_id: 'eleven_turbo_v2_5', options: JSON.stringify({ optimize_streaming_latency: 2, voice_settings: { stability: 0.2 } }) });
    const tts = new ElevenLabsTts({ baseUrl: server.url });
    for await (const c of (await tts.synthesize(speak({ credential: cred }), new AbortController().signal)).chunks) void c;
    const options = { model_id: 'eleven_flash_v2_5', voice_settings: { stability: 0.5, similarity_boost: 0.8 } };
    const req = speak({ credential: cred, text: '<speak>Hi <break time="200ms"/> you</speak>', synthesizer: { vendor: 'elevenlabs', options } });
    for await (const c of (await tts.synthesize(req, new AbortController().signal)).chunks) void c;
    const [a, b] = server.requests;
    assert.deepEqual(a.body, { text: 'Hello there.', model_id: 'eleven_turbo_v2_5', voice_settings: { stability: 0.2 } });
    assert.equal(a.query.get('optimize_streaming_latency'), '2');
    assert.deepEqual(b.body, { text: 'Hi you', model_id: 'eleven_flash_v2_5', voice_settings: { stability: 0.5, similarity_boost: 0.8 } });
  });
});

test('elevenlabs tts: a refused key rejects with SPEECH_AUTH (401) and the service words, never the key', async () => {
  await withServer({}, async (server) => {
    const err = await rejection(new ElevenLabsTts({ baseUrl: server.url }).synthesize(speak({ credential: credential({ api_key: 'wrong-key-999' }) }), new AbortController().signal));
    assert.ok(err instanceof TtsVendorError);
    assert.equal(err.code, 'SPEECH_AUTH');
    assert.equal(err.status, 401);
    assert.equal(err.vendor, 'elevenlabs');
    assert.match(err.message, /invalid_api_key/);
    assert.doesNotMatch(err.message, /wrong-key-999/);
  });
});

test('elevenlabs tts: no api_key → SPEECH_NO_CREDENTIAL; a closed port → SPEECH_UNREACHABLE; the URL policy applies', async () => {
  const noKey = await rejection(new ElevenLabsTts().synthesize(speak({ credential: credential({ api_key: undefined }) }), new AbortController().signal));
  assert.ok(noKey instanceof TtsVendorError && noKey.code === 'SPEECH_NO_CREDENTIAL', String(noKey));
  const gone = await rejection(new ElevenLabsTts({ baseUrl: `http://127.0.0.1:${await freePort()}` }).synthesize(speak(), new AbortController().signal));
  assert.ok(gone instanceof TtsVendorError && gone.code === 'SPEECH_UNREACHABLE', String(gone));
  await withServer({}, async (server) => {
    const refused = await rejection(new ElevenLabsTts({ baseUrl: server.url }).synthesize(speak({ urlPolicy: parseUrlPolicy('public') }), new AbortController().signal));
    assert.ok(refused instanceof TtsVendorError && refused.code === 'SPEECH_UNREACHABLE', String(refused));
    assert.equal(server.requests.length, 0);
  });
});

test('elevenlabs tts: the service breaking off mid-stream → the chunks throw SPEECH_CLOSED', async () => {
  await withServer({ breakAfterChunks: 2 }, async (server) => {
    const audio = await new ElevenLabsTts({ baseUrl: server.url }).synthesize(speak(), new AbortController().signal);
    let samples = 0;
    const err = await (async () => {
      for await (const c of audio.chunks) samples += c.length;
    })().then(
      () => assert.fail('should throw'),
      (e: unknown) => e,
    );
    assert.ok(samples > 0, 'audio came before the break');
    assert.ok(err instanceof TtsVendorError && err.code === 'SPEECH_CLOSED', String(err));
  });
});

test('elevenlabs tester: ok for a good key (one short synthesis), fail with the reason for a bad one; STT is not offered', async () => {
  await withServer({}, async (server) => {
    assert.ok(createSpeechVendors().tts('elevenlabs'), 'registered');
    assert.equal(createSpeechVendors().stt('elevenlabs'), undefined);
    const tester = new ElevenLabsCredentialTester(new ElevenLabsTts({ baseUrl: server.url }));
    const ok = await tester.test({ credential: credential(), urlPolicy: OPEN_URL_POLICY }, new AbortController().signal);
    assert.deepEqual(ok, { tts: { status: 'ok' }, stt: { status: 'not tested' } });
    assert.equal(server.requests.length, 1);
    const bad = await tester.test({ credential: credential({ api_key: 'nope-000' }, { useForStt: true }), urlPolicy: OPEN_URL_POLICY }, new AbortController().signal);
    assert.equal(bad.tts?.status, 'fail');
    assert.match(bad.tts?.reason ?? '', /HTTP 401/);
    assert.doesNotMatch(bad.tts?.reason ?? '', /nope-000/);
    assert.equal(bad.stt?.status, 'fail');
    assert.match(bad.stt?.reason ?? '', /speech recognition/);
  });
});
