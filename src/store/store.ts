import { systemClock, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import { cachedStore } from './cache.js';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { migrate } from './migrations.js';
import { PostgresDb } from './postgres.js';
import type { Store } from './repositories.js';
import { accountRepository, apiKeyRepository, webhookSecretRepository } from './repos/accounts.js';
import { applicationRepository, phoneNumberRepository } from './repos/applications.js';
import { sipGatewayRepository, voipCarrierRepository } from './repos/carriers.js';
import { speechCredentialRepository } from './repos/speech-credentials.js';
import { alertRepository, callJournalRepository, cdrRepository } from './repos/cdrs.js';
import { campaignRepository, dncRepository } from './repos/campaigns.js';
import { SqliteDb } from './sqlite.js';

export interface StoreOptions {
  /** The SQLite file is `<dataDir>/vgw.sqlite`, created if missing. */
  readonly dataDir: string;
  /** A `postgres://` or `postgresql://` URL selects PostgreSQL instead of SQLite. */
  readonly databaseUrl?: string;
  readonly logger: Logger;
  readonly clock?: Clock;
}

/**
 * Wraps an open, migrated database in the repositories. A SQLite store also gets the read caches
 * of cache.ts (this process is the file's only writer); a PostgreSQL one is never cached.
 */
export function storeOver(db: Db, clock: Clock = systemClock): Store {
  const ctx = { db, clock };
  return cachedStore({
    kind: db.dialect,
    accounts: accountRepository(ctx),
    webhookSecrets: webhookSecretRepository(ctx),
    apiKeys: apiKeyRepository(ctx),
    applications: applicationRepository(ctx),
    phoneNumbers: phoneNumberRepository(ctx),
    voipCarriers: voipCarrierRepository(ctx),
    sipGateways: sipGatewayRepository(ctx),
    speechCredentials: speechCredentialRepository(ctx),
    cdrs: cdrRepository(ctx),
    callJournal: callJournalRepository(ctx),
    alerts: alertRepository(ctx),
    campaigns: campaignRepository(ctx),
    dnc: dncRepository(ctx),
    close: () => db.close(),
  });
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Opens (and migrates) the store the configuration asks for. */
export async function openStore(opts: StoreOptions): Promise<Store> {
  const log = opts.logger.child({ component: 'store' });
  let db: Db;
  if (opts.databaseUrl) {
    if (!/^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
      throw new StoreError('STORE_INVALID', 'VGW_DATABASE_URL must start with postgres:// or postgresql://');
    }
    db = await PostgresDb.open(opts.databaseUrl, (e) => log.error('postgres pool error', { err: e }));
    log.info('store: postgresql', { url: redactUrl(opts.databaseUrl) });
  } else {
    db = SqliteDb.open(opts.dataDir);
    log.info('store: sqlite', { dataDir: opts.dataDir });
  }
  try {
    const ran = await migrate(db);
    if (ran.length > 0) log.info('store migrated', { versions: ran });
  } catch (e) {
    await db.close();
    throw e;
  }
  return storeOver(db, opts.clock);
}
