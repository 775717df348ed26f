/**
 * Many small audio items in one thread message: four numbers per item in `meta` (the last is the
 * item's sample count) and the samples back to back in `pcm`. Sent with both buffers
 * transferred, so a batch of a thousand frames costs one message and no per-item objects.
 */
export interface Packed {
  readonly meta: Uint32Array;
  readonly pcm: Int16Array;
}

export class PackedBuilder {
  #meta = new Uint32Array(4 * 64);
  #pcm = new Int16Array(160 * 64);
  #items = 0;
  #samples = 0;

  get size(): number {
    return this.#items;
  }

  /** Appends one item: three numbers, then the first `n` of `samples` (n is the fourth). */
  add(a: number, b: number, c: number, samples: Int16Array, n = samples.length): void {
    const at = this.#items * 4;
    if (at + 4 > this.#meta.length) this.#meta = grow(this.#meta, this.#meta.length * 2);
    if (this.#samples + n > this.#pcm.length) this.#pcm = grow(this.#pcm, Math.max(this.#pcm.length * 2, this.#samples + n));
    this.#meta[at] = a;
    this.#meta[at + 1] = b;
    this.#meta[at + 2] = c;
    this.#meta[at + 3] = n;
    // A loop, not set(subarray): no view allocated per item (this runs per received frame).
    const pcm = this.#pcm;
    for (let i = 0, j = this.#samples; i < n; i++, j++) pcm[j] = samples[i];
    this.#items++;
    this.#samples += n;
  }

  /** The items so far as exact-length copies (to transfer); the builder starts over. */
  take(): { meta: Uint32Array<ArrayBuffer>; pcm: Int16Array<ArrayBuffer> } {
    const out = { meta: this.#meta.slice(0, this.#items * 4), pcm: this.#pcm.slice(0, this.#samples) };
    this.#items = 0;
    this.#samples = 0;
    return out;
  }
}

/** Calls `fn` with each item's three numbers and where its samples are in `p.pcm`. */
export function forEachPacked(p: Packed, fn: (a: number, b: number, c: number, offset: number, n: number) => void): void {
  for (let i = 0, at = 0; i < p.meta.length; i += 4) {
    const n = p.meta[i + 3];
    fn(p.meta[i], p.meta[i + 1], p.meta[i + 2], at, n);
    at += n;
  }
}

function grow<T extends Uint32Array<ArrayBuffer> | Int16Array<ArrayBuffer>>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}
