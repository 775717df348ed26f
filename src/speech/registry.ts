import { TtsError, type TtsAdapter, type TtsRequest, type TtsResult } from './types.js';

/**
 * Vendor name → adapter (DESIGN.md §4.6: callers never branch on a vendor name). Names and
 * aliases are case-insensitive.
 */
export class TtsRegistry {
  readonly #adapters = new Map<string, TtsAdapter>();

  register(adapter: TtsAdapter, aliases: readonly string[] = []): this {
    for (const name of [adapter.vendor, ...aliases]) this.#adapters.set(name.toLowerCase(), adapter);
    return this;
  }

  has(vendor: string): boolean {
    return this.#adapters.has(vendor.toLowerCase());
  }

  /** Throws TtsError TTS_UNKNOWN_VENDOR for a name nobody registered. */
  get(vendor: string): TtsAdapter {
    const a = this.#adapters.get(vendor.toLowerCase());
    if (!a) throw new TtsError('TTS_UNKNOWN_VENDOR', `no TTS adapter for vendor "${vendor}" (have: ${this.vendors().join(', ')})`);
    return a;
  }

  vendors(): string[] {
    return [...this.#adapters.keys()].sort();
  }

  synthesize(vendor: string, req: TtsRequest, signal: AbortSignal): Promise<TtsResult> {
    return this.get(vendor).synthesize(req, signal);
  }
}
