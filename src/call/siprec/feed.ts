/**
 * A live audio source: frames pushed as the call produces them, read by a media session's clock.
 * The reader never runs dry while the feed is open (silence fills a gap, so the recorded stream
 * stays continuous), and a writer that runs ahead loses its oldest frames past a small queue.
 */
import { FRAME_SAMPLES, type AudioSource, type FrameReader } from '../../media/playout/source.js';

/** 160 ms: more than any jitter between the call's packets and the recording's clock. */
const MAX_FRAMES = 8;

export class LiveFeed implements AudioSource, FrameReader {
  readonly #frames: Int16Array[] = [];
  #ended = false;
  dropped = 0;

  constructor(readonly description: string) {}

  /** A frame of the call (copied; a short one is zero-padded). */
  push(pcm: Int16Array, n = pcm.length): void {
    if (this.#ended) return;
    const f = new Int16Array(FRAME_SAMPLES);
    f.set(pcm.subarray(0, Math.min(n, FRAME_SAMPLES)));
    this.#frames.push(f);
    if (this.#frames.length > MAX_FRAMES) {
      this.#frames.shift();
      this.dropped++;
    }
  }

  /** Ends the stream: the reader returns 0 from now on. */
  end(): void {
    this.#ended = true;
    this.#frames.length = 0;
  }

  open(): Promise<FrameReader> {
    return Promise.resolve(this);
  }

  read(out: Int16Array): number {
    if (this.#ended) return 0;
    const f = this.#frames.shift();
    if (f) out.set(f.subarray(0, out.length));
    else out.fill(0);
    return out.length;
  }
}
