import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp } from '../../testkit/sipp.js';
import { sipUri, sippReceived, startTestStack, TEST_SDP, waitFor } from '../../testkit/sip-stack.js';
import { startUdpRelay } from '../../testkit/udp-relay.js';
import type { InviteFailure } from './outgoing-invite.js';
import type { Dialog } from './dialog.js';
import type { SipResponse } from '../message/types.js';
import { verifyAuthorization } from '../auth/digest.js';

for (const transport of ['udp', 'tcp'] as const) {
  test(`acceptance 1 (${transport}): our UAC → sipp UAS: INVITE, 100/180/200, ACK, BYE — sipp counts 1 successful call`, async () => {
    const stack = await startTestStack();
    const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', transport, extra: ['-d', '200'] });
    try {
      const inv = stack.ua.invite({
        uri: sipUri('1234', sipp.port, { transport }),
        from: { uri: sipUri('alice', stack.transport.port), displayName: 'Alice' },
        body: TEST_SDP,
      });
      const progress: number[] = [];
      inv.on('progress', (r) => progress.push(r.status));
      const [dialog, res] = await waitFor<[Dialog, SipResponse]>((fn) => inv.on('answered', (d, r) => fn([d, r])), 10_000, 'answer');
      assert.equal(res.status, 200);
      assert.deepEqual(progress, [180]);
      assert.match(res.body.toString(), /m=audio \d+ RTP\/AVP 0/);
      const bye = await dialog.bye();
      assert.equal('status' in bye && bye.status, 200);
      const r = await sipp.done;
      assert.equal(r.failed, 0, r.errors);
      assert.equal(r.successful, 1, r.errors);
      assert.equal(r.code, 0);
    } finally {
      sipp.kill();
      await stack.close();
    }
  });
}

test('acceptance 2: 486 from sipp → typed failure 486 and the 486 is ACKed', async () => {
  const stack = await startTestStack();
  const sipp = await startSipp({ scenario: 'uas_busy.xml' });
  try {
    const inv = stack.ua.invite({ uri: sipUri('busy', sipp.port), from: { uri: sipUri('alice', stack.transport.port) }, body: TEST_SDP });
    const f = await waitFor<InviteFailure>((fn) => inv.on('failed', fn), 10_000, 'failure');
    assert.equal(f.status, 486);
    assert.equal(f.cancelled, false);
    const r = await sipp.done;
    assert.equal(r.successful, 1, `sipp must receive our ACK: ${r.errors}`);
    assert.equal(sippReceived(r.messages, 'ACK'), 1);
  } finally {
    sipp.kill();
    await stack.close();
  }
});

test('acceptance 2: ringing, then our CANCEL → sipp answers 487 and we ACK it', async () => {
  const stack = await startTestStack();
  const sipp = await startSipp({ scenario: 'uas_no_answer.xml' });
  try {
    const inv = stack.ua.invite({ uri: sipUri('ring', sipp.port), from: { uri: sipUri('alice', stack.transport.port) }, body: TEST_SDP });
    await waitFor<SipResponse>((fn) => inv.on('progress', fn), 10_000, 'ringing');
    inv.cancel();
    const f = await waitFor<InviteFailure>((fn) => inv.on('failed', fn), 10_000, 'failure');
    assert.equal(f.status, 487);
    assert.equal(f.cancelled, true);
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    assert.equal(sippReceived(r.messages, 'CANCEL'), 1);
    assert.equal(sippReceived(r.messages, 'ACK'), 1);
  } finally {
    sipp.kill();
    await stack.close();
  }
});

for (const code of [401, 407]) {
  test(`acceptance 3: sipp challenges with ${code} (MD5, qop=auth) → we retry with credentials and the call completes`, async () => {
    const stack = await startTestStack();
    const sipp = await startSipp({ scenario: `uas_auth_${code}.xml` });
    try {
      const inv = stack.ua.invite({
        uri: sipUri('1234', sipp.port), from: { uri: sipUri('carrier', stack.transport.port) }, body: TEST_SDP,
        credentials: { username: 'carrier', password: 's3cret' },
      });
      const failed = new Promise<InviteFailure>((r) => inv.on('failed', r));
      const answered = new Promise<Dialog>((r) => inv.on('answered', (d) => r(d)));
      const outcome = await Promise.race([answered, failed]);
      assert.ok(!('status' in outcome), `expected an answer, got ${JSON.stringify(outcome)}`);
      await (outcome as Dialog).bye();
      const r = await sipp.done;
      assert.equal(r.successful, 1, r.errors);
      assert.equal(sippReceived(r.messages, 'INVITE'), 2);
      const second = r.messages.split('INVITE sip:')[2] ?? '';
      const header = code === 401 ? 'Authorization' : 'Proxy-Authorization';
      const creds = new RegExp(`^${header}: (Digest .*)$`, 'm').exec(second)?.[1]?.trim() ?? '';
      assert.match(second, /^CSeq: 2 INVITE/m);
      // sipp's verifyauth checked the 401 retry; for 407 (which verifyauth cannot read) we check it here.
      const verify = (password: string): boolean => verifyAuthorization(creds, { method: 'INVITE', realm: 'sipp.test', password: () => password });
      assert.ok(verify('s3cret'), `digest in ${header} verifies: ${creds}`);
      assert.ok(!verify('other'));
    } finally {
      sipp.kill();
      await stack.close();
    }
  });

  test(`acceptance 3: wrong password against a ${code} challenge → failure ${code}, no retry loop`, async () => {
    const stack = await startTestStack();
    // A 401 peer verifies the digest (sipp verifyauth); the 407 peer refuses whatever comes back.
    const sipp = await startSipp({ scenario: code === 401 ? 'uas_auth_401.xml' : 'uas_auth_407_refuse.xml' });
    try {
      const inv = stack.ua.invite({
        uri: sipUri('1234', sipp.port), from: { uri: sipUri('carrier', stack.transport.port) }, body: TEST_SDP,
        credentials: { username: 'carrier', password: 'wrong' },
      });
      const f = await waitFor<InviteFailure>((fn) => inv.on('failed', fn), 10_000, 'failure');
      assert.equal(f.status, code);
      const r = await sipp.done;
      assert.equal(sippReceived(r.messages, 'INVITE'), 2, 'exactly one retry');
    } finally {
      sipp.kill();
      await stack.close();
    }
  });
}

test('acceptance 4: the first INVITE is lost on UDP → Timer A retransmits and the call completes', async () => {
  const stack = await startTestStack();
  const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '100'] });
  let invites = 0;
  const relay = await startUdpRelay(sipp.port, (p) => p.direction === 'to-peer' && p.text.startsWith('INVITE') && ++invites === 1);
  try {
    const inv = stack.ua.invite({ uri: sipUri('1234', relay.port), from: { uri: sipUri('alice', stack.transport.port) }, body: TEST_SDP });
    const [dialog] = await waitFor<[Dialog]>((fn) => inv.on('answered', (d) => fn([d])), 10_000, 'answer');
    await dialog.bye();
    const r = await sipp.done;
    assert.equal(relay.dropped.length, 1);
    assert.equal(r.successful, 1, r.errors);
  } finally {
    sipp.kill();
    await relay.close();
    await stack.close();
  }
});

test('acceptance 4: a 200 OK is lost on UDP → sipp retransmits it, we ACK, the call completes', async () => {
  const stack = await startTestStack();
  const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '100'] });
  let oks = 0;
  const relay = await startUdpRelay(sipp.port, (p) => p.direction === 'from-peer' && p.text.startsWith('SIP/2.0 200') && p.text.includes('INVITE') && ++oks === 1);
  try {
    const inv = stack.ua.invite({ uri: sipUri('1234', relay.port), from: { uri: sipUri('alice', stack.transport.port) }, body: TEST_SDP });
    const [dialog] = await waitFor<[Dialog]>((fn) => inv.on('answered', (d) => fn([d])), 10_000, 'answer');
    await dialog.bye();
    const r = await sipp.done;
    assert.equal(relay.dropped.length, 1, 'one 200 was dropped');
    assert.equal(r.successful, 1, r.errors);
  } finally {
    sipp.kill();
    await relay.close();
    await stack.close();
  }
});

for (const transport of ['udp', 'tcp'] as const) {
  test(`acceptance 4: a slow answer (1.7 s, no 1xx) over ${transport}: ${transport === 'tcp' ? 'no INVITE retransmission' : 'Timer A retransmits'}`, async () => {
    const stack = await startTestStack();
    const sipp = await startSipp({ scenario: 'uas_slow_answer.xml', transport, extra: ['-d', '1700'] });
    try {
      const inv = stack.ua.invite({ uri: sipUri('slow', sipp.port, { transport }), from: { uri: sipUri('alice', stack.transport.port) }, body: TEST_SDP });
      const [dialog] = await waitFor<[Dialog]>((fn) => inv.on('answered', (d) => fn([d])), 10_000, 'answer');
      await dialog.bye();
      const r = await sipp.done;
      assert.equal(r.successful, 1, r.errors);
      const n = sippReceived(r.messages, 'INVITE');
      if (transport === 'tcp') assert.equal(n, 1);
      else assert.ok(n >= 3, `expected retransmissions at 0.5 s and 1.5 s, sipp saw ${n} INVITEs`);
    } finally {
      sipp.kill();
      await stack.close();
    }
  });
}

test('acceptance 7: a gateway given by hostname (localhost, from /etc/hosts) resolves through DNS', async () => {
  const stack = await startTestStack();
  const sipp = await startSipp({ scenario: 'uas_ring_answer.xml', extra: ['-d', '50'] });
  try {
    const inv = stack.ua.invite({ uri: sipUri('1234', sipp.port, { host: 'localhost' }), from: { uri: sipUri('alice', stack.transport.port) }, body: TEST_SDP });
    const [dialog] = await waitFor<[Dialog]>((fn) => inv.on('answered', (d) => fn([d])), 10_000, 'answer');
    await dialog.bye();
    assert.equal((await sipp.done).successful, 1);
  } finally {
    sipp.kill();
    await stack.close();
  }
});
