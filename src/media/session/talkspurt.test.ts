/**
 * The first frame of a playback (issue 14: a cached prompt → first RTP ≤ 5 ms). A playback that
 * starts on an idle session does not wait for the next 20 ms tick of the shared scheduler; the
 * frames after it stay on the tick grid, with continuous timestamps (RFC 3550 §5.1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { nullLogger } from '../../kernel/logger.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { PlayoutScheduler } from '../playout/scheduler.js';
import { pcmSource } from '../playout/source.js';
import { parseRtpHeader, RtpHeader } from '../rtp/rtp-header.js';
import { RtpSession } from './rtp-session.js';

interface Sent {
  readonly at: number;
  readonly marker: boolean;
  readonly seq: number;
  readonly ts: number;
  /** First payload byte: 0xff is µ-law silence. */
  readonly first: number;
}

/** Records every RTP packet with the (fake) time it was sent. */
class TimedSocket extends EventEmitter {
  readonly sent: Sent[] = [];
  constructor(private readonly clock: FakeClock) {
    super();
  }
  send(msg: Uint8Array): void {
    const h = new RtpHeader();
    assert.ok(parseRtpHeader(msg, msg.length, h));
    this.sent.push({ at: this.clock.now(), marker: h.marker, seq: h.sequenceNumber, ts: h.timestamp, first: msg[h.payloadOffset] });
  }
  connect(_port: number, _address: string, cb: () => void): void {
    process.nextTick(cb);
  }
  disconnect(): void {}
  close(): void {
    this.removeAllListeners();
  }
}

const SILENCE = 0xff;
/** Lets the playback's source open (promise jobs only: no timer, no I/O). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
const loud = (frames: number): Int16Array => new Int16Array(160 * frames).fill(8000);

function harness() {
  const clock = new FakeClock();
  // Another call keeps the shared clock running from t = 0: ticks are due at 0, 20, 40 …
  const scheduler = new PlayoutScheduler({ clock });
  scheduler.add({ onTick: () => undefined });
  const rtp = new TimedSocket(clock);
  const s = new RtpSession({
    id: 't', port: 40_000, rtp: rtp as unknown as Socket, rtcp: new TimedSocket(clock) as unknown as Socket, clock, logger: nullLogger, scheduler, rtcpIntervalMs: 60_000,
  });
  const start = (): void => s.setRemote({ address: '198.51.100.7', port: 4000, codec: 'PCMU', payloadType: 0, dtmfPayloadType: 101 });
  /** Packets relative to the first one: [sent at, marker, Δseq, Δts, audible]. */
  const rows = (from = 0): Array<[number, boolean, number, number, boolean]> => {
    const p0 = rtp.sent[from];
    return rtp.sent.slice(from).map((p) => [p.at, p.marker, (p.seq - p0.seq) & 0xffff, (p.ts - p0.ts) >>> 0, p.first !== SILENCE]);
  };
  return { clock, scheduler, rtp, s, start, rows };
}

test('RFC 3551 §4.1 talkspurt start: a playback on a session that has sent nothing goes out at once with the marker; the next frames follow on the tick grid, timestamps continuous; the silence after it is back on the grid', async () => {
  const h = harness();
  h.clock.advance(7);
  h.start();
  const done = h.s.play(pcmSource(loud(3)));
  await settle();
  h.clock.advance(3);
  assert.deepEqual(h.rows(), [[7, true, 0, 0, true]], 'the first frame left at once, not at the tick due at 20 ms');
  h.clock.advance(70);
  // The second packet is early by 13 ms against the first (allowed: early, never late). The tick
  // at 60 has nothing to play and sends nothing: the silence from 80 is back on the tick grid.
  assert.deepEqual(h.rows(), [[7, true, 0, 0, true], [20, false, 1, 160, true], [40, false, 2, 320, true], [80, true, 3, 480, false]]);
  assert.equal((await done).reason, 'finished');
  await h.s.close();
});

test('a playback on a session sending silence goes out at once, one frame ahead of the grid; the first tick with nothing to play sends nothing and the stream is back on the grid, the next packet marked (RFC 3551 §4.1)', async () => {
  const h = harness();
  h.start();
  h.clock.advance(47);
  const done = h.s.play(pcmSource(loud(3)));
  await settle();
  h.clock.advance(93);
  assert.deepEqual(h.rows(), [
    [0, true, 0, 0, false], [20, false, 1, 160, false], [40, false, 2, 320, false],
    // The prompt: 7 ms after the last silence packet, then on the ticks; each frame early, none late.
    [47, false, 3, 480, true], [60, false, 4, 640, true], [80, false, 5, 800, true],
    // 100: nothing (the frame sent ahead is repaid); the silence at 120 has timestamp 8·120 again.
    [120, true, 6, 960, false], [140, false, 7, 1120, false],
  ]);
  assert.equal((await done).reason, 'finished');
  await h.s.close();
});

test('prompts one after another do not drift: each starts at once and the silence after each is back on the grid', async () => {
  const h = harness();
  h.start();
  for (const at of [47, 133, 219]) {
    h.clock.advance(at - h.clock.now());
    const done = h.s.play(pcmSource(loud(2)));
    await settle();
    assert.equal(h.rtp.sent.at(-1)?.at, at, 'the first frame left at once');
    h.clock.advance(45);
    assert.equal((await done).reason, 'finished');
  }
  h.clock.advance(300 - h.clock.now());
  const p0 = h.rtp.sent[0];
  const last = h.rtp.sent.at(-1) as Sent;
  assert.equal(last.at, 300);
  assert.equal((last.ts - p0.ts) >>> 0, 8 * 300, 'timestamp of the tick at 300 ms as if no prompt had played');
  await h.s.close();
});

test('a prompt asked for the moment the previous one ends starts at once too, marked after the repaid tick; the silence after both is on the grid', async () => {
  const h = harness();
  h.start();
  h.clock.advance(47);
  const a = h.s.play(pcmSource(loud(2)));
  await settle();
  h.clock.advance(33); // 60: second frame; 80: nothing to play, the frame sent ahead is repaid
  assert.equal((await a).reason, 'finished');
  const b = h.s.play(pcmSource(loud(2)));
  await settle();
  h.clock.advance(60);
  assert.deepEqual(h.rows(), [
    [0, true, 0, 0, false], [20, false, 1, 160, false], [40, false, 2, 320, false],
    [47, false, 3, 480, true], [60, false, 4, 640, true],
    [80, true, 5, 800, true], [100, false, 6, 960, true],
    [140, true, 7, 1120, false],
  ]);
  assert.equal((await b).reason, 'finished');
  await h.s.close();
});

test('a playback asked for while another plays queues behind it exactly as before: its first frame goes out on a tick, timestamps continuous', async () => {
  const h = harness();
  h.start();
  h.clock.advance(45);
  const first = h.s.play(pcmSource(loud(2)));
  const second = h.s.play(pcmSource(new Int16Array(320).fill(-8000)));
  await settle();
  h.clock.advance(35); // 45: first frame at once; 60: second frame; 80: the first playback ends
  assert.equal((await first).reason, 'finished');
  await settle();
  h.clock.advance(80);
  assert.deepEqual(h.rows(3), [
    [45, false, 0, 0, true], [60, false, 1, 160, true],
    // 80: the first ended (that tick repays the frame sent ahead); the second starts on the next tick.
    [100, true, 2, 320, true], [120, false, 3, 480, true], [140, false, 4, 640, false], [160, false, 5, 800, false],
  ]);
  assert.equal((await second).reason, 'finished');
  await h.s.close();
});

test('a playback starting while RFC 4733 digits are sent waits for the tick, as before', async () => {
  const h = harness();
  h.start();
  h.clock.advance(40);
  const digits = h.s.sendDtmf('1', { toneMs: 40, gapMs: 0 });
  await settle();
  h.clock.advance(5);
  const before = h.rtp.sent.length;
  const done = h.s.play(pcmSource(loud(1)));
  await settle();
  assert.equal(h.rtp.sent.length, before, 'nothing sent between the ticks');
  h.clock.advance(200);
  await digits;
  assert.equal((await done).reason, 'finished');
  await h.s.close();
});
