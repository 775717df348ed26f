/**
 * An on-disk cache in front of any TTS adapter, keyed by SHA-256 of vendor, voice, language and
 * text. Entries are raw 8 kHz s16le files written atomically (temp file + rename).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../kernel/clock.js';
import type { TtsAdapter, TtsRequest, TtsResult } from './types.js';

export interface TtsCacheOptions {
  readonly dir: string;
  readonly clock: Clock;
}

export function ttsCacheKey(vendor: string, req: TtsRequest): string {
  const parts = [vendor.toLowerCase(), req.voice ?? '', req.language ?? '', req.ssml === true ? 'ssml' : '', req.text];
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/** Wraps `inner`; a hit is read from disk, a miss is synthesised and stored. */
export class CachedTtsAdapter implements TtsAdapter {
  readonly vendor: string;
  readonly #inner: TtsAdapter;
  readonly #dir: string;
  readonly #clock: Clock;

  constructor(inner: TtsAdapter, opts: TtsCacheOptions) {
    this.vendor = inner.vendor;
    this.#inner = inner;
    this.#dir = opts.dir;
    this.#clock = opts.clock;
  }

  pathFor(req: TtsRequest): string {
    return join(this.#dir, `${ttsCacheKey(this.vendor, req)}.s16`);
  }

  async synthesize(req: TtsRequest, signal: AbortSignal): Promise<TtsResult> {
    const path = this.pathFor(req);
    const started = this.#clock.now();
    const hit = await readFile(path).catch(() => null);
    if (hit && hit.length % 2 === 0) {
      const samples = new Int16Array(hit.length >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = hit.readInt16LE(2 * i);
      return { samples, sampleRate: 8000, vendor: this.vendor, firstAudioMs: this.#clock.now() - started, cached: true };
    }
    const result = await this.#inner.synthesize(req, signal);
    await mkdir(this.#dir, { recursive: true });
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    const bytes = Buffer.alloc(result.samples.length * 2);
    for (let i = 0; i < result.samples.length; i++) bytes.writeInt16LE(result.samples[i], 2 * i);
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    return result;
  }
}
