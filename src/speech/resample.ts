/**
 * Polyphase windowed-sinc conversion of a vendor's output rate to 8 kHz. The filter for each of
 * the `up` phases is computed once per rate pair; TTS output is converted in one pass.
 */
const TAPS_PER_SIDE = 24;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

interface Bank {
  readonly up: number;
  readonly down: number;
  readonly half: number;
  readonly taps: Float32Array[];
}

function bank(from: number, to: number): Bank {
  const g = gcd(from, to);
  const up = to / g;
  const down = from / g;
  const cutoff = Math.min(1, to / from) * 0.94;
  const half = Math.ceil(TAPS_PER_SIDE * Math.max(1, from / to) / 3);
  const taps: Float32Array[] = [];
  for (let phase = 0; phase < up; phase++) {
    const frac = ((phase * down) % up) / up;
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
  return { up, down, half, taps };
}

/** A converter for one rate pair; its filter bank is built once. */
export class RateConverter {
  readonly #b: Bank | null;
  constructor(readonly from: number, readonly to = 8000) {
    this.#b = from === to ? null : bank(from, to);
  }

  convert(input: Int16Array): Int16Array {
    const b = this.#b;
    if (!b) return input;
    const out = new Int16Array(Math.floor((input.length * b.up) / b.down));
    for (let n = 0; n < out.length; n++) {
      const base = Math.floor((n * b.down) / b.up);
      const h = b.taps[n % b.up];
      let acc = 0;
      for (let j = 0; j < h.length; j++) {
        const k = base + j - b.half + 1;
        if (k >= 0 && k < input.length) acc += input[k] * h[j];
      }
      out[n] = acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc);
    }
    return out;
  }
}
