import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { nullLogger } from '../../kernel/logger.js';
import { tones, zeroCrossingHz } from '../../testkit/audio.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { decodeG711, decodeTable, encodeG711, encodeTable } from '../codec/g711.js';
import { PlayoutScheduler } from '../playout/scheduler.js';
import { pcmSource } from '../playout/source.js';
import { writeRtpHeader } from '../rtp/rtp-header.js';
import { RtpSession } from './rtp-session.js';
import type { RemoteMedia, SrtpParams } from './types.js';

/** A dgram stand-in that records what is sent and hands it to whoever is wired as the far end. */
class WireSocket extends EventEmitter {
  readonly sent: Buffer[] = [];
  farEnd: WireSocket | null = null;
  constructor(readonly address: string, readonly port: number) {
    super();
  }
  send(msg: Uint8Array): void {
    const copy = Buffer.from(msg);
    this.sent.push(copy);
    this.farEnd?.emit('message', Buffer.from(copy), { address: this.address, port: this.port, family: 'IPv4', size: copy.length });
  }
  connect(_port: number, _address: string, cb: () => void): void {
    process.nextTick(cb);
  }
  disconnect(): void {
    // nothing is connected for real
  }
  close(): void {
    this.removeAllListeners();
  }
}

const KEY_A = Buffer.alloc(30, 0xa1);
const KEY_B = Buffer.alloc(30, 0xb2);
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

function pair(keysA: SrtpParams | undefined, keysB: SrtpParams | undefined) {
  const clock = new FakeClock();
  const scheduler = new PlayoutScheduler({ clock });
  const make = (id: string, port: number) => {
    const rtp = new WireSocket('127.0.0.1', port);
    const rtcp = new WireSocket('127.0.0.1', port + 1);
    const s = new RtpSession({ id, port, rtp: rtp as unknown as Socket, rtcp: rtcp as unknown as Socket, clock, logger: nullLogger, scheduler, rtcpIntervalMs: 1000 });
    const heard: number[] = [];
    s.onAudio((pcm, info) => { for (let i = 0; i < info.samples; i++) heard.push(pcm[i]); });
    return { s, rtp, rtcp, heard };
  };
  const a = make('a', 40_000);
  const b = make('b', 40_100);
  a.rtp.farEnd = b.rtp;
  b.rtp.farEnd = a.rtp;
  a.rtcp.farEnd = b.rtcp;
  b.rtcp.farEnd = a.rtcp;
  const remote = (port: number, srtp: SrtpParams | undefined): RemoteMedia => ({ address: '127.0.0.1', port, codec: 'PCMU', payloadType: 0, dtmfPayloadType: 101, ...(srtp ? { srtp } : {}) });
  a.s.setRemote(remote(40_100, keysA));
  b.s.setRemote(remote(40_000, keysB));
  return { clock, a, b };
}

const keys = (local: Buffer, remote: Buffer): SrtpParams => ({ suite: 'AES_CM_128_HMAC_SHA1_80', localKey: local, remoteKey: remote });

test('RFC 3711 / RFC 4568: with SDES keys the session sends SRTP (tag appended, payload not the tone) and SRTCP; the peer with the mirrored keys hears the tone', async () => {
  const { clock, a, b } = pair(keys(KEY_A, KEY_B), keys(KEY_B, KEY_A));
  const tone = tones([1000], 400, 8000);
  void a.s.play(pcmSource(tone, 'tone'));
  await flush();
  for (let i = 0; i < 25; i++) clock.advance(20);
  await flush();
  const voice = a.rtp.sent.filter((p) => p.length === 12 + 160 + 10);
  assert.ok(voice.length >= 20, `${a.rtp.sent.length} packets, ${voice.length} of SRTP size`);
  // What the tone is in the clear, packet by packet: nothing on the wire carries it.
  const clear = Buffer.alloc(160);
  encodeG711(encodeTable('PCMU'), tone, 160, clear, 0);
  assert.ok(voice.every((p) => !p.subarray(12, 172).equals(clear)));
  const wire = new Int16Array(160 * voice.length);
  voice.forEach((p, i) => decodeG711(decodeTable('PCMU'), p, 12, 160, wire.subarray(i * 160)));
  assert.ok(Math.abs(zeroCrossingHz(wire) - 1000) > 200, `the wire decodes to noise, not 1 kHz (${zeroCrossingHz(wire).toFixed(0)} Hz)`);
  const heard = Int16Array.from(b.heard.filter((_, i) => i >= 160 * 2 && i < 160 * 18));
  assert.ok(Math.abs(zeroCrossingHz(heard) - 1000) < 20, `B hears 1 kHz (${zeroCrossingHz(heard).toFixed(0)} Hz)`);
  assert.equal(b.s.stats.srtpDropped, 0);
  clock.advance(2000);
  assert.ok(a.rtcp.sent.length > 0);
  assert.ok(a.rtcp.sent.every((p) => (p.readUInt32BE(p.length - 14) & 0x80000000) !== 0), 'SRTCP: E flag and index before the tag');
  assert.ok(b.s.remote?.srtp);
  await Promise.all([a.s.close(), b.s.close()]);
});

test('RFC 3711 §3.3: packets that do not authenticate — another key, or plain RTP from the right address — are dropped before latching and listeners, and counted', async () => {
  const { clock, a, b } = pair(keys(KEY_A, KEY_B), keys(KEY_B, Buffer.alloc(30, 0x33)));
  void a.s.play(pcmSource(tones([1000], 200, 8000), 'tone'));
  await flush();
  for (let i = 0; i < 10; i++) clock.advance(20);
  assert.equal(b.heard.length, 0);
  assert.ok(b.s.stats.srtpDropped >= 9, String(b.s.stats.srtpDropped));
  const plain = Buffer.alloc(172);
  writeRtpHeader(plain, 0, false, 0, 1, 160, 0x1234);
  b.rtp.emit('message', plain, { address: '127.0.0.1', port: 40_000, family: 'IPv4', size: 172 });
  assert.equal(b.heard.length, 0, 'plain RTP is not taken on an SRTP session');
  assert.equal(b.s.stats.packetsReceived, 0);
  await Promise.all([a.s.close(), b.s.close()]);
});

test('RFC 4568 §7.1.4: a re-INVITE that keeps the keys keeps the crypto contexts; without keys the session is plain RTP again', async () => {
  const { clock, a, b } = pair(keys(KEY_A, KEY_B), keys(KEY_B, KEY_A));
  void a.s.play(pcmSource(tones([1000], 2000, 8000), 'tone'));
  await flush();
  for (let i = 0; i < 5; i++) clock.advance(20);
  const before = b.heard.length;
  // Same keys, new Buffer objects: B's contexts (replay window, ROC) stay — A's packets go on being taken.
  b.s.setRemote({ address: '127.0.0.1', port: 40_000, codec: 'PCMU', payloadType: 0, dtmfPayloadType: 101, srtp: keys(Buffer.from(KEY_B), Buffer.from(KEY_A)) });
  for (let i = 0; i < 5; i++) clock.advance(20);
  assert.ok(b.heard.length > before);
  assert.equal(b.s.stats.srtpDropped, 0);
  a.s.setRemote({ address: '127.0.0.1', port: 40_100, codec: 'PCMU', payloadType: 0, dtmfPayloadType: 101 });
  b.s.setRemote({ address: '127.0.0.1', port: 40_000, codec: 'PCMU', payloadType: 0, dtmfPayloadType: 101 });
  const sent = a.rtp.sent.length;
  clock.advance(20);
  assert.equal(a.rtp.sent.at(-1)?.length, 172, 'plain RTP again');
  assert.ok(a.rtp.sent.length > sent);
  await Promise.all([a.s.close(), b.s.close()]);
});
