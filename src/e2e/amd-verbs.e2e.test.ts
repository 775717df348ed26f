import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_FROM } from '../cli/demo.js';
import { eventually, startHookServer, startTestGateway, type HookRequest, type TestGateway } from '../testkit/gateway.js';
import { startSimGateway } from '../testkit/sim-gateway.js';
import { startSipp } from '../testkit/sipp.js';

const MACHINE = ['amd_machine_detected', 'amd_tone_detected', 'amd_machine_stopped_speaking', 'amd_stopped'];

const at = (seen: readonly HookRequest[], path: string, sid: string): HookRequest[] => seen.filter((h) => h.path === path && h.json.call_sid === sid);
const types = (hs: readonly HookRequest[]): string[] => hs.map((h) => String(h.json.type));

test('issue 6: config.amd on a REST call to the simulator voicemail, and dial.amd on a dialed voicemail leg (events with the parent call info)', async () => {
  const g = await startSimGateway({
    // The voicemail call turns AMD on from its application; the human call dials the voicemail.
    '/app': (r) => (r.json.to === '+15550101'
      ? [{ config: { amd: { actionHook: '/amd' } } }, { pause: { length: 12 } }]
      : [{ dial: { target: [{ type: 'phone', number: '+15550101', trunk: 'simulator' }], callerId: DEMO_FROM, amd: { actionHook: '/dial-amd' } } }]),
  });
  try {
    const notifyUrl = `${g.hooks.url}/notify`;
    const vm = await g.call('+15550101', { notifyUrl, tag: { lead: 7 } });
    const parent = await g.call('+15550100', { notifyUrl });
    await eventually(() => types(at(g.hooks.seen, '/amd', vm)).includes('amd_stopped'), 25_000, 'config.amd: amd_stopped');
    await eventually(() => types(at(g.hooks.seen, '/dial-amd', parent)).includes('amd_stopped'), 25_000, 'dial.amd: amd_stopped');

    // (a) config.amd: the machine sequence for the call itself, with its call info and evidence.
    const amd = at(g.hooks.seen, '/amd', vm);
    assert.deepEqual(types(amd), MACHINE);
    assert.deepEqual(amd[0].json.customerData, { lead: 7 });
    assert.equal(amd[0].json.direction, 'outbound');
    assert.equal(amd[0].json.reason, 'long greeting');
    assert.ok(Array.isArray((amd[0].json.evidence as { segments?: unknown }).segments));
    assert.ok(Math.abs(Number(amd[1].json.frequency) - 1000) < 50, `beep at ${String(amd[1].json.frequency)} Hz`);

    // (b) dial.amd: the B leg's verdicts, sent with the parent's call info.
    const child = await eventually(() => g.hooks.seen.find((h) => h.path === '/status' && h.json.parent_call_sid === parent), 5000, 'the child leg');
    const childSid = String(child.json.call_sid);
    const dialAmd = g.hooks.seen.filter((h) => h.path === '/dial-amd');
    assert.deepEqual(types(dialAmd), MACHINE);
    for (const h of dialAmd) {
      assert.equal(h.json.call_sid, parent, 'the parent (A) call');
      assert.equal(h.json.to, '+15550100');
      assert.equal(h.json.parent_call_sid, undefined);
    }
    assert.equal(at(g.hooks.seen, '/amd', parent).length + at(g.hooks.seen, '/dial-amd', childSid).length, 0, 'nothing about the A leg, nothing with the B leg\'s info');

    // notifyUrl gets both sequences as ANSWERING_MACHINE_DETECTION, each with its call's info.
    const notified = (sid: string): string[] => types(g.hooks.seen.filter((h) => h.path === '/notify' && h.json.event === 'ANSWERING_MACHINE_DETECTION' && h.json.call_sid === sid));
    await eventually(() => notified(vm).length === 4 && notified(parent).length === 4, 5000, 'notifyUrl AMD events');
    assert.deepEqual(notified(vm), MACHINE);
    assert.deepEqual(notified(parent), MACHINE);
  } finally {
    await g.close();
  }
});

const INBOUND = '4930777066';

/** An account whose number INBOUND runs the application at `${hooks}/app`, reached from 127.0.0.1. */
async function provisionInbound(t: TestGateway, hooks: string): Promise<string> {
  const acc = await t.api('POST', '/v1/Accounts', { name: 'amd account' });
  const accountSid = (acc.body as { sid: string }).sid;
  const app = await t.api('POST', '/v1/Applications', { name: 'dialer', account_sid: accountSid, call_hook: `${hooks}/app`, call_status_hook: `${hooks}/status` });
  const carrier = await t.api('POST', '/v1/VoipCarriers', { name: 'ingress', account_sid: accountSid });
  const carrierSid = (carrier.body as { sid: string }).sid;
  await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrierSid, ipv4: '127.0.0.1', inbound: true, outbound: false });
  await t.api('POST', '/v1/PhoneNumbers', { number: INBOUND, account_sid: accountSid, application_sid: (app.body as { sid: string }).sid, voip_carrier_sid: carrierSid });
  return accountSid;
}

test('issue 6: config.amd on an inbound call before it is answered starts the detector at the answer', async () => {
  const t = await startTestGateway();
  const hooks = await startHookServer({
    '/app': () => [
      { config: { amd: { actionHook: '/amd', timers: { noSpeechTimeoutMs: 1500 } } } },
      { pause: { length: 1 } },
      { answer: {} },
      { pause: { length: 4 } },
    ],
  });
  try {
    const accountSid = await provisionInbound(t, hooks.url);
    // A silent caller: the detector hears no speech and says so 1.5 s after the answer.
    const caller = await startSipp({ scenario: 'uac_wait_bye.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', INBOUND], timeoutSeconds: 30 });
    const stopped = await eventually(() => hooks.seen.find((h) => h.path === '/amd' && h.json.type === 'amd_stopped'), 15_000, 'amd_stopped');
    const sid = String(stopped.json.call_sid);
    assert.deepEqual(types(at(hooks.seen, '/amd', sid)), ['amd_no_speech_detected', 'amd_stopped']);
    const noSpeech = at(hooks.seen, '/amd', sid)[0];
    assert.equal(noSpeech.json.direction, 'inbound');
    assert.ok(Math.abs(Number(noSpeech.json.decision_ms) - 1500) <= 200, `decided ${String(noSpeech.json.decision_ms)} ms after the answer`);
    const tl = await t.api('GET', `/v1/Accounts/${accountSid}/Calls/${sid}/Timeline`);
    const events = (tl.body as { timeline: Array<{ event: string }> }).timeline.map((e) => e.event);
    assert.ok(events.includes('amd-started'), events.join(','));
    assert.ok(events.indexOf('status:in-progress') < events.indexOf('amd-started'), `AMD starts at the answer: ${events.join(',')}`);
    assert.equal((await caller.done).successful, 1);
  } finally {
    await hooks.close();
    await t.close();
  }
});
