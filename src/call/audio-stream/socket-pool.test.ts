/**
 * The stream worker (issue 15, "Numbers"): the protocol as data, one message per turn, the real
 * worker thread against a local WebSocket server, the URL policy checked in the worker, and a
 * dying worker ending its streams with an alert (never a hung call).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { nullLogger } from '../../kernel/logger.js';
import { parseUrlPolicy } from '../../kernel/net-policy.js';
import type { AudioListener, MediaSession } from '../../media/index.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import type { CallInfo } from '../control.js';
import { Timeline } from '../timeline.js';
import { fromL16le } from './framing.js';
import { StreamSocketPool, STREAM_WORKER_FAILED, type PooledSocketHandler } from './socket-pool.js';
import { startAudioStream } from './stream.js';
import { StreamTotals } from './totals.js';
import { BatchBuilder, readBatch, type ToWorker } from './worker-protocol.js';

const INFO = { call_sid: 'w1', direction: 'inbound', from: 'a', to: 'b', call_id: 'x', sip_status: 200, call_status: 'in-progress', account_sid: 'acc', trace_id: 't', fs_sip_address: 'h' } as CallInfo;

interface Server {
  readonly url: string;
  /** Each connection's messages in order: strings for text, Int16Array for binary. */
  readonly conns: Array<{ readonly ws: ServerSocket; readonly got: Array<string | Int16Array> }>;
  /** Resolves when `pred` holds after some message or connection. */
  until(pred: () => boolean): Promise<void>;
  close(): Promise<void>;
}

async function server(): Promise<Server> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'audio.jambonz.org' });
  await new Promise((r) => wss.once('listening', r));
  const conns: Server['conns'] = [];
  const waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];
  const poke = (): void => {
    for (const w of [...waiters]) if (w.pred()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  };
  wss.on('connection', (ws) => {
    const c = { ws, got: [] as Array<string | Int16Array> };
    conns.push(c);
    ws.on('message', (d: Buffer, isBinary: boolean) => {
      c.got.push(isBinary ? fromL16le(d) : d.toString('utf8'));
      poke();
    });
    poke();
  });
  const addr = wss.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `ws://127.0.0.1:${port}/`,
    conns,
    until: (pred) => (pred() ? Promise.resolve() : new Promise((resolve) => waiters.push({ pred, resolve }))),
    close: () => new Promise((r) => { for (const c of conns) c.ws.terminate(); wss.close(() => r(undefined)); }),
  };
}

/** A handler that records what the worker reported, with a way to wait for it. */
function recorder() {
  const events: Array<{ readonly kind: string; readonly detail?: unknown }> = [];
  const waiters: Array<{ pred: () => boolean; resolve: () => void }> = [];
  const push = (kind: string, detail?: unknown): void => {
    events.push({ kind, detail });
    for (const w of [...waiters]) if (w.pred()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  };
  const h: PooledSocketHandler = {
    onOpen: () => push('open'),
    onText: (t) => push('text', t),
    onBinary: (b) => push('binary', Array.from(fromL16le(b))),
    onCounts: (s, d) => push('counts', [s, d]),
    onEnd: (reason, error) => push('end', { reason, error }),
  };
  const until = (pred: () => boolean): Promise<void> => (pred() ? Promise.resolve() : new Promise((resolve) => waiters.push({ pred, resolve })));
  const has = (kind: string) => (): boolean => events.some((e) => e.kind === kind);
  return { h, events, until, has };
}

const frame = (v: number): Uint8Array => new Uint8Array(new Int16Array(160).fill(v).buffer);

test('stream worker protocol: a batch keeps its items in order; every frame is a number in it and a view into ONE transferred ArrayBuffer', () => {
  const b = new BatchBuilder<ToWorker>(8);
  b.add({ op: 'open', id: 1, url: 'ws://x/', timeoutMs: 5000 });
  b.addBytes(1, new Uint8Array([1, 2, 3, 4]));
  b.add({ op: 'text', id: 2, text: 'mark' });
  // Past the initial 8 bytes: the buffer grows and earlier bytes stay.
  b.addBytes(2, new Uint8Array([5, 6, 7, 8, 9, 10]));
  const { batch, transfer } = b.take();
  assert.deepEqual(transfer, [batch.buffer, batch.index.buffer], 'the bytes and their index are transferred, not cloned');
  assert.ok(batch.items.every((i) => typeof i === 'number' || typeof i === 'object'));
  assert.equal(batch.items.filter((i) => typeof i === 'number').length, 2, 'a frame is a number in the items, not an object');
  const seen: string[] = [];
  const frames: Uint8Array[] = [];
  readBatch(batch, (i) => seen.push(`${i.op}:${i.id}`), (id, data) => {
    seen.push(`frame:${id}`);
    frames.push(data);
  });
  assert.deepEqual(seen, ['open:1', 'frame:1', 'text:2', 'frame:2']);
  for (const f of frames) assert.equal(f.buffer, batch.buffer, 'each frame is a view into the transferred buffer');
  assert.deepEqual(frames.map((f) => Array.from(f)), [[1, 2, 3, 4], [5, 6, 7, 8, 9, 10]]);
  assert.equal(b.size, 0, 'the builder is empty after take');
  b.add({ op: 'close', id: 1 });
  const next = b.take();
  assert.deepEqual(next.batch.items, [{ op: 'close', id: 1 }]);
  assert.equal(next.batch.index.length, 0);
  assert.deepEqual(Array.from(frames[0]), [1, 2, 3, 4], 'a taken batch is not touched by the next one');
});

test('stream worker: the frames of every stream pushed in one turn go to the worker in ONE message; each socket gets its metadata first, then its frames in order', async (t) => {
  const srv = await server();
  const totals = new StreamTotals();
  const pool = new StreamSocketPool({ logger: nullLogger, totals });
  t.after(async () => { await pool.close(); await srv.close(); });
  const a = recorder();
  const b = recorder();
  const sa = pool.open({ url: `${srv.url}a`, timeoutMs: 5000 }, { ...a.h, onOpen: () => { a.h.onOpen(); sa.first('{"meta":"a"}'); } });
  const sb = pool.open({ url: `${srv.url}b`, timeoutMs: 5000 }, { ...b.h, onOpen: () => { b.h.onOpen(); sb.first('{"meta":"b"}'); } });
  await a.until(a.has('open'));
  await b.until(b.has('open'));
  await srv.until(() => srv.conns.length === 2 && srv.conns.every((c) => c.got.length === 1));
  const before = pool.batchesSent;
  for (let i = 1; i <= 3; i++) {
    sa.push(frame(i));
    sb.push(frame(10 + i));
  }
  await srv.until(() => srv.conns.every((c) => c.got.length === 4));
  assert.equal(pool.batchesSent - before, 1, 'six frames of two streams pushed in one turn: one postMessage');
  const byMeta = new Map(srv.conns.map((c) => [c.got[0] as string, c.got.slice(1).map((f) => (f as Int16Array)[0])]));
  assert.deepEqual(byMeta.get('{"meta":"a"}'), [1, 2, 3]);
  assert.deepEqual(byMeta.get('{"meta":"b"}'), [11, 12, 13]);
  const counted = (r: ReturnType<typeof recorder>) => (): boolean => r.events.filter((e) => e.kind === 'counts').reduce((n, e) => n + (e.detail as number[])[0], 0) === 3;
  await Promise.all([a.until(counted(a)), b.until(counted(b))]);
  assert.deepEqual([totals.framesSent, totals.framesDropped], [6, 0], 'the worker\'s counts reach the totals');
});

test('stream worker: what the server sends comes back in its order (binary audio, then a mark) and a server close ends the stream', async (t) => {
  const srv = await server();
  const pool = new StreamSocketPool({ logger: nullLogger });
  t.after(async () => { await pool.close(); await srv.close(); });
  const r = recorder();
  const s = pool.open({ url: srv.url, timeoutMs: 5000 }, { ...r.h, onOpen: () => { r.h.onOpen(); s.first('{}'); } });
  await srv.until(() => srv.conns.length === 1);
  const ws = srv.conns[0].ws;
  ws.send(Buffer.from(new Int16Array([7, 8]).buffer));
  ws.send(JSON.stringify({ type: 'mark', data: { name: 'm1' } }));
  ws.send(Buffer.from(new Int16Array([9]).buffer));
  await r.until(() => r.events.filter((e) => e.kind === 'binary').length === 2);
  assert.deepEqual(r.events.filter((e) => e.kind === 'binary' || e.kind === 'text').map((e) => e.detail), [[7, 8], '{"type":"mark","data":{"name":"m1"}}', [9]]);
  ws.close(1000);
  await r.until(r.has('end'));
  assert.deepEqual(r.events.find((e) => e.kind === 'end')?.detail, { reason: 'closed', error: undefined });
});

test('stream worker: the URL policy is applied by the worker to the address it connects to (docs/security.md)', async (t) => {
  const srv = await server();
  const pool = new StreamSocketPool({ logger: nullLogger });
  t.after(async () => { await pool.close(); await srv.close(); });
  const r = recorder();
  pool.open({ url: srv.url, timeoutMs: 5000, policy: parseUrlPolicy('public') }, r.h);
  await r.until(r.has('end'));
  const end = r.events.find((e) => e.kind === 'end')?.detail as { reason: string; error: string };
  assert.equal(end.reason, 'connect-failed');
  assert.match(end.error, /refused by the URL policy/);
  assert.equal(srv.conns.length, 0, 'no connection was made');
});

/** A worker module that dies on its first message. */
function dyingWorker(): URL {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-dying-worker-'));
  const file = join(dir, 'dying.mjs');
  writeFileSync(file, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { throw new Error('boom'); });\n");
  return pathToFileURL(file);
}

test('stream worker: a worker that dies ends every stream of a call with an alert (STREAM_WORKER_FAILED), never a hung call', async (t) => {
  const pool = new StreamSocketPool({ logger: nullLogger, workerUrl: dyingWorker() });
  t.after(() => pool.close());
  const clock = new FakeClock();
  const listeners = new Set<AudioListener>();
  const media = { onAudio: (l: AudioListener) => { listeners.add(l); return () => listeners.delete(l); }, bridgedTo: null as MediaSession | null };
  const alerts: Array<[string, string]> = [];
  const stream = startAudioStream(
    { clock, logger: nullLogger, totals: new StreamTotals(), streamSockets: pool },
    { timeline: new Timeline(clock), info: () => INFO, onDtmf: () => () => undefined, play: () => new Promise(() => undefined), interrupt: () => undefined, alert: (type, message) => alerts.push([type, message]) },
    media as unknown as MediaSession,
    { url: 'ws://127.0.0.1:9/', sampleRate: 8000, mixType: 'mono', bidirectional: { enabled: true, streaming: true } },
    new AbortController().signal,
  );
  const end = await stream.ended;
  assert.equal(end.reason, 'closed');
  assert.ok(end.error?.startsWith(`${STREAM_WORKER_FAILED}:`), end.error);
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0][0], 'listen-failed');
  assert.equal(listeners.size, 0, 'the stream no longer taps the call');
});


test('listen through the stream worker: metadata first, then the caller frames; a mark comes back as playout and killAudio interrupts the call', async (t) => {
  const srv = await server();
  const pool = new StreamSocketPool({ logger: nullLogger });
  t.after(async () => { await pool.close(); await srv.close(); });
  const clock = new FakeClock();
  const listeners = new Set<AudioListener>();
  const media = { onAudio: (l: AudioListener) => { listeners.add(l); return () => listeners.delete(l); }, bridgedTo: null as MediaSession | null };
  let interrupts = 0;
  const stream = startAudioStream(
    { clock, logger: nullLogger, totals: new StreamTotals(), streamSockets: pool },
    { timeline: new Timeline(clock), info: () => INFO, onDtmf: () => () => undefined, play: () => new Promise(() => undefined), interrupt: () => { interrupts++; } },
    media as unknown as MediaSession,
    { url: srv.url, sampleRate: 8000, mixType: 'mono', metadata: { tag: 'w' }, bidirectional: { enabled: true, streaming: true } },
    new AbortController().signal,
  );
  await srv.until(() => srv.conns.length === 1 && srv.conns[0].got.length === 1);
  for (let v = 1; v <= 2; v++) for (const l of listeners) l(new Int16Array(160).fill(v), { sequenceNumber: v, timestamp: v * 160, samples: 160 });
  const c = srv.conns[0];
  await srv.until(() => c.got.length === 3);
  const meta = JSON.parse(c.got[0] as string) as Record<string, unknown>;
  assert.equal(meta.callSid, 'w1');
  assert.equal(meta.tag, 'w');
  assert.deepEqual(c.got.slice(1).map((f) => (f as Int16Array)[0]), [1, 2]);
  c.ws.send(JSON.stringify({ type: 'mark', data: { name: 'm1' } }));
  await srv.until(() => c.got.length === 4);
  assert.deepEqual(JSON.parse(c.got[3] as string), { type: 'mark', data: { name: 'm1', event: 'playout' } });
  c.ws.send(JSON.stringify({ type: 'killAudio' }));
  c.ws.send(JSON.stringify({ type: 'disconnect' }));
  const end = await stream.ended;
  assert.equal(end.reason, 'disconnect');
  assert.equal(interrupts, 1);
  assert.equal(end.framesSent, 2);
});
