import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../kernel/clock.js';
import { nullLogger } from '../../kernel/logger.js';
import { EspeakAdapter } from '../../speech/espeak.js';
import { bestCorrelation, dtmfSignal, tones, wavBytes, zeroCrossingHz } from '../../testkit/audio.js';
import { RtpPeer } from '../../testkit/rtp-peer.js';
import { encodeG711, ULAW_ENCODE } from '../codec/g711.js';
import { Rfc4733Receiver } from '../dtmf/rfc4733.js';
import { writeRtpHeader } from '../rtp/rtp-header.js';
import { decodeWav, fileSource, lazyPcmSource, pcmSource, sequenceSource } from '../playout/index.js';
import { MediaEngine, MediaSessionError, type MediaSession } from './index.js';

const AUDIO = fileURLToPath(new URL('../../../test/audio', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vgw-media-'));
const engine = new MediaEngine({ clock: systemClock, logger: nullLogger, portRange: { min: 31000, max: 31999 }, bindAddress: '127.0.0.1' });
after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits until `ok()` holds, for 2 s at most. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await sleep(10);
}
const remote = (port: number, codec: 'PCMU' | 'PCMA' = 'PCMU') => ({ address: '127.0.0.1', port, codec, payloadType: codec === 'PCMU' ? 0 : 8, dtmfPayloadType: 101 });

/** Index range [first, last] of 160-sample frames that are not silent. */
function activeSpan(pcm: Int16Array): [number, number] {
  let first = -1;
  let last = -1;
  for (let f = 0; f * 160 < pcm.length; f++) {
    const seg = pcm.subarray(f * 160, (f + 1) * 160);
    if (seg.some((v) => Math.abs(v) > 64)) {
      if (first < 0) first = f;
      last = f;
    }
  }
  return [first, last];
}

test('plays espeak speech then the 1 kHz WAV: duration within 5 %, tone 1000 ± 10 Hz, no packet missing', async (t) => {
  const peer = await RtpPeer.open();
  const s = await engine.createSession();
  try {
    s.setRemote(remote(peer.port));
    const tts = new EspeakAdapter({});
    const speech = await tts.synthesize({ text: 'Hello, this is a test of the voice gateway' }, new AbortController().signal);
    const src = sequenceSource([lazyPcmSource('tts', async () => speech), fileSource(`${AUDIO}/beep_1000hz_500ms_8k.wav`)]);
    const from = peer.packets.length;
    const r = await s.play(src);
    await sleep(60);
    assert.equal(r.reason, 'finished');
    const expectedSamples = speech.samples.length + 4000;
    assert.ok(Math.abs(r.playedMs * 8 - expectedSamples) < 160);
    const got = peer.decode(0, 'PCMU', from);
    const source = new Int16Array(expectedSamples);
    source.set(speech.samples);
    source.set(decodeWav(readFileSync(`${AUDIO}/beep_1000hz_500ms_8k.wav`)), speech.samples.length);
    const [sf, sl] = activeSpan(source);
    const [gf, gl] = activeSpan(got);
    const srcMs = (sl - sf + 1) * 20;
    const gotMs = (gl - gf + 1) * 20;
    assert.ok(Math.abs(gotMs - srcMs) / srcMs <= 0.05, `got ${gotMs} ms, source ${srcMs} ms`);
    const tone = got.subarray((gl + 1) * 160 - 3600, (gl + 1) * 160 - 400);
    const hz = zeroCrossingHz(tone);
    assert.ok(Math.abs(hz - 1000) <= 10, `tone ${hz} Hz`);
    const audio = peer.packets.slice(from).filter((p) => p.payloadType === 0);
    const span = audio.slice(gf, gl + 1);
    // No audio is missing: every packet follows the last by one sequence number and 20 ms of
    // timestamp. (The wall-clock spacing depends on the machine's load: printed, not asserted.)
    for (let i = 1; i < audio.length; i++) assert.equal((audio[i].seq - audio[i - 1].seq) & 0xffff, 1);
    for (let i = 1; i < span.length; i++) assert.equal((span[i].timestamp - span[i - 1].timestamp) >>> 0, 160);
    let maxGap = 0;
    for (let i = 1; i < span.length; i++) maxGap = Math.max(maxGap, span[i].at - span[i - 1].at);
    t.diagnostic(`largest wall-clock gap between packets: ${maxGap.toFixed(1)} ms`);
  } finally {
    await s.close();
    peer.close();
  }
});

test('RFC 4733: "0123456789*#" sent by the session is decoded at the peer, one digit per event', async () => {
  const peer = await RtpPeer.open();
  const s = await engine.createSession();
  try {
    s.setRemote(remote(peer.port));
    await s.sendDtmf('0123456789*#');
    await sleep(60);
    const rx = new Rfc4733Receiver();
    const ev = peer.packets.filter((p) => p.payloadType === 101);
    const digits = ev.map((p) => rx.receive(p.seq, p.timestamp, p.payload, 0, p.payload.length, p.at)?.digit ?? '').join('');
    assert.equal(digits, '0123456789*#');
    assert.equal(ev.filter((p) => p.marker).length, 12);
    assert.equal(ev.filter((p) => (p.payload[1] & 0x80) !== 0).length, 36);
  } finally {
    await s.close();
    peer.close();
  }
});

test('two sessions on loopback: RFC 4733 digits from one are reported once each by the other', async () => {
  const a = await engine.createSession();
  const b = await engine.createSession();
  try {
    a.setRemote(remote(b.localPort));
    b.setRemote(remote(a.localPort));
    const got: string[] = [];
    b.onDtmf((e) => got.push(`${e.digit}:${e.source}`));
    await a.sendDtmf('1234#');
    await sleep(80);
    assert.deepEqual(got, ['1:rfc4733', '2:rfc4733', '3:rfc4733', '4:rfc4733', '#:rfc4733']);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('in-band digits from a generated WAV played by one session are detected by the other', async () => {
  const wav = join(dir, 'dtmf.wav');
  writeFileSync(wav, wavBytes(dtmfSignal('159#0*', 100, 100)));
  const a = await engine.createSession();
  const b = await engine.createSession({ inbandDtmf: true });
  try {
    a.setRemote(remote(b.localPort));
    b.setRemote(remote(a.localPort, 'PCMU'));
    const got: string[] = [];
    b.onDtmf((e) => got.push(e.digit));
    await a.play(fileSource(wav));
    await sleep(80);
    assert.equal(got.join(''), '159#0*');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

async function recordFromPeer(s: MediaSession, peer: RtpPeer, pcm: Int16Array, path: string): Promise<Int16Array> {
  s.setRemote(remote(peer.port));
  await s.startRecording({ inbound: path });
  await peer.sendPcm(pcm, s.localPort);
  await sleep(100);
  await s.stopRecording();
  return decodeWav(readFileSync(path));
}

test('two-way audio: a known recording sent by the peer is recorded with correlation ≥ 0.9 and its duration', async () => {
  const peer = await RtpPeer.open();
  const s = await engine.createSession();
  try {
    const hello = decodeWav(readFileSync(`${AUDIO}/hello_8k.wav`));
    const rec = await recordFromPeer(s, peer, hello, join(dir, 'in.wav'));
    const [rf, rl] = activeSpan(rec);
    const [hf, hl] = activeSpan(hello);
    assert.ok(Math.abs((rl - rf) - (hl - hf)) <= 1, `recorded ${rl - rf} frames, source ${hl - hf}`);
    const aligned = rec.subarray(rf * 160 - 800 > 0 ? rf * 160 - 800 : 0);
    const { r } = bestCorrelation(hello.subarray(hf * 160, hl * 160), aligned, 1600);
    assert.ok(r >= 0.9, `correlation ${r}`);
    assert.ok(s.stats.packetsReceived >= Math.floor(hello.length / 160));
    assert.equal(s.stats.latchedTo, `127.0.0.1:${peer.port}`);
  } finally {
    await s.close();
    peer.close();
  }
});

test('stereo recording: left is what the peer sent, right is what we played', async () => {
  const peer = await RtpPeer.open();
  const s = await engine.createSession();
  try {
    s.setRemote(remote(peer.port));
    const path = join(dir, 'both.wav');
    await s.startRecording({ stereo: path });
    await Promise.all([s.play(pcmSource(tones([600], 600, 8000))), peer.sendPcm(tones([1500], 600, 8000), s.localPort)]);
    await sleep(60);
    await s.stopRecording();
    const buf = readFileSync(path);
    assert.equal(buf.readUInt16LE(22), 2);
    const n = (buf.length - 44) / 4;
    const left = Int16Array.from({ length: n }, (_, i) => buf.readInt16LE(44 + 4 * i));
    const right = Int16Array.from({ length: n }, (_, i) => buf.readInt16LE(46 + 4 * i));
    const [lf, ll] = activeSpan(left);
    const [rf, rl] = activeSpan(right);
    assert.ok(Math.abs(zeroCrossingHz(left.subarray(lf * 160 + 160, ll * 160)) - 1500) < 10);
    assert.ok(Math.abs(zeroCrossingHz(right.subarray(rf * 160 + 160, rl * 160)) - 600) < 10);
  } finally {
    await s.close();
    peer.close();
  }
});

test('bridge: PCMU in on one leg comes out as PCMA on the other with the same tone', async () => {
  const p1 = await RtpPeer.open();
  const p2 = await RtpPeer.open();
  const a = await engine.createSession();
  const b = await engine.createSession();
  try {
    a.setRemote(remote(p1.port, 'PCMU'));
    b.setRemote(remote(p2.port, 'PCMA'));
    a.bridge(b);
    const from = p2.packets.length;
    await p1.sendPcm(tones([800], 1000, 8000), a.localPort);
    await sleep(60);
    const out = p2.decode(8, 'PCMA', from);
    const [f, l] = activeSpan(out);
    assert.ok(l - f >= 45, `bridged ${l - f} frames`);
    assert.ok(Math.abs(zeroCrossingHz(out.subarray(f * 160 + 160, l * 160)) - 800) < 5);
    assert.equal(p2.packets.slice(from).filter((p) => p.payloadType === 0).length, 0);
  } finally {
    await Promise.all([a.close(), b.close()]);
    p1.close();
    p2.close();
  }
});

test('barge-in: aborting a playback stops the audio at once; hold stops sending; close is idempotent', async () => {
  const peer = await RtpPeer.open();
  const s = await engine.createSession();
  s.setRemote(remote(peer.port));
  const ac = new AbortController();
  const p = s.play(pcmSource(tones([700], 5000, 8000)), ac.signal);
  await sleep(200);
  ac.abort();
  const r = await p;
  assert.equal(r.reason, 'aborted');
  assert.ok(r.playedMs >= 100 && r.playedMs < 600, String(r.playedMs));
  // Wait for the state itself (three packets after the abort: one may have been in flight), not for a time: on a loaded machine
  // 60 ms may hold one tick, and the tick after a talkspurt may repay the early first frame.
  const sent = peer.packets.length;
  for (let i = 0; i < 200 && peer.packets.length < sent + 3; i++) await sleep(10);
  const last = peer.packets.slice(-2).map((x) => x.payload.every((b) => b === 0xff));
  assert.deepEqual(last, [true, true]);
  s.setDirection('recvonly');
  await sleep(40);
  const n = peer.packets.length;
  await sleep(100);
  assert.equal(peer.packets.length, n);
  await s.close();
  await s.close();
  assert.equal((await s.play(pcmSource(new Int16Array(160)))).reason, 'closed');
  peer.close();
});

test('onAudio taps the decoded received audio frame by frame; a bad remote is a typed error', async () => {
  const peer = await RtpPeer.open();
  const s = await engine.createSession();
  try {
    s.setRemote(remote(peer.port));
    const frames: Int16Array[] = [];
    const off = s.onAudio((pcm, info) => frames.push(pcm.slice(0, info.samples)));
    await peer.sendPcm(tones([900], 600, 8000), s.localPort);
    await until(() => frames.length >= 30);
    off();
    assert.ok(frames.length >= 30 && frames.length <= 31 && frames.every((f) => f.length === 160), `${frames.length} frames`);
    const all = new Int16Array(frames.length * 160);
    frames.forEach((f, i) => all.set(f, i * 160));
    assert.ok(Math.abs(zeroCrossingHz(all.subarray(160, all.length - 160)) - 900) < 10);
    assert.throws(() => s.setRemote({ ...remote(peer.port), port: 70000 }), (e: unknown) => e instanceof MediaSessionError && e.code === 'MEDIA_BAD_REMOTE');
  } finally {
    await s.close();
    peer.close();
  }
});

test('RTP bleed (RFC 7362 §5): a stray UDP sender during the call is never heard and never gets our audio', async () => {
  const peer = await RtpPeer.open();
  const stray = await RtpPeer.open();
  const s = await engine.createSession();
  try {
    s.setRemote(remote(peer.port));
    const frames: Int16Array[] = [];
    s.onAudio((pcm, info) => frames.push(pcm.slice(0, info.samples)));
    // The stray speaks first (under the 4 packets a non-SDP source needs), then throughout the call.
    await stray.sendPcm(tones([2500], 40, 8000), s.localPort, { ssrc: 0xbad });
    const real = peer.sendPcm(tones([800], 1000, 8000), s.localPort);
    await until(() => s.stats.latchedTo !== null);
    await Promise.all([real, stray.sendPcm(tones([2500], 800, 8000), s.localPort, { ssrc: 0xbad })]);
    await until(() => frames.length >= 50);
    assert.equal(s.stats.latchedTo, `127.0.0.1:${peer.port}`);
    assert.ok(frames.length >= 49 && frames.length <= 50, `${frames.length} frames`);
    const all = new Int16Array(frames.length * 160);
    frames.forEach((f, i) => all.set(f, i * 160));
    assert.ok(Math.abs(zeroCrossingHz(all.subarray(160, all.length - 160)) - 800) < 10, 'only the peer\'s 800 Hz was heard');
    assert.equal(stray.packets.length, 0);
    assert.ok(s.stats.strays >= 2, `${s.stats.strays} strays`);
    assert.ok(peer.packets.length > 0);
  } finally {
    await s.close();
    peer.close();
    stray.close();
  }
});

/** Sends `count` 20 ms PCMU frames of a 600 Hz tone with the given SSRC, from sequence number `seq` on. */
async function sendStream(peer: RtpPeer, port: number, ssrc: number, seq: number, count: number): Promise<void> {
  const pcm = tones([600], count * 20, 8000);
  for (let i = 0; i < count; i++) {
    const buf = Buffer.alloc(172);
    writeRtpHeader(buf, 0, i === 0, 0, (seq + i) & 0xffff, (seq + i) * 160, ssrc);
    encodeG711(ULAW_ENCODE, pcm.subarray(i * 160, (i + 1) * 160), 160, buf, 12);
    peer.socket.send(buf, port, '127.0.0.1');
    await sleep(20);
  }
}

test('stream restart: after the peer restarts with another SSRC and an earlier sequence number, its audio is heard at once', async () => {
  const peer = await RtpPeer.open();
  const s = await engine.createSession();
  try {
    s.setRemote(remote(peer.port));
    let frames = 0;
    s.onAudio(() => { frames++; });
    await sendStream(peer, s.localPort, 0x1111, 30_000, 10);
    await until(() => frames >= 10);
    await sendStream(peer, s.localPort, 0x2222, 100, 10);
    await until(() => frames >= 20);
    assert.equal(frames, 20);
    assert.equal(s.stats.remoteSsrc, 0x2222);
  } finally {
    await s.close();
    peer.close();
  }
});
