export { TtsError, type TtsAdapter, type TtsErrorCode, type TtsRequest, type TtsResult } from './types.js';
export { TtsRegistry } from './registry.js';
export { EspeakAdapter, readStreamedWav, type EspeakOptions } from './espeak.js';
export { CachedTtsAdapter, ttsCacheKey, type TtsCacheOptions } from './cache.js';
export { isSsml, parseSsml, toEspeakSsml, type SsmlPart } from './ssml.js';
export { RateConverter } from './resample.js';
import type { Clock } from '../kernel/clock.js';
import { CachedTtsAdapter } from './cache.js';
import { EspeakAdapter } from './espeak.js';
import { TtsRegistry } from './registry.js';

/** The default registry: espeak-ng (alias `espeak`), cached under `cacheDir` when given. */
export function createDefaultTtsRegistry(opts: { readonly clock: Clock; readonly cacheDir?: string }): TtsRegistry {
  const espeak = new EspeakAdapter({ clock: opts.clock });
  const adapter = opts.cacheDir ? new CachedTtsAdapter(espeak, { dir: opts.cacheDir, clock: opts.clock }) : espeak;
  return new TtsRegistry().register(adapter, ['espeak']);
}
