/**
 * Test signals at 8 kHz (Int16): tones, DTMF, noise and a speech-like signal, plus helpers to
 * frame, measure and compare audio. Deterministic (seeded noise); tests only.
 */
import { createServer } from 'node:http';
import { goertzelCoefficient, goertzelPower } from '../media/dsp/goertzel.js';

export const RATE = 8000;
export const FRAME = 160;

/** A small deterministic PRNG (xorshift32) in [0, 1). */
export function prng(seed = 1): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/** Sum of sines, each `amplitude` (Int16 scale), for `ms` milliseconds. */
export function tones(freqs: readonly number[], ms: number, amplitude = 8000, phase0 = 0): Int16Array {
  const n = Math.round((ms * RATE) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const f of freqs) v += amplitude * Math.sin(phase0 + (2 * Math.PI * f * i) / RATE);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return out;
}

export function silence(ms: number): Int16Array {
  return new Int16Array(Math.round((ms * RATE) / 1000));
}

export function noise(ms: number, amplitude: number, seed = 7): Int16Array {
  const r = prng(seed);
  return Int16Array.from({ length: Math.round((ms * RATE) / 1000) }, () => Math.round((r() * 2 - 1) * amplitude));
}

const DTMF_FREQ: Readonly<Record<string, readonly [number, number]>> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

/** In-band DTMF: each digit `toneMs` of its two tones, then `gapMs` of silence. */
export function dtmfSignal(digits: string, toneMs = 100, gapMs = 100, amplitude = 6000): Int16Array {
  return concat(...[...digits].flatMap((d) => [tones(DTMF_FREQ[d], toneMs, amplitude), silence(gapMs)]));
}

/**
 * A speech-like signal: voiced "syllables" (a 90–250 Hz glottal pulse train through three
 * formant resonators, with a syllabic envelope) separated by short pauses.
 */
export function speechLike(ms: number, seed = 3, amplitude = 9000): Int16Array {
  const r = prng(seed);
  const n = Math.round((ms * RATE) / 1000);
  const out = new Int16Array(n);
  const formants = [[700, 0.97], [1200, 0.95], [2500, 0.93]] as const;
  const state = formants.map(() => [0, 0]);
  let i = 0;
  while (i < n) {
    const syl = Math.round(RATE * (0.12 + r() * 0.2));
    const pitch = 90 + r() * 160;
    const f1 = formants.map(([f, rad]) => ({ a1: 2 * rad * Math.cos((2 * Math.PI * (f * (0.8 + r() * 0.4))) / RATE), a2: -rad * rad }));
    for (let k = 0; k < syl && i < n; k++, i++) {
      const pulse = k % Math.round(RATE / (pitch * (1 + 0.1 * Math.sin(k / 400)))) === 0 ? 1 : 0;
      const excitation = pulse * 3000 + (r() - 0.5) * 200;
      let y = 0;
      f1.forEach((c, j) => {
        const v = excitation + c.a1 * state[j][0] + c.a2 * state[j][1];
        state[j][1] = state[j][0];
        state[j][0] = v;
        y += v;
      });
      const env = Math.sin((Math.PI * k) / syl);
      out[i] = Math.max(-32768, Math.min(32767, Math.round((y * env * amplitude) / 60000)));
    }
    i += Math.round(RATE * (0.03 + r() * 0.12));
  }
  return out;
}

export function concat(...parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function scale(pcm: Int16Array, gain: number): Int16Array {
  return Int16Array.from(pcm, (v) => Math.max(-32768, Math.min(32767, Math.round(v * gain))));
}

/** Splits into 160-sample frames (the last padded with zeros). */
export function frames(pcm: Int16Array): Int16Array[] {
  const out: Int16Array[] = [];
  for (let o = 0; o < pcm.length; o += FRAME) {
    const f = new Int16Array(FRAME);
    f.set(pcm.subarray(o, Math.min(o + FRAME, pcm.length)));
    out.push(f);
  }
  return out;
}

/** Frequency of the strongest component by zero-crossing counting over a stretch of a tone. */
export function zeroCrossingHz(pcm: Int16Array): number {
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = 1; i < pcm.length; i++) {
    if (pcm[i - 1] < 0 && pcm[i] >= 0) {
      // Linear interpolation of the crossing instant.
      const t = i - 1 + -pcm[i - 1] / (pcm[i] - pcm[i - 1]);
      if (first < 0) first = t;
      else count++;
      last = t;
    }
  }
  return count > 0 ? (count * RATE) / (last - first) : 0;
}

/** Normalised cross-correlation of `b` against `a` at the best lag in [-maxLag, maxLag]. */
export function bestCorrelation(a: Int16Array, b: Int16Array, maxLag: number): { lag: number; r: number } {
  let best = { lag: 0, r: -1 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < a.length; i++) {
      const j = i + lag;
      if (j < 0 || j >= b.length) continue;
      ab += a[i] * b[j];
      aa += a[i] * a[i];
      bb += b[j] * b[j];
    }
    const r = aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
    if (r > best.r) best = { lag, r };
  }
  return best;
}

/** Minimal 16-bit mono/stereo PCM WAV encoder for fixtures. */
export function wavBytes(pcm: Int16Array, sampleRate = RATE, channels = 1): Buffer {
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Serves `wav` at any path on 127.0.0.1. */
export async function serveAudio(wav: Buffer): Promise<{ url: string; close(): Promise<void>; requests(): number }> {
  let requests = 0;
  const s = createServer((_q, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(wav.length) });
    res.end(wav);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  return {
    url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`,
    close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }),
    requests: () => requests,
  };
}

/**
 * 20 ms frames (8 kHz) in which the tone `hz` is clearly there: loud (RMS over 300) and at least
 * 10 times the power of each of the `others` — how the e2e tests tell which tone a capture holds.
 */
export function toneFrames(pcm: Int16Array, hz: number, others: readonly number[]): number {
  const power = (f: Int16Array, f0: number): number => goertzelPower(f, f.length, goertzelCoefficient(f0, RATE));
  let n = 0;
  for (let i = 0; i + FRAME <= pcm.length; i += FRAME) {
    const f = pcm.subarray(i, i + FRAME);
    let energy = 0;
    for (const v of f) energy += v * v;
    const p = power(f, hz);
    if (energy / FRAME > 300 * 300 && others.every((o) => p > 10 * power(f, o))) n++;
  }
  return n;
}
