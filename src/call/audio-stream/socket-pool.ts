/**
 * The media thread's side of the stream worker (socket-worker.ts; issue 15, "Numbers"): every
 * listen socket lives on one worker thread, and what the media thread has for it in one
 * event-loop turn (the frames of every stream, texts, opens, closes) goes as ONE message with one
 * transferred ArrayBuffer, flushed on `setImmediate` — after the turn's RTP has been handled, so
 * a frame waits for the end of its turn, not for a 20 ms tick. The worker's replies come back
 * batched the same way and are dispatched to each stream's handler.
 *
 * If the worker dies, every stream it held ends (`closed`, error `STREAM_WORKER_FAILED: …`) — a
 * call never waits on a dead thread — and the next stream starts a new worker.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../kernel/logger.js';
import type { UrlPolicy } from '../../kernel/net-policy.js';
import { BatchBuilder, policyData, readBatch, type Batch, type FromWorker, type ToWorker } from './worker-protocol.js';
import type { StreamTotals } from './totals.js';

/** What the worker reports for one stream. */
export interface PooledSocketHandler {
  onOpen(): void;
  onText(text: string): void;
  onBinary(data: Uint8Array): void;
  /** Frames sent and dropped since the last call. */
  onCounts(sent: number, dropped: number): void;
  onEnd(reason: 'connect-failed' | 'closed', error?: string): void;
}

export interface PooledSocketRequest {
  readonly url: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly policy?: UrlPolicy;
  readonly timeoutMs: number;
  readonly maxBufferedBytes?: number;
}

/** One stream's socket, as the media thread holds it. */
export interface PooledSocket {
  /** The first text message, once `onOpen` has been told; frames pushed before it wait (bounded) in the worker. */
  first(text: string): void;
  /** Copies one L16 frame into this turn's batch. */
  push(frame: Uint8Array): void;
  text(message: string): void;
  /** Closes the socket; the handler hears nothing more. */
  close(): void;
}

/** The stable code that starts a stream's end `error` when its worker died. */
export const STREAM_WORKER_FAILED = 'STREAM_WORKER_FAILED';

export interface StreamSocketPoolOptions {
  readonly logger: Logger;
  /** Where frame counts go (process-wide metrics). */
  readonly totals?: StreamTotals;
  /** The worker's module (tests stand in a failing one); socket-worker.js by default. */
  readonly workerUrl?: URL;
}

export class StreamSocketPool {
  #worker: Worker | null = null;
  readonly #handlers = new Map<number, PooledSocketHandler>();
  readonly #out = new BatchBuilder<ToWorker>();
  #next = 0;
  #flushing = false;
  /** Messages posted to the worker (one per turn with something to send). */
  batchesSent = 0;

  constructor(private readonly o: StreamSocketPoolOptions) {}

  open(req: PooledSocketRequest, h: PooledSocketHandler): PooledSocket {
    const id = ++this.#next;
    this.#ensureWorker();
    this.#handlers.set(id, h);
    this.#send({ op: 'open', id, url: req.url, timeoutMs: req.timeoutMs, ...(req.auth ? { auth: req.auth } : {}), ...(req.policy ? { policy: policyData(req.policy) } : {}), ...(req.maxBufferedBytes !== undefined ? { maxBufferedBytes: req.maxBufferedBytes } : {}) });
    return {
      first: (text) => this.#live(id) && this.#send({ op: 'first', id, text }),
      push: (frame) => {
        if (!this.#live(id)) return;
        this.#out.addBytes(id, frame);
        this.#schedule();
      },
      text: (message) => this.#live(id) && this.#send({ op: 'text', id, text: message }),
      close: () => {
        if (!this.#handlers.delete(id)) return;
        this.#send({ op: 'close', id });
        if (this.#handlers.size === 0) this.#worker?.unref();
      },
    };
  }

  /** Stops the worker (shutdown, tests); the streams it held end. */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    this.#failAll(`${STREAM_WORKER_FAILED}: stream worker closed`);
    await w?.terminate();
  }

  #live(id: number): boolean {
    return this.#handlers.has(id);
  }

  #ensureWorker(): void {
    if (this.#worker) {
      this.#worker.ref();
      return;
    }
    const w = new Worker(this.o.workerUrl ?? new URL('./socket-worker.js', import.meta.url));
    this.#worker = w;
    w.on('message', (b: Batch<FromWorker>) => readBatch(b, (e) => this.#dispatch(e), (id, data) => this.#handlers.get(id)?.onBinary(data)));
    w.on('error', (e) => this.#died(w, e.message));
    w.on('exit', (code) => this.#died(w, `exited with code ${code}`));
  }

  #died(w: Worker, why: string): void {
    if (this.#worker !== w) return;
    this.#worker = null;
    this.o.logger.error('stream worker failed; its streams end', { why });
    this.#failAll(`${STREAM_WORKER_FAILED}: stream worker failed: ${why}`);
  }

  #failAll(error: string): void {
    const all = [...this.#handlers.values()];
    this.#handlers.clear();
    this.#out.take();
    for (const h of all) h.onEnd('closed', error);
  }

  #dispatch(e: FromWorker): void {
    if (e.ev === 'counts') {
      this.#counts(e.counts);
      return;
    }
    const h = this.#handlers.get(e.id);
    if (!h) return;
    switch (e.ev) {
      case 'open':
        h.onOpen();
        break;
      case 'text':
        h.onText(e.text);
        break;
      case 'end':
        this.#handlers.delete(e.id);
        h.onEnd(e.reason, e.error);
        break;
    }
  }

  #counts(c: Uint32Array): void {
    for (let i = 0; i + 2 < c.length; i += 3) {
      this.o.totals?.frames(c[i + 1], c[i + 2]);
      this.#handlers.get(c[i])?.onCounts(c[i + 1], c[i + 2]);
    }
  }

  #send(op: ToWorker): boolean {
    this.#out.add(op);
    this.#schedule();
    return true;
  }

  #schedule(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    setImmediate(() => {
      this.#flushing = false;
      const w = this.#worker;
      if (!w || this.#out.size === 0) return;
      const { batch, transfer } = this.#out.take();
      w.postMessage(batch, transfer);
      this.batchesSent++;
    });
  }
}
