/**
 * Frame level for the AMD voice-activity decision, robust to clicks: the 20 ms frame is cut into
 * eight 2.5 ms slices, and a slice more than `CLICK_DB` louder than the median slice counts as
 * the median instead. Speech and steady noise spread their energy over the frame (pitch pulses
 * stay within a few dB of the median slice), so their level is unchanged; a click or a pop on a
 * bad line puts its energy into one or two slices and so barely moves the level.
 */
import { frameDbfs } from '../../dsp/goertzel.js';

const SLICES = 8;
const CLICK_DB = 12;
const CLICK_RATIO = 10 ** (CLICK_DB / 10);
const slices = new Float64Array(SLICES);
const sorted = new Float64Array(SLICES);

/** dBFS of `frame` (160 samples) with click-like slices replaced by the median slice. */
export function robustFrameDbfs(frame: Int16Array): number {
  const len = frame.length / SLICES;
  for (let s = 0; s < SLICES; s++) {
    let e = 0;
    for (let i = s * len; i < (s + 1) * len; i++) e += frame[i] * frame[i];
    slices[s] = e;
  }
  sorted.set(slices);
  sorted.sort();
  const median = (sorted[SLICES / 2 - 1] + sorted[SLICES / 2]) / 2;
  const cap = median * CLICK_RATIO;
  let total = 0;
  for (let s = 0; s < SLICES; s++) total += slices[s] > cap ? median : slices[s];
  return frameDbfs(total, len * SLICES);
}
