import type { AccountRepository, ApiKeyRepository, ApplicationRepository, Store } from './repositories.js';
import type { ApiKey, Application } from './types.js';

/**
 * Read caches for the two lookups every authenticated API request makes: the API key by token
 * hash and an account's application list. Only for SQLite: the gateway opens the file with an
 * exclusive lock, so every write goes through this process and through the repositories wrapped
 * here, which drop the cache on each of them. PostgreSQL may be shared by several gateways, so it
 * is never cached (`cachedStore` leaves such a store alone).
 *
 * What a cache hit does not change: `expires_at` is compared with the clock by the caller on
 * every request (the cached key carries it unchanged, keys are never updated), a DELETE drops the
 * cache before it resolves, and `last_used` writes drop the entry so the next read sees them.
 */

/** Largest number of entries per cache; the oldest entry makes room for a new one. */
const MAX_KEYS = 4096;
const MAX_LISTS = 1024;

/**
 * A map whose fills are discarded when a write happened while the value was being read, so a
 * slow read can never put a value older than the latest write back into the cache.
 */
export class ReadCache<V> {
  private readonly entries = new Map<string, V>();
  private generation = 0;

  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  async read(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && generation === this.generation) {
      if (this.entries.size >= this.max) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      this.entries.set(key, value);
    }
    return value;
  }

  /** Forgets everything and voids the reads in flight. */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /** Forgets the entries `match` picks and voids the reads in flight. */
  drop(match: (v: V) => boolean): void {
    this.generation++;
    for (const [k, v] of this.entries) if (match(v)) this.entries.delete(k);
  }

  /** Runs a write, then clears the cache whether or not it succeeded. */
  async writing<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      this.clear();
    }
  }
}

/** Cached values are shared between callers; freezing them makes any mutation fail loudly. */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export interface StoreCaches {
  readonly apiKeys: ReadCache<ApiKey>;
  readonly applicationLists: ReadCache<readonly Application[]>;
}

function cachedApiKeys(inner: ApiKeyRepository, cache: ReadCache<ApiKey>): ApiKeyRepository {
  return {
    ...inner,
    create: (input) => cache.writing(() => inner.create(input)),
    delete: (sid) => cache.writing(() => inner.delete(sid)),
    async touchLastUsed(sid, at) {
      try {
        await inner.touchLastUsed(sid, at);
      } finally {
        cache.drop((k) => k.api_key_sid === sid);
      }
    },
    findByTokenHash: (hash) => cache.read(hash, async () => deepFreeze(await inner.findByTokenHash(hash))),
  };
}

function cachedApplications(inner: ApplicationRepository, cache: ReadCache<readonly Application[]>): ApplicationRepository {
  return {
    ...inner,
    create: (input) => cache.writing(() => inner.create(input)),
    update: (sid, patch) => cache.writing(() => inner.update(sid, patch)),
    delete: (sid) => cache.writing(() => inner.delete(sid)),
    async list(filter = {}) {
      const { account_sid } = filter;
      // '' stands for "every account"; an account's key is its sid behind a prefix, so no sid can collide with it.
      const list = await cache.read(account_sid === undefined ? '' : `@${account_sid}`, async () => deepFreeze(await inner.list(account_sid === undefined ? {} : { account_sid })));
      // A fresh array per caller (the records in it are shared and frozen).
      return list ? list.slice() : [];
    },
  };
}

/** An account delete cascades to its keys and applications. */
function cachedAccounts(inner: AccountRepository, caches: StoreCaches): AccountRepository {
  return {
    ...inner,
    async delete(sid) {
      try {
        return await inner.delete(sid);
      } finally {
        caches.apiKeys.clear();
        caches.applicationLists.clear();
      }
    },
  };
}

/** Wraps a SQLite store's key and application repositories in read caches; any other store is returned as is. */
export function cachedStore(store: Store, caches: StoreCaches = { apiKeys: new ReadCache(MAX_KEYS), applicationLists: new ReadCache(MAX_LISTS) }): Store {
  if (store.kind !== 'sqlite') return store;
  return {
    ...store,
    accounts: cachedAccounts(store.accounts, caches),
    apiKeys: cachedApiKeys(store.apiKeys, caches.apiKeys),
    applications: cachedApplications(store.applications, caches.applicationLists),
  };
}
