#!/usr/bin/env node
// Receiver side of `npm run bench:media` (a separate process): one UDP socket takes every RTP
// stream the gateway sends, measures inter-arrival jitter (|Δt − 20 ms|) and loss per SSRC, and
// sends one G.711 stream back to each source so the gateway also receives. Prints its port on
// stdout, then on "stop\n" from stdin prints a JSON summary and exits.
import { createSocket } from 'node:dgram';

const BUCKET_US = 50; // histogram resolution
const BUCKETS = 4000; // up to 200 ms
const hist = new Uint32Array(BUCKETS + 1);
const streams = new Map(); // ssrc -> { last, firstSeq, maxExt, cycles, maxSeq, received, addr, port, out, seq }
let measuring = false;
let packets = 0;

const sock = createSocket('udp4');
sock.on('message', (m, rinfo) => {
  if (m.length < 12) return;
  const now = performance.now();
  const seq = (m[2] << 8) | m[3];
  const ssrc = m.readUInt32BE(8);
  let s = streams.get(ssrc);
  if (!s) {
    const out = Buffer.alloc(172, 0xff);
    out[0] = 0x80;
    out[1] = 0; // PCMU
    out.writeUInt32BE((ssrc ^ 0x5a5a5a5a) >>> 0, 8);
    s = { last: now, maxSeq: seq, cycles: 0, firstSeq: seq, received: 0, mFirst: -1, mReceived: 0, addr: rinfo.address, port: rinfo.port, out, seq: 0 };
    streams.set(ssrc, s);
  } else {
    if (measuring) {
      const d = Math.abs(now - s.last - 20);
      hist[Math.min(BUCKETS, Math.floor((d * 1000) / BUCKET_US))]++;
    }
    s.last = now;
    const delta = (seq - s.maxSeq) & 0xffff;
    if (delta < 0x8000) {
      if (seq < s.maxSeq) s.cycles += 65536;
      s.maxSeq = seq;
    }
  }
  s.received++;
  if (measuring) {
    if (s.mFirst < 0) s.mFirst = s.cycles + seq;
    s.mReceived++;
    packets++;
  }
});

// Send back one packet per known source every 20 ms, scheduled against an absolute start.
const start = performance.now();
let tick = 0;
function sendBack() {
  tick++;
  for (const s of streams.values()) {
    s.seq = (s.seq + 1) & 0xffff;
    s.out[2] = s.seq >> 8;
    s.out[3] = s.seq & 0xff;
    s.out.writeUInt32BE((s.seq * 160) >>> 0, 4);
    sock.send(s.out, s.port, s.addr);
  }
  setTimeout(sendBack, Math.max(0, start + tick * 20 - performance.now()));
}

function percentile(p) {
  const total = hist.reduce((a, b) => a + b, 0);
  let acc = 0;
  for (let i = 0; i <= BUCKETS; i++) {
    acc += hist[i];
    if (acc >= total * p) return (i * BUCKET_US) / 1000;
  }
  return NaN;
}

sock.bind(0, '127.0.0.1', () => {
  try { sock.setRecvBufferSize(16 * 1024 * 1024); sock.setSendBufferSize(16 * 1024 * 1024); } catch { /* capped by the kernel */ }
  process.stdout.write(`${sock.address().port}\n`);
  sendBack();
});

let input = '';
process.stdin.on('data', (d) => {
  input += d;
  if (input.includes('measure')) { measuring = true; input = input.replace('measure', ''); }
  if (!input.includes('stop')) return;
  let expected = 0;
  let received = 0;
  for (const s of streams.values()) {
    if (s.mFirst < 0) continue;
    expected += s.cycles + s.maxSeq - s.mFirst + 1;
    received += s.mReceived;
  }
  const lost = Math.max(0, expected - received);
  process.stdout.write(`${JSON.stringify({ streams: streams.size, packets, lost, lossPct: expected ? (100 * lost) / expected : 0, jitterP50: percentile(0.5), jitterP99: percentile(0.99) })}\n`);
  process.exit(0);
});
