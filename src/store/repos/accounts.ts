import { newSid, randomHex } from '../../kernel/ids.js';
import { q } from '../db.js';
import { StoreError } from '../errors.js';
import type { AccountRepository, ApiKeyRepository, WebhookSecretRepository } from '../repositories.js';
import { countRows, decodeRow, defineTable, deleteRow, getRow, insertRow, selectRows, updateRow } from '../table.js';
import type { Account, AccountInput, ApiKey, ApiKeyInput } from '../types.js';
import { nowIso, written, type RepoContext } from './context.js';

export const accountsTable = defineTable({
  table: 'accounts',
  id: 'account_sid',
  cols: {
    account_sid: 'text', name: 'text', sip_realm: 'text', service_provider_sid: 'text', registration_hook: 'hook', queue_event_hook: 'hook',
    is_active: 'bool', webhook_secret: 'text', disable_cdrs: 'bool', record_all_calls: 'bool', record_format: 'text', enable_debug_log: 'bool',
    allow_any_caller_id: 'bool', max_concurrent_calls: 'int', max_calls_per_second: 'num', created_at: 'text',
  },
});

/** jambonz's format is `wh_secret_<short uuid>`; ours carries 128 random bits. */
export function newWebhookSecret(): string {
  return `wh_secret_${randomHex(16)}`;
}

function realm(v: string | null | undefined): string | null | undefined {
  return typeof v === 'string' ? v.toLowerCase() : v;
}

function realmTaken(e: unknown): never {
  if (e instanceof StoreError && e.code === 'STORE_CONFLICT') throw new StoreError('STORE_CONFLICT', 'sip_realm is already in use', { cause: e, field: 'sip_realm' });
  throw e;
}

export function accountRepository(ctx: RepoContext): AccountRepository {
  const { db } = ctx;
  return {
    async create(input: AccountInput) {
      const sid = newSid();
      await insertRow(db, accountsTable, {
        ...input,
        sip_realm: realm(input.sip_realm),
        account_sid: sid,
        webhook_secret: input.webhook_secret ?? newWebhookSecret(),
        created_at: nowIso(ctx),
      }).catch(realmTaken);
      return written(await getRow<Account>(db, accountsTable, sid), 'account');
    },
    get: (sid) => getRow<Account>(db, accountsTable, sid),
    list: () => selectRows<Account>(db, accountsTable, '', [], '"created_at", "account_sid"'),
    update: (sid, patch) => updateRow(db, accountsTable, sid, { ...patch, sip_realm: realm(patch.sip_realm) }).catch(realmTaken),
    delete: (sid) =>
      db.transaction(async (tx) => {
        if (!(await tx.get('SELECT 1 AS "x" FROM "accounts" WHERE "account_sid" = ?', [sid]))) return false;
        await tx.run('DELETE FROM "cdrs" WHERE "account_sid" = ?', [sid]);
        await tx.run('DELETE FROM "alerts" WHERE "account_sid" = ?', [sid]);
        await tx.run(
          'UPDATE "voip_carriers" SET "application_sid" = NULL WHERE "account_sid" IS NULL AND "application_sid" IN (SELECT "application_sid" FROM "applications" WHERE "account_sid" = ?)',
          [sid],
        );
        return deleteRow(tx, accountsTable, sid);
      }),
  };
}

export function webhookSecretRepository(ctx: RepoContext): WebhookSecretRepository {
  const { db } = ctx;
  return {
    async get(accountSid) {
      const row = await db.get('SELECT "webhook_secret" FROM "accounts" WHERE "account_sid" = ?', [accountSid]);
      return row ? String(row.webhook_secret) : undefined;
    },
    async regenerate(accountSid) {
      const secret = newWebhookSecret();
      const n = await db.run('UPDATE "accounts" SET "webhook_secret" = ? WHERE "account_sid" = ?', [secret, accountSid]);
      return n > 0 ? secret : undefined;
    },
  };
}

const apiKeysTable = defineTable({
  table: 'api_keys',
  id: 'api_key_sid',
  cols: { api_key_sid: 'text', account_sid: 'text', token_hint: 'text', expires_at: 'text', last_used: 'text', created_at: 'text' },
});

type StoredKey = Omit<ApiKey, 'scope'>;
function withScope(k: StoredKey): ApiKey {
  (k as { scope?: string }).scope = k.account_sid === null ? 'admin' : 'account';
  return k as ApiKey;
}

export function apiKeyRepository(ctx: RepoContext): ApiKeyRepository {
  const { db } = ctx;
  const byHash = `SELECT ${apiKeysTable.selectList} FROM ${q('api_keys')} WHERE "token_hash" = ?`;
  const get = async (sid: string): Promise<ApiKey | undefined> => {
    const k = await getRow<StoredKey>(db, apiKeysTable, sid);
    return k && withScope(k);
  };
  return {
    async create(input: ApiKeyInput) {
      const sid = newSid();
      await db.run(
        'INSERT INTO "api_keys" ("api_key_sid", "token_hash", "token_hint", "account_sid", "expires_at", "created_at") VALUES (?, ?, ?, ?, ?, ?)',
        [sid, input.token_hash, input.token_hint, input.account_sid, input.expires_at ?? null, nowIso(ctx)],
      );
      return written(await get(sid), 'api key');
    },
    get,
    async list(filter = {}) {
      const { account_sid } = filter;
      const where = account_sid === undefined ? '' : account_sid === null ? '"account_sid" IS NULL' : '"account_sid" = ?';
      const rows = await selectRows<StoredKey>(db, apiKeysTable, where, account_sid ? [account_sid] : [], '"created_at", "api_key_sid"');
      return rows.map(withScope);
    },
    delete: (sid) => deleteRow(db, apiKeysTable, sid),
    async findByTokenHash(hash) {
      const row = await db.get(byHash, [hash]);
      return row ? withScope(decodeRow<StoredKey>(apiKeysTable, row)) : undefined;
    },
    async touchLastUsed(sid, at) {
      await db.run('UPDATE "api_keys" SET "last_used" = ? WHERE "api_key_sid" = ?', [at, sid]);
    },
    countAdmin: () => countRows(db, 'api_keys', '"account_sid" IS NULL', []),
  };
}
