import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bootstrapAdminKey, hashToken } from '../store/index.js';
import { startApiHarness } from '../testkit/api-harness.js';

/** Issue 4, acceptance 3: the raw key is in neither the database files (WAL included) nor the logs. */
test('raw API keys never reach the SQLite file, its WAL or the logs', async () => {
  const h = await startApiHarness();
  try {
    const envKey = `env-admin-${'k'.repeat(24)}`;
    assert.deepEqual(await bootstrapAdminKey(h.store, envKey, h.logger), { created: true });
    const acct = await h.create('/v1/Accounts', { name: 'secrets' });
    const created = await h.call('POST', '/v1/ApiKeys', { body: { account_sid: acct } });
    const accountToken = (created.body as { token: string }).token;
    const tokens = [h.adminToken, envKey, accountToken];
    for (const token of tokens) {
      assert.equal((await h.call('GET', '/v1/Applications', { token })).status, 200);
      assert.equal((await h.call('POST', `/v1/Accounts/${acct}/Applications`, { token, body: { name: 'n', call_hook: 'https://a.example' } })).status, 201);
      assert.equal((await h.call('GET', '/v1/Applications', { token: `${token}-wrong` })).status, 401);
      assert.equal((await h.call('POST', '/v1/Applications', { token, body: { name: 'n', call_hook: 'bad', oops: token } })).status, 400);
    }
    await new Promise((r) => setImmediate(r));
    const files = ['vgw.sqlite', 'vgw.sqlite-wal', 'vgw.sqlite-shm'].map((f) => join(h.dataDir, f)).filter((f) => existsSync(f));
    assert.ok(files.some((f) => f.endsWith('-wal')), 'the WAL is checked while it holds the writes');
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    for (const token of tokens) {
      assert.equal(bytes.indexOf(token), -1, 'token found in the database files');
      assert.notEqual(bytes.indexOf(hashToken(token)), -1, 'its hash is there (so the right bytes were searched)');
    }
    const logs = h.logLines.join('');
    assert.ok(h.logLines.length > 10, 'requests were logged');
    for (const token of tokens) assert.ok(!logs.includes(token), 'token found in the logs');
  } finally {
    await h.close();
  }
});
