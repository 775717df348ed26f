import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { concat, silence } from '../../../testkit/audio.js';
import { startCustomSpeechServer, type CustomSpeechServer, type CustomSpeechServerOptions } from '../../../testkit/speech/custom-speech-server.js';
import { decodeWav } from '../../../media/playout/wav.js';
import { OPEN_URL_POLICY, parseUrlPolicy } from '../../../kernel/net-policy.js';
import { SttError, TtsVendorError, type RecognizeRequest, type SpeechCredential, type SttEvent, type SynthesizeRequest } from '../../vendor.js';
import { createSpeechVendors } from '../index.js';
import { writeFrames } from '../../../testkit/speech/stt-harness.js';

const TOKEN = 'custom-token-abc';
const HELLO = decodeWav(readFileSync(new URL('../../../../test/audio/hello_8k.wav', import.meta.url)));
const vendors = createSpeechVendors();

function credential(server: Pick<CustomSpeechServer, 'sttUrl' | 'ttsUrl'>, token = TOKEN): SpeechCredential {
  return { sid: 'c1', accountSid: 'a1', vendor: 'custom:acme', useForStt: true, useForTts: true, fields: { custom_stt_url: server.sttUrl, custom_tts_url: server.ttsUrl, auth_token: token } };
}

function recognize(server: Pick<CustomSpeechServer, 'sttUrl' | 'ttsUrl'>, extra: Partial<RecognizeRequest> = {}, token = TOKEN): RecognizeRequest {
  return { credential: credential(server, token), urlPolicy: OPEN_URL_POLICY, language: 'en-GB', sampleRate: 8000, interim: true, hints: [], recognizer: { vendor: 'custom:acme' }, ...extra };
}

function speak(server: Pick<CustomSpeechServer, 'sttUrl' | 'ttsUrl'>, extra: Partial<SynthesizeRequest> = {}, token = TOKEN): SynthesizeRequest {
  return { credential: credential(server, token), urlPolicy: OPEN_URL_POLICY, text: 'Hello.', language: 'en-GB', voice: 'anna', synthesizer: { vendor: 'custom:acme' }, ...extra };
}

async function withServer(opts: Partial<CustomSpeechServerOptions>, fn: (s: CustomSpeechServer) => Promise<void>): Promise<void> {
  const server = await startCustomSpeechServer({ token: TOKEN, transcripts: ['good morning'], ...opts });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function collector(): { events: SttEvent[]; on: (e: SttEvent) => void; until: (p: (e: SttEvent) => boolean) => Promise<SttEvent> } {
  const events: SttEvent[] = [];
  const waiters: { p: (e: SttEvent) => boolean; r: (e: SttEvent) => void }[] = [];
  return {
    events,
    on: (e) => {
      events.push(e);
      for (const w of [...waiters]) {
        if (!w.p(e)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.r(e);
      }
    },
    until: (p) => events.find(p) ? Promise.resolve(events.find(p) as SttEvent) : new Promise((r) => waiters.push({ p, r })),
  };
}

const sttOf = (): NonNullable<ReturnType<typeof vendors.stt>> => vendors.stt('custom:acme') ?? assert.fail('custom stt registered');
const ttsOf = (): NonNullable<ReturnType<typeof vendors.tts>> => vendors.tts('custom:acme') ?? assert.fail('custom tts registered');

test('custom stt: start message first (language, raw LINEAR16, sample rate, interim, options with hints), Bearer auth', async () => {
  await withServer({}, async (server) => {
    const req = recognize(server, { hints: ['acme'], hintsBoost: 10, recognizer: { vendor: 'custom:acme', customOptions: { options: { model: 'phone' } } } });
    const stream = await sttOf().start(req, () => undefined, new AbortController().signal);
    stream.write(silence(20));
    await waitUntil(() => server.listens[0]?.audio.length === 1);
    assert.deepEqual(server.listens[0].start, {
      type: 'start', language: 'en-GB', format: 'raw', encoding: 'LINEAR16', sampleRateHz: 8000, interimResults: true, options: { model: 'phone', hints: ['acme'], hintsBoost: 10 },
    });
    assert.equal(server.listens[0].authorization, `Bearer ${TOKEN}`);
    stream.close();
  });
});

test('custom stt: the spoken hello is answered interim then final; stop ends the stream without error', async () => {
  await withServer({}, async (server) => {
    const c = collector();
    const stream = await sttOf().start(recognize(server), c.on, new AbortController().signal);
    writeFrames(stream, concat(silence(200), HELLO, silence(800)));
    const final = await c.until((e) => e.type === 'transcript' && e.isFinal);
    assert.deepEqual(c.events.map((e) => (e.type === 'transcript' ? `${e.isFinal}:${e.alternatives[0].transcript}` : e.type)), ['false:good', 'true:good morning']);
    assert.ok(final.type === 'transcript');
    assert.equal(final.alternatives[0].confidence, 0.88);
    assert.equal(final.channel, 1);
    assert.equal(final.language, 'en-GB');
    stream.finalize();
    await waitUntil(() => server.listens[0].closed);
    assert.deepEqual(server.listens[0].controls, ['start', 'stop']);
    await new Promise((r) => setImmediate(r));
    assert.equal(c.events.some((e) => e.type === 'error'), false);
  });
});

test('custom stt: an error message from the server becomes an error event with its words', async () => {
  await withServer({ errorAfterMs: 20 }, async (server) => {
    const c = collector();
    await sttOf().start(recognize(server), c.on, new AbortController().signal);
    const e = await c.until((x) => x.type === 'error');
    assert.ok(e.type === 'error' && e.error.code === 'SPEECH_PROTOCOL');
    assert.match(e.error.message, /upstream recognizer unavailable/);
    assert.equal(e.error.vendor, 'custom:acme');
  });
});

test('custom stt: closed mid-stream → SPEECH_CLOSED; refused token → SPEECH_AUTH (403); closed port → SPEECH_UNREACHABLE', async () => {
  await withServer({ closeAfterMs: 30 }, async (server) => {
    const c = collector();
    await sttOf().start(recognize(server), c.on, new AbortController().signal);
    const e = await c.until((x) => x.type === 'error');
    assert.ok(e.type === 'error' && e.error.code === 'SPEECH_CLOSED');
    const auth = await sttOf().start(recognize(server, {}, 'wrong-tok-1'), () => undefined, new AbortController().signal).then(() => assert.fail('rejects'), (x: unknown) => x);
    assert.ok(auth instanceof SttError && auth.code === 'SPEECH_AUTH' && auth.status === 403);
    assert.doesNotMatch(auth.message, /wrong-tok-1/);
  });
  const port = await freePort();
  const gone = await sttOf().start(recognize({ sttUrl: `ws://127.0.0.1:${port}/transcribe`, ttsUrl: '' }), () => undefined, new AbortController().signal).then(() => assert.fail('rejects'), (x: unknown) => x);
  assert.ok(gone instanceof SttError && gone.code === 'SPEECH_UNREACHABLE');
});

test('custom stt and tts: the URL policy public refuses loopback custom URLs before connecting', async () => {
  await withServer({}, async (server) => {
    const policy = parseUrlPolicy('public');
    const s = await sttOf().start({ ...recognize(server), urlPolicy: policy }, () => undefined, new AbortController().signal).then(() => assert.fail('rejects'), (x: unknown) => x);
    assert.ok(s instanceof SttError && s.code === 'SPEECH_UNREACHABLE');
    const t = await ttsOf().synthesize({ ...speak(server), urlPolicy: policy }, new AbortController().signal).then(() => assert.fail('rejects'), (x: unknown) => x);
    assert.ok(t instanceof TtsVendorError && t.code === 'SPEECH_UNREACHABLE');
    assert.equal(server.listens.length + server.speaks.length, 0);
  });
});

test('custom tts: POST {language, voice, type, text} with Bearer; audio/l16;rate=16000 streams, first chunk before the last is sent', async () => {
  await withServer({ speakFormat: 'l16', speakRate: 16000, speakMs: 500, holdLastSpeakChunk: true }, async (server) => {
    const audio = await ttsOf().synthesize(speak(server, { text: '<speak>Hi</speak>' }), new AbortController().signal);
    assert.equal(audio.sampleRate, 16000);
    const it = audio.chunks[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.done, false);
    assert.ok(server.speaks[0].chunksSent < server.speaks[0].chunksTotal);
    server.releaseSpeak();
    let n = first.value.length;
    for (let r = await it.next(); !r.done; r = await it.next()) n += r.value.length;
    assert.equal(n, 8000, '500 ms at 16 kHz');
    assert.deepEqual(server.speaks[0].body, { language: 'en-GB', voice: 'anna', type: 'ssml', text: '<speak>Hi</speak>' });
    assert.equal(server.speaks[0].authorization, `Bearer ${TOKEN}`);
  });
});

test('custom tts: audio/wav is read past its header and streamed at its own rate', async () => {
  await withServer({ speakFormat: 'wav', speakRate: 8000, speakMs: 300 }, async (server) => {
    const audio = await ttsOf().synthesize(speak(server), new AbortController().signal);
    assert.equal(audio.sampleRate, 8000);
    const all: number[] = [];
    for await (const c of audio.chunks) all.push(...c);
    assert.equal(all.length, 2400, 'the 44-byte header is not played as audio');
    assert.ok(all.some((s) => Math.abs(s) > 3000), 'the tone');
    assert.ok(all.every((s) => Math.abs(s) <= 6001), 'no header bytes ("RIFF" would read as 18770)');
  });
});

test('custom tts: MP3 is refused with a clear SPEECH_PROTOCOL; a bad token is SPEECH_AUTH', async () => {
  await withServer({ speakFormat: 'mp3' }, async (server) => {
    const mp3 = await ttsOf().synthesize(speak(server), new AbortController().signal).then(() => assert.fail('rejects'), (x: unknown) => x);
    assert.ok(mp3 instanceof TtsVendorError && mp3.code === 'SPEECH_PROTOCOL');
    assert.match(mp3.message, /MP3/);
    const auth = await ttsOf().synthesize(speak(server, {}, 'bad-tok-2'), new AbortController().signal).then(() => assert.fail('rejects'), (x: unknown) => x);
    assert.ok(auth instanceof TtsVendorError && auth.code === 'SPEECH_AUTH' && auth.vendor === 'custom:acme');
  });
});

test('custom tester: ok with the right token, fail with the reason with a wrong one', async () => {
  await withServer({}, async (server) => {
    const tester = vendors.tester('custom:acme') ?? assert.fail('custom tester registered');
    assert.deepEqual(await tester.test({ credential: credential(server), urlPolicy: OPEN_URL_POLICY }, new AbortController().signal), { tts: { status: 'ok' }, stt: { status: 'ok' } });
    const bad = await tester.test({ credential: credential(server, 'nope'), urlPolicy: OPEN_URL_POLICY }, new AbortController().signal);
    assert.equal(bad.tts?.status, 'fail');
    assert.equal(bad.stt?.status, 'fail');
    assert.match(bad.stt?.reason ?? '', /403/);
  });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function waitUntil(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}
