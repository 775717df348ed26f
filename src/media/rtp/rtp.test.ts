import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseRtcp, parseRtpHeader, RtpHeader, RtpReceiveStats, RtpSequencer, seqAfter, seqDelta, writeReceiverReport, writeRtpHeader,
  writeSdesCname, writeSenderReport, looksLikeRtcp, timestampDelta,
} from './index.js';

test('RFC 3550 §5.1: header written into a caller buffer parses back into a reused object', () => {
  const buf = Buffer.alloc(172);
  assert.equal(writeRtpHeader(buf, 0, true, 101, 0xfffe, 0xfffffff0, 0xdeadbeef), 12);
  const h = new RtpHeader();
  assert.ok(parseRtpHeader(buf, 172, h));
  assert.deepEqual([h.marker, h.payloadType, h.sequenceNumber, h.timestamp, h.ssrc, h.payloadOffset, h.payloadLength], [true, 101, 0xfffe, 0xfffffff0, 0xdeadbeef, 12, 160]);
  assert.equal(looksLikeRtcp(buf, 172), false);
});

test('RFC 3550 §5.1/§5.3.1: CSRCs, header extension and padding are skipped', () => {
  const buf = Buffer.alloc(12 + 8 + 8 + 10 + 4);
  writeRtpHeader(buf, 0, false, 0, 1, 2, 3);
  buf[0] |= 0x20 | 0x10 | 2; // P, X, CC=2
  buf.writeUInt16BE(0xbede, 20);
  buf.writeUInt16BE(1, 22); // one extension word
  buf[buf.length - 1] = 4;
  const h = new RtpHeader();
  assert.ok(parseRtpHeader(buf, buf.length, h));
  assert.equal(h.payloadOffset, 12 + 8 + 8);
  assert.equal(h.payloadLength, 10);
  assert.equal(parseRtpHeader(buf, 11, h), false);
  buf[0] = 0x40;
  assert.equal(parseRtpHeader(buf, buf.length, h), false);
});

test('RFC 3550 §5.1: sequence wraps at 2^16 and timestamp at 2^32', () => {
  const s = new RtpSequencer(0xffff, 0xffffff60);
  assert.equal(s.nextSequence(), 0xffff);
  assert.equal(s.nextSequence(), 0);
  s.advanceTimestamp(160);
  assert.equal(s.timestamp, 0);
  s.advanceTimestamp(160);
  assert.equal(s.timestamp, 160);
  assert.ok(seqAfter(0, 0xffff));
  assert.ok(!seqAfter(0xffff, 0));
  assert.equal(seqDelta(2, 0xfffe), 4);
  assert.equal(timestampDelta(100, 0xffffff00), 356);
});

test('RFC 3550 §A.1: extended sequence counts cycles across the wrap; probation of two packets', () => {
  const st = new RtpReceiveStats();
  assert.equal(st.update(0xfffd), false); // probation
  for (const seq of [0xfffe, 0xffff, 0, 1, 2]) assert.equal(st.update(seq), true);
  assert.equal(st.cycles, 65536);
  assert.equal(st.extendedMax, 65536 + 2);
  assert.equal(st.expected, 5);
  assert.equal(st.cumulativeLost, 0);
});

test('RFC 3550 §A.3: loss fraction and cumulative loss per interval', () => {
  const st = new RtpReceiveStats();
  for (let s = 100; s < 110; s++) st.update(s);
  st.reportBlock();
  for (let s = 110; s < 120; s++) if (s % 2 === 0) st.update(s);
  const rb = st.reportBlock();
  assert.equal(rb.cumulativeLost, 4); // 111, 113, 115, 117 (119 not yet expected)
  assert.equal(rb.fractionLost, Math.floor((4 * 256) / 9));
});

test('RFC 3550 §A.1: a big jump is ignored once, accepted as a restart when repeated in order', () => {
  const st = new RtpReceiveStats();
  for (let s = 10; s < 15; s++) st.update(s);
  assert.equal(st.update(40000), false);
  assert.equal(st.update(40001), true);
  assert.equal(st.update(40002), true);
  assert.equal(st.extendedMax, 40002);
});

test('RFC 3550 §A.8: interarrival jitter converges to the transit variation', () => {
  const st = new RtpReceiveStats();
  for (let i = 0; i < 400; i++) st.updateJitter(i * 160 + (i % 2 === 0 ? 0 : 16), i * 160);
  assert.ok(Math.abs(st.jitter - 16) < 0.5, String(st.jitter));
  const steady = new RtpReceiveStats();
  for (let i = 0; i < 100; i++) steady.updateJitter(5000 + i * 160, i * 160);
  assert.equal(steady.jitter, 0);
});

test('RFC 3550 §6.4: SR + SDES compound round-trips; RR with a block', () => {
  const buf = Buffer.alloc(200);
  const block = { ssrc: 7, fractionLost: 12, cumulativeLost: -3, extendedHighestSequence: 70000, jitter: 42, lastSr: 0x12345678, delaySinceLastSr: 65536 };
  let n = writeSenderReport(buf, 0, 99, { ntpSeconds: 3900000000, ntpFraction: 1 << 31, rtpTimestamp: 160, packetCount: 5, octetCount: 800 }, [block]);
  n += writeSdesCname(buf, n, 99, 'vgw@host');
  const p = parseRtcp(buf.subarray(0, n));
  assert.equal(p.length, 2);
  assert.deepEqual(p[0], { type: 'sr', ssrc: 99, sender: { ntpSeconds: 3900000000, ntpFraction: 2 ** 31, rtpTimestamp: 160, packetCount: 5, octetCount: 800 }, reports: [block] });
  assert.deepEqual(p[1], { type: 'sdes', ssrc: 99, cname: 'vgw@host' });
  const m = writeReceiverReport(buf, 0, 5, [block]);
  assert.deepEqual(parseRtcp(buf.subarray(0, m)), [{ type: 'rr', ssrc: 5, reports: [block] }]);
  assert.ok(looksLikeRtcp(buf, m));
});
