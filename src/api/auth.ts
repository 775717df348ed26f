import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { Clock } from '../kernel/clock.js';
import { detach } from '../kernel/detached.js';
import type { Logger } from '../kernel/logger.js';
import { hashToken, type Account, type ApiKeyScope, type Store } from '../store/index.js';
import { ApiError, forbidden, notFound } from './errors.js';
import { createRateLimiter, type RateLimitOptions } from './rate-limit.js';
import { forwardedBy, type ClusterPeers } from './cluster-peers.js';

/** Who is calling: what `Authorization: Bearer <key>` resolved to. */
export interface AuthContext {
  readonly scope: ApiKeyScope;
  /** Set for account keys: the only account they may touch. */
  readonly accountSid?: string;
  readonly keySid: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the authenticator on every /v1 route; read it through `getAuth`. */
    auth: AuthContext | undefined;
  }
}

export interface AuthOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Off unless given (issue 4, acceptance 6). */
  readonly rateLimit?: RateLimitOptions;
  /** Issue 16: a cluster node checks forwarded requests' signatures and shares the rate limit with the other nodes. */
  readonly cluster?: ClusterPeers;
}

/** `last_used` is written at most once a minute per key so that authenticated reads stay reads. */
const LAST_USED_EVERY_MS = 60_000;
const BEARER = /^Bearer +([\x21-\x7e]{1,512}) *$/i;

const unauthorized = (): ApiError => new ApiError(401, 'unauthorized');

/**
 * The onRequest hook that authenticates every request of the context it is added to. The key is
 * hashed and looked up (one indexed read); expired and revoked keys get 401.
 */
export function createAuthenticator(opts: AuthOptions): onRequestHookHandler {
  const { store, clock, logger } = opts;
  const touched = new Map<string, number>();
  const { rateLimit, cluster } = opts;
  const limiter = rateLimit ? createRateLimiter(rateLimit, clock) : undefined;
  // One bucket per key for the whole cluster; a node's own bucket otherwise.
  const wait = (keySid: string): number | Promise<number> => (cluster && rateLimit ? cluster.takeToken(`api:${keySid}`, rateLimit.perSecond, rateLimit.burst) : limiter?.take(keySid) ?? 0);
  return async (req) => {
    const m = BEARER.exec(req.headers.authorization ?? '');
    if (!m) throw unauthorized();
    const now = clock.wallNow();
    // Issue 16: a request another node forwarded was authenticated and charged to the key's rate limit there.
    const forwarded = cluster ? await forwardedBy(req, cluster, now) : undefined;
    req.forwardedBy = forwarded?.node;
    if (forwarded?.auth) {
      req.auth = forwarded.auth;
      return;
    }
    const key = await store.apiKeys.findByTokenHash(hashToken(m[1]));
    if (!key || (key.expires_at !== null && Date.parse(key.expires_at) <= now)) throw unauthorized();
    if (req.forwardedBy === undefined) {
      const waitSeconds = Math.ceil((await wait(key.api_key_sid)) / 1000);
      if (waitSeconds > 0) throw new ApiError(429, `rate limit exceeded; retry in ${waitSeconds} s`, undefined, waitSeconds);
    }
    const last = touched.get(key.api_key_sid) ?? (key.last_used ? Date.parse(key.last_used) : -Infinity);
    if (now - last >= LAST_USED_EVERY_MS) {
      touched.set(key.api_key_sid, now);
      detach(logger, 'api key last_used update', store.apiKeys.touchLastUsed(key.api_key_sid, new Date(now).toISOString()));
    }
    req.auth = key.account_sid === null ? { scope: 'admin', keySid: key.api_key_sid } : { scope: 'account', accountSid: key.account_sid, keySid: key.api_key_sid };
  };
}

/** The caller of an authenticated route (401 if the route was not behind the authenticator). */
export function getAuth(req: FastifyRequest): AuthContext {
  if (!req.auth) throw unauthorized();
  return req.auth;
}

export function requireAdmin(auth: AuthContext): void {
  if (auth.scope !== 'admin') throw forbidden('an admin key is required');
}

/** 403 when an account key reaches for another account (contract §7.1 answers the same). */
export function assertAccountAccess(auth: AuthContext, accountSid: string): void {
  if (auth.scope === 'account' && auth.accountSid !== accountSid) throw forbidden();
}

/**
 * For `/Accounts/{account_sid}/…` routes (and the Calls plugin): the account, once the caller
 * may touch it — 403 for another tenant's account, 404 for an unknown one.
 */
export async function accountForRequest(req: FastifyRequest, store: Store, accountSid: string): Promise<Account> {
  assertAccountAccess(getAuth(req), accountSid);
  const account = await store.accounts.get(accountSid);
  if (!account) throw notFound('account');
  return account;
}

/**
 * The account a resource request is confined to: the path's (checked), else an account key's
 * own; undefined means an admin acting across accounts.
 */
export async function scopeAccount(req: FastifyRequest, store: Store, pathAccountSid: string | undefined): Promise<string | undefined> {
  const auth = getAuth(req);
  if (pathAccountSid !== undefined) return (await accountForRequest(req, store, pathAccountSid)).account_sid;
  return auth.scope === 'account' ? auth.accountSid : undefined;
}

/** 404 (not 403, so sids of other tenants are not confirmed) unless the resource is in scope. */
export function assertInScope<T>(resource: T | undefined, ownerOf: (r: T) => string | null, scope: string | undefined, what: string): T {
  if (resource === undefined || (scope !== undefined && ownerOf(resource) !== scope)) throw notFound(what);
  return resource;
}
