/**
 * The packets one session sends: a ring of preallocated buffers (the kernel may still hold a
 * datagram queued by an earlier send when the next one is built) and, per buffer, a cached view
 * of the length last sent from it. `dgram.send(buf, offset, length)` allocates a Buffer view on
 * every call; sending an exact-length view does not, and a session's packets nearly always have
 * the same length (12 + 160 bytes of G.711, or 12 + 4 of telephone-event).
 */
export class PacketRing {
  readonly #bufs: Buffer[];
  readonly #views: Buffer[];
  #next = 0;
  #current = 0;

  /** `size` must be a power of two. */
  constructor(size: number, capacity: number) {
    this.#bufs = Array.from({ length: size }, () => Buffer.alloc(capacity));
    this.#views = this.#bufs.map((b) => b.subarray(0, 0));
  }

  /** The buffer to build the next packet in. */
  next(): Buffer {
    this.#current = this.#next;
    this.#next = (this.#next + 1) & (this.#bufs.length - 1);
    return this.#bufs[this.#current];
  }

  /** The buffer `next()` returned last. */
  current(): Buffer {
    return this.#bufs[this.#current];
  }

  /** The first `length` bytes of the buffer `next()` returned last, as a reused view. */
  view(length: number): Buffer {
    const v = this.#views[this.#current];
    if (v.length === length) return v;
    const w = this.#bufs[this.#current].subarray(0, length);
    this.#views[this.#current] = w;
    return w;
  }
}
