import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import {
  callBody, callCommand, connection, exitCodeFor, formatEntry, formatFinal, parseCallArgs, parseHeaders, shortDetail, type CliIo,
} from './call.js';
import { diffCalls, eventsCommand, type LiveCall } from './events.js';

interface Seen { method: string; path: string; body: unknown }
type Reply = { status: number; body?: unknown };

/** A fetch answering `"METHOD /path"` from a table (a function may vary its answer per call). */
function fakeApi(routes: Record<string, Reply | ((n: number) => Reply)>): { fetch: typeof fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const counts = new Map<string, number>();
  const f = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const key = `${method} ${url.pathname}`;
    seen.push({ method, path: url.pathname, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    const route = routes[key];
    const r = typeof route === 'function' ? route(n) : route ?? { status: 404, body: { msg: 'not found' } };
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), { status: r.status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch: f as typeof fetch, seen };
}

function io(fetchImpl: typeof fetch, env: NodeJS.ProcessEnv = { VGW_API_KEY: 'k', VGW_URL: 'http://gw.test' }) {
  const chunks = { out: [] as string[], err: [] as string[] };
  const sink = (into: string[]) => new Writable({ write(c: Buffer | string, _e, cb) { into.push(String(c)); cb(); } });
  const handlers: Array<() => void> = [];
  const value: CliIo = {
    out: sink(chunks.out), err: sink(chunks.err), env, fetch: fetchImpl,
    onInterrupt(h) {
      handlers.push(h);
      return () => { handlers.splice(handlers.indexOf(h), 1); };
    },
  };
  return { io: value, out: () => chunks.out.join(''), err: () => chunks.err.join(''), interrupt: () => handlers.forEach((h) => h()) };
}

const ACC = '/v1/Accounts/acc-demo';
const DEMO_ROUTES = {
  'GET /v1/Accounts': { status: 200, body: [{ account_sid: 'acc-other', name: 'other' }, { account_sid: 'acc-demo', name: 'demo' }] },
  [`GET ${ACC}/PhoneNumbers`]: { status: 200, body: [{ number: '15551230000', application_sid: 'app-x' }] },
  [`GET ${ACC}/Applications`]: { status: 200, body: [{ application_sid: 'app-x', name: 'x' }, { application_sid: 'app-demo', name: 'demo' }] },
  [`POST ${ACC}/Calls`]: { status: 201, body: { sid: 'c1', callId: 'cid1', callid: 'cid1' } },
};

const entry = (t: number, event: string, detail?: Record<string, unknown>) => ({ at: new Date(1_700_000_000_000 + t).toISOString(), t, event, ...(detail ? { detail } : {}) });

test('parseCallArgs: flags, headers, tag, timeout; usage errors', () => {
  const o = parseCallArgs(['--to', '+15550100', '--from', '+1555', '--trunk', 'sim', '--timeout', '5', '--tag', '{"a":1}', '--header', 'User-to-User: 12;encoding=hex', '--header', 'X-A:b', '--amd', '--no-follow', '--json']);
  assert.deepEqual({ ...o }, {
    to: '+15550100', from: '+1555', trunk: 'sim', app: undefined, account: undefined, amd: true, timeout: 5, tag: { a: 1 },
    headers: { 'User-to-User': '12;encoding=hex', 'X-A': 'b' }, url: undefined, key: undefined, follow: false, json: true, help: false,
  });
  assert.throws(() => parseCallArgs([]), /missing --to/);
  assert.throws(() => parseCallArgs(['--to', '1', '--timeout', '0']), /--timeout/);
  assert.throws(() => parseCallArgs(['--to', '1', '--tag', '[1]']), /JSON object/);
  assert.throws(() => parseCallArgs(['--to', '1', '--tag', '{']), /JSON object/);
  assert.throws(() => parseCallArgs(['--to', '1', '--bogus']), /Unknown option '--bogus'/);
  assert.throws(() => parseHeaders(['no colon']), /'Name: value'/);
  assert.equal(parseCallArgs(['--help']).help, true);
});

test('callBody: the seed\'s basic request, a sip: target, the optional fields and amd', () => {
  const base = { applicationSid: 'app', from: '+1555', baseUrl: 'http://gw:3000' };
  assert.deepEqual(callBody(parseCallArgs(['--to', '+15550100', '--trunk', 'simulator']), base), {
    application_sid: 'app', from: '+1555', to: { type: 'phone', number: '+15550100', trunk: 'simulator' },
  });
  assert.deepEqual(callBody(parseCallArgs(['--to', 'sip:bob@example.com', '--amd', '--timeout', '9', '--header', 'X-A: 1', '--tag', '{"k":"v"}']), base), {
    application_sid: 'app', from: '+1555', to: { type: 'sip', sipUri: 'sip:bob@example.com' }, timeout: 9, tag: { k: 'v' }, headers: { 'X-A': '1' },
    amd: { actionHook: 'http://gw:3000/demo/status' },
  });
});

test('connection: key and URL from flags, then the environment, then the default port', () => {
  assert.deepEqual(connection({}, { VGW_API_KEY: 'k' }), { url: 'http://127.0.0.1:3000', key: 'k' });
  assert.deepEqual(connection({}, { VGW_API_KEY: 'k', VGW_HTTP_PORT: '3001' }), { url: 'http://127.0.0.1:3001', key: 'k' });
  assert.deepEqual(connection({ url: 'http://h:1/', key: 'f' }, { VGW_API_KEY: 'k', VGW_URL: 'http://x' }), { url: 'http://h:1', key: 'f' });
  assert.throws(() => connection({}, {}), /set VGW_API_KEY/);
  assert.throws(() => connection({ url: 'ftp://x' }, { VGW_API_KEY: 'k' }), /http:\/\//);
});

test('exit codes and formatting', () => {
  assert.deepEqual(['completed', 'failed', 'busy', 'no-answer', 'weird'].map(exitCodeFor), [0, 3, 4, 5, 3]);
  assert.equal(formatEntry(entry(1234, 'status:in-progress', { sip_status: 200, sip_reason: 'OK' })), '   +1.234s  status:in-progress   sip_status=200 sip_reason=OK');
  assert.equal(shortDetail({ a: 1.23456, b: null, c: { d: 1 } }), 'a=1.2 c={"d":1}');
  assert.equal(shortDetail({ s: 'x'.repeat(200) }).length, 100);
  assert.equal(formatFinal({ callSid: 'c', status: 'busy', sipStatus: 486, duration: 0, reason: 'Busy Here' }, false), 'final: busy  sip_status=486  duration=0s  reason=Busy Here');
});

test('vgw call: defaults to the demo account, its demo application and first number; follows to busy (exit 4)', async () => {
  const { fetch, seen } = fakeApi({
    ...DEMO_ROUTES,
    [`GET ${ACC}/Calls/c1/Timeline`]: (n) => n === 1
      ? { status: 200, body: { call_sid: 'c1', call_status: 'trying', live: true, timeline: [entry(0, 'invite-sent')] } }
      : { status: 200, body: { call_sid: 'c1', call_status: 'busy', live: false, timeline: [entry(0, 'invite-sent'), entry(20, 'status:busy', { sip_status: 486 })] } },
    [`GET ${ACC}/RecentCalls/c1`]: { status: 200, body: { sip_status: 486, duration: 0, answered: false, termination_reason: 'Busy Here', termination_cause: 'busy' } },
  });
  const t = io(fetch);
  assert.equal(await callCommand(['--to', '+15550486'], t.io), 4, t.err());
  assert.deepEqual(seen.find((s) => s.method === 'POST')?.body, { application_sid: 'app-demo', from: '15551230000', to: { type: 'phone', number: '+15550486' } });
  const lines = t.out().trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^call c1 placed: 15551230000 → \+15550486 \(Call-ID cid1\)$/);
  assert.match(lines[1], /invite-sent$/);
  assert.equal(lines[2], '   +0.020s  status:busy          sip_status=486');
  assert.equal(lines[3], 'final: busy  sip_status=486  duration=0s  reason=Busy Here');
});

test('vgw call: an API refusal prints msg and errors and exits 2; --no-follow exits 0 after the POST', async () => {
  const refused = fakeApi({ ...DEMO_ROUTES, [`POST ${ACC}/Calls`]: { status: 400, body: { msg: 'invalid request: to.number is bad', errors: [{ path: 'to.number', message: 'is bad' }] } } });
  const t = io(refused.fetch);
  assert.equal(await callCommand(['--to', 'x', '--app', 'a', '--from', 'f', '--account', 'acc-demo'], t.io), 2);
  assert.equal(t.err(), 'vgw call: 400 invalid request: to.number is bad\n  to.number: is bad\n');
  assert.deepEqual(refused.seen.map((s) => s.method), ['POST'], 'nothing looked up when everything is given');
  const ok = fakeApi(DEMO_ROUTES);
  const t2 = io(ok.fetch);
  assert.equal(await callCommand(['--to', '+15550100', '--no-follow', '--json'], t2.io), 0);
  assert.deepEqual(JSON.parse(t2.out()), { account_sid: 'acc-demo', sid: 'c1', callId: 'cid1', from: '15551230000', to: { type: 'phone', number: '+15550100' } });
});

test('vgw call: no demo account among several → asks for --account; an unreachable gateway exits 1', async () => {
  const t = io(fakeApi({ 'GET /v1/Accounts': { status: 200, body: [{ account_sid: 'a', name: 'a' }, { account_sid: 'b', name: 'b' }] } }).fetch);
  assert.equal(await callCommand(['--to', '1'], t.io), 2);
  assert.match(t.err(), /pass --account SID \(a=a, b=b\)/);
  const down = io((async () => { throw new TypeError('fetch failed'); }) as typeof fetch);
  assert.equal(await callCommand(['--to', '1'], down.io), 1);
  assert.match(down.err(), /cannot reach the gateway at http:\/\/gw\.test .*VGW_URL/);
});

test('vgw call: Ctrl-C hangs the call up and keeps following to its end', async () => {
  let deleted = false;
  const { fetch, seen } = fakeApi({
    ...DEMO_ROUTES,
    [`DELETE ${ACC}/Calls/c1`]: () => { deleted = true; return { status: 204 }; },
    [`GET ${ACC}/Calls/c1/Timeline`]: () => deleted
      ? { status: 200, body: { call_sid: 'c1', call_status: 'completed', live: false, timeline: [entry(0, 'invite-sent'), entry(900, 'bye-sent')] } }
      : { status: 200, body: { call_sid: 'c1', call_status: 'in-progress', live: true, timeline: [entry(0, 'invite-sent')] } },
    [`GET ${ACC}/RecentCalls/c1`]: { status: 200, body: { sip_status: 200, duration: 1, answered: true, termination_reason: 'deleted', termination_cause: 'caller' } },
  });
  const t = io(fetch);
  const done = callCommand(['--to', '+15550100'], t.io);
  await new Promise((r) => setTimeout(r, 300));
  t.interrupt();
  assert.equal(await done, 0, t.err());
  assert.ok(seen.some((s) => s.method === 'DELETE'));
  assert.match(t.err(), /hanging up c1/);
  assert.match(t.out(), /bye-sent\nfinal: completed/);
});

test('diffCalls: new, status change, gone', () => {
  const c = (sid: string, status: string): LiveCall => ({ call_sid: sid, direction: 'outbound', from: 'a', to: 'b', call_status: status });
  const before = new Map([['1', c('1', 'ringing')], ['2', c('2', 'in-progress')], ['3', c('3', 'trying')]]);
  assert.deepEqual(diffCalls(before, [c('1', 'in-progress'), c('3', 'trying'), c('4', 'trying')]).map((x) => `${x.kind}:${x.call.call_sid}`), ['status:1', 'new:4', 'gone:2']);
});

test('vgw events without --follow prints the live calls once; --follow stops on Ctrl-C with exit 0', async () => {
  const live = { status: 200, body: [{ call_sid: 'c9', direction: 'outbound', from: '1555', to: '+15550100', call_status: 'in-progress' }] };
  const once = io(fakeApi({ ...DEMO_ROUTES, [`GET ${ACC}/Calls`]: live }).fetch);
  assert.equal(await eventsCommand([], once.io), 0);
  assert.equal(once.out(), 'c9  outbound 1555 → +15550100  in-progress\n');
  const follow = io(fakeApi({
    ...DEMO_ROUTES,
    [`GET ${ACC}/Calls`]: (n) => (n < 3 ? live : { status: 200, body: [] }),
    [`GET ${ACC}/RecentCalls/c9`]: { status: 200, body: { sip_status: 200, duration: 4, answered: true, termination_reason: 'hangup', termination_cause: 'caller' } },
  }).fetch);
  const done = eventsCommand(['--follow'], follow.io);
  await new Promise((r) => setTimeout(r, 900));
  follow.interrupt();
  assert.equal(await done, 0);
  const lines = follow.out().trim().split('\n');
  assert.match(lines[0], /^\d\d:\d\d:\d\d\.\d{3} {2}c9 {2}new {5}outbound 1555 → \+15550100 {2}in-progress$/);
  assert.match(lines[1], /^\d\d:\d\d:\d\d\.\d{3} {2}c9 {2}ended {3}completed {2}sip_status=200 {2}duration=4s {2}reason=hangup$/);
});
