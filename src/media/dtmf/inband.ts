/**
 * In-band DTMF detection (ITU-T Q.23/Q.24) with the Goertzel algorithm over 20 ms frames, for
 * peers that send tones as audio instead of RFC 4733 events. A state machine of frames: a digit
 * is reported once when it has been present for `minFrames` frames, and the detector re-arms
 * after `releaseFrames` frames without it.
 */
import { frameEnergy, goertzelCoefficient, goertzelPower, toneShare } from '../dsp/goertzel.js';
import type { DtmfDigit } from './digits.js';

const ROWS = [697, 770, 852, 941];
const COLS = [1209, 1336, 1477, 1633];
const KEYS = ['123A', '456B', '789C', '*0#D'];

export interface InbandDtmfOptions {
  readonly sampleRate?: number;
  /** Frames a digit must persist before it is reported (2 × 20 ms = 40 ms, Q.24 minimum). */
  readonly minFrames?: number;
  readonly releaseFrames?: number;
  /** Minimum mean-square level (linear, Int16 scale). */
  readonly minEnergyPerSample?: number;
  /** Share of the frame energy the two tones must hold together. */
  readonly minToneShare?: number;
  /** Largest level difference between the two tones, in dB (twist). */
  readonly maxTwistDb?: number;
}

export interface InbandDigit {
  readonly digit: DtmfDigit;
  /** Time (ms, from the caller's clock/timestamps) of the first frame of the tone. */
  readonly startMs: number;
}

export class InbandDtmfDetector {
  readonly #rowCoef: Float64Array;
  readonly #colCoef: Float64Array;
  readonly #rowPow = new Float64Array(4);
  readonly #colPow = new Float64Array(4);
  readonly #minFrames: number;
  readonly #releaseFrames: number;
  readonly #minEnergy: number;
  readonly #minShare: number;
  readonly #maxTwist: number;
  #candidate: DtmfDigit | null = null;
  #candidateFrames = 0;
  #candidateStart = 0;
  #reported: DtmfDigit | null = null;
  #absentFrames = 0;

  constructor(opts: InbandDtmfOptions = {}) {
    const sr = opts.sampleRate ?? 8000;
    this.#rowCoef = Float64Array.from(ROWS, (f) => goertzelCoefficient(f, sr));
    this.#colCoef = Float64Array.from(COLS, (f) => goertzelCoefficient(f, sr));
    this.#minFrames = opts.minFrames ?? 2;
    this.#releaseFrames = opts.releaseFrames ?? 2;
    this.#minEnergy = opts.minEnergyPerSample ?? 200 * 200;
    this.#minShare = opts.minToneShare ?? 0.75;
    this.#maxTwist = opts.maxTwistDb ?? 8;
  }

  /** The digit present in one frame, or null. Pure apart from scratch arrays. */
  classify(frame: Int16Array, n = frame.length): DtmfDigit | null {
    const energy = frameEnergy(frame, n);
    if (energy / n < this.#minEnergy) return null;
    const r = strongest(frame, n, this.#rowCoef, this.#rowPow);
    const c = strongest(frame, n, this.#colCoef, this.#colPow);
    const rp = this.#rowPow[r];
    const cp = this.#colPow[c];
    if (toneShare(rp + cp, energy, n) < this.#minShare) return null;
    if (Math.abs(10 * Math.log10(rp / cp)) > this.#maxTwist) return null;
    // Each tone must stand well clear (6 dB) of the others in its group.
    if (!clearOfOthers(this.#rowPow, r, 4) || !clearOfOthers(this.#colPow, c, 4)) return null;
    return KEYS[r][c] as DtmfDigit;
  }

  /** Feeds one frame taken at `nowMs`; returns a digit once per key press. */
  push(frame: Int16Array, nowMs: number, n = frame.length): InbandDigit | null {
    const d = this.classify(frame, n);
    if (d === null) {
      this.#candidate = null;
      if (this.#reported !== null && ++this.#absentFrames >= this.#releaseFrames) this.#reported = null;
      return null;
    }
    if (d === this.#reported) this.#absentFrames = 0;
    if (d !== this.#candidate) {
      this.#candidate = d;
      this.#candidateFrames = 0;
      this.#candidateStart = nowMs;
    }
    this.#candidateFrames++;
    if (this.#candidateFrames < this.#minFrames || d === this.#reported) return null;
    this.#reported = d;
    this.#absentFrames = 0;
    return { digit: d, startMs: this.#candidateStart };
  }
}

function strongest(frame: Int16Array, n: number, coefs: Float64Array, out: Float64Array): number {
  let best = 0;
  for (let i = 0; i < coefs.length; i++) {
    out[i] = goertzelPower(frame, n, coefs[i]);
    if (out[i] > out[best]) best = i;
  }
  return best;
}

function clearOfOthers(pow: Float64Array, best: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (i !== best && pow[i] * 4 > pow[best]) return false;
  return true;
}
