/**
 * A session's listeners of one kind (decoded audio, DTMF): one that throws is reported and the
 * others still run. Copy-on-write: unsubscribing inside a call skips no one, and a call on the
 * per-packet path allocates nothing.
 */
export class Listeners<A, B = undefined> {
  #list: ReadonlyArray<(a: A, b: B) => void> = [];

  constructor(private readonly onError: (e: unknown) => void) {}

  get size(): number {
    return this.#list.length;
  }

  add(l: (a: A, b: B) => void): () => void {
    this.#list = [...this.#list, l];
    return () => {
      this.#list = this.#list.filter((x) => x !== l);
    };
  }

  emit(a: A, b: B): void {
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      try {
        list[i](a, b);
      } catch (e) {
        this.onError(e);
      }
    }
  }
}
