/**
 * Server nonces for Digest challenges (RFC 7616 §3.3, §3.4; RFC 3261 §22.4; RFC 8760).
 *
 * A nonce is `time.random.mac`: the issue time, random bits and an HMAC over both with a
 * per-store secret, so that a nonce we issued is recognised even after it has been evicted or
 * has expired — and answered with `stale=true` rather than a fresh password prompt (§3.3).
 * The store keeps, per live nonce, the highest nonce-count seen: a repeated or lower `nc` is a
 * replay (§3.4). Entries sit in a Map in issue order, so expiry and size eviction take them off
 * the front: issue and check are O(1) (amortised).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../kernel/clock.js';

/**
 * What a nonce in credentials is worth:
 * - `valid`: ours, fresh, and the nc (if any) is higher than every nc accepted before;
 * - `stale`: ours but expired or evicted — challenge again with `stale=true`;
 * - `unknown`: not one we issued;
 * - `replay`: ours and fresh, but the nc was used already (or is not 8 hex digits).
 */
export type NonceVerdict = 'valid' | 'stale' | 'unknown' | 'replay';

/** What `verifyDigest` needs from a nonce store. */
export interface NonceChecker {
  /** Judges a nonce and nc before the digest is computed; records nothing. */
  check(nonce: string, nc: string | undefined): NonceVerdict;
  /** Records `nc` as used once the digest has verified (so a forged request cannot burn an nc). */
  accept(nonce: string, nc: string | undefined): void;
}

export interface NonceStoreOptions {
  readonly clock: Pick<Clock, 'now'>;
  /** How long a nonce may be used. Default 5 minutes. */
  readonly ttlMs?: number;
  /** Most nonces remembered; the oldest goes first. Default 10,000. */
  readonly maxSize?: number;
  /** HMAC key; random per store by default. */
  readonly secret?: Buffer;
}

/** nc without qop (the RFC 2069 form) makes a nonce single-use. */
const SINGLE_USE_DONE = Number.MAX_SAFE_INTEGER;

/** RFC 7616 §3.4: nc is 8 hex digits. */
function parseNc(nc: string): number | undefined {
  return /^[0-9a-f]{8}$/i.test(nc) ? parseInt(nc, 16) : undefined;
}

export class NonceStore implements NonceChecker {
  private readonly ttl: number;
  private readonly max: number;
  private readonly secret: Buffer;
  /** nonce → issue time and the highest nc accepted (0: none yet), in issue order. */
  private readonly live = new Map<string, { at: number; nc: number }>();

  constructor(private readonly o: NonceStoreOptions) {
    this.ttl = o.ttlMs ?? 5 * 60_000;
    this.max = Math.max(1, o.maxSize ?? 10_000);
    this.secret = o.secret ?? randomBytes(32);
  }

  get size(): number {
    return this.live.size;
  }

  /** A new nonce for a challenge. */
  issue(): string {
    const now = Math.floor(this.o.clock.now());
    this.expire(now);
    while (this.live.size >= this.max) this.dropOldest();
    const body = `${now.toString(36)}.${randomBytes(12).toString('hex')}`;
    const nonce = `${body}.${this.mac(body)}`;
    this.live.set(nonce, { at: now, nc: 0 });
    return nonce;
  }

  check(nonce: string, nc: string | undefined): NonceVerdict {
    const issued = this.issuedAt(nonce);
    if (issued === undefined) return 'unknown';
    const now = Math.floor(this.o.clock.now());
    if (now - issued >= this.ttl) {
      this.live.delete(nonce);
      return 'stale';
    }
    const entry = this.live.get(nonce);
    if (!entry) return 'stale'; // evicted to keep the store bounded
    if (nc === undefined) return entry.nc === 0 ? 'valid' : 'replay';
    const n = parseNc(nc);
    return n !== undefined && n > entry.nc ? 'valid' : 'replay';
  }

  accept(nonce: string, nc: string | undefined): void {
    const entry = this.live.get(nonce);
    if (!entry) return;
    const n = nc === undefined ? SINGLE_USE_DONE : parseNc(nc);
    if (n !== undefined && n > entry.nc) entry.nc = n;
  }

  /** The issue time of a nonce this store made (MAC checked), else undefined. */
  private issuedAt(nonce: string): number | undefined {
    const dot = nonce.lastIndexOf('.');
    if (dot < 0) return undefined;
    const body = nonce.slice(0, dot);
    const got = Buffer.from(nonce.slice(dot + 1));
    const want = Buffer.from(this.mac(body));
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    const at = parseInt(body.slice(0, body.indexOf('.')), 36);
    return Number.isFinite(at) ? at : undefined;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url').slice(0, 22);
  }

  /** Entries are in issue order: expired ones are all at the front. */
  private expire(now: number): void {
    for (const [nonce, e] of this.live) {
      if (now - e.at < this.ttl) return;
      this.live.delete(nonce);
    }
  }

  private dropOldest(): void {
    const oldest = this.live.keys().next();
    if (!oldest.done) this.live.delete(oldest.value);
  }
}
