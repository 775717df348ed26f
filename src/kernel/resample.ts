/**
 * Sample-rate conversion with a polyphase windowed-sinc filter: 8 zero crossings of the lower
 * rate on each side, a Hann window, the cut-off at 94 % of the lower Nyquist frequency. The filter
 * of each phase is computed once per converter; converting is then one dot product per output
 * sample. Every change of rate goes through here: files and URLs for `play`, vendors' TTS output,
 * audio streams both ways.
 */

import { toInt16 } from './pcm16.js';

/** Zero crossings of the sinc on each side, in samples of the lower rate. */
const ZERO_CROSSINGS = 8;
/**
 * Most filter phases kept. A rate pair whose exact phase count is larger (a prime rate, 44101 Hz)
 * rounds each output's position to the nearest of this many phases: under 1/2000 of a sample off,
 * instead of a filter bank of megabytes built on the event loop.
 */
const MAX_PHASES = 1000;
/** Rates outside this range are refused: no audio source needs them, and the filter grows with the ratio. */
export const MIN_RATE = 1000;
export const MAX_RATE = 384_000;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

interface Bank {
  /** Output n sits at input position n·down/up. */
  readonly up: number;
  readonly down: number;
  readonly half: number;
  /** Filters for fractional positions p/phases, p = 0 … phases − 1. */
  readonly phases: number;
  readonly taps: Float32Array[];
}

function bank(from: number, to: number): Bank {
  for (const r of [from, to]) {
    if (!Number.isInteger(r) || r < MIN_RATE || r > MAX_RATE) throw new RangeError(`sample rate ${r} is outside ${MIN_RATE}–${MAX_RATE} Hz`);
  }
  const g = gcd(from, to);
  const up = to / g;
  const down = from / g;
  const phases = Math.min(up, MAX_PHASES);
  const cutoff = Math.min(1, to / from) * 0.94;
  const half = Math.ceil(ZERO_CROSSINGS * Math.max(1, from / to));
  const taps: Float32Array[] = [];
  for (let p = 0; p < phases; p++) {
    const frac = p / phases;
    const h = new Float32Array(2 * half);
    let sum = 0;
    for (let j = 0; j < 2 * half; j++) {
      const x = j - half + 1 - frac;
      const w = 0.5 + 0.5 * Math.cos((Math.PI * x) / (half + 1));
      h[j] = (x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x)) * w;
      sum += h[j];
    }
    for (let j = 0; j < h.length; j++) h[j] /= sum;
    taps.push(h);
  }
  return { up, down, half, phases, taps };
}

/**
 * Output samples n0 … n1 − 1 into `out` (output n0 at index 0), from `input`, whose index 0 is
 * input sample number `start`; input outside `input` counts as silence.
 */
function filter(b: Bank, input: Int16Array, start: number, out: Int16Array, n0: number, n1: number): void {
  const { up, down, half, phases, taps } = b;
  for (let n = n0; n < n1; n++) {
    const pos = n * down;
    let k0 = Math.floor(pos / up);
    const rem = pos - k0 * up;
    let p = rem;
    if (phases !== up) {
      p = Math.round((rem * phases) / up);
      if (p === phases) {
        p = 0;
        k0++;
      }
    }
    const h = taps[p];
    // Input index of tap j: k0 + j − half + 1, as an index into `input`.
    const i0 = k0 - half + 1 - start;
    const j0 = i0 < 0 ? -i0 : 0;
    const j1 = Math.min(h.length, input.length - i0);
    let acc = 0;
    for (let j = j0; j < j1; j++) acc += input[i0 + j] * h[j];
    out[n - n0] = toInt16(acc);
  }
}

/** Resolves after the event loop has run what was waiting (timers, I/O): a pause between two slices of work. */
export const letTheEventLoopThrough = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A converter for one rate pair; its filter bank is built once. */
export class RateConverter {
  readonly #b: Bank | null;
  constructor(readonly from: number, readonly to = 8000) {
    this.#b = from === to ? null : bank(from, to);
  }

  /** The length of the output for `inputLength` input samples. */
  outputLength(inputLength: number): number {
    const b = this.#b;
    return b ? Math.floor((inputLength * b.up) / b.down) : inputLength;
  }

  /** Converts in one pass (for short audio, or off the media path). */
  convert(input: Int16Array): Int16Array {
    const b = this.#b;
    if (!b) return input;
    const out = new Int16Array(this.outputLength(input.length));
    filter(b, input, 0, out, 0, out.length);
    return out;
  }

  /**
   * The same conversion in slices of `slice` output samples with the event loop let through
   * between them: a long file or utterance never holds up the playout clock of every call.
   */
  async convertYielding(input: Int16Array, slice = 4000): Promise<Int16Array> {
    const b = this.#b;
    if (!b) return input;
    const out = new Int16Array(this.outputLength(input.length));
    for (let n = 0; n < out.length; n += slice) {
      const end = Math.min(out.length, n + slice);
      filter(b, input, 0, out.subarray(n, end), n, end);
      if (end < out.length) await letTheEventLoopThrough();
    }
    return out;
  }
}

/**
 * The same filter over audio that arrives in chunks (a vendor's TTS stream, a call's 20 ms
 * frames): the input's tail is kept between pushes, so chunk edges leave no clicks. Each output
 * sample is produced once the input it needs has arrived; `flush` ends the stream.
 */
export class StreamingRateConverter {
  readonly #b: Bank | null;
  /** Kept input; `#buf[0]` is input sample number `#bufStart`. */
  #buf = new Int16Array(0);
  #bufStart = 0;
  #received = 0;
  /** The next output sample's number. */
  #n = 0;

  constructor(readonly from: number, readonly to = 8000) {
    this.#b = from === to ? null : bank(from, to);
  }

  /** Converts what `input` completes; returns a new array (the input is never kept by reference). */
  push(input: Int16Array): Int16Array {
    const b = this.#b;
    if (!b) return input.slice();
    const buf = new Int16Array(this.#buf.length + input.length);
    buf.set(this.#buf);
    buf.set(input, this.#buf.length);
    this.#buf = buf;
    this.#received += input.length;
    // Output n needs input up to base(n) + half: n·down/up < received − half (one sample more
    // when its phase is rounded, which may move base(n) on by one).
    const reach = b.half + (b.phases === b.up ? 0 : 1);
    const end = Math.max(this.#n, Math.ceil(((this.#received - reach) * b.up) / b.down));
    return this.#emit(b, end);
  }

  /** The rest of the output, as if the input were followed by silence. */
  flush(): Int16Array {
    const b = this.#b;
    if (!b) return new Int16Array(0);
    return this.#emit(b, Math.floor((this.#received * b.up) / b.down));
  }

  #emit(b: Bank, end: number): Int16Array {
    const out = new Int16Array(Math.max(0, end - this.#n));
    filter(b, this.#buf, this.#bufStart, out, this.#n, this.#n + out.length);
    this.#n += out.length;
    // Keep only what later outputs can still reach (a rounded phase may step one sample on).
    const keepFrom = Math.floor((this.#n * b.down) / b.up) - b.half + 1;
    const drop = Math.min(this.#buf.length, Math.max(0, keepFrom - this.#bufStart));
    if (drop > 0) {
      this.#buf = this.#buf.subarray(drop);
      this.#bufStart += drop;
    }
    return out;
  }
}
