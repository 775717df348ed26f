import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp } from '../testkit/sipp.js';
import { startRtpCapture, type WirePacket } from '../testkit/rtp-capture.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway } from '../testkit/gateway.js';

const EVENTS = '0123456789*#ABCD';

/** RFC 4733 §2.3: digits from telephone-event packets, one per event timestamp (end packets repeat). */
function digitsOnWire(packets: readonly WirePacket[], pt = 101): string {
  const seen = new Map<number, string>();
  for (const p of packets) {
    if (p.payloadType !== pt || p.payload.length < 4) continue;
    const end = (p.payload[1] & 0x80) !== 0;
    if (end && !seen.has(p.timestamp)) seen.set(p.timestamp, EVENTS[p.payload[0]] ?? '?');
  }
  return [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, d]) => d).join('');
}

test('issue 5 acceptance 5 / issue 3 acceptance 2: sipp sends RFC 4733 "1234#" → gather\'s actionHook gets 1234 once each; a redirect reply replaces the verbs', async () => {
  const t = await startTestGateway();
  const hooks = await startHookServer({
    '/app': () => [{ verb: 'gather', input: ['digits'], finishOnKey: '#', timeout: 10, actionHook: '/gathered' }, { verb: 'say', text: 'not reached' }],
    '/gathered': () => [{ verb: 'redirect', actionHook: '/redirected' }],
    // sipp listens for our BYE only after its last pause (~1.4 s after "#").
    '/redirected': () => [{ verb: 'pause', length: 2 }, { verb: 'hangup' }],
  });
  const sipp = await startSipp({ scenario: 'uas_dtmf_1234.xml', timeoutSeconds: 30 });
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550002' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const gathered = await eventually(() => hooks.seen.find((h) => h.path === '/gathered'), 20_000, 'gather actionHook');
    assert.equal(gathered.json.reason, 'dtmfDetected');
    assert.equal(gathered.json.digits, '1234');
    await eventually(() => hooks.seen.find((h) => h.path === '/redirected'), 10_000, 'redirect');
    await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed'), 10_000, 'completed');
    assert.equal(hooks.seen.filter((h) => h.path === '/gathered').length, 1);
    const timeline = await t.api('GET', `/v1/Accounts/${p.accountSid}/Calls/${(res.body as { sid: string }).sid}/Timeline`);
    const dtmf = ((timeline.body as { timeline: Array<{ event: string; detail?: { digit?: string } }> }).timeline).filter((e) => e.event === 'dtmf').map((e) => e.detail?.digit).join('');
    assert.equal(dtmf, '1234#', 'each digit detected exactly once');
    assert.equal((await sipp.done).successful, 1);
  } finally {
    sipp.kill();
    await hooks.close();
    await t.close();
  }
});

test('issue 3 acceptance 2: we send "0123456789*#" (dtmf verb) → every digit decodes correctly from the capture', async () => {
  const t = await startTestGateway();
  const hooks = await startHookServer({ '/app': () => [{ verb: 'dtmf', dtmf: '0123456789*#', duration: 100 }, { verb: 'pause', length: 1 }, { verb: 'hangup' }] });
  const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '50'], timeoutSeconds: 30 });
  const capture = await startRtpCapture(sipp.mediaPort);
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550003' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed'), 20_000, 'completed');
    const packets = await capture.stop();
    assert.equal(digitsOnWire(packets), '0123456789*#');
    const firsts = packets.filter((pk) => pk.payloadType === 101 && pk.marker);
    assert.equal(firsts.length, 12, 'the first packet of each event carries the marker bit');
  } finally {
    sipp.kill();
    await capture.stop().catch(() => undefined);
    await hooks.close();
    await t.close();
  }
});

test('contract §2.3: invalid verbs from a gather actionHook → an extra call:status with error and reason, then the call ends with an alert', async () => {
  const t = await startTestGateway();
  const hooks = await startHookServer({
    '/app': () => [{ verb: 'gather', input: ['digits'], numDigits: 1, timeout: 10, actionHook: '/gathered' }],
    '/gathered': () => [{ verb: 'say', text: 42 }],
  });
  // Answers, sends the digit 1, then takes our BYE.
  const sipp = await startSipp({ scenario: 'uas_dtmf_1.xml', timeoutSeconds: 30 });
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550004' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed'), 20_000, 'completed');
    const statuses = hooks.seen.filter((h) => h.path === '/status');
    const note = statuses.find((h) => h.json.error === 'invalid actionHook response');
    assert.ok(note, JSON.stringify(statuses.map((h) => h.json.call_status)));
    assert.equal(note.json.call_status, 'in-progress');
    assert.match(String(note.json.reason), /text/);
    assert.ok(statuses.indexOf(note) < statuses.findIndex((h) => h.json.call_status === 'completed'));
    const alerts = await t.api('GET', `/v1/Accounts/${p.accountSid}/Alerts`);
    assert.deepEqual((alerts.body as { data: Array<{ alert_type: string }> }).data.map((a) => a.alert_type), ['invalid-app-payload']);
    assert.equal((await sipp.done).successful, 1);
  } finally {
    sipp.kill();
    await hooks.close();
    await t.close();
  }
});
