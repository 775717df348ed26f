import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { eventually } from '../testkit/gateway.js';
import { startSimGateway } from '../testkit/sim-gateway.js';
import { verifySignature } from '../verbs/webhook/signature.js';

const HUMAN = '+15550100';
const status = (list: Array<Record<string, unknown>>, s: string) => list.find((e) => e.call_status === s);

test('issue 5 acceptance 6: PUT call_status completed, PUT call_hook and DELETE each act on a live call', async () => {
  const g = await startSimGateway({
    '/app': () => [{ verb: 'pause', length: 30 }],
    '/new': () => [{ verb: 'hangup' }],
  });
  try {
    const [a, b, c] = [await g.call(HUMAN), await g.call(HUMAN), await g.call(HUMAN)];
    await eventually(() => [a, b, c].every((sid) => status(g.statuses(sid), 'in-progress')), 10_000, 'all answered');
    const path = (sid: string) => `/v1/Accounts/${g.accountSid}/Calls/${sid}`;
    const live = await g.t.api('GET', `/v1/Accounts/${g.accountSid}/Calls`);
    assert.equal((live.body as unknown[]).length, 3);

    assert.equal((await g.t.api('PUT', path(a), { call_status: 'completed' })).status, 202);
    const doneA = await eventually(() => status(g.statuses(a), 'completed'), 5000, 'a completed');
    assert.equal(doneA.call_termination_by, 'jambonz');

    assert.equal((await g.t.api('PUT', path(b), { call_hook: `${g.hooks.url}/new` })).status, 202);
    await eventually(() => status(g.statuses(b), 'completed'), 5000, 'b completed');
    const redirect = g.hooks.seen.find((h) => h.path === '/new');
    assert.equal(redirect?.json.call_sid, b);

    assert.equal((await g.t.api('DELETE', path(c))).status, 204);
    await eventually(() => status(g.statuses(c), 'completed'), 5000, 'c completed');
    assert.equal((await g.t.api('DELETE', path(c))).status, 404);
    assert.equal((await g.t.api('PUT', path(c), { call_status: 'completed' })).status, 404);
    const two = await g.t.api('PUT', path(a), { call_status: 'completed', tag: { x: 1 } });
    assert.equal(two.status, 400);
  } finally {
    await g.close();
  }
});

test('PUT call_status no-answer while ringing cancels the call; completed on a ringing call is 422', async () => {
  const g = await startSimGateway({ '/app': () => [{ verb: 'hangup' }] });
  try {
    const sid = await g.call('+15550487');
    await eventually(() => status(g.statuses(sid), 'ringing'), 5000, 'ringing');
    const path = `/v1/Accounts/${g.accountSid}/Calls/${sid}`;
    assert.equal((await g.t.api('PUT', path, { call_status: 'completed' })).status, 422);
    assert.equal((await g.t.api('PUT', path, { call_status: 'no-answer' })).status, 202);
    const last = await eventually(() => status(g.statuses(sid), 'no-answer'), 5000, 'no-answer');
    assert.equal(last.sip_status, 487);
  } finally {
    await g.close();
  }
});

test('issue 5 acceptance 7: webhook faults (500, timeout, invalid JSON, connection refused) → BYE, completed with the reason, an alert; signatures verify', async () => {
  const refused = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 1));
    });
  });
  const g = await startSimGateway({
    '/e500': () => 500,
    '/slow': () => new Promise(() => undefined),
    '/bad': () => '[{"verb": "say", "text": ',
  }, {});
  try {
    const cases = [
      { name: '500', hook: `${g.hooks.url}/e500`, alert: 'webhook-failure' },
      { name: 'invalid JSON', hook: `${g.hooks.url}/bad`, alert: 'invalid-app-payload' },
      { name: 'refused', hook: `http://127.0.0.1:${refused}/app`, alert: 'webhook-connection-failure' },
      { name: 'timeout', hook: `${g.hooks.url}/slow`, alert: 'webhook-failure' },
    ];
    const sids = new Map<string, (typeof cases)[number]>();
    for (const c of cases) sids.set(await g.call(HUMAN, { call_hook: c.hook }), c);
    for (const [sid, c] of sids) {
      const done = await eventually(() => status(g.statuses(sid), 'completed'), 15_000, `${c.name} completed`);
      assert.equal(done.call_termination_by, 'jambonz', c.name);
      assert.match(String(done.termination_reason), new RegExp(`^${c.alert}`), `${c.name}: ${String(done.termination_reason)}`);
    }
    const alerts = await g.t.api('GET', `/v1/Accounts/${g.accountSid}/Alerts`);
    const rows = (alerts.body as { data: Array<{ call_sid: string; alert_type: string }> }).data;
    for (const [sid, c] of sids) assert.ok(rows.some((r) => r.call_sid === sid && r.alert_type === c.alert), `alert for ${c.name}: ${JSON.stringify(rows)}`);
    const secret = ((await g.t.api('GET', `/v1/Accounts/${g.accountSid}/WebhookSecret`)).body as { webhook_secret: string }).webhook_secret;
    const signed = g.hooks.seen.filter((h) => h.method === 'POST');
    assert.ok(signed.length > 8);
    for (const h of signed) assert.ok(verifySignature(String(h.headers['jambonz-signature']), secret, h.body, Math.floor(Date.now() / 1000)), `${h.path} signature`);
  } finally {
    await g.close();
  }
});

test('media inactivity hang-up is off by default and a setting: with VGW_MEDIA_TIMEOUT_MS a call whose peer sends no RTP ends', async () => {
  const { startSipp } = await import('../testkit/sipp.js');
  const { provisionSippCarrier, startHookServer, startTestGateway } = await import('../testkit/gateway.js');
  for (const timeout of ['0', '1500']) {
    const t = await startTestGateway({ VGW_MEDIA_TIMEOUT_MS: timeout });
    const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 4 }, { verb: 'hangup' }] });
    // sipp answers and sends no RTP at all.
    const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '50'], timeoutSeconds: 30 });
    try {
      const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
      const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550030' } });
      assert.equal(res.status, 201);
      const done = await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed'), 15_000, 'completed');
      assert.equal(done.json.termination_reason, timeout === '0' ? 'hangup' : 'media timeout', `VGW_MEDIA_TIMEOUT_MS=${timeout}`);
      if (timeout !== '0') assert.ok(Number(done.json.duration) < 4);
    } finally {
      sipp.kill();
      await hooks.close();
      await t.close();
    }
  }
});

test('issue 5: PUT tag, dtmf, sip_request, whisper and mute_status act on a live call', async () => {
  const g = await startSimGateway({ '/app': () => [{ verb: 'pause', length: 8 }, { verb: 'hangup' }] });
  try {
    const sid = await g.call(HUMAN, { tag: { stage: 1 } });
    await eventually(() => status(g.statuses(sid), 'in-progress'), 10_000, 'answered');
    const path = `/v1/Accounts/${g.accountSid}/Calls/${sid}`;
    assert.equal((await g.t.api('PUT', path, { tag: { stage: 2 } })).status, 202);
    assert.equal((await g.t.api('PUT', path, { dtmf: { digit: '42', duration: 100 } })).status, 202);
    const info = await g.t.api('PUT', path, { sip_request: { method: 'INFO', content_type: 'application/dtmf-relay', content: 'Signal=5\r\nDuration=100\r\n' } });
    assert.equal(info.status, 200);
    assert.deepEqual(info.body, { status: 200, reason: 'OK' });
    assert.equal((await g.t.api('PUT', path, { mute_status: 'mute' })).status, 202);
    assert.equal((await g.t.api('PUT', path, { mute_status: 'unmute' })).status, 202);
    assert.equal((await g.t.api('PUT', path, { whisper: { verb: 'say', text: 'A word from the supervisor.' } })).status, 202);
    const done = await eventually(() => status(g.statuses(sid), 'completed'), 15_000, 'completed by the app, after the whisper');
    assert.ok(Number(done.duration) >= 7, 'the whisper did not cut the application short');
    assert.deepEqual(done.customerData, { stage: 2 }, 'PUT tag replaced customerData');
    assert.equal((await g.t.api('PUT', path, { whisper: { verb: 'hangup' } })).status, 404, 'the call is gone');
    const tl = await g.t.api('GET', `${path}/Timeline`);
    const events = (tl.body as { timeline: Array<{ event: string }> }).timeline.map((e) => e.event);
    for (const e of ['mute', 'unmute', 'tts']) assert.ok(events.includes(e), `${e} in ${events.join(',')}`);
    const sim = g.t.gw.simulator?.calls.find((c) => c.answered && c.dtmf.includes('42'));
    assert.ok(sim, `the simulator heard the DTMF: ${JSON.stringify(g.t.gw.simulator?.calls.map((c) => c.dtmf))}`);
  } finally {
    await g.close();
  }
});
