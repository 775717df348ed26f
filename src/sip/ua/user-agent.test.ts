import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flush, loopbackUa, RemoteUac } from '../../testkit/sip-loopback.js';
import { TEST_SDP } from '../../testkit/sip-stack.js';
import { createRequest, getHeader } from '../message/index.js';
import type { SipRequest } from '../message/types.js';
import type { IncomingInvite } from './incoming-invite.js';

test('RFC 3261 §9.2: a CANCEL 40 s into ringing (past 64·T1) still matches the INVITE → 200 for the CANCEL, 487 for the INVITE', async () => {
  const env = loopbackUa();
  const cancelled: SipRequest[] = [];
  env.ua.on('invite', (inv) => {
    inv.progress(180);
    inv.on('cancelled', (c) => cancelled.push(c));
  });
  const uac = new RemoteUac();
  const invite = uac.invite({ body: TEST_SDP });
  env.transport.inject(invite);
  await flush();
  assert.equal(env.transport.responses(180).length, 1);
  env.clock.advance(40_000);
  env.transport.inject(uac.cancel(invite));
  await flush();
  assert.deepEqual(env.transport.responses(undefined, 'CANCEL').map((r) => r.status), [200]);
  assert.deepEqual(env.transport.responses(487, 'INVITE').length, 1);
  assert.equal(cancelled.length, 1);
});

test('RFC 3261 §9.2: once the INVITE transaction has terminated, a CANCEL for it gets 481 and the UA holds nothing for it', async () => {
  const env = loopbackUa();
  let incoming: IncomingInvite | undefined;
  env.ua.on('invite', (inv) => { incoming = inv; });
  const uac = new RemoteUac();
  const invite = uac.invite({ body: TEST_SDP });
  env.transport.inject(invite);
  await flush();
  assert.ok(incoming);
  incoming.reject(486);
  // §17.2.1: Timer H (64·T1) ends the Completed transaction when no ACK comes.
  env.clock.advance(64 * 500);
  assert.equal(env.transactions.counts.servers, 0);
  assert.equal(env.ua.pendingInvites, 0);
  env.transport.inject(uac.cancel(invite));
  await flush();
  assert.deepEqual(env.transport.responses(undefined, 'CANCEL').map((r) => r.status), [481]);
});

test('RFC 3261 §8.2.2.3: a Require option tag we do not support → 420 with Unsupported listing it (INVITE and in-dialog; not ACK/CANCEL)', async () => {
  const env = loopbackUa();
  const invites: IncomingInvite[] = [];
  env.ua.on('invite', (inv) => invites.push(inv));
  const uac = new RemoteUac();
  env.transport.inject(uac.invite({ body: TEST_SDP, headers: [{ name: 'Require', value: '100rel, foo' }, { name: 'Require', value: 'timer' }] }));
  await flush();
  const r420 = env.transport.responses(420, 'INVITE');
  assert.equal(r420.length, 1);
  assert.equal(getHeader(r420[0], 'Unsupported'), '100rel, foo, timer');
  assert.equal(invites.length, 0, 'the application never sees it');

  // An in-dialog request with Require gets 420 too; the dialog itself is unaffected.
  const second = new RemoteUac();
  const invite = second.invite({ body: TEST_SDP });
  env.ua.on('invite', (inv) => inv.accept({ body: TEST_SDP }));
  env.transport.inject(invite);
  await flush();
  const ok = env.transport.responses(200, 'INVITE')[0];
  assert.ok(ok);
  env.transport.inject(second.ack2xx(invite, ok));
  env.transport.inject(second.inDialog('INFO', ok, [{ name: 'Require', value: 'x-special' }]));
  env.transport.inject(second.inDialog('INFO', ok, [{ name: 'Supported', value: 'x-special' }]));
  await flush();
  assert.deepEqual(env.transport.responses(undefined, 'INFO').map((r) => [r.status, getHeader(r, 'Unsupported')]), [[420, 'x-special'], [200, undefined]]);
});

test('RFC 3261 §11.2 / §21.5.4: OPTIONS is answered 200 with Allow; once the node drains, 503 with Retry-After, while its dialogs go on', async () => {
  const env = loopbackUa();
  let incoming: IncomingInvite | undefined;
  env.ua.on('invite', (inv) => { incoming = inv; });
  const options = (): SipRequest => {
    const probe = new RemoteUac().invite();
    return createRequest({ method: 'OPTIONS', uri: probe.uri, via: probe.via, from: probe.from, to: probe.to, callId: probe.callId, cseq: { seq: 1, method: 'OPTIONS' } });
  };
  env.transport.inject(options());
  await flush();
  const ok = env.transport.responses(200, 'OPTIONS');
  assert.equal(ok.length, 1);
  assert.match(getHeader(ok[0], 'Allow') ?? '', /INVITE/);

  const uac = new RemoteUac();
  const invite = uac.invite({ body: TEST_SDP });
  env.transport.inject(invite);
  await flush();
  assert.ok(incoming);
  incoming.accept({ body: TEST_SDP, contentType: 'application/sdp' });
  await flush();
  const answer = env.transport.responses(200, 'INVITE')[0];
  env.transport.inject(uac.ack2xx(invite, answer));
  await flush();

  env.ua.drain(30);
  env.transport.inject(options());
  await flush();
  const refused = env.transport.responses(503, 'OPTIONS');
  assert.equal(refused.length, 1);
  assert.equal(getHeader(refused[0], 'Retry-After'), '30');
  // The dialog set up before the drain still takes in-dialog requests.
  env.transport.inject(uac.inDialog('INFO', answer));
  await flush();
  assert.equal(env.transport.responses(200, 'INFO').length, 1);
});
