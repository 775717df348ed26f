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
  /** The stream broke after audio had started; `fallingBack` when `fallback` will take over. */
  readonly onBroken: (f: SpeechFailure) => void;
  /**
   * After a break mid-stream: the fallback vendor's stream of the same text, which plays on from
   * there (the prompt starts again in the fallback's voice), or undefined when there is none.
   * Asked at most once per prompt.
   */
  readonly fallback?: (brokenVendor: string, signal: AbortSignal) => Promise<SynthesisStream | undefined>;
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
  /** A fallback took over mid-prompt. */
  #mixed = false;

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
    void this.#play(it, conv, reader, s, signal, first.done === true);
    return reader;
  }

  /** Pumps the stream; when it breaks and a fallback exists, pumps the fallback's stream after it (once). */
  async #play(it: AsyncIterator<Int16Array>, conv: StreamingRateConverter, reader: StreamingReader, s: SynthesisStream, signal: AbortSignal, done: boolean): Promise<void> {
    const broken = await this.#pump(it, conv, reader, s, signal, done);
    const next = broken && !signal.aborted ? await this.#takeOver(s, broken, signal) : undefined;
    if (next) {
      // Mixed voices are never cached: the prompt's collected audio is dropped.
      this.#mixed = true;
      const nit = next.chunks[Symbol.asyncIterator]();
      await this.#pump(nit, new StreamingRateConverter(next.sampleRate, 8000), reader, next, signal, false);
    }
    reader.ended = true;
    if (this.#mixed || !this.#complete) this.#all = [];
  }

  async #takeOver(s: SynthesisStream, error: SpeechFailure['error'], signal: AbortSignal): Promise<SynthesisStream | undefined> {
    const fallback = this.o.fallback;
    this.o.onBroken({ use: 'tts', vendor: s.vendor, error, fallingBack: fallback !== undefined });
    if (!fallback) return undefined;
    try {
      return await fallback(s.vendor, signal);
    } catch (e) {
      // The fallback's own failure was reported by the speech service; the prompt ends here.
      this.o.logger.debug('the TTS fallback failed too', { err: e instanceof Error ? e : String(e) });
      return undefined;
    }
  }

  /** The full prompt (8 kHz) when every chunk of one vendor arrived, else undefined. */
  collected(): Int16Array | undefined {
    if (!this.#complete || this.#mixed) return undefined;
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

  /** Resolves with the vendor's error when the stream broke, else undefined (finished or aborted). */
  async #pump(it: AsyncIterator<Int16Array>, conv: StreamingRateConverter, reader: StreamingReader, s: SynthesisStream, signal: AbortSignal, done: boolean): Promise<SpeechFailure['error'] | undefined> {
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
      return undefined;
    } catch (e) {
      return signal.aborted ? undefined : asVendorError(e, 'tts', s.vendor);
    } finally {
      if (!done) {
        await it.return?.().catch((e: unknown) => this.o.logger.debug('closing an abandoned TTS stream failed', { err: e instanceof Error ? e : String(e) }));
      }
    }
  }
}
