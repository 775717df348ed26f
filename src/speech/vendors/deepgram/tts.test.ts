import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { OPEN_URL_POLICY, parseUrlPolicy } from '../../../kernel/net-policy.js';
import { startDeepgramServer, type DeepgramServer, type DeepgramServerOptions } from '../../../testkit/speech/deepgram-server.js';
import { TtsVendorError, type SpeechCredential, type SynthesizeRequest } from '../../vendor.js';
import { createSpeechVendors } from '../index.js';
import { listenTarget, speakTarget } from './options.js';
import { DeepgramTts } from './tts.js';

const KEY = 'dg-secret-key-123';

function credential(fields: SpeechCredential['fields'], use: Partial<Pick<SpeechCredential, 'useForStt' | 'useForTts'>> = {}): SpeechCredential {
  return { sid: 'cred-1', accountSid: 'acct-1', vendor: 'deepgram', useForStt: true, useForTts: true, ...use, fields };
}

function speak(server: DeepgramServer, extra: Partial<SynthesizeRequest> = {}, key = KEY): SynthesizeRequest {
  return {
    credential: credential({ api_key: key, deepgram_tts_uri: server.hostPort, deepgram_stt_use_tls: false }),
    urlPolicy: OPEN_URL_POLICY,
    text: 'Hello there.',
    voice: 'aura-luna-en',
    synthesizer: { vendor: 'deepgram' },
    ...extra,
  };
}

async function withServer(opts: Partial<DeepgramServerOptions>, fn: (s: DeepgramServer) => Promise<void>): Promise<void> {
  const server = await startDeepgramServer({ apiKey: KEY, ...opts });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

test('deepgram tts: the first chunk is delivered before the server has sent the last one', async () => {
  await withServer({ holdLastSpeakChunk: true, speakMs: 600, speakChunkMs: 100 }, async (server) => {
    const audio = await new DeepgramTts().synthesize(speak(server), new AbortController().signal);
    assert.equal(audio.sampleRate, 8000);
    const it = audio.chunks[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    assert.ok(first.value.length > 0);
    const rec = server.speaks[0];
    assert.ok(rec.chunksSent < rec.chunksTotal, `${rec.chunksSent} of ${rec.chunksTotal} sent when the first chunk arrived`);
    server.releaseSpeak();
    let samples = first.value.length;
    for (let r = await it.next(); !r.done; r = await it.next()) samples += r.value.length;
    assert.equal(samples, 4800, '600 ms at 8 kHz');
    assert.equal(rec.query.get('model'), 'aura-luna-en');
    assert.equal(rec.query.get('encoding'), 'linear16');
    assert.equal(rec.query.get('sample_rate'), '8000');
    assert.equal(rec.query.get('container'), 'none');
    assert.deepEqual(rec.body, { text: 'Hello there.' });
    assert.equal(rec.authorization, `Token ${KEY}`);
  });
});

test('deepgram tts: the audio is the L16 the server sent, sample for sample, across odd byte splits', async () => {
  await withServer({ speakMs: 300, speakChunkMs: 37 }, async (server) => {
    const audio = await new DeepgramTts().synthesize(speak(server, { text: '<speak>Hi <break time="200ms"/> you</speak>' }), new AbortController().signal);
    const got: number[] = [];
    for await (const c of audio.chunks) got.push(...c);
    assert.equal(got.length, 2400);
    assert.ok(got.some((s) => Math.abs(s) > 3000), 'a tone, not silence');
    assert.deepEqual(server.speaks[0].body, { text: 'Hi you' }, 'SSML reduced to its words');
  });
});

test('deepgram tts: a refused key rejects with SPEECH_AUTH (401), the key not in the message', async () => {
  await withServer({}, async (server) => {
    const err = await new DeepgramTts().synthesize(speak(server, {}, 'bad-key-789'), new AbortController().signal).then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof TtsVendorError);
    assert.equal(err.code, 'SPEECH_AUTH');
    assert.equal(err.status, 401);
    assert.doesNotMatch(err.message, /bad-key-789/);
  });
});

test('deepgram tts: the URL policy public refuses a loopback deepgram_tts_uri; a closed port is SPEECH_UNREACHABLE', async () => {
  await withServer({}, async (server) => {
    const refused = await new DeepgramTts().synthesize({ ...speak(server), urlPolicy: parseUrlPolicy('public') }, new AbortController().signal).then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    assert.ok(refused instanceof TtsVendorError && refused.code === 'SPEECH_UNREACHABLE');
    assert.equal(server.speaks.length, 0);
  });
  const gone = await new DeepgramTts().synthesize(speak({ hostPort: `127.0.0.1:${await freePort()}` } as DeepgramServer), new AbortController().signal).then(
    () => assert.fail('should reject'),
    (e: unknown) => e,
  );
  assert.ok(gone instanceof TtsVendorError && gone.code === 'SPEECH_UNREACHABLE', String(gone));
});

test('deepgram: on-prem URIs are host:port with the TLS flag choosing the scheme; the cloud is the default', () => {
  const base = { urlPolicy: OPEN_URL_POLICY, language: 'en-US', sampleRate: 8000 as const, interim: false, hints: [], recognizer: {} };
  assert.match(listenTarget({ ...base, credential: credential({ api_key: 'k' }) }).url, /^wss:\/\/api\.deepgram\.com\/v1\/listen\?/);
  assert.match(listenTarget({ ...base, credential: credential({ api_key: 'k', deepgram_stt_uri: '10.0.0.5:8080', deepgram_stt_use_tls: true }) }).url, /^wss:\/\/10\.0\.0\.5:8080\/v1\/listen\?/);
  assert.match(listenTarget({ ...base, credential: credential({ api_key: 'k', deepgram_stt_uri: '10.0.0.5:8080' }) }).url, /^ws:\/\/10\.0\.0\.5:8080\/v1\/listen\?/);
  const tts = { urlPolicy: OPEN_URL_POLICY, text: 'x', synthesizer: {} };
  assert.match(speakTarget({ ...tts, credential: credential({ api_key: 'k' }) }).url, /^https:\/\/api\.deepgram\.com\/v1\/speak\?model=aura-asteria-en&/);
  assert.match(speakTarget({ ...tts, credential: credential({ api_key: 'k', deepgram_tts_uri: 'tts.local:9000', deepgram_stt_use_tls: true }) }).url, /^https:\/\/tts\.local:9000\/v1\/speak\?/);
  assert.match(speakTarget({ ...tts, credential: credential({ api_key: 'k', deepgram_tts_uri: 'tts.local:9000' }) }).url, /^http:\/\/tts\.local:9000\/v1\/speak\?/);
});

test('deepgram tester: ok for a good key (a speak request and a listen handshake), fail with the reason for a bad one', async () => {
  await withServer({}, async (server) => {
    const tester = createSpeechVendors().tester('deepgram');
    assert.ok(tester);
    const fields = { deepgram_stt_uri: server.hostPort, deepgram_tts_uri: server.hostPort };
    const ok = await tester.test({ credential: credential({ api_key: KEY, ...fields }), urlPolicy: OPEN_URL_POLICY }, new AbortController().signal);
    assert.deepEqual(ok, { tts: { status: 'ok' }, stt: { status: 'ok' } });
    assert.equal(server.speaks.length, 1);
    assert.equal(server.listens.length, 1);
    const bad = await tester.test({ credential: credential({ api_key: 'nope-000', ...fields }, { useForTts: false }), urlPolicy: OPEN_URL_POLICY }, new AbortController().signal);
    assert.deepEqual(bad.tts, { status: 'not tested' });
    assert.equal(bad.stt?.status, 'fail');
    assert.match(bad.stt?.reason ?? '', /HTTP 401/);
    assert.doesNotMatch(bad.stt?.reason ?? '', /nope-000/);
  });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
