import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flush, loopbackUa, nxdomainResolver, PEER, RemoteUac, type LoopbackUa } from '../../testkit/sip-loopback.js';
import { TEST_SDP } from '../../testkit/sip-stack.js';
import { GatewayError } from '../../kernel/errors.js';
import type { SipRequest, SipResponse, SipUri } from '../message/types.js';
import { SipRequestError } from './context.js';
import type { Dialog, DialogEndReason } from './dialog.js';

/** A remote UAC calls us; we answer 200 at once. Returns our dialog, the INVITE and our 200. */
async function answeredCall(env: LoopbackUa, init: { body?: string; contact?: SipUri } = { body: TEST_SDP }): Promise<{ dialog: Dialog; invite: SipRequest; ok: SipResponse; uac: RemoteUac }> {
  const uac = new RemoteUac();
  let dialog: Dialog | undefined;
  env.ua.on('invite', (inv) => { dialog = inv.accept({ body: TEST_SDP }); });
  const invite = uac.invite(init);
  env.transport.inject(invite);
  await flush();
  const ok = env.transport.responses(200, 'INVITE')[0];
  assert.ok(dialog && ok, 'the INVITE is answered 200');
  return { dialog, invite, ok, uac };
}

test('RFC 3261 §13.3.1.4: no ACK for our 2xx within 64·T1 → BYE, and `terminated` carries ack-timeout', async () => {
  const env = loopbackUa();
  const { dialog } = await answeredCall(env);
  const ended: DialogEndReason[] = [];
  dialog.on('terminated', (reason) => ended.push(reason));
  env.clock.advance(64 * 500 - 1);
  await flush();
  assert.equal(env.transport.requests('BYE').length, 0, 'no BYE before 64·T1');
  assert.ok(env.transport.responses(200, 'INVITE').length > 5, 'the 2xx is retransmitted meanwhile');
  env.clock.advance(1);
  await flush();
  assert.deepEqual(ended, ['ack-timeout']);
  const bye = env.transport.requests('BYE');
  assert.equal(bye.length, 1);
  assert.deepEqual(env.transport.sent.find((s) => s.message === bye[0])?.dest, PEER);
  assert.equal(dialog.terminated, true);
  const retransmits = env.transport.responses(200, 'INVITE').length;
  env.clock.advance(10_000);
  assert.equal(env.transport.responses(200, 'INVITE').length, retransmits, 'the 2xx is no longer retransmitted');
});

test('RFC 3261 §15.1.1: bye() never rejects — an unresolvable remote target resolves to a SipRequestError', async () => {
  const env = loopbackUa({ resolver: nxdomainResolver });
  const { dialog, invite, ok } = await answeredCall(env, { body: TEST_SDP, contact: { scheme: 'sip', user: 'alice', host: 'nowhere.invalid', params: {}, headers: {} } });
  env.transport.inject(new RemoteUac().ack2xx(invite, ok));
  const ended: DialogEndReason[] = [];
  dialog.on('terminated', (reason) => ended.push(reason));
  const info = await dialog.request('INFO').then(() => undefined, (e: unknown) => e);
  assert.ok(info instanceof SipRequestError, `request() rejects with SipRequestError, got ${String(info)}`);
  assert.equal(info.status, 503);
  const r = await dialog.bye();
  assert.ok(r instanceof SipRequestError, `bye() resolved with ${String(r)}`);
  assert.equal(r.status, 503);
  assert.match(r.message, /nowhere\.invalid/);
  assert.deepEqual(ended, ['bye-sent']);
});

test('RFC 3261 §15.1.1: bye() to a target we cannot route to (tel: Contact) resolves to a SipRequestError', async () => {
  const env = loopbackUa();
  const uac = new RemoteUac();
  let dialog: Dialog | undefined;
  env.ua.on('invite', (inv) => { dialog = inv.accept({ body: TEST_SDP }); });
  const invite = uac.invite({ body: TEST_SDP });
  env.transport.inject({ ...invite, headers: invite.headers.map((h) => (h.name === 'Contact' ? { name: 'Contact', value: '<tel:+4930123>' } : h)) });
  await flush();
  assert.ok(dialog);
  // §15: the BYE may only go once our 2xx is ACKed.
  env.transport.inject(uac.ack2xx(invite, env.transport.responses(200, 'INVITE')[0]));
  await flush();
  const r = await dialog.bye();
  assert.ok(r instanceof SipRequestError, `bye() resolved with ${String(r)}`);
  assert.ok(r.cause instanceof GatewayError);
});

test('RFC 3261 §13.3.1.4 + RFC 3264 §5 (late offer): an INVITE without SDP, our offer in the 2xx, the answer in the ACK reaches `confirmed`', async () => {
  const env = loopbackUa();
  const { dialog, invite, ok, uac } = await answeredCall(env, {});
  assert.equal(invite.body.length, 0);
  assert.match(ok.body.toString(), /m=audio/);
  const acks: SipRequest[] = [];
  dialog.on('confirmed', (ack) => acks.push(ack));
  const answer = TEST_SDP.replace('40000', '41000');
  env.transport.inject(uac.ack2xx(invite, ok, answer));
  await flush();
  assert.equal(acks.length, 1);
  assert.equal(acks[0].body.toString(), answer);
  assert.equal(acks[0].contentType, 'application/sdp');
});

test('RFC 3515 §2.4.2: a REFER nobody listens for is refused with 403 (no 202 without NOTIFY); with a listener it is 202', async () => {
  const env = loopbackUa();
  const { dialog, invite, ok, uac } = await answeredCall(env);
  env.transport.inject(uac.ack2xx(invite, ok));
  env.transport.inject(uac.inDialog('REFER', ok, [{ name: 'Refer-To', value: '<sip:carol@198.51.100.9>' }]));
  await flush();
  assert.deepEqual(env.transport.responses(undefined, 'REFER').map((r) => r.status), [403]);
  const refers: SipRequest[] = [];
  dialog.on('refer', (r) => refers.push(r));
  env.transport.inject(uac.inDialog('REFER', ok, [{ name: 'Refer-To', value: '<sip:carol@198.51.100.9>' }]));
  await flush();
  assert.deepEqual(env.transport.responses(undefined, 'REFER').map((r) => r.status), [403, 202]);
  assert.equal(refers.length, 1);
});

test('RFC 3261 §7.3.1: an in-dialog request with a line break in a header value is refused (SipRequestError 500), never on the wire', async () => {
  const env = loopbackUa();
  const { dialog, invite, ok, uac } = await answeredCall(env);
  env.transport.inject(uac.ack2xx(invite, ok));
  const before = env.transport.sent.length;
  const info = await dialog.request('INFO', { headers: [{ name: 'X-Evil', value: 'a\r\nCall-ID: forged' }] }).then(() => undefined, (e: unknown) => e);
  assert.ok(info instanceof SipRequestError);
  assert.equal(info.status, 500);
  assert.equal(info.code, 'SIP_BAD_HEADER');
  const bye = await dialog.bye([{ name: 'Call-ID', value: 'x' }]);
  assert.ok(bye instanceof SipRequestError, 'a BYE that cannot be built resolves to an error');
  assert.equal(bye.status, 500);
  assert.equal(env.transport.sent.length, before, 'nothing was sent');
});

test('RFC 3261 §15: the callee sends no BYE before the ACK for its 2xx — hanging up at once waits for the ACK (the dialog ends for the app right away)', async () => {
  const env = loopbackUa();
  const { dialog, invite, ok, uac } = await answeredCall(env);
  const ended: DialogEndReason[] = [];
  dialog.on('terminated', (reason) => ended.push(reason));
  const bye = dialog.bye();
  await flush();
  assert.deepEqual(ended, ['bye-sent'], 'the app learns at once that the call is over');
  assert.equal(env.transport.requests('BYE').length, 0, 'no BYE while the ACK is outstanding');
  env.clock.advance(500);
  await flush();
  assert.equal(env.transport.responses(200, 'INVITE').length, 2, 'the 2xx is still retransmitted until the ACK (§13.3.1.4)');
  env.transport.inject(uac.ack2xx(invite, ok));
  await flush();
  const byes = env.transport.requests('BYE');
  assert.equal(byes.length, 1, 'the BYE follows the ACK');
  env.transport.inject(RemoteUac.answer(byes[0], 200));
  const r = await bye;
  assert.ok(!(r instanceof SipRequestError));
  assert.equal(r.status, 200);
});

test('RFC 3261 §15: a hang-up waiting for an ACK that never comes sends its BYE when the 2xx transaction gives up (64·T1), once', async () => {
  const env = loopbackUa();
  const { dialog } = await answeredCall(env);
  const ended: DialogEndReason[] = [];
  dialog.on('terminated', (reason) => ended.push(reason));
  void dialog.bye();
  await flush();
  env.clock.advance(64 * 500 - 1);
  await flush();
  assert.equal(env.transport.requests('BYE').length, 0);
  env.clock.advance(1);
  await flush();
  assert.equal(env.transport.requests('BYE').length, 1);
  assert.deepEqual(ended, ['bye-sent']);
});

test('RFC 3261 §15: a BYE from the caller while our hang-up waits for the ACK ends the dialog; we send none', async () => {
  const env = loopbackUa();
  const { dialog, ok, uac } = await answeredCall(env);
  const bye = dialog.bye();
  await flush();
  env.transport.inject(uac.inDialog('BYE', ok));
  await flush();
  assert.equal(env.transport.responses(200, 'BYE').length, 1, 'their BYE is answered');
  const r = await bye;
  assert.ok(r instanceof SipRequestError);
  env.clock.advance(64 * 500);
  await flush();
  assert.equal(env.transport.requests('BYE').length, 0, 'never a BYE of ours');
});
