/**
 * An on-disk cache in front of any TTS adapter, keyed by SHA-256 of vendor, voice, language and
 * text. Entries are raw 8 kHz s16le files written atomically (temp file + rename).
 *
 * The cache is bounded by the total size of its files (`maxBytes`): an in-memory index in
 * least-recently-used order, built from the directory (by file mtime) on first use, decides
 * what to evict. A hit moves its entry to the end and touches the file's mtime, so the order
 * survives a restart. All file work is asynchronous (fs/promises). The most recently used
 * entries (`memoryBytes`) are also kept in memory, so a hit on a prompt in use needs no file
 * read: a cached prompt's audio is there within the same turn of the event loop (issue 14).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import { pcm16FromBytes, pcm16ToBytes } from '../kernel/pcm16.js';
import { nullLogger, type Logger } from '../kernel/logger.js';
import type { TtsAdapter, TtsRequest, TtsResult } from './types.js';

/** Default bound on the cache's files: 256 MiB (about 4.6 hours of 8 kHz speech). */
export const TTS_CACHE_MAX_BYTES = 256 * 1024 * 1024;
/** Default bound on the entries also held in memory: 16 MiB (about 17 minutes of 8 kHz speech). */
export const TTS_CACHE_MEMORY_BYTES = 16 * 1024 * 1024;
const SUFFIX = '.s16';

export interface TtsCacheOptions {
  readonly dir: string;
  readonly clock: Clock;
  /** Total size of the cached files; least recently used files are deleted beyond it. */
  readonly maxBytes?: number;
  /** Total size of the most recently used entries also kept in memory (0: none). */
  readonly memoryBytes?: number;
  readonly logger?: Logger;
}

export function ttsCacheKey(vendor: string, req: TtsRequest): string {
  const parts = [vendor.toLowerCase(), req.voice ?? '', req.language ?? '', req.ssml === true ? 'ssml' : '', req.text];
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException | null)?.code === 'ENOENT';

/**
 * The store: 8 kHz s16le files under `dir`, one per key, bounded by `maxBytes`. Shared by the
 * espeak adapter (`CachedTtsAdapter`) and the cloud-vendor path of a call, which writes an entry
 * after playback from the audio it collected (issue 14).
 */
export class TtsCache {
  readonly #dir: string;
  readonly clock: Clock;
  readonly #maxBytes: number;
  readonly #logger: Logger;
  /** File name → size, least recently used first (a Map keeps insertion order). */
  readonly #index = new Map<string, number>();
  #bytes = 0;
  /** Files being written, served from memory until they are on disk. */
  readonly #writing = new Map<string, { readonly samples: Int16Array; readonly done: Promise<void> }>();
  /** File name → audio of entries on disk, least recently used first, bounded by `#memoryMax`. */
  readonly #recent = new Map<string, Int16Array>();
  #recentBytes = 0;
  readonly #memoryMax: number;
  #ready: Promise<void> | null = null;

  constructor(opts: TtsCacheOptions) {
    this.#dir = opts.dir;
    this.clock = opts.clock;
    this.#maxBytes = opts.maxBytes ?? TTS_CACHE_MAX_BYTES;
    this.#memoryMax = opts.memoryBytes ?? TTS_CACHE_MEMORY_BYTES;
    this.#logger = opts.logger ?? nullLogger;
  }

  /** Settles when every cache file written so far is on disk. */
  async idle(): Promise<void> {
    await Promise.all([...this.#writing.values()].map((w) => w.done));
  }

  /** Total size of the files the cache holds (once it has been used). */
  get sizeBytes(): number {
    return this.#bytes;
  }

  pathFor(vendor: string, req: TtsRequest): string {
    return join(this.#dir, `${ttsCacheKey(vendor, req)}${SUFFIX}`);
  }

  /** The cached 8 kHz audio, or null on a miss. A recent entry answers without waiting for any I/O. */
  async get(vendor: string, req: TtsRequest): Promise<Int16Array | null> {
    const name = `${ttsCacheKey(vendor, req)}${SUFFIX}`;
    const path = join(this.#dir, name);
    const writing = this.#writing.get(name);
    if (writing) return writing.samples;
    const recent = this.#recent.get(name);
    if (recent) {
      this.#remember(name, recent);
      this.#touch(name, path);
      return recent;
    }
    await (this.#ready ??= this.#loadIndex());
    const hit = await this.#read(path);
    if (!hit || hit.length % 2 !== 0) return null;
    const samples = pcm16FromBytes(hit);
    // Only what the index holds (not a file that appeared behind its back) is kept in memory.
    if (this.#index.has(name)) this.#remember(name, samples);
    this.#touch(name, path);
    return samples;
  }

  /** Stores `samples` (8 kHz) behind the caller's back: served from memory until on disk. */
  put(vendor: string, req: TtsRequest, samples: Int16Array): void {
    const name = `${ttsCacheKey(vendor, req)}${SUFFIX}`;
    const path = join(this.#dir, name);
    const write = (this.#ready ??= this.#loadIndex())
      .then(() => this.#store(name, path, samples))
      .catch((e: unknown) => this.#logger.warn('TTS cache write failed', { err: e instanceof Error ? e : String(e), path }))
      .finally(() => this.#writing.delete(name));
    this.#writing.set(name, { samples, done: write });
  }

  async #read(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch (e) {
      if (!isMissing(e)) this.#logger.warn('TTS cache read failed; synthesising again', { err: e instanceof Error ? e : String(e), path });
      return null;
    }
  }

  async #store(name: string, path: string, samples: Int16Array): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    const bytes = pcm16ToBytes(samples);
    await writeFile(tmp, bytes);
    await rename(tmp, path);
    this.#forget(name);
    this.#index.set(name, bytes.length);
    this.#bytes += bytes.length;
    this.#remember(name, samples);
    await this.#evict();
  }

  /** Most recently used in memory; the least recently used go beyond `#memoryMax`. */
  #remember(name: string, samples: Int16Array): void {
    this.#drop(name);
    if (samples.byteLength > this.#memoryMax) return;
    this.#recent.set(name, samples);
    this.#recentBytes += samples.byteLength;
    for (const [old, s] of this.#recent) {
      if (this.#recentBytes <= this.#memoryMax) break;
      this.#recent.delete(old);
      this.#recentBytes -= s.byteLength;
    }
  }

  #drop(name: string): void {
    const s = this.#recent.get(name);
    if (!s) return;
    this.#recent.delete(name);
    this.#recentBytes -= s.byteLength;
  }

  /** Most recently used now: last in the index, and the file's mtime (for the next start). */
  #touch(name: string, path: string): void {
    const size = this.#index.get(name);
    if (size !== undefined) {
      this.#index.delete(name);
      this.#index.set(name, size);
    }
    const now = new Date(this.clock.wallNow());
    detach(this.#logger, 'TTS cache touch', utimes(path, now, now).catch((e: unknown) => {
      if (!isMissing(e)) throw e;
    }));
  }

  #forget(name: string): void {
    this.#drop(name);
    const size = this.#index.get(name);
    if (size === undefined) return;
    this.#index.delete(name);
    this.#bytes -= size;
  }

  /** Deletes least recently used files until the total fits `maxBytes`. */
  async #evict(): Promise<void> {
    const victims: string[] = [];
    for (const [name] of this.#index) {
      if (this.#bytes <= this.#maxBytes) break;
      victims.push(name);
      this.#forget(name);
    }
    await Promise.all(victims.map(async (name) => {
      try {
        await unlink(join(this.#dir, name));
      } catch (e) {
        if (!isMissing(e)) this.#logger.warn('TTS cache eviction failed', { err: e instanceof Error ? e : String(e), file: name });
      }
    }));
  }

  /** The index from the directory: entries by mtime, oldest first; leftover temp files removed. */
  async #loadIndex(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (e) {
      if (!isMissing(e)) this.#logger.warn('TTS cache directory unreadable', { err: e instanceof Error ? e : String(e), dir: this.#dir });
      return;
    }
    const entries: Array<{ name: string; size: number; mtime: number }> = [];
    for (const name of names) {
      const path = join(this.#dir, name);
      try {
        if (name.endsWith('.tmp')) await unlink(path);
        else if (name.endsWith(SUFFIX)) {
          const st = await stat(path);
          entries.push({ name, size: st.size, mtime: st.mtimeMs });
        }
      } catch (e) {
        if (!isMissing(e)) this.#logger.warn('TTS cache entry skipped', { err: e instanceof Error ? e : String(e), file: name });
      }
    }
    entries.sort((a, b) => a.mtime - b.mtime);
    for (const e of entries) {
      this.#index.set(e.name, e.size);
      this.#bytes += e.size;
    }
    await this.#evict();
  }
}

/** Wraps `inner`; a hit is read from disk, a miss is synthesised and stored. */
export class CachedTtsAdapter implements TtsAdapter {
  readonly vendor: string;
  readonly #inner: TtsAdapter;
  readonly #clock: Clock;
  readonly cache: TtsCache;

  /** `opts` makes a cache of its own; a `TtsCache` shares one (e.g. with the cloud voices). */
  constructor(inner: TtsAdapter, opts: TtsCacheOptions | TtsCache) {
    this.vendor = inner.vendor;
    this.#inner = inner;
    this.cache = opts instanceof TtsCache ? opts : new TtsCache(opts);
    this.#clock = opts.clock;
  }

  idle(): Promise<void> {
    return this.cache.idle();
  }

  get sizeBytes(): number {
    return this.cache.sizeBytes;
  }

  pathFor(req: TtsRequest): string {
    return this.cache.pathFor(this.vendor, req);
  }

  async synthesize(req: TtsRequest, signal: AbortSignal): Promise<TtsResult> {
    const started = this.#clock.now();
    const hit = await this.cache.get(this.vendor, req);
    if (hit) return { samples: hit, sampleRate: 8000, vendor: this.vendor, firstAudioMs: this.#clock.now() - started, cached: true };
    const result = await this.#inner.synthesize(req, signal);
    // The audio is played at once; the cache file is written behind it.
    this.cache.put(this.vendor, req, result.samples);
    return result;
  }
}
