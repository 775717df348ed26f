import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo } from 'node:dgram';
import { parseMessage } from '../message/index.js';
import type { SipRequest } from '../message/types.js';
import { sipUri, startTestStack, TEST_SDP, waitFor } from '../../testkit/sip-stack.js';
import type { Dialog } from './dialog.js';

/** A 2xx to the INVITE in `raw` from a fork with its own To tag, as a forking proxy would relay it. */
function okFrom(raw: string, tag: string, port: number): string {
  const header = (name: string): string => new RegExp(`^${name}:.*$`, 'mi').exec(raw)?.[0] ?? '';
  return [
    'SIP/2.0 200 OK', header('Via'), header('From'), `${header('To')};tag=${tag}`, header('Call-ID'), header('CSeq'),
    `Contact: <sip:${tag}@127.0.0.1:${port}>`, 'Content-Type: application/sdp', `Content-Length: ${Buffer.byteLength(TEST_SDP)}`, '', TEST_SDP,
  ].join('\r\n');
}

test('RFC 3261 §13.2.2.4: a second 2xx from another fork is ACKed and then ended with BYE; the first dialog stays', async () => {
  const stack = await startTestStack();
  const peer = createSocket('udp4');
  await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
  const port = peer.address().port;
  const got: Array<{ req: SipRequest; raw: string }> = [];
  let ua: RemoteInfo | undefined;
  peer.on('message', (data, rinfo) => {
    const m = parseMessage(data);
    if (m.kind !== 'request') return;
    got.push({ req: m, raw: data.toString() });
    if (m.method === 'INVITE') {
      ua = rinfo;
      peer.send(okFrom(data.toString(), 'forkA', port), rinfo.port, rinfo.address);
      setTimeout(() => peer.send(okFrom(data.toString(), 'forkB', port), rinfo.port, rinfo.address), 50);
    } else if (m.method === 'BYE') {
      const raw = data.toString();
      const h = (n: string): string => new RegExp(`^${n}:.*$`, 'mi').exec(raw)?.[0] ?? '';
      peer.send(['SIP/2.0 200 OK', h('Via'), h('From'), h('To'), h('Call-ID'), h('CSeq'), 'Content-Length: 0', '', ''].join('\r\n'), rinfo.port, rinfo.address);
    }
  });
  try {
    const inv = stack.ua.invite({ uri: sipUri('bob', port), from: { uri: sipUri('alice', stack.transport.port) }, body: TEST_SDP });
    const [dialog] = await waitFor<[Dialog]>((fn) => inv.on('answered', (d) => fn([d])), 5000, 'answer');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(dialog.state.id.remoteTag, 'forkA');
    const acks = got.filter((g) => g.req.method === 'ACK').map((g) => g.req.to.params.tag);
    assert.deepEqual(acks.sort(), ['forkA', 'forkB']);
    const byes = got.filter((g) => g.req.method === 'BYE').map((g) => g.req.to.params.tag);
    assert.deepEqual(byes, ['forkB']);
    assert.equal(dialog.terminated, false);
    assert.ok(ua);
  } finally {
    peer.close();
    await stack.close();
  }
});
