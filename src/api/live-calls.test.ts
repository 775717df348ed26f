import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import type { CallsService } from '../app/index.js';
import { startApiHarness, type ApiHarness } from '../testkit/api-harness.js';
import { liveCallRoutes } from './routes/live-calls.js';

/**
 * Issue 12 items 2, 13, 14, 17 at the REST edge: POST and PUT /Calls refuse what would hang or
 * break a call with 400 and the field path, before anything reaches the calls service.
 */
interface Seen {
  created: unknown[];
  requests: string[];
  listen: unknown[][];
}
const seen: Seen = { created: [], requests: [], listen: [] };

/** Only what the routes under test call; anything else would throw. */
const service = {
  async create(_account: string, body: unknown) {
    seen.created.push(body);
    return { sid: 'call-1', callId: 'call-id-1' };
  },
  listenStatus(...args: unknown[]) {
    seen.listen.push(args);
  },
  live() {
    return {
      async sipRequest(method: string) {
        seen.requests.push(method);
        return { status: 200, reason: 'OK' };
      },
    };
  },
} as unknown as CallsService;

let h: ApiHarness;
let acct: string;
before(async () => {
  h = await startApiHarness({ plugins: [liveCallRoutes(service, 'http://127.0.0.1:3000')] });
  acct = await h.create('/v1/Accounts', { name: 'live-calls' });
});
after(() => h.close());
beforeEach(() => {
  seen.created.length = 0;
  seen.requests.length = 0;
  seen.listen.length = 0;
});

type ErrBody = { msg: string; errors: { path: string; message: string }[] };
const CALL = { from: '+15550001', to: { type: 'phone', number: '+15550002' }, call_hook: 'https://app.example/call' };
const post = (body: unknown) => h.call('POST', `/v1/Accounts/${acct}/Calls`, { body });
const put = (body: unknown) => h.call('PUT', `/v1/Accounts/${acct}/Calls/call-1`, { body });

async function refused(r: Promise<{ status: number; body: unknown; raw: string }>, path: string, message?: RegExp): Promise<void> {
  const res = await r;
  assert.equal(res.status, 400, `${path}: ${res.status} ${res.raw}`);
  const errors = (res.body as ErrBody).errors;
  const hit = errors.find((e) => e.path === path);
  assert.ok(hit, `${path} named in ${res.raw}`);
  if (message) assert.match(hit.message, message);
}

const STACK = ['Call-ID', 'CSeq', 'From', 'To', 'Via', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Contact', 'Route', 'Record-Route', 'Authorization', 'Proxy-Authorization'];
const COMPACT = ['i', 'f', 't', 'v', 'l', 'c', 'm'];
const NAMES = [...STACK, ...STACK.map((n) => n.toLowerCase()), ...STACK.map((n) => n.toUpperCase()), ...COMPACT, ...COMPACT.map((n) => n.toUpperCase())];

test('RFC 3261 §8.1.1: POST /Calls headers the SIP stack writes get 400 naming headers.<name>, in any case and compact form', async () => {
  for (const name of NAMES) {
    await refused(post({ ...CALL, headers: { [name]: 'x' } }), `headers.${name}`, /SIP stack/);
    await refused(post({ ...CALL, to: { ...CALL.to, headers: { 'X-Ok': '1', [name]: 'x' } } }), `to.headers.${name}`, /SIP stack/);
  }
  assert.equal(seen.created.length, 0, 'nothing reached the calls service');
  const ok = await post({ ...CALL, headers: { 'X-Campaign': 'a', 'P-Asserted-Identity': '<sip:+15550001@example.com>' }, to: { ...CALL.to, headers: { 'X-B': 'b' } } });
  assert.equal(ok.status, 201, ok.raw);
  assert.equal(seen.created.length, 1);
});

test('RFC 3261 §25.1: a header value with CR/LF (header injection) or another control character gets 400', async () => {
  for (const value of ['x\r\nCall-ID: forged', 'x\ny', 'x\u0000']) {
    await refused(post({ ...CALL, headers: { 'X-Evil': value } }), 'headers.X-Evil', /control characters/);
    await refused(post({ ...CALL, to: { ...CALL.to, headers: { 'X-Evil': value } } }), 'to.headers.X-Evil', /control characters/);
    await refused(put({ sip_request: { method: 'INFO', headers: { 'X-Evil': value } } }), 'sip_request.headers.X-Evil', /control characters/);
  }
  assert.equal(seen.created.length + seen.requests.length, 0);
});

test('PUT /Calls sip_request: stack headers get 400 naming sip_request.headers.<name>', async () => {
  for (const name of NAMES) await refused(put({ sip_request: { method: 'INFO', headers: { [name]: 'x' } } }), `sip_request.headers.${name}`, /SIP stack/);
  assert.deepEqual(seen.requests, []);
});

test('PUT /Calls sip_request: only INFO, MESSAGE, NOTIFY, OPTIONS (any case); INVITE/ACK/BYE/CANCEL… get 400 naming the method', async () => {
  for (const method of ['INVITE', 'ack', 'BYE', 'Cancel', 'PRACK', 'UPDATE', 'REFER', 'SUBSCRIBE']) {
    await refused(put({ sip_request: { method } }), 'sip_request.method', new RegExp(`"${method}" is not allowed`));
  }
  assert.deepEqual(seen.requests, []);
  for (const method of ['INFO', 'message', 'Notify', 'OPTIONS']) {
    const r = await put({ sip_request: { method, content_type: 'text/plain', content: 'x', headers: { 'X-A': '1' } } });
    assert.equal(r.status, 200, r.raw);
  }
  assert.deepEqual(seen.requests, ['INFO', 'message', 'Notify', 'OPTIONS']);
});

test('POST /Calls timeLimit is at most 86400 s and timeout at most 600 s', async () => {
  await refused(post({ ...CALL, timeLimit: 86_401 }), 'timeLimit');
  await refused(post({ ...CALL, timeLimit: 2 ** 31 }), 'timeLimit');
  await refused(post({ ...CALL, timeout: 601 }), 'timeout');
  assert.equal(seen.created.length, 0);
  assert.equal((await post({ ...CALL, timeLimit: 86_400, timeout: 600 })).status, 201);
});

test('POST /Calls: referHook, sipRequestWithinDialogHook, to.proxy and dual_streams are refused until supported; their defaults pass', async () => {
  const cases: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ['referHook', { referHook: 'https://app.example/refer' }],
    ['sipRequestWithinDialogHook', { sipRequestWithinDialogHook: { url: 'https://app.example/info' } }],
    ['to.proxy', { to: { ...CALL.to, proxy: 'sip:proxy.example.com' } }],
    ['dual_streams', { dual_streams: true }],
  ];
  for (const [path, extra] of cases) await refused(post({ ...CALL, ...extra }), path, /not supported yet/);
  assert.equal(seen.created.length, 0);
  const defaults = await post({ ...CALL, referHook: null, sipRequestWithinDialogHook: null, dual_streams: false, to: { ...CALL.to, proxy: '' } });
  assert.equal(defaults.status, 201, defaults.raw);
  assert.equal((await post({ ...CALL, to: { ...CALL.to, proxy: null } })).status, 201);
});

test('issue 15: PUT /Calls listen_status (and jambonz\'s stream_status) pause / resume / silence go to CallsService.listenStatus; other values get 400', async () => {
  assert.equal((await put({ listen_status: 'pause' })).status, 202);
  assert.equal((await put({ stream_status: 'silence' })).status, 202);
  assert.equal((await put({ listen_status: 'resume' })).status, 202);
  assert.deepEqual(seen.listen, [[acct, 'call-1', 'pause'], [acct, 'call-1', 'silence'], [acct, 'call-1', 'resume']]);
  await refused(put({ listen_status: 'stop' }), 'listen_status');
  assert.equal(seen.listen.length, 3);
});
