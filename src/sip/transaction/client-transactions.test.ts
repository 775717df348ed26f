import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordingEnv } from '../../testkit/transaction-env.js';
import { testRequest, testResponse } from '../../testkit/sip-builders.js';
import type { SipResponse } from '../message/types.js';
import { InviteClientTransaction } from './invite-client.js';
import { NonInviteClientTransaction } from './non-invite-client.js';

function harness(reliable = false) {
  const { clock, env, sent } = recordingEnv(reliable);
  const events: string[] = [];
  const responses: SipResponse[] = [];
  const tu = {
    receiveResponse: (r: SipResponse) => { responses.push(r); events.push(`res ${r.status}`); },
    timeout: () => events.push('timeout'),
    transportError: (e: Error) => events.push(`transport ${e.message}`),
  };
  let terminated = 0;
  return { clock, env, sent, events, responses, tu, onTerminated: () => { terminated++; }, get terminated() { return terminated; } };
}

test('RFC 3261 §17.1.1.2 Timer A: INVITE retransmitted at T1, 2·T1, 4·T1 … over UDP', () => {
  const h = harness();
  const t = new InviteClientTransaction(testRequest('INVITE'), h.env, h.tu, h.onTerminated);
  t.start();
  h.clock.advance(31_999);
  assert.deepEqual(h.sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  assert.equal(t.state, 'Calling');
});

test('RFC 3261 §17.1.1.2 Timer B: no response in 64·T1 → timeout to the TU, Terminated', () => {
  const h = harness();
  const t = new InviteClientTransaction(testRequest('INVITE'), h.env, h.tu, h.onTerminated);
  t.start();
  h.clock.advance(32_000);
  assert.deepEqual(h.events, ['timeout']);
  assert.equal(t.state, 'Terminated');
  assert.equal(h.terminated, 1);
  assert.equal(h.clock.pendingCount, 0);
});

test('RFC 3261 §17.1.1.2: over TCP the INVITE is sent once (no Timer A), Timer B still runs', () => {
  const h = harness(true);
  const t = new InviteClientTransaction(testRequest('INVITE', { transport: 'TCP' }), h.env, h.tu, h.onTerminated);
  t.start();
  assert.deepEqual(t.activeTimers, ['B']);
  h.clock.advance(31_000);
  assert.equal(h.sent.length, 1);
  h.clock.advance(1_000);
  assert.deepEqual(h.events, ['timeout']);
});

test('RFC 3261 §17.1.1.2: a provisional response stops retransmissions (Proceeding)', () => {
  const h = harness();
  const req = testRequest('INVITE');
  const t = new InviteClientTransaction(req, h.env, h.tu, h.onTerminated);
  t.start();
  h.clock.advance(600);
  t.receiveResponse(testResponse(req, 180));
  h.clock.advance(60_000);
  assert.equal(h.sent.length, 2);
  assert.equal(t.state, 'Proceeding');
  assert.deepEqual(h.events, ['res 180']);
});

test('RFC 3261 §17.1.1.3 Timer D: non-2xx final → ACK, retransmitted finals re-ACKed, Terminated after 32 s', () => {
  const h = harness();
  const req = testRequest('INVITE');
  const t = new InviteClientTransaction(req, h.env, h.tu, h.onTerminated);
  t.start();
  const busy = testResponse(req, 486);
  t.receiveResponse(busy);
  assert.equal(t.state, 'Completed');
  const ack = h.sent[1].msg;
  assert.equal(ack.kind === 'request' && ack.method, 'ACK');
  assert.equal(ack.kind === 'request' && ack.cseq.seq, 1);
  assert.equal(ack.via[0].branch, req.via[0].branch, 'ACK for non-2xx reuses the INVITE branch');
  assert.equal(ack.to.params.tag, 'totag');
  t.receiveResponse(busy);
  assert.equal(h.sent.length, 3, 'retransmitted 486 gets the ACK again');
  assert.deepEqual(h.events, ['res 486'], 'retransmission not passed to the TU');
  h.clock.advance(31_999);
  assert.equal(t.state, 'Completed');
  h.clock.advance(1);
  assert.equal(t.state, 'Terminated');
});

test('RFC 3261 §17.1.1.2: Timer D is zero over TCP', () => {
  const h = harness(true);
  const req = testRequest('INVITE', { transport: 'TCP' });
  const t = new InviteClientTransaction(req, h.env, h.tu, h.onTerminated);
  t.start();
  t.receiveResponse(testResponse(req, 603));
  h.clock.advance(0);
  assert.equal(t.state, 'Terminated');
});

test('RFC 6026 §7.2 Timer M: 2xx → Accepted; further 2xx (retransmission or fork) reach the TU; Terminated after 64·T1', () => {
  const h = harness();
  const req = testRequest('INVITE');
  const t = new InviteClientTransaction(req, h.env, h.tu, h.onTerminated);
  t.start();
  t.receiveResponse(testResponse(req, 200, 'a'));
  assert.equal(t.state, 'Accepted');
  t.receiveResponse(testResponse(req, 200, 'a'));
  t.receiveResponse(testResponse(req, 200, 'b'));
  assert.deepEqual(h.events, ['res 200', 'res 200', 'res 200']);
  assert.equal(h.sent.length, 1, 'the transaction never ACKs a 2xx');
  h.clock.advance(31_999);
  assert.equal(t.state, 'Accepted');
  h.clock.advance(1);
  assert.equal(t.state, 'Terminated');
});

test('RFC 3261 §17.1.2.2 Timer E: non-INVITE retransmits at T1 doubling to T2, then every T2 in Proceeding', () => {
  const h = harness();
  const req = testRequest('OPTIONS');
  const t = new NonInviteClientTransaction(req, h.env, h.tu, h.onTerminated);
  t.start();
  h.clock.advance(11_500);
  assert.deepEqual(h.sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 11500]);
  t.receiveResponse(testResponse(req, 100));
  assert.equal(t.state, 'Proceeding');
  h.clock.advance(8_000);
  assert.deepEqual(h.sent.map((s) => s.at).slice(6), [15500, 19500]);
});

test('RFC 3261 §17.1.2.2 Timer F: no final response in 64·T1 → timeout', () => {
  const h = harness();
  const t = new NonInviteClientTransaction(testRequest('BYE'), h.env, h.tu, h.onTerminated);
  t.start();
  h.clock.advance(31_999);
  assert.deepEqual(h.events, []);
  h.clock.advance(1);
  assert.deepEqual(h.events, ['timeout']);
  assert.equal(t.state, 'Terminated');
});

test('RFC 3261 §17.1.2.2 Timer K: Completed absorbs retransmitted finals for T4, zero over TCP', () => {
  const h = harness();
  const req = testRequest('BYE');
  const t = new NonInviteClientTransaction(req, h.env, h.tu, h.onTerminated);
  t.start();
  t.receiveResponse(testResponse(req, 200));
  t.receiveResponse(testResponse(req, 200));
  assert.deepEqual(h.events, ['res 200']);
  h.clock.advance(4_999);
  assert.equal(t.state, 'Completed');
  h.clock.advance(1);
  assert.equal(t.state, 'Terminated');

  const r = harness(true);
  const tcp = new NonInviteClientTransaction(testRequest('BYE', { transport: 'TCP' }), r.env, r.tu, r.onTerminated);
  tcp.start();
  assert.deepEqual(tcp.activeTimers, ['F'], 'no Timer E over TCP');
  tcp.receiveResponse(testResponse(tcp.request, 200));
  r.clock.advance(0);
  assert.equal(tcp.state, 'Terminated');
});

test('RFC 3261 §17.1.4: a transport error terminates the transaction and tells the TU', async () => {
  const h = harness();
  const t = new NonInviteClientTransaction(testRequest('OPTIONS'), { ...h.env, send: () => Promise.reject(new Error('refused')) }, h.tu, h.onTerminated);
  t.start();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(h.events, ['transport refused']);
  assert.equal(t.state, 'Terminated');
});
