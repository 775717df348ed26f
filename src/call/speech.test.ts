import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLogger } from '../kernel/logger.js';
import { OPEN_URL_POLICY } from '../kernel/net-policy.js';
import type { AudioListener, MediaSession } from '../media/index.js';
import { SpeechService, SpeechVendors, TtsCache } from '../speech/index.js';
import { concat, silence, speechLike } from '../testkit/audio.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { fakeCredentials, FakeSttVendor, FakeTtsVendor, type FakeFailure } from '../testkit/speech/fake-vendors.js';
import type { RecognitionUpdate } from './control.js';
import { cloudSaySource, recognizeOnMedia, type CallSpeechHost } from './speech.js';
import { Timeline } from './timeline.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 6; i++) await new Promise((r) => setImmediate(r));
};

/** Waits (in real time) until the fake vendor has armed its next delay on the fake clock. */
async function untilTimer(clock: FakeClock): Promise<void> {
  for (let i = 0; i < 2000 && clock.pendingCount === 0; i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(clock.pendingCount > 0, 'the vendor armed a timer');
}

function host(clock: FakeClock): CallSpeechHost & { alerts: Array<[string, string]> } {
  const alerts: Array<[string, string]> = [];
  return { accountSid: 'acct-1', timeline: new Timeline(clock), alert: (t, m) => alerts.push([t, m]), alerts };
}

/** 100 ms of a 16 kHz tone per chunk. */
const chunk16k = (amp: number): Int16Array => Int16Array.from({ length: 1600 }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * 500 * i) / 16000)));

function ttsSetup(failure?: FakeFailure): { clock: FakeClock; tts: FakeTtsVendor; svc: SpeechService; cache: TtsCache; dir: string } {
  const clock = new FakeClock();
  const tts = new FakeTtsVendor({ vendor: 'elevenlabs', clock, sampleRate: 16000, chunks: [chunk16k(8000), chunk16k(8000)], delayMs: 100, failure });
  const svc = new SpeechService({ vendors: new SpeechVendors().addTts(tts), credentials: fakeCredentials('acct-1', ['elevenlabs']), urlPolicy: OPEN_URL_POLICY, clock });
  const dir = mkdtempSync(join(tmpdir(), 'vgw-say-'));
  return { clock, tts, svc, cache: new TtsCache({ dir, clock }), dir };
}

const peak = (a: Int16Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

test('cloud say: playback starts with the first chunk, plays silence on underrun, ends with the stream; cached afterwards', async () => {
  const { clock, tts, svc, cache, dir } = ttsSetup();
  try {
    const h = host(clock);
    const synth = { vendor: 'elevenlabs', voice: 'Rachel', language: 'en-US' };
    const first = cloudSaySource({ speech: svc, ttsCache: cache, clock, logger: nullLogger }, h, 'Hello there', synth);
    let opened = false;
    const reading = first.source.open(new AbortController().signal).then((r) => { opened = true; return r; });
    await untilTimer(clock);
    assert.equal(opened, false, 'nothing to play before the first bytes');
    clock.advance(100);
    const reader = await reading;
    const out = new Int16Array(160);
    const frames: number[] = [];
    for (let i = 0; i < 5; i++) frames.push(reader.read(out), peak(out));
    assert.ok(frames[1] > 4000, 'the first frame is the vendor audio, resampled to 8 kHz');
    assert.equal(reader.read(out), 160, 'an underrun is not the end');
    assert.equal(peak(out), 0, 'an underrun plays silence');
    await untilTimer(clock);
    clock.advance(100);
    await flush();
    let n = 0;
    while (reader.read(out) > 0) n++;
    assert.ok(n >= 5 && n <= 6, String(n));
    assert.deepEqual(h.timeline.list().find((e) => e.event === 'tts')?.detail, { vendor: 'elevenlabs', first_audio_ms: 100, cached: false, characters: 11 });
    first.after(true);
    await cache.idle();
    const again = cloudSaySource({ speech: svc, ttsCache: cache, clock, logger: nullLogger }, h, 'Hello there', synth);
    const cachedReader = await again.source.open(new AbortController().signal);
    assert.equal(tts.requests.length, 1, 'the second say is served from the cache');
    assert.ok(cachedReader.totalSamples !== undefined && cachedReader.totalSamples >= 1500, String(cachedReader.totalSamples));
    assert.equal(h.timeline.list().filter((e) => e.event === 'tts').at(-1)?.detail?.cached, true);
    const off = cloudSaySource({ speech: svc, ttsCache: cache, clock, logger: nullLogger }, h, 'Hello there', { ...synth, disableTtsCache: true });
    const p = off.source.open(new AbortController().signal);
    await untilTimer(clock);
    clock.advance(100);
    await p;
    assert.equal(tts.requests.length, 2, 'disableTtsCache goes to the vendor');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cloud say: a stream that breaks mid-way ends the prompt with a tts-failure alert and nothing cached', async () => {
  const { clock, svc, cache, dir } = ttsSetup({ kind: 'close-mid-stream', afterFrames: 1 });
  try {
    const h = host(clock);
    const s = cloudSaySource({ speech: svc, ttsCache: cache, clock, logger: nullLogger }, h, 'Hi', { vendor: 'elevenlabs' });
    const p = s.source.open(new AbortController().signal);
    await untilTimer(clock);
    clock.advance(100);
    const reader = await p;
    await flush();
    const out = new Int16Array(160);
    let n = 0;
    while (reader.read(out) > 0) n++;
    assert.ok(n >= 4 && n <= 5, String(n));
    assert.deepEqual(h.alerts.map((a) => a[0]), ['tts-failure']);
    assert.match(h.alerts[0][1], /elevenlabs failed \(SPEECH_CLOSED\)/);
    s.after(true);
    await cache.idle();
    assert.equal(cache.sizeBytes, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cloud say: a primary that breaks mid-prompt hands over to the fallback vendor, which speaks the prompt again; alert says so; nothing cached', async () => {
  const clock = new FakeClock();
  const primary = new FakeTtsVendor({ vendor: 'elevenlabs', clock, sampleRate: 16000, chunks: [chunk16k(8000), chunk16k(8000)], delayMs: 100, failure: { kind: 'close-mid-stream', afterFrames: 1 } });
  const fallback = new FakeTtsVendor({ vendor: 'deepgram', clock, sampleRate: 8000, chunks: [new Int16Array(800).fill(3000), new Int16Array(800).fill(3000)], delayMs: 100 });
  const svc = new SpeechService({ vendors: new SpeechVendors().addTts(primary).addTts(fallback), credentials: fakeCredentials('acct-1', ['elevenlabs', 'deepgram']), urlPolicy: OPEN_URL_POLICY, clock });
  const dir = mkdtempSync(join(tmpdir(), 'vgw-say-'));
  const cache = new TtsCache({ dir, clock });
  try {
    const h = host(clock);
    const s = cloudSaySource({ speech: svc, ttsCache: cache, clock, logger: nullLogger }, h, 'Hi', { vendor: 'elevenlabs', fallbackVendor: 'deepgram', fallbackVoice: 'aura-asteria-en' });
    const p = s.source.open(new AbortController().signal);
    await untilTimer(clock);
    clock.advance(100);
    const reader = await p;
    await untilTimer(clock);
    clock.advance(100);
    await untilTimer(clock);
    clock.advance(100);
    await flush();
    const out = new Int16Array(160);
    let n = 0;
    let fallbackFrames = 0;
    while (reader.read(out) > 0) {
      n++;
      if (out[80] === 3000) fallbackFrames++;
    }
    assert.equal(fallback.requests.length, 1, 'the fallback was asked for the same text');
    assert.equal(fallback.requests[0].voice, 'aura-asteria-en');
    assert.equal(fallbackFrames, 10, 'the fallback\'s whole prompt played after the primary\'s part');
    assert.ok(n >= 14, String(n));
    assert.deepEqual(h.alerts.map((a) => a[0]), ['tts-failure']);
    assert.match(h.alerts[0][1], /elevenlabs failed \(SPEECH_CLOSED\).*trying the fallback vendor/);
    s.after(true);
    await cache.idle();
    assert.equal(cache.sizeBytes, 0, 'a prompt in two voices is not cached');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function fakeMedia(): { media: MediaSession; push(pcm: Int16Array): void; listeners(): number } {
  const ls = new Set<AudioListener>();
  const media = { onAudio: (l: AudioListener) => { ls.add(l); return () => ls.delete(l); } } as unknown as MediaSession;
  let seq = 0;
  return {
    media,
    listeners: () => ls.size,
    push: (pcm) => {
      const frame = new Int16Array(160);
      for (let off = 0; off + 160 <= pcm.length; off += 160) {
        frame.set(pcm.subarray(off, off + 160));
        for (const l of ls) l(frame, { sequenceNumber: seq, timestamp: seq * 160, samples: 160 });
        seq++;
      }
    },
  };
}

test('recognize on a call: received audio reaches the vendor at 16 kHz, our VAD reports the onset, transcripts pass through', async () => {
  const clock = new FakeClock();
  const stt = new FakeSttVendor({ vendor: 'deepgram' });
  const svc = new SpeechService({ vendors: new SpeechVendors().addStt(stt), credentials: fakeCredentials('acct-1', ['deepgram']), urlPolicy: OPEN_URL_POLICY, clock });
  const h = host(clock);
  const m = fakeMedia();
  const updates: RecognitionUpdate[] = [];
  const ctl = new AbortController();
  const handle = recognizeOnMedia({ speech: svc, clock, logger: nullLogger }, h, m.media, { vendor: 'deepgram', interim: true, sampleRate: 16000, vad: true, raw: {} }, (u) => updates.push(u), ctl.signal);
  await flush();
  m.push(silence(400));
  m.push(speechLike(600));
  assert.deepEqual(updates.map((u) => u.type), ['onset']);
  const written = stt.streams[0].frames;
  assert.ok(written.slice(1).every((f) => f.length === 320), 'each 8 kHz frame became 320 samples at 16 kHz');
  assert.ok(written[0].length > 280 && written[0].length <= 320, `the first is short by the filter's delay only: ${written[0].length}`);
  assert.ok(written.length === 50, String(written.length));
  stt.streams[0].transcript('yes please', true);
  assert.deepEqual(updates.at(-1), { type: 'transcript', vendor: 'deepgram', isFinal: true, alternatives: [{ transcript: 'yes please', confidence: 0.9 }], language: undefined, channel: undefined, vendorEvent: undefined });
  assert.equal(handle.vendor, 'deepgram');
  ctl.abort();
  assert.equal(m.listeners(), 0, 'the tap is removed');
  assert.ok(stt.streams[0].closed);
  assert.ok(h.timeline.list().some((e) => e.event === 'stt-stopped'));
});

test('recognize on a call: a vendor refusing (401) without fallback → stt-failure alert and a failed update; the tap is removed', async () => {
  const clock = new FakeClock();
  const stt = new FakeSttVendor({ vendor: 'microsoft', failure: { kind: 'refuse401' } });
  const svc = new SpeechService({ vendors: new SpeechVendors().addStt(stt), credentials: fakeCredentials('acct-1', ['microsoft']), urlPolicy: OPEN_URL_POLICY, clock });
  const h = host(clock);
  const m = fakeMedia();
  const updates: RecognitionUpdate[] = [];
  recognizeOnMedia({ speech: svc, clock, logger: nullLogger }, h, m.media, { vendor: 'microsoft', interim: false, raw: {} }, (u) => updates.push(u), new AbortController().signal);
  m.push(concat(silence(100)));
  await flush();
  assert.deepEqual(updates, [{ type: 'failed', vendor: 'microsoft', code: 'SPEECH_AUTH', message: 'HTTP 401 Unauthorized: invalid subscription key' }]);
  assert.deepEqual(h.alerts.map((a) => a[0]), ['stt-failure']);
  assert.equal(m.listeners(), 0);
});

test('recognize on a call: no credential is a no-stt alert', async () => {
  const clock = new FakeClock();
  const svc = new SpeechService({ vendors: new SpeechVendors().addStt(new FakeSttVendor({ vendor: 'google' })), credentials: fakeCredentials('acct-1', []), urlPolicy: OPEN_URL_POLICY, clock });
  const h = host(clock);
  const updates: RecognitionUpdate[] = [];
  recognizeOnMedia({ speech: svc, clock, logger: nullLogger }, h, fakeMedia().media, { vendor: 'google', interim: false, raw: {} }, (u) => updates.push(u), new AbortController().signal);
  await flush();
  assert.deepEqual(h.alerts.map((a) => a[0]), ['no-stt']);
  assert.equal(updates[0]?.type, 'failed');
});

test('recognize on a call: while no RTP arrives the vendor still hears silence, so an utterance can end', async () => {
  const clock = new FakeClock();
  const stt = new FakeSttVendor({ vendor: 'deepgram', transcripts: ['hello'] });
  const svc = new SpeechService({ vendors: new SpeechVendors().addStt(stt), credentials: fakeCredentials('acct-1', ['deepgram']), urlPolicy: OPEN_URL_POLICY, clock });
  const m = fakeMedia();
  const updates: RecognitionUpdate[] = [];
  const ctl = new AbortController();
  recognizeOnMedia({ speech: svc, clock, logger: nullLogger }, host(clock), m.media, { vendor: 'deepgram', interim: false, raw: {} }, (u) => updates.push(u), ctl.signal);
  await flush();
  m.push(speechLike(600));
  const before = stt.streams[0].frames.length;
  assert.deepEqual(updates.map((u) => u.type), ['speech-start']);
  clock.advance(1000);
  assert.ok(stt.streams[0].frames.length - before >= 45, `silence written: ${stt.streams[0].frames.length - before} frames`);
  assert.deepEqual(updates.map((u) => u.type), ['speech-start', 'transcript']);
  ctl.abort();
  assert.equal(clock.pendingCount, 0, 'the filler stops with the recognition');
});
