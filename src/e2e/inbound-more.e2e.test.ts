import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp } from '../testkit/sipp.js';
import { eventually, startHookServer, startTestGateway, type TestGateway } from '../testkit/gateway.js';
import { simulatorEnv } from '../testkit/sim-gateway.js';

const NUMBER = '4930555000';

async function provision(t: TestGateway, hooks: string, carrier: Record<string, unknown>, gateway?: string): Promise<void> {
  const acc = await t.api('POST', '/v1/Accounts', { name: 'more' });
  const accountSid = (acc.body as { sid: string }).sid;
  const app = await t.api('POST', '/v1/Applications', { name: 'app', account_sid: accountSid, call_hook: `${hooks}/app`, call_status_hook: `${hooks}/status` });
  const c = await t.api('POST', '/v1/VoipCarriers', { name: 'ingress', account_sid: accountSid, ...carrier });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const carrierSid = (c.body as { sid: string }).sid;
  if (gateway) await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrierSid, ipv4: gateway, inbound: true, outbound: false });
  await t.api('POST', '/v1/PhoneNumbers', { number: NUMBER, account_sid: accountSid, application_sid: (app.body as { sid: string }).sid, voip_carrier_sid: carrierSid });
}

test('issue 7: CANCEL before answer → no-answer (call_termination_by caller); earlyMedia sends 183 with SDP before the 200', async () => {
  const t = await startTestGateway(await simulatorEnv());
  let mode: 'wait' | 'early' = 'wait';
  const hooks = await startHookServer({
    '/app': () => (mode === 'wait'
      ? [{ verb: 'pause', length: 10 }]
      : [{ verb: 'say', text: 'Please hold.', earlyMedia: true }, { verb: 'answer' }, { verb: 'pause', length: 1 }, { verb: 'hangup' }]),
  });
  try {
    await provision(t, hooks.url, {}, '127.0.0.1');
    const r = await (await startSipp({ scenario: 'uac_cancel.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER, '-d', '800'], timeoutSeconds: 20 })).done;
    assert.equal(r.successful, 1, r.errors);
    const last = await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'no-answer'), 5000, 'no-answer');
    assert.equal(last.json.sip_status, 487);
    assert.equal(last.json.call_termination_by, 'caller');

    mode = 'early';
    const e = await (await startSipp({ scenario: 'uac_early_media.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER], timeoutSeconds: 20 })).done;
    assert.equal(e.successful, 1, `183 with SDP, then 200, then our BYE: ${e.errors}`);
  } finally {
    await hooks.close();
    await t.close();
  }
});

test('issue 7: a carrier that authenticates with digest (no matching address) is challenged, then accepted with the right credentials', async () => {
  const t = await startTestGateway(await simulatorEnv());
  const hooks = await startHookServer({ '/app': () => [{ verb: 'say', text: 'Authenticated.' }, { verb: 'hangup' }] });
  try {
    await provision(t, hooks.url, { inbound_auth_username: 'trunkuser', inbound_auth_password: 'trunkpass' });
    // From 127.0.0.2, which no inbound gateway covers: digest is the only way in.
    const good = await (await startSipp({ scenario: 'uac_digest_wait_bye.xml', address: '127.0.0.2', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER, '-au', 'trunkuser', '-ap', 'trunkpass'], timeoutSeconds: 20 })).done;
    assert.equal(good.successful, 1, good.errors);
    assert.match(good.messages, /WWW-Authenticate: Digest/);
    await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed'), 5000, 'completed');
    const bad = await (await startSipp({ scenario: 'uac_digest_wait_bye.xml', address: '127.0.0.2', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER, '-au', 'trunkuser', '-ap', 'wrong'], timeoutSeconds: 8 })).done;
    assert.equal(bad.successful, 0, 'wrong credentials are refused');
    assert.match(bad.messages, /SIP\/2.0 403 Forbidden/);
  } finally {
    await hooks.close();
    await t.close();
  }
});

test('re-INVITEs in a live call: hold (sendonly → recvonly), inactive, resume are answered in the same SDP session with the next version; INFO, OPTIONS, REFER answered', async () => {
  const t = await startTestGateway(await simulatorEnv());
  const hooks = await startHookServer({ '/app': () => [{ verb: 'answer' }, { verb: 'pause', length: 20 }] });
  try {
    await provision(t, hooks.url, {}, '127.0.0.1');
    // sipp checks each answer's direction (check_it) and ends with its own BYE.
    const r = await (await startSipp({ scenario: 'uac_indialog.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER], timeoutSeconds: 20 })).done;
    assert.equal(r.successful, 1, r.errors);
    // Our SDP in the 200s sipp received: one o= session id, version +1 at each re-INVITE.
    const origins = [...r.messages.matchAll(/^o=\S+ (\d+) (\d+) IN IP4/gm)].map((m) => [m[1], Number(m[2])] as const).filter(([id]) => id !== '1');
    assert.equal(origins.length, 4, `o= lines of our answers: ${JSON.stringify(origins)}`);
    assert.equal(new Set(origins.map(([id]) => id)).size, 1);
    assert.deepEqual(origins.map(([, v]) => v - origins[0][1]), [0, 1, 2, 3]);
    const done = await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed'), 5000, 'completed');
    assert.equal(done.json.call_termination_by, 'caller');
  } finally {
    await hooks.close();
    await t.close();
  }
});

test('issue 16: X-Forwarded-For names the carrier only from a trusted proxy (VGW_SIP_TRUSTED_PROXIES); from anyone else it is ignored', async () => {
  const t = await startTestGateway({ VGW_SIP_TRUSTED_PROXIES: '127.0.0.3' });
  const hooks = await startHookServer({ '/app': () => [{ verb: 'answer' }, { verb: 'pause', length: 1 }, { verb: 'hangup' }] });
  try {
    // The carrier's only inbound gateway is 10.20.30.40, an address no packet here comes from.
    await provision(t, hooks.url, {}, '10.20.30.40');
    const target = `127.0.0.1:${t.gw.sipPort}`;
    const forged = await (await startSipp({ scenario: 'uac_xff_expect_403.xml', target, extra: ['-s', NUMBER], timeoutSeconds: 20 })).done;
    assert.equal(forged.successful, 1, `403 for a forwarded-for claim from an untrusted address: ${forged.errors}`);
    assert.equal(hooks.seen.length, 0);
    const relayed = await (await startSipp({ scenario: 'uac_xff_wait_bye.xml', target, address: '127.0.0.3', extra: ['-s', NUMBER], timeoutSeconds: 20 })).done;
    assert.equal(relayed.successful, 1, relayed.errors);
    const session = hooks.seen.find((h) => h.path === '/app');
    assert.equal((session?.json.sip as { source_address?: string } | undefined)?.source_address, '10.20.30.40');
  } finally {
    await hooks.close();
    await t.close();
  }
});
