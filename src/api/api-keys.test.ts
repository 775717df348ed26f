import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { FakeClock } from '../testkit/fake-clock.js';
import { startApiHarness, type ApiHarness } from '../testkit/api-harness.js';

let h: ApiHarness;
const clock = new FakeClock(Date.UTC(2026, 0, 1));
before(async () => {
  h = await startApiHarness({ clock });
});
after(() => h.close());

interface Key {
  api_key_sid: string;
  account_sid: string | null;
  scope: string;
  token_hint: string;
  last_used: string | null;
  expires_at: string | null;
}

test('ApiKeys: the token is shown once, lists never show it, DELETE revokes it', async () => {
  const acct = await h.create('/v1/Accounts', { name: 'k' });
  const r = await h.call('POST', '/v1/ApiKeys', { body: { account_sid: acct } });
  assert.equal(r.status, 201);
  assert.equal(r.headers['cache-control'], 'no-store');
  const { sid, token } = r.body as { sid: string; token: string };
  assert.ok(Buffer.from(token.slice(4), 'base64url').length >= 16, 'at least 128 random bits');
  assert.equal((await h.call('GET', '/v1/Applications', { token })).status, 200);
  const listed = await h.call('GET', `/v1/Accounts/${acct}/ApiKeys`);
  assert.ok(!listed.raw.includes(token));
  const key = (listed.body as Key[]).find((k) => k.api_key_sid === sid);
  assert.deepEqual([key?.scope, key?.account_sid, key?.token_hint], ['account', acct, token.slice(-4)]);
  const one = await h.call('GET', `/v1/ApiKeys/${sid}`);
  assert.equal(one.status, 200);
  assert.ok(!one.raw.includes(token));
  assert.equal((await h.call('DELETE', `/v1/ApiKeys/${sid}`, { token })).status, 204, 'a key may revoke itself');
  assert.equal((await h.call('GET', '/v1/Applications', { token })).status, 401);
  assert.equal((await h.call('GET', `/v1/ApiKeys/${sid}`)).status, 404);
  assert.equal((await h.call('DELETE', `/v1/ApiKeys/${sid}`)).status, 404);
});

test('ApiKeys: admin keys, expiry, validation, last admin key kept', async () => {
  const admin = await h.call('POST', '/v1/ApiKeys', { body: {} });
  const adminKey = admin.body as { sid: string; token: string };
  assert.equal(((await h.call('GET', `/v1/ApiKeys/${adminKey.sid}`)).body as Key).scope, 'admin');
  assert.equal((await h.call('POST', '/v1/Accounts', { token: adminKey.token, body: { name: 'by new admin' } })).status, 201);
  const acct = await h.create('/v1/Accounts', { name: 'exp' });
  const soon = new Date(clock.wallNow() + 60_000).toISOString();
  const k = await h.accountKey(acct, soon);
  assert.equal((await h.call('GET', '/v1/Applications', { token: k.token })).status, 200);
  // The SQLite store now serves this key from its cache: expiry is still checked on every request.
  clock.advance(59_999);
  assert.equal((await h.call('GET', '/v1/Applications', { token: k.token })).status, 200);
  clock.advance(1);
  const expired = await h.call('GET', '/v1/Applications', { token: k.token });
  assert.equal(expired.status, 401);
  assert.equal(expired.headers['www-authenticate'], 'Bearer');
  const past = await h.call('POST', '/v1/ApiKeys', { body: { account_sid: acct, expires_at: '2020-01-01T00:00:00Z' } });
  assert.equal(past.status, 400);
  assert.deepEqual((past.body as { errors: unknown }).errors, [{ path: 'expires_at', message: 'must be in the future' }]);
  const junk = await h.call('POST', '/v1/ApiKeys', { body: { expires_at: 'tomorrow', token: 'chosen-by-client' } });
  assert.equal(junk.status, 400);
  assert.deepEqual((junk.body as { errors: { path: string }[] }).errors.map((e) => e.path).sort(), ['expires_at', 'token']);
  assert.equal((await h.call('POST', '/v1/ApiKeys', { body: { account_sid: '00000000-0000-4000-8000-000000000000' } })).status, 422);
  assert.equal((await h.call('DELETE', `/v1/ApiKeys/${adminKey.sid}`)).status, 204);
  const bootSid = ((await h.call('GET', '/v1/ApiKeys')).body as Key[]).find((x) => x.scope === 'admin')?.api_key_sid;
  const last = await h.call('DELETE', `/v1/ApiKeys/${bootSid}`);
  assert.equal(last.status, 422);
  assert.match((last.body as { msg: string }).msg, /last admin key/);
});

test('ApiKeys: an account key creates keys for its own account only, never admin keys', async () => {
  const acct = await h.create('/v1/Accounts', { name: 'self-service' });
  const other = await h.create('/v1/Accounts', { name: 'other' });
  const { token } = await h.accountKey(acct);
  const mine = await h.call('POST', '/v1/ApiKeys', { token, body: {} });
  assert.equal(mine.status, 201);
  const mineSid = (mine.body as { sid: string }).sid;
  assert.equal(((await h.call('GET', `/v1/ApiKeys/${mineSid}`)).body as Key).account_sid, acct);
  assert.equal((await h.call('POST', '/v1/ApiKeys', { token, body: { account_sid: null } })).status, 403);
  assert.equal((await h.call('POST', '/v1/ApiKeys', { token, body: { account_sid: other } })).status, 403);
  assert.equal((await h.call('POST', `/v1/Accounts/${other}/ApiKeys`, { token, body: {} })).status, 403);
  const seen = (await h.call('GET', '/v1/ApiKeys', { token })).body as Key[];
  assert.ok(seen.length >= 2 && seen.every((k) => k.account_sid === acct));
});

test('last_used is recorded, at most once a minute per key', async () => {
  const acct = await h.create('/v1/Accounts', { name: 'lu' });
  const { sid, token } = await h.accountKey(acct);
  const lastUsed = async (): Promise<string | null> => {
    await new Promise((r) => setImmediate(r));
    return (await h.store.apiKeys.get(sid))?.last_used ?? null;
  };
  assert.equal(await lastUsed(), null);
  await h.call('GET', '/v1/Applications', { token });
  const first = await lastUsed();
  assert.equal(first, new Date(clock.wallNow()).toISOString());
  clock.advance(30_000);
  await h.call('GET', '/v1/Applications', { token });
  assert.equal(await lastUsed(), first);
  clock.advance(30_000);
  await h.call('GET', '/v1/Applications', { token });
  assert.equal(await lastUsed(), new Date(clock.wallNow()).toISOString());
});
