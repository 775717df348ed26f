export { TtsError, type TtsAdapter, type TtsErrorCode, type TtsRequest, type TtsResult } from './types.js';
export { TtsRegistry } from './registry.js';
export { EspeakAdapter, readStreamedWav, type EspeakOptions } from './espeak.js';
export { CachedTtsAdapter, TtsCache, TTS_CACHE_MAX_BYTES, TTS_CACHE_MEMORY_BYTES, ttsCacheKey, type TtsCacheOptions } from './cache.js';
export { isSsml, parseSsml, toEspeakSsml, type SsmlPart } from './ssml.js';
export { RateConverter, StreamingRateConverter } from '../kernel/resample.js';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { CachedTtsAdapter, TtsCache } from './cache.js';
import { EspeakAdapter } from './espeak.js';
import { TtsRegistry } from './registry.js';

export interface DefaultTtsRegistryOptions {
  readonly clock: Clock;
  readonly cacheDir?: string;
  /** Bound on the cache's files (default `TTS_CACHE_MAX_BYTES`, 256 MiB). */
  readonly cacheMaxBytes?: number;
  readonly logger?: Logger;
  /** A cache shared with the cloud voices (issue 14); takes the place of `cacheDir`. */
  readonly cache?: TtsCache;
}

/** The default registry: espeak-ng (alias `espeak`), cached under `cacheDir` when given. */
export function createDefaultTtsRegistry(opts: DefaultTtsRegistryOptions): TtsRegistry {
  const espeak = new EspeakAdapter({});
  const adapter = opts.cache
    ? new CachedTtsAdapter(espeak, opts.cache)
    : opts.cacheDir
    ? new CachedTtsAdapter(espeak, { dir: opts.cacheDir, clock: opts.clock, maxBytes: opts.cacheMaxBytes, logger: opts.logger })
    : espeak;
  return new TtsRegistry().register(adapter, ['espeak']);
}
export {
  baseVendor,
  SpeechVendorError,
  SpeechVendors,
  SttError,
  TtsVendorError,
  type CredentialTester,
  type CredentialTestResult,
  type RecognizeRequest,
  type RecognizerStream,
  type SpeechCredential,
  type SpeechCredentialLookup,
  type SpeechUse,
  type SpeechVendorErrorCode,
  type SttAlternative,
  type SttEvent,
  type SttVendor,
  type SynthesizeRequest,
  type SynthesizedAudio,
  type TtsVendor,
  type VendorContext,
} from './vendor.js';
export { createSpeechVendors } from './vendors/index.js';
export { SpeechService, type SpeechServiceOptions, type SynthesisStream } from './service.js';
export { asVendorError, attemptsOf, type SpeechAttempt, type SpeechFailure, type SpeechSpec } from './service-common.js';
export { RecognitionSession, type RecognitionEvent, type RecognitionOptions } from './service-stt.js';
