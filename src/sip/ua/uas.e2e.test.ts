import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSipp } from '../../testkit/sipp.js';
import { startTestStack, TEST_SDP } from '../../testkit/sip-stack.js';
import type { SipRequest } from '../message/types.js';
import type { DialogEndReason } from './dialog.js';
import type { IncomingInvite } from './incoming-invite.js';

/** The answer direction RFC 3264 §6.1 requires for an offered one. */
function answerSdp(offer: string): string {
  const dir = /a=(sendonly|recvonly|inactive|sendrecv)/.exec(offer)?.[1] ?? 'sendrecv';
  const mirrored = dir === 'sendonly' ? 'recvonly' : dir === 'recvonly' ? 'sendonly' : dir;
  return TEST_SDP.replace('a=sendrecv', `a=${mirrored}`);
}

for (const transport of ['udp', 'tcp'] as const) {
  test(`acceptance 5 (${transport}): sipp UAC → our UAS: INVITE → 100/180/200 → ACK → BYE from sipp → 200`, async () => {
    const stack = await startTestStack({ tcpIdleTimeoutMs: 400 });
    try {
      const ended = new Promise<DialogEndReason>((resolve) => {
        stack.ua.on('invite', (inv: IncomingInvite) => {
          inv.progress(180);
          setTimeout(() => {
            const d = inv.accept({ body: answerSdp(inv.request.body.toString()) });
            d.on('terminated', (reason) => resolve(reason));
          }, 100);
        });
      });
      const sipp = await startSipp({ scenario: 'uac_call.xml', target: `127.0.0.1:${stack.transport.port}`, transport, extra: ['-d', '300', '-s', '5000'] });
      const r = await sipp.done;
      assert.equal(r.successful, 1, r.errors);
      assert.equal(r.failed, 0);
      assert.equal(await ended, 'bye-received');
      assert.match(r.messages, /SIP\/2.0 180 Ringing/);
      if (transport === 'tcp') {
        // acceptance 7: an idle TCP connection is closed after its timeout.
        await new Promise((res) => setTimeout(res, 900));
        assert.equal(stack.transport.tcpConnections, 0);
      }
    } finally {
      await stack.close();
    }
  });
}

test('acceptance 7: in a dialog set up with sipp — hold re-INVITEs answered with the matching direction, REFER 202 surfaced, INFO and OPTIONS 200', async () => {
  const stack = await startTestStack();
  const refers: SipRequest[] = [];
  const infos: SipRequest[] = [];
  const offers: string[] = [];
  try {
    const ended = new Promise<DialogEndReason>((resolve) => {
      stack.ua.on('invite', (inv) => {
        const d = inv.accept({ body: answerSdp(inv.request.body.toString()) });
        d.on('reinvite', (re) => {
          offers.push(/a=(sendonly|inactive|sendrecv|recvonly)/.exec(re.request.body.toString())?.[1] ?? '');
          re.respond(200, { body: answerSdp(re.request.body.toString()), contentType: 'application/sdp' });
        });
        d.on('refer', (req) => refers.push(req));
        d.on('info', (req) => infos.push(req));
        d.on('terminated', (reason) => resolve(reason));
      });
    });
    const sipp = await startSipp({ scenario: 'uac_indialog.xml', target: `127.0.0.1:${stack.transport.port}`, extra: ['-s', '5000'] });
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
    assert.equal(await ended, 'bye-received');
    assert.deepEqual(offers, ['sendonly', 'inactive', 'sendrecv']);
    assert.equal(refers.length, 1);
    assert.match(refers[0].headers.find((h) => h.name === 'Refer-To')?.value ?? '', /callcentre@127\.0\.0\.1:5999/);
    assert.equal(infos.length, 1);
    assert.match(infos[0].body.toString(), /Signal=5/);
  } finally {
    await stack.close();
  }
});

test('OPTIONS to the gateway itself is answered 200 (carrier pings)', async () => {
  const stack = await startTestStack();
  try {
    const sipp = await startSipp({ scenario: 'uac_options.xml', target: `127.0.0.1:${stack.transport.port}` });
    const r = await sipp.done;
    assert.equal(r.successful, 1, r.errors);
  } finally {
    await stack.close();
  }
});

test('a malformed request with a parsable Via gets 400 with a reason; a malformed datagram is dropped', async () => {
  const stack = await startTestStack();
  const { createSocket } = await import('node:dgram');
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  try {
    const port = sock.address().port;
    const replies: string[] = [];
    sock.on('message', (m) => replies.push(m.toString()));
    const bad = [
      'INVITE sip:bob@127.0.0.1 SIP/2.0',
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKbad1;rport`,
      'From: <sip:alice@127.0.0.1>;tag=1',
      'To: <sip:bob@127.0.0.1>',
      'Call-ID: bad-1',
      'CSeq: notanumber INVITE',
      'Content-Length: 0', '', '',
    ].join('\r\n');
    sock.send(Buffer.from('\x00\x01garbage'), stack.transport.port, '127.0.0.1');
    sock.send(Buffer.from(bad), stack.transport.port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(replies.length, 1, 'only the request with a Via is answered');
    assert.match(replies[0], /^SIP\/2.0 400 Bad Request - /);
    assert.match(replies[0], /CSeq/i);
    assert.match(replies[0], /Call-ID: bad-1/);
  } finally {
    sock.close();
    await stack.close();
  }
});
