import { pcm16FromBytes } from '../../../kernel/pcm16.js';

/** Turns byte pieces of little-endian L16 into Int16Array chunks, carrying an odd byte over. */
export async function* l16Chunks(body: AsyncIterable<Uint8Array>, onError: (e: unknown) => Error): AsyncGenerator<Int16Array> {
  let carry: Uint8Array | undefined;
  try {
    for await (const piece of body) {
      const bytes = carry ? Buffer.concat([carry, piece]) : piece;
      const even = bytes.length & ~1;
      carry = even < bytes.length ? bytes.slice(even) : undefined;
      if (even === 0) continue;
      yield pcm16FromBytes(bytes.subarray(0, even));
    }
  } catch (e) {
    throw onError(e);
  }
}
