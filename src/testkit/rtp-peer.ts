/**
 * A raw dgram RTP peer for end-to-end media tests: captures every packet with its arrival time,
 * and sends PCM as G.711 paced at 20 ms. Tests only.
 */
import { createSocket, type Socket } from 'node:dgram';
import { encodeG711, encodeTable, decodeG711, decodeTable, type G711Law } from '../media/codec/g711.js';
import { parseRtpHeader, RtpHeader, writeRtpHeader } from '../media/rtp/rtp-header.js';

export interface CapturedPacket {
  readonly at: number;
  readonly payloadType: number;
  readonly marker: boolean;
  readonly seq: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payload: Buffer;
}

export class RtpPeer {
  readonly packets: CapturedPacket[] = [];
  private constructor(readonly socket: Socket, readonly port: number) {
    const h = new RtpHeader();
    socket.on('message', (m: Buffer) => {
      if (!parseRtpHeader(m, m.length, h)) return;
      this.packets.push({ at: performance.now(), payloadType: h.payloadType, marker: h.marker, seq: h.sequenceNumber, timestamp: h.timestamp, ssrc: h.ssrc, payload: Buffer.from(m.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength)) });
    });
  }

  static async open(): Promise<RtpPeer> {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    return new RtpPeer(s, s.address().port);
  }

  /** Audio packets of one payload type decoded and concatenated in sequence order. */
  decode(payloadType: number, law: G711Law, from = 0): Int16Array {
    const ps = this.packets.slice(from).filter((p) => p.payloadType === payloadType);
    const out = new Int16Array(ps.reduce((a, p) => a + p.payload.length, 0));
    let o = 0;
    const tmp = new Int16Array(480);
    for (const p of ps) {
      decodeG711(decodeTable(law), p.payload, 0, p.payload.length, tmp);
      out.set(tmp.subarray(0, p.payload.length), o);
      o += p.payload.length;
    }
    return out;
  }

  /** Sends `pcm` to address:port as 20 ms G.711 packets on a drift-corrected 20 ms pace. */
  async sendPcm(pcm: Int16Array, port: number, opts: { law?: G711Law; payloadType?: number; address?: string; ssrc?: number } = {}): Promise<void> {
    const law = opts.law ?? 'PCMU';
    const pt = opts.payloadType ?? (law === 'PCMU' ? 0 : 8);
    const start = performance.now();
    for (let i = 0, seq = 1000; i * 160 < pcm.length; i++, seq++) {
      const buf = Buffer.alloc(172);
      writeRtpHeader(buf, 0, i === 0, pt, seq, 5000 + i * 160, opts.ssrc ?? 0x1234);
      const frame = new Int16Array(160);
      frame.set(pcm.subarray(i * 160, Math.min(pcm.length, (i + 1) * 160)));
      encodeG711(encodeTable(law), frame, 160, buf, 12);
      this.socket.send(buf, port, opts.address ?? '127.0.0.1');
      const wait = start + (i + 1) * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  close(): void {
    this.socket.close();
  }
}
