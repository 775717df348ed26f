import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { getEventListeners } from 'node:events';
import { createServer } from 'node:net';
import { FakeClock } from '../../../testkit/fake-clock.js';
import { concat, silence } from '../../../testkit/audio.js';
import { startDeepgramServer, type DeepgramServer, type DeepgramServerOptions } from '../../../testkit/speech/deepgram-server.js';
import { decodeWav } from '../../../media/playout/wav.js';
import { OPEN_URL_POLICY, parseUrlPolicy } from '../../../kernel/net-policy.js';
import { SttError, type RecognizeRequest, type SpeechCredential, type SttEvent } from '../../vendor.js';
import { createSpeechVendors } from '../index.js';
import { DeepgramStt } from './stt.js';
import { writeFrames } from '../../../testkit/speech/stt-harness.js';

const KEY = 'dg-secret-key-123';
const HELLO = decodeWav(readFileSync(new URL('../../../../test/audio/hello_8k.wav', import.meta.url)));

function credential(fields: SpeechCredential['fields']): SpeechCredential {
  return { sid: 'cred-1', accountSid: 'acct-1', vendor: 'deepgram', useForStt: true, useForTts: true, fields };
}

function request(server: DeepgramServer, extra: Partial<RecognizeRequest> = {}, key = KEY): RecognizeRequest {
  return {
    credential: credential({ api_key: key, deepgram_stt_uri: server.hostPort, deepgram_stt_use_tls: false }),
    urlPolicy: OPEN_URL_POLICY,
    language: 'en-US',
    sampleRate: 8000,
    interim: true,
    hints: [],
    recognizer: { vendor: 'deepgram' },
    ...extra,
  };
}

async function withServer(opts: Partial<DeepgramServerOptions>, fn: (s: DeepgramServer) => Promise<void>): Promise<void> {
  const server = await startDeepgramServer({ apiKey: KEY, transcripts: ['hello world'], ...opts });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/** Collects events and resolves `until(pred)` when one matching event has arrived. */
function collector(): { events: SttEvent[]; on: (e: SttEvent) => void; until: (pred: (e: SttEvent) => boolean) => Promise<SttEvent> } {
  const events: SttEvent[] = [];
  const waiters: { pred: (e: SttEvent) => boolean; resolve: (e: SttEvent) => void }[] = [];
  return {
    events,
    on: (e) => {
      events.push(e);
      for (const w of [...waiters]) {
        if (!w.pred(e)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    },
    until: (pred) => {
      const seen = events.find(pred);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

function writeAll(stream: { write(f: Int16Array): void }, pcm: Int16Array, clock?: FakeClock): void {
  writeFrames(stream, pcm, 160, () => clock?.advance(20));
}

const isFinal = (e: SttEvent): boolean => e.type === 'transcript' && e.isFinal;

test('deepgram stt: the spoken hello arrives as speech-start, an interim, then the scripted final', async () => {
  await withServer({}, async (server) => {
    const c = collector();
    const stt = new DeepgramStt({ clock: new FakeClock() });
    const stream = await stt.start(request(server), c.on, new AbortController().signal);
    writeAll(stream, concat(silence(200), HELLO, silence(800)));
    const final = await c.until(isFinal);
    assert.deepEqual(c.events.map((e) => (e.type === 'transcript' ? `${e.type}:${e.isFinal}` : e.type)), ['speech-start', 'transcript:false', 'transcript:true']);
    const interim = c.events[1];
    assert.ok(interim.type === 'transcript' && interim.alternatives[0].transcript === 'hello');
    assert.ok(final.type === 'transcript');
    assert.equal(final.alternatives[0].transcript, 'hello world');
    assert.equal(final.alternatives[0].confidence, 0.93);
    assert.equal(final.language, 'en-US');
    const received = server.listens[0].audio.reduce((n, a) => n + a.length, 0);
    assert.equal(received, 1600 + HELLO.length + 6400, 'every sample reached the server');
    stream.close();
  });
});

test('deepgram stt: silence gets no transcript; finalize sends Finalize then CloseStream and the stream ends cleanly', async () => {
  await withServer({}, async (server) => {
    const c = collector();
    const stream = await new DeepgramStt({ clock: new FakeClock() }).start(request(server), c.on, new AbortController().signal);
    writeAll(stream, silence(1000));
    stream.finalize();
    await server.waitControl('CloseStream');
    await waitUntil(() => server.listens[0].closed);
    assert.deepEqual(server.listens[0].controls, ['Finalize', 'CloseStream']);
    assert.deepEqual(c.events, [], 'no transcript and no error');
  });
});

test('deepgram stt: speech still open at finalize is answered from_finalize and given as final', async () => {
  await withServer({}, async (server) => {
    const c = collector();
    const stream = await new DeepgramStt({ clock: new FakeClock() }).start(request(server, { interim: false }), c.on, new AbortController().signal);
    writeAll(stream, concat(silence(100), HELLO));
    stream.finalize();
    const final = await c.until(isFinal);
    assert.ok(final.type === 'transcript' && final.alternatives[0].transcript === 'hello world');
    assert.equal(c.events.filter((e) => e.type === 'transcript' && !e.isFinal).length, 0, 'interim off: no interim events');
  });
});

test('deepgram stt: is_final segments without speech_final are joined into one final at UtteranceEnd', async () => {
  await withServer({ speechFinal: false, transcripts: ['hello there'] }, async (server) => {
    const c = collector();
    const req = request(server, { recognizer: { vendor: 'deepgram', deepgramOptions: { utteranceEndMs: 1000 } } });
    const stream = await new DeepgramStt({ clock: new FakeClock() }).start(req, c.on, new AbortController().signal);
    writeAll(stream, concat(silence(100), HELLO, silence(800)));
    await c.until((e) => e.type === 'utterance-end');
    const finals = c.events.filter(isFinal);
    assert.equal(finals.length, 1);
    assert.ok(finals[0].type === 'transcript' && finals[0].alternatives[0].transcript === 'hello there');
    assert.equal(c.events.indexOf(finals[0]) < c.events.findIndex((e) => e.type === 'utterance-end'), true, 'final before utterance-end');
    stream.close();
  });
});

test('deepgram stt: the listen query carries the audio format, the common fields and deepgramOptions', async () => {
  await withServer({}, async (server) => {
    const req = request(server, {
      language: 'de-DE',
      sampleRate: 16000,
      hints: ['acme', ' widget '],
      hintsBoost: 5,
      recognizer: {
        vendor: 'deepgram',
        punctuation: true,
        deepgramOptions: { model: 'nova-2-general', profanityFilter: true, utteranceEndMs: 1200, endpointing: 300, smartFormatting: true, redact: 'pci', tag: 't1', search: ['a', 'b'] },
      },
    });
    const stream = await new DeepgramStt({ clock: new FakeClock() }).start(req, () => undefined, new AbortController().signal);
    const q = server.listens[0].query;
    const want: Record<string, string> = {
      encoding: 'linear16', sample_rate: '16000', channels: '1', language: 'de-DE', model: 'nova-2-general', interim_results: 'true', punctuate: 'true',
      profanity_filter: 'true', utterance_end_ms: '1200', endpointing: '300', vad_events: 'true', smart_format: 'true', redact: 'pci', tag: 't1',
    };
    for (const [k, v] of Object.entries(want)) assert.equal(q.get(k), v, k);
    assert.deepEqual(q.getAll('keywords'), ['acme:5', 'widget:5']);
    assert.deepEqual(q.getAll('search'), ['a', 'b']);
    assert.equal(q.has('keyterm'), false);
    assert.equal(server.listens[0].authorization, `Token ${KEY}`);
    stream.close();
  });
});

test('deepgram stt: nova-3 gets hints as keyterm; endpointing false is sent as false; default model by language', async () => {
  await withServer({}, async (server) => {
    const stt = new DeepgramStt({ clock: new FakeClock() });
    const a = await stt.start(request(server, { hints: ['acme'], recognizer: { vendor: 'deepgram', model: 'nova-3', deepgramOptions: { endpointing: false } } }), () => undefined, new AbortController().signal);
    const b = await stt.start(request(server, { interim: false }), () => undefined, new AbortController().signal);
    assert.deepEqual(server.listens[0].query.getAll('keyterm'), ['acme']);
    assert.equal(server.listens[0].query.has('keywords'), false);
    assert.equal(server.listens[0].query.get('endpointing'), 'false');
    assert.equal(server.listens[1].query.get('model'), 'nova-2-phonecall');
    assert.equal(server.listens[1].query.get('interim_results'), 'false');
    a.close();
    b.close();
  });
});

test('deepgram stt: a refused key (HTTP 401 at the handshake) rejects with SPEECH_AUTH, without the key in the message', async () => {
  await withServer({}, async (server) => {
    const err = await new DeepgramStt().start(request(server, {}, 'wrong-key-456'), () => undefined, new AbortController().signal).then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SttError);
    assert.equal(err.code, 'SPEECH_AUTH');
    assert.equal(err.status, 401);
    assert.match(err.message, /Invalid credentials/);
    assert.doesNotMatch(err.message, /wrong-key-456/);
    assert.equal(server.listens.length, 0);
  });
});

test('deepgram stt: a refused port rejects with SPEECH_UNREACHABLE', async () => {
  const port = await freePort();
  const req: RecognizeRequest = { ...request({ hostPort: `127.0.0.1:${port}` } as DeepgramServer) };
  const err = await new DeepgramStt().start(req, () => undefined, new AbortController().signal).then(
    () => assert.fail('should reject'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SttError);
  assert.equal(err.code, 'SPEECH_UNREACHABLE');
  assert.match(err.message, /ECONNREFUSED/);
});

test('deepgram stt: the server closing mid-stream gives one error event SPEECH_CLOSED', async () => {
  await withServer({ closeAfterMs: 50 }, async (server) => {
    const c = collector();
    const stream = await new DeepgramStt({ clock: new FakeClock() }).start(request(server), c.on, new AbortController().signal);
    const e = await c.until((x) => x.type === 'error');
    assert.ok(e.type === 'error');
    assert.equal(e.error.code, 'SPEECH_CLOSED');
    assert.match(e.error.message, /1011/);
    stream.write(silence(20));
    stream.close();
    assert.equal(c.events.length, 1, 'nothing follows the error');
  });
});

test('deepgram stt: KeepAlive goes out while no audio flows, never while it does', async () => {
  await withServer({}, async (server) => {
    const clock = new FakeClock();
    const stream = await new DeepgramStt({ clock, keepAliveMs: 3000 }).start(request(server), () => undefined, new AbortController().signal);
    writeAll(stream, silence(5000), clock);
    stream.write(silence(20));
    clock.advance(2999);
    assert.equal(server.listens[0].controls.includes('KeepAlive'), false);
    clock.advance(1);
    await server.waitControl('KeepAlive');
    clock.advance(3000);
    stream.finalize();
    await server.waitControl('CloseStream');
    // One KeepAlive per 3 s of idleness, none during the 5 s of audio (ws keeps the order).
    assert.deepEqual(server.listens[0].controls, ['KeepAlive', 'KeepAlive', 'Finalize', 'CloseStream']);
  });
});

test('deepgram stt: the URL policy public refuses a loopback on-prem URI before connecting', async () => {
  await withServer({}, async (server) => {
    const err = await new DeepgramStt().start({ ...request(server), urlPolicy: parseUrlPolicy('public') }, () => undefined, new AbortController().signal).then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof SttError);
    assert.equal(err.code, 'SPEECH_UNREACHABLE');
    assert.match(err.message, /URL policy/);
    assert.equal(server.listens.length, 0);
  });
});

test('deepgram stt: no credential → SPEECH_NO_CREDENTIAL; the registry resolves deepgram', async () => {
  const vendors = createSpeechVendors();
  const stt = vendors.stt('Deepgram');
  assert.ok(stt);
  const err = await stt.start({ ...request({ hostPort: 'x' } as DeepgramServer), credential: undefined }, () => undefined, new AbortController().signal).then(
    () => assert.fail('should reject'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof SttError && err.code === 'SPEECH_NO_CREDENTIAL');
  assert.ok(vendors.tts('deepgram') && vendors.tester('deepgram'));
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

test('deepgram stt: aborting the start signal closes the stream; a closed stream leaves no listener on the signal', async () => {
  await withServer({}, async (server) => {
    const stt = new DeepgramStt({ clock: new FakeClock() });
    const call = new AbortController();
    for (let i = 0; i < 3; i++) {
      const stream = await stt.start(request(server), () => undefined, call.signal);
      stream.close();
      await waitUntil(() => server.listens[i].closed);
    }
    await waitUntil(() => getEventListeners(call.signal, 'abort').length === 0);
    const c = collector();
    await stt.start(request(server), c.on, call.signal);
    call.abort();
    await waitUntil(() => server.listens[3].closed);
    assert.deepEqual(c.events, [], 'an abort is no vendor error');
  });
});
