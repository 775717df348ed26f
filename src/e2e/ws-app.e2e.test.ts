import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createRequire } from 'node:module';
import { startSipp } from '../testkit/sipp.js';
import { eventually, provisionSippCarrier, startHookServer, startTestGateway, type TestGateway } from '../testkit/gateway.js';

/** The part of @jambonz/node-client-ws (CommonJS, untyped) its README shows. */
interface JambonzSession extends EventEmitter {
  readonly call_sid: string;
  readonly data: Record<string, unknown>;
  say(o: Record<string, unknown>): JambonzSession;
  gather(o: Record<string, unknown>): JambonzSession;
  pause(o: Record<string, unknown>): JambonzSession;
  hangup(o?: Record<string, unknown>): JambonzSession;
  send(o?: { execImmediate?: boolean }): void;
  reply(): void;
}
type MakeService = (o: { path: string }) => EventEmitter;
const require = createRequire(import.meta.url);
const { createEndpoint } = require('@jambonz/node-client-ws') as { createEndpoint: (o: { server: Server }) => MakeService };

/** An HTTP server for node-client-ws; `sockets` are the upgraded connections (to drop them). */
async function startWsApp(): Promise<{ server: Server; makeService: MakeService; url: (path: string) => string; sockets: Socket[]; close(): Promise<void> }> {
  const server = createServer();
  const sockets: Socket[] = [];
  server.on('upgrade', (_req, socket: Socket) => sockets.push(socket));
  const makeService = createEndpoint({ server });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    server, makeService, sockets,
    url: (path) => `ws://127.0.0.1:${port}${path}`,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

async function alertTypes(t: TestGateway, accountSid: string, callSid: string): Promise<string[]> {
  const alerts = await t.api('GET', `/v1/Accounts/${accountSid}/Alerts`);
  return (alerts.body as { data: Array<{ alert_type: string; call_sid: string }> }).data.filter((a) => a.call_sid === callSid).map((a) => a.alert_type);
}

test('issue 15 acceptance 1: a node-client-ws app drives an outbound call: say, DTMF gather answered with reply(), a redirect command during a pause, hangup; it gets every call:status', async () => {
  const t = await startTestGateway();
  const app = await startWsApp();
  const hooks = await startHookServer({});
  // Answers, sends RFC 4733 1 2 3 4 #, then waits 10 s for our BYE.
  const sipp = await startSipp({ scenario: 'uas_dtmf_1234.xml', timeoutSeconds: 40 });
  const seen: { sessionNew?: Record<string, unknown>; gathered?: Record<string, unknown>; statuses: string[]; redirectAt?: number; completedAt?: number; closed?: number } = { statuses: [] };
  const svc = app.makeService({ path: '/voice' });
  svc.on('session:new', (session: JambonzSession) => {
    seen.sessionNew = { call_sid: session.call_sid, ...session.data };
    session.on('call:status', (evt: { call_status: string }) => {
      seen.statuses.push(evt.call_status);
      if (evt.call_status === 'completed') seen.completedAt = Date.now();
    });
    session.on('close', (code: number) => { seen.closed = code; });
    session.on('/gathered', (evt: Record<string, unknown>) => {
      seen.gathered = evt;
      // Answer the actionHook with a long pause, then replace it with a redirect command while it runs
      // (after 1.5 s: sipp listens for our BYE only ~1.4 s after "#").
      session.pause({ length: 30 }).reply();
      setTimeout(() => {
        seen.redirectAt = Date.now();
        session.say({ text: 'Goodbye.' }).hangup().send();
      }, 1500);
    });
    session
      .gather({ input: ['digits'], finishOnKey: '#', timeout: 10, actionHook: '/gathered', say: { text: 'Enter your code, then pound.' } })
      .say({ text: 'not reached' })
      .send();
  });
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, {
      call_hook: app.url('/voice'), from: p.from, to: { type: 'phone', number: '15550015' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sid = (res.body as { sid: string }).sid;
    await eventually(() => seen.statuses.includes('completed'), 25_000, 'completed over the socket');
    assert.equal(seen.sessionNew?.call_sid, sid);
    assert.equal(seen.sessionNew?.direction, 'outbound');
    assert.equal(seen.gathered?.digits, '1234');
    assert.equal(seen.gathered?.reason, 'dtmfDetected');
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    assert.ok(seen.redirectAt !== undefined && seen.completedAt !== undefined && seen.completedAt - seen.redirectAt < 5000, 'the redirect replaced the 30 s pause (sipp would hang up only after 10 s)');
    assert.deepEqual(seen.statuses, ['trying', 'in-progress', 'completed']);
    assert.equal(hooks.seen.length, 0, 'nothing went over HTTP');
    await eventually(() => seen.closed !== undefined, 5000, 'socket closed');
    assert.equal(seen.closed, 1000);
    const tl = await t.api('GET', `/v1/Accounts/${p.accountSid}/Calls/${sid}/Timeline`);
    const ws = (tl.body as { timeline: Array<{ event: string; detail?: Record<string, unknown> }> }).timeline.filter((e) => e.event === 'webhook' && e.detail?.method === 'WS');
    const acked = ws.find((e) => e.detail?.type === 'verb:hook');
    assert.equal(acked?.detail?.hook, '/gathered');
    assert.equal(typeof acked?.detail?.latency_ms, 'number');
    assert.ok(ws.some((e) => e.detail?.type === 'command:redirect'));
    assert.deepEqual(await alertTypes(t, p.accountSid, sid), []);
  } finally {
    sipp.kill();
    await app.close();
    await hooks.close();
    await t.close();
  }
});

test('issue 15 acceptance 3: the app\'s socket drops mid-call → session:reconnect; after 5 failed reconnects the call ends cleanly with an alert and a final call:status to the HTTP status hook', async () => {
  const t = await startTestGateway();
  const app = await startWsApp();
  const hooks = await startHookServer({});
  // Answers and waits 20 s for our BYE.
  const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', timeoutSeconds: 40 });
  const reconnects: Record<string, unknown>[] = [];
  const onSocket: string[] = [];
  const svc = app.makeService({ path: '/voice' });
  svc.on('session:new', (session: JambonzSession) => {
    session.on('call:status', (evt: { call_status: string }) => onSocket.push(evt.call_status));
    session.pause({ length: 60 }).send();
  });
  svc.on('session:reconnect', (session: JambonzSession) => {
    reconnects.push({ call_sid: session.call_sid, ...session.data });
    session.reply();
  });
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, {
      call_hook: app.url('/voice'), call_status_hook: `${hooks.url}/status`, from: p.from, to: { type: 'phone', number: '15550016' },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sid = (res.body as { sid: string }).sid;
    await eventually(() => hooks.seen.some((h) => h.path === '/status' && h.json.call_status === 'in-progress') && app.sockets.length === 1, 10_000, 'answered');
    app.sockets[0].destroy();
    await eventually(() => reconnects.length === 1, 10_000, 'session:reconnect');
    assert.equal(reconnects[0].call_sid, sid);
    assert.equal(reconnects[0].direction, 'outbound', 'session:reconnect carries the session:new data');
    // Now the app is gone for good: no more connections are accepted.
    await app.close();
    const done = await eventually(() => hooks.seen.find((h) => h.path === '/status' && h.json.call_status === 'completed'), 25_000, 'completed');
    assert.equal(done.json.call_sid, sid);
    assert.deepEqual(await alertTypes(t, p.accountSid, sid), ['webhook-connection-failure']);
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    assert.match(r.messages, /^BYE sip:/m, 'the gateway hung up');
    assert.equal(app.sockets.length, 2, 'one socket, then one reconnect; the 5 later attempts were refused');
    assert.deepEqual(onSocket, [], 'call_status_hook is another URL: statuses go there, not over the socket');
    assert.deepEqual(hooks.seen.filter((h) => h.path === '/status').map((h) => h.json.call_status), ['trying', 'ringing', 'in-progress', 'completed']);
  } finally {
    sipp.kill();
    await app.close().catch(() => undefined);
    await hooks.close();
    await t.close();
  }
});

test('issue 15: an inbound call to an application whose call_hook is a ws URL runs on the socket (session:new before answer, statuses over the socket even with a call_status_hook)', async () => {
  const t = await startTestGateway();
  const app = await startWsApp();
  const hooks = await startHookServer({});
  const seen: { sessionNew?: Record<string, unknown>; statuses: string[] } = { statuses: [] };
  app.makeService({ path: '/inbound' }).on('session:new', (session: JambonzSession) => {
    seen.sessionNew = { call_sid: session.call_sid, ...session.data, call_status: (session as unknown as { call_status: string }).call_status };
    session.on('call:status', (evt: { call_status: string }) => seen.statuses.push(evt.call_status));
    session.say({ text: 'Welcome.' }).hangup().send();
  });
  try {
    const acc = await t.api('POST', '/v1/Accounts', { name: 'inbound ws' });
    const accountSid = (acc.body as { sid: string }).sid;
    const application = await t.api('POST', '/v1/Applications', { name: 'ws ivr', account_sid: accountSid, call_hook: app.url('/inbound'), call_status_hook: `${hooks.url}/status` });
    assert.equal(application.status, 201, JSON.stringify(application.body));
    const carrier = await t.api('POST', '/v1/VoipCarriers', { name: 'ingress', account_sid: accountSid });
    const carrierSid = (carrier.body as { sid: string }).sid;
    await t.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrierSid, ipv4: '127.0.0.1', inbound: true, outbound: false });
    const num = await t.api('POST', '/v1/PhoneNumbers', { number: '+4930999015', account_sid: accountSid, application_sid: (application.body as { sid: string }).sid, voip_carrier_sid: carrierSid });
    assert.equal(num.status, 201, JSON.stringify(num.body));
    const sipp = await startSipp({ scenario: 'uac_wait_bye.xml', target: `127.0.0.1:${t.gw.sipPort}`, extra: ['-s', '4930999015'], timeoutSeconds: 20 });
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    await eventually(() => seen.statuses.includes('completed'), 5000, 'completed over the socket');
    assert.equal(seen.sessionNew?.direction, 'inbound');
    assert.equal(seen.sessionNew?.call_status, 'trying', 'session:new goes out before answer');
    assert.deepEqual(seen.statuses, ['trying', 'in-progress', 'completed']);
    assert.equal(hooks.seen.length, 0, 'jambonz: an inbound ws app gets its statuses over the socket only, not at call_status_hook');
  } finally {
    await app.close();
    await hooks.close();
    await t.close();
  }
});

test('issue 15: PUT /Calls call_hook with a ws URL moves a running HTTP application to the socket', async () => {
  const t = await startTestGateway();
  const app = await startWsApp();
  const hooks = await startHookServer({ '/app': () => [{ verb: 'pause', length: 30 }] });
  const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', timeoutSeconds: 30 });
  const seen: { sessionNew?: Record<string, unknown> } = {};
  app.makeService({ path: '/takeover' }).on('session:new', (session: JambonzSession) => {
    seen.sessionNew = { call_sid: session.call_sid, ...session.data };
    session.say({ text: 'Taken over.' }).hangup().send();
  });
  try {
    const p = await provisionSippCarrier(t, hooks.url, [sipp.port]);
    const res = await t.api('POST', `/v1/Accounts/${p.accountSid}/Calls`, { application_sid: p.applicationSid, from: p.from, to: { type: 'phone', number: '15550017' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const sid = (res.body as { sid: string }).sid;
    await eventually(() => hooks.seen.some((h) => h.path === '/status' && h.json.call_status === 'in-progress'), 10_000, 'answered');
    const put = await t.api('PUT', `/v1/Accounts/${p.accountSid}/Calls/${sid}`, { call_hook: { url: app.url('/takeover') } });
    assert.equal(put.status, 202, JSON.stringify(put.body));
    await eventually(() => hooks.seen.some((h) => h.path === '/status' && h.json.call_status === 'completed'), 10_000, 'completed');
    assert.equal(seen.sessionNew?.call_sid, sid);
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
  } finally {
    sipp.kill();
    await app.close();
    await hooks.close();
    await t.close();
  }
});
