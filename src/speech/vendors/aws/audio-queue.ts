/**
 * The audio side of a streaming request: L16 frames in, batched into events of a set size, handed
 * out as an async iterable the SDK reads (it pulls as fast as the connection takes them).
 */
import { pcm16ToBytes } from '../../../kernel/pcm16.js';

export class AudioQueue<T> implements AsyncIterable<T> {
  readonly #ready: T[] = [];
  #parts: Buffer[] = [];
  #bytes = 0;
  #ended = false;
  #wake: (() => void) | undefined;

  constructor(
    samplesPerEvent: number,
    private readonly wrap: (bytes: Uint8Array) => T,
    private readonly bytesPerEvent = Math.max(2, Math.round(samplesPerEvent) * 2),
  ) {}

  /** Copies the frame; an event is ready once enough audio has gathered. */
  push(frame: Int16Array): void {
    if (this.#ended || frame.length === 0) return;
    this.#parts.push(pcm16ToBytes(frame));
    this.#bytes += frame.length * 2;
    if (this.#bytes >= this.bytesPerEvent) this.#flush();
  }

  /** What has gathered goes out, then the iterable ends. */
  end(): void {
    if (this.#ended) return;
    this.#flush();
    this.#ended = true;
    this.#notify();
  }

  #flush(): void {
    if (this.#bytes === 0) return;
    this.#ready.push(this.wrap(new Uint8Array(Buffer.concat(this.#parts, this.#bytes))));
    this.#parts = [];
    this.#bytes = 0;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const next = this.#ready.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}
