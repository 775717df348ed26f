/** 16-bit little-endian PCM bytes and samples, converted in one copy where the machine allows. */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A sample value rounded and clipped to 16 bits (an Int16Array would wrap it instead). */
export function toInt16(v: number): number {
  return v >= 32767 ? 32767 : v <= -32768 ? -32768 : Math.round(v);
}

/**
 * 16-bit little-endian PCM bytes as samples, in one copy (no per-sample reads). `bytes` may be a
 * view at any offset of a larger buffer (a Node Buffer from the pool, a WAV body after its header).
 */
export function pcm16FromBytes(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  if (LITTLE_ENDIAN) {
    const out = new Int16Array(n);
    new Uint8Array(out.buffer).set(bytes.subarray(0, n * 2));
    return out;
  }
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = (bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16 >> 16;
  return out;
}

/** Samples as 16-bit little-endian PCM bytes, in one copy. */
export function pcm16ToBytes(samples: Int16Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(samples.slice().buffer);
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], 2 * i);
  return out;
}

/**
 * The samples of `bytes` without a copy when they are 2-byte aligned (on a little-endian machine),
 * otherwise a copy. A fresh copy of a long file costs its first touch of every page (about 9 ms
 * for 2.6 MB here); a view costs nothing. The result shares memory with `bytes`: only for a
 * buffer nobody else will write to, such as a downloaded or decoded body.
 */
export function pcm16View(bytes: Uint8Array): Int16Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
  return pcm16FromBytes(bytes);
}
