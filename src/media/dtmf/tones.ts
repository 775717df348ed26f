/** In-band DTMF generation (ITU-T Q.23 frequency pairs) for peers without telephone-event. */
const PAIRS: Readonly<Record<string, readonly [number, number]>> = {
  '1': [697, 1209], '2': [697, 1336], '3': [697, 1477], A: [697, 1633],
  '4': [770, 1209], '5': [770, 1336], '6': [770, 1477], B: [770, 1633],
  '7': [852, 1209], '8': [852, 1336], '9': [852, 1477], C: [852, 1633],
  '*': [941, 1209], '0': [941, 1336], '#': [941, 1477], D: [941, 1633],
};

/** 8 kHz PCM of the digits, each `toneMs` long followed by `gapMs` of silence (−9 dBFS per tone). */
export function dtmfTonesPcm(digits: string, toneMs: number, gapMs: number): Int16Array {
  const tone = Math.round(toneMs * 8);
  const gap = Math.round(gapMs * 8);
  const keys = [...digits.toUpperCase()].filter((d) => PAIRS[d] !== undefined);
  const out = new Int16Array(keys.length * (tone + gap));
  keys.forEach((d, k) => {
    const [lo, hi] = PAIRS[d];
    for (let i = 0; i < tone; i++) {
      out[k * (tone + gap) + i] = Math.round(5800 * (Math.sin((2 * Math.PI * lo * i) / 8000) + Math.sin((2 * Math.PI * hi * i) / 8000)));
    }
  });
  return out;
}
