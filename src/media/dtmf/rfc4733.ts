/**
 * RFC 4733 telephone-events as pure state machines. The sender is stepped once per 20 ms tick
 * and says what to put in that tick's packet; the receiver turns packets into one digit per
 * event, however many redundant and end packets arrive.
 */
import { MAX_MISORDER } from '../rtp/receive-stats.js';
import { seqDelta } from '../rtp/sequence.js';
import { digitToEvent, eventToDigit, type DtmfDigit } from './digits.js';

export const RFC4733_PAYLOAD_SIZE = 4;
/** Default tone and inter-digit gap (ITU-T Q.24 asks for ≥ 40 ms each; 100 ms is the common choice). */
export const DTMF_TONE_MS = 100;
export const DTMF_GAP_MS = 100;
/** §2.5.1.4: the end packet is sent three times. */
export const END_PACKET_COUNT = 3;
/** Volume field: 10 → −10 dBm0 (§2.3.4). */
export const DTMF_VOLUME = 10;

/** §2.3: event (8) | E (1) R (1) volume (6) | duration (16). Returns bytes written. */
export function writeRfc4733Payload(buf: Uint8Array, offset: number, event: number, end: boolean, volume: number, duration: number): number {
  buf[offset] = event & 0xff;
  buf[offset + 1] = (end ? 0x80 : 0) | (volume & 0x3f);
  buf[offset + 2] = (duration >> 8) & 0xff;
  buf[offset + 3] = duration & 0xff;
  return RFC4733_PAYLOAD_SIZE;
}

/** What the session should send on one tick while a digit string is being sent. */
export interface Rfc4733Step {
  /** 'event': send an RFC 4733 packet with these fields; 'audio': send normal audio this tick. */
  kind: 'event' | 'audio';
  event: number;
  end: boolean;
  marker: boolean;
  duration: number;
  volume: number;
  /** RTP timestamp to use: the event's start timestamp (§2.5.1.2), constant for all its packets. */
  timestamp: number;
}

export interface Rfc4733SenderOptions {
  readonly toneMs?: number;
  readonly gapMs?: number;
  readonly volume?: number;
  /** Samples per tick (160 for 20 ms at 8 kHz). */
  readonly samplesPerTick?: number;
}

/**
 * §2.5.1: for each digit, packets every tick with growing duration, the marker bit on the
 * first, then three end packets with the final duration and the same timestamp; a gap of
 * audio ticks between digits. `step` reuses one result object.
 */
export class Rfc4733Sender {
  readonly #events: number[];
  readonly #toneTicks: number;
  readonly #gapTicks: number;
  readonly #volume: number;
  readonly #spt: number;
  #index = 0;
  #tick = 0;
  #startTs = 0;
  readonly #step: Rfc4733Step = { kind: 'audio', event: 0, end: false, marker: false, duration: 0, volume: 0, timestamp: 0 };

  constructor(digits: string, opts: Rfc4733SenderOptions = {}) {
    this.#events = [...digits].map((d) => digitToEvent(d)).filter((e): e is number => e !== undefined);
    this.#spt = opts.samplesPerTick ?? 160;
    const ms = this.#spt / 8;
    this.#toneTicks = Math.max(1, Math.round((opts.toneMs ?? DTMF_TONE_MS) / ms));
    this.#gapTicks = Math.max(1, Math.round((opts.gapMs ?? DTMF_GAP_MS) / ms));
    this.#volume = opts.volume ?? DTMF_VOLUME;
  }

  get done(): boolean {
    return this.#index >= this.#events.length;
  }

  /** Call once per tick with the timestamp this tick's audio packet would carry. */
  step(timestamp: number): Rfc4733Step {
    const s = this.#step;
    if (this.done) {
      s.kind = 'audio';
      return s;
    }
    const t = this.#tick++;
    const endTicks = this.#toneTicks - 1 + END_PACKET_COUNT;
    if (t === 0) this.#startTs = timestamp;
    if (t < this.#toneTicks + END_PACKET_COUNT - 1) {
      s.kind = 'event';
      s.event = this.#events[this.#index];
      s.marker = t === 0;
      s.end = t >= this.#toneTicks - 1;
      s.duration = Math.min(t + 1, this.#toneTicks) * this.#spt;
      s.timestamp = this.#startTs;
      s.volume = this.#volume;
    } else {
      s.kind = 'audio';
      if (t >= endTicks + this.#gapTicks - 1) {
        this.#index++;
        this.#tick = 0;
      }
    }
    return s;
  }
}

/** A digit recognised by the receiver. */
export interface ReceivedDigit {
  readonly digit: DtmfDigit;
  /** RTP timestamp of the event (its identity, §2.5.2.1). */
  readonly timestamp: number;
  /** Duration so far in samples when reported. */
  readonly duration: number;
  /** Clock time at which it was reported. */
  readonly at: number;
}

/**
 * §2.5.2: an event is identified by its RTP timestamp. The first packet seen of a new event
 * reports the digit; later packets of it (updates, the repeated end packets, §2.5.1.4
 * retransmissions) and late packets of older events are dropped.
 */
export class Rfc4733Receiver {
  #lastTimestamp = 0;
  #lastSeq = 0;
  #have = false;

  /** Forgets the last event: the stream restarted (new SSRC or remote). */
  reset(): void {
    this.#have = false;
  }

  /** Feeds one telephone-event packet; returns the digit when it starts a new event. */
  receive(sequenceNumber: number, timestamp: number, payload: Uint8Array, offset: number, length: number, now: number): ReceivedDigit | null {
    if (length < RFC4733_PAYLOAD_SIZE) return null;
    if (this.#have) {
      if (timestamp === this.#lastTimestamp) return null;
      // A packet of an earlier event arriving late: its sequence number is a little older
      // (§2.5.2.1). Far older is a restarted stream (RFC 3550 §A.1), whose events count.
      const back = seqDelta(sequenceNumber, this.#lastSeq);
      if (back <= 0 && back >= -MAX_MISORDER && ((timestamp - this.#lastTimestamp) | 0) < 0) return null;
    }
    const digit = eventToDigit(payload[offset]);
    this.#have = true;
    this.#lastTimestamp = timestamp;
    this.#lastSeq = sequenceNumber;
    if (!digit) return null;
    return { digit, timestamp, duration: (payload[offset + 2] << 8) | payload[offset + 3], at: now };
  }
}
