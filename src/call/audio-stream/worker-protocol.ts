/**
 * What the media thread and the stream worker (socket-worker.ts) say to each other (issue 15,
 * "Numbers"): the worker owns every listen WebSocket, so the media thread never writes to a TCP
 * socket. Each side sends ONE message per event-loop turn: an ordered list of plain-data ops whose
 * audio bytes are views into one ArrayBuffer, transferred with the message (not copied, not one
 * postMessage per frame). Order matters: a `mark` the server sends after some audio must be
 * queued after that audio, and the metadata text goes before the first frame.
 */
import type { UrlPolicy } from '../../kernel/net-policy.js';

/** The URL policy as data (a policy's custom resolver cannot cross threads; the worker uses the system's). */
export type PolicyData = Pick<UrlPolicy, 'mode' | 'allowNets' | 'allowHosts'>;

/** Media thread → worker. */
export type ToWorker =
  | { readonly op: 'open'; readonly id: number; readonly url: string; readonly auth?: { readonly username: string; readonly password: string }; readonly policy?: PolicyData; readonly timeoutMs: number; readonly maxBufferedBytes?: number }
  /** The socket has opened (`open` event): the first text message, then the frames that waited. */
  | { readonly op: 'first'; readonly id: number; readonly text: string }
  /** One L16 frame (sent or dropped by the worker's FrameSender). */
  | { readonly op: 'frame'; readonly id: number; readonly data: Uint8Array }
  | { readonly op: 'text'; readonly id: number; readonly text: string }
  /** The stream ended on the media side: close the socket, forget the stream. */
  | { readonly op: 'close'; readonly id: number };

/** Worker → media thread. */
export type FromWorker =
  | { readonly ev: 'open'; readonly id: number }
  | { readonly ev: 'text'; readonly id: number; readonly text: string }
  | { readonly ev: 'binary'; readonly id: number; readonly data: Uint8Array }
  /** Frames sent and dropped since the last `counts` of this stream. */
  | { readonly ev: 'counts'; readonly id: number; readonly sent: number; readonly dropped: number }
  | { readonly ev: 'end'; readonly id: number; readonly reason: 'connect-failed' | 'closed'; readonly error?: string };

/** One turn's message: the ops in order; every `data` view lies in `transfer[0]`. */
export interface Batch<T> {
  readonly items: readonly T[];
  readonly transfer: ArrayBuffer[];
}

/** An item whose bytes sit at `at` in the batch's buffer. */
class BytesSlot<T> {
  constructor(readonly at: number, readonly length: number, readonly make: (data: Uint8Array) => T) {}
}

/**
 * Collects one turn's items; bytes are copied once into a growing buffer that is handed over
 * (transferred) by `take`. The next batch starts a new buffer of the size the last one needed.
 */
export class BatchBuilder<T> {
  #buf: Uint8Array;
  #used = 0;
  #slots: Array<T | BytesSlot<T>> = [];

  constructor(initialBytes = 16 * 1024) {
    this.#buf = new Uint8Array(initialBytes);
  }

  get size(): number {
    return this.#slots.length;
  }

  add(item: T): void {
    this.#slots.push(item);
  }

  /** Copies `bytes` into the batch; `make` builds the item around its view once the buffer is final. */
  addBytes(bytes: Uint8Array, make: (data: Uint8Array) => T): void {
    if (this.#used + bytes.length > this.#buf.length) {
      const bigger = new Uint8Array(Math.max(this.#buf.length * 2, this.#used + bytes.length));
      bigger.set(this.#buf.subarray(0, this.#used));
      this.#buf = bigger;
    }
    this.#buf.set(bytes, this.#used);
    this.#slots.push(new BytesSlot(this.#used, bytes.length, make));
    this.#used += bytes.length;
  }

  /** The batch (the builder is empty again); its bytes' buffer is in `transfer` when there are any. */
  take(): Batch<T> {
    const buffer = this.#buf.buffer as ArrayBuffer;
    const items = this.#slots.map((s) => (s instanceof BytesSlot ? s.make(new Uint8Array(buffer, s.at, s.length)) : s));
    const transfer = this.#used > 0 ? [buffer] : [];
    if (this.#used > 0) this.#buf = new Uint8Array(Math.max(1024, this.#used));
    this.#used = 0;
    this.#slots = [];
    return { items, transfer };
  }
}

/** The policy without what cannot cross a thread (its resolver). */
export function policyData(p: UrlPolicy): PolicyData {
  return { mode: p.mode, allowNets: p.allowNets, allowHosts: p.allowHosts };
}
