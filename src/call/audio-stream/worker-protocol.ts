/**
 * What the media thread and the stream worker (socket-worker.ts) say to each other (issue 15,
 * "Numbers"): the worker owns every listen WebSocket, so the media thread never writes to a TCP
 * socket. Each side sends ONE message per event-loop turn: an ordered list of plain-data ops and
 * audio, the audio packed into one ArrayBuffer transferred with the message (not copied, not one
 * postMessage or one cloned object per frame). Order matters: a `mark` the server sends after some audio must be
 * queued after that audio, and the metadata text goes before the first frame.
 */
import type { UrlPolicy } from '../../kernel/net-policy.js';

/** The URL policy as data (a policy's custom resolver cannot cross threads; the worker uses the system's). */
export type PolicyData = Pick<UrlPolicy, 'mode' | 'allowNets' | 'allowHosts'>;

/** Media thread → worker; besides these, a batch's bytes items are L16 frames (sent or dropped by the worker's FrameSender). */
export type ToWorker =
  | { readonly op: 'open'; readonly id: number; readonly url: string; readonly auth?: { readonly username: string; readonly password: string }; readonly policy?: PolicyData; readonly timeoutMs: number; readonly maxBufferedBytes?: number }
  /** The socket has opened (`open` event): the first text message, then the frames that waited. */
  | { readonly op: 'first'; readonly id: number; readonly text: string }
  | { readonly op: 'text'; readonly id: number; readonly text: string }
  /** The stream ended on the media side: close the socket, forget the stream. */
  | { readonly op: 'close'; readonly id: number };

/** Worker → media thread; besides these, a batch's bytes items are the server's binary messages. */
export type FromWorker =
  | { readonly ev: 'open'; readonly id: number }
  | { readonly ev: 'text'; readonly id: number; readonly text: string }
  /** Per stream that took frames this turn: id, frames sent, frames dropped since its last count (triples). */
  | { readonly ev: 'counts'; readonly counts: Uint32Array }
  | { readonly ev: 'end'; readonly id: number; readonly reason: 'connect-failed' | 'closed'; readonly error?: string };

/**
 * One turn's message. The audio of the turn is not one object per frame (each would be cloned
 * field by field on both sides): a bytes item is the number `n` in `items`, and
 * `index[3n..3n+2]` hold its stream id and where its bytes lie in `buffer`. Both buffers are
 * transferred with the message, so a frame costs a number and three integers to move.
 */
export interface Batch<T> {
  readonly items: readonly (T | number)[];
  readonly index: Uint32Array;
  readonly buffer: ArrayBuffer;
}

/**
 * Collects one turn's items; bytes are copied once into a growing buffer that is handed over
 * (transferred) by `take`. The next batch starts a new buffer of the size the last one needed.
 */
export class BatchBuilder<T> {
  #buf: Uint8Array;
  #used = 0;
  #items: Array<T | number> = [];
  #index: number[] = [];

  constructor(initialBytes = 16 * 1024) {
    this.#buf = new Uint8Array(initialBytes);
  }

  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    this.#items.push(item);
  }

  /** Copies `bytes` (a frame of stream `id`) into the batch, in order with the other items. */
  addBytes(id: number, bytes: Uint8Array): void {
    if (this.#used + bytes.length > this.#buf.length) {
      const bigger = new Uint8Array(Math.max(this.#buf.length * 2, this.#used + bytes.length));
      bigger.set(this.#buf.subarray(0, this.#used));
      this.#buf = bigger;
    }
    this.#buf.set(bytes, this.#used);
    this.#items.push(this.#index.length / 3);
    this.#index.push(id, this.#used, bytes.length);
    this.#used += bytes.length;
  }

  /** The batch (the builder is empty again) and what to transfer with it. */
  take(): { batch: Batch<T>; transfer: ArrayBuffer[] } {
    const buffer = this.#buf.buffer as ArrayBuffer;
    const index = Uint32Array.from(this.#index);
    const batch = { items: this.#items, index, buffer };
    this.#buf = new Uint8Array(Math.max(1024, this.#used));
    this.#used = 0;
    this.#items = [];
    this.#index = [];
    return { batch, transfer: [buffer, index.buffer as ArrayBuffer] };
  }
}

/** Reads a batch in order: plain items to `onItem`, bytes items to `onBytes` as views into its buffer. */
export function readBatch<T>(b: Batch<T>, onItem: (item: T) => void, onBytes: (id: number, data: Uint8Array) => void): void {
  for (const it of b.items) {
    if (typeof it === 'number') {
      const k = it * 3;
      onBytes(b.index[k], new Uint8Array(b.buffer, b.index[k + 1], b.index[k + 2]));
    } else onItem(it);
  }
}

/** The policy without what cannot cross a thread (its resolver). */
export function policyData(p: UrlPolicy): PolicyData {
  return { mode: p.mode, allowNets: p.allowNets, allowHosts: p.allowHosts };
}
