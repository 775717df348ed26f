import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest, createResponse, withHeader, withoutHeader, withRequestUri, withTopVia } from './build.js';
import { SipParseError } from './errors.js';
import { getHeader, getHeaders } from './headers.js';
import { parseMessage } from './parse.js';
import { reasonPhrase } from './reason.js';
import { serializeMessage } from './serialize.js';
import type { SipRequest, SipResponse } from './types.js';
import { parseUri } from './uri.js';

function invite(): SipRequest {
  return createRequest({
    method: 'INVITE',
    uri: parseUri('sip:bob@biloxi.example.com'),
    via: [{ transport: 'UDP', host: '192.0.2.10', port: 5060, branch: 'z9hG4bKabc', rport: null, params: {} }],
    from: { displayName: 'Alice "A"', uri: parseUri('sip:alice@atlanta.example.com'), params: { tag: 'ft' } },
    to: { uri: parseUri('sip:bob@biloxi.example.com'), params: {} },
    callId: 'call-1@192.0.2.10',
    cseq: { seq: 1, method: 'INVITE' },
    contact: [{ uri: parseUri('sip:alice@192.0.2.10:5060'), params: {} }],
    route: [{ uri: parseUri('sip:proxy.example.com;lr'), params: {} }],
    headers: [{ name: 'User-Agent', value: 'vgw' }],
    body: 'v=0\r\n',
    contentType: 'application/sdp',
  });
}

test('RFC 3261 §8.1.1: createRequest orders headers and keeps typed fields consistent', () => {
  const req = invite();
  assert.deepEqual(
    req.headers.map((h) => h.name),
    ['Via', 'Max-Forwards', 'Route', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'User-Agent', 'Content-Type'],
  );
  assert.equal(getHeader(req, 'Via'), 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKabc;rport');
  assert.equal(getHeader(req, 'From'), '"Alice \\"A\\"" <sip:alice@atlanta.example.com>;tag=ft');
  assert.equal(req.maxForwards, 70);
  const wire = serializeMessage(req).toString();
  assert.ok(wire.startsWith('INVITE sip:bob@biloxi.example.com SIP/2.0\r\nVia: '));
  assert.ok(wire.endsWith('Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n'));
  const back = parseMessage(serializeMessage(req)) as SipRequest;
  assert.equal(back.from.displayName, 'Alice "A"');
  assert.deepEqual(back.via[0].branch, 'z9hG4bKabc');
  assert.deepEqual(back.route, req.route);
  assert.deepEqual(back.cseq, req.cseq);
  assert.equal(back.body.toString(), 'v=0\r\n');
});

test('createRequest: extra headers naming a typed field update it', () => {
  const req = createRequest({ ...invite(), contact: undefined, headers: [{ name: 'm', value: '<sip:x@y>' }, { name: 'Content-Length', value: '99' }] } as Parameters<typeof createRequest>[0]);
  assert.equal(req.contact.length, 1);
  assert.equal(getHeader(req, 'Content-Length'), undefined);
});

test('RFC 3261 §8.2.6.2: createResponse copies Via, From, To, Call-ID, CSeq and adds the To tag', () => {
  const received = parseMessage(
    Buffer.from(
      [
        'INVITE sip:bob@b SIP/2.0',
        'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=5062;received=192.0.2.1, SIP/2.0/UDP p;branch=z9hG4bK0',
        'Via: SIP/2.0/UDP q;branch=z9hG4bKq',
        'Record-Route: <sip:p;lr>',
        'From: <sip:a@a>;tag=1',
        'To: <sip:b@b>',
        'Call-ID: c',
        'CSeq: 7 INVITE',
        'Max-Forwards: 69',
        '',
        '',
      ].join('\r\n'),
    ),
  ) as SipRequest;
  const ringing = createResponse(received, 180, { toTag: 'tt', copyRecordRoute: true, contact: [{ uri: parseUri('sip:bob@10.0.0.2'), params: {} }] });
  assert.equal(ringing.reason, 'Ringing');
  assert.deepEqual(getHeaders(ringing, 'Via'), [
    'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport=5062;received=192.0.2.1',
    'SIP/2.0/UDP p;branch=z9hG4bK0',
    'SIP/2.0/UDP q;branch=z9hG4bKq',
  ]);
  assert.equal(getHeader(ringing, 'To'), '<sip:b@b>;tag=tt');
  assert.equal(ringing.to.params.tag, 'tt');
  assert.equal(getHeader(ringing, 'Record-Route'), '<sip:p;lr>');
  assert.equal(ringing.recordRoute.length, 1);
  assert.equal(getHeader(ringing, 'Max-Forwards'), undefined);
  const trying = createResponse(received, 100, { toTag: 'tt' });
  assert.equal(trying.to.params.tag, undefined);
  assert.equal(getHeader(trying, 'To'), '<sip:b@b>');
  assert.equal(getHeader(trying, 'Record-Route'), undefined);
  const reparsed = parseMessage(serializeMessage(ringing)) as SipResponse;
  assert.deepEqual(reparsed.via, ringing.via);
  assert.deepEqual(reparsed.to, ringing.to);
  assert.equal(reparsed.status, 180);
  const withBody = createResponse(received, 486, { reason: 'Busy', body: 'x', contentType: 'text/plain', headers: [{ name: 'Retry-After', value: '5' }] });
  assert.equal(serializeMessage(withBody).toString().split('\r\n')[0], 'SIP/2.0 486 Busy');
  assert.equal(withBody.contentType, 'text/plain');
});

test('createResponse keeps an existing To tag', () => {
  const req = withHeader(invite(), 'To', '<sip:bob@biloxi.example.com>;tag=old');
  const res = createResponse(req, 200, { toTag: 'new' });
  assert.equal(res.to.params.tag, 'old');
  assert.equal(getHeader(res, 'To'), '<sip:bob@biloxi.example.com>;tag=old');
});

test('RFC 3581 §4: withTopVia replaces the top Via value only', () => {
  const req = withHeader(invite(), 'Via', 'SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bKabc, SIP/2.0/UDP other;branch=z9hG4bKo');
  const top = req.via[0];
  const stamped = withTopVia(req, { ...top, received: '198.51.100.7', rport: 40000 });
  assert.equal(getHeader(stamped, 'Via'), 'SIP/2.0/UDP 192.0.2.10:5060;rport=40000;branch=z9hG4bKabc;received=198.51.100.7, SIP/2.0/UDP other;branch=z9hG4bKo');
  assert.equal(stamped.via[0].rport, 40000);
  assert.equal(stamped.via[0].received, '198.51.100.7');
  assert.equal(stamped.via[1].host, 'other');
  const res = createResponse(stamped, 200, {});
  assert.deepEqual(res.via, stamped.via);
});

test('withHeader / withoutHeader keep typed fields consistent', () => {
  const req = invite();
  const mf = withHeader(req, 'max-forwards', '10');
  assert.equal(mf.maxForwards, 10);
  assert.equal(getHeader(mf, 'Max-Forwards'), '10');
  const noMf = withoutHeader(mf, 'Max-Forwards');
  assert.equal(noMf.maxForwards, undefined);
  assert.ok(!('maxForwards' in noMf));
  const rr = withHeader(req, 'Record-Route', '<sip:a;lr>, <sip:b;lr>');
  assert.equal(rr.recordRoute.length, 2);
  const noRoute = withoutHeader(req, 'Route');
  assert.deepEqual(noRoute.route, []);
  const star = withHeader(req, 'm', '*');
  assert.equal(star.contactStar, true);
  assert.equal(withoutHeader(star, 'Contact').contactStar, undefined);
  assert.equal(withHeader(req, 'X-Custom', 'a').headers.at(-1)?.name, 'X-Custom');
  assert.throws(() => withoutHeader(req, 'Call-ID'), SipParseError);
  assert.throws(() => withHeader(req, 'From', 'garbage'), SipParseError);
  const uri = parseUri('sip:carol@chicago.example.com');
  assert.deepEqual(withRequestUri(req, uri).uri, uri);
});

test('RFC 3261 §21: reason phrases', () => {
  assert.equal(reasonPhrase(200), 'OK');
  assert.equal(reasonPhrase(199), 'Early Dialog Terminated');
  assert.equal(reasonPhrase(204), 'No Notification');
  assert.equal(reasonPhrase(487), 'Request Terminated');
  assert.equal(reasonPhrase(603), 'Decline');
  assert.equal(reasonPhrase(499), 'Client Error');
});
