import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from '../message/errors.js';
import { buildAuthorization, computeDigestResponse, createChallenge, parseChallenge, parseCredentials, verifyAuthorization } from './digest.js';

// RFC 7616 §3.9.1 example values.
const RFC7616 = {
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
  uri: '/dir/index.html',
  method: 'GET',
};

test('RFC 7616 §3.9.1: MD5 and SHA-256 responses match the RFC', () => {
  for (const [algorithm, expected] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const) {
    const challenge = parseChallenge(
      `Digest realm="${RFC7616.realm}", qop="auth, auth-int", algorithm=${algorithm}, nonce="${RFC7616.nonce}", opaque="${RFC7616.opaque}"`,
    );
    assert.deepEqual(challenge.qop, ['auth', 'auth-int']);
    assert.equal(challenge.algorithm, algorithm);
    assert.equal(computeDigestResponse({ ...RFC7616, algorithm, qop: 'auth', nc: 1 }), expected);
    const header = buildAuthorization({ challenge, method: 'GET', uri: RFC7616.uri, username: 'Mufasa', password: 'Circle of Life', cnonce: RFC7616.cnonce, nc: 1 });
    const creds = parseCredentials(header);
    assert.equal(creds.response, expected);
    assert.equal(creds.qop, 'auth');
    assert.equal(creds.nc, '00000001');
    assert.equal(creds.opaque, RFC7616.opaque);
    assert.equal(creds.algorithm, algorithm);
  }
});

test('RFC 2617 §3.5: MD5 qop=auth example', () => {
  const challenge = parseChallenge(
    'Digest realm="testrealm@host.com",\r\n qop="auth,auth-int",\r\n nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",\r\n opaque="5ccc069c403ebaf9f0171e9517f40e41"'.replace(/\r\n/g, ''),
  );
  assert.equal(challenge.algorithm, 'MD5');
  assert.equal(challenge.stale, false);
  const header = buildAuthorization({ challenge, method: 'GET', uri: '/dir/index.html', username: 'Mufasa', password: 'Circle Of Life', cnonce: '0a4f113b', nc: 1 });
  assert.equal(parseCredentials(header).response, '6629fae49393a05397450978507c4ef1');
});

test('RFC 2069 form when no qop is offered; stale and -sess algorithms', () => {
  const challenge = parseChallenge('Digest realm="sip.example", nonce="abc", stale=TRUE, algorithm=MD5-sess');
  assert.equal(challenge.stale, true);
  assert.deepEqual(challenge.qop, []);
  const header = buildAuthorization({ challenge, method: 'INVITE', uri: 'sip:bob@sip.example', username: 'alice', password: 'pw', cnonce: 'cn', nc: 1 });
  assert.ok(!/qop=|nc=/.test(header));
  assert.ok(verifyAuthorization(header, { method: 'INVITE', realm: 'sip.example', password: () => 'pw' }));
});

test('RFC 3261 §22.4: server side challenge and verification', () => {
  for (const algorithm of ['MD5', 'SHA-256', 'SHA-256-sess', 'SHA-512-256'] as const) {
    const value = createChallenge({ realm: 'gw.example', nonce: 'n1', algorithm, opaque: 'op' });
    const challenge = parseChallenge(value);
    assert.deepEqual(challenge.qop, ['auth']);
    const header = buildAuthorization({ challenge, method: 'REGISTER', uri: 'sip:gw.example', username: 'u"ser', password: 'secret', cnonce: 'c1', nc: 3 });
    const opts = { method: 'REGISTER', realm: 'gw.example', password: (u: string) => (u === 'u"ser' ? 'secret' : undefined), nonceValid: (n: string) => n === 'n1' };
    assert.ok(verifyAuthorization(header, opts), algorithm);
    assert.ok(!verifyAuthorization(header, { ...opts, password: () => 'wrong' }));
    assert.ok(!verifyAuthorization(header, { ...opts, method: 'INVITE' }));
    assert.ok(!verifyAuthorization(header, { ...opts, nonceValid: () => false }));
    assert.ok(!verifyAuthorization(header, { ...opts, realm: 'other' }));
    assert.ok(!verifyAuthorization(header, { ...opts, uri: 'sip:elsewhere' }));
    assert.ok(!verifyAuthorization('Digest garbage', opts));
  }
});

test('qop=auth-int hashes the body', () => {
  const challenge = parseChallenge('Digest realm="r", nonce="n", qop="auth-int"');
  const header = buildAuthorization({ challenge, method: 'INVITE', uri: 'sip:a@b', username: 'u', password: 'p', cnonce: 'c', nc: 1, body: 'v=0\r\n' });
  assert.match(header, /qop=auth-int/);
  assert.ok(verifyAuthorization(header, { method: 'INVITE', realm: 'r', password: () => 'p', body: 'v=0\r\n' }));
  assert.ok(!verifyAuthorization(header, { method: 'INVITE', realm: 'r', password: () => 'p', body: 'v=1\r\n' }));
});

test('malformed challenges are SipParseError', () => {
  for (const bad of ['Basic realm="x"', 'Digest nonce="n"', 'Digest realm="r"', 'Digest realm="r", nonce="n", algorithm=SHA-1', 'Digest realm="r" nonce="n"', 'Digest realm=', 'Digest realm="r, nonce=n']) {
    assert.throws(() => parseChallenge(bad), SipParseError, bad);
  }
});
