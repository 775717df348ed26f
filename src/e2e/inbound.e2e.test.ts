import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulatorEnv } from '../testkit/sim-gateway.js';
import { startSipp } from '../testkit/sipp.js';
import { freePort } from '../testkit/ports.js';
import { decodeG711, startRtpCapture } from '../testkit/rtp-capture.js';
import { eventually, startHookServer, startTestGateway, type TestGateway } from '../testkit/gateway.js';
import { serveAudio, tones, wavBytes, zeroCrossingHz } from '../testkit/audio.js';

const NUMBER = '+4930999000';

async function provision(t: TestGateway, hooks: string): Promise<{ accountSid: string; carrierSid: string }> {
  const acc = await t.api('POST', '/v1/Accounts', { name: 'inbound account' });
  const accountSid = (acc.body as { sid: string }).sid;
  const app = await t.api('POST', '/v1/Applications', { name: 'ivr', account_sid: accountSid, call_hook: `${hooks}/app`, call_status_hook: `${hooks}/status` });
  const carrier = await t.api('POST', '/v1/VoipCarriers', { name: 'ingress', account_sid: accountSid });
  const carrierSid = (carrier.body as { sid: string }).sid;
  const num = await t.api('POST', '/v1/PhoneNumbers', { number: NUMBER, account_sid: accountSid, application_sid: (app.body as { sid: string }).sid, voip_carrier_sid: carrierSid });
  assert.equal(num.status, 201, JSON.stringify(num.body));
  return { accountSid, carrierSid };
}

test('issue 7: inbound calls — 403 from an unknown address, 404 unknown number, 488 no common codec, 480 failing app; a known carrier reaches the app before answer', async () => {
  // Issue 7 acceptance 0: with the simulator carrier on (it lives on 127.0.0.1 too).
  const t = await startTestGateway(await simulatorEnv());
  let mode = 'say';
  const hooks = await startHookServer({
    '/app': () => (mode === 'fail' ? 500 : [{ verb: 'say', text: 'Welcome to the gateway.' }, { verb: 'hangup' }]),
  });
  const target = `127.0.0.1:${t.gw.sipPort}`;
  const dial = async (scenario: string, number: string, address?: string) => {
    const s = await startSipp({ scenario, target, address, extra: ['-s', number.replace('+', '')], timeoutSeconds: 20 });
    return s;
  };
  try {
    const p = await provision(t, hooks.url);
    // Only 10.9.9.9 is this carrier's inbound gateway so far; 127.0.0.1 belongs to the simulator
    // carrier (another account): both 127.0.0.2 (no carrier) and 127.0.0.1 are refused for this number.
    await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: p.carrierSid, ipv4: '10.9.9.9', netmask: 32, inbound: true, outbound: false });
    let r = await (await dial('uac_expect_403.xml', NUMBER, '127.0.0.2')).done;
    assert.equal(r.successful, 1, `403 expected from an unknown address: ${r.errors}`);
    r = await (await dial('uac_expect_403.xml', NUMBER)).done;
    assert.equal(r.successful, 1, `403 expected from another account's carrier: ${r.errors}`);
    assert.equal(hooks.seen.length, 0, 'nothing else happens');

    await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: p.carrierSid, ipv4: '127.0.0.0', netmask: 8, inbound: true, outbound: false });
    r = await (await dial('uac_expect_404.xml', '+4930999111')).done;
    assert.equal(r.successful, 1, `404 expected: ${r.errors}`);
    r = await (await dial('uac_expect_488.xml', NUMBER)).done;
    assert.equal(r.successful, 1, `488 expected: ${r.errors}`);

    mode = 'fail';
    r = await (await dial('uac_expect_480.xml', NUMBER)).done;
    assert.equal(r.successful, 1, `480 expected: ${r.errors}`);
    assert.match(r.messages, /^X-Reason: webhook-failure/m);
    const alerts = await t.api('GET', `/v1/Accounts/${p.accountSid}/Alerts`);
    assert.ok((alerts.body as { data: Array<{ alert_type: string }> }).data.some((a) => a.alert_type === 'webhook-failure'));

    mode = 'say';
    hooks.seen.length = 0;
    r = await (await dial('uac_wait_bye.xml', NUMBER)).done;
    assert.equal(r.successful, 1, r.errors);
    const sessionNew = hooks.seen.find((h) => h.path === '/app');
    assert.ok(sessionNew);
    assert.equal(sessionNew.json.direction, 'inbound');
    assert.equal(sessionNew.json.call_status, 'trying', 'session:new goes out before answer');
    assert.equal(sessionNew.json.to, NUMBER.slice(1), 'the number as dialled');
    assert.equal(sessionNew.json.from, '+4915112345678');
    const sip = sessionNew.json.sip as { headers: Record<string, string>; source_address: string; uri: string };
    assert.equal(sip.headers['x-customer-id'], '42');
    assert.equal(sip.source_address, '127.0.0.1');
    assert.match(sip.uri, /^sip:4930999000@/);
    const statuses = hooks.seen.filter((h) => h.path === '/status').map((h) => h.json.call_status);
    await eventually(() => hooks.seen.some((h) => h.path === '/status' && h.json.call_status === 'completed'), 5000, 'completed');
    assert.deepEqual(hooks.seen.filter((h) => h.path === '/status').map((h) => h.json.call_status), ['trying', 'in-progress', 'completed'], statuses.join());
  } finally {
    await hooks.close();
    await t.close();
  }
});

/**
 * An inbound call from sipp `scenario` to an app that plays a 1 kHz tone (served over HTTP: play
 * takes http(s) URLs only) and hangs up; returns our 200's SDP, the payload types on the wire and
 * the tone's frequency as sipp heard it.
 */
async function toneCall(scenario: string): Promise<{ okSdp: string; payloadTypes: Set<number>; hz: number; completed: boolean }> {
  // Issue 7 acceptance 0: with the simulator carrier on (it lives on 127.0.0.1 too).
  const t = await startTestGateway(await simulatorEnv());
  const tone = await serveAudio(wavBytes(tones([1000], 1200, 12000)));
  const hooks = await startHookServer({ '/app': () => [{ verb: 'play', url: `${tone.url}/tone.wav` }, { verb: 'hangup' }] });
  try {
    const p = await provision(t, hooks.url);
    await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: p.carrierSid, ipv4: '127.0.0.1', inbound: true, outbound: false });
    // The capture must be running before sipp dials.
    const mediaPort = await freePort();
    const capture = await startRtpCapture(mediaPort);
    const sipp = await startSipp({ scenario, target: `127.0.0.1:${t.gw.sipPort}`, mediaPort, extra: ['-s', NUMBER.slice(1)], timeoutSeconds: 20 });
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    const okSdp = r.messages.split(/-{10,}/).find((b) => /SIP\/2.0 200 OK/.test(b) && /m=audio/.test(b)) ?? '';
    const packets = await capture.stop();
    assert.ok(packets.length > 40);
    const pcm = decodeG711(packets);
    const loud = pcm.filter((s) => Math.abs(s) > 3000).length;
    assert.ok(loud > 4000, `tone heard (${loud} loud samples)`);
    let start = 0;
    while (start < pcm.length && Math.abs(pcm[start]) < 3000) start++;
    const completed = await eventually(() => hooks.seen.some((h) => h.path === '/status' && h.json.call_status === 'completed'), 5000, 'completed');
    return { okSdp, payloadTypes: new Set(packets.map((pk) => pk.payloadType)), hz: zeroCrossingHz(pcm.subarray(start + 800, start + 8000)), completed };
  } finally {
    await hooks.close();
    await tone.close();
    await t.close();
  }
}

test('issue 3 acceptance 4: a peer that offers only PCMA is answered with PCMA and hears a correct 1 kHz tone', async () => {
  const c = await toneCall('uac_wait_bye_pcma.xml');
  assert.match(c.okSdp, /m=audio \d+ RTP\/AVP 8( 101)?\r?\n/);
  assert.deepEqual([...c.payloadTypes].filter((pt) => pt !== 101), [8], 'only PCMA on the wire');
  assert.ok(Math.abs(c.hz - 1000) <= 10, `${c.hz.toFixed(1)} Hz`);
});

test('issue 12 item 16: a late-offer INVITE (no SDP) gets our offer in the 200; the answer in the ACK starts the audio', async () => {
  const c = await toneCall('uac_late_offer.xml');
  assert.match(c.okSdp, /m=audio \d+ RTP\/AVP 0 8/, 'our offer in the 200');
  assert.deepEqual([...c.payloadTypes].filter((pt) => pt !== 101), [0], 'PCMU, as the ACK answered');
  assert.ok(Math.abs(c.hz - 1000) <= 10, `${c.hz.toFixed(1)} Hz`);
  assert.ok(c.completed);
});
