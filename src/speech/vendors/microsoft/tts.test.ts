import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPEN_URL_POLICY, parseUrlPolicy } from '../../../kernel/net-policy.js';
import { freePort } from '../../../testkit/ports.js';
import { MicrosoftSpeechServer } from '../../../testkit/speech/microsoft-server.js';
import { TtsVendorError, type SpeechCredential, type SynthesizeRequest } from '../../vendor.js';
import { MicrosoftCredentialTester } from './tester.js';
import { buildSsml, MicrosoftTts } from './tts.js';

const KEY = 'tts-key-fedcba9876543210';

function credential(server: MicrosoftSpeechServer | undefined, fields: SpeechCredential['fields'] = {}): SpeechCredential {
  const custom = server ? { use_custom_tts: true, custom_tts_endpoint_url: server.ttsUrl, use_custom_stt: true, custom_stt_endpoint_url: server.sttUrl } : {};
  return { sid: 'cred-1', accountSid: 'acc-1', vendor: 'microsoft', useForStt: true, useForTts: true, fields: { api_key: KEY, region: 'westeurope', ...custom, ...fields } };
}

function request(cred: SpeechCredential, text: string, over: Partial<SynthesizeRequest> = {}): SynthesizeRequest {
  return { credential: cred, urlPolicy: OPEN_URL_POLICY, text, language: 'en-US', voice: 'en-US-JennyNeural', synthesizer: { vendor: 'microsoft' }, ...over };
}

const signal = (): AbortSignal => new AbortController().signal;

test('microsoft tts: audio streams — the first chunk arrives before the service has sent the last', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY, holdLastTtsChunk: true, ttsChunks: 4 });
  try {
    const audio = await new MicrosoftTts().synthesize(request(credential(server), 'Hello world'), signal());
    assert.equal(audio.sampleRate, 8000);
    const it = audio.chunks[Symbol.asyncIterator]();
    const first = await it.next();
    assert.ok(!first.done && first.value.length > 0);
    assert.equal(server.ttsLastSent, false, 'the last chunk is still held by the server');
    server.releaseTts();
    let total = first.done ? 0 : first.value.length;
    for (let r = await it.next(); !r.done; r = await it.next()) total += r.value.length;
    assert.equal(total, 8000, 'one second of 8 kHz L16');
    const seen = server.ttsRequests[0];
    assert.equal(seen.headers['x-microsoft-outputformat'], 'raw-8khz-16bit-mono-pcm');
    assert.equal(seen.headers['content-type'], 'application/ssml+xml');
  } finally {
    await server.close();
  }
});

test('microsoft tts: 16 kHz output asks for raw-16khz-16bit-mono-pcm', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY });
  try {
    const audio = await new MicrosoftTts({ sampleRate: 16000 }).synthesize(request(credential(server), 'Hi'), signal());
    let total = 0;
    for await (const c of audio.chunks) total += c.length;
    assert.equal(audio.sampleRate, 16000);
    assert.equal(total, 16000);
    assert.equal(server.ttsRequests[0].headers['x-microsoft-outputformat'], 'raw-16khz-16bit-mono-pcm');
  } finally {
    await server.close();
  }
});

test('microsoft tts: plain text is XML-escaped inside <speak><voice>', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY });
  try {
    const audio = await new MicrosoftTts().synthesize(request(credential(server), 'Tom & Jerry <3 "cheese"', { language: 'de-DE', voice: 'de-DE-KatjaNeural' }), signal());
    for await (const c of audio.chunks) void c;
    const body = server.ttsRequests[0].body;
    assert.equal(
      body,
      '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="de-DE"><voice name="de-DE-KatjaNeural">Tom &amp; Jerry &lt;3 "cheese"</voice></speak>',
    );
  } finally {
    await server.close();
  }
});

test('microsoft tts: SSML with a voice passes through unchanged; SSML without one gets the voice and required attributes', () => {
  const full = '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US"><voice name="en-US-GuyNeural">Hi <break time="300ms"/></voice></speak>';
  assert.equal(buildSsml(full, 'ignored', 'en-US'), full);
  assert.equal(
    buildSsml('<speak>Press <say-as interpret-as="digits">12</say-as></speak>', 'en-US-JennyNeural', 'en-US'),
    '<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US"><voice name="en-US-JennyNeural">Press <say-as interpret-as="digits">12</say-as></voice></speak>',
  );
  assert.match(buildSsml('a "b"', 'x"y', 'en-US'), /<voice name="x&quot;y">a "b"<\/voice>/);
});

test('microsoft tts: a wrong key → SPEECH_AUTH (401), the key not in the message', async () => {
  const server = await MicrosoftSpeechServer.start({ key: 'another-key' });
  try {
    await assert.rejects(new MicrosoftTts().synthesize(request(credential(server), 'x'), signal()), (e: unknown) => {
      assert.ok(e instanceof TtsVendorError);
      assert.equal(e.code, 'SPEECH_AUTH');
      assert.equal(e.status, 401);
      assert.ok(!e.message.includes(KEY));
      return true;
    });
  } finally {
    await server.close();
  }
});

test('microsoft tts: a refused port → SPEECH_UNREACHABLE; a policy-refused custom endpoint is never requested', async () => {
  const dead = credential(undefined, { use_custom_tts: true, custom_tts_endpoint_url: `http://127.0.0.1:${await freePort()}/cognitiveservices/v1` });
  await assert.rejects(new MicrosoftTts().synthesize(request(dead, 'x'), signal()), (e: unknown) => e instanceof TtsVendorError && e.code === 'SPEECH_UNREACHABLE');
  const server = await MicrosoftSpeechServer.start({ key: KEY });
  try {
    const req = request(credential(server), 'x', { urlPolicy: parseUrlPolicy('public') });
    await assert.rejects(new MicrosoftTts().synthesize(req, signal()), (e: unknown) => e instanceof TtsVendorError && e.code === 'SPEECH_UNREACHABLE' && /URL policy/.test(e.message));
    assert.equal(server.ttsRequests.length, 0);
  } finally {
    await server.close();
  }
});

test('microsoft credential tester: ok for TTS and STT with the right key, fail with a wrong one, not tested when unused', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY });
  try {
    const tester = new MicrosoftCredentialTester();
    const good = await tester.test({ credential: credential(server), urlPolicy: OPEN_URL_POLICY }, signal());
    assert.deepEqual(good, { tts: { status: 'ok' }, stt: { status: 'ok' } });
    assert.equal(server.sessions.length, 1, 'one recognition connection was opened');
    const bad = credential(server, { api_key: 'wrong-key' });
    const failed = await tester.test({ credential: { ...bad, useForStt: false }, urlPolicy: OPEN_URL_POLICY }, signal());
    assert.equal(failed.tts?.status, 'fail');
    assert.match(failed.tts?.reason ?? '', /401/);
    assert.deepEqual(failed.stt, { status: 'not tested' });
  } finally {
    await server.close();
  }
});
