/**
 * The time base answering-machine detection runs on: the callee's media time, not the arrival
 * time of its packets. A sender or receiver whose event loop stalls delivers 20 ms packets late
 * and then back to back; timed by arrival, the stall reads as silence (a voicemail greeting cut
 * "short" → human) and the burst as frames in the past (dropped: a "Hello?" not heard). Timed
 * by the RTP timestamp (RFC 3550 §5.1: the sampling instant of the first octet), the audio is
 * what the callee said, whenever it arrives.
 */

/** 8 kHz: samples per millisecond. */
const SAMPLES_PER_MS = 8;
/** A timestamp jump larger than this (10 s) is a new source or a broken sender, not lost packets. */
const MAX_GAP_SAMPLES = 80_000;
/**
 * How far behind the wall clock the media may run before missing audio counts as silence: longer
 * than a stall of a loaded event loop, well under AMD's shortest timer (afterGreetingSilenceMs).
 */
export const AMD_JITTER_ALLOWANCE_MS = 1000;

export class AmdTimeline {
  /** Media time (clock ms) at which the next received sample starts; undefined until audio. */
  #next: number | undefined;
  #lastTimestamp = 0;
  #lastSamples = 0;
  /** The furthest time ticks have advanced the detector to (their gap counted as silence). */
  #ticked = -Infinity;

  constructor(private readonly allowanceMs = AMD_JITTER_ALLOWANCE_MS) {}

  /**
   * The media time of a packet's first sample: right after the previous packet, plus any
   * timestamp gap (lost packets, RFC 3551 §4.1 silence suppression) — never before what a tick
   * already counted as silence. The first packet starts at its arrival.
   */
  packet(nowMs: number, rtpTimestamp: number, samples: number): number {
    if (this.#next === undefined) this.#next = nowMs;
    else {
      const gap = ((rtpTimestamp - this.#lastTimestamp) >>> 0) - this.#lastSamples;
      if (gap > 0 && gap <= MAX_GAP_SAMPLES) this.#next += gap / SAMPLES_PER_MS;
    }
    const at = Math.max(this.#next, this.#ticked);
    this.#next = at + samples / SAMPLES_PER_MS;
    this.#lastTimestamp = rtpTimestamp;
    this.#lastSamples = samples;
    return at;
  }

  /**
   * The time a timer tick may advance the detector to. Before any audio: now (a silent callee's
   * timers run on time). Once audio flows, missing audio is silence only past the allowance.
   */
  tick(nowMs: number): number {
    const to = this.#next === undefined ? nowMs : Math.max(this.#next, nowMs - this.allowanceMs);
    this.#ticked = Math.max(this.#ticked, to);
    return to;
  }
}
