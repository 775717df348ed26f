/**
 * A small receive reorder buffer (no de-jittering in time): packets that arrive ahead of a
 * missing one are held in preallocated slots until it arrives or `depth` packets are waiting,
 * then released in sequence order. In-order packets pass straight through without a copy.
 *
 * A jump of the sequence number beyond what loss or misordering explains (RFC 3550 §A.1:
 * MAX_DROPOUT ahead, MAX_MISORDER behind) is taken as a restart once the next packet follows it
 * in sequence; a single wild packet is dropped. `reset()` starts over (new SSRC, new remote).
 */
import { MAX_DROPOUT, MAX_MISORDER } from '../rtp/receive-stats.js';
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
  #badSeq = -1;
  late = 0;
  skipped = 0;
  /** Sequence restarts taken (RFC 3550 §A.1 verdict); wild packets dropped are counted in `late`. */
  restarts = 0;

  constructor(private readonly sink: ReorderSink, readonly depth = 4, maxPayload = 1500) {
    this.#slots = Array.from({ length: depth }, () => ({ used: false, seq: 0, timestamp: 0, payloadType: 0, length: 0, data: new Uint8Array(maxPayload) }));
  }

  push(seq: number, timestamp: number, payloadType: number, buf: Uint8Array, offset: number, length: number): void {
    if (this.#expected < 0) this.#expected = seq;
    const d = seqDelta(seq, this.#expected);
    if (d >= MAX_DROPOUT || d < -MAX_MISORDER) {
      if (seq !== this.#badSeq) {
        // §A.1: a wild jump; only the next packet in sequence after it proves a restart.
        this.#badSeq = (seq + 1) & 0xffff;
        this.late++;
        return;
      }
      this.restarts++;
      this.reset();
      this.#expected = seq;
    } else if (d < 0) {
      // Behind the playout point: a duplicate or too late (§A.1 misorder).
      this.late++;
      return;
    } else if (d > 0 && this.depth === 0) {
      this.skipped += d;
      this.#expected = seq;
    }
    if (seq === this.#expected) {
      this.sink.deliver(seq, timestamp, payloadType, buf, offset, length);
      this.#expected = (seq + 1) & 0xffff;
      this.#drain();
      return;
    }
    this.#hold(seq, timestamp, payloadType, buf, offset, length);
    while (this.#held >= this.depth) this.#skipToOldest();
  }

  /** Forgets the sequence space and drops held packets: the next packet starts afresh. */
  reset(): void {
    for (const s of this.#slots) s.used = false;
    this.#held = 0;
    this.#expected = -1;
    this.#badSeq = -1;
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
}
