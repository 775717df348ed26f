import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nullLogger } from '../../kernel/logger.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { createChallenge, verifyAuthorization } from '../auth/digest.js';
import { createRequest, createResponse, formatNameAddr, formatUri, getHeader, type SipHeader, type SipRequest, type SipResponse, type SipUri } from '../message/index.js';
import type { Peer } from '../transport/types.js';
import { SipRequestError } from './context.js';
import { uriTransport } from './targets.js';
import { grantedExpires, refreshDelayMs, Registerer, type RegistrarContext, type RegistererOptions, type RegistrationStatus } from './registerer.js';

const sip = (host: string, user?: string, port?: number, params: Record<string, string> = {}): SipUri => ({ scheme: 'sip', host, ...(user ? { user } : {}), ...(port ? { port } : {}), params, headers: {} });
const REALM = 'carrier.test';
const PASSWORD = 's3cret';

type Answer = (req: SipRequest) => SipResponse | 'timeout';

/** A registrar behind a fake transaction layer: `answer` decides each final response. */
class FakeRegistrar {
  readonly seen: SipRequest[] = [];
  readonly dests: Peer[] = [];
  /** A resolver that ignores the URI's transport (to check the TLS rule does not depend on it). */
  resolveAs: Peer['transport'] | undefined;
  answer: Answer = (req) => this.digest(req, (r) => this.ok(r));
  readonly clock = new FakeClock();
  private nonce = 0;

  readonly ctx: RegistrarContext = {
    clock: this.clock,
    logger: nullLogger,
    commonHeaders: [{ name: 'User-Agent', value: 'vgw-test' }],
    via: (t) => ({ transport: t.toUpperCase(), host: '203.0.113.1', port: 5070, branch: `z9hG4bK${this.seen.length}`, params: { branch: `z9hG4bK${this.seen.length}` } }),
    contact: (t, user, secure) => ({ uri: { ...sip('203.0.113.1', user, 5070, t === 'udp' || secure ? {} : { transport: t }), scheme: secure ? 'sips' : 'sip' }, params: {} }),
    resolve: async (uri) => [{ transport: this.resolveAs ?? uriTransport(uri, 'udp'), address: '192.0.2.10', port: 5060 }],
    send: async (req, dest) => {
      this.seen.push(req);
      this.dests.push(dest);
      const r = this.answer(req);
      if (r === 'timeout') throw new SipRequestError(408, 'REGISTER timed out');
      return r;
    },
  };

  /** 401 unless the request carries good credentials for PASSWORD. */
  digest(req: SipRequest, then: Answer, opts: { stale?: boolean; proxy?: boolean } = {}): SipResponse | 'timeout' {
    const name = opts.proxy ? 'Proxy-Authorization' : 'Authorization';
    const auth = getHeader(req, name);
    if (auth && verifyAuthorization(auth, { method: 'REGISTER', realm: REALM, password: (u) => (u === 'alice' ? PASSWORD : undefined) })) return then(req);
    const challenge = createChallenge({ realm: REALM, nonce: `n${++this.nonce}`, stale: opts.stale === true && auth !== undefined });
    return this.respond(req, opts.proxy ? 407 : 401, [{ name: opts.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate', value: challenge }]);
  }

  ok(req: SipRequest, expires?: number): SipResponse {
    const contact = req.contact[0];
    const asked = getHeader(req, 'Expires') ?? '3600';
    const value = contact ? `${formatNameAddr(contact)};expires=${expires ?? asked}` : undefined;
    return this.respond(req, 200, value ? [{ name: 'Contact', value }] : []);
  }

  respond(req: SipRequest, status: number, headers: SipHeader[] = []): SipResponse {
    return createResponse(req, status, { toTag: 'reg', headers });
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function registerer(reg: FakeRegistrar, o: Partial<RegistererOptions> = {}): { r: Registerer; changes: RegistrationStatus[] } {
  const r = new Registerer(reg.ctx, {
    registrar: sip(REALM), proxy: sip('192.0.2.10', undefined, 5060), aor: sip(REALM, 'alice'),
    credentials: { username: 'alice', password: PASSWORD }, ...o,
  });
  const changes: RegistrationStatus[] = [];
  r.on('change', (s) => changes.push(s));
  return { r, changes };
}

test('§10.2: REGISTER carries the registrar as Request-URI, the AOR in To and From, our Contact and Expires', async () => {
  const reg = new FakeRegistrar();
  const { r } = registerer(reg);
  r.start();
  await flush();
  const first = reg.seen[0];
  assert.ok(first);
  assert.equal(first.method, 'REGISTER');
  assert.equal(formatUri(first.uri), 'sip:carrier.test');
  assert.equal(formatUri(first.to.uri), 'sip:alice@carrier.test');
  assert.equal(formatUri(first.from.uri), 'sip:alice@carrier.test');
  assert.ok(first.from.params.tag);
  assert.equal(first.to.params.tag, undefined);
  assert.equal(formatUri(first.contact[0]?.uri ?? sip('x')), 'sip:alice@203.0.113.1:5070');
  assert.equal(getHeader(first, 'Expires'), '3600');
  assert.deepEqual(reg.dests[0], { transport: 'udp', address: '192.0.2.10', port: 5060 });
});

test('§22.2: a 401 is answered once with digest credentials, same Call-ID and CSeq + 1', async () => {
  const reg = new FakeRegistrar();
  const { r, changes } = registerer(reg);
  r.start();
  await flush();
  assert.equal(reg.seen.length, 2);
  const [a, b] = reg.seen;
  assert.ok(a && b);
  assert.equal(getHeader(a, 'Authorization'), undefined);
  assert.ok(getHeader(b, 'Authorization'));
  assert.equal(a.callId, b.callId);
  assert.equal(b.cseq.seq, a.cseq.seq + 1);
  assert.deepEqual(changes.map((c) => c.state), ['registering', 'registered']);
  assert.equal(r.status.sipStatus, 200);
  assert.equal(r.status.expiresAt, reg.clock.wallNow() + 3600_000);
  assert.equal(r.status.lastRegisteredAt, reg.clock.wallNow());
});

test('§22.2: a 407 is answered with Proxy-Authorization', async () => {
  const reg = new FakeRegistrar();
  reg.answer = (req) => reg.digest(req, (x) => reg.ok(x), { proxy: true });
  const { r } = registerer(reg);
  r.start();
  await flush();
  assert.equal(reg.seen.length, 2);
  assert.equal(getHeader(reg.seen[0] ?? plainRegister(), 'Proxy-Authorization'), undefined);
  assert.ok(getHeader(reg.seen[1] ?? plainRegister(), 'Proxy-Authorization'));
  assert.equal(r.status.state, 'registered');
});

test('§10.2.4: refreshes at max(expires − 30 s, expires / 2) with the same Call-ID and a higher CSeq', async () => {
  const reg = new FakeRegistrar();
  reg.answer = (req) => reg.digest(req, (x) => reg.ok(x, 4));
  const { r } = registerer(reg);
  r.start();
  await flush();
  assert.equal(reg.seen.length, 2);
  assert.equal(r.status.expiresAt, reg.clock.wallNow() + 4000);
  reg.clock.advance(1999);
  await flush();
  assert.equal(reg.seen.length, 2);
  reg.clock.advance(1);
  await flush();
  assert.equal(reg.seen.length, 4);
  const callIds = new Set(reg.seen.map((s) => s.callId));
  assert.equal(callIds.size, 1);
  const seqs = reg.seen.map((s) => s.cseq.seq);
  assert.deepEqual(seqs, [1, 2, 3, 4]);
  assert.equal(r.status.state, 'registered');
  assert.equal(refreshDelayMs(3600), 3570_000);
  assert.equal(refreshDelayMs(40), 20_000);
  await r.close();
});

test('§10.2.4: the granted time is our Contact\'s expires parameter, else the Expires header, else what we asked', () => {
  const ours = { uri: sip('203.0.113.1', 'alice', 5070), params: {} };
  const ok = (headers: SipHeader[]): SipResponse => createResponse(plainRegister(), 200, { headers });
  assert.equal(grantedExpires(ok([{ name: 'Contact', value: '<sip:other@198.51.100.1>;expires=7' }, { name: 'Contact', value: '<sip:alice@203.0.113.1:5070>;expires=120' }, { name: 'Expires', value: '600' }]), ours, 3600), 120);
  assert.equal(grantedExpires(ok([{ name: 'Expires', value: '600' }]), ours, 3600), 600);
  assert.equal(grantedExpires(ok([]), ours, 3600), 3600);
  assert.equal(grantedExpires(ok([{ name: 'Contact', value: '<sip:alice@10.0.0.9:5070>;expires=90' }]), ours, 3600), 90);
});

test('§22.2: wrong credentials end in failed with the 401, then back-off (30 s, 60 s …), no tight loop', async () => {
  const reg = new FakeRegistrar();
  const { r } = registerer(reg, { credentials: { username: 'alice', password: 'wrong' } });
  r.start();
  await flush();
  assert.equal(reg.seen.length, 2);
  assert.equal(r.status.state, 'failed');
  assert.equal(r.status.sipStatus, 401);
  reg.clock.advance(29_999);
  await flush();
  assert.equal(reg.seen.length, 2);
  reg.clock.advance(1);
  await flush();
  assert.equal(reg.seen.length, 4);
  reg.clock.advance(59_999);
  await flush();
  assert.equal(reg.seen.length, 4);
  reg.clock.advance(1);
  await flush();
  assert.equal(reg.seen.length, 6);
  await r.close();
  assert.equal(reg.seen.length, 6, 'nothing to unregister');
  assert.equal(reg.clock.pendingCount, 0);
});

test('§22.2: a second challenge is answered only when it says stale=true', async () => {
  const reg = new FakeRegistrar();
  let stale = true;
  reg.answer = (req) => reg.digest(req, (x) => {
    if (stale) {
      stale = false;
      return reg.respond(x, 401, [{ name: 'WWW-Authenticate', value: createChallenge({ realm: REALM, nonce: 'fresh', stale: true }) }]);
    }
    return reg.ok(x);
  });
  const { r } = registerer(reg);
  r.start();
  await flush();
  assert.equal(reg.seen.length, 3);
  assert.equal(r.status.state, 'registered');
});

test('§10.2.8: 423 Interval Too Brief is retried once with Min-Expires', async () => {
  const reg = new FakeRegistrar();
  reg.answer = (req) => (Number(getHeader(req, 'Expires')) < 7200 ? reg.respond(req, 423, [{ name: 'Min-Expires', value: '7200' }]) : reg.ok(req));
  const { r } = registerer(reg, { expires: 60 });
  r.start();
  await flush();
  assert.deepEqual(reg.seen.map((q) => getHeader(q, 'Expires')), ['60', '7200']);
  assert.equal(r.status.state, 'registered');
  assert.equal(r.status.expiresAt, reg.clock.wallNow() + 7200_000);
});

test('a timeout is a failure with 408 and is retried after the back-off; success resets it', async () => {
  const reg = new FakeRegistrar();
  let down = true;
  reg.answer = (req) => (down ? 'timeout' : reg.ok(req, 600));
  const { r } = registerer(reg, { retryDelaysMs: [1000, 5000] });
  r.start();
  await flush();
  assert.equal(r.status.state, 'failed');
  assert.equal(r.status.sipStatus, 408);
  reg.clock.advance(1000);
  await flush();
  assert.equal(reg.seen.length, 2);
  reg.clock.advance(4999);
  await flush();
  assert.equal(reg.seen.length, 2);
  down = false;
  reg.clock.advance(1);
  await flush();
  assert.equal(r.status.state, 'registered');
  assert.equal(reg.clock.pendingCount, 1, 'only the refresh timer');
  await r.close();
});

test('Retry-After on a 503 lengthens the back-off', async () => {
  const reg = new FakeRegistrar();
  reg.answer = (req) => reg.respond(req, 503, [{ name: 'Retry-After', value: '120' }]);
  const { r } = registerer(reg);
  r.start();
  await flush();
  reg.clock.advance(119_999);
  await flush();
  assert.equal(reg.seen.length, 1);
  reg.clock.advance(1);
  await flush();
  assert.equal(reg.seen.length, 2);
  await r.close();
});

test('§10.2.2: close() removes our binding with Expires: 0 on the same Call-ID, once', async () => {
  const reg = new FakeRegistrar();
  const { r, changes } = registerer(reg);
  r.start();
  await flush();
  await Promise.all([r.close(), r.close()]);
  await r.close();
  const last = reg.seen[reg.seen.length - 1];
  assert.ok(last);
  assert.equal(getHeader(last, 'Expires'), '0');
  assert.equal(formatUri(last.contact[0]?.uri ?? sip('x')), 'sip:alice@203.0.113.1:5070');
  assert.equal(new Set(reg.seen.map((q) => q.callId)).size, 1);
  assert.equal(reg.seen.filter((q) => getHeader(q, 'Expires') === '0').length, 2, 'challenged, then accepted');
  assert.equal(r.status.state, 'unregistered');
  assert.equal(changes[changes.length - 1]?.state, 'unregistered');
  assert.equal(reg.clock.pendingCount, 0);
  r.start();
  await flush();
  assert.equal(r.status.state, 'unregistered', 'closed for good');
});

test('close() during a REGISTER in flight waits for it, then unregisters', async () => {
  const reg = new FakeRegistrar();
  let release: (() => void) | undefined;
  const gate = new Promise<void>((res) => { release = res; });
  const send = reg.ctx.send;
  const r = new Registerer({ ...reg.ctx, send: async (req, dest) => { if (reg.seen.length === 0) await gate; return send(req, dest); } }, {
    registrar: sip(REALM), aor: sip(REALM, 'alice'), credentials: { username: 'alice', password: PASSWORD },
  });
  r.start();
  await flush();
  const closing = r.close();
  release?.();
  await closing;
  assert.deepEqual(reg.seen.map((q) => getHeader(q, 'Expires')), ['3600', '3600', '0', '0']);
  assert.equal(r.status.state, 'unregistered');
});

test('contactHost replaces the public address in Contact; a ;transport=tcp proxy means TCP', async () => {
  const reg = new FakeRegistrar();
  const { r } = registerer(reg, { contactHost: '10.0.0.5', contactUser: 'trunk1', proxy: sip('192.0.2.10', undefined, 5060, { transport: 'tcp' }) });
  r.start();
  await flush();
  assert.equal(formatUri(reg.seen[0]?.contact[0]?.uri ?? sip('x')), 'sip:trunk1@10.0.0.5:5070;transport=tcp');
  assert.equal(reg.dests[0]?.transport, 'tcp');
  await r.close();
});

test('RFC 5630 §3.1.3: a transport=tls proxy means TLS with our TLS Contact; a sips: registrar binds a sips: Contact; mutual TLS verifies the registrar', async () => {
  const reg = new FakeRegistrar();
  const tls = sip('192.0.2.10', undefined, 5061, { transport: 'tls' });
  const { r } = registerer(reg, { proxy: tls });
  r.start();
  await flush();
  assert.equal(reg.dests[0]?.transport, 'tls');
  assert.equal(reg.seen[0]?.via[0]?.transport, 'TLS');
  assert.equal(formatUri(reg.seen[0]?.contact[0]?.uri ?? sip('x')), 'sip:alice@203.0.113.1:5070;transport=tls');
  await r.close();

  const secure = new FakeRegistrar();
  const s2 = registerer(secure, { registrar: { ...sip(REALM), scheme: 'sips' }, aor: { ...sip(REALM, 'alice'), scheme: 'sips' }, proxy: tls, tlsVerify: { serverName: '192.0.2.10' } });
  s2.r.start();
  await flush();
  assert.match(secure.seen[0]?.uri ? formatUri(secure.seen[0].uri) : '', /^sips:carrier\.test$/);
  assert.equal(formatUri(secure.seen[0]?.contact[0]?.uri ?? sip('x')), 'sips:alice@203.0.113.1:5070');
  assert.deepEqual(secure.dests[0]?.verify, { serverName: '192.0.2.10' });
  await s2.r.close();
});

test('RFC 3261 §26.2.2: a registrar that takes TLS is never sent a REGISTER in the clear, even when the resolver offers UDP', async () => {
  const reg = new FakeRegistrar();
  reg.resolveAs = 'udp';
  const { r, changes } = registerer(reg, { proxy: sip('192.0.2.10', undefined, 5061, { transport: 'tls' }) });
  r.start();
  await flush();
  assert.equal(reg.seen.length, 0);
  assert.equal(changes.at(-1)?.state, 'failed');
  assert.match(changes.at(-1)?.reason ?? '', /TLS/i);
  await r.close();
});

function plainRegister(): SipRequest {
  return createRequest({
    method: 'REGISTER', uri: sip(REALM), via: [{ transport: 'UDP', host: '203.0.113.1', port: 5070, branch: 'z9hG4bKx', params: { branch: 'z9hG4bKx' } }],
    from: { uri: sip(REALM, 'alice'), params: { tag: 't' } }, to: { uri: sip(REALM, 'alice'), params: {} }, callId: 'c', cseq: { seq: 1, method: 'REGISTER' },
  });
}
