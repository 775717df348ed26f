import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashToken } from '../store/index.js';
import { startApiHarness, type ApiHarness } from '../testkit/api-harness.js';

/** Issue 4, acceptance 2: account A's key against every path of account B → 403 or 404, never B's data. */
interface Tenant {
  account: string;
  app: string;
  carrier: string;
  gateway: string;
  number: string;
  key: { sid: string; token: string };
  callSid: string;
  secret: string;
}

let h: ApiHarness;
let A: Tenant;
let B: Tenant;

async function tenant(name: string, number: string): Promise<Tenant> {
  const account = await h.create('/v1/Accounts', { name: `${name}-account`, sip_realm: `${name}.example` });
  const app = await h.create('/v1/Applications', { name: `${name}-app`, account_sid: account, call_hook: `https://${name}.example/call` });
  const carrier = await h.create('/v1/VoipCarriers', { name: `${name}-carrier`, account_sid: account, register_password: `${name}-pw` });
  const gateway = await h.create('/v1/SipGateways', { voip_carrier_sid: carrier, ipv4: `gw.${name}.example` });
  const num = await h.create('/v1/PhoneNumbers', { number, account_sid: account, application_sid: app, voip_carrier_sid: carrier });
  const key = await h.accountKey(account);
  const callSid = `call-of-${name}`;
  await h.store.cdrs.write({ call_sid: callSid, account_sid: account, direction: 'inbound', from: `from-${name}`, to: number, attempted_at: '2026-01-01T00:00:00Z', terminated_at: '2026-01-01T00:01:00Z' });
  await h.store.alerts.write({ account_sid: account, alert_type: 'no-carrier', message: `alert-of-${name}` });
  const secret = (await h.store.webhookSecrets.get(account)) ?? '';
  return { account, app, carrier, gateway, number: num, key, callSid, secret };
}

before(async () => {
  h = await startApiHarness();
  A = await tenant('tenant-a', '+4911111');
  B = await tenant('tenant-b', '+4922222');
});
after(() => h.close());

/** Everything that would betray B. */
function leaks(raw: string): string[] {
  const markers = [B.account, B.app, B.carrier, B.gateway, B.number, B.key.sid, B.callSid, B.secret, 'tenant-b', '4922222'];
  return markers.filter((m) => raw.includes(m));
}

async function expectDenied(method: string, url: string, body?: unknown): Promise<void> {
  const r = await h.call(method, url, { token: A.key.token, body });
  assert.ok(r.status === 403 || r.status === 404, `${method} ${url} → ${r.status} ${r.raw}`);
  assert.deepEqual(leaks(r.raw), [], `${method} ${url} leaked B's data`);
}

const RESOURCES = (t: Tenant): [string, string, unknown][] => [
  ['Applications', t.app, { name: 'hijack' }],
  ['PhoneNumbers', t.number, { application_sid: A.app }],
  ['VoipCarriers', t.carrier, { name: 'hijack' }],
  ['SipGateways', t.gateway, { port: 5099 }],
  ['ApiKeys', t.key.sid, undefined],
];

test("A's key cannot read, update or delete B's resources by sid (top level and both aliases)", async () => {
  for (const [res, sid, update] of RESOURCES(B)) {
    for (const prefix of ['/v1', `/v1/Accounts/${A.account}`, `/v1/Accounts/${B.account}`]) {
      await expectDenied('GET', `${prefix}/${res}/${sid}`);
      if (update !== undefined) await expectDenied('PUT', `${prefix}/${res}/${sid}`, update);
      await expectDenied('DELETE', `${prefix}/${res}/${sid}`);
    }
  }
});

test("A's key cannot reach B's account or its sub-resources", async () => {
  await expectDenied('GET', `/v1/Accounts/${B.account}`);
  await expectDenied('PUT', `/v1/Accounts/${B.account}`, { name: 'hijack' });
  await expectDenied('DELETE', `/v1/Accounts/${B.account}`);
  for (const sub of ['WebhookSecret', 'WebhookSecret?regenerate=true', 'RecentCalls', `RecentCalls/${B.callSid}`, 'Alerts', 'Applications', 'PhoneNumbers', 'VoipCarriers', 'SipGateways', 'ApiKeys']) {
    await expectDenied('GET', `/v1/Accounts/${B.account}/${sub}`);
  }
  await expectDenied('GET', `/v1/Accounts/${A.account}/RecentCalls/${B.callSid}`);
  await expectDenied('GET', `/v1/SipGateways?voip_carrier_sid=${B.carrier}`);
});

test("A's key cannot create anything in B", async () => {
  const creates: [string, unknown][] = [
    ['/v1/Applications', { name: 'x', account_sid: B.account, call_hook: 'https://x.example' }],
    [`/v1/Accounts/${B.account}/Applications`, { name: 'x', call_hook: 'https://x.example' }],
    ['/v1/PhoneNumbers', { number: '+4933333', account_sid: B.account }],
    [`/v1/Accounts/${B.account}/PhoneNumbers`, { number: '+4933334' }],
    ['/v1/VoipCarriers', { name: 'x', account_sid: B.account }],
    [`/v1/Accounts/${B.account}/VoipCarriers`, { name: 'x' }],
    ['/v1/SipGateways', { voip_carrier_sid: B.carrier, ipv4: '192.0.2.66' }],
    [`/v1/Accounts/${B.account}/SipGateways`, { voip_carrier_sid: B.carrier, ipv4: '192.0.2.66' }],
    ['/v1/ApiKeys', { account_sid: B.account }],
    [`/v1/Accounts/${B.account}/ApiKeys`, {}],
    ['/v1/Accounts', { name: 'new' }],
  ];
  for (const [url, body] of creates) await expectDenied('POST', url, body);
});

test("A's lists show A's resources and none of B's", async () => {
  for (const res of ['Accounts', 'Applications', 'PhoneNumbers', 'VoipCarriers', 'SipGateways', 'ApiKeys']) {
    for (const url of [`/v1/${res}`, ...(res === 'Accounts' ? [] : [`/v1/Accounts/${A.account}/${res}`])]) {
      const r = await h.call('GET', url, { token: A.key.token });
      assert.equal(r.status, 200, url);
      assert.ok((r.body as unknown[]).length > 0, url);
      assert.deepEqual(leaks(r.raw), [], url);
    }
  }
  for (const url of [`/v1/Accounts/${A.account}/RecentCalls`, `/v1/Accounts/${A.account}/Alerts`]) {
    const r = await h.call('GET', url, { token: A.key.token });
    assert.deepEqual([r.status, (r.body as { total: number }).total, leaks(r.raw)], [200, 1, []], url);
  }
});

test("references to B's resources from A's are refused without confirming them", async () => {
  const r1 = await h.call('POST', '/v1/PhoneNumbers', { token: A.key.token, body: { number: '+4944444', application_sid: B.app } });
  const r2 = await h.call('PUT', `/v1/PhoneNumbers/${A.number}`, { token: A.key.token, body: { application_sid: B.app } });
  const r3 = await h.call('POST', '/v1/VoipCarriers', { token: A.key.token, body: { name: 'y', application_sid: B.app } });
  for (const r of [r1, r2, r3]) {
    assert.equal(r.status, 422, r.raw);
    assert.deepEqual((r.body as { errors: { path: string }[] }).errors.map((e) => e.path), ['application_sid']);
  }
  assert.equal((await h.call('PUT', `/v1/PhoneNumbers/${A.number}`, { token: A.key.token, body: { account_sid: B.account } })).status, 403);
});

test("B is untouched, and B's key still works", async () => {
  const apps = await h.store.applications.list({ account_sid: B.account });
  assert.deepEqual(apps.map((a) => a.name), ['tenant-b-app']);
  assert.equal((await h.store.accounts.get(B.account))?.name, 'tenant-b-account');
  assert.equal(await h.store.webhookSecrets.get(B.account), B.secret);
  assert.equal((await h.store.sipGateways.get(B.gateway))?.port, null);
  assert.equal((await h.call('GET', `/v1/Accounts/${B.account}/Applications`, { token: B.key.token })).status, 200);
});

test('a revoked or expired account key gets 401 on every path', async () => {
  const victim = await h.accountKey(A.account, new Date(Date.now() + 3_600_000).toISOString());
  assert.equal((await h.call('GET', '/v1/Applications', { token: victim.token })).status, 200);
  assert.equal((await h.call('DELETE', `/v1/ApiKeys/${victim.sid}`)).status, 204);
  for (const url of ['/v1/Applications', `/v1/Accounts/${A.account}`, `/v1/Accounts/${A.account}/RecentCalls`]) {
    assert.equal((await h.call('GET', url, { token: victim.token })).status, 401, url);
  }
  const expiredSid = (await h.store.apiKeys.create({ account_sid: A.account, token_hash: hashToken('expired-token-value'), token_hint: '', expires_at: '2020-01-01T00:00:00.000Z' })).api_key_sid;
  assert.ok(expiredSid);
  assert.equal((await h.call('GET', '/v1/Applications', { token: 'expired-token-value' })).status, 401);
});
