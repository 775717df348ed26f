import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyRequest } from 'fastify';
import { ClusterForwarder, forwardedBy, type ClusterPeers } from './cluster-peers.js';
import { ApiError } from './errors.js';

function peers(nodeId: string, secret = 's3cret', owner?: { nodeId: string; httpUrl: string }): ClusterPeers {
  return { nodeId, ownerOf: async () => owner, remoteCalls: async () => [], takeToken: async () => 0, secret: async () => secret };
}

/** The owning node's side: echoes what arrived, and who signed it. */
async function ownerNode(p: ClusterPeers, now: () => number) {
  const app = Fastify();
  app.decorateRequest('forwardedBy', undefined);
  app.route({
    method: ['GET', 'PUT', 'DELETE'], url: '/v1/Accounts/:a/Calls/:c',
    handler: async (req, reply) => {
      try {
        const by = await forwardedBy(req, p, now());
        return reply.code(req.method === 'DELETE' ? 204 : 200).header('retry-after', '7').send(req.method === 'DELETE' ? undefined : { by, auth: req.headers.authorization, body: req.body ?? null });
      } catch (e) {
        return reply.code(e instanceof ApiError ? e.status : 500).send({ msg: String(e) });
      }
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  return { app, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` };
}

test('issue 16: a relayed request reaches the owner signed (node, time, method, URL) with the client\'s key and body; status, body and Retry-After come back', async () => {
  const now = 1_800_000_000_000;
  const owner = await ownerNode(peers('node-a'), () => now);
  const front = Fastify();
  const forwarder = new ClusterForwarder(peers('node-b', 's3cret', { nodeId: 'node-a', httpUrl: owner.url }), () => now);
  front.decorateRequest('forwardedBy', undefined);
  front.decorateRequest('auth', undefined);
  front.route({
    method: ['GET', 'PUT', 'DELETE'], url: '/v1/Accounts/:a/Calls/:c',
    handler: async (req, reply) => {
      // What this node's authenticator found for the key.
      req.auth = { scope: 'account', accountSid: 'acc', keySid: 'key-1' };
      const target = await forwarder.remoteOwner(req, 'c1', false);
      assert.ok(target);
      return forwarder.relay(target, req, reply);
    },
  });
  try {
    const put = await front.inject({ method: 'PUT', url: '/v1/Accounts/acc/Calls/c1', headers: { authorization: 'Bearer k1' }, payload: { call_hook: 'http://x/y' } });
    assert.equal(put.statusCode, 200);
    assert.equal(put.headers['retry-after'], '7');
    assert.deepEqual(put.json(), { by: { node: 'node-b', auth: { scope: 'account', accountSid: 'acc', keySid: 'key-1' } }, auth: 'Bearer k1', body: { call_hook: 'http://x/y' } });
    const del = await front.inject({ method: 'DELETE', url: '/v1/Accounts/acc/Calls/c1', headers: { authorization: 'Bearer k1' } });
    assert.equal(del.statusCode, 204);
  } finally {
    await forwarder.close();
    await Promise.all([front.close(), owner.app.close()]);
  }
});

test('issue 16: a forged, altered or stale forward signature is refused (401), an unsigned request is a client\'s', async () => {
  const now = 1_800_000_000_000;
  const p = peers('node-a');
  const req = (headers: Record<string, string>, method = 'PUT', url = '/v1/Accounts/acc/Calls/c1') => ({ headers, method, url }) as unknown as FastifyRequest;
  assert.equal(await forwardedBy(req({}), p, now), undefined);
  // A genuine signature, captured from a relay.
  let captured: Record<string, string> = {};
  const sink = Fastify();
  sink.put('/v1/Accounts/acc/Calls/c1', async (r) => { captured = r.headers as Record<string, string>; return {}; });
  await sink.listen({ host: '127.0.0.1', port: 0 });
  const addr = sink.server.address();
  const forwarder = new ClusterForwarder(peers('node-b'), () => now);
  const front = Fastify();
  front.decorateRequest('forwardedBy', undefined);
  front.decorateRequest('auth', undefined);
  front.put('/v1/Accounts/acc/Calls/c1', async (r, reply) => {
    r.auth = { scope: 'admin', keySid: 'admin-key' };
    return forwarder.relay({ nodeId: 'node-a', httpUrl: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}` }, r, reply);
  });
  try {
    await front.inject({ method: 'PUT', url: '/v1/Accounts/acc/Calls/c1', payload: {} });
    const genuine = { 'x-vgw-node': captured['x-vgw-node'], 'x-vgw-forward': captured['x-vgw-forward'], 'x-vgw-auth': captured['x-vgw-auth'] };
    assert.deepEqual(await forwardedBy(req(genuine), p, now), { node: 'node-b', auth: { scope: 'admin', keySid: 'admin-key' } });
    const refused = async (r: FastifyRequest, at = now): Promise<void> => {
      await assert.rejects(forwardedBy(r, p, at), (e: unknown) => e instanceof ApiError && e.status === 401);
    };
    await refused(req(genuine, 'DELETE'));
    await refused(req(genuine, 'PUT', '/v1/Accounts/other/Calls/c1'));
    await refused(req({ ...genuine, 'x-vgw-node': 'node-c' }));
    // The caller is under the signature: another account cannot be put in its place.
    await refused(req({ ...genuine, 'x-vgw-auth': 'account:other-account:admin-key' }));
    await refused(req({ 'x-vgw-node': genuine['x-vgw-node'], 'x-vgw-forward': genuine['x-vgw-forward'] }));
    await refused(req(genuine), now + 31_000);
    await refused(req({ 'x-vgw-node': 'node-b' }));
    await assert.rejects(forwardedBy(req(genuine), peers('node-a', 'another secret'), now), (e: unknown) => e instanceof ApiError && e.status === 401);
  } finally {
    await forwarder.close();
    await Promise.all([front.close(), sink.close()]);
  }
});

test('issue 16: a request is relayed at most once, and never for a call that is here', async () => {
  const forwarder = new ClusterForwarder(peers('node-b', 's', { nodeId: 'node-a', httpUrl: 'http://127.0.0.1:1' }), () => 0);
  const r = (forwarded: string | undefined) => ({ forwardedBy: forwarded }) as unknown as FastifyRequest;
  assert.deepEqual(await forwarder.remoteOwner(r(undefined), 'c1', false), { nodeId: 'node-a', httpUrl: 'http://127.0.0.1:1' });
  assert.equal(await forwarder.remoteOwner(r('node-c'), 'c1', false), undefined);
  assert.equal(await forwarder.remoteOwner(r(undefined), 'c1', true), undefined);
  const self = new ClusterForwarder(peers('node-a', 's', { nodeId: 'node-a', httpUrl: 'http://127.0.0.1:1' }), () => 0);
  assert.equal(await self.remoteOwner(r(undefined), 'c1', false), undefined);
  await Promise.all([forwarder.close(), self.close()]);
});
