import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { nullLogger } from '../../kernel/logger.js';
import { dtmfSignal, tones } from '../../testkit/audio.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { encodeG711, encodeTable } from '../codec/g711.js';
import { writeRfc4733Payload } from '../dtmf/rfc4733.js';
import { PlayoutScheduler } from '../playout/scheduler.js';
import { pcmSource } from '../playout/source.js';
import { parseRtpHeader, RtpHeader, writeRtpHeader } from '../rtp/rtp-header.js';
import { linkBridge, unlinkBridge, type BridgePort, type MediaSession } from './media-session.js';
import { RtpSession } from './rtp-session.js';
import type { Direction, PlayResult, RemoteMedia, RtpSessionOptions, SessionStats } from './types.js';

/**
 * A dgram socket stand-in: records what the session sends and lets the test inject datagrams.
 * Unlike a connected kernel socket it does not filter by source, so the session's own checks
 * are what these tests exercise. connect() completes on the next tick, as Node's does.
 */
class FakeSocket extends EventEmitter {
  readonly sent: Array<{ data: Buffer; address: string; port: number }> = [];
  connectedTo: { address: string; port: number } | null = null;
  #connecting = false;

  send(msg: Uint8Array, port?: number, address?: string): void {
    const to = this.connectedTo;
    if (to && port !== undefined) throw new Error('ERR_SOCKET_DGRAM_IS_CONNECTED');
    const dest = to ?? { address: address ?? '', port: port ?? 0 };
    this.sent.push({ data: Buffer.from(msg), address: dest.address, port: dest.port });
  }
  connect(port: number, address: string, cb: () => void): void {
    if (this.connectedTo || this.#connecting) throw new Error('ERR_SOCKET_DGRAM_IS_CONNECTED');
    this.#connecting = true;
    process.nextTick(() => {
      this.#connecting = false;
      this.connectedTo = { address, port };
      cb();
    });
  }
  disconnect(): void {
    if (!this.connectedTo) throw new Error('ERR_SOCKET_DGRAM_NOT_CONNECTED');
    this.connectedTo = null;
  }
  close(): void {
    this.removeAllListeners();
  }
  inject(data: Buffer, address: string, port: number): void {
    this.emit('message', data, { address, port, family: 'IPv4', size: data.length });
  }
}

interface Source {
  readonly address: string;
  readonly port: number;
  /** The level of every sample this source sends, so that listeners can tell who they heard. */
  readonly mark: number;
  ssrc: number;
  seq: number;
  ts: number;
}

const PHONE = '198.51.100.7';
const remote = (address: string, port: number, dtmfPayloadType: number | null = 101): RemoteMedia => ({ address, port, codec: 'PCMU', payloadType: 0, dtmfPayloadType });
const source = (address: string, port: number, mark: number, ssrc: number, seq = 1000, ts = 80_000): Source => ({ address, port, mark, ssrc, seq, ts });
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function harness(opts: Partial<RtpSessionOptions> = {}) {
  const clock = new FakeClock();
  const scheduler = new PlayoutScheduler({ clock });
  const rtp = new FakeSocket();
  const rtcp = new FakeSocket();
  const s = new RtpSession({
    id: 't', port: 40_000, rtp: rtp as unknown as Socket, rtcp: rtcp as unknown as Socket, clock, logger: nullLogger, scheduler, rtcpIntervalMs: 60_000, ...opts,
  });
  const heard: number[] = [];
  s.onAudio((pcm) => heard.push(pcm[0]));
  const digits: string[] = [];
  s.onDtmf((e) => digits.push(`${e.digit}:${e.source}`));
  const ulaw = encodeTable('PCMU');
  /** One 20 ms G.711 packet from `src` (its mark level, unless `pcm` is given). */
  const audio = (src: Source, pcm: Int16Array = new Int16Array(160).fill(src.mark)): void => {
    const buf = Buffer.alloc(172);
    writeRtpHeader(buf, 0, false, 0, src.seq, src.ts, src.ssrc);
    encodeG711(ulaw, pcm, 160, buf, 12);
    rtp.inject(buf, src.address, src.port);
    src.seq = (src.seq + 1) & 0xffff;
    src.ts = (src.ts + 160) >>> 0;
  };
  const event = (src: Source, key: number, end: boolean): void => {
    const buf = Buffer.alloc(16);
    writeRtpHeader(buf, 0, !end, 101, src.seq, src.ts, src.ssrc);
    writeRfc4733Payload(buf, 12, key, end, 10, 800);
    rtp.inject(buf, src.address, src.port);
    src.seq = (src.seq + 1) & 0xffff;
  };
  /** Where the session's last RTP packet went. */
  const lastDest = (): string => {
    const p = rtp.sent.at(-1);
    return p ? `${p.address}:${p.port}` : '';
  };
  return { clock, scheduler, rtp, s, heard, digits, audio, event, lastDest };
}

/** Frames heard from the source with this mark (G.711 keeps a level within a few per cent). */
const framesOf = (heard: number[], src: Source): number => heard.filter((v) => Math.abs(v - src.mark) <= src.mark / 16).length;

test('RTP bleed (RFC 7362 §5): a stray that sends first cannot latch; the SDP address latches at once', async () => {
  const h = harness();
  h.s.setRemote(remote(PHONE, 4000));
  const stray = source('203.0.113.66', 6000, 3000, 0xbad);
  const phone = source(PHONE, 4000, 1000, 0x1111);
  for (let i = 0; i < 3; i++) h.audio(stray);
  h.audio(phone);
  for (let i = 0; i < 20; i++) h.audio(stray);
  h.event(stray, 1, false);
  h.event(stray, 1, true);
  h.audio(phone);
  await flush();
  h.clock.advance(20);
  assert.equal(framesOf(h.heard, stray), 0, 'no stray audio reaches listeners');
  assert.equal(framesOf(h.heard, phone), 2);
  assert.deepEqual(h.digits, []);
  assert.equal(h.s.stats.latchedTo, `${PHONE}:4000`);
  assert.equal(h.s.stats.strays, 25);
  assert.equal(h.lastDest(), `${PHONE}:4000`);
  await h.s.close();
});

test('RFC 7362 §4 latching behind a NAT: another source latches after 4 consecutive packets with one SSRC; sends go to the SDP address until then', async () => {
  const h = harness();
  h.s.setRemote(remote('192.168.1.10', 4000));
  const nat = source('203.0.113.5', 61_000, 1000, 0x2222);
  h.audio(nat);
  h.audio(nat);
  h.audio(source('203.0.113.5', 61_000, 1000, 0x3333));
  h.audio(nat);
  h.audio(nat);
  h.audio(nat);
  h.clock.advance(0);
  assert.equal(h.lastDest(), '192.168.1.10:4000');
  assert.equal(h.s.stats.latchedTo, null);
  assert.equal(h.heard.length, 0);
  h.audio(nat);
  h.audio(nat);
  h.clock.advance(20);
  await flush();
  assert.equal(h.s.stats.latchedTo, '203.0.113.5:61000');
  assert.equal(h.lastDest(), '203.0.113.5:61000');
  assert.equal(framesOf(h.heard, nat), 2);
  assert.equal(h.s.stats.strays, 6);
  await h.s.close();
});

test('RFC 7362 §5: a latched source keeps the stream while it sends; after 1 s of silence a new source takes over with 4 packets', async () => {
  const h = harness();
  h.s.setRemote(remote('192.168.1.10', 4000));
  const nat = source('203.0.113.5', 61_000, 1000, 0x2222);
  const stray = source('203.0.113.66', 6000, 3000, 0xbad);
  for (let i = 0; i < 4; i++) h.audio(nat);
  for (let i = 0; i < 50; i++) {
    h.clock.advance(10);
    h.audio(stray);
    if (i % 2 === 0) h.audio(nat);
  }
  assert.equal(h.s.stats.latchedTo, '203.0.113.5:61000');
  assert.equal(framesOf(h.heard, stray), 0);
  h.clock.advance(1000);
  const moved = source('203.0.113.5', 61_002, 5000, 0x2222, 2000, 200_000);
  for (let i = 0; i < 4; i++) h.audio(moved);
  assert.equal(h.s.stats.latchedTo, '203.0.113.5:61002');
  assert.equal(framesOf(h.heard, moved), 1);
  await h.s.close();
});

test('RFC 7362 §5: latched to the SDP address the socket is connected; after 1 s of quiet it is not, and a source that moved takes over with 4 packets', async () => {
  const h = harness();
  h.s.setRemote(remote(PHONE, 4000));
  const phone = source(PHONE, 4000, 1000, 0x1111);
  h.audio(phone);
  await flush();
  assert.deepEqual(h.rtp.connectedTo, { address: PHONE, port: 4000 });
  h.clock.advance(500);
  h.audio(phone);
  h.clock.advance(980);
  assert.deepEqual(h.rtp.connectedTo, { address: PHONE, port: 4000 });
  h.clock.advance(40);
  assert.equal(h.rtp.connectedTo, null);
  h.audio(phone);
  await flush();
  assert.deepEqual(h.rtp.connectedTo, { address: PHONE, port: 4000 }, 'the latched source is back: connected again');
  h.clock.advance(1020);
  assert.equal(h.rtp.connectedTo, null);
  const rebound = source(PHONE, 4002, 5000, 0x1111, 1002, 80_320);
  for (let i = 0; i < 5; i++) h.audio(rebound);
  h.clock.advance(20);
  assert.equal(h.s.stats.latchedTo, `${PHONE}:4002`);
  assert.equal(h.lastDest(), `${PHONE}:4002`);
  assert.equal(framesOf(h.heard, rebound), 2);
  assert.equal(h.rtp.connectedTo, null);
  await h.s.close();
});

test('a re-INVITE that moves the remote (setRemote) restarts latching: the new SDP address latches at once, the old one is a stray', async () => {
  const h = harness();
  h.s.setRemote(remote(PHONE, 4000));
  const old = source(PHONE, 4000, 1000, 0x1111);
  h.audio(old);
  assert.equal(h.s.stats.latchedTo, `${PHONE}:4000`);
  h.s.setRemote(remote(PHONE, 5000));
  h.audio(old);
  const next = source(PHONE, 5000, 5000, 0x4444, 100);
  h.audio(next);
  h.audio(old);
  h.audio(next);
  await flush();
  h.clock.advance(20);
  assert.equal(h.s.stats.latchedTo, `${PHONE}:5000`);
  assert.equal(h.lastDest(), `${PHONE}:5000`);
  assert.equal(framesOf(h.heard, old), 1);
  assert.equal(framesOf(h.heard, next), 2);
  await h.s.close();
});

test('stream restart: 183 media from an announcement server, then the 200 from the phone with another SSRC and sequence space, is heard at once', async () => {
  const h = harness();
  h.s.setRemote(remote('192.0.2.50', 7000));
  const ann = source('192.0.2.50', 7000, 3000, 0xa11, 40_000);
  for (let i = 0; i < 10; i++) h.audio(ann);
  h.s.setRemote(remote(PHONE, 4000));
  const phone = source(PHONE, 4000, 1000, 0x1111, 30_000, 5);
  for (let i = 0; i < 10; i++) h.audio(phone);
  assert.equal(framesOf(h.heard, ann), 10);
  assert.equal(framesOf(h.heard, phone), 10);
  assert.equal(h.s.stats.lateOrDuplicate, 0);
  await h.s.close();
});

test('stream restart: a new SSRC from the same address resets the reorder buffer, loss and jitter (RFC 3550 §8.2, §A.1, §A.8)', async () => {
  const h = harness();
  h.s.setRemote(remote(PHONE, 4000));
  const streams = [source(PHONE, 4000, 1000, 0x1111, 30_000, 1_000_000), source(PHONE, 4000, 1000, 0x2222, 31_000, 3_000_000_000), source(PHONE, 4000, 1000, 0x3333, 5, 7)];
  for (const src of streams) {
    for (let i = 0; i < 10; i++) {
      h.audio(src);
      h.clock.advance(20);
    }
  }
  assert.equal(framesOf(h.heard, streams[0]), 30);
  assert.equal(h.s.stats.remoteSsrc, 0x3333);
  assert.equal(h.s.stats.packetsLost, 0);
  assert.ok(h.s.stats.jitterMs < 1, `jitter ${h.s.stats.jitterMs} ms`);
  await h.s.close();
});

test('RFC 3550 §A.1 restart verdict: the same SSRC jumping back in sequence is heard again from its second packet', async () => {
  const h = harness();
  h.s.setRemote(remote(PHONE, 4000));
  const src = source(PHONE, 4000, 1000, 0x1111, 10_000);
  for (let i = 0; i < 10; i++) h.audio(src);
  src.seq = 60_000;
  for (let i = 0; i < 10; i++) h.audio(src);
  assert.equal(framesOf(h.heard, src), 19);
  await h.s.close();
});

test('in-band DTMF is on by itself when the remote has no telephone-event, off when it has one, and the explicit option wins', async () => {
  const signal = dtmfSignal('159#', 100, 100);
  const play = (h: ReturnType<typeof harness>, dtmfPt: number | null): void => {
    h.s.setRemote(remote(PHONE, 4000, dtmfPt));
    const src = source(PHONE, 4000, 1000, 0x1111);
    for (let o = 0; o + 160 <= signal.length; o += 160) {
      h.audio(src, signal.subarray(o, o + 160));
      h.clock.advance(20);
    }
  };
  const auto = harness();
  play(auto, null);
  assert.deepEqual(auto.digits, ['1:inband', '5:inband', '9:inband', '#:inband']);
  const withEvents = harness();
  play(withEvents, 101);
  assert.deepEqual(withEvents.digits, []);
  const forced = harness({ inbandDtmf: true });
  play(forced, 101);
  assert.equal(forced.digits.length, 4);
  const off = harness({ inbandDtmf: false });
  play(off, null);
  assert.deepEqual(off.digits, []);
  await Promise.all([auto.s.close(), withEvents.s.close(), forced.s.close(), off.s.close()]);
});

test('in-band DTMF follows a re-INVITE: telephone-event accepted later turns the detector off', async () => {
  const h = harness();
  h.s.setRemote(remote(PHONE, 4000, null));
  h.s.setRemote(remote(PHONE, 4000, 101));
  const src = source(PHONE, 4000, 1000, 0x1111);
  const signal = tones([697, 1209], 200, 6000);
  for (let o = 0; o + 160 <= signal.length; o += 160) {
    h.audio(src, signal.subarray(o, o + 160));
    h.clock.advance(20);
  }
  assert.deepEqual(h.digits, []);
  await h.s.close();
});

/** A MediaSession of another engine: it only records what the bridge hands it. */
class PortOnlySession implements MediaSession {
  readonly id = 'other';
  readonly localPort = 0;
  readonly closed = false;
  readonly direction: Direction = 'sendrecv';
  readonly remote = null;
  readonly stats: SessionStats = { packetsSent: 0, octetsSent: 0, packetsReceived: 0, packetsLost: 0, jitterMs: 0, lateOrDuplicate: 0, strays: 0, srtpDropped: 0, remoteSsrc: null, latchedTo: null };
  bridgedTo: MediaSession | null = null;
  readonly audio: Array<{ payloadType: number; first: number; length: number }> = [];
  readonly events: number[] = [];
  readonly bridgePort: BridgePort = {
    forwardAudio: (payloadType, buf, offset, length) => { this.audio.push({ payloadType, first: buf[offset], length }); },
    forwardEvent: (buf, offset) => { this.events.push(buf[offset]); },
    link: (peer) => { this.bridgedTo = peer; },
  };
  bridge(other: MediaSession): void {
    linkBridge(this, other);
  }
  unbridge(): void {
    unlinkBridge(this);
  }
  setRemote(): void {}
  setDirection(): void {}
  onSentAudio(): () => void {
    return () => undefined;
  }
  onAudio(): () => void {
    return () => undefined;
  }
  onDtmf(): () => void {
    return () => undefined;
  }
  play(): Promise<PlayResult> {
    return Promise.resolve({ reason: 'closed', playedMs: 0, source: '' });
  }
  sendDtmf(): Promise<void> {
    return Promise.resolve();
  }
  startRecording(): Promise<void> {
    return Promise.resolve();
  }
  stopRecording(): Promise<null> {
    return Promise.resolve(null);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

test('bridge through the MediaSession interface: a session of another engine exchanges audio and RFC 4733 events with an RtpSession', async () => {
  const h = harness();
  h.s.setRemote(remote(PHONE, 4000));
  const other = new PortOnlySession();
  h.s.bridge(other);
  assert.equal(h.s.bridgedTo, other);
  assert.equal(other.bridgedTo, h.s);
  const phone = source(PHONE, 4000, 1000, 0x1111);
  const stray = source('203.0.113.66', 6000, 3000, 0xbad);
  h.audio(phone);
  h.audio(phone);
  h.audio(stray);
  h.event(phone, 5, false);
  h.event(stray, 9, false);
  assert.deepEqual(other.audio.map((a) => [a.payloadType, a.length]), [[0, 160], [0, 160]]);
  assert.deepEqual(other.events, [5]);
  // The other engine forwards a PCMA frame: it goes to the phone as PCMU, transcoded.
  const alaw = Buffer.alloc(160);
  encodeG711(encodeTable('PCMA'), new Int16Array(160).fill(2000), 160, alaw, 0);
  const before = h.rtp.sent.length;
  h.s.bridgePort.forwardAudio(8, alaw, 0, 160, 12_345);
  assert.equal(h.rtp.sent.length, before + 1);
  const out = h.rtp.sent[before].data;
  const hdr = new RtpHeader();
  assert.ok(parseRtpHeader(out, out.length, hdr));
  assert.equal(hdr.payloadType, 0);
  const ulaw = Buffer.alloc(160);
  encodeG711(encodeTable('PCMU'), new Int16Array(160).fill(2000), 160, ulaw, 0);
  assert.deepEqual(out.subarray(hdr.payloadOffset, hdr.payloadOffset + 160), ulaw);
  other.unbridge();
  assert.equal(h.s.bridgedTo, null);
  h.audio(phone);
  assert.equal(other.audio.length, 2);
  other.bridge(h.s);
  assert.equal(h.s.bridgedTo, other);
  await h.s.close();
  assert.equal(other.bridgedTo, null);
});

test('onSentAudio taps what the session sends: silence while idle, each playback frame, and audio a bridge forwards (decoded)', async () => {
  const h = harness();
  h.s.setRemote(remote(PHONE, 4000));
  await flush();
  const sent: number[] = [];
  const off = h.s.onSentAudio((pcm, n) => sent.push(n === 160 ? pcm[0] : -n));
  h.clock.advance(20);
  assert.ok(sent.length > 0 && !sent.some((v) => v !== 0), `idle ticks send (and tap) silence: ${sent.join(',')}`);
  const played = h.s.play(pcmSource(new Int16Array(320).fill(1200)));
  await flush();
  for (let i = 0; i < 4; i++) h.clock.advance(20);
  await played;
  assert.deepEqual(sent.filter((v) => v === 1200).length, 2, `both playback frames are tapped: ${sent.join(',')}`);
  const other = new PortOnlySession();
  h.s.bridge(other);
  const alaw = Buffer.alloc(160);
  encodeG711(encodeTable('PCMA'), new Int16Array(160).fill(2000), 160, alaw, 0);
  sent.length = 0;
  h.s.bridgePort.forwardAudio(8, alaw, 0, 160, 12_345);
  assert.equal(sent.length, 1);
  assert.ok(Math.abs(sent[0] - 2000) < 2000 / 16, `forwarded audio tapped as sent: ${sent[0]}`);
  off();
  h.s.bridgePort.forwardAudio(8, alaw, 0, 160, 12_505);
  h.clock.advance(20);
  assert.equal(sent.length, 1, 'nothing after unsubscribing');
  await h.s.close();
});

/** Lead mode (the media I/O thread): what the session sends, with the media time the scheduler gives each packet. */
function leadHarness() {
  const clock = new FakeClock();
  const scheduler = new PlayoutScheduler({ clock, leadMs: 40 });
  const rtp = new FakeSocket();
  const sent: Array<{ due: number; replacing: boolean; seq: number; ts: number; marker: boolean; loud: boolean }> = [];
  const send = rtp.send.bind(rtp);
  const hdr = new RtpHeader();
  rtp.send = (msg: Uint8Array, port?: number, address?: string): void => {
    const b = Buffer.from(msg);
    assert.ok(parseRtpHeader(b, b.length, hdr));
    sent.push({ due: scheduler.dueMs, replacing: scheduler.replacing, seq: hdr.sequenceNumber, ts: hdr.timestamp, marker: hdr.marker, loud: b.subarray(12).some((x) => x !== 0xff && x !== 0x7f) });
    send(msg, port, address);
  };
  const s = new RtpSession({ id: 'lead', port: 40_000, rtp: rtp as unknown as Socket, rtcp: new FakeSocket() as unknown as Socket, clock, logger: nullLogger, scheduler, rtcpIntervalMs: 60_000 });
  return { clock, s, sent };
}

test('lead mode: a prompt on a session sending silence goes a frame ahead of the grid — its first frame at once, in place of the first queued packet not on its way — and its end repays it with a pause (RFC 3551 §4.1)', async () => {
  const { clock, s, sent } = leadHarness();
  s.setRemote(remote(PHONE, 4000));
  clock.advance(105); // ticks up to media time 140 have run: 120 and 140 are queued, 100 is on its way
  const queued = sent.filter((p) => p.due > 108).map((p) => [p.seq, p.ts]);
  assert.deepEqual(sent.filter((p) => p.due > 108).map((p) => p.due), [120, 140]);
  const n = sent.length;
  const played = s.play(pcmSource(tones([700], 100, 8000)));
  await flush(); // the source opens
  const rebuilt = sent.slice(n);
  assert.deepEqual(rebuilt.map((p) => [p.seq, p.ts]), queued, 'the same sequence numbers and timestamps');
  assert.ok(rebuilt.every((p) => p.replacing && p.loud));
  assert.deepEqual(rebuilt.map((p) => p.due), [100, 120], 'each a frame early: the first goes with the packet on its way');
  clock.advance(200);
  const after = sent.slice(n + 2);
  const ts0 = rebuilt[0].ts;
  // Media 160, 180, 200: the prompt's last three frames, a frame early; 220: nothing; then silence on the grid, marked.
  assert.deepEqual(after.slice(0, 4).map((p) => [p.due, p.loud, p.marker, (p.ts - ts0) / 160]), [[140, true, false, 2], [160, true, false, 3], [180, true, false, 4], [240, false, true, 6]]);
  for (let i = 1; i < after.length; i++) {
    assert.equal(after[i].seq, (after[i - 1].seq + 1) & 0xffff, 'no sequence number lost or repeated');
    if (i >= 4) assert.equal(after[i].due - after[i - 1].due, 20);
  }
  // Each packet's timestamp is its media time on the stream's clock: the pause kept them in step.
  for (const p of after) if (p.due >= 240) assert.equal((p.ts - ts0) / 160, (p.due - 120) / 20);
  await flush();
  clock.advance(40); // \`finished\` comes the lead after the last frame was built
  assert.equal((await played).reason, 'finished');
  await s.close();
});

test('lead mode: a barge-in puts silence in place of the prompt queued a frame early; the first live tick then repays the frame', async () => {
  const { clock, s, sent } = leadHarness();
  s.setRemote(remote(PHONE, 4000));
  clock.advance(105);
  const ac = new AbortController();
  const played = s.play(pcmSource(tones([700], 1000, 8000)), ac.signal);
  await flush();
  clock.advance(100); // now 205: media up to 240 built, 220 and 240 (going at 200 and 220) queued
  const n = sent.length;
  ac.abort();
  const rebuilt = sent.slice(n);
  assert.deepEqual(rebuilt.map((p) => [p.due, p.loud, p.replacing]), [[220, false, true]], 'the queued prompt frame going after now + 3 ms is silence now');
  assert.equal((await played).reason, 'aborted');
  clock.advance(100);
  const next = sent.slice(n + 1);
  assert.ok(next.every((p) => !p.loud && !p.replacing));
  assert.equal(next[0].due, 280, 'media time 260 (the repaid frame) sends nothing');
  assert.ok(next[0].marker);
  await s.close();
});

test('lead mode: a prompt that starts in place of the packet opening a talkspurt keeps its marker (RFC 3551 §4.1)', async () => {
  const { clock, s, sent } = leadHarness();
  s.setRemote(remote(PHONE, 4000));
  clock.advance(105);
  const first = s.play(pcmSource(tones([700], 100, 8000)));
  await flush();
  clock.advance(95); // now 200: the prompt (media 120–200) is built, 220 repaid, 240 queued as marked silence
  await flush();
  clock.advance(5); // the queue is idle again (\`finished\` itself comes the lead later)
  const opener = sent.at(-1);
  assert.deepEqual([opener?.due, opener?.loud, opener?.marker], [240, false, true]);
  const n = sent.length;
  const second = s.play(pcmSource(tones([700], 100, 8000)));
  await flush();
  assert.deepEqual(sent.slice(n).map((p) => [p.seq, p.due, p.loud, p.marker, p.replacing]), [[opener?.seq, 220, true, true, true]]);
  clock.advance(200);
  await flush();
  clock.advance(40);
  assert.equal((await first).reason, 'finished');
  assert.equal((await second).reason, 'finished');
  await s.close();
});
