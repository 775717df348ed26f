/**
 * Sender-side sequence number and timestamp (RFC 3550 §5.1): both start at values the caller
 * injects (random in production) and wrap modulo 2^16 and 2^32.
 */
export class RtpSequencer {
  #seq: number;
  #timestamp: number;
  constructor(initialSequence: number, initialTimestamp: number) {
    this.#seq = initialSequence & 0xffff;
    this.#timestamp = initialTimestamp >>> 0;
  }
  get sequenceNumber(): number {
    return this.#seq;
  }
  get timestamp(): number {
    return this.#timestamp;
  }
  /** Consumes the current sequence number and steps to the next. */
  nextSequence(): number {
    const s = this.#seq;
    this.#seq = (s + 1) & 0xffff;
    return s;
  }
  /** Goes back to an earlier point, to build again packets not yet sent (the media I/O thread). */
  rewind(sequence: number, timestamp: number): void {
    this.#seq = sequence & 0xffff;
    this.#timestamp = timestamp >>> 0;
  }
  /** Moves the media clock on by `samples` (one frame, or a gap of silence not sent). */
  advanceTimestamp(samples: number): void {
    this.#timestamp = (this.#timestamp + samples) >>> 0;
  }
}

/** 16-bit serial-number comparison (RFC 1982): true when a is after b. */
export function seqAfter(a: number, b: number): boolean {
  const d = (a - b) & 0xffff;
  return d !== 0 && d < 0x8000;
}

/** Signed distance a − b on the 16-bit sequence circle. */
export function seqDelta(a: number, b: number): number {
  const d = (a - b) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}

/** Signed distance a − b on the 32-bit timestamp circle. */
export function timestampDelta(a: number, b: number): number {
  return (a - b) | 0;
}
