import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp, sippReceivedCount } from '../testkit/sipp.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type HookRequest } from '../testkit/gateway.js';
import { simulatorEnv, startSimGateway } from '../testkit/sim-gateway.js';

const notified = (seen: readonly HookRequest[]): string[] => seen.filter((h) => h.path === '/notify').map((h) => String(h.json.event));

test('issue 7 acceptance 3: sip:refer to a sipp UAS that accepts and NOTIFYs 200 → actionHook success, eventHook per NOTIFY, the call ends; a refused REFER → TRANSFER_REFER_ERROR', async () => {
  for (const [scenario, ok] of [['uas_refer_accept.xml', true], ['uas_refer_refuse.xml', false]] as const) {
    // Issue 7 acceptance 0: with the simulator carrier on (it lives on 127.0.0.1 too).
  const t = await startTestGateway(await simulatorEnv());
    const hooks = await startHookServer({
      '/app': () => [{ verb: 'sip:refer', referTo: 'sip:callcentre@127.0.0.1:5999', referredBy: 'sip:agent@gateway.example', actionHook: '/referred', eventHook: '/refer-event' }],
      '/referred': () => [{ verb: 'hangup' }],
    });
    const sipp = await startSipp({ scenario, timeoutSeconds: 30 });
    try {
      const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
      const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550010' }, notifyUrl: `${hooks.url}/notify` });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const referred = await eventually(() => hooks.seen.find((h) => h.path === '/referred'), 20_000, 'refer actionHook');
      const r = await sipp.done;
      assert.equal(r.successful, 1, `${scenario}: ${r.errors}`);
      assert.match(r.messages, /^Refer-To: <sip:callcentre@127\.0\.0\.1:5999>/m);
      assert.match(r.messages, /^Referred-By: <sip:agent@gateway\.example>/m);
      await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed'), 5000, 'completed');
      if (ok) {
        assert.equal(referred.json.refer_status, 202);
        assert.equal(referred.json.final_referred_call_status, 200);
        const ev = hooks.seen.filter((h) => h.path === '/refer-event');
        assert.deepEqual(ev.map((h) => [h.json.event, h.json.call_status]), [['transfer-status', 200]]);
        await eventually(() => notified(hooks.seen).includes('TRANSFER_REFER_SUCCESS'), 5000, 'TRANSFER_REFER_SUCCESS');
      } else {
        assert.equal(referred.json.refer_status, 603);
        await eventually(() => notified(hooks.seen).includes('TRANSFER_REFER_ERROR'), 5000, 'TRANSFER_REFER_ERROR');
      }
    } finally {
      sipp.kill();
      await hooks.close();
      await t.close();
    }
  }
});

test('issue 7 acceptance 6: dial with two targets rings both; the answered one is bridged, the other gets CANCEL; TRANSFER_DIAL_SUCCESS; a failed dial → TRANSFER_DIAL_ERROR', async () => {
  // Issue 7 acceptance 0: with the simulator carrier on (it lives on 127.0.0.1 too).
  const t = await startTestGateway(await simulatorEnv());
  const ringer = await startSipp({ scenario: 'uas_no_answer.xml', timeoutSeconds: 30 });
  const answerer = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '500'], timeoutSeconds: 30 });
  const busy = await startSipp({ scenario: 'uas_busy.xml', timeoutSeconds: 30 });
  const hooks = await startHookServer({
    '/app': (r) => (r.json.to === '15550011'
      ? [{ verb: 'dial', target: [{ type: 'sip', sipUri: `sip:a@127.0.0.1:${ringer.port}` }, { type: 'sip', sipUri: `sip:b@127.0.0.1:${answerer.port}` }], timeLimit: 2, actionHook: '/dialed' }]
      : [{ verb: 'dial', target: [{ type: 'sip', sipUri: `sip:c@127.0.0.1:${busy.port}` }], actionHook: '/dialed-busy' }]),
    '/dialed': () => [{ verb: 'hangup' }],
    '/dialed-busy': () => [{ verb: 'pause', length: 1 }, { verb: 'hangup' }],
  });
  try {
    const callee = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '50'], timeoutSeconds: 30 });
    const p = await provisionSippCarrier(t, hooks.url, [callee.port]);
    // A REST call (the customer), whose app transfers to the call centre.
    const ok = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550011' }, notifyUrl: `${hooks.url}/notify` });
    assert.equal(ok.status, 201);
    const dialed = await eventually(() => hooks.seen.find((h) => h.path === '/dialed'), 20_000, 'dial actionHook');
    assert.equal(dialed.json.dial_call_status, 'completed');
    const r1 = await ringer.done;
    assert.equal(sippReceivedCount(r1.messages, 'CANCEL'), 1, 'the losing target is cancelled');
    assert.equal((await answerer.done).successful, 1);
    await eventually(() => notified(hooks.seen).includes('TRANSFER_DIAL_SUCCESS'), 5000, 'TRANSFER_DIAL_SUCCESS');

    const callee2 = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '50'], timeoutSeconds: 30 });
    await t.api('PUT', `/v1/SipGateways/${await gatewaySid(t, p.carrierSid)}`, { port: callee2.port });
    const bad = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550012' }, notifyUrl: `${hooks.url}/notify` });
    assert.equal(bad.status, 201);
    const busyHook = await eventually(() => hooks.seen.find((h) => h.path === '/dialed-busy'), 20_000, 'busy dial actionHook');
    assert.equal(busyHook.json.dial_call_status, 'busy');
    assert.equal(busyHook.json.dial_sip_status, 486);
    await eventually(() => notified(hooks.seen).includes('TRANSFER_DIAL_ERROR'), 5000, 'TRANSFER_DIAL_ERROR');
  } finally {
    for (const s of [ringer, answerer, busy]) s.kill();
    await hooks.close();
    await t.close();
  }
});

async function gatewaySid(t: Awaited<ReturnType<typeof startTestGateway>>, carrierSid: string): Promise<string> {
  const list = await t.api('GET', `/v1/SipGateways?voip_carrier_sid=${carrierSid}`);
  return (list.body as Array<{ sip_gateway_sid: string }>)[0].sip_gateway_sid;
}

test('issue 7 acceptance 8: during a call the app POSTs /Calls; the follow-up call runs on its own with its own hooks while the first continues', async () => {
  const g = await startSimGateway({
    // The first call stays up until the test ends it, however long the follow-up takes on a loaded machine.
    '/app': () => [{ verb: 'pause', length: 60 }, { verb: 'hangup' }],
    '/followup-app': () => [{ verb: 'say', text: 'This is your follow-up call.' }, { verb: 'hangup' }],
  });
  try {
    const first = await g.call('+15550100');
    await eventually(() => g.statuses(first).find((e) => e.call_status === 'in-progress'), 10_000, 'first answered');
    const res = await g.t.api('POST', `/v1/Accounts/${g.accountSid}/Calls`, {
      from: '+15551230000', to: { type: 'phone', number: '+15550100' },
      call_hook: `${g.hooks.url}/followup-app`, call_status_hook: `${g.hooks.url}/followup-status`,
    });
    assert.equal(res.status, 201);
    const second = (res.body as { sid: string }).sid;
    const followup = () => g.hooks.seen.filter((h) => h.path === '/followup-status' && h.json.call_sid === second).map((h) => h.json.call_status);
    await eventually(() => followup().includes('completed'), 15_000, 'follow-up completed');
    assert.ok(!g.statuses(first).some((e) => e.call_status === 'completed'), 'the first call is still up');
    assert.equal((await g.t.api('PUT', `/v1/Accounts/${g.accountSid}/Calls/${first}`, { call_status: 'completed' })).status, 202);
    await eventually(() => g.statuses(first).find((e) => e.call_status === 'completed'), 10_000, 'first completed');
    assert.ok(g.statuses(second).length === 0, 'the follow-up call\'s events went to its own hook');
  } finally {
    await g.close();
  }
});
