import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from './errors.js';
import { formatNameAddr, parseNameAddr } from './name-addr.js';
import { parseParams, formatParams } from './params.js';
import { splitList } from './scan.js';

test('RFC 3261 §20.10: name-addr with quoted display name and header params', () => {
  const na = parseNameAddr('"Mr. Watson \\"T\\"" <sip:watson@worcester.example.com;transport=tcp>;tag=a48s;expires=60');
  assert.equal(na.displayName, 'Mr. Watson "T"');
  assert.deepEqual(na.params, { tag: 'a48s', expires: '60' });
  assert.deepEqual(na.uri, { scheme: 'sip', user: 'watson', host: 'worcester.example.com', params: { transport: 'tcp' }, headers: {} });
  assert.equal(formatNameAddr(na), '"Mr. Watson \\"T\\"" <sip:watson@worcester.example.com;transport=tcp>;tag=a48s;expires=60');
  assert.deepEqual(parseNameAddr(formatNameAddr(na)), na);
});

test('RFC 3261 §20.10: addr-spec parameters belong to the header, not the URI', () => {
  const na = parseNameAddr('sip:+12125551212@server.phone2net.com;tag=887s');
  assert.equal(na.displayName, undefined);
  assert.deepEqual(na.params, { tag: '887s' });
  assert.deepEqual(na.uri, { scheme: 'sip', user: '+12125551212', host: 'server.phone2net.com', params: {}, headers: {} });
  const tel = parseNameAddr('tel:+1-212-555-1212;tag=x');
  assert.deepEqual(tel, { uri: { scheme: 'tel', number: '+1-212-555-1212', params: {} }, params: { tag: 'x' } });
  assert.equal(formatNameAddr(tel), '<tel:+1-212-555-1212>;tag=x');
});

test('RFC 3261 §25.1: unquoted display names are tokens; quoted params keep their quotes', () => {
  assert.equal(parseNameAddr('Bob Smith <sip:bob@b>').displayName, 'Bob Smith');
  assert.equal(parseNameAddr('Zoë <sip:z@b>').displayName, 'Zoë');
  assert.equal(parseNameAddr('<sip:a@b>;+sip.instance="<urn:uuid:1>"').params['+sip.instance'], '"<urn:uuid:1>"');
  assert.equal(parseNameAddr('sip:a@b;+sip.instance="<urn:uuid:1>"').params['+sip.instance'], '"<urn:uuid:1>"');
  assert.equal(parseNameAddr('<sip:[2001:db8::1]:5060>').uri.scheme, 'sip');
});

test('malformed name-addrs are SipParseError', () => {
  for (const bad of ['', '   ', '"unterminated <sip:a@b>', '"x" sip:a@b', '<sip:a@b', 'Bell, A <sip:a@b>', '<sip:a@b> junk', '< sip:a@b>', '<sip:a@b>;', '<sip:a@b>;tag=', 'sip:a@b?x=y', 'a;b <sip:a@b>']) {
    assert.throws(() => parseNameAddr(bad), SipParseError, bad);
  }
});

test('RFC 3261 §7.3.1: list splitting respects quotes and angle brackets', () => {
  assert.deepEqual(splitList('"a, b" <sip:x@y;p=1,2>, <sip:z@w> ,c'), ['"a, b" <sip:x@y;p=1,2>', '<sip:z@w>', 'c']);
  assert.deepEqual(splitList('a,,b'), ['a', '', 'b']);
  assert.throws(() => splitList('"open, b'), SipParseError);
});

test('generic params: SWS around ; and =, flags, quoted values', () => {
  const p = parseParams(' ;  Lr ; q = 0.5 ;x="a;b"');
  assert.deepEqual(p, { lr: null, q: '0.5', x: '"a;b"' });
  assert.equal(formatParams(p), ';lr;q=0.5;x="a;b"');
  assert.deepEqual(Object.keys(parseParams(';__proto__=1')), ['__proto__']);
  assert.throws(() => parseParams(';;'), SipParseError);
  assert.throws(() => parseParams(';a=b c'), SipParseError);
});
