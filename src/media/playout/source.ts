/**
 * Audio sources: anything that can be opened into a reader of 8 kHz mono 20 ms frames. Opening
 * may be slow (fetch, synthesis, decoding); reading a frame is a copy into the caller's array.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { MediaSourceError } from './errors.js';
import { RateConverter } from '../../kernel/resample.js';
import { decodeRawYielding, decodeWavYielding, type RawFormat } from './wav.js';

export const SAMPLE_RATE = 8000;
export const FRAME_SAMPLES = 160;

/** Pull reader of frames; owned by one playback. */
export interface FrameReader {
  /**
   * Copies the next frame into `out` (FRAME_SAMPLES long) and returns how many samples were real
   * audio; the rest is zero-filled. 0 means the source has ended.
   */
  read(out: Int16Array): number;
  /** Total length in samples, when known. */
  readonly totalSamples?: number;
}

export interface AudioSource {
  /** For logs and PlayResult. */
  readonly description: string;
  open(signal: AbortSignal): Promise<FrameReader>;
}

/** Reads frames out of a PCM buffer. */
export class PcmReader implements FrameReader {
  #pos = 0;
  constructor(private readonly pcm: Int16Array) {}
  get totalSamples(): number {
    return this.pcm.length;
  }
  read(out: Int16Array): number {
    const n = Math.min(out.length, this.pcm.length - this.#pos);
    if (n <= 0) return 0;
    out.set(this.pcm.subarray(this.#pos, this.#pos + n));
    if (n < out.length) out.fill(0, n);
    this.#pos += n;
    return n;
  }
}

/** 8 kHz PCM already in memory. */
export function pcmSource(pcm: Int16Array, description = 'pcm'): AudioSource {
  return { description, open: () => Promise.resolve(new PcmReader(pcm)) };
}

/** `ms` of silence. */
export function silenceSource(ms: number): AudioSource {
  return pcmSource(new Int16Array(Math.round((ms * SAMPLE_RATE) / 1000)), `silence:${ms}ms`);
}

/** Loaded on open by `load` (TTS, a decoder…), which yields audio at any rate. */
export function lazyPcmSource(
  description: string,
  load: (signal: AbortSignal) => Promise<{ readonly samples: Int16Array; readonly sampleRate: number }>,
): AudioSource {
  return {
    description,
    async open(signal) {
      const a = await load(signal);
      return new PcmReader(await new RateConverter(a.sampleRate, SAMPLE_RATE).convertYielding(a.samples));
    },
  };
}

export interface FileSourceOptions {
  /** Overrides the guess from the extension. */
  readonly format?: 'wav' | RawFormat;
  /** For raw formats. */
  readonly sampleRate?: number;
}

const RAW_EXT: Readonly<Record<string, RawFormat>> = {
  '.ulaw': 'ulaw', '.mulaw': 'ulaw', '.ul': 'ulaw', '.pcmu': 'ulaw', '.u8': 'ulaw',
  '.alaw': 'alaw', '.al': 'alaw', '.pcma': 'alaw', '.l16': 'l16', '.sln': 's16le', '.raw': 's16le',
};

/** A WAV or raw audio file on disk, decoded and resampled to 8 kHz when opened. */
export function fileSource(path: string, opts: FileSourceOptions = {}): AudioSource {
  return {
    description: `file:${path}`,
    async open(signal) {
      const buf = await readFile(path, { signal }).catch((e: unknown) => {
        throw new MediaSourceError('MEDIA_SOURCE_FAILED', `cannot read ${path}`, { cause: e });
      });
      const ext = extname(path).toLowerCase();
      const format = opts.format ?? (ext === '.wav' || ext === '.wave' ? 'wav' : RAW_EXT[ext]);
      if (format === undefined) throw new MediaSourceError('MEDIA_UNSUPPORTED_FORMAT', `unknown audio file type: ${path}`);
      return new PcmReader(format === 'wav' ? await decodeWavYielding(buf) : await decodeRawYielding(buf, format, opts.sampleRate));
    },
  };
}

/** Several sources played one after the other (each opened when the previous ends). */
export function sequenceSource(parts: readonly AudioSource[]): AudioSource {
  return {
    description: parts.map((p) => p.description).join(' + '),
    async open(signal) {
      const readers = await Promise.all(parts.map((p) => p.open(signal)));
      let i = 0;
      const total = readers.reduce((a, r) => a + (r.totalSamples ?? 0), 0);
      return {
        totalSamples: total,
        read(out: Int16Array): number {
          while (i < readers.length) {
            const n = readers[i].read(out);
            if (n > 0) return n;
            i++;
          }
          return 0;
        },
      };
    },
  };
}
