// Signal helpers of the AMD corpus: a seeded PRNG, levels, tones, music on hold and noise of
// several kinds. All samples are 8 kHz floats on the 16-bit scale.
import { RATE } from './engines.mjs';

/** mulberry32: a small seeded PRNG in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = (r, list) => list[Math.floor(r() * list.length)];
export const uniform = (r, lo, hi) => lo + r() * (hi - lo);
export const int = (r, lo, hi) => Math.floor(uniform(r, lo, hi + 1));
export const ms = (n) => Math.round((n * RATE) / 1000);
export const dbToAmp = (db) => 32768 * 10 ** (db / 20) * Math.SQRT2;

export function frameDb(pcm, o) {
  let e = 0;
  for (let i = o; i < o + 160 && i < pcm.length; i++) e += pcm[i] * pcm[i];
  return e > 0 ? 10 * Math.log10(e / 160 / 32768 ** 2) : -120;
}

/**
 * First and last sample of the stretch louder than the peak frame − 35 dB (10 ms resolution): the
 * audible speech. (Some diphone voices leave faint artefacts 40 dB down for 300 ms after the last
 * word; counting them would move the labelled end of the greeting past what anyone hears.)
 */
const EXTENT_DB = 35;

export function extent(pcm) {
  let peak = -120;
  for (let o = 0; o < pcm.length; o += 80) peak = Math.max(peak, frameDb(pcm, o));
  let start = -1;
  let end = 0;
  for (let o = 0; o < pcm.length; o += 80) {
    if (frameDb(pcm, o) > peak - EXTENT_DB) {
      if (start < 0) start = o;
      end = Math.min(pcm.length, o + 160);
    }
  }
  return { start: Math.max(0, start), end };
}

/** RMS in dBFS of the frames within 30 dB of the loudest one (the active level). */
export function activeDb(pcm) {
  const dbs = [];
  for (let o = 0; o + 160 <= pcm.length; o += 160) dbs.push(frameDb(pcm, o));
  const peak = Math.max(...dbs);
  const act = dbs.filter((d) => d > peak - 30);
  const mean = act.reduce((a, d) => a + 10 ** (d / 10), 0) / Math.max(1, act.length);
  return 10 * Math.log10(mean);
}

export function gainTo(pcm, fromDb, toDb) {
  const g = 10 ** ((toDb - fromDb) / 20);
  for (let i = 0; i < pcm.length; i++) pcm[i] *= g;
}

/** A sum of sinusoids with `fadeMs` ramps; `harmonicDb` adds a 2nd and 3rd harmonic that far down. */
export function tone(freqs, durMs, amp, fadeMs = 5, harmonicDb = null) {
  const n = ms(durMs);
  const out = new Float32Array(n);
  const fade = Math.max(1, ms(fadeMs));
  const h = harmonicDb === null ? 0 : 10 ** (harmonicDb / 20);
  for (let i = 0; i < n; i++) {
    const env = Math.min(1, i / fade, (n - 1 - i) / fade);
    let v = 0;
    for (const f of freqs) {
      const w = (2 * Math.PI * f * i) / RATE;
      v += Math.sin(w) + (h > 0 ? h * (Math.sin(2 * w) + Math.sin(3 * w)) : 0);
    }
    out[i] = amp * env * v;
  }
  return out;
}

export const concatF = (parts) => {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** Legato chords with rich harmonics (so no frame is a pure tone), for music on hold. */
export function music(durMs, seed, levelDb) {
  const r = prng(seed);
  const notes = [];
  const roots = [196, 220, 247, 262, 294, 330];
  let t = 0;
  while (t < durMs) {
    const len = int(r, 350, 700);
    const root = pick(r, roots);
    const chord = [root, root * 1.26, root * 1.5, root / 2];
    const n = ms(len);
    const seg = new Float32Array(n);
    for (const f of chord) {
      for (let k = 1; k <= 6; k++) {
        const a = 1 / k;
        const ph = r() * 2 * Math.PI;
        for (let i = 0; i < n; i++) seg[i] += a * Math.sin(ph + (2 * Math.PI * f * k * i) / RATE) * (0.75 + 0.25 * Math.exp(-i / ms(150)));
      }
    }
    notes.push(seg);
    t += len;
  }
  const out = concatF(notes).subarray(0, ms(durMs));
  gainTo(out, activeDb(out), levelDb);
  return out;
}

export const NOISE_KINDS = ['white', 'pink', 'brown', 'babble', 'hum', 'car', 'street', 'crackle'];

function colored(type, r, n) {
  const out = new Float32Array(n);
  let b0 = 0, b1 = 0, b2 = 0, brown = 0;
  for (let i = 0; i < n; i++) {
    const w = r() * 2 - 1;
    if (type === 'white') out[i] = w;
    else if (type === 'pink') {
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      out[i] = b0 + b1 + b2 + w * 0.1848;
    } else {
      brown = 0.995 * brown + w;
      out[i] = brown;
    }
  }
  return out;
}

/** Mains hum: 50 or 60 Hz and its odd harmonics up to ~1 kHz, slightly detuned (never one pure tone). */
function hum(r, n) {
  const f0 = r() < 0.5 ? 50 : 60;
  const out = new Float32Array(n);
  for (let k = 1; k * f0 < 1000; k += 2) {
    const a = 1 / k ** 0.7;
    const ph = r() * 2 * Math.PI;
    for (let i = 0; i < n; i++) out[i] += a * Math.sin(ph + (2 * Math.PI * k * f0 * 1.001 * i) / RATE);
  }
  const w = colored('white', r, n);
  for (let i = 0; i < n; i++) out[i] += 0.05 * w[i];
  return out;
}

/** Slow random gain (a passing car, traffic), `depthDb` peak to peak, changing every ~0.5–2 s. */
function modulate(r, x, depthDb) {
  let g = 0;
  let target = 0;
  let left = 0;
  for (let i = 0; i < x.length; i++) {
    if (left-- <= 0) {
      target = (r() - 0.5) * depthDb;
      left = ms(int(r, 500, 2000));
    }
    g += (target - g) / ms(300);
    x[i] *= 10 ** (g / 20);
  }
  return x;
}

/** Clicks and pops over a faint hiss (a bad line). */
function crackle(r, n) {
  const out = colored('white', r, n);
  for (let i = 0; i < n; i++) out[i] *= 0.1;
  for (let i = 0; i < n; i++) {
    if (r() < 0.004) {
      const amp = (r() - 0.5) * 8;
      for (let k = 0; k < 12 && i + k < n; k++) out[i + k] += amp * Math.exp(-k / 3);
    }
  }
  return out;
}

/** `n` samples of noise `type`, unit RMS. `babble` loops over the given bed. */
export function noiseOf(type, n, seed, babble) {
  const r = prng(seed);
  let out;
  if (type === 'babble') {
    out = new Float32Array(n);
    const o = Math.floor(r() * babble.length);
    for (let i = 0; i < n; i++) out[i] = babble[(o + i) % babble.length];
  } else if (type === 'hum') out = hum(r, n);
  else if (type === 'car') out = modulate(r, colored('brown', r, n), 8);
  else if (type === 'street') out = modulate(r, colored('pink', r, n), 12);
  else if (type === 'crackle') out = crackle(r, n);
  else out = colored(type, r, n);
  let e = 0;
  for (let i = 0; i < n; i++) e += out[i] * out[i];
  const g = 1 / Math.sqrt(e / n || 1);
  for (let i = 0; i < n; i++) out[i] *= g;
  return out;
}
