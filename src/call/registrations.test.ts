import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLogger } from '../kernel/logger.js';
import { createResponse, formatUri, getHeader, type RegistrarContext, type SipRequest, type SipUri } from '../sip/index.js';
import { openStore, type Store } from '../store/index.js';
import { carrierRow, gatewayRow } from '../testkit/carriers.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { planFor, RegistrationManager } from './registrations.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

/** A registrar that accepts every REGISTER, granting what was asked. */
function fakeSip(clock: FakeClock): { ctx: RegistrarContext; seen: SipRequest[] } {
  const seen: SipRequest[] = [];
  const ctx: RegistrarContext = {
    clock, logger: nullLogger, commonHeaders: [],
    via: (t) => ({ transport: t.toUpperCase(), host: '203.0.113.1', port: 5060, branch: `z9hG4bK${seen.length}`, params: { branch: `z9hG4bK${seen.length}` } }),
    contact: (_t, user) => ({ uri: { scheme: 'sip', user, host: '203.0.113.1', port: 5060, params: {}, headers: {} }, params: {} }),
    resolve: async (uri) => [{ transport: 'udp', address: 'host' in uri ? uri.host : '?', port: 5060 }],
    send: async (req) => {
      seen.push(req);
      return createResponse(req, 200, { toTag: 'r', headers: [{ name: 'Expires', value: getHeader(req, 'Expires') ?? '3600' }] });
    },
  };
  return { ctx, seen };
}

async function withStore(fn: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-reg-'));
  const store = await openStore({ dataDir: join(dir, 'data'), logger: nullLogger });
  try {
    await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const carrier = carrierRow;
const gateway = gatewayRow;
const uri = (u: SipUri | undefined): string => (u ? formatUri(u) : '');

test('planFor: realm as Request-URI, the gateway as next hop, AOR from from_user/from_domain', () => {
  const p = planFor(carrier({ register_sip_realm: 'sip.telco.test', register_from_user: '4420', register_from_domain: 'telco.test' }), [gateway()], {});
  assert.ok('options' in p);
  assert.equal(uri(p.options.registrar), 'sip:sip.telco.test');
  assert.equal(uri(p.options.proxy), 'sip:192.0.2.10:5070');
  assert.equal(uri(p.options.aor), 'sip:4420@telco.test');
  assert.equal(p.options.contactUser, '4420');
  assert.deepEqual(p.options.credentials, { username: 'alice', password: 'pw' });
  assert.equal(p.options.contactHost, undefined);
});

test('planFor: without a realm the gateway is the registrar and the AOR domain', () => {
  const p = planFor(carrier(), [gateway({ protocol: 'tcp', port: null })], {});
  assert.ok('options' in p);
  assert.equal(uri(p.options.registrar), 'sip:192.0.2.10;transport=tcp');
  assert.equal(uri(p.options.aor), 'sip:alice@192.0.2.10');
});

test('planFor: outbound_sip_proxy wins over the gateway; register_public_ip_in_contact off uses the private address', () => {
  const p = planFor(carrier({ outbound_sip_proxy: 'proxy.telco.test:5080', register_sip_realm: 'telco.test', register_public_ip_in_contact: false }), [gateway()], { privateAddress: '10.0.0.5' });
  assert.ok('options' in p);
  assert.equal(uri(p.options.proxy), 'sip:proxy.telco.test:5080');
  assert.equal(p.options.contactHost, '10.0.0.5');
  const q = planFor(carrier({ outbound_sip_proxy: 'sip:10.1.1.1;transport=tcp', register_public_ip_in_contact: false }), [], { privateAddress: '0.0.0.0' });
  assert.ok('options' in q);
  assert.equal(uri(q.options.proxy), 'sip:10.1.1.1;transport=tcp');
  assert.equal(q.options.contactHost, undefined, 'a wildcard bind address is no contact');
});

test('planFor: a tls gateway registers over TLS (transport=tls; sips: AOR and registrar with use_sips_scheme; mutual_tls verifies the registrar)', () => {
  const p = planFor(carrier(), [gateway({ protocol: 'tls', port: 5061 })], {});
  assert.ok('options' in p);
  assert.equal(uri(p.options.proxy), 'sip:192.0.2.10:5061;transport=tls');
  assert.equal(uri(p.options.aor), 'sip:alice@192.0.2.10');
  assert.equal(p.options.tlsVerify, undefined);
  const q = planFor(carrier({ register_sip_realm: 'telco.test' }), [gateway({ protocol: 'tls/srtp', use_sips_scheme: true, mutual_tls: true })], {});
  assert.ok('options' in q);
  assert.equal(uri(q.options.registrar), 'sips:telco.test');
  assert.equal(uri(q.options.aor), 'sips:alice@telco.test');
  assert.equal(uri(q.options.proxy), 'sips:192.0.2.10:5070;transport=tls');
  assert.deepEqual(q.options.tlsVerify, { serverName: '192.0.2.10' });
});

test('planFor: carriers that cannot register get a fixed status with the reason', () => {
  const states = [
    planFor(carrier({ is_active: false }), [gateway()], {}),
    planFor(carrier(), [], {}),
    planFor(carrier({ register_password: null }), [gateway()], {}),
    planFor(carrier({ outbound_sip_proxy: 'mailto:x@y' }), [gateway()], {}),
    planFor(carrier({ outbound_sip_proxy: 'sips:proxy.test' }), [gateway()], {}),
  ].map((p) => ('fixed' in p ? `${p.fixed.state}: ${p.fixed.reason ?? ''}` : 'runs'));
  assert.match(states[0] ?? '', /^unregistered: carrier is not active/);
  assert.match(states[1] ?? '', /^failed: .*no active outbound gateway/);
  assert.match(states[2] ?? '', /^failed: .*required/);
  assert.match(states[3] ?? '', /^failed: outbound_sip_proxy/);
  assert.match(states[4] ?? '', /^failed: outbound_sip_proxy/);
});

test('the manager registers carriers that require it and follows the store (create, change, delete, poll)', async () => {
  await withStore(async (store) => {
    const clock = new FakeClock();
    const sip = fakeSip(clock);
    const m = new RegistrationManager({ clock, logger: nullLogger, store, context: sip.ctx, pollMs: 30_000 });
    const plain = await store.voipCarriers.create({ name: 'plain' });
    const reg = await store.voipCarriers.create({ name: 'reg', requires_register: true, register_username: 'alice', register_password: 'pw', register_sip_realm: 'telco.test' });
    await store.sipGateways.create({ voip_carrier_sid: reg.voip_carrier_sid, ipv4: '192.0.2.10', port: 5070, outbound: true });
    await m.start();
    await flush();
    assert.equal(m.status(plain.voip_carrier_sid), undefined);
    assert.equal(m.status(reg.voip_carrier_sid)?.state, 'registered');
    assert.equal(sip.seen.length, 1);
    const firstCallId = sip.seen[0]?.callId;

    // A new password: the old binding is removed first, then a new registration (new Call-ID).
    await store.voipCarriers.update(reg.voip_carrier_sid, { register_password: 'pw2' });
    await m.refresh();
    await flush();
    assert.deepEqual(sip.seen.map((r) => getHeader(r, 'Expires')), ['3600', '0', '3600']);
    assert.equal(sip.seen[1]?.callId, firstCallId);
    assert.notEqual(sip.seen[2]?.callId, firstCallId);

    // Nothing changed: nothing sent.
    await m.refresh();
    await flush();
    assert.equal(sip.seen.length, 3);

    // The periodic re-read notices a carrier added without refresh().
    const later = await store.voipCarriers.create({ name: 'later', requires_register: true, register_username: 'bob', register_password: 'pw', outbound_sip_proxy: '192.0.2.20' });
    assert.equal(m.status(later.voip_carrier_sid), undefined);
    clock.advance(30_000);
    await flush();
    assert.equal(m.status(later.voip_carrier_sid)?.state, 'registered');
    assert.equal(uri(sip.seen[3]?.uri as SipUri), 'sip:192.0.2.20');

    // Registration switched off: unregistered and forgotten.
    await store.voipCarriers.update(later.voip_carrier_sid, { requires_register: false });
    await m.refresh();
    assert.equal(m.status(later.voip_carrier_sid), undefined);
    assert.equal(getHeader(sip.seen[4] ?? (sip.seen[0] as SipRequest), 'Expires'), '0');

    await m.close();
    await m.close();
    assert.equal(getHeader(sip.seen[sip.seen.length - 1] ?? (sip.seen[0] as SipRequest), 'Expires'), '0');
    assert.equal(sip.seen.length, 6);
    assert.deepEqual(m.carriers, []);
    assert.equal(clock.pendingCount, 0, 'no poll or refresh timer left');
  });
});
