import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { CallInfo, CallStatus } from '../call/control.js';
import { systemClock } from '../kernel/clock.js';
import { nullLogger } from '../kernel/logger.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { FakeWebhooks } from '../testkit/fake-call.js';
import { COGNIGY_EVENTS, StatusNotifier } from './status-notifier.js';
import { verifySignature, WebhookClient, WebhookError } from '../verbs/index.js';

interface Seen { readonly path: string; readonly headers: IncomingMessage['headers']; readonly body: Record<string, unknown>; readonly raw: string }

async function server(handler: (s: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c.toString(); });
    req.on('end', () => {
      const one = { path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> };
      seen.push(one);
      handler(one, res);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

function info(call_status: CallStatus, sip_status: number, extra: Partial<CallInfo> = {}): CallInfo {
  return {
    call_sid: 'c1', direction: 'outbound', from: '15085551212', to: '16175551212', call_id: 'x', sip_status, call_status,
    account_sid: 'a1', trace_id: 't', fs_sip_address: '127.0.0.1:5060', customerData: { crm: 'A-17' }, ...extra,
  };
}

test('status changes reach both hooks in order, even when the first request is slow; notifyUrl adds the Cognigy event', async () => {
  let release: (() => void) | undefined;
  const srv = await server((s, res) => {
    const reply = (): void => { res.writeHead(204); res.end(); };
    if (s.path === '/status' && s.body.call_status === 'trying') release = reply;
    else reply();
  });
  const client = new WebhookClient({ clock: systemClock });
  const alerts: string[] = [];
  const n = new StatusNotifier({ webhooks: client, clock: systemClock, logger: nullLogger, secret: 'sek', statusHook: `${srv.url}/status`, notifyUrl: { url: `${srv.url}/notify` }, onAlert: (t) => alerts.push(t) });
  try {
    n.status(info('trying', 100, { sip_reason: 'Trying' }));
    n.status(info('ringing', 180));
    n.status(info('in-progress', 200, { sip_reason: 'OK' }));
    n.status(info('completed', 200, { duration: 7, call_termination_by: 'caller' }));
    while (!release || srv.seen.filter((s) => s.path === '/notify').length < 4) await new Promise((r) => setTimeout(r, 5));
    assert.equal(srv.seen.filter((s) => s.path === '/status').length, 1, 'the status queue waits for the slow first request');
    release();
    await n.idle();
    const status = srv.seen.filter((s) => s.path === '/status').map((s) => s.body);
    const notify = srv.seen.filter((s) => s.path === '/notify').map((s) => s.body);
    assert.deepEqual(status.map((b) => b.call_status), ['trying', 'ringing', 'in-progress', 'completed']);
    assert.deepEqual(status.map((b) => b.sequence), [1, 2, 3, 4]);
    assert.deepEqual(notify.map((b) => b.event), ['CALL_CREATED', 'CALL_RINGING', 'CALL_IN_PROGRESS', 'CALL_COMPLETED']);
    assert.deepEqual(notify.map((b) => b.sequence), [1, 2, 3, 4]);
    const last = notify[3];
    assert.equal(last.call_sid, 'c1');
    assert.equal(last.duration, 7);
    assert.deepEqual(last.customerData, { crm: 'A-17' });
    assert.equal(last.event_id, status[3].event_id);
    assert.ok(!Number.isNaN(Date.parse(String(last.timestamp))));
    assert.equal(status[3].event, undefined, 'call_status_hook bodies stay jambonz-shaped');
    for (const s of srv.seen) {
      assert.ok(verifySignature(String(s.headers['jambonz-signature']), 'sek', s.raw, Math.floor(Date.now() / 1000)));
      assert.equal(s.headers['x-vgw-event-id'], s.body.event_id);
    }
    assert.deepEqual(alerts, []);
  } finally {
    await client.close();
    await srv.close();
  }
});

test('every call_status maps to its Cognigy event name', () => {
  assert.deepEqual(COGNIGY_EVENTS, {
    trying: 'CALL_CREATED', ringing: 'CALL_RINGING', 'early-media': 'CALL_EARLY_MEDIA', 'in-progress': 'CALL_IN_PROGRESS',
    completed: 'CALL_COMPLETED', failed: 'CALL_FAILED', busy: 'USER_BUSY', 'no-answer': 'NO_ANSWER',
  });
});

test('notify(): other events go to notifyUrl only, flat, with the current call info', async () => {
  const hooks = new FakeWebhooks();
  const clock = new FakeClock();
  const n = new StatusNotifier({
    webhooks: hooks, clock, logger: nullLogger, statusHook: 'http://app.test/status', notifyUrl: 'http://app.test/notify',
    info: () => info('in-progress', 200), onAlert: () => undefined, newEventId: () => 'ev',
  });
  n.notify('ANSWERING_MACHINE_DETECTION', { type: 'amd_human_detected', reason: 'short greeting' });
  await n.idle();
  assert.equal(hooks.requests.length, 1);
  const p = hooks.requests[0].payload;
  assert.equal(hooks.requests[0].hook.url, 'http://app.test/notify');
  assert.equal(p.event, 'ANSWERING_MACHINE_DETECTION');
  assert.equal(p.type, 'amd_human_detected');
  assert.equal(p.call_status, 'in-progress');
  assert.equal(p.sequence, 1);
  assert.equal(p.event_id, 'ev');
  assert.equal(p.timestamp, '2026-01-01T00:00:00.000Z');
});

test('failures become alerts and never throw; later events are still sent; a JSON-garbage reply is no failure', async () => {
  const hooks = new FakeWebhooks((req, i) => {
    if (i === 1) return new WebhookError('WEBHOOK_STATUS', 'POST answered 500', req.hook.url, 1, 500);
    if (i === 2) return new WebhookError('WEBHOOK_CONNECT', 'ECONNREFUSED', req.hook.url, 1);
    if (i === 3) return new WebhookError('WEBHOOK_INVALID_JSON', 'bad json', req.hook.url, 1);
    return undefined;
  });
  const alerts: Array<[string, string]> = [];
  const n = new StatusNotifier({ webhooks: hooks, clock: new FakeClock(), logger: nullLogger, statusHook: 'http://app.test/s', onAlert: (t, m) => alerts.push([t, m]) });
  n.status(info('trying', 100));
  n.status(info('ringing', 180));
  n.status(info('in-progress', 200));
  n.status(info('completed', 200));
  await n.idle();
  assert.equal(hooks.requests.length, 4);
  assert.deepEqual(alerts.map((a) => a[0]), ['webhook-failure', 'webhook-connection-failure']);
  assert.match(alerts[0][1], /call_status_hook trying/);
});

test('setStatusHook (redirect statusHook) moves later events; relative hooks resolve against the call_hook base', async () => {
  const hooks = new FakeWebhooks();
  const n = new StatusNotifier({ webhooks: hooks, clock: new FakeClock(), logger: nullLogger, statusHook: '/s1', base: { url: 'http://app.test/app/hook', method: 'POST', retries: 0, retryOn: new Set(['ct']) }, onAlert: () => undefined });
  n.status(info('trying', 100));
  n.setStatusHook('https://other.test/s2');
  n.status(info('ringing', 180));
  await n.idle();
  assert.deepEqual(hooks.requests.map((r) => r.hook.url), ['http://app.test/s1', 'https://other.test/s2']);
});

test('contract §6.1: a WebSocket application\'s socket takes call:status when it claims the status hook; the notifyUrl still gets its event', async () => {
  const webhooks = new FakeWebhooks();
  const onSocket: Array<Record<string, unknown>> = [];
  const asked: unknown[] = [];
  const n = new StatusNotifier({
    webhooks, clock: new FakeClock(), logger: nullLogger, notifyUrl: 'http://n.test/notify', onAlert: () => undefined,
    overSocket: (hook) => {
      asked.push(hook);
      return hook === undefined ? (body) => onSocket.push(body) : undefined;
    },
  });
  n.status(info('in-progress', 200));
  n.setStatusHook('http://s.test/status');
  n.status(info('completed', 200));
  await n.idle();
  assert.deepEqual(asked, [undefined, 'http://s.test/status']);
  assert.deepEqual(onSocket.map((b) => b.call_status), ['in-progress']);
  assert.deepEqual(webhooks.requests.map((r) => [r.hook.url, r.payload.call_status]), [
    ['http://n.test/notify', 'in-progress'], ['http://s.test/status', 'completed'], ['http://n.test/notify', 'completed'],
  ]);
});
