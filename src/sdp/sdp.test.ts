import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyAnswer, createAnswer, createOffer, mediaDirection, parseSdp, rtpMaps, SdpNegotiationError, SdpParseError, serializeSdp,
  type LocalMediaOptions, type SessionDescription,
} from './index.js';

const sdp = (lines: string[]): SessionDescription => parseSdp(`${lines.join('\r\n')}\r\n`);
const head = ['v=0', 'o=alice 2890844526 2890844526 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0'];
const local: LocalMediaOptions = { publicAddress: '192.0.2.10', port: 40000 };

function answerOk(offer: SessionDescription, opts = local) {
  const r = createAnswer(offer, opts);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r;
}

test('RFC 4566 §5: parse and serialise round-trip, unknown lines kept in order', () => {
  const text = [...head.slice(0, 3), 'i=info', 'c=IN IP4 10.0.0.1', 'b=AS:64', 't=0 0', 'a=tool:x',
    'm=audio 49170 RTP/AVP 0 8 97', 'i=media info', 'b=TIAS:64000', 'a=rtpmap:97 iLBC/8000', 'a=sendrecv',
    'm=video 51372 RTP/AVP 31', 'k=prompt', 'a=rtpmap:31 H261/90000'].join('\r\n') + '\r\n';
  const s = parseSdp(text);
  assert.equal(s.media.length, 2);
  assert.equal(s.media[0].port, 49170);
  assert.deepEqual(rtpMaps(s.media[0]).map((m) => m.encoding), ['PCMU', 'PCMA', 'iLBC']);
  assert.equal(serializeSdp(s), text);
  assert.deepEqual(parseSdp(serializeSdp(s)), s);
});

test('parser tolerates LF line ends and rejects garbage with SdpParseError', () => {
  const s = parseSdp('v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nt=0 0\nm=audio 5000 RTP/AVP 0\n');
  assert.equal(s.media[0].formats[0], '0');
  assert.throws(() => parseSdp('hello'), SdpParseError);
  assert.throws(() => parseSdp('v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\n'), SdpParseError);
  assert.throws(() => parseSdp('v=0\r\ns=-\r\n'), SdpParseError);
  assert.throws(() => parseSdp('v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n'), SdpParseError);
});

test('RFC 3264 §5: offer has PCMU, PCMA, telephone-event 101 0-16, ptime 20, sendrecv', () => {
  const text = serializeSdp(createOffer(local));
  assert.match(text, /^m=audio 40000 RTP\/AVP 0 8 101\r$/m);
  assert.match(text, /^c=IN IP4 192\.0\.2\.10\r$/m);
  assert.match(text, /^a=rtpmap:101 telephone-event\/8000\r$/m);
  assert.match(text, /^a=fmtp:101 0-16\r$/m);
  assert.match(text, /^a=ptime:20\r$/m);
  assert.match(text, /^a=sendrecv\r$/m);
});

test('RFC 3264 §8: a re-offer keeps the session id and increments the version', () => {
  const first = createOffer(local);
  const second = createOffer({ ...local, previous: first, direction: 'sendonly' });
  assert.equal(second.origin.sessionId, first.origin.sessionId);
  assert.equal(BigInt(second.origin.sessionVersion), BigInt(first.origin.sessionVersion) + 1n);
  assert.equal(mediaDirection(second, second.media[0]), 'sendonly');
});

test('RFC 3264 §6.1: PCMU+PCMA offer answered with the offerer\'s first codec and its DTMF PT', () => {
  const r = answerOk(sdp([...head, 'm=audio 49170 RTP/AVP 8 0 96', 'a=rtpmap:96 telephone-event/8000', 'a=fmtp:96 0-15']));
  assert.equal(r.media.codec, 'PCMA');
  assert.equal(r.media.payloadType, 8);
  assert.equal(r.media.dtmfPayloadType, 96);
  assert.equal(r.media.remoteAddress, '10.0.0.1');
  assert.equal(r.media.remotePort, 49170);
  assert.deepEqual(r.answer.media[0].formats, ['8', '96']);
});

test('PCMA-only offer is answered with PCMA', () => {
  const r = answerOk(sdp([...head, 'm=audio 6000 RTP/AVP 8']));
  assert.equal(r.media.codec, 'PCMA');
  assert.equal(r.media.dtmfPayloadType, null);
  assert.match(serializeSdp(r.answer), /^m=audio 40000 RTP\/AVP 8\r$/m);
});

test('no common codec is a typed SDP_NO_COMMON_CODEC error (→ 488)', () => {
  const r = createAnswer(sdp([...head, 'm=audio 6000 RTP/AVP 18 9', 'a=rtpmap:18 G729/8000']), local);
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.ok(r.error instanceof SdpNegotiationError);
    assert.equal(r.error.code, 'SDP_NO_COMMON_CODEC');
  }
  const n = createAnswer(sdp([...head, 'm=video 6000 RTP/AVP 31']), local);
  assert.equal(n.ok ? '' : n.error.code, 'SDP_NO_AUDIO');
});

test('RFC 3264 §6: other m-lines are kept and answered with port 0', () => {
  const r = answerOk(sdp([...head, 'm=video 5002 RTP/AVP 31', 'm=audio 5000 RTP/AVP 0', 'm=application 9 UDP/BFCP *']));
  assert.equal(r.answer.media.length, 3);
  assert.deepEqual(r.answer.media.map((m) => m.port), [0, 40000, 0]);
  assert.equal(r.answer.media[0].type, 'video');
  assert.equal(r.answer.media[2].proto, 'UDP/BFCP');
  assert.equal(r.media.remotePort, 5000);
});

test('RFC 3264 §6.1: sendonly→recvonly, recvonly→sendonly, inactive→inactive, sendrecv→sendrecv', () => {
  const cases: Array<[string, string]> = [['sendonly', 'recvonly'], ['recvonly', 'sendonly'], ['inactive', 'inactive'], ['sendrecv', 'sendrecv']];
  for (const [offered, expected] of cases) {
    const r = answerOk(sdp([...head, 'm=audio 5000 RTP/AVP 0', `a=${offered}`]));
    assert.equal(mediaDirection(r.answer, r.answer.media[0]), expected, offered);
    assert.equal(r.media.direction, expected);
  }
  const sess = answerOk(sdp([...head, 'a=sendonly', 'm=audio 5000 RTP/AVP 0']));
  assert.equal(sess.media.direction, 'recvonly');
});

test('RFC 3264 §8.4: c=0.0.0.0 old-style hold means we must not send', () => {
  const r = answerOk(sdp(['v=0', 'o=- 1 2 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 5000 RTP/AVP 0']));
  assert.equal(r.media.remoteHold, true);
  assert.equal(r.media.direction, 'recvonly');
});

test('our hold (local sendonly) answering a sendrecv offer gives sendonly', () => {
  const r = answerOk(sdp([...head, 'm=audio 5000 RTP/AVP 0']), { ...local, direction: 'sendonly' });
  assert.equal(r.media.direction, 'sendonly');
});

test('RFC 3264 §5/§6: applyAnswer reads codec, DTMF PT, address and reversed direction', () => {
  const offer = createOffer(local);
  const ans = sdp(['v=0', 'o=bob 5 5 IN IP4 10.9.9.9', 's=-', 't=0 0', 'm=audio 7000 RTP/AVP 8 101', 'c=IN IP4 10.9.9.8',
    'a=rtpmap:101 telephone-event/8000', 'a=recvonly']);
  const r = applyAnswer(offer, ans);
  assert.ok(r.ok);
  if (r.ok) {
    assert.deepEqual(r.media, { remoteAddress: '10.9.9.8', remotePort: 7000, codec: 'PCMA', payloadType: 8, dtmfPayloadType: 101, direction: 'sendonly', ptime: 20, remoteHold: false });
  }
  const rej = applyAnswer(offer, sdp(['v=0', 'o=bob 5 5 IN IP4 10.9.9.9', 's=-', 't=0 0', 'm=audio 0 RTP/AVP 0']));
  assert.equal(rej.ok ? '' : rej.error.code, 'SDP_MEDIA_REJECTED');
});

test('answer round-trips through the parser; our answer to our own offer negotiates PCMU', () => {
  const offer = parseSdp(serializeSdp(createOffer(local)));
  const r = answerOk(offer, { publicAddress: '192.0.2.20', port: 50000 });
  const back = applyAnswer(offer, parseSdp(serializeSdp(r.answer)));
  assert.ok(back.ok);
  if (back.ok) {
    assert.equal(back.media.codec, 'PCMU');
    assert.equal(back.media.remotePort, 50000);
    assert.equal(back.media.dtmfPayloadType, 101);
  }
});
