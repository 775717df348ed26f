import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp } from '../testkit/sipp.js';
import { eventually, startHookServer, startTestGateway, type TestGateway } from '../testkit/gateway.js';

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

type Cdr = { call_sid: string; termination_reason: string | null; answered: boolean };

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
    assert.equal(t.gw.calls.activeCount, 0);
  } finally {
    await hooks.close();
    await t.close();
  }
});
