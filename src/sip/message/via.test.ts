import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCSeq, parseMaxForwards } from './cseq.js';
import { SipParseError } from './errors.js';
import { formatVia, parseVia } from './via.js';

test('RFC 3261 §20.42: Via with port, branch, received and maddr', () => {
  const [v] = parseVia('SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7;received=192.0.2.207;maddr=224.2.0.1;ttl=16');
  assert.equal(v.transport, 'UDP');
  assert.equal(v.host, 'erlang.bell-telephone.com');
  assert.equal(v.port, 5060);
  assert.equal(v.branch, 'z9hG4bK87asdks7');
  assert.equal(v.received, '192.0.2.207');
  assert.equal(v.params.maddr, '224.2.0.1');
  assert.equal(formatVia(v), 'SIP/2.0/UDP erlang.bell-telephone.com:5060;branch=z9hG4bK87asdks7;received=192.0.2.207;maddr=224.2.0.1;ttl=16');
});

test('RFC 3581 §3–4: rport flag in requests, value in responses', () => {
  const [req] = parseVia('SIP/2.0/UDP 10.0.0.1:5060;rport;branch=z9hG4bKx');
  assert.equal(req.rport, null);
  const stamped = { ...req, rport: 61000, received: '198.51.100.1' };
  assert.equal(formatVia(stamped), 'SIP/2.0/UDP 10.0.0.1:5060;rport=61000;branch=z9hG4bKx;received=198.51.100.1');
  assert.equal(parseVia(formatVia(stamped))[0].rport, 61000);
  assert.throws(() => parseVia('SIP/2.0/UDP h;rport=0'), SipParseError);
  assert.throws(() => parseVia('SIP/2.0/UDP h;rport=70000'), SipParseError);
  assert.throws(() => parseVia('SIP/2.0/UDP h;rport=x'), SipParseError);
});

test('RFC 3261 §25.1: Via with IPv6 sent-by, SWS around / and :, several values', () => {
  const vs = parseVia('SIP / 2.0 / tcp [2001:DB8::9:1] : 5070 ; branch = z9hG4bK1 ; received=2001:db8::9:255, SIP/2.0/TLS a.example.com');
  assert.equal(vs.length, 2);
  assert.equal(vs[0].transport, 'TCP');
  assert.equal(vs[0].host, '[2001:db8::9:1]');
  assert.equal(vs[0].port, 5070);
  assert.equal(vs[0].received, '2001:db8::9:255');
  assert.equal(vs[1].port, undefined);
  assert.equal(formatVia(vs[0]), 'SIP/2.0/TCP [2001:db8::9:1]:5070;branch=z9hG4bK1;received=2001:db8::9:255');
});

test('malformed Via values are SipParseError', () => {
  for (const bad of ['', 'SIP/2.0/UDP', 'SIP/2.0 UDP host', 'SIP/3.0/UDP host', 'HTTP/2.0/UDP host', 'SIP/2.0/UDP host:0', 'SIP/2.0/UDP host:99999', 'SIP/2.0/UDP host;branch', 'SIP/2.0/UDP host;;', 'SIP/2.0/UDP host,', 'SIP/2.0/UDP [::1', 'SIP/2.0/UDP ho$t', 'SIP/2.0/UDP host extra']) {
    assert.throws(() => parseVia(bad), SipParseError, bad);
  }
});

test('RFC 3261 §20.16 CSeq and §20.22 Max-Forwards bounds', () => {
  assert.deepEqual(parseCSeq('  0009   INVITE '), { seq: 9, method: 'INVITE' });
  assert.deepEqual(parseCSeq('2147483647 ACK'), { seq: 2147483647, method: 'ACK' });
  for (const bad of ['2147483648 INVITE', 'INVITE', '1', '1 ', '-1 INVITE', '1 IN VITE', '1x INVITE']) assert.throws(() => parseCSeq(bad), SipParseError, bad);
  assert.equal(parseMaxForwards('0068'), 68);
  assert.equal(parseMaxForwards('255'), 255);
  for (const bad of ['256', '', '7a', '-1']) assert.throws(() => parseMaxForwards(bad), SipParseError, bad);
});
