#!/usr/bin/env node
// `npm run bench:speech [N]`: the speech figures of issue 14. Prints numbers; asserts nothing.
// VGW_MEDIA_THREAD=on: the engine sends and receives on the media I/O thread (docs/media.md).
// Needs `npm run build` first. Vendors are in-process fakes (no network): the figures are the
// gateway's own share of each path.
//
// 1. Barge-in: caller speech onset → prompt stopped. Pairs of real RTP sessions on loopback: A
//    plays a looping tone prompt to B while recognizing B's audio with our VAD (bargein); B starts
//    speaking. Latency = first speech frame arriving at A → the end of the last prompt frame
//    arriving at B. p95 over BENCH_BARGEIN_TRIALS (default 40).
// 2. Vendor final transcript → gather actionHook sent: a gather on an in-process call (the verb
//    layer only, no HTTP); from the vendor's final event to the webhook sender being called. p99
//    over 2000 gathers.
// 3. Vendor's first TTS bytes → first RTP: A plays a streaming cloud `say` to B; from the moment
//    the fake vendor hands over its first chunk to the first audible frame arriving at B; and a
//    cached prompt (TTS cache on disk) from `say` to the first audible frame, on a new call and on
//    a call that has been sending silence for 100–120 ms. p99 over 60 each.
// 4. N (default 200) concurrent calls each streaming its received audio to a recognizer (8 kHz,
//    or BENCH_STT_RATE=16000; our VAD on; the vendor stream counts frames): RTP departure jitter p99, against the same N
//    calls without recognition in the same run. Departure times come from dumpcap on lo when it
//    may capture (kernel timestamps), else from the receiver process. Rounds interleaved
//    (BENCH_ROUNDS, default 3).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setMaxListeners } from 'node:events';
import { departureJitterP99, lineReader, pct, spawnNode, startDumpcap } from './bench-lib.mjs';

/** The rate the recognizers get in part 4: BENCH_STT_RATE (default 8000, what gather asks for; 16000 adds resampling). */
const RATE = Number(process.env.BENCH_STT_RATE ?? 8000);

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = (p) => import(new URL(`../dist/${p}`, import.meta.url).href);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const rms = (pcm, n = pcm.length) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += pcm[i] * pcm[i];
  return Math.sqrt(s / Math.max(1, n));
};

async function modules() {
  const [media, speech, callSpeech, clock, logger, audio] = await Promise.all([
    dist('media/index.js'), dist('speech/index.js'), dist('call/speech.js'), dist('kernel/clock.js'), dist('kernel/logger.js'), dist('testkit/audio.js'),
  ]);
  return { media, speech, callSpeech, clock: clock.systemClock, logger: logger.nullLogger, audio };
}

/** An STT vendor whose streams only count what they get (the adapter's own cost is not measured). */
function countingStt() {
  let frames = 0;
  return {
    vendor: 'bench',
    get frames() { return frames; },
    async start() {
      return { write() { frames++; }, finalize() {}, close() {} };
    },
  };
}

const anyCredential = { find: async (accountSid, vendor) => ({ sid: 'c', accountSid, vendor, useForStt: true, useForTts: true, fields: {} }) };
const host = (timeline) => ({ accountSid: 'acct', timeline, alert: () => undefined });
const noopTimeline = { add() {} };

async function pair(m, engine) {
  const a = await engine.createSession();
  const b = await engine.createSession();
  a.setRemote({ address: '127.0.0.1', port: b.localPort, codec: 'PCMU', payloadType: 0, dtmfPayloadType: null });
  b.setRemote({ address: '127.0.0.1', port: a.localPort, codec: 'PCMU', payloadType: 0, dtmfPayloadType: null });
  return { a, b };
}

const looping = (pcm) => ({
  description: 'loop',
  open: async () => {
    let pos = 0;
    return { read(out) { out.set(pcm.subarray(pos, pos + out.length)); pos = (pos + out.length) % pcm.length; return out.length; } };
  },
});

// ---- 1. barge-in -------------------------------------------------------------------------------
async function bargeInTrial(m, engine, svc) {
  const { a, b } = await pair(m, engine);
  const tone = Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  const prompt = new AbortController();
  let speechAtA = NaN;
  let lastLoudAtB = NaN;
  let speaking = false;
  a.onAudio((pcm, info) => {
    // The generated speech sits near −40 dBFS (RMS ≈ 300); silence is 0.
    if (speaking && Number.isNaN(speechAtA) && rms(pcm, info.samples) > 50) speechAtA = performance.now();
  });
  b.onAudio((pcm, info) => {
    if (rms(pcm, info.samples) > 1000) lastLoudAtB = performance.now();
  });
  const rec = new AbortController();
  m.callSpeech.recognizeOnMedia({ speech: svc, clock: m.clock, logger: m.logger }, host(noopTimeline), a, { vendor: 'bench', interim: false, vad: true, raw: {} }, (u) => {
    if (u.type === 'onset') prompt.abort();
  }, rec.signal);
  const played = a.play(looping(tone), prompt.signal);
  await sleep(1000 + Math.random() * 40);
  speaking = true;
  b.play(m.media.pcmSource(m.audio.speechLike(1200, 5, 9000))).catch(() => undefined);
  await played;
  await sleep(300);
  rec.abort();
  await Promise.all([a.close(), b.close()]);
  return lastLoudAtB + 20 - speechAtA;
}

async function benchBargeIn(m) {
  const trials = Number(process.env.BENCH_BARGEIN_TRIALS ?? 40);
  const engine = new m.media.MediaEngine({ clock: m.clock, logger: m.logger, portRange: { min: 30000, max: 30999 }, bindAddress: '127.0.0.1', ioThread: process.env.VGW_MEDIA_THREAD === 'on' });
  const svc = new m.speech.SpeechService({ vendors: new m.speech.SpeechVendors().addStt(countingStt()), credentials: anyCredential, urlPolicy: { mode: 'open', allowNets: [], allowHosts: [] }, clock: m.clock });
  const xs = [];
  for (let done = 0; done < trials; done += 10) {
    xs.push(...(await Promise.all(Array.from({ length: Math.min(10, trials - done) }, () => bargeInTrial(m, engine, svc)))));
  }
  await engine.close();
  const ok = xs.filter(Number.isFinite);
  console.log(`barge-in: caller speech onset → prompt stopped  p50 ${fmt(pct(ok, 0.5), 1)} ms  p95 ${fmt(pct(ok, 0.95), 1)} ms  max ${fmt(pct(ok, 1), 1)} ms  (${ok.length}/${xs.length} trials; goal p95 ≤ 150 ms)`);
}

// ---- 2. final transcript → actionHook ------------------------------------------------------------
async function benchFinalToHook(m) {
  const { FakeCall, FakeWebhooks } = await dist('testkit/fake-call.js');
  const { startApplication } = await dist('verbs/session.js');
  const xs = [];
  for (let i = 0; i < 2000; i++) {
    const call = new FakeCall({ recognize: true });
    let sentAt = NaN;
    const hooks = new FakeWebhooks(() => { sentAt = performance.now(); return undefined; });
    const app = startApplication({ call, clock: m.clock, logger: m.logger, webhooks: hooks, callHook: 'http://app.test/hook', appJson: [{ gather: { input: ['speech'], actionHook: '/s', recognizer: { vendor: 'bench' } } }] });
    await call.until((c) => c.recognitions.length > 0);
    const t0 = performance.now();
    call.recognitions[0].transcript('yes please', true);
    await app.done;
    xs.push(sentAt - t0);
  }
  console.log(`vendor final transcript → gather actionHook sent  p50 ${fmt(pct(xs, 0.5), 3)} ms  p99 ${fmt(pct(xs, 0.99), 3)} ms  max ${fmt(pct(xs, 1), 3)} ms  (2000 gathers, verb layer in-process; goal p99 ≤ 20 ms)`);
}

// ---- 3. first TTS bytes → first RTP -------------------------------------------------------------
function streamingTts(m, marks) {
  const chunk = Int16Array.from({ length: 2400 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 24000)));
  return {
    vendor: 'benchtts',
    async synthesize() {
      return {
        sampleRate: 24000,
        chunks: (async function* gen() {
          await sleep(5 + Math.random() * 10);
          marks.first = performance.now();
          yield chunk;
          for (let i = 0; i < 9; i++) {
            await sleep(50);
            yield chunk;
          }
        })(),
      };
    },
  };
}

async function ttsTrial(m, engine, svc, cache, text, sendingMs = 0) {
  const { a, b } = await pair(m, engine);
  if (sendingMs > 0) await sleep(sendingMs + Math.random() * 20);
  let firstAtB = NaN;
  b.onAudio((pcm, info) => {
    if (Number.isNaN(firstAtB) && rms(pcm, info.samples) > 500) firstAtB = performance.now();
  });
  const h = host({ add() {} });
  const { source, after } = m.callSpeech.cloudSaySource({ speech: svc.svc, ttsCache: cache, clock: m.clock, logger: m.logger }, h, text, { vendor: 'benchtts' });
  const t0 = performance.now();
  const r = await a.play(source);
  after(r.reason === 'finished');
  await Promise.all([a.close(), b.close()]);
  return { fromBytes: firstAtB - svc.marks.first, fromSay: firstAtB - t0 };
}

async function benchTts(m) {
  const engine = new m.media.MediaEngine({ clock: m.clock, logger: m.logger, portRange: { min: 31000, max: 31999 }, bindAddress: '127.0.0.1', ioThread: process.env.VGW_MEDIA_THREAD === 'on' });
  const marks = { first: NaN };
  const vendors = new m.speech.SpeechVendors().addTts(streamingTts(m, marks));
  const svc = { marks, svc: new m.speech.SpeechService({ vendors, credentials: anyCredential, urlPolicy: { mode: 'open', allowNets: [], allowHosts: [] }, clock: m.clock }) };
  const dir = mkdtempSync(join(tmpdir(), 'bench-tts-'));
  const cache = new m.speech.TtsCache({ dir, clock: m.clock });
  const streamed = [];
  const cached = [];
  const sending = [];
  for (let i = 0; i < 60; i++) streamed.push((await ttsTrial(m, engine, svc, undefined, `prompt ${i}`)).fromBytes);
  await ttsTrial(m, engine, svc, cache, 'the cached prompt');
  await cache.idle();
  for (let i = 0; i < 60; i++) cached.push((await ttsTrial(m, engine, svc, cache, 'the cached prompt')).fromSay);
  for (let i = 0; i < 60; i++) sending.push((await ttsTrial(m, engine, svc, cache, 'the cached prompt', 100)).fromSay);
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`vendor first TTS bytes → first RTP  p50 ${fmt(pct(streamed, 0.5))} ms  p99 ${fmt(pct(streamed, 0.99))} ms  (60 says, 24 kHz stream; goal p99 ≤ 20 ms)`);
  console.log(`cached prompt: say → first RTP  p50 ${fmt(pct(cached, 0.5))} ms  p99 ${fmt(pct(cached, 0.99))} ms  (60 says, cache on disk; goal ≤ 5 ms)`);
  console.log(`cached prompt on a call already sending: say → first RTP  p50 ${fmt(pct(sending, 0.5))} ms  p99 ${fmt(pct(sending, 0.99))} ms  (60 says)`);
}

// ---- 4. jitter with N calls streaming to a recognizer -------------------------------------------
async function jitterRun(mode, n) {
  const rx = spawnNode([`${here}bench-media-receiver.mjs`]);
  const port = Number(await rx.next());
  const child = spawnNode([fileURLToPath(import.meta.url), '--child', mode, String(n), String(port)]);
  if ((await child.next()) !== 'ready') throw new Error(`${mode} child failed`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-speech-'));
  const cap = await startDumpcap(port, join(dir, 'tx.pcap'));
  rx.p.stdin.write('measure\n');
  await sleep(5000);
  rx.p.stdin.write('stop\n');
  child.p.stdin.write('stop\n');
  const recv = JSON.parse(await rx.next());
  const sent = JSON.parse(await child.next());
  await cap?.stop();
  const p99 = cap ? departureJitterP99(join(dir, 'tx.pcap')) : recv.jitterP99;
  rmSync(dir, { recursive: true, force: true });
  return { p99, loss: recv.lossPct, frames: sent.frames, source: cap ? 'dumpcap' : 'receiver' };
}

async function child(mode, n, port) {
  const m = await modules();
  const engine = new m.media.MediaEngine({ clock: m.clock, logger: m.logger, portRange: { min: 20000, max: 29999 }, bindAddress: '127.0.0.1', rtcpIntervalMs: 5000, ioThread: process.env.VGW_MEDIA_THREAD === 'on' });
  const stt = countingStt();
  const svc = new m.speech.SpeechService({ vendors: new m.speech.SpeechVendors().addStt(stt), credentials: anyCredential, urlPolicy: { mode: 'open', allowNets: [], allowHosts: [] }, clock: m.clock });
  const tone = Int16Array.from({ length: 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  const stop = new AbortController();
  setMaxListeners(n + 10, stop.signal);
  for (let i = 0; i < n; i++) {
    const s = await engine.createSession();
    s.setRemote({ address: '127.0.0.1', port, codec: 'PCMU', payloadType: 0, dtmfPayloadType: 101 });
    s.play(looping(tone)).catch(() => undefined);
    if (mode === 'stt') {
      m.callSpeech.recognizeOnMedia({ speech: svc, clock: m.clock, logger: m.logger }, host(noopTimeline), s, { vendor: 'bench', interim: true, vad: true, sampleRate: RATE, raw: {} }, () => undefined, stop.signal);
    }
  }
  await sleep(2000);
  process.stdout.write('ready\n');
  const next = lineReader(process.stdin);
  while ((await next()) !== 'stop');
  stop.abort();
  await engine.close();
  process.stdout.write(`${JSON.stringify({ frames: stt.frames })}\n`);
  process.exit(0);
}

async function benchJitter(n) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const rs = { plain: [], stt: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['stt', 'plain']) {
      const x = await jitterRun(mode, n);
      rs[mode].push(x);
      console.log(`  ${n} calls ${mode === 'stt' ? 'streaming to a recognizer' : 'without recognition     '} #${r + 1}: departure jitter p99 ${fmt(x.p99)} ms  loss ${fmt(x.loss, 3)} %  frames to the vendor ${x.frames}  (${x.source})`);
    }
  }
  const med = (xs) => pct(xs.map((x) => x.p99), 0.5);
  console.log(`${n} calls streaming to a recognizer: departure jitter p99 median ${fmt(med(rs.stt))} ms vs ${fmt(med(rs.plain))} ms without (ratio ${fmt(med(rs.stt) / med(rs.plain))}×; goal ≤ 5 ms)`);
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === '--child') return child(args[1], Number(args[2]), Number(args[3]));
  const n = Number(args[0] ?? 200);
  const m = await modules();
  await benchBargeIn(m);
  await benchFinalToHook(m);
  await benchTts(m);
  await benchJitter(n);
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
