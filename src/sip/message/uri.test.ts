import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from './errors.js';
import { formatUri, parseUri } from './uri.js';

test('RFC 3261 §19.1.1: sip URI with user, password, port, params and headers', () => {
  const uri = parseUri('sip:alice:secret@Atlanta.COM:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
  assert.deepEqual(uri, {
    scheme: 'sip',
    user: 'alice',
    password: 'secret',
    host: 'atlanta.com',
    port: 5061,
    params: { transport: 'tcp', lr: null },
    headers: { subject: 'project%20x', priority: 'urgent' },
  });
  assert.equal(formatUri(uri), 'sip:alice:secret@atlanta.com:5061;transport=tcp;lr?subject=project%20x&priority=urgent');
});

test('RFC 3261 §19.1.1: sips URI without user', () => {
  assert.deepEqual(parseUri('SIPS:example.com'), { scheme: 'sips', host: 'example.com', params: {}, headers: {} });
});

test('RFC 3261 §25.1: IPv6 reference keeps its brackets', () => {
  const uri = parseUri('sip:[2001:DB8::10]:5070;transport=udp');
  assert.equal(uri.scheme, 'sip');
  assert.ok('host' in uri);
  assert.equal(uri.host, '[2001:db8::10]');
  assert.equal(uri.port, 5070);
  assert.equal(formatUri(uri), 'sip:[2001:db8::10]:5070;transport=udp');
  assert.throws(() => parseUri('sip:[2001:db8::10'), SipParseError);
  assert.throws(() => parseUri('sip:[]'), SipParseError);
});

test('RFC 3261 §19.1.2: escaped characters and user-unreserved ; stay in the user part', () => {
  const uri = parseUri('sip:user;par=u%40example.net@example.com');
  assert.ok('user' in uri);
  assert.equal(uri.user, 'user;par=u%40example.net');
  assert.equal(uri.host, 'example.com');
  assert.equal(formatUri(uri), 'sip:user;par=u%40example.net@example.com');
});

test('RFC 3966: tel URI with parameters', () => {
  const uri = parseUri('tel:+1-201-555-0123;phone-context=example.com;ext=1234');
  assert.deepEqual(uri, { scheme: 'tel', number: '+1-201-555-0123', params: { 'phone-context': 'example.com', ext: '1234' } });
  assert.equal(formatUri(uri), 'tel:+1-201-555-0123;phone-context=example.com;ext=1234');
  assert.throws(() => parseUri('tel:'), SipParseError);
});

test('other schemes are kept opaque', () => {
  assert.deepEqual(parseUri('urn:service:sos'), { scheme: 'urn', opaque: 'service:sos' });
  assert.equal(formatUri({ scheme: 'mailto', opaque: 'a@b.c' }), 'mailto:a@b.c');
});

test('malformed URIs are SipParseError', () => {
  for (const bad of ['', 'sip:', 'sip:@host', 'sip:a@b@c', 'sip:host:0', 'sip:host:70000', 'sip:host:', 'sip:a b', 'nocolon', '1sip:x', 'sip:host;', 'sip:host;;lr', 'sip:host;a=', 'sip:host?', 'sip:host?=x', 'sip:ho$t']) {
    assert.throws(() => parseUri(bad), SipParseError, bad);
  }
});
