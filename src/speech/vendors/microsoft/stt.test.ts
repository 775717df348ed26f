import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodeWav } from '../../../media/playout/wav.js';
import { OPEN_URL_POLICY, parseUrlPolicy, type UrlPolicy } from '../../../kernel/net-policy.js';
import { concat, silence, speechLike } from '../../../testkit/audio.js';
import { freePort } from '../../../testkit/ports.js';
import { MicrosoftSpeechServer } from '../../../testkit/speech/microsoft-server.js';
import { SttError, type RecognizeRequest, type SpeechCredential, type SttEvent } from '../../vendor.js';
import { resolveSttEndpoint } from './endpoint.js';
import { MicrosoftStt } from './stt.js';
import { SttEvents, pollFor, writeFrames } from '../../../testkit/speech/stt-harness.js';

const KEY = 'test-key-0123456789abcdef';
const HELLO = decodeWav(readFileSync(new URL('../../../../test/audio/hello_8k.wav', import.meta.url)));

function credential(fields: SpeechCredential['fields']): SpeechCredential {
  return { sid: 'cred-1', accountSid: 'acc-1', vendor: 'microsoft', useForStt: true, useForTts: true, fields: { api_key: KEY, region: 'westeurope', ...fields } };
}

function request(recognizer: Record<string, unknown>, over: Partial<RecognizeRequest> = {}): RecognizeRequest {
  return {
    credential: credential({}),
    urlPolicy: OPEN_URL_POLICY as UrlPolicy,
    language: 'en-US',
    sampleRate: 8000,
    interim: true,
    hints: [],
    recognizer: { vendor: 'microsoft', ...recognizer },
    ...over,
  };
}

const isFinal = (e: SttEvent): boolean => e.type === 'transcript' && e.isFinal;

test('microsoft stt: hello_8k.wav through the SDK gives speech-start, an interim, the scripted final with its confidence, then utterance-end', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY, transcripts: ['Hello there.'], confidence: 0.87 });
  try {
    const ev = new SttEvents();
    const stream = await new MicrosoftStt().start(request({ azureServiceEndpoint: server.sttUrl }), ev.push, new AbortController().signal);
    writeFrames(stream, concat(silence(300), HELLO, silence(900)));
    await ev.until((e) => e.type === 'utterance-end');
    stream.finalize();
    await pollFor(() => server.sessions[0]?.closed, 'the stream to close after finalize');
    const types = ev.all.map((e) => (e.type === 'transcript' ? (e.isFinal ? 'final' : 'interim') : e.type));
    assert.deepEqual(types, ['speech-start', 'interim', 'final', 'utterance-end']);
    const final = ev.all.find(isFinal);
    assert.deepEqual(final?.type === 'transcript' && final.alternatives, [{ transcript: 'Hello there.', confidence: 0.87 }]);
    assert.equal(server.sessions[0].sampleRate, 8000, 'the SDK announced 8 kHz L16');
    assert.match(server.sessions[0].url, /language=en-US/);
  } finally {
    await server.close();
  }
});

test('microsoft stt: silence gets no transcript though the audio arrived', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY, transcripts: ['should not be used'] });
  try {
    const ev = new SttEvents();
    const stream = await new MicrosoftStt().start(request({ azureServiceEndpoint: server.sttUrl }), ev.push, new AbortController().signal);
    writeFrames(stream, silence(2000));
    stream.finalize();
    const session = await pollFor(() => (server.sessions[0]?.closed ? server.sessions[0] : undefined), 'the stream to close');
    assert.ok(session.ended, 'the client ended its audio');
    assert.ok(session.audioBytes >= 2000 * 16, `2 s of audio arrived (${session.audioBytes} bytes)`);
    assert.deepEqual(ev.all, []);
  } finally {
    await server.close();
  }
});

test('microsoft stt: a 16 kHz stream is announced and recognized at 16 kHz', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY, transcripts: ['sixteen'] });
  try {
    const ev = new SttEvents();
    const req = request({ azureServiceEndpoint: server.sttUrl }, { sampleRate: 16000, interim: false });
    const stream = await new MicrosoftStt().start(req, ev.push, new AbortController().signal);
    // The testkit's generators count samples at 8 kHz: double them for 16 kHz durations.
    writeFrames(stream, concat(silence(400), speechLike(1600), silence(1600)), 320);
    await ev.until(isFinal);
    stream.close();
    assert.equal(server.sessions[0].sampleRate, 16000);
    assert.equal(ev.all.filter((e) => e.type === 'transcript' && !e.isFinal).length, 0, 'no interim when interim is false');
  } finally {
    await server.close();
  }
});

test('microsoft stt: a wrong key is refused with 401 → SPEECH_AUTH, and the key is not in the message', async () => {
  const server = await MicrosoftSpeechServer.start({ key: 'the-right-key' });
  try {
    const err = await new MicrosoftStt().start(request({ azureServiceEndpoint: server.sttUrl }), () => undefined, new AbortController().signal).then(
      () => assert.fail('started'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SttError);
    assert.equal(err.code, 'SPEECH_AUTH');
    assert.equal(err.status, 401);
    assert.ok(!err.message.includes(KEY), err.message);
    assert.equal(server.sessions.length, 0);
  } finally {
    await server.close();
  }
});

test('microsoft stt: a refused port → SPEECH_UNREACHABLE', async () => {
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}/speech/recognition/conversation/cognitiveservices/v1`;
  await assert.rejects(new MicrosoftStt().start(request({ azureServiceEndpoint: url }), () => undefined, new AbortController().signal), (e: unknown) => {
    assert.ok(e instanceof SttError);
    assert.equal(e.code, 'SPEECH_UNREACHABLE');
    assert.match(e.message, /ECONNREFUSED/);
    return true;
  });
});

test('microsoft stt: the service closing mid-stream → one error event (SPEECH_CLOSED), nothing after', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY, transcripts: ['x'], closeAfterAudioMs: 300 });
  try {
    const ev = new SttEvents();
    const stream = await new MicrosoftStt().start(request({ azureServiceEndpoint: server.sttUrl }), ev.push, new AbortController().signal);
    writeFrames(stream, silence(1000));
    const e = await ev.until((x) => x.type === 'error');
    assert.ok(e.type === 'error' && e.error.code === 'SPEECH_CLOSED', JSON.stringify(e));
    writeFrames(stream, concat(speechLike(600), silence(800)));
    stream.finalize();
    stream.close();
    assert.equal(ev.all.length, 1, JSON.stringify(ev.all));
  } finally {
    await server.close();
  }
});

test('microsoft stt: endpoint precedence — azureServiceEndpoint, then the credential custom URL, then the region', () => {
  const custom = credential({ use_custom_stt: true, custom_stt_endpoint_url: 'wss://onprem.example/stt' });
  assert.equal(resolveSttEndpoint({ azureServiceEndpoint: 'wss://app.example/x' }, custom, 'conversation').url, 'wss://app.example/x');
  assert.equal(resolveSttEndpoint({}, custom, 'conversation').url, 'wss://onprem.example/stt');
  const off = credential({ use_custom_stt: false, custom_stt_endpoint_url: 'wss://onprem.example/stt' });
  assert.equal(resolveSttEndpoint({}, off, 'conversation').url, 'wss://westeurope.stt.speech.microsoft.com/speech/recognition/conversation/cognitiveservices/v1');
  assert.equal(resolveSttEndpoint({}, credential({ region: 'chinaeast2' }), 'dictation').url, 'wss://chinaeast2.stt.speech.azure.cn/speech/recognition/dictation/cognitiveservices/v1');
});

test('microsoft stt: azureServiceEndpoint wins over the credential custom endpoint on the wire', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY, transcripts: ['app endpoint'] });
  try {
    const dead = `ws://127.0.0.1:${await freePort()}/stt`;
    const ev = new SttEvents();
    const req = request({ azureServiceEndpoint: server.sttUrl }, { credential: credential({ use_custom_stt: true, custom_stt_endpoint_url: dead }) });
    const stream = await new MicrosoftStt().start(req, ev.push, new AbortController().signal);
    writeFrames(stream, concat(speechLike(600), silence(800)));
    const final = await ev.until(isFinal);
    assert.ok(final.type === 'transcript' && final.alternatives[0].transcript === 'app endpoint');
    stream.close();
    // Without azureServiceEndpoint the credential's endpoint is used (here: refused).
    const viaCred = new MicrosoftStt().start({ ...req, recognizer: { vendor: 'microsoft' } }, () => undefined, new AbortController().signal);
    await assert.rejects(viaCred, (e: unknown) => e instanceof SttError && e.code === 'SPEECH_UNREACHABLE');
  } finally {
    await server.close();
  }
});

test('microsoft stt: recognizer fields reach the service — hints as a phrase list, profanity, initial silence, simple format', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY, transcripts: ['simple text'] });
  try {
    const ev = new SttEvents();
    const recognizer = { azureServiceEndpoint: server.sttUrl, profanityOption: 'removed', initialSpeechTimeoutMs: 4500, outputFormat: 'simple', azureOptions: { speechSegmentationSilenceTimeoutMs: 700 } };
    const stream = await new MicrosoftStt().start(request(recognizer, { hints: ['Contoso', ' Fabrikam '] }), ev.push, new AbortController().signal);
    writeFrames(stream, concat(speechLike(600), silence(800)));
    const final = await ev.until(isFinal);
    stream.close();
    const s = server.sessions[0];
    const q = new URL(s.url).searchParams;
    assert.equal(q.get('profanity'), 'removed');
    assert.equal(q.get('initialSilenceTimeoutMs'), '4500');
    assert.equal(q.get('segmentationSilenceTimeoutMs'), '700');
    assert.equal(q.get('format'), 'simple');
    const context = s.messages.get('speech.context') ?? '';
    assert.ok(context.includes('Contoso') && context.includes('"Fabrikam"'), context);
    assert.deepEqual(final.type === 'transcript' && final.alternatives, [{ transcript: 'simple text' }]);
  } finally {
    await server.close();
  }
});

test('microsoft stt: a tenant endpoint the URL policy refuses is never connected to', async () => {
  const server = await MicrosoftSpeechServer.start({ key: KEY });
  try {
    const req = request({ azureServiceEndpoint: server.sttUrl }, { urlPolicy: parseUrlPolicy('public') });
    await assert.rejects(new MicrosoftStt().start(req, () => undefined, new AbortController().signal), (e: unknown) => {
      assert.ok(e instanceof SttError);
      assert.equal(e.code, 'SPEECH_UNREACHABLE');
      assert.match(e.message, /URL policy/);
      return true;
    });
    assert.equal(server.sessions.length, 0);
  } finally {
    await server.close();
  }
});

test('microsoft stt: no credential → SPEECH_NO_CREDENTIAL', async () => {
  await assert.rejects(new MicrosoftStt().start(request({}, { credential: undefined }), () => undefined, new AbortController().signal), (e: unknown) => e instanceof SttError && e.code === 'SPEECH_NO_CREDENTIAL');
});
