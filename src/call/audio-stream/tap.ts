/**
 * The audio a stream sends (jambonz `mixType`): the call's received audio (mono), or with the
 * bridged party's too — caller left and party right (stereo), or both summed (mixed) — at the
 * stream's rate. The caller's frames pace the stream: each takes the party's oldest waiting frame
 * (silence when none), so a one-sided bridge still streams in time.
 */
import { StreamingRateConverter } from '../../speech/index.js';
import type { StreamMixType } from '../control.js';
import { interleave, mixDown } from './framing.js';

/** Party frames kept for pairing; older ones are dropped (a caller that sends nothing). */
const MAX_PARTY_FRAMES = 10;

export class StreamTap {
  readonly #left: StreamingRateConverter | null;
  readonly #right: StreamingRateConverter | null;
  readonly #party: Int16Array[] = [];

  constructor(private readonly mixType: StreamMixType, readonly rate: number) {
    this.#left = rate === 8000 ? null : new StreamingRateConverter(8000, rate);
    this.#right = rate === 8000 || mixType !== 'stereo' ? null : new StreamingRateConverter(8000, rate);
  }

  /** A frame the bridged party sent (copied). */
  party(frame: Int16Array): void {
    if (this.mixType === 'mono') return;
    this.#party.push(frame.slice());
    if (this.#party.length > MAX_PARTY_FRAMES) this.#party.shift();
  }

  /**
   * The caller's frame (8 kHz) → the samples to send, at the stream's rate (stereo: interleaved).
   * Mono at 8 kHz returns `frame` itself: use the result before the frame is reused.
   */
  caller(frame: Int16Array): Int16Array {
    if (this.mixType === 'mono') return this.#left ? this.#left.push(frame) : frame;
    const other = this.#party.shift() ?? new Int16Array(frame.length);
    if (this.mixType === 'mixed') {
      const m = mixDown(frame, other);
      return this.#left ? this.#left.push(m) : m;
    }
    const l = this.#left ? this.#left.push(frame) : frame;
    const r = this.#right ? this.#right.push(other) : other;
    return interleave(l, r);
  }
}
