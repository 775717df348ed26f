import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordingEnv } from '../../testkit/transaction-env.js';
import { testRequest, testResponse } from '../../testkit/sip-builders.js';
import { createRequest } from '../message/index.js';
import type { SipMessage, SipRequest } from '../message/types.js';
import { InviteServerTransaction } from './invite-server.js';
import { NonInviteServerTransaction } from './non-invite-server.js';

function harness(reliable = false) {
  const { clock, env, sent } = recordingEnv(reliable);
  const events: string[] = [];
  const tu = {
    timeout: () => events.push('timeout'),
    transportError: (e: Error) => events.push(`transport ${e.message}`),
    receiveAck: (a: SipRequest) => events.push(`ack ${a.cseq.seq}`),
  };
  return { clock, env, sent, events, tu };
}

const status = (m: SipMessage): number | string => (m.kind === 'response' ? m.status : m.method);

function ackFor(invite: SipRequest, toTag = 'totag'): SipRequest {
  return createRequest({
    method: 'ACK', uri: invite.uri, via: invite.via, from: invite.from,
    to: { ...invite.to, params: { tag: toTag } }, callId: invite.callId, cseq: { seq: invite.cseq.seq, method: 'ACK' },
  });
}

test('RFC 3261 §17.2.1: a retransmitted INVITE gets the last provisional response again', () => {
  const h = harness();
  const req = testRequest('INVITE');
  const t = new InviteServerTransaction(req, h.env, h.tu, () => undefined);
  t.respond(testResponse(req, 100));
  t.respond(testResponse(req, 180));
  t.receiveRequest(req);
  assert.deepEqual(h.sent.map((s) => status(s.msg)), [100, 180, 180]);
});

test('RFC 3261 §17.2.1 Timer G: a final non-2xx is retransmitted at T1 doubling to T2 over UDP', () => {
  const h = harness();
  const req = testRequest('INVITE');
  const t = new InviteServerTransaction(req, h.env, h.tu, () => undefined);
  t.respond(testResponse(req, 486));
  h.clock.advance(15_500);
  assert.deepEqual(h.sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 11500, 15500]);
  assert.equal(t.state, 'Completed');
});

test('RFC 3261 §17.2.1 Timer H: no ACK within 64·T1 → timeout to the TU, Terminated', () => {
  const h = harness();
  const req = testRequest('INVITE');
  const t = new InviteServerTransaction(req, h.env, h.tu, () => undefined);
  t.respond(testResponse(req, 404));
  h.clock.advance(31_999);
  assert.equal(t.state, 'Completed');
  h.clock.advance(1);
  assert.equal(t.state, 'Terminated');
  assert.deepEqual(h.events, ['timeout']);
});

test('RFC 3261 §17.2.1 Timer I: ACK → Confirmed, further ACKs absorbed, Terminated after T4', () => {
  const h = harness();
  const req = testRequest('INVITE');
  const t = new InviteServerTransaction(req, h.env, h.tu, () => undefined);
  t.respond(testResponse(req, 486));
  h.clock.advance(600);
  const n = h.sent.length;
  t.receiveRequest(ackFor(req));
  assert.equal(t.state, 'Confirmed');
  t.receiveRequest(ackFor(req));
  h.clock.advance(4_999);
  assert.equal(h.sent.length, n, 'Timer G stopped by the ACK');
  assert.equal(t.state, 'Confirmed');
  h.clock.advance(1);
  assert.equal(t.state, 'Terminated');
  assert.deepEqual(h.events, [], 'ACKs for non-2xx never reach the TU');
});

test('RFC 3261 §17.2.1: over TCP there is no Timer G and Timer I is zero', () => {
  const h = harness(true);
  const req = testRequest('INVITE', { transport: 'TCP' });
  const t = new InviteServerTransaction(req, h.env, h.tu, () => undefined);
  t.respond(testResponse(req, 486));
  assert.deepEqual(t.activeTimers, ['H']);
  t.receiveRequest(ackFor(req));
  h.clock.advance(0);
  assert.equal(t.state, 'Terminated');
});

test('RFC 6026 §7.1 Timer L: 2xx → Accepted; INVITE retransmissions absorbed; ACK to the TU; Terminated after 64·T1', () => {
  const h = harness();
  const req = testRequest('INVITE');
  const t = new InviteServerTransaction(req, h.env, h.tu, () => undefined);
  const ok = testResponse(req, 200);
  t.respond(ok);
  assert.equal(t.state, 'Accepted');
  t.receiveRequest(req);
  assert.equal(h.sent.length, 1, 'retransmitted INVITE is not answered by the transaction');
  t.respond(ok);
  assert.equal(h.sent.length, 2, 'the UAS core retransmits 2xx through the transaction');
  t.receiveRequest(ackFor(req));
  assert.deepEqual(h.events, ['ack 1']);
  h.clock.advance(31_999);
  assert.equal(t.state, 'Accepted');
  h.clock.advance(1);
  assert.equal(t.state, 'Terminated');
});

test('RFC 3261 §17.2.2 Timer J: non-INVITE final answered again on retransmission, Terminated after 64·T1 (0 on TCP)', () => {
  const h = harness();
  const req = testRequest('BYE');
  const t = new NonInviteServerTransaction(req, h.env, h.tu, () => undefined);
  t.receiveRequest(req);
  assert.equal(h.sent.length, 0, 'retransmission in Trying is discarded');
  t.respond(testResponse(req, 200));
  t.receiveRequest(req);
  assert.deepEqual(h.sent.map((s) => status(s.msg)), [200, 200]);
  h.clock.advance(31_999);
  assert.equal(t.state, 'Completed');
  h.clock.advance(1);
  assert.equal(t.state, 'Terminated');

  const r = harness(true);
  const tcp = new NonInviteServerTransaction(req, r.env, r.tu, () => undefined);
  tcp.respond(testResponse(req, 200));
  r.clock.advance(0);
  assert.equal(tcp.state, 'Terminated');
});

test('RFC 3261 §17.2.2: a provisional moves to Proceeding and is resent on retransmission', () => {
  const h = harness();
  const req = testRequest('REGISTER');
  const t = new NonInviteServerTransaction(req, h.env, h.tu, () => undefined);
  t.respond(testResponse(req, 100));
  assert.equal(t.state, 'Proceeding');
  t.receiveRequest(req);
  assert.deepEqual(h.sent.map((s) => status(s.msg)), [100, 100]);
});

test('RFC 3261 §17.2.1 / RFC 6026 §7.1: whenTerminated hooks run once the INVITE server transaction ends — not while it is Proceeding', () => {
  const h = harness();
  const req = testRequest('INVITE');
  const t = new InviteServerTransaction(req, h.env, h.tu, () => undefined);
  const ended: string[] = [];
  t.whenTerminated(() => ended.push('first'));
  t.respond(testResponse(req, 180));
  h.clock.advance(120_000);
  assert.equal(ended.length, 0, 'Proceeding has no timer: a ringing call keeps its transaction');
  t.respond(testResponse(req, 200));
  h.clock.advance(64 * 500);
  assert.equal(t.state, 'Terminated');
  assert.deepEqual(ended, ['first'], 'Timer L ended it');
  t.whenTerminated(() => ended.push('late'));
  assert.deepEqual(ended, ['first', 'late']);
});
