import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { startApiHarness, type ApiHarness } from '../testkit/api-harness.js';

/**
 * Issue 4, acceptance 5, against a real listening server: provisioning with jambonz's request
 * bodies (contract §7; the shapes jambonz's own api-server tests send), then the published
 * `@jambonz/node-client` SDK, which calls `/v1/Accounts/{sid}/Applications[/]`.
 */
interface JambonzApplications {
  create(opts: Record<string, unknown>): Promise<string>;
  list(): Promise<{ application_sid: string; name: string }[]>;
  retrieve(sid: string): Promise<{ application_sid: string; name: string; call_hook: { url: string } }>;
  delete(sid: string): Promise<void>;
}
type JambonzClient = (accountSid: string, apiKey: string, opts: { baseUrl: string }) => { applications: JambonzApplications };
const jambonz = createRequire(import.meta.url)('@jambonz/node-client') as JambonzClient;

let h: ApiHarness;
let base: string;
before(async () => {
  h = await startApiHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
});
after(() => h.close());

async function http(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

async function created(method: string, path: string, token: string, body: unknown): Promise<string> {
  const r = await http(method, path, token, body);
  assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.json)}`);
  return (r.json as { sid: string }).sid;
}

test('jambonz provisioning bodies work unchanged over HTTP', async () => {
  const admin = h.adminToken;
  const account_sid = await created('POST', '/Accounts', admin, { name: 'daveh', service_provider_sid: '2708b1b3-2736-40ea-b502-c53d8396247f', webhook_secret: 'foobar' });
  const key = await http('POST', '/ApiKeys', admin, { account_sid });
  assert.equal(key.status, 201);
  const { sid: keySid, token } = key.json as { sid: string; token: string };
  assert.ok(keySid && token);
  const application_sid = await created('POST', '/Applications', token, {
    name: 'daveh', account_sid, call_hook: { url: 'http://example.com' }, call_status_hook: { url: 'http://example.com/status', method: 'POST' },
    messaging_hook: { url: 'http://example.com/sms' },
  });
  const voip_carrier_sid = await created('POST', '/VoipCarriers', token, {
    name: 'daveh', account_sid, e164_leading_plus: true, requires_register: true, register_username: 'foo', register_password: 'bar',
    register_sip_realm: 'sip.example.com', tech_prefix: '001',
  });
  const gw = await created('POST', '/SipGateways', token, { voip_carrier_sid, ipv4: '192.168.1.1', netmask: 32, port: 5060, inbound: true, outbound: true, protocol: 'udp' });
  const phone_number_sid = await created('POST', '/PhoneNumbers', token, { number: '15083333456', voip_carrier_sid, account_sid });
  assert.equal((await http('PUT', `/PhoneNumbers/${phone_number_sid}`, token, { application_sid, account_sid })).status, 204);
  assert.equal((await http('PUT', `/SipGateways/${gw}`, token, { port: 5061, outbound: false })).status, 204);

  const app = (await http('GET', `/Applications/${application_sid}`, token)).json as { messaging_hook: { url: string } };
  assert.equal(app.messaging_hook.url, 'http://example.com/sms');
  const gws = (await http('GET', `/SipGateways?voip_carrier_sid=${voip_carrier_sid}`, token)).json as { sip_gateway_sid: string; port: number; outbound: boolean }[];
  assert.deepEqual(gws.map((g) => [g.sip_gateway_sid, g.port, g.outbound]), [[gw, 5061, false]]);
  const carrier = (await http('GET', `/VoipCarriers/${voip_carrier_sid}`, token)).json as { register_password: string };
  assert.notEqual(carrier.register_password, 'bar');
  const secret = (await http('GET', `/Accounts/${account_sid}/WebhookSecret`, token)).json;
  assert.deepEqual(secret, { webhook_secret: 'foobar' });
  assert.deepEqual(await h.store.phoneNumbers.findByNumber('+15083333456'), {
    ...(await h.store.phoneNumbers.get(phone_number_sid)), application_sid, voip_carrier_sid, account_sid,
  });
  const del = await http('DELETE', `/Applications/${application_sid}`, token);
  assert.equal(del.status, 422, 'in use by the phone number');
});

test('the published @jambonz/node-client creates, lists, retrieves and deletes applications', async () => {
  const account_sid = await created('POST', '/Accounts', h.adminToken, { name: 'sdk' });
  const { token } = (await http('POST', '/ApiKeys', h.adminToken, { account_sid })).json as { token: string };
  const client = jambonz(account_sid, token, { baseUrl: base });
  const sid = await client.applications.create({
    name: 'from-sdk', call_hook: { url: 'https://agent.example/call', method: 'POST' }, call_status_hook: { url: 'https://agent.example/status' },
    speech_synthesis_vendor: 'google', speech_synthesis_language: 'en-US', speech_synthesis_voice: 'en-US-Standard-C',
    speech_recognizer_vendor: 'google', speech_recognizer_language: 'en-US',
  });
  const second = await client.applications.create({ name: 'second', call_hook: 'https://agent.example/2' });
  const list = await client.applications.list();
  assert.deepEqual(list.map((a) => [a.application_sid, a.name]), [[sid, 'from-sdk'], [second, 'second']]);
  const one = await client.applications.retrieve(sid);
  assert.equal(one.call_hook.url, 'https://agent.example/call');
  await client.applications.delete(second);
  assert.deepEqual((await client.applications.list()).map((a) => a.application_sid), [sid]);
  const other = await created('POST', '/Accounts', h.adminToken, { name: 'other' });
  const foreign = jambonz(other, token, { baseUrl: base });
  await assert.rejects(foreign.applications.list(), (e: { statusCode?: number }) => e.statusCode === 403);
});
