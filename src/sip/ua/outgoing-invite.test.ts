import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flush, loopbackUa, nxdomainResolver, RemoteUac, type LoopbackUa } from '../../testkit/sip-loopback.js';
import { TEST_SDP } from '../../testkit/sip-stack.js';
import { formatUri, getHeader, getHeaders, isStackOwnedHeader, type SipHeader, type SipRequest, type SipUri } from '../message/index.js';
import type { Dialog } from './dialog.js';
import type { InviteFailure, InviteOptions } from './outgoing-invite.js';

const callee: SipUri = { scheme: 'sip', user: 'bob', host: '198.51.100.7', port: 5070, params: {}, headers: {} };
const proxy: SipUri = { scheme: 'sip', host: '203.0.113.5', port: 5080, params: {}, headers: {} };
const from = { uri: { scheme: 'sip', user: 'alice', host: '192.0.2.1', params: {}, headers: {} } as SipUri };

/** Places an INVITE and lets it start; collects its `failed` events. */
async function place(env: LoopbackUa, o: Partial<InviteOptions>): Promise<{ failures: InviteFailure[]; answered: Dialog[] }> {
  const inv = env.ua.invite({ uri: callee, from, body: TEST_SDP, ...o });
  const failures: InviteFailure[] = [];
  const answered: Dialog[] = [];
  inv.on('failed', (f) => failures.push(f));
  inv.on('answered', (d) => answered.push(d));
  await flush();
  return { failures, answered };
}

test('issue 12 item 2: a header the stack owns in InviteOptions.headers → `failed` 500 naming it (SIP_RESERVED_HEADER), nothing sent', async () => {
  for (const name of ['Call-ID', 'CSeq', 'From', 'To', 'Via', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Contact', 'call-id', 'i', 'm']) {
    const env = loopbackUa();
    const { failures } = await place(env, { headers: [{ name: 'X-Fine', value: '1' }, { name, value: 'x' }] });
    assert.equal(failures.length, 1, name);
    const f = failures[0];
    assert.equal(f.status, 500, name);
    assert.equal(f.response, undefined);
    assert.equal(f.cancelled, false);
    assert.ok(f.reason.includes(name), `${name}: ${f.reason}`);
    assert.equal(f.error?.code, 'SIP_RESERVED_HEADER', name);
    assert.equal(env.transport.sent.length, 0, name);
    assert.ok(isStackOwnedHeader(name), name);
  }
  assert.ok(!isStackOwnedHeader('User-to-User'));
  assert.ok(!isStackOwnedHeader('X-Call-Sid'));
});

test('RFC 3261 §7.3.1: a malformed extra header (line break in the value, bad name) → `failed` 500 (SIP_BAD_HEADER), never on the wire', async () => {
  const bad: SipHeader[][] = [
    [{ name: 'X-Evil', value: 'a\r\nCall-ID: forged' }],
    [{ name: 'X-Evil', value: 'a\nb' }],
    [{ name: 'X Bad', value: '1' }],
    [{ name: '', value: '1' }],
  ];
  for (const headers of bad) {
    const env = loopbackUa();
    const { failures } = await place(env, { headers });
    assert.equal(failures.length, 1, JSON.stringify(headers));
    assert.equal(failures[0].status, 500);
    assert.equal(failures[0].error?.code, 'SIP_BAD_HEADER');
    assert.equal(env.transport.sent.length, 0);
  }
});

test('RFC 3261 §8.1.3.1: an INVITE that cannot be sent (transport error) or resolved (DNS) → `failed` 503 without a response', async () => {
  const env = loopbackUa();
  env.transport.failSend = () => new Error('EHOSTUNREACH');
  const sent = await place(env, {});
  assert.equal(sent.failures.length, 1);
  assert.equal(sent.failures[0].status, 503);
  assert.match(sent.failures[0].reason, /EHOSTUNREACH/);
  assert.equal(sent.failures[0].error?.code, 'SIP_UNREACHABLE');
  const dns = await place(loopbackUa({ resolver: nxdomainResolver }), { uri: { ...callee, host: 'carrier.invalid', port: undefined } });
  assert.equal(dns.failures.length, 1);
  assert.equal(dns.failures[0].status, 503);
  assert.equal(dns.failures[0].response, undefined);
  assert.match(dns.failures[0].reason, /carrier\.invalid/);
  assert.equal(dns.failures[0].error?.code, 'SIP_DNS');
});

test('RFC 3261 §26.2.2 / RFC 3263 §4.1: a sips: Request-URI or next hop, or transport=tls, is sent over TLS (Via TLS, sips: Contact), never UDP/TCP', async () => {
  const cases: Array<[Partial<InviteOptions>, number, string]> = [
    [{ uri: { ...callee, scheme: 'sips' } }, 5070, 'sips:'],
    [{ uri: { ...callee, scheme: 'sips', port: undefined } }, 5061, 'sips:'],
    [{ uri: { ...callee, scheme: 'sips', params: { transport: 'tcp' } } }, 5070, 'sips:'],
    [{ uri: { ...callee, params: { transport: 'tls' } } }, 5070, 'sip:'],
    [{ nextHop: { ...proxy, scheme: 'sips' } }, 5080, 'sip:'],
    [{ nextHop: { ...proxy, params: { transport: 'TLS' }, port: undefined } }, 5061, 'sip:'],
  ];
  for (const [c, port, contact] of cases) {
    const env = loopbackUa();
    const { failures } = await place(env, c);
    assert.deepEqual(failures, [], JSON.stringify(c));
    const sent = env.transport.sent[0];
    assert.deepEqual([sent.dest.transport, sent.dest.port], ['tls', port], JSON.stringify(c));
    const invite = env.transport.requests('INVITE')[0];
    assert.equal(invite.via[0].transport, 'TLS');
    assert.ok(formatUri(invite.contact[0].uri).startsWith(contact), formatUri(invite.contact[0].uri));
  }
});

test('RFC 3261 §26.2.2: a sips: Request-URI with a destination that is not TLS → `failed` with SIP_TLS_REQUIRED, nothing sent', async () => {
  const env = loopbackUa();
  const { failures } = await place(env, { uri: { ...callee, scheme: 'sips' }, destination: { transport: 'udp', address: '198.51.100.7', port: 5070 } });
  assert.equal(failures.length, 1);
  assert.equal(failures[0].error?.code, 'SIP_TLS_REQUIRED');
  assert.equal(failures[0].response, undefined);
  assert.match(failures[0].reason, /TLS/);
  assert.equal(env.transport.sent.length, 0, 'nothing is sent in the clear');
});

/** Answers our INVITE with 200 (no Record-Route) and returns the dialog. */
async function answer(env: LoopbackUa, answered: Dialog[]): Promise<{ invite: SipRequest; dialog: Dialog }> {
  const invite = env.transport.requests('INVITE')[0];
  assert.ok(invite);
  env.transport.inject(RemoteUac.answer(invite, 200, { body: TEST_SDP }));
  await flush();
  const dialog = answered[0];
  assert.ok(dialog, 'answered');
  return { invite, dialog };
}

test('RFC 3261 §8.1.2: an outbound proxy (nextHop) is pre-loaded as a loose Route; ACK, BYE, INFO and re-INVITE go through it when the route set is empty', async () => {
  const env = loopbackUa();
  const { answered } = await place(env, { nextHop: proxy });
  const { invite, dialog } = await answer(env, answered);
  const dest = (m: SipRequest) => env.transport.sent.find((s) => s.message === m)?.dest;
  assert.equal(formatUri(invite.uri), 'sip:bob@198.51.100.7:5070');
  assert.deepEqual(getHeaders(invite, 'Route'), ['<sip:203.0.113.5:5080;lr>']);
  assert.deepEqual(dest(invite), { transport: 'udp', address: '203.0.113.5', port: 5080 });
  const ack = env.transport.requests('ACK')[0];
  assert.ok(ack);
  assert.equal(formatUri(ack.uri), 'sip:callee@198.51.100.7:5070', 'the ACK targets the remote target (Contact)');
  assert.deepEqual(getHeaders(ack, 'Route'), ['<sip:203.0.113.5:5080;lr>']);
  assert.deepEqual(dest(ack), { transport: 'udp', address: '203.0.113.5', port: 5080 });
  void dialog.request('INFO', { body: 'Signal=5\r\n', contentType: 'application/dtmf-relay' });
  void dialog.reinvite({ body: TEST_SDP });
  void dialog.bye();
  await flush();
  for (const method of ['INFO', 'INVITE', 'BYE']) {
    const req = env.transport.requests(method).at(-1);
    assert.ok(req, method);
    assert.equal(formatUri(req.uri), 'sip:callee@198.51.100.7:5070', method);
    assert.deepEqual(getHeaders(req, 'Route'), ['<sip:203.0.113.5:5080;lr>'], method);
    assert.deepEqual(dest(req), { transport: 'udp', address: '203.0.113.5', port: 5080 }, method);
  }
});

test('RFC 3261 §12.1.2: a Record-Route in the 2xx is the route set; preloadRoute: false sends the INVITE to nextHop with no Route', async () => {
  const env = loopbackUa();
  const { answered } = await place(env, { nextHop: proxy, preloadRoute: false });
  const invite = env.transport.requests('INVITE')[0];
  assert.ok(invite);
  assert.equal(getHeader(invite, 'Route'), undefined);
  assert.deepEqual(env.transport.sent[0]?.dest, { transport: 'udp', address: '203.0.113.5', port: 5080 });
  env.transport.inject(RemoteUac.answer(invite, 200, { body: TEST_SDP }));
  await flush();
  const ack = env.transport.requests('ACK')[0];
  assert.ok(ack && answered[0]);
  assert.equal(getHeader(ack, 'Route'), undefined);
  assert.deepEqual(env.transport.sent.find((s) => s.message === ack)?.dest, { transport: 'udp', address: '198.51.100.7', port: 5070 });

  const rr = loopbackUa();
  const second = await place(rr, { nextHop: proxy });
  const inv2 = rr.transport.requests('INVITE')[0];
  assert.ok(inv2);
  rr.transport.inject(RemoteUac.answer(inv2, 200, { body: TEST_SDP, headers: [{ name: 'Record-Route', value: '<sip:203.0.113.9;lr>' }] }));
  await flush();
  assert.ok(second.answered[0]);
  const ack2 = rr.transport.requests('ACK')[0];
  assert.ok(ack2);
  assert.deepEqual(getHeaders(ack2, 'Route'), ['<sip:203.0.113.9;lr>']);
  assert.deepEqual(rr.transport.sent.find((s) => s.message === ack2)?.dest, { transport: 'udp', address: '203.0.113.9', port: 5060 });
});

test('RFC 3261 §13.2.2.4: a 2xx retransmitted after our BYE (the ACK was lost) is ACKed again, not taken for a new fork (no second BYE)', async () => {
  const env = loopbackUa();
  const { answered } = await place(env, {});
  const { invite, dialog } = await answer(env, answered);
  void dialog.bye();
  await flush();
  assert.equal(env.transport.requests('ACK').length, 1);
  assert.equal(env.transport.requests('BYE').length, 1);
  // The callee never saw our ACK, so it retransmits the same 2xx (same To tag) while our BYE is out.
  env.transport.inject(RemoteUac.answer(invite, 200, { body: TEST_SDP }));
  await flush();
  assert.equal(env.transport.requests('ACK').length, 2, 'the retransmitted 2xx is ACKed again');
  assert.equal(env.transport.requests('BYE').length, 1, 'no BYE for a "fork" that is our own dialog');
});
