/**
 * RFC 4475 §3.1 parser torture tests. Every message of §3.1.1 must parse; each message of
 * §3.1.2 is listed with what we do and why (the RFC lets an element either reject some of them
 * or recover in a stated way).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from './errors.js';
import { getHeader, getHeaders } from './headers.js';
import { parseMessage } from './parse.js';
import { serializeMessage } from './serialize.js';
import { loadTorture } from './torture.js';
import type { SipMessage, SipRequest, SipResponse, SipUri } from './types.js';

const MESSAGES = loadTorture();

function raw(name: string): Buffer {
  const b = MESSAGES.get(name);
  assert.ok(b, `fixture ${name} missing`);
  return b;
}

function req(name: string): SipRequest {
  const m = parseMessage(raw(name));
  assert.equal(m.kind, 'request');
  return m as SipRequest;
}

function res(name: string): SipResponse {
  const m = parseMessage(raw(name));
  assert.equal(m.kind, 'response');
  return m as SipResponse;
}

function sip(u: unknown): SipUri {
  const uri = u as SipUri;
  assert.ok(uri.scheme === 'sip' || uri.scheme === 'sips');
  return uri;
}

/** §3.1.1: valid messages re-serialise into messages that parse to the same data. */
function roundTrip(m: SipMessage): void {
  const again = parseMessage(serializeMessage(m));
  const strip = (x: SipMessage) => ({ ...x, headers: x.headers.filter((h) => h.name !== 'Content-Length'), body: Buffer.from(x.body) });
  assert.deepEqual(strip(again), strip(m));
}

test('RFC 4475: all 32 messages of §3.1.1 and §3.1.2 are present', () => {
  assert.equal([...MESSAGES.keys()].filter((k) => k.startsWith('3.1.1.')).length, 13);
  assert.equal([...MESSAGES.keys()].filter((k) => k.startsWith('3.1.2.')).length, 19);
});

test('RFC 4475 §3.1.1: every valid message parses and round-trips', () => {
  for (const [name, buf] of MESSAGES) {
    if (!name.startsWith('3.1.1.')) continue;
    roundTrip(parseMessage(buf));
  }
});

test('RFC 4475 §3.1.1.1 wsinv: LWS, folding, compact forms, escaped quotes', () => {
  const m = req('3.1.1.1-wsinv');
  assert.deepEqual(sip(m.uri).params, { unknownparam: null });
  assert.equal(m.to.params.tag, '1918181833n');
  assert.equal(m.from.displayName, 'J Rosenberg \\"');
  assert.equal(m.from.params.tag, '98asjd8');
  assert.equal(m.maxForwards, 68);
  assert.deepEqual(m.cseq, { seq: 9, method: 'INVITE' });
  assert.deepEqual(m.via.map((v) => [v.transport, v.host, v.branch]), [
    ['UDP', '192.0.2.2', '390skdjuw'],
    ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
    ['UDP', '192.168.255.111', 'z9hG4bK30239'],
  ]);
  assert.equal(getHeader(m, 'Subject'), '');
  assert.equal(getHeader(m, 'NewFangledHeader'), 'newfangled value continued newfangled value');
  assert.equal(getHeader(m, 'UnknownHeaderWithUnusualValue'), ';;,,;;,;');
  assert.deepEqual(m.route[0].uri, { scheme: 'sip', host: 'services.example.com', params: { lr: null, unknownwith: 'value', 'unknown-no-value': null }, headers: {} });
  assert.equal(m.contact[0].displayName, 'Quoted string ""');
  assert.deepEqual(m.contact[0].params, { newparam: 'newvalue', secondparam: null, q: '0.33' });
  assert.equal(m.body.length, 150);
});

test('RFC 4475 §3.1.1.2 intmeth: the full range of token, word and quoted-pair characters', () => {
  const m = req('3.1.1.2-intmeth');
  assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
  const uri = sip(m.uri);
  assert.equal(uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  assert.equal(uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
  assert.equal(uri.host, 'example.com');
  assert.equal(m.via[0].branch, "z9hG4bK-.!%66*_+`'~");
  assert.equal(m.to.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
  assert.equal(m.from.displayName, "token1~` token2'+_ token3*%!.-");
  assert.equal(m.from.params["fromparam''~+*_!.-%"], '"работающий"');
  assert.equal(m.from.params.tag, "_token~1'+`*%!-.");
  assert.equal(m.callId, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
  assert.equal(m.cseq.method, m.method);
  assert.equal(getHeader(m, "extensionHeader-!.%*+_`'~"), '\ufeff大停電');
});

test('RFC 4475 §3.1.1.3 esc01 and §3.1.1.4 escnull: %-escapes are kept as received', () => {
  const m = req('3.1.1.3-esc01');
  assert.equal(sip(m.uri).user, 'sips%3Auser%40example.com');
  assert.equal(sip(m.uri).host, 'example.net');
  assert.equal(sip(m.to.uri).user, '%75se%72');
  assert.equal(sip(m.from.uri).user, 'I%20have%20spaces');
  assert.equal(m.contentType, 'application/sdp');
  assert.deepEqual(sip(m.contact[0].uri).params, { '%6c%72': null, 'n%61me': 'v%61lue%25%34%31' });
  const n = req('3.1.1.4-escnull');
  assert.equal(sip(n.to.uri).user, 'null-%00-null');
  assert.deepEqual(n.contact.map((c) => sip(c.uri).user), ['%00', '%00%00']);
});

test('RFC 4475 §3.1.1.5 esc02: % that is not an escape, unknown header C%6Fntact', () => {
  const m = req('3.1.1.5-esc02');
  assert.equal(m.method, 'RE%47IST%45R');
  assert.equal(m.to.displayName, '%Z%45');
  assert.equal(m.contact.length, 2);
  assert.equal(getHeader(m, 'C%6Fntact'), '<sip:alias2@host2.example.com>');
});

test('RFC 4475 §3.1.1.6 lwsdisp: no LWS between display name and <', () => {
  const m = req('3.1.1.6-lwsdisp');
  assert.equal(m.from.displayName, 'caller');
  assert.equal(sip(m.from.uri).user, 'caller');
});

test('RFC 4475 §3.1.1.7 longreq: long values and 34 Via header fields', () => {
  const m = req('3.1.1.7-longreq');
  assert.equal(m.to.displayName, `I have a user name of ${'extreme'.repeat(10)} proportion`);
  assert.equal(sip(m.to.uri).port, 6000);
  assert.equal(sip(m.to.uri).params[`very${'long'.repeat(25)}parameternamewithnovalue`], null);
  assert.equal(m.from.params.tag, `12${'982'.repeat(50)}424`);
  assert.equal(m.callId, `longreq.one${'really'.repeat(20)}longcallid`);
  assert.equal(m.via.length, 34);
  assert.equal(m.via[0].host, 'sip33.example.com');
  assert.equal(m.via[33].branch, `very${'long'.repeat(50)}branchvalue`);
  assert.equal(m.via[33].received, '192.0.2.5');
  assert.equal(getHeader(m, `Unknown-${'Long'.repeat(20)}-Name`), `unknown-${'long'.repeat(20)}-value;unknown-${'long'.repeat(20)}-parameter-name =unknown-${'long'.repeat(20)}-parameter-value`);
  assert.equal(m.body.length, 150);
});

test('RFC 4475 §3.1.1.8 dblreq: octets after Content-Length in a datagram are ignored', () => {
  const m = req('3.1.1.8-dblreq');
  assert.equal(m.method, 'REGISTER');
  assert.equal(m.body.length, 0);
  assert.equal(sip(m.contact[0].uri).user, 'j.user');
});

test('RFC 4475 §3.1.1.9 semiuri: ; in the user part of the Request-URI', () => {
  const m = req('3.1.1.9-semiuri');
  assert.equal(sip(m.uri).user, 'user;par=u%40example.net');
  assert.deepEqual(sip(m.uri).params, {});
  assert.deepEqual(getHeaders(m, 'Accept'), ['application/sdp', 'application/pkcs7-mime', 'multipart/mixed', 'multipart/signed', 'message/sip', 'message/sipfrag']);
});

test('RFC 4475 §3.1.1.10 transports: unknown transports in Via', () => {
  const m = req('3.1.1.10-transports');
  assert.deepEqual(m.via.map((v) => v.transport), ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
  assert.equal(m.callId, 'transports.kijh4akdnaqjkwendsasfdj');
});

test('RFC 4475 §3.1.1.11 mpart01: binary multipart body framed by Content-Length', () => {
  const m = req('3.1.1.11-mpart01');
  assert.equal(m.body.length, 553);
  assert.ok(m.body.includes(0));
  assert.ok(m.body.toString('latin1').endsWith('--7a9cbec02ceef655--\r\n'));
  assert.equal(m.via[0].rport, null);
  assert.equal(m.contentType, 'multipart/mixed;boundary=7a9cbec02ceef655');
});

test('RFC 4475 §3.1.1.12 unreason and §3.1.1.13 noreason: unusual and empty reason phrases', () => {
  assert.equal(res('3.1.1.12-unreason').reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
  const n = res('3.1.1.13-noreason');
  assert.equal(n.status, 100);
  assert.equal(n.reason, '');
});

/**
 * §3.1.2, per message: 'reject' = SipParseError (with `partial` when the transport can still
 * answer 400, as the RFC asks for requests); 'accept' = parsed in the tolerant way the RFC allows.
 */
const INVALID: ReadonlyArray<[string, 'reject' | 'reject-400' | 'accept', string]> = [
  ['3.1.2.1-badinv01', 'reject', 'empty Via/Contact parameters; the Via itself is unparsable, so no 400 can be routed'],
  ['3.1.2.2-clerr', 'reject-400', 'Content-Length larger than the datagram'],
  ['3.1.2.3-ncl', 'reject-400', 'negative Content-Length'],
  ['3.1.2.4-scalar02', 'reject-400', 'CSeq above 2**31-1 and Max-Forwards above 255'],
  ['3.1.2.5-scalarlg', 'reject', 'a response with an overlarge CSeq is dropped'],
  ['3.1.2.6-quotbal', 'reject-400', 'unterminated quoted string in To'],
  ['3.1.2.7-ltgtruri', 'reject-400', 'Request-URI in <>'],
  ['3.1.2.8-lwsruri', 'reject-400', 'LWS inside the Request-URI'],
  ['3.1.2.9-lwsstart', 'reject-400', 'several SP between request line elements'],
  ['3.1.2.10-trws', 'reject-400', 'SP after SIP-Version'],
  ['3.1.2.11-escruri', 'reject-400', 'headers in the Request-URI (RFC 3261 §19.1.1 table); the RFC allows rejecting'],
  ['3.1.2.12-baddate', 'accept', 'Date is not interpreted by the parser; the RFC lets a proxy pass it on'],
  ['3.1.2.13-regbadct', 'reject-400', 'Contact URI with ? outside <> (RFC 3261 §20.10)'],
  ['3.1.2.14-badaspec', 'reject-400', 'spaces inside <> around the To URI'],
  ['3.1.2.15-baddn', 'reject-400', 'unquoted display name with a comma'],
  ['3.1.2.16-badvers', 'reject', 'SIP/7.0: the Via is SIP/7.0 too, so there is nothing to answer on (a 505 would need it)'],
  ['3.1.2.17-mismatch01', 'reject-400', 'CSeq method differs from the request method'],
  ['3.1.2.18-mismatch02', 'reject-400', 'CSeq method differs from the (unknown) request method'],
  ['3.1.2.19-bigcode', 'reject', 'status code of more than three digits'],
];

test('RFC 4475 §3.1.2: invalid messages are rejected (or accepted where the RFC allows)', () => {
  assert.equal(INVALID.length, 19);
  for (const [name, expect, why] of INVALID) {
    const buf = raw(name);
    if (expect === 'accept') {
      roundTrip(parseMessage(buf));
      continue;
    }
    assert.throws(
      () => parseMessage(buf),
      (e: unknown) => {
        assert.ok(e instanceof SipParseError, `${name}: ${String(e)}`);
        assert.equal(e.partial !== undefined, expect === 'reject-400', `${name} (${why}): partial ${e.reason}`);
        if (e.partial) assert.ok(e.partial.headers.some((h) => h.name === 'Call-ID'), name);
        return true;
      },
      `${name}: ${why}`,
    );
  }
});

test('RFC 4475 §3.1.2.12 baddate: the Date value is kept verbatim', () => {
  assert.equal(getHeader(req('3.1.2.12-baddate'), 'Date'), 'Fri, 01 Jan 2010 16:00:00 EST');
});
