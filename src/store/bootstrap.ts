import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../kernel/logger.js';
import type { Store } from './repositories.js';
import { isStoreError } from './errors.js';

/**
 * API key secrets. A token is 32 random bytes (256 bits) behind a `vgw_` prefix. It is stored only
 * as its SHA-256: a fast, unsalted hash is right here because the secret is uniformly random and
 * far too long to guess or brute-force offline, so a slow password hash (bcrypt, scrypt) would add
 * per-request cost without adding safety, and an unsalted digest lets the key be found by an
 * indexed lookup.
 */
export function newApiToken(): string {
  return `vgw_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The last four characters, shown in lists so people can tell keys apart. */
export function tokenHint(token: string): string {
  return token.length > 12 ? token.slice(-4) : '';
}

/**
 * First start: with no admin key in the store, creates one and returns its token so the caller
 * prints it once (it is never logged). With `adminKeyFromEnv` (VGW_ADMIN_API_KEY), that string is
 * an admin key instead — created on the first start, found again (by hash) on later ones.
 */
export async function bootstrapAdminKey(store: Store, adminKeyFromEnv: string | undefined, logger: Logger): Promise<{ created: boolean; token?: string }> {
  if (adminKeyFromEnv !== undefined && adminKeyFromEnv !== '') {
    const hash = hashToken(adminKeyFromEnv);
    const existing = await store.apiKeys.findByTokenHash(hash);
    if (existing) {
      if (existing.scope !== 'admin') logger.warn('VGW_ADMIN_API_KEY matches an account key, not an admin key', { api_key_sid: existing.api_key_sid });
      return { created: false };
    }
    try {
      const key = await store.apiKeys.create({ account_sid: null, token_hash: hash, token_hint: tokenHint(adminKeyFromEnv) });
      logger.info('admin api key from VGW_ADMIN_API_KEY registered', { api_key_sid: key.api_key_sid });
    } catch (e) {
      // Cluster nodes starting together on one store (issue 16): another node registered it first.
      if (isStoreError(e, 'STORE_CONFLICT') && await store.apiKeys.findByTokenHash(hash)) return { created: false };
      throw e;
    }
    return { created: true };
  }
  if ((await store.apiKeys.countAdmin()) > 0) return { created: false };
  const token = newApiToken();
  const key = await store.apiKeys.create({ account_sid: null, token_hash: hashToken(token), token_hint: tokenHint(token) });
  logger.info('created the first admin api key', { api_key_sid: key.api_key_sid });
  return { created: true, token };
}
