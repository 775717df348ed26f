/**
 * RFC 3711 §3.3.2 replay protection: a sliding window of the last `size` packet indices (at
 * least 64, §3.3.2). Each index is kept in the slot `index mod size`, so a check is two reads
 * and marking one write — no allocation per packet. Indices are up to 48 bits: exact in a double.
 */
export class ReplayWindow {
  readonly #slots: Float64Array;
  #highest = -1;

  constructor(readonly size = 128) {
    this.#slots = new Float64Array(size).fill(-1);
  }

  /** True when `index` is new and not older than the window. */
  accepts(index: number): boolean {
    if (this.#highest >= 0 && index <= this.#highest - this.size) return false;
    return this.#slots[index % this.size] !== index;
  }

  /** Records `index` as received (after it authenticated). */
  mark(index: number): void {
    this.#slots[index % this.size] = index;
    if (index > this.#highest) this.#highest = index;
  }

  reset(): void {
    this.#slots.fill(-1);
    this.#highest = -1;
  }
}
