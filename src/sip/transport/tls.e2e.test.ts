import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type PeerCertificate } from 'node:tls';
import { GatewayError } from '../../kernel/errors.js';
import { startTestStack, TEST_SDP, waitFor } from '../../testkit/sip-stack.js';
import { makeTestPki, opensslExchange, type PemPair } from '../../testkit/tls.js';
import type { SipStack } from '../stack.js';
import type { Uri } from '../message/types.js';
import type { InviteFailure } from '../ua/outgoing-invite.js';
import type { Dialog } from '../ua/dialog.js';

const pki = makeTestPki();

function tlsStack(o: { cert?: PemPair; mutualFor?: string } = {}): Promise<SipStack> {
  const cert = o.cert ?? pki.server;
  return startTestStack({
    tls: { port: 0, credentials: { cert: cert.cert, key: cert.key, ca: pki.ca }, clientCertRequired: (a) => a === o.mutualFor },
  });
}

function options(port: number, branch: string): string {
  return [
    `OPTIONS sip:127.0.0.1:${port};transport=tls SIP/2.0`,
    `Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK${branch}`,
    'From: <sip:ping@127.0.0.1>;tag=ping1', `To: <sip:127.0.0.1:${port}>`, `Call-ID: ${branch}@test`, 'CSeq: 1 OPTIONS',
    'Max-Forwards: 70', 'Content-Length: 0', '', '',
  ].join('\r\n');
}

/** The certificate a TLS server presents, read with Node's client. */
function serverCertificate(port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate());
      s.end();
    });
    s.once('error', reject);
  });
}

test('RFC 3261 §26.2 / §11.2: an OPTIONS over TLS (openssl s_client as the peer) is answered 200 on the same connection', async () => {
  const stack = await tlsStack();
  try {
    const port = stack.transport.tlsPort ?? 0;
    assert.ok(port > 0 && port !== stack.transport.port, 'TLS listens on a port of its own');
    const r = await opensslExchange(port, options(port, 'opt1'), { waitFor: /\r\n\r\n/, caFile: pki.caFile });
    assert.match(r.received, /^SIP\/2\.0 200 OK\r\n/, r.errors);
    // §18.2.2: a reliable transport answers on the request's connection, not to the Via's 5999.
    assert.match(r.received, /^Via: SIP\/2\.0\/TLS 127\.0\.0\.1:5999;branch=z9hG4bKopt1\r$/m);
    assert.match(r.received, /^Allow: .*OPTIONS/m);
  } finally {
    await stack.close();
  }
});

test('mutual TLS: a client the policy names must present a certificate that verifies; others need none', async () => {
  const stack = await tlsStack({ mutualFor: '127.0.0.1' });
  try {
    const port = stack.transport.tlsPort ?? 0;
    const anonymous = await opensslExchange(port, options(port, 'mtls1'), { waitFor: /\r\n\r\n/, ms: 3000 });
    assert.doesNotMatch(anonymous.received, /SIP\/2\.0 200/, 'no certificate, no service');
    const untrusted = await opensslExchange(port, options(port, 'mtls2'), { waitFor: /\r\n\r\n/, ms: 3000, cert: pki.selfSigned });
    assert.doesNotMatch(untrusted.received, /SIP\/2\.0 200/, 'a certificate no trusted CA signed is refused');
    const trusted = await opensslExchange(port, options(port, 'mtls3'), { waitFor: /\r\n\r\n/, cert: pki.client });
    assert.match(trusted.received, /^SIP\/2\.0 200 OK/, trusted.errors);
  } finally {
    await stack.close();
  }
  const open = await tlsStack({ mutualFor: '192.0.2.1' });
  try {
    const port = open.transport.tlsPort ?? 0;
    const r = await opensslExchange(port, options(port, 'mtls4'), { waitFor: /\r\n\r\n/ });
    assert.match(r.received, /^SIP\/2\.0 200 OK/, r.errors);
  } finally {
    await open.close();
  }
});

test('SIGHUP reload: new TLS connections get the replaced certificate; an unusable one is refused and the old stays', async () => {
  const stack = await tlsStack();
  try {
    const port = stack.transport.tlsPort ?? 0;
    assert.equal((await serverCertificate(port)).subject.CN, 'vgw test server');
    stack.transport.setTlsCredentials({ cert: pki.selfSigned.cert, key: pki.selfSigned.key });
    assert.equal((await serverCertificate(port)).subject.CN, 'self-signed');
    assert.throws(() => stack.transport.setTlsCredentials({ cert: pki.server.cert, key: pki.client.key }), (e: unknown) => e instanceof GatewayError && e.code === 'SIP_TLS_CONFIG');
    assert.equal((await serverCertificate(port)).subject.CN, 'self-signed');
  } finally {
    await stack.close();
  }
});

/** Calls `callee` at `uri` from `caller`; the callee answers and the caller hangs up. */
async function callOverTls(caller: SipStack, callee: SipStack, uri: Uri, tlsVerify?: { serverName: string }): Promise<{ invite: string; contact: string; via: string; reason: string }> {
  const got = waitFor<{ invite: string; contact: string }>((fn) => callee.ua.on('invite', (inv) => {
    inv.accept({ body: TEST_SDP });
    const c = inv.request.contact[0]?.uri;
    fn({ invite: inv.request.uri.scheme, contact: c && 'params' in c ? `${c.scheme}:${JSON.stringify(c.params)}` : '' });
  }));
  const inv = caller.ua.invite({ uri, from: { uri: { scheme: 'sip', user: 'alice', host: '127.0.0.1', params: {}, headers: {} } }, body: TEST_SDP, tlsVerify });
  const dialog = await waitFor<Dialog>((fn) => inv.on('answered', fn), 5000, 'answer');
  const seen = await got;
  const bye = await dialog.bye();
  return { ...seen, via: inv.request?.via[0]?.transport ?? '', reason: String(bye.status) };
}

test('RFC 3261 §26.2.2 / RFC 5630: a sips: Request-URI goes over TLS with a sips: Contact; the dialog\'s BYE too', async () => {
  const callee = await tlsStack();
  const caller = await tlsStack();
  try {
    const port = callee.transport.tlsPort ?? 0;
    const sips: Uri = { scheme: 'sips', user: 'bob', host: '127.0.0.1', port, params: {}, headers: {} };
    const r = await callOverTls(caller, callee, sips);
    assert.deepEqual(r, { invite: 'sips', contact: 'sips:{}', via: 'TLS', reason: '200' });
    const tls: Uri = { scheme: 'sip', user: 'bob', host: '127.0.0.1', port, params: { transport: 'tls' }, headers: {} };
    const r2 = await callOverTls(caller, callee, tls);
    assert.deepEqual(r2, { invite: 'sip', contact: 'sip:{"transport":"tls"}', via: 'TLS', reason: '200' });
    assert.equal(callee.transport.tcpConnections, 0, 'nothing went over plain TCP');
  } finally {
    await Promise.all([caller.close(), callee.close()]);
  }
});

test('mutual TLS outbound: tlsVerify accepts a server certificate that chains to the CA for the name, refuses a self-signed one (503)', async () => {
  const good = await tlsStack();
  const bad = await tlsStack({ cert: pki.selfSigned });
  const caller = await tlsStack();
  try {
    const to = (s: SipStack): Uri => ({ scheme: 'sip', user: 'bob', host: '127.0.0.1', port: s.transport.tlsPort, params: { transport: 'tls' }, headers: {} });
    const ok = await callOverTls(caller, good, to(good), { serverName: '127.0.0.1' });
    assert.equal(ok.reason, '200');
    const inv = caller.ua.invite({ uri: to(bad), from: { uri: { scheme: 'sip', user: 'alice', host: '127.0.0.1', params: {}, headers: {} } }, body: TEST_SDP, tlsVerify: { serverName: '127.0.0.1' } });
    const f = await waitFor<InviteFailure>((fn) => inv.on('failed', fn), 5000, 'failure');
    assert.equal(f.status, 503);
    assert.match(f.reason, /TLS connection .* failed|certificate/i);
  } finally {
    await Promise.all([caller.close(), good.close(), bad.close()]);
  }
});

test('RFC 3261 §26.2.2: without TLS configured a sips: target fails with SIP_TLS_REQUIRED and nothing is sent in the clear', async () => {
  const plain = await startTestStack();
  const callee = await tlsStack();
  try {
    const uri: Uri = { scheme: 'sips', user: 'bob', host: '127.0.0.1', port: callee.transport.tlsPort, params: {}, headers: {} };
    const inv = plain.ua.invite({ uri, from: { uri: { scheme: 'sip', user: 'alice', host: '127.0.0.1', params: {}, headers: {} } }, body: TEST_SDP });
    const f = await waitFor<InviteFailure>((fn) => inv.on('failed', fn), 5000, 'failure');
    assert.equal(f.status, 503);
    assert.equal(f.error?.code, 'SIP_TLS_REQUIRED');
    assert.equal(plain.transport.tcpConnections, 0);
  } finally {
    await Promise.all([plain.close(), callee.close()]);
  }
});

test('close() does not wait for a TLS handshake that never comes (it would hold the listener for the handshake timeout)', async () => {
  const stack = await tlsStack();
  const { connect: tcpConnect } = await import('node:net');
  const idle = tcpConnect({ host: '127.0.0.1', port: stack.transport.tlsPort ?? 0 });
  await new Promise<void>((r) => idle.once('connect', () => r()));
  idle.on('error', () => undefined);
  const t0 = Date.now();
  await stack.close();
  assert.ok(Date.now() - t0 < 2000, `closed in ${Date.now() - t0} ms`);
  idle.destroy();
});
