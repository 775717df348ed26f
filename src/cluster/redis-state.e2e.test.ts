import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { systemClock, type Clock } from '../kernel/clock.js';
import { createLogger, nullLogger, type Logger } from '../kernel/logger.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { freePort } from '../testkit/ports.js';
import { startTestRedis, type TestRedis } from '../testkit/redis.js';
import { isClusterError } from './errors.js';
import { RedisClusterState } from './redis-state.js';
import type { NodeInfo } from './types.js';

let server: TestRedis;
let raw: Redis;
let prefixes = 0;
const open: RedisClusterState[] = [];

before(async () => {
  server = await startTestRedis();
  raw = new Redis(server.url);
});

after(async () => {
  await Promise.all(open.map((s) => s.close()));
  await raw.quit();
  await server.stop();
});

interface NodeOpts {
  readonly prefix: string;
  readonly clock?: Clock;
  readonly heartbeatMs?: number;
  readonly heartbeatTtlMs?: number;
  readonly logger?: Logger;
  readonly url?: string;
}

async function node(nodeId: string, o: NodeOpts): Promise<RedisClusterState> {
  const s = await RedisClusterState.connect({
    url: o.url ?? server.url, nodeId, clock: o.clock ?? systemClock, logger: o.logger ?? nullLogger,
    heartbeatMs: o.heartbeatMs ?? 50, heartbeatTtlMs: o.heartbeatTtlMs ?? 200, keyPrefix: o.prefix,
  });
  open.push(s);
  return s;
}

function info(nodeId: string, startedAt = '2026-01-01T00:00:00.000Z'): NodeInfo {
  return { nodeId, httpUrl: `http://127.0.0.1/${nodeId}`, sipHost: `${nodeId}.test:5060`, startedAt };
}

/** Each test its own key space in the shared server. */
const freshPrefix = (): string => `t${++prefixes}:`;

/** Polls `read` until `ok` holds for its value, or fails after `ms`. */
async function waitFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (performance.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(v)} after ${ms} ms`);
    await new Promise<void>((r) => setTimeout(r, 20));
  }
}

/** Reads `read` every 20 ms for `ms` and fails at the first value for which `ok` does not hold. */
async function holdsFor<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const v = await read();
    if (!ok(v)) assert.fail(`${what}: got ${JSON.stringify(v)}`);
    await new Promise<void>((r) => setTimeout(r, 20));
  }
}

const noLimits = { maxConcurrent: null, maxPerSecond: null };

test('admission is cluster-wide and atomic: 50 parallel admitCall on two nodes under maxConcurrent 7 admit exactly 7', async () => {
  const prefix = freshPrefix();
  const [a, b] = await Promise.all([node('a', { prefix }), node('b', { prefix })]);
  const lim = { maxConcurrent: 7, maxPerSecond: null };
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? a : b).admitCall('acc', `c${i}`, lim)));
  assert.equal(results.filter((r) => r === 'ok').length, 7);
  assert.equal(results.filter((r) => r === 'concurrent').length, 43);
  const listed = await a.listCalls('acc');
  assert.deepEqual(listed.map((c) => c.callSid).sort(), results.flatMap((r, i) => (r === 'ok' ? [`c${i}`] : [])).sort());
  for (const c of listed) assert.equal(c.nodeId, Number(c.callSid.slice(1)) % 2 === 0 ? 'a' : 'b', 'each call is registered to the node that admitted it');
});

test('calls per second: a sliding 1 s window of admitted starts on the Redis server clock, shared by the nodes', async () => {
  const prefix = freshPrefix();
  const [a, b] = await Promise.all([node('a', { prefix }), node('b', { prefix })]);
  const lim = { maxConcurrent: null, maxPerSecond: 3 };
  const t0 = performance.now();
  assert.equal(await a.admitCall('acc', 'c1', lim), 'ok');
  await new Promise<void>((r) => setTimeout(r, 500)); // c2 and c3 start half a window after c1
  assert.deepEqual([await b.admitCall('acc', 'c2', lim), await a.admitCall('acc', 'c3', lim)], ['ok', 'ok']);
  assert.equal(await b.admitCall('acc', 'c4', lim), 'rate');
  assert.equal(await a.admitCall('other', 'o1', lim), 'ok', 'another account has its own window');
  assert.equal((await a.listCalls('acc')).length, 3, 'the refused call is not registered');
  await waitFor('c4 admitted once c1 left the window', () => b.admitCall('acc', 'c4', lim), (r) => r === 'ok', 5000);
  assert.ok(performance.now() - t0 >= 950, `admitted after ${(performance.now() - t0).toFixed(0)} ms, before c1 left the 1 s window`);
  assert.equal(await a.admitCall('acc', 'c5', lim), 'rate', 'c2, c3 and c4 are still in the window: it slides, it is not reset');
});

test('removeCall (from any node) frees the slot, is idempotent, and clears the owner node\'s set', async () => {
  const prefix = freshPrefix();
  const [a, b] = await Promise.all([node('a', { prefix }), node('b', { prefix })]);
  const lim = { maxConcurrent: 1, maxPerSecond: null };
  assert.equal(await a.admitCall('acc', 'c1', lim), 'ok');
  assert.equal(await a.admitCall('acc', 'c1', lim), 'ok', 'admitting an admitted call again is ok…');
  assert.equal(await b.admitCall('acc', 'c2', lim), 'concurrent', '…and does not count it twice, nor free a slot');
  await b.removeCall('acc', 'c1');
  await b.removeCall('acc', 'c1');
  assert.deepEqual(await raw.smembers(`${prefix}node:a:calls`), []);
  assert.equal(await raw.exists(`${prefix}call:c1`), 0);
  assert.equal(await b.admitCall('acc', 'c2', lim), 'ok');
  assert.equal(await a.admitCall('acc', 'c3', lim), 'concurrent');
});

test('listCalls sees both nodes\' calls with their last info; updateCall does not resurrect a removed call', async () => {
  const prefix = freshPrefix();
  const [a, b] = await Promise.all([node('a', { prefix }), node('b', { prefix })]);
  await a.admitCall('acc', 'a1', noLimits);
  await b.admitCall('acc', 'b1', noLimits);
  await b.admitCall('other', 'o1', noLimits);
  await raw.script('FLUSH'); // as after a Redis restart: the scripts are loaded again on NOSCRIPT
  await a.updateCall('acc', 'a1', { call_status: 'in-progress', sip_status: 200 });
  const seen = (await b.listCalls('acc')).sort((x, y) => x.callSid.localeCompare(y.callSid));
  assert.deepEqual(seen, [
    { callSid: 'a1', accountSid: 'acc', nodeId: 'a', info: { call_status: 'in-progress', sip_status: 200 } },
    { callSid: 'b1', accountSid: 'acc', nodeId: 'b', info: {} },
  ]);
  await b.removeCall('acc', 'b1');
  await b.updateCall('acc', 'b1', { call_status: 'completed' });
  assert.equal(await raw.exists(`${prefix}call:b1`), 0, 'no hash written for the removed call');
  assert.deepEqual((await a.listCalls('acc')).map((c) => c.callSid), ['a1']);
  assert.deepEqual(await a.listCalls('nobody'), []);
});

test('ownerOf follows heartbeats; a lost node is claimed once among concurrent claimers; forgetNode frees its slots', async () => {
  const prefix = freshPrefix();
  const [a, b, c] = await Promise.all([node('a', { prefix }), node('b', { prefix }), node('c', { prefix })]);
  await Promise.all([a.join(info('a')), b.join(info('b')), c.join(info('c'))]);
  const lim = { maxConcurrent: 2, maxPerSecond: null };
  assert.deepEqual([await a.admitCall('acc', 'a1', lim), await a.admitCall('acc', 'a2', lim)], ['ok', 'ok']);
  assert.deepEqual(await b.ownerOf('a1'), info('a'));
  assert.equal(await b.ownerOf('nope'), undefined);
  // Three TTLs: only the heartbeat keeps the node alive that long.
  await holdsFor('a live node keeps its calls', () => b.ownerOf('a1'), (o) => o?.nodeId === 'a', 600);
  assert.deepEqual(await b.claimLostNodes(5000), [], 'a live node is not lost');
  await a.close();
  await waitFor('a1 without a live owner', () => b.ownerOf('a1'), (o) => o === undefined);
  const claims = (await Promise.all([b.claimLostNodes(5000), c.claimLostNodes(5000), b.claimLostNodes(5000), c.claimLostNodes(5000)])).flat();
  assert.deepEqual(claims, [info('a')], 'exactly one claimer gets node a');
  assert.deepEqual([...(await b.claimLostNodes(5000)), ...(await c.claimLostNodes(5000))], [], 'the claim holds');
  assert.equal(await b.admitCall('acc', 'x', lim), 'concurrent', 'the lost node\'s calls still hold the account\'s slots');
  assert.deepEqual((await b.forgetNode('a')).sort(), ['a1', 'a2']);
  assert.deepEqual(await b.forgetNode('a'), [], 'forgetNode is idempotent');
  assert.equal(await b.admitCall('acc', 'x', lim), 'ok');
  assert.deepEqual((await c.listCalls('acc')).map((e) => e.callSid), ['x']);
  assert.deepEqual(await raw.sort(`${prefix}nodes`, 'ALPHA'), ['b', 'c']);
  assert.equal(await raw.exists(`${prefix}node:a`, `${prefix}node:a:calls`, `${prefix}settle:a`, `${prefix}call:a1`), 0);
  assert.deepEqual(await c.claimLostNodes(5000), [], 'a forgotten node is not lost any more');
});

test('a claim that is not followed by forgetNode passes to another claimer once it expires', async () => {
  const prefix = freshPrefix();
  const [a, b, c] = await Promise.all([node('a', { prefix }), node('b', { prefix }), node('c', { prefix })]);
  await a.join(info('a'));
  await a.close();
  const first = await waitFor('b claims a', () => b.claimLostNodes(300), (n) => n.length === 1);
  assert.equal(first[0].nodeId, 'a');
  assert.deepEqual(await c.claimLostNodes(300), [], 'while b holds the claim');
  const second = await waitFor('c claims a after b\'s claim lapsed', () => c.claimLostNodes(300), (n) => n.length === 1);
  assert.deepEqual(second, [info('a')]);
});

test('forgetNode leaves a node alone whose heartbeat came back (it restarted while being settled)', async () => {
  const prefix = freshPrefix();
  const [a, b] = await Promise.all([node('a', { prefix }), node('b', { prefix })]);
  await a.join(info('a'));
  await a.admitCall('acc', 'a1', noLimits);
  assert.deepEqual(await b.forgetNode('a'), []);
  assert.deepEqual(await b.ownerOf('a1'), info('a'));
});

test('join after a crash removes the calls the previous process of the node id left, from the account sets too', async () => {
  const prefix = freshPrefix();
  const [before1, b] = await Promise.all([node('a', { prefix }), node('b', { prefix })]);
  await before1.join(info('a', '2026-01-01T00:00:00.000Z'));
  const lim = { maxConcurrent: 2, maxPerSecond: null };
  await before1.admitCall('acc', 'old1', lim);
  await before1.admitCall('acc', 'old2', lim);
  await b.admitCall('acc2', 'b1', noLimits);
  await before1.close(); // a crash: no leave, its heartbeat is still alive
  const after1 = await node('a', { prefix });
  const restarted = info('a', '2026-01-01T01:00:00.000Z');
  await after1.join(restarted);
  assert.deepEqual(await b.listCalls('acc'), []);
  assert.equal(await raw.exists(`${prefix}call:old1`, `${prefix}call:old2`), 0);
  assert.deepEqual((await b.listCalls('acc2')).map((e) => e.callSid), ['b1'], 'other nodes\' calls are untouched');
  assert.deepEqual([await after1.admitCall('acc', 'new1', lim), await after1.admitCall('acc', 'new2', lim)], ['ok', 'ok']);
  assert.deepEqual(await b.ownerOf('new1'), restarted);
});

test('leave removes the node at once; its calls have no owner and it is not a lost node to claim', async () => {
  const prefix = freshPrefix();
  const [a, b] = await Promise.all([node('a', { prefix }), node('b', { prefix })]);
  await a.join(info('a'));
  await a.admitCall('acc', 'a1', noLimits);
  await a.leave();
  await a.leave();
  assert.equal(await b.ownerOf('a1'), undefined);
  assert.deepEqual(await b.claimLostNodes(5000), []);
  assert.equal(await raw.exists(`${prefix}hb:a`, `${prefix}node:a`), 0);
  await holdsFor('nothing announces the node again (several heartbeat periods)', () => raw.exists(`${prefix}hb:a`, `${prefix}node:a`), (n) => n === 0, 300);
  assert.deepEqual(await raw.smembers(`${prefix}nodes`), []);
});

test('the heartbeat runs on the injected clock and announces the node again after it lapsed', async () => {
  const prefix = freshPrefix();
  const clock = new FakeClock();
  const [a, b] = await Promise.all([node('a', { prefix, clock, heartbeatMs: 100, heartbeatTtlMs: 300 }), node('b', { prefix })]);
  await a.join(info('a'));
  await a.admitCall('acc', 'a1', noLimits);
  assert.deepEqual(await b.ownerOf('a1'), info('a'));
  await waitFor('a lapses while its clock stands still', () => b.ownerOf('a1'), (o) => o === undefined);
  assert.equal(clock.pendingCount, 1, 'one heartbeat timer armed');
  clock.advance(100);
  await waitFor('a alive again after one heartbeat', () => b.ownerOf('a1'), (o) => o !== undefined);
});

test('takeToken is one token bucket for the whole cluster', async () => {
  const prefix = freshPrefix();
  const [a, b] = await Promise.all([node('a', { prefix }), node('b', { prefix })]);
  assert.equal(await a.takeToken('key', 1, 2), 0);
  assert.equal(await b.takeToken('key', 1, 2), 0);
  const wait = await a.takeToken('key', 1, 2);
  assert.ok(wait > 800 && wait <= 1000, `bucket empty: next token in ${wait} ms at 1/s`);
  assert.ok((await b.takeToken('key', 1, 2)) > 0, 'the other node sees the same empty bucket');
  assert.equal(await b.takeToken('other', 1, 2), 0);
  const ttl = await raw.pttl(`${prefix}bucket:key`);
  assert.ok(ttl > 0 && ttl <= 3000, `an idle bucket expires (pttl ${ttl})`);
  await assert.rejects(a.takeToken('key', 0, 2), (e) => isClusterError(e, 'CLUSTER_INVALID'));
});

test('sharedSecret is created once and the same on every node', async () => {
  const prefix = freshPrefix();
  const [a, b] = await Promise.all([node('a', { prefix }), node('b', { prefix })]);
  const [sa, sb] = await Promise.all([a.sharedSecret(), b.sharedSecret()]);
  assert.match(sa, /^[0-9a-f]{64}$/);
  assert.equal(sb, sa);
  const c = await node('c', { prefix });
  assert.equal(await c.sharedSecret(), sa);
  const other = await node('a', { prefix: freshPrefix() });
  assert.notEqual(await other.sharedSecret(), sa, 'another cluster (key prefix) has its own');
});

test('connect() to a port nobody listens on fails with CLUSTER_UNAVAILABLE within the connect timeout', async () => {
  const port = await freePort();
  const t0 = performance.now();
  await assert.rejects(
    RedisClusterState.connect({ url: `redis://127.0.0.1:${port}`, nodeId: 'a', clock: systemClock, logger: nullLogger, connectTimeoutMs: 1000 }),
    (e) => isClusterError(e, 'CLUSTER_UNAVAILABLE'),
  );
  assert.ok(performance.now() - t0 < 3000, `failed after ${(performance.now() - t0).toFixed(0)} ms`);
});

test('a node id with ":" and a heartbeat TTL not above its period are refused (CLUSTER_INVALID)', () => {
  const base = { url: 'redis://127.0.0.1:1', clock: systemClock, logger: nullLogger };
  assert.throws(() => new RedisClusterState({ ...base, nodeId: 'a:calls' }), (e) => isClusterError(e, 'CLUSTER_INVALID'));
  assert.throws(() => new RedisClusterState({ ...base, nodeId: 'a', heartbeatMs: 100, heartbeatTtlMs: 100 }), (e) => isClusterError(e, 'CLUSTER_INVALID'));
});

test('a Redis outage: the heartbeat logs it and never throws, commands reject with CLUSTER_UNAVAILABLE, close() is clean', async () => {
  const own = await startTestRedis();
  const lines: { level: string; msg: string }[] = [];
  const logger = createLogger('debug', { write: (l: string) => lines.push(JSON.parse(l) as { level: string; msg: string }) });
  try {
    const a = await node('a', { prefix: freshPrefix(), url: own.url, logger });
    await a.join(info('a'));
    await own.stop();
    await waitFor('heartbeat failure logged', () => Promise.resolve(lines.filter((l) => l.msg === 'cluster heartbeat failed')), (l) => l.length > 0, 10_000);
    assert.equal(lines.find((l) => l.msg === 'cluster heartbeat failed')?.level, 'warn');
    await assert.rejects(a.admitCall('acc', 'c1', noLimits), (e) => isClusterError(e, 'CLUSTER_UNAVAILABLE'));
    await assert.rejects(a.listCalls('acc'), (e) => isClusterError(e, 'CLUSTER_UNAVAILABLE'));
    await a.close();
    await assert.rejects(a.ownerOf('c1'), (e) => isClusterError(e, 'CLUSTER_UNAVAILABLE'), 'after close');
  } finally {
    await own.stop();
  }
});
