/**
 * The main thread's side of the media I/O thread (io-worker.ts): `bind` gives a `ThreadSocket`
 * that a session uses like a dgram socket. What a session sends is batched (one message per
 * turn of the event loop, so one per scheduler tick for all calls) with its due time — the tick's
 * media time while the scheduler runs a tick (`dueMs`), else "now" — and received datagrams come
 * back in batches and are handed to the socket's listeners.
 */
import type { RemoteInfo } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../kernel/logger.js';
import { monotonicMs, NOW, REPLACES, ROW, RX_ROW, type IoCommand, type IoEvent, type OutBatch } from './io-protocol.js';
import type { MediaSocket } from './media-socket.js';

type MessageListener = (msg: Buffer, rinfo: RemoteInfo) => void;
type ErrorListener = (err: Error) => void;

/** When what is sent now is due, and whether it replaces a packet already queued. */
export interface SendTiming {
  /** This thread's `performance.now()` ms; NaN: at once. */
  readonly dueMs: number;
  /** A rebuilt packet: it takes the place of the queued one with its RTP sequence number. */
  readonly replacing: boolean;
}

export interface IoThreadOptions {
  readonly logger: Logger;
  readonly timing: SendTiming;
}

export class MediaIoThread {
  readonly #worker: Worker;
  readonly #o: IoThreadOptions;
  readonly #sockets = new Map<number, ThreadSocket>();
  readonly #binds = new Map<number, { resolve(s: ThreadSocket): void; reject(e: Error): void }>();
  /** monotonicMs() − performance.now(): both run on CLOCK_MONOTONIC, so this is constant. */
  readonly #toMonotonic = monotonicMs() - performance.now();
  #nextId = 0;
  #data = new Uint8Array(16 * 1024);
  #used = 0;
  #rows: number[] = [];
  #commands: IoCommand[] = [];
  #flushQueued = false;
  #closed = false;
  readonly #flush = (): void => this.#sendBatch();

  constructor(opts: IoThreadOptions) {
    this.#o = opts;
    this.#worker = new Worker(new URL('./io-worker.js', import.meta.url));
    this.#worker.on('message', (m: IoEvent) => this.#event(m));
    this.#worker.on('error', (e) => opts.logger.error('media I/O thread failed', { err: e }));
    // Kept alive while it holds a socket or is binding one, as sockets on this thread would.
    this.#worker.unref();
  }

  #hold(): void {
    if (this.#binds.size + this.#sockets.size === 1) this.#worker.ref();
  }

  #release(): void {
    if (this.#binds.size + this.#sockets.size === 0) this.#worker.unref();
  }

  /** Binds a UDP socket on the I/O thread; rejects like `dgram` would (EADDRINUSE …). */
  bind(port: number, address: string): Promise<MediaSocket> {
    if (this.#closed) return Promise.reject(new Error('media I/O thread is closed'));
    const id = ++this.#nextId;
    return new Promise<MediaSocket>((resolve, reject) => {
      this.#binds.set(id, { resolve, reject });
      this.#hold();
      this.command({ k: 'bind', at: 0, id, port, address });
    });
  }

  /** Stops the thread; its sockets close with it. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const b of this.#binds.values()) b.reject(new Error('media I/O thread is closed'));
    this.#binds.clear();
    await this.#worker.terminate();
  }

  /** @internal Queues a command behind the datagrams sent so far. */
  command(c: IoCommand): void {
    this.#commands.push({ ...c, at: this.#rows.length / ROW });
    this.#queueFlush();
  }

  /** @internal Queues one datagram of socket `id`. */
  send(id: number, msg: Uint8Array): void {
    if (this.#used + msg.length > this.#data.length) {
      const bigger = new Uint8Array(Math.max(this.#data.length * 2, this.#used + msg.length));
      bigger.set(this.#data.subarray(0, this.#used));
      this.#data = bigger;
    }
    this.#data.set(msg, this.#used);
    const t = this.#o.timing;
    const due = t.dueMs;
    this.#rows.push(id, Number.isNaN(due) ? NOW : due + this.#toMonotonic, this.#used, msg.length, t.replacing ? REPLACES : 0);
    this.#used += msg.length;
    this.#queueFlush();
  }

  /** @internal */
  forget(id: number): void {
    this.#sockets.delete(id);
    this.#release();
  }

  #queueFlush(): void {
    if (this.#flushQueued || this.#closed) return;
    this.#flushQueued = true;
    // After the current task: a whole scheduler tick (every call's packet) goes as one message.
    queueMicrotask(this.#flush);
  }

  #sendBatch(): void {
    this.#flushQueued = false;
    if (this.#closed) return;
    const data = this.#data.slice(0, this.#used).buffer;
    const rows = new Float64Array(this.#rows);
    const m: OutBatch = { k: 'out', data, rows, commands: this.#commands };
    this.#worker.postMessage(m, [data, rows.buffer]);
    this.#used = 0;
    this.#rows = [];
    this.#commands = [];
  }

  #event(m: IoEvent): void {
    switch (m.k) {
      case 'rx': {
        const base = Buffer.from(m.data);
        const r = m.rows;
        for (let i = 0, j = 0; i < r.length; i += RX_ROW, j++) {
          const s = this.#sockets.get(r[i]);
          if (!s) continue;
          const len = r[i + 3];
          const address = m.addresses[j];
          s.deliver(base.subarray(r[i + 2], r[i + 2] + len), { address, port: r[i + 1], family: address.includes(':') ? 'IPv6' : 'IPv4', size: len });
        }
        return;
      }
      case 'bound': {
        const b = this.#binds.get(m.id);
        this.#binds.delete(m.id);
        if (!b) return;
        if (m.error !== undefined) {
          this.#release();
          b.reject(Object.assign(new Error(m.error), { code: m.code }));
          return;
        }
        const s = new ThreadSocket(this, m.id);
        this.#sockets.set(m.id, s);
        b.resolve(s);
        return;
      }
      case 'connected':
        this.#sockets.get(m.id)?.connected(m.req, m.error);
        return;
      case 'error':
        this.#sockets.get(m.id)?.failed(Object.assign(new Error(m.message), { code: m.code }));
    }
  }
}

/** A UDP socket whose datagrams the I/O thread sends and receives (see `MediaSocket`). */
export class ThreadSocket implements MediaSocket {
  readonly #io: MediaIoThread;
  readonly #id: number;
  readonly #onMessage: MessageListener[] = [];
  readonly #onError: ErrorListener[] = [];
  readonly #connects = new Map<number, (err?: Error) => void>();
  #nextReq = 0;
  #port = 0;
  #address = '';
  #closed = false;

  constructor(io: MediaIoThread, id: number) {
    this.#io = io;
    this.#id = id;
  }

  send(msg: Uint8Array, port?: number, address?: string): void {
    if (this.#closed) return;
    if (port !== undefined && address !== undefined && (port !== this.#port || address !== this.#address)) {
      this.#port = port;
      this.#address = address;
      this.#io.command({ k: 'dest', at: 0, id: this.#id, port, address });
    }
    this.#io.send(this.#id, msg);
  }

  connect(port: number, address: string, callback: (err?: Error) => void): void {
    if (this.#closed) return;
    const req = ++this.#nextReq;
    this.#connects.set(req, callback);
    this.#io.command({ k: 'connect', at: 0, id: this.#id, port, address, req });
  }

  disconnect(): void {
    if (!this.#closed) this.#io.command({ k: 'disconnect', at: 0, id: this.#id });
  }

  on(event: 'message', listener: MessageListener): this;
  on(event: 'error', listener: ErrorListener): this;
  on(event: 'message' | 'error', listener: MessageListener | ErrorListener): this {
    if (event === 'message') this.#onMessage.push(listener as MessageListener);
    else this.#onError.push(listener as ErrorListener);
    return this;
  }

  /** Closes once what was sent before has left. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#io.forget(this.#id);
    this.#io.command({ k: 'close', at: 0, id: this.#id });
  }

  /** @internal */
  deliver(msg: Buffer, rinfo: RemoteInfo): void {
    for (const l of this.#onMessage) l(msg, rinfo);
  }

  /** @internal */
  connected(req: number, error: string | undefined): void {
    const cb = this.#connects.get(req);
    this.#connects.delete(req);
    cb?.(error === undefined ? undefined : new Error(error));
  }

  /** @internal */
  failed(e: Error): void {
    for (const l of this.#onError) l(e);
  }
}
