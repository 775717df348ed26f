/**
 * RTCP sender and receiver reports (RFC 3550 §6.4), SDES CNAME (§6.5) and BYE (§6.6).
 * Reports go out every few seconds, so building them may allocate; parsing returns plain data.
 */
import type { ReportBlockValues } from './receive-stats.js';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;

export interface ReportBlock extends ReportBlockValues {
  readonly ssrc: number;
  /** Middle 32 bits of the NTP time of the last SR received from that source (§6.4.1 LSR). */
  readonly lastSr: number;
  /** Delay since that SR, in 1/65536 s (§6.4.1 DLSR). */
  readonly delaySinceLastSr: number;
}

export interface SenderInfo {
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
}

export type RtcpPacket =
  | { readonly type: 'sr'; readonly ssrc: number; readonly sender: SenderInfo; readonly reports: readonly ReportBlock[] }
  | { readonly type: 'rr'; readonly ssrc: number; readonly reports: readonly ReportBlock[] }
  | { readonly type: 'sdes'; readonly ssrc: number; readonly cname: string }
  | { readonly type: 'bye'; readonly ssrcs: readonly number[] }
  | { readonly type: 'other'; readonly packetType: number };

/** Seconds from 1900 (NTP era 0) to 1970 (Unix epoch). */
const NTP_UNIX_OFFSET = 2208988800;

/** Wall-clock milliseconds → 64-bit NTP timestamp halves (§4). */
export function ntpFromUnixMs(ms: number): { seconds: number; fraction: number } {
  const seconds = Math.floor(ms / 1000) + NTP_UNIX_OFFSET;
  const fraction = Math.floor(((ms % 1000) / 1000) * 0x100000000);
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

function header(buf: Buffer, offset: number, count: number, pt: number, words: number): void {
  buf[offset] = 0x80 | (count & 0x1f);
  buf[offset + 1] = pt;
  // §6.4.1: length in 32-bit words minus one, header included.
  buf.writeUInt16BE(words - 1, offset + 2);
}

function writeBlock(buf: Buffer, o: number, b: ReportBlock): void {
  buf.writeUInt32BE(b.ssrc >>> 0, o);
  buf[o + 4] = b.fractionLost & 0xff;
  buf.writeIntBE(b.cumulativeLost, o + 5, 3);
  buf.writeUInt32BE(b.extendedHighestSequence >>> 0, o + 8);
  buf.writeUInt32BE(b.jitter >>> 0, o + 12);
  buf.writeUInt32BE(b.lastSr >>> 0, o + 16);
  buf.writeUInt32BE(b.delaySinceLastSr >>> 0, o + 20);
}

function readBlock(buf: Buffer, o: number): ReportBlock {
  return {
    ssrc: buf.readUInt32BE(o), fractionLost: buf[o + 4], cumulativeLost: buf.readIntBE(o + 5, 3),
    extendedHighestSequence: buf.readUInt32BE(o + 8), jitter: buf.readUInt32BE(o + 12),
    lastSr: buf.readUInt32BE(o + 16), delaySinceLastSr: buf.readUInt32BE(o + 20),
  };
}

/** §6.4.1 SR: returns the bytes written. */
export function writeSenderReport(buf: Buffer, offset: number, ssrc: number, s: SenderInfo, reports: readonly ReportBlock[]): number {
  const words = 7 + 6 * reports.length;
  header(buf, offset, reports.length, RTCP_SR, words);
  buf.writeUInt32BE(ssrc >>> 0, offset + 4);
  buf.writeUInt32BE(s.ntpSeconds >>> 0, offset + 8);
  buf.writeUInt32BE(s.ntpFraction >>> 0, offset + 12);
  buf.writeUInt32BE(s.rtpTimestamp >>> 0, offset + 16);
  buf.writeUInt32BE(s.packetCount >>> 0, offset + 20);
  buf.writeUInt32BE(s.octetCount >>> 0, offset + 24);
  reports.forEach((b, i) => writeBlock(buf, offset + 28 + 24 * i, b));
  return words * 4;
}

/** §6.4.2 RR. */
export function writeReceiverReport(buf: Buffer, offset: number, ssrc: number, reports: readonly ReportBlock[]): number {
  const words = 2 + 6 * reports.length;
  header(buf, offset, reports.length, RTCP_RR, words);
  buf.writeUInt32BE(ssrc >>> 0, offset + 4);
  reports.forEach((b, i) => writeBlock(buf, offset + 8 + 24 * i, b));
  return words * 4;
}

/** §6.5.1 SDES with one chunk holding CNAME; §6.1 requires it in every compound packet. */
export function writeSdesCname(buf: Buffer, offset: number, ssrc: number, cname: string): number {
  const text = Buffer.from(cname, 'utf8').subarray(0, 255);
  const chunk = 4 + 2 + text.length + 1;
  const words = 1 + Math.ceil(chunk / 4);
  buf.fill(0, offset, offset + words * 4);
  header(buf, offset, 1, RTCP_SDES, words);
  buf.writeUInt32BE(ssrc >>> 0, offset + 4);
  buf[offset + 8] = 1;
  buf[offset + 9] = text.length;
  text.copy(buf, offset + 10);
  return words * 4;
}

/** §6.6 BYE for one source. */
export function writeBye(buf: Buffer, offset: number, ssrc: number): number {
  header(buf, offset, 1, RTCP_BYE, 2);
  buf.writeUInt32BE(ssrc >>> 0, offset + 4);
  return 8;
}

function parseOne(buf: Buffer, o: number, count: number, pt: number, end: number): RtcpPacket {
  if (pt === RTCP_SR && end - o >= 28 + 24 * count) {
    const sender = { ntpSeconds: buf.readUInt32BE(o + 8), ntpFraction: buf.readUInt32BE(o + 12), rtpTimestamp: buf.readUInt32BE(o + 16), packetCount: buf.readUInt32BE(o + 20), octetCount: buf.readUInt32BE(o + 24) };
    return { type: 'sr', ssrc: buf.readUInt32BE(o + 4), sender, reports: Array.from({ length: count }, (_, i) => readBlock(buf, o + 28 + 24 * i)) };
  }
  if (pt === RTCP_RR && end - o >= 8 + 24 * count) {
    return { type: 'rr', ssrc: buf.readUInt32BE(o + 4), reports: Array.from({ length: count }, (_, i) => readBlock(buf, o + 8 + 24 * i)) };
  }
  if (pt === RTCP_SDES && count >= 1 && end - o >= 10) {
    const len = buf[o + 9];
    const cname = buf[o + 8] === 1 && o + 10 + len <= end ? buf.toString('utf8', o + 10, o + 10 + len) : '';
    return { type: 'sdes', ssrc: buf.readUInt32BE(o + 4), cname };
  }
  if (pt === RTCP_BYE && end - o >= 4 + 4 * count) {
    return { type: 'bye', ssrcs: Array.from({ length: count }, (_, i) => buf.readUInt32BE(o + 4 + 4 * i)) };
  }
  return { type: 'other', packetType: pt };
}

/** Parses a compound RTCP packet (§6.1); stops at the first malformed part. */
export function parseRtcp(buf: Buffer): RtcpPacket[] {
  const out: RtcpPacket[] = [];
  let o = 0;
  while (o + 4 <= buf.length) {
    if (buf[o] >> 6 !== 2) break;
    const end = o + (buf.readUInt16BE(o + 2) + 1) * 4;
    if (end > buf.length) break;
    out.push(parseOne(buf, o, buf[o] & 0x1f, buf[o + 1], end));
    o = end;
  }
  return out;
}
