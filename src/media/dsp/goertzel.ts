/**
 * Goertzel single-bin DFT and frame energy, shared by the in-band DTMF detector and the tone
 * detector. Pure functions over one frame; nothing allocated.
 */

/** The recursion coefficient 2·cos(2πf/fs) for a frequency. */
export function goertzelCoefficient(hz: number, sampleRate: number): number {
  return 2 * Math.cos((2 * Math.PI * hz) / sampleRate);
}

/** Squared magnitude of the DFT of `frame[0, n)` at the coefficient's frequency. */
export function goertzelPower(frame: Int16Array, n: number, coefficient: number): number {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const s0 = frame[i] + coefficient * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
}

/** Sum of squares of `frame[0, n)`. */
export function frameEnergy(frame: Int16Array, n: number): number {
  let e = 0;
  for (let i = 0; i < n; i++) e += frame[i] * frame[i];
  return e;
}

/**
 * Share of the frame energy found at one frequency: ≈1 for a pure tone at that frequency,
 * ≈0.5 for each of two equal tones (|X|² ≈ (nA/2)², energy ≈ nA²/2).
 */
export function toneShare(power: number, energy: number, n: number): number {
  return energy > 0 ? (2 * power) / (n * energy) : 0;
}

/** Mean square of a frame in dBFS (0 dB = full-scale square wave). */
export function frameDbfs(energy: number, n: number): number {
  return energy > 0 ? 10 * Math.log10(energy / n / (32768 * 32768)) : -120;
}
