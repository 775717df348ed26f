import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp } from '../../testkit/sipp.js';
import { sippReceived, sipUri, startTestStack, TEST_SDP } from '../../testkit/sip-stack.js';
import type { SipRequest } from '../message/types.js';
import type { Dialog, DialogEndReason } from './dialog.js';
import type { InviteFailure } from './outgoing-invite.js';

/** A short T1 so that 64·T1 passes in seconds: 6.4 s. */
const FAST = { T1: 100, T2: 400, T4: 500 };

test('RFC 3261 §13.3.1.4 with sipp: a UAC that never ACKs our 200 gets a BYE after 64·T1, and the dialog ends as ack-timeout', async () => {
  const stack = await startTestStack({ timers: FAST });
  try {
    const ended = new Promise<DialogEndReason>((resolve) => {
      stack.ua.on('invite', (inv) => {
        inv.accept({ body: TEST_SDP }).on('terminated', (reason) => resolve(reason));
      });
    });
    const started = Date.now();
    const sipp = await startSipp({ scenario: 'uac_no_ack.xml', target: `127.0.0.1:${stack.transport.port}`, timeoutSeconds: 20 });
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    assert.equal(await ended, 'ack-timeout');
    assert.equal(sippReceived(r.messages, 'BYE'), 1);
    assert.ok(Date.now() - started >= 64 * FAST.T1, 'not before 64·T1');
    assert.equal(stack.ua.activeDialogs, 0);
  } finally {
    await stack.close();
  }
});

test('RFC 3261 §9.2 with sipp: a CANCEL after 64·T1 of ringing still gets 200 and the INVITE 487', async () => {
  const stack = await startTestStack({ timers: FAST });
  try {
    const cancelled = new Promise<SipRequest>((resolve) => {
      stack.ua.on('invite', (inv) => {
        inv.progress(180);
        inv.on('cancelled', resolve);
      });
    });
    // sipp rings for 8 s (past 64·T1 + 1 s, when the INVITE used to be forgotten), then CANCELs.
    const sipp = await startSipp({ scenario: 'uac_cancel.xml', target: `127.0.0.1:${stack.transport.port}`, extra: ['-d', '8000'], timeoutSeconds: 20 });
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    assert.match((await cancelled).method, /CANCEL/);
    assert.match(r.messages, /SIP\/2.0 487/);
    // ACKed 487: Timer I (T4) ends the transaction, and with it the UA's hold on the INVITE.
    for (let i = 0; i < 40 && stack.ua.pendingInvites > 0; i++) await new Promise((res) => setTimeout(res, 50));
    assert.equal(stack.ua.pendingInvites, 0);
  } finally {
    await stack.close();
  }
});

test('RFC 3261 §8.1.2 with sipp: through an outbound proxy (nextHop) the INVITE carries Route <proxy;lr>, and the ACK and BYE go through it to the remote target', async () => {
  const stack = await startTestStack();
  const sipp = await startSipp({ scenario: 'uas_behind_proxy.xml' });
  try {
    const inv = stack.ua.invite({
      uri: { scheme: 'sip', user: '1234', host: 'carrier.example', params: {}, headers: {} },
      nextHop: { scheme: 'sip', host: '127.0.0.1', port: sipp.port, params: {}, headers: {} },
      from: { uri: sipUri('alice', stack.transport.port) },
      body: TEST_SDP,
    });
    const failed = new Promise<InviteFailure>((r) => inv.on('failed', r));
    const answered = new Promise<Dialog>((r) => inv.on('answered', (d) => r(d)));
    const outcome = await Promise.race([answered, failed]);
    assert.ok(!('status' in outcome), `expected an answer, got ${JSON.stringify(outcome)}`);
    const bye = await (outcome as Dialog).bye();
    assert.equal('status' in bye && bye.status, 200);
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    const route = `Route: <sip:127.0.0.1:${sipp.port};lr>`;
    for (const method of ['INVITE', 'ACK', 'BYE']) {
      const block = r.messages.split(/-{10,}.*\n/).find((b) => /message received/.test(b) && new RegExp(`^${method} sip:`, 'm').test(b)) ?? '';
      assert.ok(block.includes(route), `${method} carries ${route}:\n${block}`);
      if (method !== 'INVITE') assert.match(block, new RegExp(`^${method} sip:callee@192\\.0\\.2\\.99:5999 SIP/2\\.0`, 'm'));
    }
  } finally {
    sipp.kill();
    await stack.close();
  }
});
