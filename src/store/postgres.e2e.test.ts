import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { nullLogger } from '../kernel/logger.js';
import { createTestDatabase, startTestPostgres, type TestPostgres } from '../testkit/postgres.js';
import { storeContract } from '../testkit/store-contract.js';
import { hashToken, openStore } from './index.js';

/** The same contract suite against a real PostgreSQL (Debian's binaries; fails loudly if they are missing). */
let pg: TestPostgres | undefined;
let n = 0;
before(async () => {
  pg = await startTestPostgres();
});
after(async () => {
  await pg?.stop();
});

storeContract('postgres', async () => {
  if (!pg) throw new Error('test PostgreSQL did not start');
  const url = await createTestDatabase(pg.url, `contract_${process.pid}_${++n}`);
  return {
    open: () => openStore({ dataDir: '/nonexistent', databaseUrl: url, logger: nullLogger }),
    dispose: async () => undefined,
  };
});

test('postgres: two gateways sharing one database see each other\'s writes at once (no read cache)', async () => {
  if (!pg) throw new Error('test PostgreSQL did not start');
  const url = await createTestDatabase(pg.url, `shared_${process.pid}`);
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
