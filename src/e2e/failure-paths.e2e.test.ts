import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSipp } from '../testkit/sipp.js';
import { startCli } from '../testkit/cli-gateway.js';
import { freePort } from '../testkit/ports.js';
import { startSimGateway } from '../testkit/sim-gateway.js';
import { DEMO_FROM } from '../cli/demo.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type TestGateway } from '../testkit/gateway.js';

// Issue 12: the call path's failure paths. Each test here failed before its fix.

const NUMBER = '+4930999000';

async function provisionInbound(t: TestGateway, hooks: string): Promise<{ accountSid: string }> {
  const acc = await t.api('POST', '/v1/Accounts', { name: 'failure paths' });
  const accountSid = (acc.body as { sid: string }).sid;
  const app = await t.api('POST', '/v1/Applications', { name: 'app', account_sid: accountSid, call_hook: `${hooks}/app`, call_status_hook: `${hooks}/status` });
  const carrier = await t.api('POST', '/v1/VoipCarriers', { name: 'ingress', account_sid: accountSid });
  const carrierSid = (carrier.body as { sid: string }).sid;
  await t.api('POST', '/v1/PhoneNumbers', { number: NUMBER, account_sid: accountSid, application_sid: (app.body as { sid: string }).sid, voip_carrier_sid: carrierSid });
  await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrierSid, ipv4: '127.0.0.1', inbound: true, outbound: false });
  return { accountSid };
}

type Cdr = { call_sid: string; termination_reason: string | null; answered: boolean; host: string | null; remote_host: string | null };

test('issue 12 item 1: a caller that never ACKs our 200 gets a BYE after 64·T1, and the call ends — no live call left, one CDR, completed to the status hook', async () => {
  // T1 = 50 ms: 64·T1 = 3.2 s instead of 32 s.
  const t = await startTestGateway({ VGW_SIP_T1_MS: '50' });
  const hooks = await startHookServer({ '/app': () => [{ verb: 'answer' }, { verb: 'pause', length: 120 }] });
  try {
    const { accountSid } = await provisionInbound(t, hooks.url);
    const sipp = await startSipp({ scenario: 'uac_no_ack.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', NUMBER.slice(1)], timeoutSeconds: 30 });
    const r = await sipp.done;
    assert.equal(r.successful, 1, `sipp expects the 200 retransmitted, then our BYE: ${r.errors}`);
    const live = async (): Promise<unknown[]> => (await t.api('GET', `/v1/Accounts/${accountSid}/Calls`)).body as unknown[];
    await eventually(async () => (await live()).length === 0, 5000, 'no live call');
    await eventually(() => hooks.seen.some((h) => h.path === '/status' && h.json.call_status === 'completed'), 5000, 'completed to the status hook');
    const completed = hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed');
    assert.equal(completed?.json.call_termination_by, 'jambonz');
    await eventually(async () => ((await t.api('GET', `/v1/Accounts/${accountSid}/RecentCalls`)).body as { data: Cdr[] }).data.length === 1, 5000, 'the CDR');
    const cdr = ((await t.api('GET', `/v1/Accounts/${accountSid}/RecentCalls`)).body as { data: Cdr[] }).data[0];
    assert.equal(cdr.termination_reason, 'no ACK for our 2xx');
    // Issue 12 item 17: the CDR's addresses are filled in.
    assert.equal(cdr.host, `127.0.0.1:${t.gw.sipPort}`);
    assert.equal(cdr.remote_host, `127.0.0.1:${sipp.port}`);
    assert.equal(t.gw.calls.activeCount, 0);
  } finally {
    await hooks.close();
    await t.close();
  }
});

test('issue 12 item 5: a callee whose Contact cannot be resolved — our BYE fails, the gateway stays up and the other call goes on', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'vgw-badcontact-'));
  const env = { VGW_DATA_DIR: dataDir, VGW_SIP_ADDRESS: '127.0.0.1', VGW_SIP_PORT: String(await freePort()), VGW_SIMULATOR: 'off', VGW_RTP_PORTS: '36000-36099' };
  const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 30 }] });
  const bad = await startSipp({ scenario: 'uas_answer_bad_contact.xml', timeoutSeconds: 20 });
  const good = await startSipp({ scenario: 'uas_ring_answer.xml', timeoutSeconds: 30 });
  const gw = await startCli(env);
  try {
    const p = await provisionSippCarrier(gw as unknown as TestGateway, hooks.url, [good.port]);
    const place = async (port: number, extra: Record<string, unknown> = {}): Promise<string> => {
      const r = await gw.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'sip', sipUri: `sip:callee@127.0.0.1:${port}` }, ...extra });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return (r.body as { sid: string }).sid;
    };
    const keep = await place(good.port);
    // timeLimit ends the bad call from a timer: its BYE (to bad.invalid) cannot even be resolved.
    const doomed = await place(bad.port, { timeLimit: 1 });
    const done = (sid: string) => hooks.seen.find((h) => h.path === '/status' && h.json.call_sid === sid && h.json.call_status === 'completed');
    await eventually(() => done(doomed), 15_000, 'the bad call completed');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await fetch(`${gw.base}/health`)).status, 200, 'the gateway is still up');
    const live = (await gw.api('GET', `/v1/Accounts/${p.accountSid}/Calls`)).body as Array<{ call_sid: string; call_status: string }>;
    assert.deepEqual(live.map((c) => [c.call_sid, c.call_status]), [[keep, 'in-progress']]);
    await gw.api('DELETE', `/v1/Accounts/${p.accountSid}/Calls/${keep}`);
    assert.equal((await good.done).successful, 1);
  } finally {
    bad.kill();
    good.kill();
    await gw.stop('SIGTERM');
    await hooks.close();
  }
});

test('issue 12 item 16: a 2xx whose SDP answer we cannot use is ACKed and then BYEd — the call fails, it is never in-progress', async () => {
  const t = await startTestGateway();
  const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 30 }] });
  const sipp = await startSipp({ scenario: 'uas_answer_g729.xml', timeoutSeconds: 20 });
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const r = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550009' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const sid = (r.body as { sid: string }).sid;
    const s = await sipp.done;
    assert.equal(s.successful, 1, `sipp got ACK and BYE: ${s.errors}`);
    await eventually(() => hooks.seen.some((h) => h.path === '/status' && h.json.call_status === 'failed'), 5000, 'failed to the status hook');
    const statuses = hooks.seen.filter((h) => h.path === '/status' && h.json.call_sid === sid).map((h) => h.json.call_status);
    assert.ok(!statuses.includes('in-progress'), statuses.join());
    assert.ok(!hooks.seen.some((h) => h.path === '/app'), 'the application never ran');
    const failed = hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'failed');
    assert.equal(failed?.json.sip_status, 488);
    await eventually(() => t.gw.calls.activeCount === 0, 5000, 'no live call');
  } finally {
    sipp.kill();
    await hooks.close();
    await t.close();
  }
});

test('issue 15: a ws:// call_hook whose socket never opens (one retry: #rc=1) fails like an unreachable webhook: the call ends cleanly with an alert', async () => {
  const g = await startSimGateway({});
  try {
    const r = await g.t.api('POST', `/v1/Accounts/${g.accountSid}/Calls`, {
      from: DEMO_FROM, to: { type: 'phone', number: '+15550100', trunk: 'simulator' }, call_hook: 'ws://127.0.0.1:9/app#rc=1', call_status_hook: `${g.hooks.url}/status`,
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const sid = (r.body as { sid: string }).sid;
    const done = await eventually(() => g.statuses(sid).find((e) => e.call_status === 'completed'), 10_000, 'completed');
    assert.match(String(done.termination_reason), /127\.0\.0\.1:9/);
    const alerts = await g.t.api('GET', `/v1/Accounts/${g.accountSid}/Alerts`);
    assert.ok((alerts.body as { data: Array<{ alert_type: string; call_sid: string }> }).data.some((a) => a.alert_type === 'webhook-connection-failure' && a.call_sid === sid));
  } finally {
    await g.close();
  }
});
