/**
 * Receiver statistics of one source: RFC 3550 §A.1 sequence validation with the extended
 * (cycle-counting) sequence number, §A.3 loss and §A.8 interarrival jitter.
 */
const RTP_SEQ_MOD = 1 << 16;
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;

export interface ReportBlockValues {
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly extendedHighestSequence: number;
  readonly jitter: number;
}

export class RtpReceiveStats {
  maxSeq = 0;
  cycles = 0;
  baseSeq = 0;
  badSeq = RTP_SEQ_MOD + 1;
  probation = MIN_SEQUENTIAL;
  received = 0;
  expectedPrior = 0;
  receivedPrior = 0;
  /** §A.8 jitter estimate in timestamp units, kept as a float. */
  jitter = 0;
  #transit = 0;
  #haveTransit = false;
  #started = false;

  /** §A.1 init_seq. */
  #init(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /** §A.1 update_seq: false when the packet should be ignored (probation or a wild jump). */
  update(seq: number): boolean {
    if (!this.#started) {
      this.#started = true;
      this.#init(seq);
      this.maxSeq = seq - 1;
      this.probation = MIN_SEQUENTIAL;
    }
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.#init(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      if (seq === this.badSeq) {
        // Two sequential packets after a big jump: the source restarted.
        this.#init(seq);
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        return false;
      }
    }
    this.received++;
    return true;
  }

  /** Forgets the source (a new SSRC, a new remote): the next packet starts §A.1 probation afresh. */
  reset(): void {
    this.#started = false;
    this.#haveTransit = false;
    this.jitter = 0;
    this.#init(0);
    this.probation = MIN_SEQUENTIAL;
  }

  /** §A.8: `arrival` is the arrival time in timestamp units (8 kHz for G.711). */
  updateJitter(arrival: number, rtpTimestamp: number): void {
    const transit = (arrival - rtpTimestamp) | 0;
    if (this.#haveTransit) {
      const d = Math.abs((transit - this.#transit) | 0);
      this.jitter += (d - this.jitter) / 16;
    }
    this.#transit = transit;
    this.#haveTransit = true;
  }

  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.#started && this.probation === 0 ? this.extendedMax - this.baseSeq + 1 : 0;
  }

  get cumulativeLost(): number {
    return this.expected - this.received;
  }

  /** §A.3: values for a report block; advances the interval counters. */
  reportBlock(): ReportBlockValues {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    // §6.4.1: cumulative loss is a signed 24-bit value, clamped.
    const cumulativeLost = Math.max(-0x800000, Math.min(0x7fffff, this.cumulativeLost));
    return { fractionLost: Math.min(255, fractionLost), cumulativeLost, extendedHighestSequence: this.extendedMax >>> 0, jitter: Math.floor(this.jitter) >>> 0 };
  }
}
