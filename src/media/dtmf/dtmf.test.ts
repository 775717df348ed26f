import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dtmfSignal, frames, noise, speechLike, concat, tones, silence } from '../../testkit/audio.js';
import { InbandDtmfDetector, parseDtmfInfo, Rfc4733Receiver, Rfc4733Sender, writeRfc4733Payload, type Rfc4733Step } from './index.js';

interface Sent { tick: number; ts: number; marker: boolean; end: boolean; event: number; duration: number }

function runSender(digits: string, startTs = 1000, ticks = 200): { events: Sent[]; audioTicks: number[] } {
  const s = new Rfc4733Sender(digits);
  const events: Sent[] = [];
  const audioTicks: number[] = [];
  for (let t = 0, ts = startTs; t < ticks; t++, ts = (ts + 160) >>> 0) {
    const st: Rfc4733Step = s.step(ts);
    if (st.kind === 'event') events.push({ tick: t, ts: st.timestamp, marker: st.marker, end: st.end, event: st.event, duration: st.duration });
    else audioTicks.push(t);
  }
  return { events, audioTicks };
}

test('RFC 4733 §2.5.1.2: one timestamp per event, marker on the first packet, duration grows by 160', () => {
  const { events } = runSender('5');
  assert.equal(events.length, 7);
  assert.ok(events.every((e) => e.ts === 1000 && e.event === 5));
  assert.deepEqual(events.map((e) => e.marker), [true, false, false, false, false, false, false]);
  assert.deepEqual(events.map((e) => e.duration), [160, 320, 480, 640, 800, 800, 800]);
});

test('RFC 4733 §2.5.1.4: the end packet is sent three times with the same duration and timestamp', () => {
  const { events } = runSender('9');
  const ends = events.filter((e) => e.end);
  assert.equal(ends.length, 3);
  assert.ok(ends.every((e) => e.duration === 800 && e.ts === 1000));
  assert.deepEqual(ends.map((e) => e.tick), [4, 5, 6]);
});

test('digits are separated by a gap of audio ticks and each gets a new timestamp', () => {
  const { events, audioTicks } = runSender('12', 0xffffff00);
  const starts = events.filter((e) => e.marker);
  assert.equal(starts.length, 2);
  assert.equal(starts[1].tick - starts[0].tick, 12); // 7 event packets + 5 gap ticks (100 ms)
  assert.notEqual(starts[0].ts, starts[1].ts);
  assert.equal(starts[1].ts, (0xffffff00 + 12 * 160) >>> 0); // timestamp wraps
  assert.ok(audioTicks.includes(7) && audioTicks.includes(11));
});

test('RFC 4733 §2.3: payload layout', () => {
  const b = new Uint8Array(4);
  writeRfc4733Payload(b, 0, 11, true, 10, 800);
  assert.deepEqual([...b], [11, 0x8a, 0x03, 0x20]);
});

test('RFC 4733 §2.5.2: receiver reports one digit per event despite updates, 3 end packets and late packets', () => {
  const { events } = runSender('0123456789*#', 5000, 400);
  const rx = new Rfc4733Receiver();
  const got: string[] = [];
  const buf = new Uint8Array(4);
  let seq = 65530;
  const packets = events.map((e) => ({ ...e, seq: seq++ & 0xffff }));
  // Duplicate every packet (network redundancy) and deliver one old packet late.
  const stream = packets.flatMap((p) => [p, p]);
  stream.splice(40, 0, packets[2]);
  for (const p of stream) {
    writeRfc4733Payload(buf, 0, p.event, p.end, 10, p.duration);
    const d = rx.receive(p.seq, p.ts, buf, 0, 4, p.tick * 20);
    if (d) got.push(d.digit);
  }
  assert.equal(got.join(''), '0123456789*#');
});

test('receiver: an event whose start packets were lost is still reported once from its end packets', () => {
  const rx = new Rfc4733Receiver();
  const b = new Uint8Array(4);
  writeRfc4733Payload(b, 0, 4, true, 10, 800);
  assert.equal(rx.receive(10, 3200, b, 0, 4, 0)?.digit, '4');
  assert.equal(rx.receive(11, 3200, b, 0, 4, 0), null);
  assert.equal(rx.receive(12, 3200, b, 0, 4, 0), null);
});

test('receiver: a restarted sender (RFC 3550 §A.1: sequence far behind, earlier timestamp) is heard; reset() forgets the last event', () => {
  const rx = new Rfc4733Receiver();
  const b = new Uint8Array(4);
  writeRfc4733Payload(b, 0, 1, false, 10, 160);
  assert.equal(rx.receive(10_000, 900_000, b, 0, 4, 0)?.digit, '1');
  writeRfc4733Payload(b, 0, 2, false, 10, 160);
  assert.equal(rx.receive(9_990, 800_000, b, 0, 4, 0), null, 'a late packet of an earlier event');
  assert.equal(rx.receive(60_000, 5_000, b, 0, 4, 0)?.digit, '2');
  rx.reset();
  writeRfc4733Payload(b, 0, 3, false, 10, 160);
  assert.equal(rx.receive(59_999, 5_000 - 160, b, 0, 4, 0)?.digit, '3');
});

test('in-band Goertzel detector finds each digit of a generated WAV exactly once', () => {
  const det = new InbandDtmfDetector();
  const sig = concat(silence(100), dtmfSignal('0123456789*#ABCD', 80, 60), silence(100));
  const got = frames(sig).map((f, i) => det.push(f, i * 20)).filter((d) => d !== null).map((d) => d?.digit);
  assert.equal(got.join(''), '0123456789*#ABCD');
});

test('in-band detector survives moderate noise and 4 dB twist', () => {
  const det = new InbandDtmfDetector();
  const tone = Int16Array.from(tones([770], 120, 5000), (v, i) => v + tones([1477], 120, 3200)[i]);
  const n = noise(120, 400);
  const sig = concat(silence(40), Int16Array.from(tone, (v, i) => v + n[i]), silence(60));
  const got = frames(sig).map((f, i) => det.push(f, i * 20)).filter((d) => d !== null);
  assert.deepEqual(got.map((d) => d?.digit), ['6']);
});

test('in-band detector rejects speech-like audio, single tones and noise', () => {
  const det = new InbandDtmfDetector();
  const sig = concat(speechLike(4000), tones([1000], 500), noise(500, 3000), tones([440, 480], 1000, 4000));
  const got = frames(sig).map((f, i) => det.push(f, i * 20)).filter((d) => d !== null);
  assert.deepEqual(got, []);
});

test('SIP INFO: application/dtmf-relay and application/dtmf bodies', () => {
  assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), { digit: '5', durationMs: 160 });
  assert.deepEqual(parseDtmfInfo('Application/DTMF-Relay; charset=x', 'Signal= #\nDuration= 250'), { digit: '#', durationMs: 250 });
  assert.deepEqual(parseDtmfInfo('application/dtmf-relay', 'Signal=11\r\n'), { digit: '#', durationMs: null });
  assert.deepEqual(parseDtmfInfo('application/dtmf', '7\r\n'), { digit: '7', durationMs: null });
  assert.equal(parseDtmfInfo('application/dtmf', 'x'), null);
  assert.equal(parseDtmfInfo('text/plain', 'Signal=5'), null);
});
