/**
 * The stream worker thread (issue 15, "Numbers"): owns every listen WebSocket of the process, so
 * the TCP writes (one RFC 6455 binary frame per 20 ms per stream) and the server's messages are
 * handled off the media thread. Back-pressure stays as before (FrameSender: bounded by the
 * socket's unsent bytes, drops counted). Ops come in batches (worker-protocol.ts); everything
 * this thread reports in one event-loop turn goes back as one batch.
 */
import { parentPort } from 'node:worker_threads';
import type WebSocket from 'ws';
import { FrameSender } from './sender.js';
import { openStreamSocket } from './socket.js';
import { BatchBuilder, readBatch, type Batch, type FromWorker, type ToWorker } from './worker-protocol.js';

interface Entry {
  ws: WebSocket | null;
  opened: boolean;
  readonly sender: FrameSender;
  /** Counts already reported. */
  sent: number;
  dropped: number;
}

const streams = new Map<number, Entry>();
const out = new BatchBuilder<FromWorker>();
let flushing = false;
/** Streams that took frames since their counts last went back. */
const dirty = new Set<number>();

function emit(e: FromWorker): void {
  out.add(e);
  scheduleFlush();
}

function scheduleFlush(): void {
  if (flushing) return;
  flushing = true;
  setImmediate(() => {
    flushing = false;
    reportCounts();
    if (out.size === 0) return;
    const { batch, transfer } = out.take();
    parentPort?.postMessage(batch, transfer);
  });
}

/** The frame counts of every stream that took frames, as ONE item (id, sent, dropped triples). */
function reportCounts(): void {
  if (dirty.size === 0) return;
  const counts = new Uint32Array(dirty.size * 3);
  let n = 0;
  for (const id of dirty) {
    const s = streams.get(id);
    if (!s) continue;
    counts[n++] = id;
    counts[n++] = s.sender.sent - s.sent;
    counts[n++] = s.sender.dropped - s.dropped;
    s.sent = s.sender.sent;
    s.dropped = s.sender.dropped;
  }
  dirty.clear();
  if (n > 0) out.add({ ev: 'counts', counts: counts.subarray(0, n) });
}

function end(id: number, reason: 'connect-failed' | 'closed', error?: string): void {
  const s = streams.get(id);
  if (!s) return;
  reportCounts();
  streams.delete(id);
  s.ws?.terminate();
  emit({ ev: 'end', id, reason, ...(error !== undefined ? { error } : {}) });
}

function wire(id: number, s: Entry, ws: WebSocket): void {
  s.ws = ws;
  ws.once('open', () => {
    s.opened = true;
    emit({ ev: 'open', id });
  });
  ws.once('unexpected-response', (_q, res) => end(id, 'connect-failed', `HTTP ${res.statusCode ?? 0}`));
  ws.on('error', (e: Error) => end(id, s.opened ? 'closed' : 'connect-failed', e.message));
  ws.on('close', () => end(id, 'closed'));
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!streams.has(id)) return;
    if (isBinary) out.addBytes(id, data);
    else out.add({ ev: 'text', id, text: data.toString('utf8') });
    scheduleFlush();
  });
}

function open(m: Extract<ToWorker, { op: 'open' }>): void {
  const s: Entry = { ws: null, opened: false, sender: new FrameSender({ maxBufferedBytes: m.maxBufferedBytes }), sent: 0, dropped: 0 };
  streams.set(m.id, s);
  const policy = m.policy ? { ...m.policy } : undefined;
  openStreamSocket({ url: m.url, auth: m.auth, policy, timeoutMs: m.timeoutMs }).then(
    (ws) => {
      if (streams.get(m.id) === s) wire(m.id, s, ws);
      else ws.terminate();
    },
    (e: unknown) => end(m.id, 'connect-failed', e instanceof Error ? e.message : String(e)),
  );
}

function close(id: number): void {
  const s = streams.get(id);
  if (!s) return;
  reportCounts();
  streams.delete(id);
  const ws = s.ws;
  if (ws && ws.readyState === ws.OPEN) ws.close(1000);
  else ws?.terminate();
  scheduleFlush();
}

/** One op of the media thread. */
function apply(m: ToWorker): void {
  switch (m.op) {
    case 'open':
      open(m);
      break;
    case 'first': {
      const s = streams.get(m.id);
      if (s?.ws) s.sender.open(s.ws, m.text);
      break;
    }
    case 'text':
      streams.get(m.id)?.sender.text(m.text);
      break;
    case 'close':
      close(m.id);
      break;
  }
}

function frame(id: number, data: Uint8Array): void {
  const s = streams.get(id);
  if (!s) return;
  s.sender.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  dirty.add(id);
}

parentPort?.on('message', (b: Batch<ToWorker>) => {
  readBatch(b, apply, frame);
  if (out.size > 0 || dirty.size > 0) scheduleFlush();
});
