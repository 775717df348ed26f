import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAnswer, createAnswer, createOffer, formatCrypto, newSdesKey, parseCrypto, parseSdp, serializeSdp, type SessionDescription } from './index.js';

const KEY = Buffer.from('WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz', 'base64');
const sdp = (lines: string[]): SessionDescription => parseSdp(`${lines.join('\r\n')}\r\n`);
const head = ['v=0', 'o=peer 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0'];

test('RFC 4568 §9.1: a=crypto parses tag, suite and the inline key (with or without padding, lifetime allowed); MKI, KDR and unknown suites are not ours', () => {
  const c = parseCrypto('1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20');
  assert.deepEqual(c && { tag: c.tag, suite: c.suite, key: c.keySalt.toString('base64') }, { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', key: KEY.toString('base64') });
  assert.equal(parseCrypto('7 AES_CM_128_HMAC_SHA1_32 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz')?.suite, 'AES_CM_128_HMAC_SHA1_32');
  assert.equal(parseCrypto('1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4'), undefined, 'MKI');
  assert.equal(parseCrypto('1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz KDR=1'), undefined, 'KDR');
  assert.equal(parseCrypto('1 AES_256_CM_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzWVNfX19zZW1jdGwgKCkgew'), undefined, 'suite');
  assert.equal(parseCrypto('1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ='), undefined, 'a short key');
  assert.equal(parseCrypto('x AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz'), undefined, 'tag');
  assert.equal(formatCrypto({ tag: 3, suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: KEY }), `3 AES_CM_128_HMAC_SHA1_80 inline:${KEY.toString('base64')}`);
  assert.equal(newSdesKey().length, 30);
});

test('RFC 4568 §7: an offer with srtp is RTP/SAVP with our crypto line; the answer to it must carry a crypto line of our tag and suite', () => {
  const ours = newSdesKey();
  const offer = createOffer({ publicAddress: '192.0.2.10', port: 40000, srtp: { key: ours } });
  const text = serializeSdp(offer);
  assert.match(text, /^m=audio 40000 RTP\/SAVP 0 8 101\r$/m);
  assert.match(text, new RegExp(`^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${ours.toString('base64').replace(/[+/]/g, '\\$&')}\\r$`, 'm'));
  const answer = sdp([...head, 'm=audio 5004 RTP/SAVP 0 101', 'a=rtpmap:101 telephone-event/8000', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY.toString('base64')}`]);
  const r = applyAnswer(offer, answer);
  assert.ok(r.ok);
  assert.deepEqual(r.media.srtp && { suite: r.media.srtp.suite, local: r.media.srtp.localKey.equals(ours), remote: r.media.srtp.remoteKey.equals(KEY) }, { suite: 'AES_CM_128_HMAC_SHA1_80', local: true, remote: true });
  for (const bad of [
    [...head, 'm=audio 5004 RTP/AVP 0'],
    [...head, 'm=audio 5004 RTP/SAVP 0'],
    [...head, 'm=audio 5004 RTP/SAVP 0', `a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:${KEY.toString('base64')}`],
  ]) {
    const x = applyAnswer(offer, sdp(bad));
    assert.ok(!x.ok && x.error.code === 'SDP_NO_CRYPTO', bad.join('|'));
  }
  assert.match(serializeSdp(createOffer({ publicAddress: '192.0.2.10', port: 40000 })), /RTP\/AVP 0 8 101/, 'no srtp, plain RTP');
});

test('RFC 4568 §7.1.2: an RTP/SAVP offer is answered RTP/SAVP with the first crypto line we support (its tag, our key); without srtp options, or without a usable crypto line, it is not acceptable', () => {
  const offer = sdp([...head, 'm=audio 5004 RTP/SAVP 0 8 101', 'a=rtpmap:101 telephone-event/8000',
    'a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzWVNfX19zZW1jdGwgKCkgew',
    `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${KEY.toString('base64')}`,
    `a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${KEY.toString('base64')}`]);
  const ours = newSdesKey();
  const r = createAnswer(offer, { publicAddress: '192.0.2.10', port: 40000, srtp: { key: ours } });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const text = serializeSdp(r.answer);
  assert.match(text, /^m=audio 40000 RTP\/SAVP 0 101\r$/m);
  assert.match(text, /^a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:/m);
  assert.equal((text.match(/a=crypto/g) ?? []).length, 1);
  assert.deepEqual(r.media.srtp && [r.media.srtp.suite, r.media.srtp.remoteKey.equals(KEY), r.media.srtp.localKey.equals(ours)], ['AES_CM_128_HMAC_SHA1_32', true, true]);
  const plain = createAnswer(offer, { publicAddress: '192.0.2.10', port: 40000 });
  assert.ok(!plain.ok && plain.error.code === 'SDP_NO_AUDIO');
  const noKeys = createAnswer(sdp([...head, 'm=audio 5004 RTP/SAVP 0']), { publicAddress: '192.0.2.10', port: 40000, srtp: { key: ours } });
  assert.ok(!noKeys.ok && noKeys.error.code === 'SDP_NO_CRYPTO');
  const avp = createAnswer(sdp([...head, 'm=audio 5004 RTP/AVP 0']), { publicAddress: '192.0.2.10', port: 40000, srtp: { key: ours } });
  assert.ok(avp.ok && avp.media.srtp === undefined && !serializeSdp(avp.answer).includes('crypto'), 'a plain offer gets a plain answer');
});
