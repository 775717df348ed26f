// Issue 15, bench:stream: caller frame → on the socket, timed on the wire. One dumpcap on `lo`
// takes the callers' RTP to the gateway (udp src port = the far end's) and the gateway's
// WebSocket writes to the far end (tcp dst port = its server). Each caller packet starts with 7
// μ-law codes (a counter and its send time, see bench-stream-far.mjs); the gateway's L16 frame of
// it starts with the same 7 values. Latency = kernel timestamp of the TCP segment that completes
// the WebSocket frame − kernel timestamp of the RTP packet: the gateway's own share, without the
// far end's scheduling on either side.
import { readFileSync } from 'node:fs';
import { captureLo } from './bench-lib.mjs';

/** Starts dumpcap for both directions (full packets); null when it may not capture on lo. */
export function startWireCapture(udpPort, wsPort, file) {
  return captureLo(`(udp src port ${udpPort}) or (tcp dst port ${wsPort})`, file, { snaplen: 0, bufferMb: 128 });
}

/** The packets of a classic pcap: [ms, protocol, src port, dst port, tcp seq, payload]. */
function* packets(file) {
  const b = readFileSync(file);
  const nano = b.readUInt32LE(0) === 0xa1b23c4d;
  const l2 = { 1: 14, 113: 16, 276: 20 }[b.readUInt32LE(20)];
  if (l2 === undefined) throw new Error('unexpected pcap link type');
  for (let off = 24; off + 16 <= b.length;) {
    const t = b.readUInt32LE(off) * 1000 + b.readUInt32LE(off + 4) / (nano ? 1e6 : 1e3);
    const incl = b.readUInt32LE(off + 8);
    const ip = off + 16 + l2;
    off += 16 + incl;
    const end = Math.min(off, ip + b.readUInt16BE(ip + 2));
    const l4 = ip + (b[ip] & 15) * 4;
    const proto = b[ip + 9];
    if (proto === 17) yield [t, 17, b.readUInt16BE(l4), b.readUInt16BE(l4 + 2), 0, b.subarray(l4 + 8, end)];
    else if (proto === 6) yield [t, 6, b.readUInt16BE(l4), b.readUInt16BE(l4 + 2), b.readUInt32BE(l4 + 4), b.subarray(l4 + (b[l4 + 12] >> 4) * 4, end)];
  }
}

/**
 * Latencies (ms) of every caller frame seen both ways. `codeOf` maps an L16 value back to its
 * μ-law code (0..126). A connection whose capture starts mid-frame, or that lost a segment, is
 * left out from there on.
 */
export function wireLatencies(file, codeOf) {
  const sentAt = new Map(); // the 7 codes → ms on the wire
  const conns = new Map(); // src port → { next, buf, ok }
  const out = [];
  for (const [t, proto, src, , seq, payload] of packets(file)) {
    if (proto === 17) {
      if (payload.length >= 19) sentAt.set(payload.subarray(12, 19).join(','), t);
      continue;
    }
    if (payload.length === 0) continue;
    let c = conns.get(src);
    if (!c) conns.set(src, (c = { next: seq, buf: Buffer.alloc(0), ok: true }));
    if (!c.ok) continue;
    const d = (seq - c.next) | 0;
    if (d > 0) { c.ok = false; continue; } // a gap: framing is lost
    const fresh = d < 0 ? payload.subarray(-d) : payload; // a retransmission overlaps
    if (fresh.length === 0) continue;
    c.next = (c.next + fresh.length) >>> 0;
    c.buf = c.buf.length ? Buffer.concat([c.buf, fresh]) : Buffer.from(fresh);
    c.ok = frames(c, t, sentAt, codeOf, out);
  }
  return out;
}

/** Takes the complete WebSocket frames off `c.buf` (RFC 6455 §5.2, client frames are masked). */
function frames(c, t, sentAt, codeOf, out) {
  let b = c.buf;
  for (;;) {
    if (b.length < 2) break;
    const op = b[0] & 15;
    if ((b[0] & 0x70) !== 0 || ![0, 1, 2, 8, 9, 10].includes(op) || (b[1] & 0x80) === 0) return false;
    let len = b[1] & 127;
    let h = 2;
    if (len === 126) {
      if (b.length < 4) break;
      len = b.readUInt16BE(2);
      h = 4;
    } else if (len === 127) {
      if (b.length < 10) break;
      len = Number(b.readBigUInt64BE(2));
      h = 10;
    }
    if (b.length < h + 4 + len) break;
    const mask = b.subarray(h, h + 4);
    const p = b.subarray(h + 4, h + 4 + len);
    if (op === 2 && len >= 14) {
      const codes = [];
      for (let k = 0; k < 7; k++) {
        const lo = p[2 * k] ^ mask[(2 * k) % 4];
        const hi = p[2 * k + 1] ^ mask[(2 * k + 1) % 4];
        codes.push(codeOf.get((hi << 24 >> 16) | lo));
      }
      const at = codes.includes(undefined) ? undefined : sentAt.get(codes.join(','));
      if (at !== undefined) out.push(t - at);
    }
    b = b.subarray(h + 4 + len);
  }
  c.buf = Buffer.from(b);
  return true;
}
