import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { decodeWav } from '../../../media/playout/wav.js';
import { OPEN_URL_POLICY } from '../../../kernel/net-policy.js';
import { concat, silence } from '../../../testkit/audio.js';
import { freePort } from '../../../testkit/ports.js';
import { GoogleSpeechServer, makeServiceKey, type GoogleServerOptions, type TestServiceKey } from '../../../testkit/speech/google-server.js';
import { SttError, type RecognizeRequest, type SpeechCredential, type SttEvent } from '../../vendor.js';
import { createSpeechVendors } from '../index.js';
import { GoogleStt } from './stt.js';
import { SttEvents, pollFor, writeFrames } from '../../../testkit/speech/stt-harness.js';

const KEY = makeServiceKey();
const HELLO = decodeWav(readFileSync(new URL('../../../../test/audio/hello_8k.wav', import.meta.url)));

function credential(key: TestServiceKey | string = KEY): SpeechCredential {
  return { sid: 'cred-1', accountSid: 'acc-1', vendor: 'google', useForStt: true, useForTts: true, fields: { service_key: typeof key === 'string' ? key : JSON.stringify(key) } };
}

function request(over: Partial<RecognizeRequest> = {}): RecognizeRequest {
  return { credential: credential(), urlPolicy: OPEN_URL_POLICY, language: 'en-US', sampleRate: 8000, interim: true, hints: [], recognizer: { vendor: 'google' }, ...over };
}

async function withServer(opts: Partial<GoogleServerOptions>, fn: (s: GoogleSpeechServer) => Promise<void>): Promise<void> {
  const server = await GoogleSpeechServer.start({ serviceKey: KEY, transcripts: ['hello there'], ...opts });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

const kind = (e: SttEvent): string => (e.type === 'transcript' ? (e.isFinal ? 'final' : 'interim') : e.type);
const signal = (): AbortSignal => new AbortController().signal;

test('google stt: hello_8k.wav over StreamingRecognize gives speech-start, an interim, the scripted final with its confidence, then utterance-end', async () => {
  await withServer({ confidence: 0.87 }, async (server) => {
    const ev = new SttEvents();
    const stream = await new GoogleStt({ local: server.local }).start(request(), ev.push, signal());
    writeFrames(stream, concat(silence(300), HELLO, silence(900)));
    await ev.until((e) => e.type === 'utterance-end');
    stream.finalize();
    const session = await pollFor(() => (server.sessions[0]?.closed ? server.sessions[0] : undefined), 'the call to end after finalize');
    assert.ok(session.ended, 'the client half-closed');
    assert.deepEqual(ev.all.map(kind), ['speech-start', 'interim', 'final', 'utterance-end']);
    const interim = ev.all[1];
    assert.ok(interim.type === 'transcript' && interim.alternatives[0].transcript === 'hello' && interim.alternatives[0].confidence === undefined);
    const final = ev.all[2];
    assert.ok(final.type === 'transcript');
    assert.equal(final.alternatives[0].transcript, 'hello there');
    assert.ok(Math.abs((final.alternatives[0].confidence ?? 0) - 0.87) < 1e-6);
    assert.equal(final.language, 'en-us', "Google's result language");
    assert.equal(session.audioBytes, (2400 + HELLO.length + 7200) * 2, 'every sample reached the server');
    assert.match(session.authorization ?? '', /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/, 'a signed JWT');
  });
});

test('google stt: silence gets no transcript though the audio arrived', async () => {
  await withServer({ transcripts: ['should not be used'] }, async (server) => {
    const ev = new SttEvents();
    const stream = await new GoogleStt({ local: server.local }).start(request(), ev.push, signal());
    writeFrames(stream, silence(2000));
    stream.finalize();
    const session = await pollFor(() => (server.sessions[0]?.closed ? server.sessions[0] : undefined), 'the call to end');
    assert.ok(session.ended);
    assert.equal(session.audioBytes, 2000 * 16);
    assert.deepEqual(ev.all, []);
  });
});

test('google stt: the streaming_config carries the audio format, the recognizer fields and googleOptions', async () => {
  await withServer({}, async (server) => {
    const req = request({
      language: 'de-DE',
      sampleRate: 16000,
      interim: false,
      altLanguages: ['en-US', 'de-DE', 'fr-FR', 'it-IT', 'es-ES'],
      hints: ['acme', ' widget '],
      hintsBoost: 12,
      recognizer: {
        vendor: 'google',
        profanityFilter: true,
        punctuation: true,
        words: true,
        model: 'phone_call',
        enhancedModel: true,
        singleUtterance: true,
        diarization: true,
        diarizationMinSpeakers: 2,
        diarizationMaxSpeakers: 3,
        interactionType: 'phone_call',
        naicsCode: 517311,
        googleOptions: { speechStartTimeoutMs: 5000, speechEndTimeoutMs: 1250, transcriptNormalization: [{ search: 'a', replace: 'b', caseSensitive: true }] },
      },
    });
    const stream = await new GoogleStt({ local: server.local }).start(req, () => undefined, signal());
    const seen = await pollFor(() => server.sessions[0]?.config, 'the streaming_config');
    stream.close();
    assert.deepEqual(seen, {
      config: {
        encoding: 'LINEAR16',
        sampleRateHertz: 16000,
        audioChannelCount: 1,
        languageCode: 'de-DE',
        alternativeLanguageCodes: ['en-US', 'fr-FR', 'it-IT'],
        profanityFilter: true,
        enableAutomaticPunctuation: true,
        enableWordTimeOffsets: true,
        useEnhanced: true,
        model: 'phone_call',
        speechContexts: [{ phrases: ['acme', 'widget'], boost: 12 }],
        metadata: { interactionType: 'PHONE_CALL', industryNaicsCodeOfAudio: 517311 },
        diarizationConfig: { enableSpeakerDiarization: true, minSpeakerCount: 2, maxSpeakerCount: 3 },
        transcriptNormalization: { entries: [{ search: 'a', replace: 'b', caseSensitive: true }] },
      },
      interimResults: false,
      singleUtterance: true,
      enableVoiceActivityEvents: true,
      voiceActivityTimeout: { speechStartTimeout: { seconds: '5', nanos: 0 }, speechEndTimeout: { seconds: '1', nanos: 250_000_000 } },
    });
  });
});

test('google stt: single utterance — END_OF_SINGLE_UTTERANCE gives utterance-end, the final follows and the call ends', async () => {
  await withServer({}, async (server) => {
    const ev = new SttEvents();
    const stream = await new GoogleStt({ local: server.local }).start(request({ interim: false, recognizer: { vendor: 'google', singleUtterance: true } }), ev.push, signal());
    writeFrames(stream, concat(silence(200), HELLO, silence(900)));
    await ev.until((e) => e.type === 'transcript' && e.isFinal);
    await pollFor(() => server.sessions[0]?.closed, 'the call to end');
    assert.deepEqual(ev.all.map(kind), ['speech-start', 'utterance-end', 'final']);
    stream.close();
  });
});

test('google stt: a JWT signed with another key is refused (UNAUTHENTICATED) → SPEECH_AUTH 401, no private key in the message', async () => {
  await withServer({}, async (server) => {
    const other = makeServiceKey();
    const err = await new GoogleStt({ local: server.local }).start(request({ credential: credential(other) }), () => undefined, signal()).then(
      () => assert.fail('started'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SttError);
    assert.equal(err.code, 'SPEECH_AUTH');
    assert.equal(err.status, 401);
    assert.match(err.message, /invalid authentication credentials/);
    assert.ok(!err.message.includes('PRIVATE KEY'));
    assert.equal(server.sessions.length, 0);
  });
});

test('google stt: PERMISSION_DENIED → SPEECH_AUTH 403', async () => {
  await withServer({ refuse: 'PERMISSION_DENIED' }, async (server) => {
    await assert.rejects(new GoogleStt({ local: server.local }).start(request(), () => undefined, signal()), (e: unknown) => e instanceof SttError && e.code === 'SPEECH_AUTH' && e.status === 403);
  });
});

test('google stt: a refused port → SPEECH_UNREACHABLE', async () => {
  const local = { host: '127.0.0.1', port: await freePort(), channelCredentials: grpc.credentials.createInsecure() };
  await assert.rejects(new GoogleStt({ local }).start(request(), () => undefined, signal()), (e: unknown) => {
    assert.ok(e instanceof SttError);
    assert.equal(e.code, 'SPEECH_UNREACHABLE');
    assert.match(e.message, /ECONNREFUSED/);
    return true;
  });
});

test('google stt: a stream broken mid-way gives one error event SPEECH_CLOSED, then nothing', async () => {
  await withServer({ breakAfterAudioMs: 500 }, async (server) => {
    const ev = new SttEvents();
    const stream = await new GoogleStt({ local: server.local }).start(request(), ev.push, signal());
    writeFrames(stream, silence(1000));
    const e = await ev.until((x) => x.type === 'error');
    assert.ok(e.type === 'error' && e.error instanceof SttError);
    assert.equal(e.error.code, 'SPEECH_CLOSED');
    assert.match(e.error.message, /unavailable/i);
    writeFrames(stream, silence(200));
    stream.finalize();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(ev.all.length, 1);
    assert.ok(server.sessions[0].closed);
  });
});

test('google stt: a missing or unusable service_key → SPEECH_NO_CREDENTIAL without contacting anyone', async () => {
  const stt = new GoogleStt();
  for (const cred of [undefined, credential('not json'), credential(JSON.stringify({ client_email: 'a@b' })), credential(JSON.stringify({ client_email: 'a@b', private_key: 'nope' }))]) {
    await assert.rejects(stt.start(request({ credential: cred }), () => undefined, signal()), (e: unknown) => e instanceof SttError && e.code === 'SPEECH_NO_CREDENTIAL');
  }
});

test('google stt: closing the stream cancels the call; abort does too', async () => {
  await withServer({}, async (server) => {
    const stt = new GoogleStt({ local: server.local });
    const a = await stt.start(request(), () => undefined, signal());
    a.close();
    a.close();
    await pollFor(() => server.sessions[0]?.closed, 'the first call to be cancelled');
    const ac = new AbortController();
    await stt.start(request(), () => undefined, ac.signal);
    ac.abort();
    await pollFor(() => server.sessions[1]?.closed, 'the second call to be cancelled');
  });
});

test('google stt: a service that sends no headers before its first answer: start resolves after acceptWaitMs and recognition works', async () => {
  await withServer({ holdHeaders: true }, async (server) => {
    const ev = new SttEvents();
    const t0 = Date.now();
    const stream = await new GoogleStt({ local: server.local, acceptWaitMs: 200 }).start(request({ interim: false }), ev.push, signal());
    assert.ok(Date.now() - t0 >= 190, 'waited for the service');
    writeFrames(stream, concat(silence(200), HELLO, silence(900)));
    const final = await ev.until((e) => e.type === 'transcript' && e.isFinal);
    assert.ok(final.type === 'transcript' && final.alternatives[0].transcript === 'hello there');
    stream.close();
  });
});

test('google stt: the registry has google', () => {
  assert.ok(createSpeechVendors().stt('google') instanceof GoogleStt);
});
