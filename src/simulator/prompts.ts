/**
 * What the simulated callees say: the human's "Hello?" and the voicemail greeting, synthesised by
 * espeak-ng once per process (and cached on disk), trimmed of the synthesiser's own leading and
 * trailing silence so that timings are ours; the beep comes from a bundled WAV. When synthesis
 * fails (no espeak-ng), bundled recordings stand in so the simulator still answers with speech.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { decodeWav } from '../media/index.js';
import { CachedTtsAdapter, EspeakAdapter, type TtsRequest, type TtsResult } from '../speech/index.js';
import { SimulatorError } from './errors.js';

/** Anything that turns text into 8 kHz speech: a TtsAdapter, or `registry.get('espeak')`. */
export interface SimulatorTts {
  synthesize(req: TtsRequest, signal: AbortSignal): Promise<TtsResult>;
}

export const HELLO_TEXT = 'Hello?';
export const VOICEMAIL_TEXT =
  "Hi, you have reached the voicemail of Sara Doe. I can't take your call right now. Please leave your name, number and a short message after the tone.";
/** espeak-ng rate that makes the greeting about 6 s long. */
export const SIMULATOR_WORDS_PER_MINUTE = 230;
/** `<repo>/assets/simulator/`, the same from `src/simulator` and `dist/simulator`. */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../assets/simulator/', import.meta.url));

const SAMPLES_PER_MS = 8;
/** |sample| under this counts as the synthesiser's silence when trimming. */
const TRIM_LEVEL = 200;

export interface PromptOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where the default espeak-ng cache lives when `tts` is not given. */
  readonly cacheDir: string;
  readonly tts?: SimulatorTts;
  readonly assetsDir?: string;
}

/** Leading and trailing near-silence removed, keeping `marginMs` at the end. */
export function trimSilence(pcm: Int16Array, marginMs = 20): Int16Array {
  let start = 0;
  while (start < pcm.length && Math.abs(pcm[start]) < TRIM_LEVEL) start++;
  let end = pcm.length;
  while (end > start && Math.abs(pcm[end - 1]) < TRIM_LEVEL) end--;
  return pcm.slice(start, Math.min(pcm.length, end + marginMs * SAMPLES_PER_MS));
}

export function silence(ms: number): Int16Array {
  return new Int16Array(ms * SAMPLES_PER_MS);
}

export function concatPcm(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The callee's audio, each prompt built at most once per process (a failed build is retried). */
export class SimulatorPrompts {
  readonly #o: PromptOptions;
  readonly #tts: SimulatorTts;
  readonly #assets: string;
  readonly #memo = new Map<string, Promise<Int16Array>>();

  constructor(o: PromptOptions) {
    this.#o = o;
    this.#assets = o.assetsDir ?? DEFAULT_ASSETS_DIR;
    this.#tts = o.tts ?? new CachedTtsAdapter(new EspeakAdapter({ wordsPerMinute: SIMULATOR_WORDS_PER_MINUTE }), { dir: o.cacheDir, clock: o.clock });
  }

  /** The human's "Hello?" (no leading silence: the caller adds it). */
  hello(): Promise<Int16Array> {
    return this.#once('hello', () => this.#speech(HELLO_TEXT, 'hello_8k.wav'));
  }

  /** The voicemail greeting, `gapMs` of silence, then the 1 kHz beep. */
  voicemail(gapMs = 300): Promise<Int16Array> {
    return this.#once(`voicemail:${gapMs}`, async () => {
      const greeting = await this.#speech(VOICEMAIL_TEXT, null);
      if (!greeting) return this.#asset('vm_greeting_beep_8k.wav');
      return concatPcm([greeting, silence(gapMs), await this.beep()]);
    });
  }

  beep(): Promise<Int16Array> {
    return this.#once('beep', () => this.#asset('beep_1000hz_500ms_8k.wav'));
  }

  /** Starts building every prompt so the first call does not wait; failures are only logged. */
  warm(): void {
    for (const p of [this.hello(), this.voicemail()]) {
      p.catch((e: unknown) => this.#o.logger.warn('simulator prompt unavailable', { err: e instanceof Error ? e : String(e) }));
    }
  }

  #once(key: string, build: () => Promise<Int16Array>): Promise<Int16Array> {
    let p = this.#memo.get(key);
    if (!p) {
      p = build();
      this.#memo.set(key, p);
      p.catch(() => this.#memo.delete(key));
    }
    return p;
  }

  /** Synthesised and trimmed; on failure the fallback asset, or null when there is none. */
  async #speech(text: string, fallback: string): Promise<Int16Array>;
  async #speech(text: string, fallback: null): Promise<Int16Array | null>;
  async #speech(text: string, fallback: string | null): Promise<Int16Array | null> {
    try {
      const r = await this.#tts.synthesize({ text }, new AbortController().signal);
      const pcm = trimSilence(r.samples);
      if (pcm.length === 0) throw new SimulatorError('SIMULATOR_PROMPT_FAILED', `TTS returned silence for "${text}"`);
      return pcm;
    } catch (e) {
      this.#o.logger.warn('simulator TTS failed; using the bundled recording', { text, err: e instanceof Error ? e : String(e) });
      return fallback === null ? null : this.#asset(fallback);
    }
  }

  async #asset(name: string): Promise<Int16Array> {
    const path = join(this.#assets, name);
    const buf = await readFile(path).catch((e: unknown) => {
      throw new SimulatorError('SIMULATOR_ASSET_MISSING', `cannot read simulator audio ${path}`, { cause: e });
    });
    return decodeWav(buf);
  }
}
