import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { systemClock } from '../../kernel/clock.js';
import { nullLogger } from '../../kernel/logger.js';
import { tones, zeroCrossingHz } from '../../testkit/audio.js';
import { pcmSource } from '../playout/index.js';
import { MediaEngine } from './index.js';

/**
 * VGW_MEDIA_THREAD (issue 13 §3): RTP sent and received by the media I/O thread. The far end
 * here is a capture on a thread of its own, so its arrival times do not stop when the main
 * thread does.
 */
const LEAD_MS = 120;
const STALL_MS = 100;
const threaded = new MediaEngine({ clock: systemClock, logger: nullLogger, portRange: { min: 32000, max: 32499 }, bindAddress: '127.0.0.1', ioThread: true, leadMs: LEAD_MS });
const plain = new MediaEngine({ clock: systemClock, logger: nullLogger, portRange: { min: 32500, max: 32999 }, bindAddress: '127.0.0.1' });
after(async () => {
  await threaded.close();
  await plain.close();
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const remote = (port: number) => ({ address: '127.0.0.1', port, codec: 'PCMU' as const, payloadType: 0, dtmfPayloadType: 101 });

interface Arrival { at: number; seq: number; pt: number; silent: boolean }

/** A UDP capture on its own thread: every datagram's arrival time (ms since the epoch, that thread's clock), sequence number and payload type. */
class ThreadCapture {
  readonly #w: Worker;
  readonly port: Promise<number>;
  private constructor() {
    this.#w = new Worker(`
      const { parentPort } = require('node:worker_threads');
      const s = require('node:dgram').createSocket('udp4');
      const got = [];
      s.on('message', (m) => got.push({ at: performance.timeOrigin + performance.now(), seq: m.readUInt16BE(2), pt: m[1] & 0x7f, silent: m.subarray(12).every((b) => b === 0xff || b === 0x7f) }));
      parentPort.on('message', () => parentPort.postMessage(got.splice(0)));
      s.bind(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));
    `, { eval: true });
    this.port = new Promise((r) => this.#w.once('message', r));
  }
  static async open(): Promise<{ cap: ThreadCapture; port: number }> {
    const cap = new ThreadCapture();
    return { cap, port: await cap.port };
  }
  take(): Promise<Arrival[]> {
    return new Promise((r) => {
      this.#w.once('message', r);
      this.#w.postMessage('take');
    });
  }
  close(): Promise<number> {
    return this.#w.terminate();
  }
}

/** Blocks this thread for `ms`, as a long garbage collection would. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
}

/** Plays 3 s of tone and stalls the main thread for STALL_MS five times; returns the tone packets as they arrived. */
async function playThroughStalls(engine: MediaEngine): Promise<Arrival[]> {
  const { cap, port } = await ThreadCapture.open();
  const s = await engine.createSession();
  try {
    s.setRemote(remote(port));
    const done = s.play(pcmSource(tones([1000], 3000, 8000)));
    await sleep(300);
    for (let i = 0; i < 5; i++) {
      stall(STALL_MS);
      await sleep(250);
    }
    assert.equal((await done).reason, 'finished');
    await sleep(100);
    return (await cap.take()).filter((a) => a.pt === 0 && !a.silent);
  } finally {
    await s.close();
    await cap.close();
  }
}

function largestGap(xs: Arrival[]): number {
  let g = 0;
  for (let i = 1; i < xs.length; i++) g = Math.max(g, xs[i].at - xs[i - 1].at);
  return g;
}

test('with the I/O thread, stalls of the main thread shorter than the lead do not reach the wire; without it they do', async (t) => {
  const withThread = await playThroughStalls(threaded);
  const without = await playThroughStalls(plain);
  for (const xs of [withThread, without]) {
    assert.equal(xs.length, 150, 'every 20 ms of the 3 s tone arrived');
    for (let i = 1; i < xs.length; i++) assert.equal((xs[i].seq - xs[i - 1].seq) & 0xffff, 1);
  }
  const gThread = largestGap(withThread);
  const gPlain = largestGap(without);
  t.diagnostic(`largest gap between tone packets through ${STALL_MS} ms stalls: ${gThread.toFixed(1)} ms with the I/O thread (lead ${LEAD_MS} ms), ${gPlain.toFixed(1)} ms without`);
  // The cause, not a time: a gap near the stall's length means the stall reached the wire. (The
  // margins allow for the capture thread's own scheduling; the paced gap is 20 ms.)
  assert.ok(gPlain >= 0.8 * STALL_MS, `without the thread a ${STALL_MS} ms stall shows on the wire (${gPlain.toFixed(1)} ms)`);
  assert.ok(gThread < 0.6 * STALL_MS, `with the thread no stall shows on the wire (${gThread.toFixed(1)} ms)`);
});

test('with the I/O thread two sessions hear each other and RFC 4733 digits; a prompt and a barge-in take the place of the packets already queued; close frees the ports', async (t) => {
  const a = await threaded.createSession();
  const b = await threaded.createSession();
  try {
    a.setRemote(remote(b.localPort));
    b.setRemote(remote(a.localPort));
    const frames: Int16Array[] = [];
    b.onAudio((pcm, info) => frames.push(pcm.slice(0, info.samples)));
    const digits: string[] = [];
    a.onDtmf((d) => digits.push(d.digit));
    const r = await a.play(pcmSource(tones([700], 1000, 8000)));
    assert.equal(r.reason, 'finished');
    for (let i = 0; i < 200 && frames.filter((f) => f.some((v) => Math.abs(v) > 1000)).length < 50; i++) await sleep(10);
    const loud = frames.filter((f) => f.some((v) => Math.abs(v) > 1000));
    assert.equal(loud.length, 50, 'the whole second of tone was heard');
    const all = new Int16Array(loud.length * 160);
    loud.forEach((f, i) => all.set(f, i * 160));
    assert.ok(Math.abs(zeroCrossingHz(all) - 700) <= 10);
    await b.sendDtmf('159');
    for (let i = 0; i < 200 && digits.length < 3; i++) await sleep(10);
    assert.deepEqual(digits, ['1', '5', '9']);
  } finally {
    await a.close();
    await b.close();
  }

  const { cap, port } = await ThreadCapture.open();
  const s = await threaded.createSession();
  s.setRemote(remote(port));
  // The session sends silence, LEAD_MS of it queued on the thread at any time.
  await sleep(300);
  await cap.take();
  const ac = new AbortController();
  const playAt = performance.timeOrigin + performance.now();
  const p = s.play(pcmSource(tones([700], 5000, 8000)), ac.signal);
  /** What arrives from now on, until `enough` holds. */
  const collect = async (enough: (xs: Arrival[]) => boolean): Promise<Arrival[]> => {
    let xs: Arrival[] = [];
    for (let i = 0; i < 200 && !enough(xs); i++) {
      await sleep(10);
      xs = xs.concat(await cap.take());
    }
    return xs;
  };
  const start = await collect((xs) => xs.some((x) => !x.silent));
  const silentFirst = start.findIndex((x) => !x.silent);
  // The prompt took the place of the queued silence: at most the packet on its way and one due within 3 ms
  // come first (the queue holds LEAD_MS / 20 = 6).
  assert.ok(silentFirst >= 0 && silentFirst <= 2, `${silentFirst} silence packets before the prompt`);
  for (let i = 1; i < start.length; i++) assert.equal((start[i].seq - start[i - 1].seq) & 0xffff, 1, 'one stream, no packet lost or repeated');
  t.diagnostic(`play() on a session sending silence → first prompt packet at the far end: ${(start[silentFirst].at - playAt).toFixed(1)} ms (it goes a frame ahead of the grid, as without the thread)`);
  await sleep(300);
  await cap.take();
  ac.abort();
  assert.equal((await p).reason, 'aborted');
  const after = await collect((xs) => xs.filter((x) => x.silent).length >= 3);
  const tone = after.findIndex((x) => x.silent);
  // Likewise silence took the place of the queued prompt.
  assert.ok(tone >= 0 && tone <= 2, `${tone} tone packets after the abort`);
  assert.ok(after.slice(tone).every((x) => x.silent), 'nothing but silence after them');
  for (let i = 1; i < after.length; i++) assert.equal((after[i].seq - after[i - 1].seq) & 0xffff, 1, 'one stream, no packet lost or repeated');
  const local = s.localPort;
  await s.close();
  await cap.close();
  // The thread closes the socket (after what was queued has left): the port can be bound again.
  let free = false;
  for (let i = 0; i < 200 && !free; i++) {
    free = await new Promise<boolean>((r) => {
      const u = createSocket('udp4');
      u.once('error', () => { u.close(); r(false); });
      u.bind({ port: local, address: '127.0.0.1', exclusive: true }, () => { u.close(); r(true); });
    });
    if (!free) await sleep(10);
  }
  assert.ok(free, `port ${local} was closed`);
});
