import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiHarness, type ApiHarness } from '../testkit/api-harness.js';

let h: ApiHarness;
before(async () => {
  h = await startApiHarness();
});
after(() => h.close());

test('Accounts: create, read, list, update, delete', async () => {
  const sid = await h.create('/v1/Accounts', { name: 'Acme', sip_realm: 'Acme.Example', registration_hook: 'https://acme.example/reg' });
  const got = await h.call('GET', `/v1/Accounts/${sid}`);
  assert.equal(got.status, 200);
  const a = got.body as Record<string, unknown>;
  assert.equal(a.account_sid, sid);
  assert.equal(a.sip_realm, 'acme.example');
  assert.equal(a.allow_any_caller_id, false);
  assert.equal(a.max_concurrent_calls, null);
  assert.deepEqual({ ...(a.registration_hook as object), webhook_sid: 'x' }, { webhook_sid: 'x', url: 'https://acme.example/reg', method: 'POST', username: null, password: null });
  const list = await h.call('GET', '/v1/Accounts/');
  assert.ok((list.body as { account_sid: string }[]).some((x) => x.account_sid === sid));
  const put = await h.call('PUT', `/v1/Accounts/${sid}`, { body: { name: 'Acme 2', max_concurrent_calls: 5, max_calls_per_second: 1.5, allow_any_caller_id: 1 } });
  assert.equal(put.status, 204);
  assert.equal(put.raw, '');
  const after = (await h.call('GET', `/v1/Accounts/${sid}`)).body as Record<string, unknown>;
  assert.deepEqual([after.name, after.max_concurrent_calls, after.max_calls_per_second, after.allow_any_caller_id], ['Acme 2', 5, 1.5, true]);
  assert.equal((await h.call('DELETE', `/v1/Accounts/${sid}`)).status, 204);
  assert.equal((await h.call('GET', `/v1/Accounts/${sid}`)).status, 404);
  assert.equal((await h.call('PUT', `/v1/Accounts/${sid}`, { body: { name: 'x' } })).status, 404);
  assert.equal((await h.call('DELETE', `/v1/Accounts/${sid}`)).status, 404);
});

test('Accounts: validation names the field', async () => {
  const missing = await h.call('POST', '/v1/Accounts', { body: { sip_realm: 'x' } });
  assert.equal(missing.status, 400);
  assert.deepEqual((missing.body as { errors: unknown }).errors, [{ path: 'name', message: 'is required' }]);
  const unknown = await h.call('POST', '/v1/Accounts', { body: { name: 'x', plan: 'gold', registration_hook: { url: 'https://a.example', verb: 'x' } } });
  assert.equal(unknown.status, 400);
  assert.deepEqual((unknown.body as { errors: unknown }).errors, [
    { path: 'plan', message: 'unknown property' },
    { path: 'registration_hook.verb', message: 'unknown property' },
  ]);
  const bad = await h.call('POST', '/v1/Accounts', { body: { name: 'x', max_concurrent_calls: -1, registration_hook: 'ftp://x' } });
  assert.equal(bad.status, 400);
  const paths = (bad.body as { errors: { path: string; message: string }[] }).errors.map((e) => e.path).sort();
  assert.deepEqual(paths, ['max_concurrent_calls', 'registration_hook']);
  assert.match(JSON.stringify(bad.body), /absolute http\(s\):\/\/ or ws\(s\):\/\/ URL/);
  await h.create('/v1/Accounts', { name: 'r1', sip_realm: 'dup.example' });
  const dup = await h.call('POST', '/v1/Accounts', { body: { name: 'r2', sip_realm: 'DUP.example' } });
  assert.equal(dup.status, 422);
  assert.deepEqual((dup.body as { errors: unknown }).errors, [{ path: 'sip_realm', message: 'sip_realm is already in use' }]);
});

test('Accounts: an account key reads and edits its own account but not limits, and cannot create or delete accounts', async () => {
  const sid = await h.create('/v1/Accounts', { name: 'self' });
  const { token } = await h.accountKey(sid);
  assert.equal((await h.call('GET', `/v1/Accounts/${sid}`, { token })).status, 200);
  assert.deepEqual(((await h.call('GET', '/v1/Accounts', { token })).body as { account_sid: string }[]).map((a) => a.account_sid), [sid]);
  assert.equal((await h.call('PUT', `/v1/Accounts/${sid}`, { token, body: { name: 'renamed', record_all_calls: true } })).status, 204);
  for (const body of [{ max_concurrent_calls: 1000 }, { allow_any_caller_id: true }, { max_calls_per_second: 100 }, { is_active: true }]) {
    const r = await h.call('PUT', `/v1/Accounts/${sid}`, { token, body });
    assert.equal(r.status, 403, JSON.stringify(body));
  }
  assert.equal((await h.call('POST', '/v1/Accounts', { token, body: { name: 'new' } })).status, 403);
  assert.equal((await h.call('DELETE', `/v1/Accounts/${sid}`, { token })).status, 403);
});

test('Accounts: delete cascades to what the account owns', async () => {
  const sid = await h.create('/v1/Accounts', { name: 'gone' });
  const app = await h.create('/v1/Applications', { name: 'a', account_sid: sid, call_hook: 'https://a.example/' });
  const car = await h.create('/v1/VoipCarriers', { name: 'c', account_sid: sid });
  await h.create('/v1/SipGateways', { voip_carrier_sid: car, ipv4: '192.0.2.10' });
  await h.create('/v1/PhoneNumbers', { number: '+4900001', account_sid: sid, application_sid: app, voip_carrier_sid: car });
  const { token } = await h.accountKey(sid);
  assert.equal((await h.call('DELETE', `/v1/Accounts/${sid}`)).status, 204);
  assert.equal((await h.call('GET', `/v1/Applications/${app}`)).status, 404);
  assert.equal((await h.call('GET', `/v1/VoipCarriers/${car}`)).status, 404);
  assert.equal(await h.store.phoneNumbers.findByNumber('4900001'), undefined);
  assert.equal((await h.call('GET', '/v1/Applications', { token })).status, 401, 'its keys are gone');
});

test('WebhookSecret: read, regenerate', async () => {
  const sid = await h.create('/v1/Accounts', { name: 'wh', webhook_secret: 'foobar' });
  const r1 = await h.call('GET', `/v1/Accounts/${sid}/WebhookSecret`);
  assert.deepEqual(r1.body, { webhook_secret: 'foobar' });
  const r2 = await h.call('GET', `/v1/Accounts/${sid}/WebhookSecret?regenerate=true`);
  const secret = (r2.body as { webhook_secret: string }).webhook_secret;
  assert.match(secret, /^wh_secret_[0-9a-f]{32}$/);
  assert.deepEqual((await h.call('GET', `/v1/Accounts/${sid}/WebhookSecret/`)).body, { webhook_secret: secret });
  assert.equal(await h.store.webhookSecrets.get(sid), secret);
  assert.equal((await h.call('GET', '/v1/Accounts/00000000-0000-4000-8000-000000000000/WebhookSecret')).status, 404);
});

test('RecentCalls and Alerts: paged, filtered, newest first; one CDR with its timeline', async () => {
  const sid = await h.create('/v1/Accounts', { name: 'cdr' });
  for (let i = 0; i < 5; i++) {
    await h.store.cdrs.write({
      call_sid: `cdr-${sid}-${i}`, account_sid: sid, direction: i < 3 ? 'outbound' : 'inbound', from: '+15550100', to: `+4930${i}`,
      attempted_at: new Date(Date.UTC(2026, 1, 1, 10, i)).toISOString(), terminated_at: new Date(Date.UTC(2026, 1, 1, 10, i, 30)).toISOString(),
      answered: i % 2 === 0, duration: i, sip_status: i % 2 ? 486 : 200,
      timeline: [{ t: 0, event: 'invite' }],
    });
  }
  await h.store.alerts.write({ account_sid: sid, alert_type: 'webhook-failure', message: 'boom', time: '2026-02-01T00:00:00Z' });
  await h.store.alerts.write({ account_sid: sid, alert_type: 'no-carrier', message: 'none', time: '2026-02-02T00:00:00Z' });
  const p = await h.call('GET', `/v1/Accounts/${sid}/RecentCalls?page=2&count=2`);
  assert.equal(p.status, 200);
  const page = p.body as { total: number; page: number; page_size: number; data: { call_sid: string }[] };
  assert.deepEqual([page.total, page.page, page.page_size], [5, 2, 2]);
  assert.deepEqual(page.data.map((c) => c.call_sid), [`cdr-${sid}-2`, `cdr-${sid}-1`]);
  const answered = (await h.call('GET', `/v1/Accounts/${sid}/RecentCalls?answered=true&direction=outbound`)).body as { total: number };
  assert.equal(answered.total, 2);
  const one = await h.call('GET', `/v1/Accounts/${sid}/RecentCalls/cdr-${sid}-4`);
  assert.deepEqual((one.body as { timeline: unknown }).timeline, [{ t: 0, event: 'invite' }]);
  assert.equal((await h.call('GET', `/v1/Accounts/${sid}/RecentCalls/nope`)).status, 404);
  const bad = await h.call('GET', `/v1/Accounts/${sid}/RecentCalls?count=501&direction=sideways`);
  assert.equal(bad.status, 400);
  assert.deepEqual((bad.body as { errors: { path: string }[] }).errors.map((e) => e.path).sort(), ['querystring.count', 'querystring.direction']);
  const alerts = (await h.call('GET', `/v1/Accounts/${sid}/Alerts?alert_type=no-carrier`)).body as { total: number; data: { message: string }[] };
  assert.deepEqual([alerts.total, alerts.data[0].message], [1, 'none']);
  assert.equal(((await h.call('GET', `/v1/Accounts/${sid}/Alerts`)).body as { total: number }).total, 2);
});
