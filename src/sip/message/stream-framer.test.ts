import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipParseError } from './errors.js';
import { SipStreamFramer, type FramerEvent } from './stream-framer.js';

const MSG = 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: 5\r\n\r\nhello';

function kinds(events: FramerEvent[]): string[] {
  return events.map((e) => (e.kind === 'message' ? `message:${e.data.toString()}` : e.kind));
}

test('RFC 3261 §18.3: messages are framed by Content-Length across chunk boundaries', () => {
  const f = new SipStreamFramer();
  const wire = Buffer.from(MSG + MSG);
  const out: FramerEvent[] = [];
  for (let i = 0; i < wire.length; i += 7) out.push(...f.push(wire.subarray(i, i + 7)));
  assert.deepEqual(kinds(out), [`message:${MSG}`, `message:${MSG}`]);
  assert.equal(f.buffered, 0);
});

test('RFC 5626 §3.5.1: double CRLF is a ping, single CRLF a pong; CRLFs before a message are tolerated', () => {
  const f = new SipStreamFramer();
  assert.deepEqual(kinds(f.push(Buffer.from('\r\n\r\n'))), ['ping']);
  assert.deepEqual(kinds(f.push(Buffer.from('\r\n'))), ['pong']);
  assert.deepEqual(kinds(f.push(Buffer.from('\r\n\r\n\r\n' + MSG))), ['ping', 'pong', `message:${MSG}`]);
  assert.deepEqual(kinds(f.push(Buffer.from('\r\n\r'))), []);
  assert.deepEqual(kinds(f.push(Buffer.from('\n'))), ['ping']);
});

test('RFC 3261 §18.3: a stream message without Content-Length is an error', () => {
  const f = new SipStreamFramer();
  assert.throws(() => f.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n')), SipParseError);
});

test('invalid or oversized Content-Length and oversized header sections are errors', () => {
  assert.throws(() => new SipStreamFramer().push(Buffer.from('A b SIP/2.0\r\nContent-Length: -1\r\n\r\n')), SipParseError);
  assert.throws(() => new SipStreamFramer().push(Buffer.from('A b SIP/2.0\r\nContent-Length: 70000\r\n\r\n')), SipParseError);
  assert.throws(() => new SipStreamFramer().push(Buffer.from('A b SIP/2.0\r\nl: 1\r\nl: 2\r\n\r\n')), SipParseError);
  const f = new SipStreamFramer();
  assert.deepEqual(f.push(Buffer.from('A b SIP/2.0\r\nX: ' + 'a'.repeat(60000))), []);
  assert.throws(() => f.push(Buffer.alloc(6000, 'a')), SipParseError);
});

test('folded Content-Length is understood', () => {
  const f = new SipStreamFramer();
  assert.deepEqual(kinds(f.push(Buffer.from('A b SIP/2.0\r\nContent-Length:\r\n 2\r\n\r\nokX'))), ['message:A b SIP/2.0\r\nContent-Length:\r\n 2\r\n\r\nok']);
  assert.equal(f.buffered, 1);
});
