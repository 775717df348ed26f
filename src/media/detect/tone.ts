/**
 * Single-tone ("beep") detector for 400–2100 Hz over 20 ms frames, the base of answering-machine
 * beep detection. Each frame is scanned with a Goertzel bank, the peak refined over a 40 ms
 * window, and the frame counts as tonal only when one sinusoid holds nearly all its energy —
 * which rules out dual tones (ringback 440+480, dial tone 350+440, DTMF pairs) and speech. A
 * tone is reported after `minToneMs` of stable frequency and level.
 */
import { frameEnergy, goertzelCoefficient, goertzelPower, toneShare, frameDbfs } from '../dsp/goertzel.js';

export type ToneEvent =
  | { readonly type: 'tone-start'; readonly hz: number; readonly startMs: number; readonly atMs: number }
  | { readonly type: 'tone-end'; readonly hz: number; readonly startMs: number; readonly durationMs: number };

export interface ToneDetectorOptions {
  readonly minHz?: number;
  readonly maxHz?: number;
  readonly minToneMs?: number;
  /** Largest drift of the frequency from the tone's running mean. */
  readonly maxDeviationHz?: number;
  /** Share of the 40 ms window's energy the single sinusoid must hold. */
  readonly minPurity?: number;
  readonly minLevelDbfs?: number;
  /** Largest frame-to-frame level change inside a tone (ringback's 40 Hz beat fails this). */
  readonly maxLevelStepDb?: number;
  /** Non-tonal frames tolerated before a tone is considered ended. */
  readonly dropoutFrames?: number;
}

const FRAME = 160;
const WINDOW = 2 * FRAME;
const COARSE_STEP = 25;
const FINE_STEP = 5;

export class ToneDetector {
  readonly #o: Required<ToneDetectorOptions>;
  readonly #window = new Int16Array(WINDOW);
  readonly #coarse: Float64Array;
  readonly #pows = new Float64Array(3);
  #hz = 0;
  #hzSum = 0;
  #frames = 0;
  #startMs = 0;
  #lastDb = 0;
  #reported = false;
  #dropouts = 0;
  /** The last frame's refined peak frequency and purity, for diagnostics. */
  lastHz = 0;
  lastPurity = 0;

  constructor(opts: ToneDetectorOptions = {}) {
    this.#o = {
      minHz: 400, maxHz: 2100, minToneMs: 160, maxDeviationHz: 12, minPurity: 0.85, minLevelDbfs: -45, maxLevelStepDb: 3,
      dropoutFrames: 1, ...opts,
    };
    const n = Math.floor((this.#o.maxHz - this.#o.minHz) / COARSE_STEP) + 1;
    this.#coarse = Float64Array.from({ length: n }, (_, i) => goertzelCoefficient(this.#o.minHz + i * COARSE_STEP, 8000));
  }

  /** Feeds one 160-sample frame starting at `nowMs`. */
  push(frame: Int16Array, nowMs: number): ToneEvent | null {
    this.#window.copyWithin(0, FRAME);
    this.#window.set(frame.subarray(0, FRAME), FRAME);
    const tonal = this.#analyse();
    if (this.#frames > 0) {
      if (tonal && this.#matches()) return this.#continue();
      // A short dropout inside a confirmed tone is tolerated.
      if (!tonal && this.#reported && ++this.#dropouts <= this.#o.dropoutFrames) return null;
      const ended = this.#finish();
      if (tonal) this.#begin(nowMs);
      return ended;
    }
    if (tonal) this.#begin(nowMs);
    return null;
  }

  #matches(): boolean {
    return Math.abs(this.lastHz - this.#hz) <= this.#o.maxDeviationHz && Math.abs(this.#lastDb - this.#levelDb) <= this.#o.maxLevelStepDb;
  }

  #levelDb = -120;

  /** Classifies the current 40 ms window; sets lastHz / lastPurity / #levelDb. */
  #analyse(): boolean {
    const energy = frameEnergy(this.#window, WINDOW);
    const cur = frameEnergy(this.#window.subarray(FRAME), FRAME);
    this.#levelDb = frameDbfs(cur, FRAME);
    if (this.#levelDb < this.#o.minLevelDbfs) return false;
    let best = 0;
    let bestPow = -1;
    for (let i = 0; i < this.#coarse.length; i++) {
      const p = goertzelPower(this.#window, WINDOW, this.#coarse[i]);
      if (p > bestPow) { bestPow = p; best = i; }
    }
    const centre = this.#o.minHz + best * COARSE_STEP;
    let fineHz = centre;
    let finePow = -1;
    const pows = this.#pows;
    for (let hz = centre - COARSE_STEP; hz <= centre + COARSE_STEP; hz += FINE_STEP) {
      const p = goertzelPower(this.#window, WINDOW, goertzelCoefficient(hz, 8000));
      if (p > finePow) { finePow = p; fineHz = hz; }
    }
    pows[0] = goertzelPower(this.#window, WINDOW, goertzelCoefficient(fineHz - FINE_STEP, 8000));
    pows[1] = finePow;
    pows[2] = goertzelPower(this.#window, WINDOW, goertzelCoefficient(fineHz + FINE_STEP, 8000));
    this.lastHz = fineHz + parabolicOffset(pows) * FINE_STEP;
    this.lastPurity = toneShare(finePow, energy, WINDOW);
    return this.lastPurity >= this.#o.minPurity && this.lastHz >= this.#o.minHz && this.lastHz <= this.#o.maxHz;
  }

  #begin(nowMs: number): void {
    this.#frames = 1;
    this.#hzSum = this.lastHz;
    this.#hz = this.lastHz;
    this.#startMs = nowMs;
    this.#lastDb = this.#levelDb;
    this.#reported = false;
    this.#dropouts = 0;
  }

  #continue(): ToneEvent | null {
    this.#frames++;
    this.#dropouts = 0;
    this.#hzSum += this.lastHz;
    this.#hz = this.#hzSum / this.#frames;
    this.#lastDb = this.#levelDb;
    if (this.#reported || this.#frames * 20 < this.#o.minToneMs) return null;
    this.#reported = true;
    return { type: 'tone-start', hz: round1(this.#hz), startMs: this.#startMs, atMs: this.#startMs + this.#frames * 20 };
  }

  #finish(): ToneEvent | null {
    const ev: ToneEvent | null = this.#reported
      ? { type: 'tone-end', hz: round1(this.#hz), startMs: this.#startMs, durationMs: this.#frames * 20 }
      : null;
    this.#frames = 0;
    this.#reported = false;
    return ev;
  }
}

/** Vertex of the parabola through three equally spaced log powers, in steps from the middle. */
function parabolicOffset(p: Float64Array): number {
  const a = Math.log(p[0] + 1e-9);
  const b = Math.log(p[1] + 1e-9);
  const c = Math.log(p[2] + 1e-9);
  const d = a - 2 * b + c;
  return d < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / d)) : 0;
}

function round1(hz: number): number {
  return Math.round(hz * 10) / 10;
}
