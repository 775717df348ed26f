import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { OPEN_URL_POLICY } from '../../../kernel/net-policy.js';
import { freePort } from '../../../testkit/ports.js';
import { GoogleSpeechServer, makeServiceKey, type GoogleServerOptions, type TestServiceKey } from '../../../testkit/speech/google-server.js';
import { SpeechVendors, TtsVendorError, type SpeechCredential, type SynthesizeRequest } from '../../vendor.js';
import { createSpeechVendors } from '../index.js';
import { addGoogle, GoogleStt, GoogleTts } from './index.js';

const KEY = makeServiceKey();

/** A ramp, so a header left in the audio or a byte-order slip shows. */
function ramp(rate: number): Int16Array {
  const out = new Int16Array(rate);
  for (let i = 0; i < out.length; i++) out[i] = ((i * 37) % 20000) - 10000;
  return out;
}

function credential(key: TestServiceKey = KEY, over: Partial<SpeechCredential> = {}): SpeechCredential {
  return { sid: 'cred-1', accountSid: 'acc-1', vendor: 'google', useForStt: true, useForTts: true, fields: { service_key: JSON.stringify(key) }, ...over };
}

function request(text: string, over: Partial<SynthesizeRequest> = {}): SynthesizeRequest {
  return { credential: credential(), urlPolicy: OPEN_URL_POLICY, text, language: 'en-US', voice: 'en-US-Wavenet-D', synthesizer: { vendor: 'google' }, ...over };
}

async function withServer(opts: Partial<GoogleServerOptions>, fn: (s: GoogleSpeechServer) => Promise<void>): Promise<void> {
  const server = await GoogleSpeechServer.start({ serviceKey: KEY, ttsAudio: ramp, ...opts });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

async function collect(chunks: AsyncIterable<Int16Array>): Promise<Int16Array> {
  const parts: Int16Array[] = [];
  for await (const c of chunks) parts.push(c);
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

const signal = (): AbortSignal => new AbortController().signal;

test('google tts: LINEAR16 at 8 kHz, the WAV header Google adds is stripped, the samples arrive exactly', async () => {
  await withServer({}, async (server) => {
    const audio = await new GoogleTts({ local: server.local }).synthesize(request('Hello world'), signal());
    assert.equal(audio.sampleRate, 8000);
    const pcm = await collect(audio.chunks);
    assert.deepEqual(pcm, ramp(8000));
    assert.deepEqual(server.ttsRequests[0].audioConfig, { audioEncoding: 'LINEAR16', sampleRateHertz: 8000 });
  });
});

test('google tts: audio without a header is taken as raw samples; 16 kHz is asked for when configured', async () => {
  await withServer({ ttsWavHeader: false }, async (server) => {
    const audio = await new GoogleTts({ local: server.local, sampleRate: 16000 }).synthesize(request('Hi'), signal());
    assert.equal(audio.sampleRate, 16000);
    assert.deepEqual(await collect(audio.chunks), ramp(16000));
  });
});

test('google tts: voice name, language and gender from the request; SSML goes as ssml, text as text', async () => {
  await withServer({}, async (server) => {
    const tts = new GoogleTts({ local: server.local });
    await collect((await tts.synthesize(request('Tom & Jerry', { language: 'de-DE', voice: 'de-DE-Wavenet-B', synthesizer: { vendor: 'google', gender: 'male' } }), signal())).chunks);
    const ssml = '<speak>Press <say-as interpret-as="digits">12</say-as></speak>';
    await collect((await tts.synthesize(request(ssml, { language: undefined, voice: undefined, synthesizer: { vendor: 'google', voice: { name: 'en-GB-Neural2-A', ssmlGender: 'FEMALE' } } }), signal())).chunks);
    await collect((await tts.synthesize(request('x', { language: undefined, voice: undefined }), signal())).chunks);
    assert.deepEqual(server.ttsRequests[0].input, { text: 'Tom & Jerry', inputSource: 'text' });
    assert.deepEqual(server.ttsRequests[0].voice, { languageCode: 'de-DE', name: 'de-DE-Wavenet-B', ssmlGender: 'MALE' });
    assert.deepEqual(server.ttsRequests[1].input, { ssml, inputSource: 'ssml' });
    assert.deepEqual(server.ttsRequests[1].voice, { languageCode: 'en-GB', name: 'en-GB-Neural2-A', ssmlGender: 'FEMALE' });
    assert.deepEqual(server.ttsRequests[2].voice, { languageCode: 'en-US', name: 'en-US-Standard-C' }, "jambonz's default voice");
  });
});

test('google tts: a JWT of another key → SPEECH_AUTH 401; a refused port → SPEECH_UNREACHABLE at once (no retries)', async () => {
  await withServer({}, async (server) => {
    await assert.rejects(new GoogleTts({ local: server.local }).synthesize(request('x', { credential: credential(makeServiceKey()) }), signal()), (e: unknown) => {
      assert.ok(e instanceof TtsVendorError);
      assert.equal(e.code, 'SPEECH_AUTH');
      assert.equal(e.status, 401);
      return true;
    });
    assert.equal(server.ttsRequests.length, 0);
  });
  const local = { host: '127.0.0.1', port: await freePort(), channelCredentials: grpc.credentials.createInsecure() };
  const t0 = Date.now();
  await assert.rejects(new GoogleTts({ local }).synthesize(request('x'), signal()), (e: unknown) => e instanceof TtsVendorError && e.code === 'SPEECH_UNREACHABLE' && /ECONNREFUSED/.test(e.message));
  assert.ok(Date.now() - t0 < 900, `failed in ${Date.now() - t0} ms`);
});

test('google tts: no service_key → SPEECH_NO_CREDENTIAL', async () => {
  await assert.rejects(new GoogleTts().synthesize(request('x', { credential: undefined }), signal()), (e: unknown) => e instanceof TtsVendorError && e.code === 'SPEECH_NO_CREDENTIAL');
});

test('google credential tester: ok for TTS and STT with the right key; fail (with the reason) with another; not tested when unused', async () => {
  await withServer({}, async (server) => {
    const vendors = addGoogle(new SpeechVendors(), { local: server.local });
    const tester = vendors.tester('google');
    assert.ok(tester);
    const good = await tester.test({ credential: credential(), urlPolicy: OPEN_URL_POLICY }, signal());
    assert.deepEqual(good, { tts: { status: 'ok' }, stt: { status: 'ok' } });
    assert.equal(server.ttsRequests.length, 1);
    assert.equal(server.sessions.length, 1, 'one recognition stream was opened');
    const bad = await tester.test({ credential: credential(makeServiceKey(), { useForTts: false }), urlPolicy: OPEN_URL_POLICY }, signal());
    assert.deepEqual(bad.tts, { status: 'not tested' });
    assert.equal(bad.stt?.status, 'fail');
    assert.match(bad.stt?.reason ?? '', /UNAUTHENTICATED/);
  });
});

test('google tts: the registry has google', () => {
  const vendors = createSpeechVendors();
  assert.ok(vendors.tts('google') instanceof GoogleTts);
  assert.ok(vendors.stt('google') instanceof GoogleStt);
  assert.ok(vendors.tester('google'));
});
