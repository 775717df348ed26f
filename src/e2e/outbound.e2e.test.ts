import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp, type SippRun } from '../testkit/sipp.js';
import { decodeG711, startRtpCapture } from '../testkit/rtp-capture.js';
import { eventually, provisionSippCarrier as provision, startHookServer, startTestGateway, type HookRequest } from '../testkit/gateway.js';
import { verifySignature } from '../verbs/webhook/signature.js';

const statuses = (seen: readonly HookRequest[], path: string): string[] => seen.filter((r) => r.path === path).map((r) => String(r.json.call_status));

test('issue 5 acceptance 1: the seed\'s basic request → sipp answers → session:new → [say, hangup] → RTP then BYE; status hook sees the lifecycle', async () => {
  const t = await startTestGateway();
  const hooks = await startHookServer({
    '/app': () => [{ verb: 'say', text: 'Hello, this is the voice gateway calling.' }, { verb: 'hangup' }],
  });
  let sipp: SippRun | undefined;
  try {
    sipp = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '300'], timeoutSeconds: 30 });
    const capture = await startRtpCapture(sipp.mediaPort);
    const p = await provision(t, hooks.url, [sipp.port]);
    // The seed's basic configuration request, field for field.
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, {
      application_sid: p.applicationSid, from: p.from, callerName: 'Seed Caller',
      to: { type: 'phone', number: '+4989765432', trunk: 'sipp-carrier' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const body = res.body as { sid: string; callId: string; callid: string };
    assert.match(body.sid, /^[0-9a-f-]{36}$/);
    assert.ok(body.callid.length > 0);
    assert.equal(body.callId, body.callid);
    await eventually(() => statuses(hooks.seen, '/status').includes('completed'), 20_000, 'completed');
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    assert.match(r.messages, /^BYE sip:/m);
    const sessionNew = hooks.seen.find((h) => h.path === '/app');
    assert.ok(sessionNew);
    assert.equal(sessionNew.json.call_sid, body.sid);
    assert.equal(sessionNew.json.from, p.from);
    assert.equal(sessionNew.json.to, '+4989765432');
    assert.equal(sessionNew.json.direction, 'outbound');
    assert.equal(sessionNew.json.call_status, 'in-progress');
    const st = statuses(hooks.seen, '/status');
    assert.equal(st[0], 'trying');
    assert.ok(st.includes('ringing'), st.join());
    assert.deepEqual(st.slice(-2), ['in-progress', 'completed']);
    const completed = hooks.seen.filter((h) => h.path === '/status').at(-1);
    assert.equal(typeof completed?.json.duration, 'number');
    assert.equal(completed?.json.call_termination_by, 'jambonz');
    const heard = decodeG711(await capture.stop());
    const loud = heard.filter((s) => Math.abs(s) > 1000).length;
    assert.ok(loud > 4000, `sipp should hear speech: ${loud} loud samples`);
    const secret = await t.api('GET', `/v1/Accounts/${p.accountSid}/WebhookSecret`);
    const wh = (secret.body as { webhook_secret: string }).webhook_secret;
    assert.ok(verifySignature(String(sessionNew.headers['jambonz-signature']), wh, sessionNew.body, Math.floor(Date.now() / 1000)));
    const recent = await t.api('GET', `/v1/Accounts/${p.accountSid}/RecentCalls`);
    assert.equal(recent.status, 200);
    const rows = (recent.body as { data: Array<{ call_sid: string; answered: boolean }> }).data;
    assert.ok(rows.some((c) => c.call_sid === body.sid && c.answered), JSON.stringify(recent.body));
  } finally {
    sipp?.kill();
    await hooks.close();
    await t.close();
  }
});

test('issue 5 acceptance 2: the seed\'s advanced request — User-to-User, display name and host on the INVITE; tag as customerData; notifyUrl events', async () => {
  const t = await startTestGateway();
  const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 1 }, { verb: 'hangup' }] });
  let sipp: SippRun | undefined;
  try {
    sipp = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '200'], timeoutSeconds: 30 });
    const p = await provision(t, hooks.url, [sipp.port]);
    const tag = { env: 'app', internalId: 'ABDC1234', Customer: { firstName: 'Sara', lastName: 'Doe', mobileNumber: '+4989765432', email: 'sara.doe@example.com', salutation: 'Ms' } };
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, {
      application_sid: p.applicationSid, from: p.from, fromHost: 'cognigy.cloud', callerName: 'Vacation Agent',
      to: { type: 'phone', number: '+4989765432', trunk: 'sipp-carrier' },
      amd: { actionHook: `${hooks.url}/amd` }, timeout: 20, tag,
      headers: { 'User-to-User': 'UUID: 123456' }, notifyUrl: `${hooks.url}/notify`,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await eventually(() => statuses(hooks.seen, '/notify').includes('completed'), 20_000, 'completed at notifyUrl');
    const r = await sipp.done;
    const invite = r.messages.split(/-{10,}/).find((b) => /^INVITE sip:/m.test(b)) ?? '';
    assert.match(invite, /^User-to-User: UUID: 123456\r?$/m);
    assert.match(invite, /^From: "Vacation Agent" <sip:\+?4930123456@cognigy\.cloud>;tag=/m);
    assert.match(invite, /^X-Call-Sid: [0-9a-f-]{36}/m);
    for (const h of hooks.seen) assert.deepEqual(h.json.customerData, tag, `${h.path} carries customerData`);
    // Status events only (AMD events for this call go to notifyUrl too).
    const events = hooks.seen.filter((h) => h.path === '/notify' && h.json.event !== 'ANSWERING_MACHINE_DETECTION').map((h) => h.json.event);
    assert.equal(events[0], 'CALL_CREATED');
    assert.ok(events.includes('CALL_IN_PROGRESS'));
    assert.equal(events.at(-1), 'CALL_COMPLETED');
    const seqs = hooks.seen.filter((h) => h.path === '/notify').map((h) => h.json.sequence);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => Number(a) - Number(b)));
  } finally {
    sipp?.kill();
    await hooks.close();
    await t.close();
  }
});
