import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import { nullLogger } from '../../kernel/logger.js';
import type { AudioListener, AudioSource, MediaSession } from '../../media/index.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import type { AudioStreamRequest, CallInfo } from '../control.js';
import { Timeline } from '../timeline.js';
import { fromL16le } from './framing.js';
import { parseUrlPolicy, UrlForbiddenError } from '../../kernel/net-policy.js';
import { openStreamSocket } from './socket.js';
import { startAudioStream } from './stream.js';
import { StreamTotals } from './totals.js';

/** An open socket that records what is sent; the test plays the server with `serverSends`. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: Array<Buffer | string> = [];
  closedWith: number | undefined;
  send(d: Buffer | string): void {
    this.sent.push(d);
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
  serverSends(m: unknown): void {
    this.emit('message', Buffer.from(JSON.stringify(m)), false);
  }
  get texts(): unknown[] {
    return this.sent.filter((d): d is string => typeof d === 'string').map((d) => JSON.parse(d) as unknown);
  }
  get frames(): Int16Array[] {
    return this.sent.filter((d): d is Buffer => typeof d !== 'string').map((b) => fromL16le(b));
  }
}

const INFO = { call_sid: 'c9', direction: 'inbound', from: 'a', to: 'b', call_id: 'x', sip_status: 200, call_status: 'in-progress', account_sid: 'acc', trace_id: 't', fs_sip_address: 'h' } as CallInfo;

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

async function setup(req: Partial<AudioStreamRequest> = {}) {
  const clock = new FakeClock();
  const socket = new FakeSocket();
  const listeners = new Set<AudioListener>();
  const media = { onAudio: (l: AudioListener) => { listeners.add(l); return () => listeners.delete(l); }, bridgedTo: null as MediaSession | null };
  const dtmf = new Set<(d: string) => void>();
  const played: AudioSource[] = [];
  const timeline = new Timeline(clock);
  let interrupts = 0;
  const stream = startAudioStream(
    { clock, logger: nullLogger, totals: new StreamTotals(), openSocket: () => Promise.resolve(socket as unknown as WebSocket) },
    {
      timeline, info: () => INFO,
      onDtmf: (l) => { dtmf.add(l); return () => dtmf.delete(l); },
      play: (s) => { played.push(s); return new Promise(() => undefined); },
      interrupt: () => { interrupts++; },
    },
    media as unknown as MediaSession,
    { url: 'wss://s/x', sampleRate: 8000, mixType: 'mono', bidirectional: { enabled: false, streaming: false }, ...req },
    new AbortController().signal,
  );
  await flush();
  socket.emit('open');
  const frame = (v: number): void => {
    const pcm = new Int16Array(160).fill(v);
    for (const l of listeners) l(pcm, { sequenceNumber: 0, timestamp: 0, samples: 160 });
  };
  const setBridge = (peer: MediaSession | null): void => {
    media.bridgedTo = peer;
  };
  return { clock, socket, stream, frame, dtmf, played, timeline, listeners, setBridge, interrupts: () => interrupts };
}

test('listen stream: the metadata text goes first, then each caller frame as one binary L16 message', async () => {
  const t = await setup();
  t.frame(1000);
  t.frame(2000);
  assert.equal(typeof t.socket.sent[0], 'string');
  assert.equal((t.socket.texts[0] as { callSid: string }).callSid, 'c9');
  assert.deepEqual(t.socket.frames.map((f) => [f.length, f[0]]), [[160, 1000], [160, 2000]]);
});

test('listen_status: pause sends nothing, silence sends silent frames, resume sends the audio again', async () => {
  const t = await setup();
  t.stream.setStatus('pause');
  t.frame(500);
  assert.equal(t.socket.frames.length, 0);
  t.stream.setStatus('silence');
  t.frame(500);
  assert.deepEqual([...new Set(t.socket.frames[0])], [0]);
  t.stream.setStatus('resume');
  t.frame(500);
  assert.equal(t.socket.frames[1][0], 500);
  assert.deepEqual(t.timeline.list().filter((e) => e.event === 'listen-status').map((e) => e.detail?.status), ['pause', 'silence', 'resume']);
});

test('listen passDtmf: each digit goes to the server as {event:"dtmf", dtmf, duration}', async () => {
  const t = await setup({ passDtmf: true });
  for (const l of t.dtmf) l('5');
  assert.deepEqual(t.socket.texts.slice(1), [{ event: 'dtmf', dtmf: '5', duration: 0 }]);
});

test('listen timeout: the stream ends after that long without caller sound (silent frames do not count)', async () => {
  const t = await setup({ silenceTimeoutMs: 5000 });
  t.clock.advance(3000);
  t.frame(3000);
  t.clock.advance(3000);
  t.frame(10);
  t.clock.advance(1999);
  let ended = false;
  void t.stream.ended.then(() => (ended = true));
  await flush();
  assert.equal(ended, false);
  t.clock.advance(1);
  const end = await t.stream.ended;
  assert.equal(end.reason, 'silence');
  assert.equal(t.listeners.size, 0, 'the tap is removed');
  assert.equal(t.socket.closedWith, 1000);
});

test('listen disconnect: the server\'s {type:"disconnect"} ends the stream; killAudio interrupts the call\'s playback', async () => {
  const t = await setup({ bidirectional: { enabled: true, streaming: false } });
  t.socket.serverSends({ type: 'killAudio' });
  assert.equal(t.interrupts(), 1);
  t.socket.serverSends({ type: 'disconnect' });
  const end = await t.stream.ended;
  assert.equal(end.reason, 'disconnect');
});

test('bidirectional: playAudio plays only without streaming; binary audio plays only with streaming', async () => {
  const clip = { type: 'playAudio', data: { audioContent: Buffer.alloc(320).toString('base64'), audioContentType: 'raw', sampleRate: 8000 } };
  const a = await setup({ bidirectional: { enabled: true, streaming: false } });
  a.socket.serverSends(clip);
  a.socket.emit('message', Buffer.alloc(320), true);
  assert.equal(a.played.length, 1);
  const b = await setup({ bidirectional: { enabled: true, streaming: true } });
  b.socket.serverSends(clip);
  assert.equal(b.played.length, 0);
  b.socket.emit('message', Buffer.alloc(320), true);
  assert.equal(b.played.length, 1);
  const c = await setup({ bidirectional: { enabled: false, streaming: false } });
  c.socket.serverSends(clip);
  c.socket.emit('message', Buffer.alloc(320), true);
  assert.equal(c.played.length, 0);
});

test('listen mixType stereo: a bridge that starts after the stream is picked up; caller left, bridged party right', async () => {
  const t = await setup({ mixType: 'stereo' });
  t.frame(100);
  assert.deepEqual([...t.socket.frames[0].subarray(0, 4)], [100, 0, 100, 0], 'nothing bridged: the right channel is silence');
  const peerListeners = new Set<AudioListener>();
  const peer = { onAudio: (l: AudioListener) => { peerListeners.add(l); return () => peerListeners.delete(l); } };
  t.setBridge(peer as unknown as MediaSession);
  t.frame(100);
  for (const l of peerListeners) l(new Int16Array(160).fill(-7), { sequenceNumber: 0, timestamp: 0, samples: 160 });
  t.frame(200);
  assert.deepEqual([...t.socket.frames[2].subarray(0, 4)], [200, -7, 200, -7]);
  t.setBridge(null);
  t.frame(300);
  assert.equal(peerListeners.size, 0, 'the old party is no longer tapped');
  t.stream.stop();
  await t.stream.ended;
});

test('listen URL policy: a ws URL to a private address is refused under the public policy; only ws(s) URLs are opened', async () => {
  await assert.rejects(openStreamSocket({ url: 'ws://127.0.0.1:9/x', policy: parseUrlPolicy('public'), timeoutMs: 100 }), (e: Error) => e instanceof UrlForbiddenError);
  await assert.rejects(openStreamSocket({ url: 'https://a.example/x', timeoutMs: 100 }), /ws\(s\) URLs only/);
});
