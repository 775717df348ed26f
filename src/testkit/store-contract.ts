import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nullLogger } from '../kernel/logger.js';
import { bootstrapAdminKey, hashToken, isStoreError, type Store } from '../store/index.js';

/** Where a store lives; `open` may be called again to reopen the same data. */
export interface StoreLocation {
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

/** The store contract: one suite every engine must pass (issue 4, acceptance 4). */
export function storeContract(engine: string, newLocation: () => Promise<StoreLocation>): void {
  const withStore = (name: string, fn: (s: Store, loc: StoreLocation) => Promise<void>): void => {
    test(name, async () => {
      const loc = await newLocation();
      const s = await loc.open();
      try {
        await fn(s, loc);
      } finally {
        await s.close();
        await loc.dispose();
      }
    });
  };
  const rejectsWith = (p: Promise<unknown>, code: string): Promise<void> => assert.rejects(p, (e: unknown) => isStoreError(e) && e.code === code);

  describe(`store contract (${engine})`, () => {
    withStore('migrations are versioned and reopening is a no-op; close is idempotent', async (s, loc) => {
      const a = await s.accounts.create({ name: 'persist' });
      await s.close();
      await s.close();
      const again = await loc.open();
      assert.equal((await again.accounts.get(a.account_sid))?.name, 'persist');
      await again.close();
      await again.close();
    });

    withStore('accounts: create, read, list, update, delete, defaults', async (s) => {
      const a = await s.accounts.create({ name: 'Acme', sip_realm: 'SIP.Acme.example' });
      assert.equal(a.sip_realm, 'sip.acme.example');
      assert.equal(a.allow_any_caller_id, false);
      assert.equal(a.max_concurrent_calls, null);
      assert.equal(a.max_calls_per_second, null);
      assert.equal(a.is_active, true);
      assert.match(a.webhook_secret, /^wh_secret_[0-9a-f]{32}$/);
      assert.deepEqual(await s.accounts.get(a.account_sid), a);
      assert.equal(await s.accounts.update(a.account_sid, { allow_any_caller_id: true, max_concurrent_calls: 10, max_calls_per_second: 2.5 }), true);
      const u = await s.accounts.get(a.account_sid);
      assert.equal(u?.allow_any_caller_id, true);
      assert.equal(u?.max_concurrent_calls, 10);
      assert.equal(u?.max_calls_per_second, 2.5);
      assert.equal(await s.accounts.update(a.account_sid, { max_concurrent_calls: null }), true);
      assert.equal((await s.accounts.get(a.account_sid))?.max_concurrent_calls, null);
      await rejectsWith(s.accounts.create({ name: 'dup', sip_realm: 'sip.acme.example' }), 'STORE_CONFLICT');
      assert.equal((await s.accounts.list()).length, 1);
      assert.equal(await s.accounts.update('nope', { name: 'x' }), false);
      assert.equal(await s.accounts.delete(a.account_sid), true);
      assert.equal(await s.accounts.get(a.account_sid), undefined);
      assert.equal(await s.accounts.delete(a.account_sid), false);
    });

    withStore('webhook secret: read and regenerate', async (s) => {
      const a = await s.accounts.create({ name: 'wh' });
      assert.equal(await s.webhookSecrets.get(a.account_sid), a.webhook_secret);
      const next = await s.webhookSecrets.regenerate(a.account_sid);
      assert.notEqual(next, a.webhook_secret);
      assert.equal(await s.webhookSecrets.get(a.account_sid), next);
      assert.equal(await s.webhookSecrets.get('missing'), undefined);
      assert.equal(await s.webhookSecrets.regenerate('missing'), undefined);
    });

    withStore('api keys: hashed lookup, scope, last_used, revoke', async (s) => {
      const a = await s.accounts.create({ name: 'k' });
      const admin = await s.apiKeys.create({ account_sid: null, token_hash: hashToken('t-admin'), token_hint: 'dmin' });
      const acct = await s.apiKeys.create({ account_sid: a.account_sid, token_hash: hashToken('t-acct'), token_hint: 'acct', expires_at: '2030-01-01T00:00:00.000Z' });
      assert.equal(admin.scope, 'admin');
      assert.equal(acct.scope, 'account');
      assert.equal((await s.apiKeys.findByTokenHash(hashToken('t-acct')))?.api_key_sid, acct.api_key_sid);
      assert.equal(await s.apiKeys.findByTokenHash(hashToken('other')), undefined);
      assert.equal(await s.apiKeys.countAdmin(), 1);
      assert.deepEqual((await s.apiKeys.list({ account_sid: a.account_sid })).map((k) => k.api_key_sid), [acct.api_key_sid]);
      assert.deepEqual((await s.apiKeys.list({ account_sid: null })).map((k) => k.api_key_sid), [admin.api_key_sid]);
      assert.equal((await s.apiKeys.list()).length, 2);
      await s.apiKeys.touchLastUsed(acct.api_key_sid, '2026-01-01T00:00:00.000Z');
      assert.equal((await s.apiKeys.get(acct.api_key_sid))?.last_used, '2026-01-01T00:00:00.000Z');
      assert.equal(await s.apiKeys.delete(acct.api_key_sid), true);
      assert.equal(await s.apiKeys.findByTokenHash(hashToken('t-acct')), undefined);
      await rejectsWith(s.apiKeys.create({ account_sid: null, token_hash: hashToken('t-admin'), token_hint: '' }), 'STORE_CONFLICT');
    });

    withStore('bootstrapAdminKey: first start creates one, env key is idempotent', async (s) => {
      const first = await bootstrapAdminKey(s, undefined, nullLogger);
      assert.equal(first.created, true);
      assert.ok(first.token && first.token.length >= 40);
      assert.ok(await s.apiKeys.findByTokenHash(hashToken(first.token)));
      assert.deepEqual(await bootstrapAdminKey(s, undefined, nullLogger), { created: false });
      assert.deepEqual(await bootstrapAdminKey(s, 'my-automation-key', nullLogger), { created: true });
      assert.deepEqual(await bootstrapAdminKey(s, 'my-automation-key', nullLogger), { created: false });
      assert.equal((await s.apiKeys.findByTokenHash(hashToken('my-automation-key')))?.scope, 'admin');
      assert.equal(await s.apiKeys.countAdmin(), 2);
    });

    withStore('applications: hooks normalised, env_vars kept, account checked, in-use delete refused', async (s) => {
      const a = await s.accounts.create({ name: 'apps' });
      const app = await s.applications.create({
        name: 'ivr', account_sid: a.account_sid, call_hook: 'https://app.example/call',
        call_status_hook: { url: 'https://app.example/status', method: 'get', username: 'u', password: 'p' }, env_vars: { A: 1, B: 'two' },
        app_json: '[{"verb":"say","text":"hi"}]',
      });
      assert.equal(app.call_hook?.url, 'https://app.example/call');
      assert.equal(app.call_hook?.method, 'POST');
      assert.match(app.call_hook?.webhook_sid ?? '', /^[0-9a-f-]{36}$/);
      assert.deepEqual({ ...app.call_status_hook, webhook_sid: 'x' }, { webhook_sid: 'x', url: 'https://app.example/status', method: 'GET', username: 'u', password: 'p' });
      assert.deepEqual(app.env_vars, { A: 1, B: 'two' });
      assert.equal(app.messaging_hook, null);
      assert.equal(app.speech_synthesis_vendor, null);
      assert.equal(app.use_for_fallback_speech, false);
      assert.equal(await s.applications.update(app.application_sid, { name: 'ivr2', call_hook: { url: 'wss://ws.example/' }, env_vars: null }), true);
      const u = await s.applications.get(app.application_sid);
      assert.equal(u?.name, 'ivr2');
      assert.equal(u?.call_hook?.url, 'wss://ws.example/');
      assert.equal(u?.env_vars, null);
      await rejectsWith(s.applications.create({ name: 'x', account_sid: 'missing' }), 'STORE_INVALID');
      const b = await s.accounts.create({ name: 'other' });
      await s.applications.create({ name: 'b-app', account_sid: b.account_sid });
      assert.deepEqual((await s.applications.list({ account_sid: a.account_sid })).map((x) => x.name), ['ivr2']);
      assert.equal((await s.applications.list()).length, 2);
      const n = await s.phoneNumbers.create({ number: '+15550001', account_sid: a.account_sid, application_sid: app.application_sid });
      await rejectsWith(s.applications.delete(app.application_sid), 'STORE_IN_USE');
      await s.phoneNumbers.delete(n.phone_number_sid);
      assert.equal(await s.applications.delete(app.application_sid), true);
    });

    withStore('phone numbers: one number with or without +, cross-account references refused', async (s) => {
      const a = await s.accounts.create({ name: 'a' });
      const b = await s.accounts.create({ name: 'b' });
      const appA = await s.applications.create({ name: 'a', account_sid: a.account_sid });
      const appB = await s.applications.create({ name: 'b', account_sid: b.account_sid });
      const carA = await s.voipCarriers.create({ name: 'ca', account_sid: a.account_sid });
      const shared = await s.voipCarriers.create({ name: 'shared' });
      const n = await s.phoneNumbers.create({ number: '+4930123', account_sid: a.account_sid, application_sid: appA.application_sid, voip_carrier_sid: carA.voip_carrier_sid });
      assert.equal(n.number, '4930123');
      await rejectsWith(s.phoneNumbers.create({ number: '4930123', account_sid: b.account_sid }), 'STORE_CONFLICT');
      for (const q of ['4930123', '+4930123']) {
        assert.deepEqual(await s.phoneNumbers.findByNumber(q), {
          phone_number_sid: n.phone_number_sid, number: '4930123', account_sid: a.account_sid, application_sid: appA.application_sid,
          voip_carrier_sid: carA.voip_carrier_sid, created_at: n.created_at,
        });
      }
      assert.equal(await s.phoneNumbers.findByNumber('+49301230'), undefined);
      await rejectsWith(s.phoneNumbers.create({ number: '1', account_sid: a.account_sid, application_sid: appB.application_sid }), 'STORE_INVALID');
      await rejectsWith(s.phoneNumbers.create({ number: '2', account_sid: b.account_sid, voip_carrier_sid: carA.voip_carrier_sid }), 'STORE_INVALID');
      const viaShared = await s.phoneNumbers.create({ number: '3', account_sid: b.account_sid, voip_carrier_sid: shared.voip_carrier_sid });
      const unassigned = await s.phoneNumbers.create({ number: '4' });
      assert.equal(unassigned.account_sid, null);
      assert.equal(await s.phoneNumbers.update(unassigned.phone_number_sid, { account_sid: b.account_sid, application_sid: appB.application_sid }), true);
      assert.equal((await s.phoneNumbers.get(unassigned.phone_number_sid))?.application_sid, appB.application_sid);
      await rejectsWith(s.phoneNumbers.update(viaShared.phone_number_sid, { application_sid: appA.application_sid }), 'STORE_INVALID');
      assert.deepEqual((await s.phoneNumbers.list({ account_sid: b.account_sid })).map((x) => x.number), ['3', '4']);
      assert.equal(await s.phoneNumbers.update('missing', { application_sid: null }), false);
      assert.equal(await s.phoneNumbers.delete(viaShared.phone_number_sid), true);
    });

    withStore('carriers: by name, own before shared, default carrier, one default per account', async (s) => {
      const a = await s.accounts.create({ name: 'a' });
      const b = await s.accounts.create({ name: 'b' });
      assert.equal(await s.voipCarriers.getDefault(a.account_sid), undefined);
      const shared = await s.voipCarriers.create({ name: 'telco' });
      assert.equal((await s.voipCarriers.getDefault(a.account_sid))?.voip_carrier_sid, shared.voip_carrier_sid);
      const own = await s.voipCarriers.create({ name: 'telco', account_sid: a.account_sid, e164_leading_plus: true, register_password: 'pw' });
      assert.equal(own.e164_leading_plus, true);
      assert.equal(own.dtmf_type, 'rfc2833');
      await rejectsWith(s.voipCarriers.create({ name: 'telco', account_sid: a.account_sid }), 'STORE_CONFLICT');
      await rejectsWith(s.voipCarriers.create({ name: 'telco' }), 'STORE_CONFLICT');
      assert.equal((await s.voipCarriers.findByName(a.account_sid, 'telco'))?.voip_carrier_sid, own.voip_carrier_sid);
      assert.equal((await s.voipCarriers.findByName(b.account_sid, 'telco'))?.voip_carrier_sid, shared.voip_carrier_sid);
      assert.equal(await s.voipCarriers.findByName(a.account_sid, 'none'), undefined);
      assert.equal((await s.voipCarriers.getDefault(a.account_sid))?.voip_carrier_sid, own.voip_carrier_sid, 'the only own carrier');
      const second = await s.voipCarriers.create({ name: 'backup', account_sid: a.account_sid });
      assert.equal(await s.voipCarriers.getDefault(a.account_sid), undefined, 'two own carriers and no flag: no default');
      assert.deepEqual((await s.voipCarriers.listForAccount(a.account_sid)).map((c) => c.name + (c.account_sid ? '' : '*')), ['backup', 'telco', 'telco*']);
      await s.voipCarriers.update(second.voip_carrier_sid, { is_default: true });
      assert.equal((await s.voipCarriers.getDefault(a.account_sid))?.voip_carrier_sid, second.voip_carrier_sid);
      await s.voipCarriers.update(own.voip_carrier_sid, { is_default: true });
      assert.equal((await s.voipCarriers.get(second.voip_carrier_sid))?.is_default, false);
      assert.equal((await s.voipCarriers.getDefault(a.account_sid))?.voip_carrier_sid, own.voip_carrier_sid);
      assert.equal((await s.voipCarriers.getDefault(b.account_sid))?.voip_carrier_sid, shared.voip_carrier_sid);
      assert.deepEqual((await s.voipCarriers.list({ account_sid: null })).map((c) => c.voip_carrier_sid), [shared.voip_carrier_sid]);
      assert.equal((await s.voipCarriers.list({ account_sid: a.account_sid })).length, 2);
      await rejectsWith(s.voipCarriers.update(own.voip_carrier_sid, { name: 'backup' }), 'STORE_CONFLICT');
      await rejectsWith(s.voipCarriers.create({ name: 'x', account_sid: 'missing' }), 'STORE_INVALID');
    });

    withStore('gateways: outbound ones in priority order; carrier delete cascades, refused while numbers use it', async (s) => {
      const a = await s.accounts.create({ name: 'a' });
      const c = await s.voipCarriers.create({ name: 'c', account_sid: a.account_sid });
      const g3 = await s.sipGateways.create({ voip_carrier_sid: c.voip_carrier_sid, ipv4: 'sip3.example', priority: 3 });
      const g1 = await s.sipGateways.create({ voip_carrier_sid: c.voip_carrier_sid, ipv4: '192.0.2.1', port: 5080, priority: 1, protocol: 'tcp' });
      await s.sipGateways.create({ voip_carrier_sid: c.voip_carrier_sid, ipv4: '192.0.2.9', outbound: false, priority: 0 });
      const off = await s.sipGateways.create({ voip_carrier_sid: c.voip_carrier_sid, ipv4: '192.0.2.8', is_active: false, priority: 0 });
      assert.equal(g3.port, null);
      assert.equal(g3.protocol, 'udp');
      assert.equal(g3.netmask, 32);
      assert.deepEqual((await s.sipGateways.listOutbound(c.voip_carrier_sid)).map((g) => g.sip_gateway_sid), [g1.sip_gateway_sid, g3.sip_gateway_sid]);
      await s.sipGateways.update(off.sip_gateway_sid, { is_active: true, priority: 2 });
      assert.deepEqual((await s.sipGateways.listOutbound(c.voip_carrier_sid)).map((g) => g.ipv4), ['192.0.2.1', '192.0.2.8', 'sip3.example']);
      assert.equal((await s.sipGateways.list({ voip_carrier_sid: c.voip_carrier_sid })).length, 4);
      assert.equal((await s.sipGateways.list({ account_sid: a.account_sid })).length, 4);
      assert.equal((await s.sipGateways.list({ account_sid: null })).length, 0);
      await rejectsWith(s.sipGateways.create({ voip_carrier_sid: 'missing', ipv4: '192.0.2.1' }), 'STORE_INVALID');
      const n = await s.phoneNumbers.create({ number: '123', account_sid: a.account_sid, voip_carrier_sid: c.voip_carrier_sid });
      await rejectsWith(s.voipCarriers.delete(c.voip_carrier_sid), 'STORE_IN_USE');
      await s.phoneNumbers.delete(n.phone_number_sid);
      assert.equal(await s.voipCarriers.delete(c.voip_carrier_sid), true);
      assert.equal(await s.sipGateways.get(g1.sip_gateway_sid), undefined);
    });

    withStore('account delete cascades to everything it owns', async (s) => {
      const a = await s.accounts.create({ name: 'a' });
      const app = await s.applications.create({ name: 'x', account_sid: a.account_sid });
      const c = await s.voipCarriers.create({ name: 'c', account_sid: a.account_sid, application_sid: app.application_sid });
      const shared = await s.voipCarriers.create({ name: 'shared', application_sid: app.application_sid });
      await s.sipGateways.create({ voip_carrier_sid: c.voip_carrier_sid, ipv4: '192.0.2.1' });
      await s.phoneNumbers.create({ number: '1', account_sid: a.account_sid, application_sid: app.application_sid, voip_carrier_sid: c.voip_carrier_sid });
      await s.apiKeys.create({ account_sid: a.account_sid, token_hash: hashToken('x'), token_hint: '' });
      await s.cdrs.write({ call_sid: 'call-1', account_sid: a.account_sid, direction: 'outbound', from: '1', to: '2', attempted_at: '2026-01-01T00:00:00Z' });
      await s.alerts.write({ account_sid: a.account_sid, alert_type: 'no-carrier', message: 'm' });
      assert.equal(await s.accounts.delete(a.account_sid), true);
      assert.equal((await s.applications.list()).length, 0);
      assert.deepEqual((await s.voipCarriers.list()).map((x) => x.name), ['shared']);
      assert.equal((await s.voipCarriers.get(shared.voip_carrier_sid))?.application_sid, null);
      assert.equal((await s.sipGateways.list()).length, 0);
      assert.equal((await s.phoneNumbers.list()).length, 0);
      assert.equal((await s.apiKeys.list()).length, 0);
      assert.equal(await s.cdrs.get('call-1'), undefined);
      assert.equal((await s.alerts.list(a.account_sid)).total, 0);
    });

    withStore('CDRs: write, replace, page, filter, newest first', async (s) => {
      const a = await s.accounts.create({ name: 'a' });
      const base = Date.UTC(2026, 0, 10);
      for (let i = 0; i < 7; i++) {
        await s.cdrs.write({
          call_sid: `call-${i}`, account_sid: a.account_sid, direction: i % 2 ? 'inbound' : 'outbound', from: `+1555000${i}`, to: '+4930123',
          attempted_at: new Date(base + i * 60_000).toISOString(), terminated_at: new Date(base + i * 60_000 + 5000).toISOString(),
          answered: i < 3, trunk: i === 6 ? 'telco' : null, sip_status: i < 3 ? 200 : 486,
        });
      }
      // A live call's record (no terminated_at) is not in RecentCalls yet.
      await s.cdrs.write({ call_sid: 'call-live', account_sid: a.account_sid, direction: 'outbound', from: '+15559999', to: '+4930123', attempted_at: new Date(base + 600_000).toISOString(), host: 'node-a' });
      const full = await s.cdrs.write({
        call_sid: 'call-0', account_sid: a.account_sid, direction: 'outbound', from: '+15550000', to: '+4930123', attempted_at: new Date(base).toISOString(),
        answered_at: new Date(base + 2000).toISOString(), terminated_at: new Date(base + 12_000).toISOString(), duration: 10, answered: true,
        sip_status: 200, sip_callid: 'abc@host', termination_reason: 'caller hung up', post_dial_delay_ms: 1800, webhook_latency_ms: 42,
        timeline: [{ t: 0, event: 'invite' }, { t: 2000, event: 'answered', sip_status: 200 }],
      });
      assert.equal(full.duration, 10);
      assert.deepEqual(full.timeline, [{ t: 0, event: 'invite' }, { t: 2000, event: 'answered', sip_status: 200 }]);
      assert.equal(full.post_dial_delay_ms, 1800);
      const p1 = await s.cdrs.list(a.account_sid, { page: 1, count: 3 });
      assert.equal(p1.total, 7);
      assert.deepEqual(p1.data.map((c) => c.call_sid), ['call-6', 'call-5', 'call-4']);
      const p3 = await s.cdrs.list(a.account_sid, { page: 3, count: 3 });
      assert.deepEqual(p3.data.map((c) => c.call_sid), ['call-0']);
      assert.equal((await s.cdrs.list(a.account_sid, { answered: true })).total, 3);
      assert.equal((await s.cdrs.list(a.account_sid, { direction: 'inbound' })).total, 3);
      assert.equal((await s.cdrs.list(a.account_sid, { trunk: 'telco' })).total, 1);
      assert.deepEqual((await s.cdrs.list(a.account_sid, { filter: '5550003' })).data.map((c) => c.call_sid), ['call-3']);
      assert.equal((await s.cdrs.list(a.account_sid, { filter: '%' })).total, 0);
      const range = await s.cdrs.list(a.account_sid, { start: new Date(base + 60_000).toISOString(), end: new Date(base + 180_000).toISOString() });
      assert.deepEqual(range.data.map((c) => c.call_sid), ['call-3', 'call-2', 'call-1']);
      assert.equal((await s.cdrs.list('other')).total, 0);
      assert.deepEqual((await s.cdrs.listOpen('node-a')).map((c) => c.call_sid), ['call-live']);
      assert.deepEqual((await s.cdrs.listOpen('node-b')).map((c) => c.call_sid), []);
      assert.deepEqual((await s.cdrs.listOpen()).map((c) => c.call_sid), ['call-live']);
    });

    withStore('cdrs.settleOpen ends an open record exactly once, whoever races for it (issue 16)', async (s) => {
      const a = await s.accounts.create({ name: 'a' });
      const at = '2026-12-01T10:00:00.000Z';
      await s.cdrs.write({ call_sid: 'open-1', account_sid: a.account_sid, direction: 'inbound', from: '1', to: '2', attempted_at: at, answered_at: null, terminated_at: null, host: 'node-a', timeline: [{ at, t: 0, event: 'invite' }] });
      const end = { terminated_at: '2026-12-01T10:00:30.000Z', termination_reason: 'node lost', termination_cause: 'failed', event: 'node-lost' };
      const results = await Promise.all([s.cdrs.settleOpen('open-1', end), s.cdrs.settleOpen('open-1', end), s.cdrs.settleOpen('open-1', end)]);
      assert.deepEqual(results.filter(Boolean).length, 1);
      const cdr = await s.cdrs.get('open-1');
      assert.equal(cdr?.terminated_at, end.terminated_at);
      assert.equal(cdr?.termination_reason, 'node lost');
      assert.equal(cdr?.termination_cause, 'failed');
      assert.deepEqual(cdr?.timeline.map((e) => e.event), ['invite', 'node-lost']);
      assert.equal(cdr?.timeline[1]?.t, 30_000);
      assert.equal(await s.cdrs.settleOpen('open-1', end), false);
      assert.equal(await s.cdrs.settleOpen('unknown', end), false);
      assert.deepEqual(await s.cdrs.listOpen('node-a'), []);
    });

    withStore('call journal: put, replace, list by host, delete', async (s) => {
      const a = await s.accounts.create({ name: 'a' });
      await s.callJournal.put({ call_sid: 'c1', account_sid: a.account_sid, host: 'node-a', hooks: { statusHook: { url: 'http://x/status' } } });
      await s.callJournal.put({ call_sid: 'c2', account_sid: a.account_sid, host: 'node-b', hooks: { notifyUrl: 'http://x/notify' } });
      await s.callJournal.put({ call_sid: 'c1', account_sid: a.account_sid, host: 'node-a', hooks: { statusHook: { url: 'http://x/other' } } });
      assert.deepEqual((await s.callJournal.get('c1'))?.hooks, { statusHook: { url: 'http://x/other' } });
      assert.deepEqual((await s.callJournal.listByHost('node-a')).map((e) => e.call_sid), ['c1']);
      assert.deepEqual((await s.callJournal.listByHost()).map((e) => e.call_sid).sort(), ['c1', 'c2']);
      assert.equal(await s.callJournal.delete('c1'), true);
      assert.equal(await s.callJournal.delete('c1'), false);
      assert.equal(await s.callJournal.get('c1'), undefined);
    });

    withStore('speech credentials: create, list, label unique per account and vendor, update, test results, last_used, account delete cascades', async (s) => {
      const a = await s.accounts.create({ name: 'a' });
      const b = await s.accounts.create({ name: 'b' });
      const dg = await s.speechCredentials.create({ account_sid: a.account_sid, vendor: 'deepgram', secret: 'blob-1' });
      assert.equal(dg.label, null);
      assert.equal(dg.use_for_tts, true);
      assert.equal(dg.use_for_stt, true);
      assert.equal(dg.tts_tested_ok, null);
      assert.equal(dg.last_used, null);
      const eu = await s.speechCredentials.create({ account_sid: a.account_sid, vendor: 'deepgram', label: 'eu', use_for_tts: false, secret: 'blob-2' });
      assert.equal(eu.use_for_tts, false);
      await rejectsWith(s.speechCredentials.create({ account_sid: a.account_sid, vendor: 'deepgram', label: 'eu', secret: 'x' }), 'STORE_CONFLICT');
      await rejectsWith(s.speechCredentials.create({ account_sid: a.account_sid, vendor: 'deepgram', label: '', secret: 'x' }), 'STORE_CONFLICT');
      await rejectsWith(s.speechCredentials.create({ account_sid: 'missing', vendor: 'deepgram', secret: 'x' }), 'STORE_INVALID');
      await s.speechCredentials.create({ account_sid: b.account_sid, vendor: 'deepgram', label: 'eu', secret: 'blob-b' });
      await s.speechCredentials.create({ account_sid: a.account_sid, vendor: 'custom:acme', secret: 'blob-3' });
      assert.deepEqual((await s.speechCredentials.list({ account_sid: a.account_sid })).map((c) => [c.vendor, c.label]), [['custom:acme', null], ['deepgram', null], ['deepgram', 'eu']]);
      assert.deepEqual((await s.speechCredentials.listForVendor(a.account_sid, 'deepgram')).map((c) => c.speech_credential_sid), [dg.speech_credential_sid, eu.speech_credential_sid]);
      assert.deepEqual(await s.speechCredentials.listForVendor(a.account_sid, 'custom:other'), []);
      assert.equal(await s.speechCredentials.update(dg.speech_credential_sid, { use_for_stt: false, secret: 'blob-1b' }), true);
      const u = await s.speechCredentials.get(dg.speech_credential_sid);
      assert.equal(u?.use_for_stt, false);
      assert.equal(u?.secret, 'blob-1b');
      assert.equal(await s.speechCredentials.update('nope', { use_for_stt: true }), false);
      assert.equal(await s.speechCredentials.recordTest(dg.speech_credential_sid, { last_tested: '2026-02-01T00:00:00.000Z', tts_tested_ok: true, stt_tested_ok: false }), true);
      await s.speechCredentials.touchLastUsed([dg.speech_credential_sid, eu.speech_credential_sid], '2026-02-02T00:00:00.000Z');
      const t = await s.speechCredentials.get(dg.speech_credential_sid);
      assert.deepEqual([t?.last_tested, t?.tts_tested_ok, t?.stt_tested_ok, t?.last_used], ['2026-02-01T00:00:00.000Z', true, false, '2026-02-02T00:00:00.000Z']);
      assert.equal((await s.speechCredentials.get(eu.speech_credential_sid))?.last_used, '2026-02-02T00:00:00.000Z');
      await s.speechCredentials.recordTest(dg.speech_credential_sid, { last_tested: '2026-02-03T00:00:00.000Z', tts_tested_ok: false });
      assert.equal((await s.speechCredentials.get(dg.speech_credential_sid))?.stt_tested_ok, null);
      assert.equal(await s.speechCredentials.delete(eu.speech_credential_sid), true);
      assert.equal(await s.speechCredentials.delete(eu.speech_credential_sid), false);
      assert.equal(await s.accounts.delete(a.account_sid), true);
      assert.deepEqual((await s.speechCredentials.list()).map((c) => c.account_sid), [b.account_sid]);
    });

    withStore('alerts: write and page by type', async (s) => {
      const a = await s.accounts.create({ name: 'a' });
      await s.alerts.write({ account_sid: a.account_sid, alert_type: 'webhook-failure', message: 'hook 500', detail: 'https://x', call_sid: 'c1', time: '2026-01-01T00:00:00Z' });
      await s.alerts.write({ account_sid: a.account_sid, alert_type: 'no-carrier', message: 'no carrier', time: '2026-01-02T00:00:00Z' });
      const all = await s.alerts.list(a.account_sid);
      assert.equal(all.total, 2);
      assert.deepEqual(all.data.map((x) => x.alert_type), ['no-carrier', 'webhook-failure']);
      assert.equal(all.data[1].call_sid, 'c1');
      assert.equal(all.data[1].time, '2026-01-01T00:00:00.000Z');
      assert.equal((await s.alerts.list(a.account_sid, { alert_type: 'no-carrier' })).total, 1);
      assert.equal((await s.alerts.list(a.account_sid, { count: 1, page: 2 })).data[0].alert_type, 'webhook-failure');
    });
  });
}
