import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOffer, parseSdp, serializeSdp } from '../sdp/index.js';
import { answerReinvite, withoutSending } from './negotiation.js';

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
