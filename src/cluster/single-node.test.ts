import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../testkit/fake-clock.js';
import { isClusterError } from './errors.js';
import { createSingleNode } from './single-node.js';
import type { NodeInfo } from './types.js';

const self: NodeInfo = { nodeId: 'n1', httpUrl: 'http://127.0.0.1:3001', sipHost: '127.0.0.1:5060', startedAt: '2026-01-01T00:00:00.000Z' };
const noLimits = { maxConcurrent: null, maxPerSecond: null };

test('single node: is not shared and carries its node id', () => {
  const s = createSingleNode('n1', new FakeClock());
  assert.equal(s.shared, false);
  assert.equal(s.nodeId, 'n1');
});

test('single node: concurrency counts admitted calls until removeCall, per account', async () => {
  const s = createSingleNode('n1', new FakeClock());
  const lim = { maxConcurrent: 2, maxPerSecond: null };
  assert.equal(await s.admitCall('acc', 'c1', lim), 'ok');
  assert.equal(await s.admitCall('acc', 'c2', lim), 'ok');
  assert.equal(await s.admitCall('acc', 'c3', lim), 'concurrent');
  assert.equal(await s.admitCall('other', 'o1', lim), 'ok', 'another account has its own count');
  await s.removeCall('acc', 'c1');
  await s.removeCall('acc', 'c1');
  assert.equal(await s.admitCall('acc', 'c3', lim), 'ok', 'the removed call freed exactly one slot');
  assert.equal(await s.admitCall('acc', 'c4', lim), 'concurrent');
});

test('single node: calls per second is a sliding 1 s window of admitted starts', async () => {
  const clock = new FakeClock();
  const s = createSingleNode('n1', clock);
  const lim = { maxConcurrent: null, maxPerSecond: 2 };
  assert.equal(await s.admitCall('acc', 'c1', lim), 'ok');
  clock.advance(600);
  assert.equal(await s.admitCall('acc', 'c2', lim), 'ok');
  assert.equal(await s.admitCall('acc', 'c3', lim), 'rate');
  clock.advance(399);
  assert.equal(await s.admitCall('acc', 'c3', lim), 'rate', 'c1 started 999 ms ago: still in the window');
  clock.advance(1);
  assert.equal(await s.admitCall('acc', 'c3', lim), 'ok', 'c1 left the window at 1000 ms');
  assert.equal(await s.admitCall('acc', 'c4', lim), 'rate', 'c2 (400 ms ago) and c3 fill the window');
});

test('single node: a refused call is neither counted nor registered', async () => {
  const clock = new FakeClock();
  const s = createSingleNode('n1', clock);
  assert.equal(await s.admitCall('acc', 'c1', { maxConcurrent: 0, maxPerSecond: null }), 'concurrent');
  assert.deepEqual(await s.listCalls('acc'), []);
  assert.equal(await s.admitCall('acc', 'c2', { maxConcurrent: null, maxPerSecond: 1 }), 'ok');
  assert.equal(await s.admitCall('acc', 'c3', { maxConcurrent: null, maxPerSecond: 1 }), 'rate');
  assert.deepEqual((await s.listCalls('acc')).map((c) => c.callSid), ['c2']);
});

test('single node: listCalls shows the info of the last updateCall; updateCall does not resurrect a removed call', async () => {
  const s = createSingleNode('n1', new FakeClock());
  await s.admitCall('acc', 'c1', noLimits);
  assert.deepEqual(await s.listCalls('acc'), [{ callSid: 'c1', accountSid: 'acc', nodeId: 'n1', info: {} }]);
  await s.updateCall('acc', 'c1', { call_status: 'ringing' });
  assert.deepEqual(await s.listCalls('acc'), [{ callSid: 'c1', accountSid: 'acc', nodeId: 'n1', info: { call_status: 'ringing' } }]);
  await s.removeCall('acc', 'c1');
  await s.updateCall('acc', 'c1', { call_status: 'completed' });
  assert.deepEqual(await s.listCalls('acc'), []);
  assert.deepEqual(await s.listCalls('nobody'), []);
});

test('single node: ownerOf is this node once joined and while the call is registered', async () => {
  const s = createSingleNode('n1', new FakeClock());
  await s.admitCall('acc', 'c1', noLimits);
  assert.equal(await s.ownerOf('c1'), undefined, 'not joined yet: no NodeInfo to give');
  await s.join(self);
  assert.deepEqual(await s.ownerOf('c1'), self);
  assert.equal(await s.ownerOf('nope'), undefined);
  await s.removeCall('acc', 'c1');
  assert.equal(await s.ownerOf('c1'), undefined);
});

test('single node: join refuses a NodeInfo of another node id (CLUSTER_INVALID)', async () => {
  const s = createSingleNode('n1', new FakeClock());
  await assert.rejects(s.join({ ...self, nodeId: 'n2' }), (e) => isClusterError(e, 'CLUSTER_INVALID'));
});

test('single node: takeToken is a token bucket of burst tokens refilled at perSecond', async () => {
  const clock = new FakeClock();
  const s = createSingleNode('n1', clock);
  assert.equal(await s.takeToken('k', 2, 2), 0);
  assert.equal(await s.takeToken('k', 2, 2), 0);
  assert.equal(await s.takeToken('k', 2, 2), 500, 'empty: one token is 500 ms away at 2/s');
  assert.equal(await s.takeToken('other', 2, 2), 0, 'keys have their own buckets');
  clock.advance(250);
  assert.equal(await s.takeToken('k', 2, 2), 250);
  clock.advance(250);
  assert.equal(await s.takeToken('k', 2, 2), 0);
  clock.advance(10_000);
  assert.equal(await s.takeToken('k', 2, 2), 0);
  assert.equal(await s.takeToken('k', 2, 2), 0);
  assert.ok((await s.takeToken('k', 2, 2)) > 0, 'refill is capped at burst');
  await assert.rejects(s.takeToken('k', 0, 2), (e) => isClusterError(e, 'CLUSTER_INVALID'));
});

test('single node: sharedSecret is 32 random bytes in hex, the same on every read, different per instance', async () => {
  const a = createSingleNode('n1', new FakeClock());
  const b = createSingleNode('n1', new FakeClock());
  const s1 = await a.sharedSecret();
  assert.match(s1, /^[0-9a-f]{64}$/);
  assert.equal(await a.sharedSecret(), s1);
  assert.notEqual(await b.sharedSecret(), s1);
});

test('single node: there are never lost nodes to claim or forget; leave and close are idempotent', async () => {
  const s = createSingleNode('n1', new FakeClock());
  await s.join(self);
  await s.admitCall('acc', 'c1', noLimits);
  assert.deepEqual(await s.claimLostNodes(1000), []);
  assert.deepEqual(await s.forgetNode('n2'), []);
  assert.equal((await s.listCalls('acc')).length, 1);
  await s.leave();
  await s.leave();
  await s.close();
  await s.close();
});

test('single node: admitting a call that is already admitted is ok and does not count it twice', async () => {
  const s = createSingleNode('n1', new FakeClock());
  const lim = { maxConcurrent: 2, maxPerSecond: null };
  assert.equal(await s.admitCall('acc', 'c1', lim), 'ok');
  assert.equal(await s.admitCall('acc', 'c1', lim), 'ok');
  assert.equal(await s.admitCall('acc', 'c2', lim), 'ok');
  await s.removeCall('acc', 'c1');
  assert.equal(await s.admitCall('acc', 'c3', lim), 'ok');
});
