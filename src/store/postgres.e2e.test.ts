import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nullLogger } from '../kernel/logger.js';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '../testkit/postgres.js';
import { campaignStoreContract } from '../testkit/campaign-store-contract.js';
import { storeContract } from '../testkit/store-contract.js';
import pg from 'pg';
import { buildApi } from '../api/app.js';
import { speechCredentialRoutes } from '../api/routes/speech-credentials.js';
import { OPEN_URL_POLICY } from '../kernel/net-policy.js';
import { createCredentialCipher } from '../speech/credentials-cipher.js';
import { SpeechVendors } from '../speech/vendor.js';
import { bootstrapAdminKey, hashToken, openStore } from './index.js';

/** The same contract suite against a real PostgreSQL (Debian's binaries; fails loudly if they are missing). */
let pg_: TestPostgres | undefined;
let n = 0;
before(async () => {
  pg_ = await startTestPostgres();
});
after(async () => {
  await pg_?.stop();
});

storeContract('postgres', async () => {
  if (!pg_) throw new Error('test PostgreSQL did not start');
  const url = await createTestDatabase(pg_.url, `contract_${process.pid}_${++n}`);
  return {
    open: () => openStore({ dataDir: '/nonexistent', databaseUrl: url, logger: nullLogger }),
    dispose: async () => undefined,
  };
});

campaignStoreContract('postgres', async () => {
  if (!pg_) throw new Error('test PostgreSQL did not start');
  const url = await createTestDatabase(pg_.url, `campaigns_${process.pid}_${++n}`);
  return {
    open: () => openStore({ dataDir: '/nonexistent', databaseUrl: url, logger: nullLogger }),
    dispose: async () => undefined,
  };
});

test('postgres: two gateways sharing one database see each other\'s writes at once (no read cache)', async () => {
  if (!pg_) throw new Error('test PostgreSQL did not start');
  const url = await createTestDatabase(pg_.url, `shared_${process.pid}`);
  const a = await openStore({ dataDir: '/nonexistent', databaseUrl: url, logger: nullLogger });
  const b = await openStore({ dataDir: '/nonexistent', databaseUrl: url, logger: nullLogger });
  try {
    const acct = await a.accounts.create({ name: 'shared' });
    const key = await a.apiKeys.create({ account_sid: acct.account_sid, token_hash: hashToken('shared-token'), token_hint: 'oken' });
    assert.equal((await a.apiKeys.findByTokenHash(hashToken('shared-token')))?.api_key_sid, key.api_key_sid);
    assert.deepEqual(await a.applications.list({ account_sid: acct.account_sid }), []);
    await b.applications.create({ name: 'from-b', account_sid: acct.account_sid, call_hook: 'https://x.example/call' });
    assert.deepEqual((await a.applications.list({ account_sid: acct.account_sid })).map((x) => x.name), ['from-b']);
    assert.equal(await b.apiKeys.delete(key.api_key_sid), true);
    assert.equal(await a.apiKeys.findByTokenHash(hashToken('shared-token')), undefined, 'revoked on b, refused on a');
  } finally {
    await a.close();
    await b.close();
  }
});

test('postgres: a speech credential posted through the API has no secret in its row', async () => {
  if (!pg_) throw new Error('test PostgreSQL did not start');
  const url = await createTestDatabase(pg_.url, `speech_${process.pid}`);
  const store = await openStore({ dataDir: '/nonexistent', databaseUrl: url, logger: nullLogger });
  const api = buildApi({ logger: nullLogger, isReady: () => true, store, plugins: [speechCredentialRoutes({ cipher: createCredentialCipher(Buffer.alloc(32, 4)), vendors: new SpeechVendors(), urlPolicy: OPEN_URL_POLICY })] });
  const raw = new pg.Client({ connectionString: url });
  try {
    const { token } = await bootstrapAdminKey(store, 'pg-admin-key-0123456789', nullLogger);
    const auth = { authorization: `Bearer ${token ?? 'pg-admin-key-0123456789'}`, 'content-type': 'application/json' };
    const acct = await api.inject({ method: 'POST', url: '/v1/Accounts', headers: auth, payload: JSON.stringify({ name: 'pg-speech' }) });
    const account = (JSON.parse(acct.body) as { sid: string }).sid;
    const r = await api.inject({ method: 'POST', url: `/v1/Accounts/${account}/SpeechCredentials`, headers: auth, payload: JSON.stringify({ vendor: 'microsoft', api_key: 'pg-ms-secret-key-4455', region: 'westeurope' }) });
    assert.equal(r.statusCode, 201, r.body);
    await raw.connect();
    const rows = await raw.query('SELECT * FROM "speech_credentials"');
    assert.equal(rows.rows.length, 1);
    const text = JSON.stringify(rows.rows[0]);
    assert.ok(!text.includes('pg-ms-secret-key') && !text.includes('westeurope'), text);
    assert.match(String(rows.rows[0].secret), /^v1\./);
  } finally {
    await raw.end();
    await api.close();
    await store.close();
  }
});
