import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { systemClock } from '../kernel/clock.js';
import { FakeClock } from '../testkit/fake-clock.js';
import {
  CachedTtsAdapter, createDefaultTtsRegistry, EspeakAdapter, parseSsml, toEspeakSsml, TtsCache, TtsError, TtsRegistry, ttsCacheKey,
  type TtsAdapter,
} from './index.js';

const signal = (): AbortSignal => new AbortController().signal;

test('SSML subset: speak, break time/strength, say-as digits, entities; other tags dropped', () => {
  const parts = parseSsml('<speak>Your code is <say-as interpret-as="digits">4711</say-as>.<break time="500ms"/><prosody rate="slow">Tom &amp; Jerry</prosody><break strength="strong"/><break time="1.5s"/></speak>');
  assert.deepEqual(parts, [
    { kind: 'text', text: 'Your code is ' }, { kind: 'text', text: '4 7 1 1' }, { kind: 'text', text: '.' }, { kind: 'break', ms: 500 },
    { kind: 'text', text: 'Tom & Jerry' }, { kind: 'break', ms: 700 }, { kind: 'break', ms: 1500 },
  ]);
  assert.equal(toEspeakSsml([{ kind: 'text', text: 'a<b' }, { kind: 'break', ms: 300 }]), '<speak>a&lt;b <break time="300ms"/></speak>');
  assert.throws(() => parseSsml('<speak><break time="soon"/></speak>'), (e: unknown) => e instanceof TtsError && e.code === 'TTS_BAD_SSML');
});

test('espeak-ng adapter: text → 8 kHz speech of plausible length, first-audio time measured', async () => {
  const tts = new EspeakAdapter({});
  const r = await tts.synthesize({ text: 'Hello, this is a test' }, signal());
  assert.equal(r.sampleRate, 8000);
  assert.ok(r.samples.length > 8000 && r.samples.length < 3 * 8000, String(r.samples.length));
  assert.ok(r.firstAudioMs >= 0 && r.firstAudioMs < 2000);
  assert.equal(r.cached, false);
  const peak = r.samples.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  assert.ok(peak > 3000);
});

test('espeak-ng adapter: SSML breaks lengthen the audio', async () => {
  const tts = new EspeakAdapter({});
  const plain = await tts.synthesize({ text: '<speak>one two</speak>' }, signal());
  const broken = await tts.synthesize({ text: '<speak>one <break time="1000ms"/> two</speak>' }, signal());
  const extra = (broken.samples.length - plain.samples.length) / 8;
  assert.ok(extra > 800 && extra < 1300, `extra ${extra} ms`);
});

test('cache: second request is read from disk, identical, keyed by vendor/voice/language/text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-tts-'));
  try {
    let calls = 0;
    const inner: TtsAdapter = { vendor: 'fake', synthesize: async () => { calls++; return { samples: Int16Array.from([1, -2, 3]), sampleRate: 8000, vendor: 'fake', firstAudioMs: 5, cached: false }; } };
    const c = new CachedTtsAdapter(inner, { dir, clock: systemClock });
    const a = await c.synthesize({ text: 'hi', voice: 'x' }, signal());
    const b = await c.synthesize({ text: 'hi', voice: 'x' }, signal());
    await c.synthesize({ text: 'hi', voice: 'y' }, signal());
    await c.idle();
    assert.equal(calls, 2);
    assert.equal(b.cached, true);
    assert.deepEqual([...b.samples], [...a.samples]);
    assert.equal(readdirSync(dir).length, 2);
    assert.notEqual(ttsCacheKey('a', { text: 't', language: 'en' }), ttsCacheKey('a', { text: 't', language: 'de' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cache: bounded by maxBytes, least recently used file evicted first; the order survives a restart (file mtime)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-tts-'));
  try {
    const asked: string[] = [];
    // Each entry is 5 samples = 10 bytes on disk.
    const inner: TtsAdapter = { vendor: 'fake', synthesize: async (r) => { asked.push(r.text); return { samples: Int16Array.from([1, 2, 3, 4, 5]), sampleRate: 8000, vendor: 'fake', firstAudioMs: 1, cached: false }; } };
    const c = new CachedTtsAdapter(inner, { dir, clock: new FakeClock(), maxBytes: 25 });
    const say = async (text: string) => {
      const r = await c.synthesize({ text }, signal());
      await c.idle();
      return r;
    };
    await say('a');
    await say('b');
    assert.equal((await say('a')).cached, true);
    await say('c');
    const files = (): string[] => readdirSync(dir).sort();
    assert.deepEqual(files(), [basename(c.pathFor({ text: 'a' })), basename(c.pathFor({ text: 'c' }))].sort());
    assert.equal((await say('b')).cached, false);
    assert.deepEqual(asked, ['a', 'b', 'c', 'b']);
    assert.deepEqual(files(), [basename(c.pathFor({ text: 'b' })), basename(c.pathFor({ text: 'c' }))].sort());
    assert.equal(c.sizeBytes, 20);
    // A new process reads the order from the files' mtimes: here 'b' is the older one.
    const [pb, pc] = [c.pathFor({ text: 'b' }), c.pathFor({ text: 'c' })];
    utimesSync(pb, new Date(1_000_000), new Date(1_000_000));
    utimesSync(pc, new Date(2_000_000), new Date(2_000_000));
    const restarted = new CachedTtsAdapter(inner, { dir, clock: new FakeClock(), maxBytes: 15 });
    assert.equal((await restarted.synthesize({ text: 'c' }, signal())).cached, true);
    await restarted.idle();
    assert.deepEqual(files(), [basename(pc)]);
    assert.equal(restarted.sizeBytes, 10);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('registry: espeak and espeak-ng aliases resolve; unknown vendor is a typed error', () => {
  const reg = createDefaultTtsRegistry({ clock: systemClock });
  assert.equal(reg.get('espeak').vendor, 'espeak-ng');
  assert.equal(reg.get('ESPEAK-NG').vendor, 'espeak-ng');
  assert.throws(() => reg.get('google'), (e: unknown) => e instanceof TtsError && e.code === 'TTS_UNKNOWN_VENDOR');
  assert.deepEqual(new TtsRegistry().vendors(), []);
});

test('espeak adapter: a missing binary is TTS_FAILED; abort rejects', async () => {
  const bad = new EspeakAdapter({ command: '/nonexistent/espeak' });
  await assert.rejects(bad.synthesize({ text: 'x' }, signal()), (e: unknown) => e instanceof TtsError && e.code === 'TTS_FAILED');
  const ac = new AbortController();
  const p = new EspeakAdapter({}).synthesize({ text: 'a long sentence '.repeat(200) }, ac.signal);
  ac.abort();
  await assert.rejects(p, (e: unknown) => e instanceof TtsError && e.code === 'TTS_ABORTED');
});

test('cache: the audio returns before its file is written; a repeat meanwhile is served from memory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-tts-'));
  try {
    let calls = 0;
    const inner: TtsAdapter = { vendor: 'fake', synthesize: async () => { calls++; return { samples: Int16Array.from([7, 8, 9]), sampleRate: 8000, vendor: 'fake', firstAudioMs: 1, cached: false }; } };
    const c = new CachedTtsAdapter(inner, { dir, clock: systemClock });
    const first = await c.synthesize({ text: 'x' }, signal());
    const again = await c.synthesize({ text: 'x' }, signal());
    assert.equal(calls, 1);
    assert.equal(again.cached, true);
    assert.deepEqual([...again.samples], [...first.samples]);
    await c.idle();
    assert.equal(readdirSync(dir).length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cache: recent entries are kept in memory once on disk: a hit reads no file; beyond memoryBytes the older ones are read from disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-tts-'));
  try {
    const c = new TtsCache({ dir, clock: systemClock, memoryBytes: 6 });
    c.put('v', { text: 'old' }, Int16Array.from([1, 2, 3]));
    await c.idle();
    c.put('v', { text: 'new' }, Int16Array.from([4, 5, 6]));
    await c.idle();
    assert.equal(readdirSync(dir).length, 2);
    // Both files vanish behind the cache's back: only what the cache holds in memory can answer.
    for (const f of readdirSync(dir)) unlinkSync(join(dir, f));
    assert.deepEqual([...((await c.get('v', { text: 'new' })) ?? [])], [4, 5, 6], 'served from memory');
    assert.equal(await c.get('v', { text: 'old' }), null, 'beyond memoryBytes: read from disk (gone)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cache: an entry read from disk is kept in memory for the next hit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-tts-'));
  try {
    const writer = new TtsCache({ dir, clock: systemClock });
    writer.put('v', { text: 'p' }, Int16Array.from([9, 8]));
    await writer.idle();
    const c = new TtsCache({ dir, clock: systemClock });
    assert.deepEqual([...((await c.get('v', { text: 'p' })) ?? [])], [9, 8], 'first hit: from disk');
    unlinkSync(c.pathFor('v', { text: 'p' }));
    assert.deepEqual([...((await c.get('v', { text: 'p' })) ?? [])], [9, 8], 'second hit: from memory');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

