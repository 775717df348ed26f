/**
 * A small receive reorder buffer (no de-jittering in time): packets that arrive ahead of a
 * missing one are held in preallocated slots until it arrives or `depth` packets are waiting,
 * then released in sequence order. In-order packets pass straight through without a copy.
 */
import { seqDelta } from '../rtp/sequence.js';

export interface ReorderSink {
  deliver(seq: number, timestamp: number, payloadType: number, buf: Uint8Array, offset: number, length: number): void;
}

interface Slot {
  used: boolean;
  seq: number;
  timestamp: number;
  payloadType: number;
  length: number;
  readonly data: Uint8Array;
}

export class ReorderBuffer {
  readonly #slots: Slot[];
  #expected = -1;
  #held = 0;
  late = 0;
  skipped = 0;

  constructor(private readonly sink: ReorderSink, readonly depth = 4, maxPayload = 1500) {
    this.#slots = Array.from({ length: depth }, () => ({ used: false, seq: 0, timestamp: 0, payloadType: 0, length: 0, data: new Uint8Array(maxPayload) }));
  }

  push(seq: number, timestamp: number, payloadType: number, buf: Uint8Array, offset: number, length: number): void {
    if (this.#expected < 0) this.#expected = seq;
    const d = seqDelta(seq, this.#expected);
    if (d < 0) {
      // Behind the playout point: a duplicate or too late (RFC 3550 §A.1 misorder).
      this.late++;
      return;
    }
    if (d === 0) {
      this.sink.deliver(seq, timestamp, payloadType, buf, offset, length);
      this.#expected = (seq + 1) & 0xffff;
      this.#drain();
      return;
    }
    if (d >= 1000 || this.depth === 0) {
      // A jump far ahead (restart): flush and resynchronise.
      this.#flushAll();
      this.#expected = seq;
      this.push(seq, timestamp, payloadType, buf, offset, length);
      return;
    }
    this.#hold(seq, timestamp, payloadType, buf, offset, length);
    while (this.#held >= this.depth) this.#skipToOldest();
  }

  #hold(seq: number, timestamp: number, payloadType: number, buf: Uint8Array, offset: number, length: number): void {
    for (const s of this.#slots) if (s.used && s.seq === seq) return;
    const s = this.#slots.find((x) => !x.used);
    if (!s || length > s.data.length) return;
    s.used = true;
    s.seq = seq;
    s.timestamp = timestamp;
    s.payloadType = payloadType;
    s.length = length;
    s.data.set(buf.subarray(offset, offset + length));
    this.#held++;
  }

  /** Gives up on the missing packet(s): continue from the oldest held one. */
  #skipToOldest(): void {
    let oldest: Slot | undefined;
    for (const s of this.#slots) if (s.used && (!oldest || seqDelta(s.seq, oldest.seq) < 0)) oldest = s;
    if (!oldest) return;
    this.skipped += seqDelta(oldest.seq, this.#expected);
    this.#expected = oldest.seq;
    this.#drain();
  }

  #drain(): void {
    for (let found = true; found && this.#held > 0;) {
      found = false;
      for (const s of this.#slots) {
        if (s.used && s.seq === this.#expected) {
          s.used = false;
          this.#held--;
          this.sink.deliver(s.seq, s.timestamp, s.payloadType, s.data, 0, s.length);
          this.#expected = (s.seq + 1) & 0xffff;
          found = true;
        }
      }
    }
  }

  #flushAll(): void {
    while (this.#held > 0) this.#skipToOldest();
  }
}
