/**
 * A live audio source: frames pushed as the call produces them, read by a media session's clock.
 * The reader never runs dry while the feed is open (silence fills a gap, so the recorded stream
 * stays continuous), and a writer that runs ahead loses its oldest frames past a small queue.
 */
import { FRAME_SAMPLES, type AudioSource, type FrameReader } from '../../media/playout/source.js';

/** 160 ms: more than the jitter between the call's packets and the recording's clock. */
const MAX_FRAMES = 8;

export class LiveFeed implements AudioSource, FrameReader {
  /** A ring of frames, allocated once: pushing and reading a frame is a copy, per packet. */
  readonly #ring = new Int16Array(MAX_FRAMES * FRAME_SAMPLES);
  #head = 0;
  #count = 0;
  #ended = false;
  dropped = 0;

  constructor(readonly description: string) {}

  /** A frame of the call (copied; a short one is zero-padded). */
  push(pcm: Int16Array, n = pcm.length): void {
    if (this.#ended) return;
    if (this.#count === MAX_FRAMES) {
      this.#head = (this.#head + 1) % MAX_FRAMES;
      this.#count--;
      this.dropped++;
    }
    const at = ((this.#head + this.#count) % MAX_FRAMES) * FRAME_SAMPLES;
    const len = Math.min(n, FRAME_SAMPLES);
    this.#ring.set(pcm.subarray(0, len), at);
    this.#ring.fill(0, at + len, at + FRAME_SAMPLES);
    this.#count++;
  }

  /** Ends the stream: the reader returns 0 from now on. */
  end(): void {
    this.#ended = true;
    this.#count = 0;
  }

  open(): Promise<FrameReader> {
    return Promise.resolve(this);
  }

  read(out: Int16Array): number {
    if (this.#ended) return 0;
    if (this.#count === 0) out.fill(0);
    else {
      const at = this.#head * FRAME_SAMPLES;
      out.set(this.#ring.subarray(at, at + Math.min(out.length, FRAME_SAMPLES)));
      this.#head = (this.#head + 1) % MAX_FRAMES;
      this.#count--;
    }
    return out.length;
  }
}
