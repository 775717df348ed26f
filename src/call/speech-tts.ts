/**
 * Cloud TTS on a call (issue 14): the vendor's audio plays as it arrives. The source opens when
 * the first chunk is in (or the cache answered); later chunks are resampled to 8 kHz as they
 * come, and an underrun plays silence until more arrives or the stream ends. The whole prompt is
 * collected for the TTS cache, written after playback.
 */
import type { FrameReader } from '../media/index.js';
import type { Logger } from '../kernel/logger.js';
import { asVendorError, StreamingRateConverter, type SpeechFailure, type SynthesisStream } from '../speech/index.js';

export interface StreamSourceOptions {
  readonly description: string;
  readonly open: (signal: AbortSignal) => Promise<SynthesisStream>;
  /** The stream broke after audio had started (no fallback then: the prompt ends early). */
  readonly onBroken: (f: SpeechFailure) => void;
  /** Called with the stream's metadata once its first audio is in. */
  readonly onFirstAudio: (s: SynthesisStream) => void;
  readonly logger: Logger;
}

/** A reader over segments that arrive later; `read` never waits. */
class StreamingReader implements FrameReader {
  readonly #segments: Int16Array[] = [];
  #offset = 0;
  #available = 0;
  ended = false;

  append(samples: Int16Array): void {
    if (samples.length === 0) return;
    this.#segments.push(samples);
    this.#available += samples.length;
  }

  read(out: Int16Array): number {
    if (this.#available === 0) {
      if (this.ended) return 0;
      out.fill(0);
      return out.length;
    }
    let n = 0;
    while (n < out.length && this.#segments.length > 0) {
      const seg = this.#segments[0];
      const take = Math.min(out.length - n, seg.length - this.#offset);
      out.set(seg.subarray(this.#offset, this.#offset + take), n);
      n += take;
      this.#offset += take;
      if (this.#offset === seg.length) {
        this.#segments.shift();
        this.#offset = 0;
      }
    }
    this.#available -= n;
    // Underrun within a frame: the rest is silence; at the end, the last partial frame.
    if (n < out.length) out.fill(0, n);
    return this.ended && this.#available === 0 ? n : out.length;
  }
}

/** The vendor's stream as an AudioSource; `collected()` is the whole 8 kHz prompt once it fully arrived. */
export class TtsStreamSource {
  readonly description: string;
  #all: Int16Array[] = [];
  #complete = false;

  constructor(private readonly o: StreamSourceOptions) {
    this.description = o.description;
  }

  async open(signal: AbortSignal): Promise<FrameReader> {
    const s = await this.o.open(signal);
    this.o.onFirstAudio(s);
    const conv = new StreamingRateConverter(s.sampleRate, 8000);
    const reader = new StreamingReader();
    const it = s.chunks[Symbol.asyncIterator]();
    const first = await it.next();
    if (!first.done) this.#add(reader, conv.push(first.value));
    void this.#pump(it, conv, reader, s, signal, first.done === true);
    return reader;
  }

  /** The full prompt (8 kHz) when every chunk arrived, else undefined. */
  collected(): Int16Array | undefined {
    if (!this.#complete) return undefined;
    const total = this.#all.reduce((a, p) => a + p.length, 0);
    const out = new Int16Array(total);
    let off = 0;
    for (const p of this.#all) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }

  #add(reader: StreamingReader, samples: Int16Array): void {
    reader.append(samples);
    this.#all.push(samples);
  }

  async #pump(it: AsyncIterator<Int16Array>, conv: StreamingRateConverter, reader: StreamingReader, s: SynthesisStream, signal: AbortSignal, done: boolean): Promise<void> {
    try {
      while (!done && !signal.aborted) {
        const r = await it.next();
        if (r.done) done = true;
        else this.#add(reader, conv.push(r.value));
      }
      if (done) {
        this.#add(reader, conv.flush());
        this.#complete = true;
      }
    } catch (e) {
      if (!signal.aborted) this.o.onBroken({ use: 'tts', vendor: s.vendor, error: asVendorError(e, 'tts', s.vendor), fallingBack: false });
    } finally {
      reader.ended = true;
      if (!done) {
        await it.return?.().catch((e: unknown) => this.o.logger.debug('closing an abandoned TTS stream failed', { err: e instanceof Error ? e : String(e) }));
      }
      this.#all = this.#complete ? this.#all : [];
    }
  }
}
