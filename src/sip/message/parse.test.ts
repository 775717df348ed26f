import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from './errors.js';
import { getHeader, getHeaders, hasHeader } from './headers.js';
import { parseMessage } from './parse.js';
import { serializeMessage } from './serialize.js';
import type { SipMessage, SipRequest, SipResponse } from './types.js';

export const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice A." <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Type: application/sdp',
  'Content-Length: 4',
  '',
  'v=0\r\n',
].join('\r\n');

function parse(text: string): SipMessage {
  return parseMessage(Buffer.from(text, 'utf8'));
}

function request(text: string): SipRequest {
  const m = parse(text);
  assert.equal(m.kind, 'request');
  return m as SipRequest;
}

function parseError(text: string | Buffer): SipParseError {
  try {
    parseMessage(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  } catch (e) {
    assert.ok(e instanceof SipParseError, `expected SipParseError, got ${String(e)}`);
    assert.equal(e.code, 'SIP_PARSE');
    return e;
  }
  assert.fail('expected a SipParseError');
}

/** Parse → serialise → parse must give the same data. */
export function assertRoundTrip(m: SipMessage): void {
  const again = parseMessage(serializeMessage(m));
  const strip = (x: SipMessage) => ({ ...x, headers: x.headers.filter((h) => h.name !== 'Content-Length'), body: Buffer.from(x.body) });
  assert.deepEqual(strip(again), strip(m));
}

test('RFC 3261 §7.1: request line, typed fields and body', () => {
  const m = request(INVITE);
  assert.equal(m.method, 'INVITE');
  assert.deepEqual(m.uri, { scheme: 'sip', user: 'bob', host: 'biloxi.example.com', params: {}, headers: {} });
  assert.equal(m.via.length, 1);
  assert.deepEqual(m.via[0], { transport: 'UDP', host: 'pc33.atlanta.example.com', branch: 'z9hG4bK776asdhds', rport: null, params: { branch: 'z9hG4bK776asdhds', rport: null } });
  assert.equal(m.from.displayName, 'Alice A.');
  assert.equal(m.from.params.tag, '1928301774');
  assert.equal(m.to.displayName, 'Bob');
  assert.equal(m.to.params.tag, undefined);
  assert.equal(m.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
  assert.deepEqual(m.cseq, { seq: 314159, method: 'INVITE' });
  assert.equal(m.maxForwards, 70);
  assert.equal(m.contentType, 'application/sdp');
  assert.equal(m.contact.length, 1);
  assert.equal(m.body.toString(), 'v=0\r');
  assertRoundTrip(m);
});

test('RFC 3261 §7.2: status line, empty and UTF-8 reason phrases', () => {
  const base = ['Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'To: <sip:a@b>;tag=x', 'From: <sip:c@d>;tag=y', 'Call-ID: 1', 'CSeq: 1 INVITE', '', ''].join('\r\n');
  const ok = parse(`SIP/2.0 180 Ringing\r\n${base}`) as SipResponse;
  assert.equal(ok.kind, 'response');
  assert.equal(ok.status, 180);
  assert.equal(ok.reason, 'Ringing');
  assert.equal((parse(`SIP/2.0 100 \r\n${base}`) as SipResponse).reason, '');
  assert.equal((parse(`SIP/2.0 100\r\n${base}`) as SipResponse).reason, '');
  assert.equal((parse(`SIP/2.0 200 Très bien\r\n${base}`) as SipResponse).reason, 'Très bien');
  for (const line of ['SIP/2.0 99 Low', 'SIP/2.0 700 High', 'SIP/2.0 2000 Long', 'SIP/3.0 200 OK', 'SIP/2.0 20x OK']) {
    parseError(`${line}\r\n${base}`);
  }
});

test('RFC 3261 §7.3.1: folded header values are joined with a single space', () => {
  const text = INVITE.replace('Subject', '').replace('Max-Forwards: 70', 'Max-Forwards: 70\r\nSubject: I know\r\n   you are\r\n\tthere');
  const m = request(text);
  assert.equal(getHeader(m, 'subject'), 'I know you are there');
  assert.equal(getHeader(m, 's'), 'I know you are there');
  assertRoundTrip(m);
});

test('RFC 3261 §7.3.3: compact forms expand to canonical names', () => {
  const text = [
    'BYE sip:bob@b.example.com SIP/2.0',
    'v: SIP/2.0/TCP a.example.com:5070;branch=z9hG4bKx',
    'f: <sip:alice@a.example.com>;tag=1',
    't: <sip:bob@b.example.com>;tag=2',
    'i: abc@a',
    'CSEQ: 2 BYE',
    'm: <sip:alice@10.0.0.1>',
    'k: timer, 100rel',
    'o: refer',
    'c: text/plain',
    'l: 2',
    '',
    'hi',
  ].join('\r\n');
  const m = request(text);
  assert.deepEqual(
    m.headers.map((h) => h.name),
    ['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Supported', 'Event', 'Content-Type', 'Content-Length'],
  );
  assert.equal(m.via[0].port, 5070);
  assert.equal(m.via[0].transport, 'TCP');
  assert.deepEqual(getHeaders(m, 'k'), ['timer', '100rel']);
  assert.equal(m.body.toString(), 'hi');
  assert.ok(hasHeader(m, 'content-type'));
  assert.ok(!hasHeader(m, 'Require'));
  assertRoundTrip(m);
});

test('RFC 3261 §7.3.1: comma-separated Via, Contact, Route and Record-Route respect quotes and <>', () => {
  const text = INVITE.replace(
    'Max-Forwards: 70',
    [
      'Max-Forwards: 70',
      'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKa;received=192.0.2.1;rport=5062, SIP/2.0/TCP [2001:db8::1]:5080;branch=z9hG4bKb',
      'Record-Route: <sip:p1.example.com;lr>, "Proxy, two" <sip:p2.example.com;lr>',
      'Route: <sip:r1.example.com;lr;x=a,b>,<sip:r2.example.com;lr>',
    ].join('\r\n'),
  ).replace('Contact: <sip:alice@pc33.atlanta.example.com>', 'Contact: "A, B" <sip:a@h1>;q=0.5, sip:b@h2;expires=60');
  const m = request(text);
  assert.equal(m.via.length, 3);
  assert.equal(m.via[1].received, '192.0.2.1');
  assert.equal(m.via[1].rport, 5062);
  assert.equal(m.via[2].host, '[2001:db8::1]');
  assert.equal(m.via[2].port, 5080);
  assert.equal(m.recordRoute.length, 2);
  assert.equal(m.recordRoute[1].displayName, 'Proxy, two');
  assert.equal(m.route.length, 2);
  assert.deepEqual(m.contact.map((c) => c.params), [{ q: '0.5' }, { expires: '60' }]);
  assert.equal(m.contact[0].displayName, 'A, B');
  assert.deepEqual(getHeaders(m, 'Via').length, 3);
  assertRoundTrip(m);
});

test('RFC 3261 §20.10: Contact * stands alone', () => {
  const m = request(INVITE.replace('INVITE sip', 'REGISTER sip').replace('314159 INVITE', '1 REGISTER').replace('Contact: <sip:alice@pc33.atlanta.example.com>', 'Contact: *'));
  assert.equal(m.contactStar, true);
  assert.deepEqual(m.contact, []);
  parseError(INVITE.replace('Contact: <sip:alice@pc33.atlanta.example.com>', 'Contact: *, <sip:a@b>'));
});

test('RFC 3261 §18.3: body is exactly Content-Length bytes; missing on a datagram means the rest', () => {
  const withExtra = request(INVITE + 'trailing junk');
  assert.equal(withExtra.body.toString(), 'v=0\r');
  const noLength = request(INVITE.replace('Content-Length: 4\r\n', ''));
  assert.equal(noLength.body.toString(), 'v=0\r\n');
  assert.equal(parseError(INVITE.replace('Content-Length: 4', 'Content-Length: 40')).reason, 'Content-Length larger than the message');
  parseError(INVITE.replace('Content-Length: 4', 'Content-Length: -4'));
  parseError(INVITE.replace('Content-Length: 4', 'Content-Length: 4x'));
  parseError(INVITE.replace('Content-Length: 4', 'Content-Length: 99999999999999999999'));
});

test('RFC 3261 §7.5: leading CRLFs are ignored; bare LF line ends are tolerated', () => {
  assert.equal(request('\r\n\r\n' + INVITE).method, 'INVITE');
  const lf = request(INVITE.replace(/\r\n/g, '\n'));
  assert.equal(lf.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
  assert.equal(lf.body.toString(), 'v=0\n');
});

test('RFC 3261 §8.1.1: mandatory headers', () => {
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    const text = INVITE.split('\r\n').filter((l) => !l.startsWith(`${name}:`)).join('\r\n');
    assert.match(parseError(text).reason, new RegExp(`missing ${name}`));
  }
  const noMaxForwards = INVITE.replace('Max-Forwards: 70\r\n', '');
  assert.equal(request(noMaxForwards).maxForwards, undefined);
});

test('single-valued headers may not repeat', () => {
  for (const line of ['To: <sip:x@y>', 'From: <sip:x@y>', 'Call-ID: other', 'CSeq: 1 INVITE', 'Max-Forwards: 5', 'Content-Length: 4']) {
    parseError(INVITE.replace('Max-Forwards: 70', `Max-Forwards: 70\r\n${line}`.replace('Max-Forwards: 70\r\nMax-Forwards: 5', 'Max-Forwards: 70\r\nMax-Forwards: 5')));
  }
});

test('malformed request with a readable Via carries partial data for a 400', () => {
  const e = parseError(INVITE.replace('CSeq: 314159 INVITE', 'CSeq: x INVITE'));
  assert.ok(e.partial);
  assert.equal(e.partial.method, 'INVITE');
  assert.equal(e.partial.via[0].branch, 'z9hG4bK776asdhds');
  assert.ok(e.partial.headers.some((h) => h.name === 'Call-ID'));
  const badLine = parseError(INVITE.replace('INVITE sip:bob@biloxi.example.com SIP/2.0', 'INVITE  sip:bob@biloxi.example.com SIP/2.0'));
  assert.equal(badLine.partial?.method, 'INVITE');
  const noVia = parseError(INVITE.replace(/Via: .*\r\n/, 'Via: garbage\r\n'));
  assert.equal(noVia.partial, undefined);
  const response = parseError('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n');
  assert.equal(response.partial, undefined);
});

test('limits: 64 KiB message, 256 header fields, header line length', () => {
  parseError(Buffer.alloc(65537, 'a'));
  const many = INVITE.replace('Max-Forwards: 70', 'Max-Forwards: 70' + '\r\nX-A: b'.repeat(260));
  assert.equal(parseError(many).reason, 'too many header fields');
  const long = INVITE.replace('Max-Forwards: 70', `Max-Forwards: 70\r\nX-Long: ${'a'.repeat(20000)}`);
  assert.equal(parseError(long).reason, 'header line too long');
});

test('control characters, bare CR and invalid UTF-8 in the header section are rejected', () => {
  parseError(INVITE.replace('Call-ID: a84b', 'Call-ID: a\u0000b'));
  parseError(INVITE.replace('Call-ID: a84b', 'Call-ID: a\rb'));
  const bytes = Buffer.from(INVITE);
  bytes[bytes.indexOf('Alice')] = 0xff;
  parseError(bytes);
  parseError('');
  parseError('\r\n\r\n');
  parseError(INVITE.slice(0, 100));
});

test('header lines without a colon or with a bad name are errors', () => {
  parseError(INVITE.replace('Max-Forwards: 70', 'Max-Forwards 70'));
  parseError(INVITE.replace('Max-Forwards: 70', 'Max Forwards: 70'));
  parseError(INVITE.replace('Max-Forwards: 70', ': 70'));
});
