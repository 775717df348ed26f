import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOffer, parseSdp, serializeSdp } from '../sdp/index.js';
import { answerReinvite, remoteOf, withoutSending } from './negotiation.js';

const ours = serializeSdp(createOffer({ publicAddress: '192.0.2.1', port: 40000 }));
const theirs = (direction: 'sendonly' | 'sendrecv', codecs?: Parameters<typeof createOffer>[0]['codecs']): string =>
  serializeSdp(createOffer({ publicAddress: '198.51.100.7', port: 30000, direction, codecs }));

test('answerReinvite: hold is answered recvonly in our o= session with the next version', () => {
  const a = answerReinvite(theirs('sendonly'), ours, 40000, '192.0.2.1');
  assert.equal(a.status, 200);
  assert.ok(a.status === 200 && a.media);
  assert.equal(a.media.direction, 'recvonly');
  assert.equal(a.media.remotePort, 30000);
  const before = parseSdp(ours).origin;
  const after = parseSdp(a.sdp).origin;
  assert.equal(after.sessionId, before.sessionId);
  assert.equal(BigInt(after.sessionVersion), BigInt(before.sessionVersion) + 1n);
});

test('answerReinvite: no offer → our SDP as it is; bad SDP → 400; no common codec → 488', () => {
  assert.deepEqual(answerReinvite('  ', ours, 40000, '192.0.2.1'), { status: 200, sdp: ours });
  assert.equal(answerReinvite('not sdp', ours, 40000, '192.0.2.1').status, 400);
  const g722 = theirs('sendrecv').replace(/m=audio (\d+) RTP\/AVP [\d ]+/, 'm=audio $1 RTP/AVP 9').replace(/a=rtpmap:(0|8|101) .*\r\n/g, '');
  const r = answerReinvite(g722, ours, 40000, '192.0.2.1');
  assert.equal(r.status, 488);
});

test('withoutSending: mute keeps receiving', () => {
  assert.deepEqual((['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const).map(withoutSending), ['recvonly', 'inactive', 'recvonly', 'inactive']);
});

test('RFC 4568 §7.1.4: a re-INVITE (hold) on an SRTP call is answered RTP/SAVP with the same key of ours; remoteOf hands both keys to the RTP session', () => {
  const ourKey = Buffer.alloc(30, 1);
  const theirKey = Buffer.alloc(30, 2);
  const local = serializeSdp(createOffer({ publicAddress: '192.0.2.1', port: 40000, srtp: { key: ourKey } }));
  const hold = serializeSdp(createOffer({ publicAddress: '198.51.100.7', port: 30000, direction: 'sendonly', srtp: { key: theirKey } }));
  const a = answerReinvite(hold, local, 40000, '192.0.2.1');
  assert.ok(a.status === 200 && a.media?.srtp);
  assert.match(a.sdp, new RegExp(`^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${ourKey.toString('base64')}\\r$`, 'm'));
  assert.match(a.sdp, /^m=audio 40000 RTP\/SAVP /m);
  const r = remoteOf(a.media);
  assert.deepEqual(r.srtp && [r.srtp.suite, Buffer.from(r.srtp.localKey).equals(ourKey), Buffer.from(r.srtp.remoteKey).equals(theirKey)], ['AES_CM_128_HMAC_SHA1_80', true, true]);
  const plain = answerReinvite(theirs('sendrecv'), ours, 40000, '192.0.2.1');
  assert.ok(plain.status === 200 && plain.media);
  assert.equal(remoteOf(plain.media).srtp, undefined, 'a plain call stays plain');
});
