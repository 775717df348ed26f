import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiHarness, type ApiHarness } from '../testkit/api-harness.js';

let h: ApiHarness;
let acct: string;
before(async () => {
  h = await startApiHarness();
  acct = await h.create('/v1/Accounts', { name: 'trunks' });
});
after(() => h.close());

type Obj = Record<string, unknown>;
const errPaths = (b: unknown): string[] => ((b as { errors?: { path: string }[] }).errors ?? []).map((e) => e.path).sort();

test('VoipCarriers: CRUD, passwords masked after creation, a PUT of the mask keeps the password', async () => {
  const sid = await h.create('/v1/VoipCarriers', {
    name: 'telco', account_sid: acct, e164_leading_plus: true, requires_register: true, register_username: 'user', register_password: 's3cret!',
    register_sip_realm: 'sip.telco.example', inbound_auth_password: 'in-pass', tech_prefix: '99', is_default: true,
  });
  const got = (await h.call('GET', `/v1/VoipCarriers/${sid}`)).body as Obj;
  assert.deepEqual([got.name, got.e164_leading_plus, got.register_password, got.inbound_auth_password, got.is_default], ['telco', true, '********', '********', true]);
  const list = await h.call('GET', `/v1/Accounts/${acct}/VoipCarriers`);
  assert.ok(!list.raw.includes('s3cret!') && !list.raw.includes('in-pass'));
  assert.equal((await h.call('PUT', `/v1/VoipCarriers/${sid}`, { body: { ...got, voip_carrier_sid: undefined, created_at: undefined, name: 'telco-2' } })).status, 204);
  const stored = await h.store.voipCarriers.get(sid);
  assert.deepEqual([stored?.name, stored?.register_password, stored?.inbound_auth_password], ['telco-2', 's3cret!', 'in-pass']);
  assert.equal((await h.call('PUT', `/v1/VoipCarriers/${sid}`, { body: { register_password: 'n3w' } })).status, 204);
  assert.equal((await h.store.voipCarriers.get(sid))?.register_password, 'n3w');
  assert.equal((await h.call('DELETE', `/v1/VoipCarriers/${sid}`)).status, 204);
  assert.equal((await h.call('GET', `/v1/VoipCarriers/${sid}`)).status, 404);
});

test('VoipCarriers: validation, duplicate names, shared carriers, in-use delete', async () => {
  const reg = await h.call('POST', '/v1/VoipCarriers', { body: { name: 'r', account_sid: acct, requires_register: true } });
  assert.equal(reg.status, 400);
  assert.deepEqual(errPaths(reg.body), ['register_password', 'register_username']);
  const bad = await h.call('POST', '/v1/VoipCarriers', { body: { name: 'r', account_sid: acct, dtmf_type: 'morse', smpp_system_id: 'x' } });
  assert.deepEqual([bad.status, errPaths(bad.body)], [400, ['dtmf_type', 'smpp_system_id']]);
  await h.create('/v1/VoipCarriers', { name: 'dup', account_sid: acct });
  const dup = await h.call('POST', '/v1/VoipCarriers', { body: { name: 'dup', account_sid: acct } });
  assert.deepEqual([dup.status, errPaths(dup.body)], [422, ['name']]);
  const shared = await h.create('/v1/VoipCarriers', { name: 'dup' });
  assert.equal(((await h.call('GET', `/v1/VoipCarriers/${shared}`)).body as Obj).account_sid, null);
  const { token } = await h.accountKey(acct);
  assert.equal((await h.call('GET', `/v1/VoipCarriers/${shared}`, { token })).status, 404, 'shared carriers are admin-managed');
  const num = await h.create('/v1/PhoneNumbers', { number: '+3312345', account_sid: acct, voip_carrier_sid: shared });
  assert.equal((await h.call('DELETE', `/v1/VoipCarriers/${shared}`)).status, 422);
  await h.call('DELETE', `/v1/PhoneNumbers/${num}`);
  assert.equal((await h.call('DELETE', `/v1/VoipCarriers/${shared}`)).status, 204);
});

test('SipGateways: CRUD, list by carrier, priority order, netmask rule', async () => {
  const car = await h.create('/v1/VoipCarriers', { name: 'gw-carrier', account_sid: acct });
  const g1 = await h.create('/v1/SipGateways', { voip_carrier_sid: car, ipv4: 'sip.telco.example', port: 5080, protocol: 'tcp', priority: 2, inbound: false });
  const g2 = await h.create('/v1/SipGateways', { voip_carrier_sid: car, ipv4: '203.0.113.0', netmask: 24, priority: 1, outbound: 0 });
  const g3 = await h.create('/v1/SipGateways', { voip_carrier_sid: car, ipv4: '203.0.113.7', priority: 0 });
  const one = (await h.call('GET', `/v1/SipGateways/${g1}`)).body as Obj;
  assert.deepEqual([one.ipv4, one.port, one.protocol, one.inbound, one.outbound, one.netmask], ['sip.telco.example', 5080, 'tcp', false, true, 32]);
  const list = (await h.call('GET', `/v1/SipGateways/?voip_carrier_sid=${car}`)).body as Obj[];
  assert.deepEqual(list.map((g) => g.sip_gateway_sid), [g3, g2, g1]);
  assert.deepEqual((await h.store.sipGateways.listOutbound(car)).map((g) => g.sip_gateway_sid), [g3, g1]);
  assert.equal(((await h.call('GET', `/v1/Accounts/${acct}/SipGateways`)).body as Obj[]).length, 3);
  assert.equal((await h.call('PUT', `/v1/SipGateways/${g1}`, { body: { priority: 0, port: null } })).status, 204);
  assert.equal(((await h.call('GET', `/v1/SipGateways/${g1}`)).body as Obj).port, null);
  const mask = await h.call('POST', '/v1/SipGateways', { body: { voip_carrier_sid: car, ipv4: 'sip.example', netmask: 24 } });
  assert.deepEqual([mask.status, errPaths(mask.body)], [400, ['netmask']]);
  const bad = await h.call('POST', '/v1/SipGateways', { body: { voip_carrier_sid: car, ipv4: 'not a host', port: 70000, protocol: 'sctp', remove_ice: true } });
  assert.deepEqual([bad.status, errPaths(bad.body)], [400, ['ipv4', 'port', 'protocol', 'remove_ice']]);
  const noCarrier = await h.call('POST', '/v1/SipGateways', { body: { voip_carrier_sid: '00000000-0000-4000-8000-000000000000', ipv4: '192.0.2.1' } });
  assert.equal(noCarrier.status, 404);
  assert.equal((await h.call('PUT', `/v1/SipGateways/${g2}`, { body: { voip_carrier_sid: acct } })).status, 400);
  assert.equal((await h.call('DELETE', `/v1/SipGateways/${g2}`)).status, 204);
  assert.equal((await h.call('GET', `/v1/SipGateways/${g2}`)).status, 404);
  assert.equal((await h.call('DELETE', `/v1/VoipCarriers/${car}`)).status, 204);
  assert.equal((await h.call('GET', `/v1/SipGateways/${g3}`)).status, 404, 'gateways go with their carrier');
});

test('PhoneNumbers: a number with or without + is one number; number and carrier are fixed', async () => {
  const app = await h.create('/v1/Applications', { name: 'n', account_sid: acct, call_hook: 'https://a.example' });
  const car = await h.create('/v1/VoipCarriers', { name: 'num-carrier', account_sid: acct });
  const sid = await h.create(`/v1/Accounts/${acct}/PhoneNumbers`, { number: '+4930123456', voip_carrier_sid: car });
  const got = (await h.call('GET', `/v1/PhoneNumbers/${sid}`)).body as Obj;
  assert.deepEqual([got.number, got.account_sid, got.application_sid], ['4930123456', acct, null]);
  const dup = await h.call('POST', '/v1/PhoneNumbers', { body: { number: '4930123456', account_sid: acct } });
  assert.deepEqual([dup.status, errPaths(dup.body)], [422, ['number']]);
  assert.equal((await h.call('PUT', `/v1/PhoneNumbers/${sid}`, { body: { application_sid: app, number: '+4930123456', voip_carrier_sid: car } })).status, 204);
  assert.deepEqual(await h.store.phoneNumbers.findByNumber('+4930123456'), { ...(await h.store.phoneNumbers.get(sid)) });
  assert.equal((await h.store.phoneNumbers.findByNumber('4930123456'))?.application_sid, app);
  const change = await h.call('PUT', `/v1/PhoneNumbers/${sid}`, { body: { number: '4930999' } });
  assert.deepEqual([change.status, errPaths(change.body)], [400, ['number']]);
  const ws = await h.call('POST', '/v1/PhoneNumbers', { body: { number: '49 30 1', account_sid: acct } });
  assert.deepEqual([ws.status, errPaths(ws.body)], [400, ['number']]);
  const ghost = await h.call('POST', '/v1/PhoneNumbers', { body: { number: '49301', account_sid: acct, application_sid: '00000000-0000-4000-8000-000000000000' } });
  assert.deepEqual([ghost.status, errPaths(ghost.body)], [422, ['application_sid']]);
  assert.equal((await h.call('DELETE', `/v1/PhoneNumbers/${sid}`)).status, 204);
  assert.equal((await h.call('GET', `/v1/PhoneNumbers/${sid}`)).status, 404);
  assert.equal((await h.call('PUT', `/v1/PhoneNumbers/${sid}`, { body: {} })).status, 404);
});

test('issue 12 item 12: an account key cannot make an inbound gateway wider than /24; the admin key can', async () => {
  const { token } = await h.accountKey(acct);
  const car = await h.create(`/v1/Accounts/${acct}/VoipCarriers`, { name: 'prefix-carrier' }, token);
  const gw = (body: Obj) => h.call('POST', `/v1/Accounts/${acct}/SipGateways`, { token, body: { voip_carrier_sid: car, ...body } });
  for (const netmask of [1, 8, 16, 23]) {
    const wide = await gw({ ipv4: '198.51.0.0', netmask });
    assert.deepEqual([wide.status, errPaths(wide.body)], [400, ['netmask']], `/${netmask}`);
    const explicit = await gw({ ipv4: '198.51.0.0', netmask, inbound: true });
    assert.deepEqual([explicit.status, errPaths(explicit.body)], [400, ['netmask']], `/${netmask} inbound`);
  }
  assert.equal((await gw({ ipv4: '198.51.100.0', netmask: 24 })).status, 201);
  const outboundOnly = await gw({ ipv4: '198.51.0.0', netmask: 16, inbound: false });
  assert.equal(outboundOnly.status, 201, 'a range on an outbound-only gateway matches no inbound traffic');
  const outSid = (outboundOnly.body as { sid: string }).sid;
  const narrow = (await gw({ ipv4: '198.51.100.7' })).body as { sid: string };
  // Updates: an account key may not widen, turn a wide range inbound, move it or re-activate it.
  for (const [sid, patch] of [[narrow.sid, { netmask: 16 }], [outSid, { inbound: true }]] as const) {
    const r = await h.call('PUT', `/v1/Accounts/${acct}/SipGateways/${sid}`, { token, body: patch });
    assert.deepEqual([r.status, errPaths(r.body)], [400, ['netmask']], JSON.stringify(patch));
  }
  assert.equal((await h.store.sipGateways.get(narrow.sid))?.netmask, 32);
  assert.equal((await h.store.sipGateways.get(outSid))?.inbound, false);
  // The admin key may (an operator's own wide carrier); the tenant may then edit other fields only.
  assert.equal((await h.call('PUT', `/v1/SipGateways/${narrow.sid}`, { body: { netmask: 16, ipv4: '198.51.0.0' } })).status, 204);
  assert.equal((await h.call('PUT', `/v1/Accounts/${acct}/SipGateways/${narrow.sid}`, { token, body: { priority: 5, netmask: 16 } })).status, 204);
  for (const patch of [{ ipv4: '203.0.0.0' }, { netmask: 8 }]) {
    const r = await h.call('PUT', `/v1/Accounts/${acct}/SipGateways/${narrow.sid}`, { token, body: patch });
    assert.deepEqual([r.status, errPaths(r.body)], [400, ['netmask']], JSON.stringify(patch));
  }
  assert.equal((await h.call('PUT', `/v1/SipGateways/${narrow.sid}`, { body: { is_active: false } })).status, 204);
  const reactivate = await h.call('PUT', `/v1/Accounts/${acct}/SipGateways/${narrow.sid}`, { token, body: { is_active: true } });
  assert.deepEqual([reactivate.status, errPaths(reactivate.body)], [400, ['netmask']]);
  assert.equal((await h.call('POST', `/v1/Accounts/${acct}/SipGateways`, { body: { voip_carrier_sid: car, ipv4: '10.0.0.0', netmask: 8 } })).status, 201, 'admin key, account path');
});

test('issue 12 item 17: gateway send_options_ping, carrier dtmf_type and diversion are refused until supported', async () => {
  const car = await h.create('/v1/VoipCarriers', { name: 'unsupported-carrier', account_sid: acct, dtmf_type: 'rfc2833', diversion: null });
  for (const [body, path] of [[{ send_options_ping: true }, 'send_options_ping'], [{ send_options_ping: 1 }, 'send_options_ping']] as const) {
    const r = await h.call('POST', '/v1/SipGateways', { body: { voip_carrier_sid: car, ipv4: '192.0.2.50', ...body } });
    assert.deepEqual([r.status, errPaths(r.body)], [400, [path]], JSON.stringify(body));
    assert.match(JSON.stringify(r.body), /not supported yet/);
  }
  const gw = await h.create('/v1/SipGateways', { voip_carrier_sid: car, ipv4: '192.0.2.50', protocol: 'udp', send_options_ping: false });
  assert.equal((await h.call('PUT', `/v1/SipGateways/${gw}`, { body: { protocol: 'tcp', send_options_ping: 0 } })).status, 204);
  const ping = await h.call('PUT', `/v1/SipGateways/${gw}`, { body: { protocol: 'tls', send_options_ping: true } });
  assert.deepEqual([ping.status, errPaths(ping.body)], [400, ['send_options_ping']]);
  // A GET put back as it came (the portal and SDK do this) still passes.
  const read = (await h.call('GET', `/v1/SipGateways/${gw}`)).body as Obj;
  assert.equal((await h.call('PUT', `/v1/SipGateways/${gw}`, { body: { ...read, sip_gateway_sid: undefined, created_at: undefined } })).status, 204);

  for (const [body, path] of [[{ dtmf_type: 'tones' }, 'dtmf_type'], [{ dtmf_type: 'info' }, 'dtmf_type'], [{ diversion: '+15551234567' }, 'diversion']] as const) {
    const r = await h.call('POST', '/v1/VoipCarriers', { body: { name: `c-${path}`, account_sid: acct, ...body } });
    assert.deepEqual([r.status, errPaths(r.body)], [400, [path]], JSON.stringify(body));
    const u = await h.call('PUT', `/v1/VoipCarriers/${car}`, { body });
    assert.deepEqual([u.status, errPaths(u.body)], [400, [path]], JSON.stringify(body));
  }
  const carrier = (await h.call('GET', `/v1/VoipCarriers/${car}`)).body as Obj;
  assert.deepEqual([carrier.dtmf_type, carrier.diversion], ['rfc2833', null]);
  assert.equal((await h.call('PUT', `/v1/VoipCarriers/${car}`, { body: { ...carrier, voip_carrier_sid: undefined, created_at: undefined, diversion: '' } })).status, 204);
});

test('issue 13 §4: gateways take protocol tls and tls/srtp, use_sips_scheme, pad_crypto and mutual_tls (stored, read back, 1/0 accepted)', async () => {
  const car = await h.create('/v1/VoipCarriers', { name: 'teams-like', account_sid: acct });
  const gw = await h.create('/v1/SipGateways', { voip_carrier_sid: car, ipv4: 'sip.pstnhub.example', port: 5061, protocol: 'tls/srtp', use_sips_scheme: true, pad_crypto: 1, mutual_tls: true });
  const read = (await h.call('GET', `/v1/SipGateways/${gw}`)).body as Obj;
  assert.deepEqual([read.protocol, read.use_sips_scheme, read.pad_crypto, read.mutual_tls], ['tls/srtp', true, true, true]);
  assert.equal((await h.call('PUT', `/v1/SipGateways/${gw}`, { body: { protocol: 'tls', pad_crypto: false, mutual_tls: 0 } })).status, 204);
  const after = (await h.call('GET', `/v1/SipGateways/${gw}`)).body as Obj;
  assert.deepEqual([after.protocol, after.pad_crypto, after.mutual_tls], ['tls', false, false]);
  const plain = (await h.call('GET', `/v1/SipGateways/${await h.create('/v1/SipGateways', { voip_carrier_sid: car, ipv4: '192.0.2.60' })}`)).body as Obj;
  assert.deepEqual([plain.protocol, plain.use_sips_scheme, plain.pad_crypto, plain.mutual_tls], ['udp', false, false, false]);
  const bad = await h.call('POST', '/v1/SipGateways', { body: { voip_carrier_sid: car, ipv4: '192.0.2.61', protocol: 'dtls' } });
  assert.equal(bad.status, 400);
});
