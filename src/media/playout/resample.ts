/**
 * Band-limited resampling to 8 kHz with a Blackman-windowed sinc kernel. Runs once per source
 * when it is opened, not on the per-packet path.
 */
const ZERO_CROSSINGS = 8;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function blackman(x: number): number {
  // x in [-1, 1]
  return 0.42 + 0.5 * Math.cos(Math.PI * x) + 0.08 * Math.cos(2 * Math.PI * x);
}

/** Resamples mono float or Int16 samples from `fromRate` to `toRate` (default 8000). */
export function resample(input: ArrayLike<number>, fromRate: number, toRate = 8000): Int16Array {
  if (fromRate === toRate) return Int16Array.from(input, (v) => clamp16(v));
  const ratio = toRate / fromRate;
  const outLength = Math.floor(input.length * ratio);
  const out = new Int16Array(outLength);
  // Cut off a little under the lower Nyquist frequency, in input-sample units.
  const fc = Math.min(1, ratio) * 0.94;
  const half = Math.ceil(ZERO_CROSSINGS / fc);
  for (let n = 0; n < outLength; n++) {
    const t = n / ratio;
    const centre = Math.floor(t);
    let acc = 0;
    let norm = 0;
    for (let k = centre - half + 1; k <= centre + half; k++) {
      if (k < 0 || k >= input.length) continue;
      const x = t - k;
      const w = fc * sinc(fc * x) * blackman(x / (half + 1));
      acc += input[k] * w;
      norm += w;
    }
    out[n] = clamp16(norm !== 0 ? acc / norm : 0);
  }
  return out;
}

export function clamp16(v: number): number {
  const r = Math.round(v);
  return r > 32767 ? 32767 : r < -32768 ? -32768 : r;
}
