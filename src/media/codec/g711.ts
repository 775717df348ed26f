/**
 * ITU-T G.711 µ-law (PCMU) and A-law (PCMA) as table lookup (DESIGN.md §4.4). The tables are
 * built once at module load from the segment definitions of G.711 §2–§3; the per-sample work on
 * the hot path is one array index.
 */
export type G711Law = 'PCMU' | 'PCMA';

/** µ-law: 14-bit magnitude with bias 33, scaled here to 16-bit (G.711 Table 2a). */
const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

function ulawEncodeSample(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > ULAW_CLIP) s = ULAW_CLIP;
  s += ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  // G.711 §2: code words are transmitted with all bits inverted.
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function ulawDecodeByte(byte: number): number {
  const b = ~byte & 0xff;
  const exponent = (b >> 4) & 0x07;
  const t = (((b & 0x0f) << 3) + ULAW_BIAS) << exponent;
  return b & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

/** A-law: 13-bit magnitude (G.711 Table 1a); even bits are inverted (XOR 0x55) on the line. */
function alawEncodeSample(sample: number): number {
  let s = sample >> 3;
  let mask = 0xd5;
  if (s < 0) {
    mask = 0x55;
    s = -s - 1;
  }
  let seg = 0;
  while (seg < 8 && s >= 0x20 << seg) seg++;
  if (seg >= 8) return 0x7f ^ mask;
  const mantissa = seg < 2 ? (s >> 1) & 0x0f : (s >> seg) & 0x0f;
  return ((seg << 4) | mantissa) ^ mask;
}

function alawDecodeByte(byte: number): number {
  const a = byte ^ 0x55;
  const seg = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (seg === 0) t += 8;
  else t = (t + 0x108) << (seg - 1);
  return a & 0x80 ? t : -t;
}

function buildEncode(f: (s: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = f(i < 32768 ? i : i - 65536);
  return table;
}

function buildDecode(f: (b: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let b = 0; b < 256; b++) table[b] = f(b);
  return table;
}

/** Index with `sample & 0xffff`. */
export const ULAW_ENCODE: Uint8Array = buildEncode(ulawEncodeSample);
export const ALAW_ENCODE: Uint8Array = buildEncode(alawEncodeSample);
export const ULAW_DECODE: Int16Array = buildDecode(ulawDecodeByte);
export const ALAW_DECODE: Int16Array = buildDecode(alawDecodeByte);
/** PCMU byte → PCMA byte and back, through the linear value (for bridges, G.711 Appendix). */
export const ULAW_TO_ALAW: Uint8Array = Uint8Array.from(ULAW_DECODE, (v) => ALAW_ENCODE[v & 0xffff]);
export const ALAW_TO_ULAW: Uint8Array = Uint8Array.from(ALAW_DECODE, (v) => ULAW_ENCODE[v & 0xffff]);

/** µ-law byte of digital silence. */
export const ULAW_SILENCE = 0xff;
export const ALAW_SILENCE = 0xd5;

export function encodeTable(law: G711Law): Uint8Array {
  return law === 'PCMU' ? ULAW_ENCODE : ALAW_ENCODE;
}

export function decodeTable(law: G711Law): Int16Array {
  return law === 'PCMU' ? ULAW_DECODE : ALAW_DECODE;
}

/** Encodes `count` samples of `pcm` into `out` at `offset`. No allocation. */
export function encodeG711(table: Uint8Array, pcm: Int16Array, count: number, out: Uint8Array, offset: number): void {
  for (let i = 0; i < count; i++) out[offset + i] = table[pcm[i] & 0xffff];
}

/** Decodes `count` bytes from `bytes` at `offset` into `pcm`. No allocation. */
export function decodeG711(table: Int16Array, bytes: Uint8Array, offset: number, count: number, pcm: Int16Array): void {
  for (let i = 0; i < count; i++) pcm[i] = table[bytes[offset + i]];
}

/** Rewrites `count` bytes in place through a transcode table (PCMU↔PCMA). */
export function transcodeG711(table: Uint8Array, bytes: Uint8Array, offset: number, count: number): void {
  for (let i = offset; i < offset + count; i++) bytes[i] = table[bytes[i]];
}
