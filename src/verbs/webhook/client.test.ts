import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { systemClock } from '../../kernel/clock.js';
import { parseUrlPolicy, type UrlPolicy } from '../../kernel/net-policy.js';
import { WebhookClient, WebhookError, backoffMs } from './client.js';
import { resolveHook } from './hook.js';
import { verifySignature } from './signature.js';

interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: string }

async function server(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, seen.length);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => { s.closeAllConnections(); s.close(() => r()); }) };
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

test('POST sends compact JSON signed as the contract says, with basic auth and the event id', async () => {
  const srv = await server((_q, res) => json(res, 200, [{ verb: 'hangup' }]));
  const client = new WebhookClient({ clock: systemClock });
  try {
    const hook = resolveHook({ url: `${srv.url}/hook`, username: 'u', password: 'p' });
    const r = await client.send({ hook, payload: { call_sid: 'abc', customerData: { a: 1 } }, secret: 'wh_secret_x', eventId: 'ev-1', sequence: 3 });
    assert.deepEqual(r.json, [{ verb: 'hangup' }]);
    const seen = srv.seen[0];
    assert.equal(seen.body, '{"call_sid":"abc","customerData":{"a":1}}');
    assert.equal(seen.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
    assert.equal(seen.headers['x-vgw-event-id'], 'ev-1');
    assert.equal(seen.headers['x-vgw-sequence'], '3');
    assert.ok(verifySignature(String(seen.headers['jambonz-signature']), 'wh_secret_x', seen.body, Math.floor(Date.now() / 1000)));
    assert.ok(!verifySignature(String(seen.headers['jambonz-signature']), 'other', seen.body, Math.floor(Date.now() / 1000)));
  } finally {
    await client.close();
    await srv.close();
  }
});

test('GET sends the call info as query parameters', async () => {
  const srv = await server((_q, res) => { res.writeHead(204); res.end(); });
  const client = new WebhookClient({ clock: systemClock });
  try {
    const r = await client.send({ hook: resolveHook({ url: `${srv.url}/s?x=1`, method: 'get' }), payload: { call_sid: 'abc', sip_status: 200, customerData: { k: 'v' } }, eventId: 'e' });
    assert.equal(r.status, 204);
    const u = new URL(srv.seen[0].url, srv.url);
    assert.equal(u.searchParams.get('x'), '1');
    assert.equal(u.searchParams.get('call_sid'), 'abc');
    assert.equal(u.searchParams.get('sip_status'), '200');
    assert.deepEqual(JSON.parse(u.searchParams.get('customerData') ?? ''), { k: 'v' });
  } finally {
    await client.close();
    await srv.close();
  }
});

test('contract §2.8: #rc=2&rp=5xx retries a 503 with the same event id, then succeeds', async () => {
  const srv = await server((_q, res, n) => (n < 3 ? json(res, 503, {}) : json(res, 200, [])));
  const delays: number[] = [];
  const client = new WebhookClient({ clock: systemClock, sleep: async (ms) => { delays.push(ms); } });
  try {
    const r = await client.send({ hook: resolveHook(`${srv.url}/h#rc=2&rp=5xx`), payload: {}, eventId: 'same' });
    assert.equal(r.attempts, 3);
    assert.deepEqual(delays, [500, 1000]);
    assert.deepEqual(srv.seen.map((s) => s.headers['x-vgw-event-id']), ['same', 'same', 'same']);
  } finally {
    await client.close();
    await srv.close();
  }
});

test('no retries by default: a 500 is a WEBHOOK_STATUS failure after one attempt', async () => {
  const srv = await server((_q, res) => json(res, 500, {}));
  const client = new WebhookClient({ clock: systemClock, sleep: async () => undefined });
  try {
    await assert.rejects(client.send({ hook: resolveHook(`${srv.url}/h`), payload: {}, eventId: 'e' }), (e: unknown) => e instanceof WebhookError && e.code === 'WEBHOOK_STATUS' && e.status === 500 && e.attempts === 1);
    assert.equal(srv.seen.length, 1);
  } finally {
    await client.close();
    await srv.close();
  }
});

test('invalid JSON, connection refused and a response timeout each give their own code', async () => {
  const srv = await server((req, res) => {
    if (req.url === '/bad') { res.writeHead(200, { 'content-type': 'application/json' }); res.end('[{"verb":'); }
    // '/slow' never answers
  });
  const client = new WebhookClient({ clock: systemClock, responseTimeoutMs: 200, sleep: async () => undefined });
  try {
    await assert.rejects(client.send({ hook: resolveHook(`${srv.url}/bad`), payload: {}, eventId: 'e' }), (e: unknown) => e instanceof WebhookError && e.code === 'WEBHOOK_INVALID_JSON');
    await assert.rejects(client.send({ hook: resolveHook(`${srv.url}/slow`), payload: {}, eventId: 'e' }), (e: unknown) => e instanceof WebhookError && e.code === 'WEBHOOK_TIMEOUT');
    await assert.rejects(client.send({ hook: resolveHook('http://127.0.0.1:9/x'), payload: {}, eventId: 'e' }), (e: unknown) => e instanceof WebhookError && e.code === 'WEBHOOK_CONNECT');
  } finally {
    await client.close();
    await srv.close();
  }
});

test('a text/plain verb list is treated as empty (contract §2.2)', async () => {
  const srv = await server((_q, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('[{"verb":"hangup"}]'); });
  const client = new WebhookClient({ clock: systemClock });
  try {
    const r = await client.send({ hook: resolveHook(`${srv.url}/h`), payload: {}, eventId: 'e' });
    assert.equal(r.json, undefined);
  } finally {
    await client.close();
    await srv.close();
  }
});

test('relative hooks resolve against the call_hook and inherit its credentials on the same origin only', () => {
  const base = resolveHook({ url: 'https://app.example.com/voice/start', username: 'u', password: 'p' });
  const rel = resolveHook('/gather', base);
  assert.equal(rel.url, 'https://app.example.com/gather');
  assert.equal(rel.username, 'u');
  const other = resolveHook('https://other.example.com/x', base);
  assert.equal(other.username, undefined);
  assert.throws(() => resolveHook('/relative'), /absolute URL/);
  assert.throws(() => resolveHook('ftp://x/y'), /http/);
  assert.deepEqual([1, 2, 3, 4].map(backoffMs), [500, 1000, 2000, 4000]);
});

test('URL policy public: a hook on 127.0.0.1 is refused (URL_FORBIDDEN naming the loopback class, no retry, no request); open reaches it', async () => {
  const srv = await server((_q, res) => json(res, 200, []));
  const strict = new WebhookClient({ clock: systemClock, urlPolicy: parseUrlPolicy('public'), sleep: async () => undefined });
  const open = new WebhookClient({ clock: systemClock, urlPolicy: parseUrlPolicy('open') });
  try {
    await assert.rejects(
      strict.send({ hook: resolveHook(`${srv.url}/h#rc=3&rp=all`), payload: {}, eventId: 'e' }),
      (e: unknown) => e instanceof WebhookError && e.code === 'URL_FORBIDDEN' && e.attempts === 1 && /127\.0\.0\.1 is a loopback address/.test(e.message),
    );
    assert.equal(srv.seen.length, 0, 'nothing reached the server');
    const r = await open.send({ hook: resolveHook(`${srv.url}/h`), payload: {}, eventId: 'e' });
    assert.equal(r.status, 200);
    assert.equal(srv.seen.length, 1);
  } finally {
    await strict.close();
    await open.close();
    await srv.close();
  }
});

test('URL policy public: a host name is resolved once and the request goes to the checked address (DNS rebinding)', async () => {
  const srv = await server((_q, res) => json(res, 200, [{ verb: 'hangup' }]));
  const port = new URL(srv.url).port;
  const asked: string[] = [];
  const answers: Record<string, string[]> = { 'app.test': ['127.0.0.1'], 'meta.test': ['169.254.169.254'] };
  const policy: UrlPolicy = {
    ...parseUrlPolicy('public', '127.0.0.1/32'),
    resolve: async (host) => { asked.push(host); return answers[host] ?? []; },
  };
  const client = new WebhookClient({ clock: systemClock, urlPolicy: policy });
  try {
    // app.test exists only in the injected resolver: reaching the server proves the connect used its checked answer.
    const r = await client.send({ hook: resolveHook(`http://app.test:${port}/h`), payload: {}, eventId: 'e' });
    assert.deepEqual(r.json, [{ verb: 'hangup' }]);
    assert.equal(srv.seen[0].headers.host, `app.test:${port}`);
    assert.deepEqual(asked, ['app.test']);
    await assert.rejects(
      client.send({ hook: resolveHook(`http://meta.test:${port}/latest/meta-data`), payload: {}, eventId: 'e' }),
      (e: unknown) => e instanceof WebhookError && e.code === 'URL_FORBIDDEN' && /meta\.test resolves to a link-local address \(169\.254\.169\.254\)/.test(e.message),
    );
    assert.equal(srv.seen.length, 1);
  } finally {
    await client.close();
    await srv.close();
  }
});
