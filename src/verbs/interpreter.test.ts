import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { systemClock } from '../kernel/clock.js';
import { nullLogger } from '../kernel/logger.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { FakeCall } from '../testkit/fake-call.js';
import { startApplication, type StartApplicationOptions } from './session.js';
import { WebhookClient } from './webhook/client.js';
import { verifySignature } from './webhook/signature.js';

interface Seen { readonly method: string; readonly path: string; readonly headers: IncomingMessage['headers']; readonly body: string }
type Handler = (seen: Seen, res: ServerResponse) => void;

async function server(handler: Handler): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      const one = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      seen.push(one);
      handler(one, res);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

const json = (res: ServerResponse, body: unknown, status = 200): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const empty = (res: ServerResponse): void => { res.writeHead(200); res.end(); };
const body = (s: Seen): Record<string, unknown> => JSON.parse(s.body) as Record<string, unknown>;

async function withApp(
  handler: Handler,
  opts: Partial<StartApplicationOptions> & { responseTimeoutMs?: number },
  check: (ctx: { call: FakeCall; seen: Seen[]; url: string; app: ReturnType<typeof startApplication> }) => Promise<void>,
): Promise<void> {
  const srv = await server(handler);
  const client = new WebhookClient({ clock: systemClock, responseTimeoutMs: opts.responseTimeoutMs ?? 2000 });
  const call = new FakeCall({ info: { customerData: { crm: 'A-17' } } });
  try {
    const app = startApplication({ call, clock: systemClock, logger: nullLogger, webhooks: client, secret: 'wh_secret_test', callHook: `${srv.url}/hook`, ...opts });
    await check({ call, seen: srv.seen, url: srv.url, app });
  } finally {
    await client.close();
    await srv.close();
  }
}

test('session:new: call info + defaults + env_vars, signed with the account secret, with an event id', async () => {
  await withApp(
    (_s, res) => json(res, [{ say: { text: 'hello' } }, { hangup: {} }]),
    { envVars: { TENANT: 'x' } },
    async ({ call, seen, app }) => {
      await app.done;
      assert.deepEqual(call.said, ['hello']);
      assert.equal(call.hangups, 1);
      const b = body(seen[0]);
      assert.equal(seen[0].method, 'POST');
      assert.equal(b.call_sid, 'call-1');
      assert.equal(b.call_status, 'in-progress');
      assert.equal(b.sip_status, 200);
      assert.deepEqual(b.customerData, { crm: 'A-17' });
      assert.deepEqual(b.defaults, { synthesizer: { vendor: 'espeak', language: 'en-US' }, recognizer: { vendor: 'default', language: 'en-US' } });
      assert.deepEqual(b.env_vars, { TENANT: 'x' });
      assert.ok(verifySignature(String(seen[0].headers['jambonz-signature']), 'wh_secret_test', seen[0].body, Math.floor(Date.now() / 1000)));
      assert.match(String(seen[0].headers['x-vgw-event-id']), /^[0-9a-f-]{36}$/);
      assert.equal(seen[0].headers['x-vgw-sequence'], '1');
    },
  );
});

test('the list is validated as a whole before any verb runs', async () => {
  await withApp((_s, res) => json(res, [{ say: { text: 'hello' } }, { verb: 'bogus' }]), {}, async ({ call, app }) => {
    await app.done;
    assert.deepEqual(call.said, []);
    assert.deepEqual(call.alerts.map((a) => a.alertType), ['invalid-app-payload']);
    assert.match(call.alerts[0].message, /\[1\]: unknown verb "bogus"/);
    assert.equal(call.hangups, 1);
  });
});

test('an actionHook reply with verbs replaces the rest; an empty 200 or a non-JSON reply goes on; the end hangs up', async () => {
  const handler: Handler = (s, res) => {
    if (s.path === '/hook') return json(res, [{ play: { url: 'http://media.test/a.wav', actionHook: '/empty' } }, { play: { url: 'http://media.test/b.wav', actionHook: '/text' } }, { play: { url: 'http://media.test/c.wav', actionHook: '/replace' } }, { say: { text: 'never' } }]);
    if (s.path === '/text') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('[{"verb":"say","text":"ignored"}]'); return; }
    if (s.path === '/replace') return json(res, [{ say: { text: 'replaced' } }]);
    return empty(res);
  };
  await withApp(handler, {}, async ({ call, seen, app }) => {
    await app.done;
    assert.deepEqual(call.played, ['http://media.test/a.wav', 'http://media.test/b.wav', 'http://media.test/c.wav']);
    assert.deepEqual(call.said, ['replaced']);
    assert.equal(call.hangups, 1);
    assert.deepEqual(seen.map((s) => s.path), ['/hook', '/empty', '/text', '/replace']);
    assert.deepEqual(seen.map((s) => s.headers['x-vgw-sequence']), ['1', '2', '3', '4']);
  });
});

test('relative hooks resolve against call_hook and inherit its credentials', async () => {
  const srv = await server((s, res) => (s.path === '/app/hook' ? json(res, [{ play: { url: 'http://media.test/a.wav', actionHook: 'next' } }]) : empty(res)));
  const client = new WebhookClient({ clock: systemClock });
  const call = new FakeCall();
  try {
    const app = startApplication({ call, clock: systemClock, logger: nullLogger, webhooks: client, callHook: { url: `${srv.url}/app/hook`, username: 'u', password: 'p' } });
    await app.done;
    assert.deepEqual(srv.seen.map((s) => s.path), ['/app/hook', '/app/next']);
    const auth = `Basic ${Buffer.from('u:p').toString('base64')}`;
    assert.deepEqual(srv.seen.map((s) => s.headers.authorization), [auth, auth]);
  } finally {
    await client.close();
    await srv.close();
  }
});

const failures: Array<{ name: string; handler: Handler; alert: string; timeoutMs?: number }> = [
  { name: '500', handler: (_s, res) => json(res, { error: 'boom' }, 500), alert: 'webhook-failure' },
  { name: 'a timeout', handler: () => undefined, alert: 'webhook-failure', timeoutMs: 200 },
  { name: 'invalid JSON', handler: (_s, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('[{"verb":'); }, alert: 'invalid-app-payload' },
  { name: 'an empty initial reply', handler: (_s, res) => json(res, []), alert: 'invalid-app-payload' },
];

for (const f of failures) {
  test(`session:new answered with ${f.name} → ${f.alert} alert and a hang-up`, async () => {
    await withApp(f.handler, { responseTimeoutMs: f.timeoutMs }, async ({ call, app }) => {
      await app.done;
      assert.deepEqual(call.alerts.map((a) => a.alertType), [f.alert]);
      assert.equal(call.hangups, 1);
      assert.deepEqual(call.said, []);
    });
  });
}

test('an actionHook failing mid-call ends the call: alert + hang-up, the rest does not run', async () => {
  const handler: Handler = (s, res) => (s.path === '/hook' ? json(res, [{ play: { url: 'http://media.test/a.wav', actionHook: '/bad' } }, { say: { text: 'never' } }]) : json(res, [{ say: { text: 'x', loop: 'sometimes' } }]));
  await withApp(handler, {}, async ({ call, app }) => {
    await app.done;
    assert.deepEqual(call.alerts.map((a) => a.alertType), ['invalid-app-payload']);
    assert.match(call.alerts[0].message, /\[0\]\.say\.loop/);
    assert.deepEqual(call.said, []);
    assert.equal(call.hangups, 1);
  });
});

test('connection refused → webhook-connection-failure alert and a hang-up', async () => {
  const srv = await server(() => undefined);
  const closedUrl = srv.url;
  await srv.close();
  const client = new WebhookClient({ clock: systemClock });
  const call = new FakeCall();
  try {
    const app = startApplication({ call, clock: systemClock, logger: nullLogger, webhooks: client, callHook: `${closedUrl}/hook` });
    await app.done;
    assert.deepEqual(call.alerts.map((a) => a.alertType), ['webhook-connection-failure']);
    assert.equal(call.hangups, 1);
  } finally {
    await client.close();
  }
});

test('live control: replace() aborts the running verb and runs the new verbs at once', async () => {
  const clock = new FakeClock();
  const call = new FakeCall({ clock, mediaMs: 5000 });
  const client = new WebhookClient({ clock: systemClock });
  try {
    const app = startApplication({ call, clock, logger: nullLogger, webhooks: client, appJson: JSON.stringify([{ say: { text: 'hold music', loop: 'forever' } }]) });
    await call.until((c) => c.said.length === 1);
    assert.throws(() => app.replace([{ verb: 'sing' }]), /unknown verb/);
    app.replace([{ say: { text: 'new app' } }]);
    await call.until((c) => c.said.length === 2);
    clock.advance(5000);
    await app.done;
    assert.deepEqual(call.said, ['hold music', 'new app']);
    assert.equal(call.hangups, 1);
  } finally {
    await client.close();
  }
});

test('live control: redirect() sends session:redirect with the call info; its verbs replace the app', async () => {
  const clock = new FakeClock();
  const srv = await server((s, res) => (s.path === '/hook' ? json(res, [{ pause: { length: 3600 } }]) : json(res, [{ say: { text: 'redirected' } }])));
  const client = new WebhookClient({ clock: systemClock });
  const call = new FakeCall({ clock });
  try {
    const app = startApplication({ call, clock, logger: nullLogger, webhooks: client, secret: 'k', callHook: `${srv.url}/hook` });
    while (srv.seen.length === 0) await new Promise((r) => setTimeout(r, 5));
    await app.redirect('/live');
    await app.done;
    assert.deepEqual(call.said, ['redirected']);
    const b = body(srv.seen[1]);
    assert.equal(srv.seen[1].path, '/live');
    assert.equal(b.call_sid, 'call-1');
    assert.equal(b.defaults, undefined);
    assert.equal(call.hangups, 1);
  } finally {
    await client.close();
    await srv.close();
  }
});
