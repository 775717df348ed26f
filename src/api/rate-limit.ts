import type { Clock } from '../kernel/clock.js';

/** Opt-in per-key limit: a token bucket of `burst` requests refilled at `perSecond`. */
export interface RateLimitOptions {
  readonly perSecond: number;
  readonly burst: number;
}

export interface RateLimiter {
  /** 0 if the request may go ahead, else the milliseconds until it could. */
  take(key: string): number;
}

export function createRateLimiter(opts: RateLimitOptions, clock: Clock): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const now = clock.now();
      const b = buckets.get(key) ?? { tokens: opts.burst, at: now };
      b.tokens = Math.min(opts.burst, b.tokens + ((now - b.at) / 1000) * opts.perSecond);
      b.at = now;
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return ((1 - b.tokens) / opts.perSecond) * 1000;
    },
  };
}
