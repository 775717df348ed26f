import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCli, type CliGateway } from '../testkit/cli-gateway.js';
import { eventually, startHookServer } from '../testkit/gateway.js';
import { startKamailio, type RunningKamailio } from '../testkit/kamailio.js';
import { freePort } from '../testkit/ports.js';
import { startTestPostgres, type TestPostgres } from '../testkit/postgres.js';
import { startTestRedis, type TestRedis } from '../testkit/redis.js';
import { sippReceivedCount, startSipp, type SippRun } from '../testkit/sipp.js';

/**
 * Issue 16 acceptance, everything on loopback: PostgreSQL, Redis, Kamailio (deploy/kamailio) and
 * two gateway nodes as real `vgw start` processes; sipp as the carrier on both sides.
 */

const NUMBER = '+4930555000';
const DIALED = NUMBER.slice(1);

interface Node {
  readonly id: string;
  readonly sipPort: number;
  /** The node's SIP address: `host` of its CDRs and `fs_sip_address` of its webhooks. */
  readonly sipHost: string;
  readonly rtpBase: number;
  cli: CliGateway;
  readonly dir: string;
}

interface CallInfo { call_sid: string; call_status: string; fs_sip_address: string; direction: string }
interface Cdr { call_sid: string; host: string | null; answered: boolean; termination_reason: string | null; termination_cause: string | null }

let pg: TestPostgres;
let redis: TestRedis;
let kam: RunningKamailio;
let a: Node;
let b: Node;
let hooks: Awaited<ReturnType<typeof startHookServer>>;
let accountSid = '';
/** How long the inbound app keeps a call up (s). */
let appPause = 1;

function nodeEnv(n: Pick<Node, 'id' | 'sipPort' | 'rtpBase' | 'dir'>): Record<string, string> {
  return {
    VGW_DATABASE_URL: pg.url, VGW_REDIS_URL: redis.url, VGW_NODE_ID: n.id,
    VGW_SIP_ADDRESS: '127.0.0.1', VGW_SIP_PORT: String(n.sipPort), VGW_RTP_PORTS: `${n.rtpBase}-${n.rtpBase + 999}`,
    VGW_DATA_DIR: n.dir, VGW_SIMULATOR: 'off', VGW_DRAIN_TIMEOUT_MS: '60000',
    // Kamailio (127.0.0.1) names the carrier (127.0.0.2) in X-Forwarded-For.
    VGW_SIP_TRUSTED_PROXIES: '127.0.0.1',
  };
}

async function startNode(id: string, sipPort: number, rtpBase: number): Promise<Node> {
  const dir = mkdtempSync(join(tmpdir(), `vgw-${id}-`));
  const cli = await startCli(nodeEnv({ id, sipPort, rtpBase, dir }));
  return { id, sipPort, sipHost: `127.0.0.1:${sipPort}`, rtpBase, cli, dir };
}

/** The carrier's address: only Kamailio sees it; the nodes learn it from X-Forwarded-For. */
const CARRIER_IP = '127.0.0.2';

/** Inbound calls from a sipp carrier through Kamailio (the app answers and keeps them `appPause` s). */
function callIn(calls: number, rate: number): Promise<SippRun> {
  return startSipp({ scenario: 'uac_wait_bye.xml', target: `127.0.0.1:${kam.port}`, address: CARRIER_IP, calls, extra: ['-s', DIALED, '-r', String(rate)], timeoutSeconds: 90 });
}

function sessionsSince(mark: number): { call_sid: string; fs_sip_address: string; source: string }[] {
  return hooks.seen.slice(mark).filter((h) => h.path === '/app').map((h) => ({ call_sid: String(h.json.call_sid), fs_sip_address: String(h.json.fs_sip_address), source: String((h.json.sip as { source_address?: string } | undefined)?.source_address) }));
}

async function liveCalls(via: Node): Promise<CallInfo[]> {
  const r = await via.cli.api('GET', `/v1/Accounts/${accountSid}/Calls`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as CallInfo[];
}

async function recentCalls(via: Node): Promise<Cdr[]> {
  const r = await via.cli.api('GET', `/v1/Accounts/${accountSid}/RecentCalls?count=500`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return (r.body as { data: Cdr[] }).data;
}

before(async () => {
  [pg, redis] = await Promise.all([startTestPostgres(), startTestRedis()]);
  const [sipA, sipB, kamPort] = [await freePort(), await freePort(), await freePort()];
  kam = await startKamailio({ port: kamPort, nodes: [{ address: '127.0.0.1', port: sipA }, { address: '127.0.0.1', port: sipB }], pingIntervalSec: 1 });
  hooks = await startHookServer({
    '/app': () => [{ verb: 'answer' }, { verb: 'pause', length: appPause }, { verb: 'hangup' }],
    '/outbound-app': () => [{ verb: 'pause', length: 60 }],
    '/redirected': () => [{ verb: 'pause', length: 60 }],
    '/status': () => undefined,
  });
  // One after the other: the first migrates the shared store.
  a = await startNode('node-a', sipA, 30000);
  b = await startNode('node-b', sipB, 31000);
  const acc = await a.cli.api('POST', '/v1/Accounts', { name: 'cluster account' });
  accountSid = (acc.body as { sid: string }).sid;
  const app = await a.cli.api('POST', '/v1/Applications', { name: 'ivr', account_sid: accountSid, call_hook: `${hooks.url}/app`, call_status_hook: `${hooks.url}/status` });
  const carrier = await a.cli.api('POST', '/v1/VoipCarriers', { name: 'edge', account_sid: accountSid, outbound_sip_proxy: `sip:127.0.0.1:${kamPort}` });
  const carrierSid = (carrier.body as { sid: string }).sid;
  assert.equal((await a.cli.api('POST', '/v1/SipGateways', { voip_carrier_sid: carrierSid, ipv4: CARRIER_IP, netmask: 32, inbound: true, outbound: false })).status, 201);
  const num = await a.cli.api('POST', '/v1/PhoneNumbers', { number: NUMBER, account_sid: accountSid, application_sid: (app.body as { sid: string }).sid, voip_carrier_sid: carrierSid });
  assert.equal(num.status, 201, JSON.stringify(num.body));
  // Both nodes answer Kamailio's probes before the first call.
  await eventually(async () => (await kam.nodeStates()).filter((s) => s.state === 'active').length === 2, 15_000, 'both nodes active in the dispatcher');
});

after(async () => {
  await Promise.all([a, b].filter(Boolean).map((n) => n.cli.stop('SIGKILL')));
  await kam?.stop();
  await hooks?.close();
  await Promise.all([redis?.stop(), pg?.stop()]);
  for (const n of [a, b].filter(Boolean)) rmSync(n.dir, { recursive: true, force: true });
});

test('acceptance 1: 40 inbound calls through Kamailio are answered by both nodes, each call\'s app running on the node that took it', async () => {
  appPause = 1;
  const mark = hooks.seen.length;
  const r = await (await callIn(40, 20)).done;
  assert.equal(r.successful, 40, r.errors.slice(0, 3000));
  const sessions = sessionsSince(mark);
  assert.equal(sessions.length, 40);
  const onA = sessions.filter((s) => s.fs_sip_address === a.sipHost).length;
  const onB = sessions.filter((s) => s.fs_sip_address === b.sipHost).length;
  console.log(`# 40 inbound calls through Kamailio: ${onA} on node-a, ${onB} on node-b`);
  assert.equal(onA + onB, 40);
  assert.ok(onA > 0 && onB > 0, `both nodes take calls (${onA}/${onB})`);
  assert.ok(sessions.every((s) => s.source === CARRIER_IP), 'the app sees the carrier, not Kamailio');
  // The CDR of each call names the node whose app ran it (and, through either node, the same records).
  const cdrs = await eventually(async () => {
    const list = await recentCalls(b);
    return sessions.every((s) => list.some((c) => c.call_sid === s.call_sid)) ? list : undefined;
  }, 10_000, 'the 40 CDRs');
  for (const s of sessions) assert.equal(cdrs.find((c) => c.call_sid === s.call_sid)?.host, s.fs_sip_address);
});

test('acceptance 2: an outbound call placed through node A is listed, redirected and hung up through node B', async () => {
  const uas = await startSipp({ scenario: 'uas_rr_hold.xml', calls: 1, timeoutSeconds: 60 });
  try {
    // The carrier's outbound gateway is the sipp callee; the node sends the INVITE through Kamailio.
    const carriers = (await a.cli.api('GET', '/v1/VoipCarriers')).body as { voip_carrier_sid: string; name: string }[];
    const edge = carriers.find((c) => c.name === 'edge');
    assert.ok(edge);
    const gw = await a.cli.api('POST', '/v1/SipGateways', { voip_carrier_sid: edge.voip_carrier_sid, ipv4: '127.0.0.1', port: uas.port, inbound: false, outbound: true });
    assert.equal(gw.status, 201, JSON.stringify(gw.body));
    const created = await a.cli.api('POST', `/v1/Accounts/${accountSid}/Calls`, {
      from: NUMBER, to: { type: 'phone', number: '+15550100', trunk: 'edge' }, call_hook: `${hooks.url}/outbound-app`,
      call_status_hook: `${hooks.url}/status`,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const sid = (created.body as { sid: string }).sid;
    const listed = await eventually(async () => (await liveCalls(b)).find((c) => c.call_sid === sid && c.call_status === 'in-progress'), 10_000, 'the call listed in-progress through node B');
    assert.equal(listed.fs_sip_address, a.sipHost);
    const one = await b.cli.api('GET', `/v1/Accounts/${accountSid}/Calls/${sid}`);
    assert.equal(one.status, 200);
    assert.equal((one.body as CallInfo).call_sid, sid);

    const mark = hooks.seen.length;
    const put = await b.cli.api('PUT', `/v1/Accounts/${accountSid}/Calls/${sid}`, { call_hook: `${hooks.url}/redirected` });
    assert.equal(put.status, 202, JSON.stringify(put.body));
    const redirect = await eventually(() => hooks.seen.slice(mark).find((h) => h.path === '/redirected'), 10_000, 'the redirect webhook');
    assert.equal(redirect.json.call_sid, sid);
    assert.equal(redirect.json.fs_sip_address, a.sipHost, 'node A, which owns the call, runs the redirect');

    const del = await b.cli.api('DELETE', `/v1/Accounts/${accountSid}/Calls/${sid}`);
    assert.equal(del.status, 204);
    const r = await uas.done;
    assert.equal(r.successful, 1, r.errors);
    assert.equal(sippReceivedCount(r.messages, 'BYE'), 1);
    assert.match(r.messages, /^Record-Route:/im, 'the INVITE came through Kamailio');
    // RFC 3261 §12.2.1.1: the node's BYE follows the route set, through Kamailio (its Via on top).
    const at = r.messages.search(/^BYE sip:/m);
    const bye = at < 0 ? '' : r.messages.slice(at).split(/\r?\n\r?\n/)[0];
    assert.match(bye, new RegExp(`^Via: SIP/2.0/UDP 127\\.0\\.0\\.1:${kam.port};`, 'm'), bye);
    await eventually(async () => !(await liveCalls(b)).some((c) => c.call_sid === sid), 10_000, 'the call gone from the cluster list');
    assert.equal((await b.cli.api('DELETE', `/v1/Accounts/${accountSid}/Calls/${sid}`)).status, 404);
  } finally {
    uas.kill();
  }
});

test('acceptance 3: an account limited to N concurrent calls gets 429 on its N+1th call, whichever node it asks', async () => {
  const N = 2;
  assert.equal((await a.cli.api('PUT', `/v1/Accounts/${accountSid}`, { max_concurrent_calls: N })).status, 204);
  const uas = await startSipp({ scenario: 'uas_rr_hold.xml', calls: N + 1, timeoutSeconds: 60 });
  const hold = await a.cli.api('POST', '/v1/VoipCarriers', { name: 'hold', account_sid: accountSid });
  const holdSid = (hold.body as { sid: string }).sid;
  await a.cli.api('POST', '/v1/SipGateways', { voip_carrier_sid: holdSid, ipv4: '127.0.0.1', port: uas.port, inbound: false, outbound: true });
  const body = { from: NUMBER, to: { type: 'phone', number: '+15550101', trunk: 'hold' }, call_hook: `${hooks.url}/redirected` };
  try {
    const first = await a.cli.api('POST', `/v1/Accounts/${accountSid}/Calls`, body);
    const second = await b.cli.api('POST', `/v1/Accounts/${accountSid}/Calls`, body);
    assert.deepEqual([first.status, second.status], [201, 201], JSON.stringify([first.body, second.body]));
    for (const via of [a, b]) {
      const refused = await via.cli.api('POST', `/v1/Accounts/${accountSid}/Calls`, body);
      assert.equal(refused.status, 429, `node ${via.id}: ${JSON.stringify(refused.body)}`);
      assert.match((refused.body as { msg: string }).msg, /2 concurrent calls/);
      assert.equal(refused.headers.get('retry-after'), '1');
    }
    // Hanging one up (through the other node) frees its slot for everyone.
    const sid = (first.body as { sid: string }).sid;
    assert.equal((await b.cli.api('DELETE', `/v1/Accounts/${accountSid}/Calls/${sid}`)).status, 204);
    await eventually(async () => !(await liveCalls(a)).some((c) => c.call_sid === sid), 10_000, 'the first call gone');
    const third = await b.cli.api('POST', `/v1/Accounts/${accountSid}/Calls`, { ...body, to: { ...body.to, number: '+15550102' } });
    assert.equal(third.status, 201, JSON.stringify(third.body));
    for (const c of await liveCalls(a)) await a.cli.api('DELETE', `/v1/Accounts/${accountSid}/Calls/${c.call_sid}`);
    await eventually(async () => (await liveCalls(a)).length === 0, 10_000, 'no live calls');
  } finally {
    uas.kill();
    await a.cli.api('PUT', `/v1/Accounts/${accountSid}`, { max_concurrent_calls: null });
  }
});

test('acceptance 5: node B drained with SIGTERM leaves the dispatcher set, new calls go to A, and B\'s live calls complete', async () => {
  appPause = 6;
  const live = await callIn(6, 20);
  const onB = await eventually(async () => {
    const calls = await liveCalls(a);
    return calls.length === 6 && calls.every((c) => c.call_status === 'in-progress') ? calls.filter((c) => c.fs_sip_address === b.sipHost) : undefined;
  }, 15_000, '6 live calls');
  assert.ok(onB.length > 0, 'B has live calls to drain');
  const exited = b.cli.stop('SIGTERM');
  await eventually(async () => (await kam.nodeStates()).find((s) => s.uri.endsWith(`:${b.sipPort}`))?.state === 'inactive', 10_000, 'B inactive in the dispatcher');
  const mark = hooks.seen.length;
  appPause = 1;
  const r2 = await (await callIn(6, 20)).done;
  assert.equal(r2.successful, 6, r2.errors.slice(0, 2000));
  const later = sessionsSince(mark);
  assert.equal(later.length, 6);
  assert.ok(later.every((s) => s.fs_sip_address === a.sipHost), 'every new call went to A');
  assert.equal(await exited, 0, 'B exits once its calls are done');
  const r1 = await live.done;
  assert.equal(r1.successful, 6, r1.errors.slice(0, 2000));
  const cdrs = await recentCalls(a);
  for (const c of onB) {
    const cdr = cdrs.find((x) => x.call_sid === c.call_sid);
    // Ended by its app's hangup after the pause, not cut by the shutdown.
    assert.equal(cdr?.termination_reason, 'hangup', `B's call ${c.call_sid}: ${JSON.stringify(cdr)}`);
    assert.equal(cdr?.answered, true);
  }
  // B comes back for the next test (same node id, same ports).
  b.cli = await startCli(nodeEnv(b));
  await eventually(async () => (await kam.nodeStates()).filter((s) => s.state === 'active').length === 2, 15_000, 'B active again');
});

test('acceptance 4: node A killed with SIGKILL during 10 live calls: new calls go to B; A\'s calls end as failed / "node lost" exactly once', async () => {
  appPause = 30;
  const mark = hooks.seen.length;
  const live = await callIn(10, 20);
  const onA = await eventually(async () => {
    const calls = await liveCalls(b);
    return calls.length === 10 && calls.every((c) => c.call_status === 'in-progress') ? calls.filter((c) => c.fs_sip_address === a.sipHost) : undefined;
  }, 15_000, '10 live calls');
  assert.ok(onA.length > 0, 'A has live calls');
  assert.equal(await a.cli.stop('SIGKILL'), null);
  await eventually(async () => (await kam.nodeStates()).find((s) => s.uri.endsWith(`:${a.sipPort}`))?.state === 'inactive', 10_000, 'A inactive in the dispatcher');
  appPause = 1;
  const before = hooks.seen.length;
  const r2 = await (await callIn(4, 20)).done;
  assert.equal(r2.successful, 4, r2.errors.slice(0, 2000));
  assert.ok(sessionsSince(before).every((s) => s.fs_sip_address === b.sipHost), 'new calls went to B');
  // Within 30 s B settles A's calls from the shared store.
  const lostSids = new Set(onA.map((c) => c.call_sid));
  await eventually(async () => (await recentCalls(b)).filter((c) => lostSids.has(c.call_sid) && c.termination_reason === 'node lost').length === lostSids.size, 30_000, 'A\'s calls settled');
  const cdrs = (await recentCalls(b)).filter((c) => lostSids.has(c.call_sid));
  assert.equal(cdrs.length, lostSids.size, 'one record per call');
  for (const c of cdrs) assert.equal(c.termination_cause, 'failed');
  const finals = (): Map<string, number> => {
    const m = new Map<string, number>();
    for (const h of hooks.seen.slice(mark)) {
      if (h.path === '/status' && lostSids.has(String(h.json.call_sid)) && h.json.call_status === 'failed') m.set(String(h.json.call_sid), (m.get(String(h.json.call_sid)) ?? 0) + 1);
    }
    return m;
  };
  await eventually(() => finals().size === lostSids.size, 10_000, 'a final call:status for each of A\'s calls');
  assert.ok([...finals().values()].every((n) => n === 1));
  // B forgets A's calls in the shared registry after the last of those webhooks has been answered.
  await eventually(async () => !(await liveCalls(b)).some((c) => lostSids.has(c.call_sid)), 10_000, 'A\'s calls gone from the cluster list');
  // B's own calls go on to their end; sipp's calls to A never get their BYE.
  live.kill();
  await live.done;
});
