/**
 * RTP fixed header (RFC 3550 §5.1). Parsing fills a caller-owned {@link RtpHeader}; writing goes
 * into a caller's buffer. Neither allocates (DESIGN.md §4.4).
 */
export const RTP_HEADER_SIZE = 12;
export const RTP_VERSION = 2;

/** A reusable parse target. Fields are overwritten by each {@link parseRtpHeader}. */
export class RtpHeader {
  padding = false;
  extension = false;
  csrcCount = 0;
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  /** Where the payload starts in the parsed buffer (after CSRCs and extension, §5.3.1). */
  payloadOffset = 0;
  /** Payload bytes, padding removed (§5.1 P bit). */
  payloadLength = 0;
}

/** True when the first byte pair looks like RTCP rather than RTP (RFC 5761 §4: PT 192–223). */
export function looksLikeRtcp(buf: Uint8Array, length: number): boolean {
  return length >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

/** Parses `buf[0, length)` into `into`; false when it is not a valid RTP v2 packet. */
export function parseRtpHeader(buf: Uint8Array, length: number, into: RtpHeader): boolean {
  if (length < RTP_HEADER_SIZE) return false;
  const b0 = buf[0];
  if (b0 >> 6 !== RTP_VERSION) return false;
  into.padding = (b0 & 0x20) !== 0;
  into.extension = (b0 & 0x10) !== 0;
  into.csrcCount = b0 & 0x0f;
  into.marker = (buf[1] & 0x80) !== 0;
  into.payloadType = buf[1] & 0x7f;
  into.sequenceNumber = (buf[2] << 8) | buf[3];
  into.timestamp = ((buf[4] << 24) | (buf[5] << 16) | (buf[6] << 8) | buf[7]) >>> 0;
  into.ssrc = ((buf[8] << 24) | (buf[9] << 16) | (buf[10] << 8) | buf[11]) >>> 0;
  let offset = RTP_HEADER_SIZE + 4 * into.csrcCount;
  if (into.extension) {
    // §5.3.1: 16-bit profile id, 16-bit length in 32-bit words, then the words.
    if (offset + 4 > length) return false;
    offset += 4 + 4 * ((buf[offset + 2] << 8) | buf[offset + 3]);
  }
  let end = length;
  if (into.padding) {
    const pad = buf[length - 1];
    if (pad === 0) return false;
    end -= pad;
  }
  if (offset > end) return false;
  into.payloadOffset = offset;
  into.payloadLength = end - offset;
  return true;
}

/** Writes a 12-byte header with no CSRC, extension or padding; returns the bytes written. */
export function writeRtpHeader(
  buf: Uint8Array, offset: number, marker: boolean, payloadType: number, sequenceNumber: number, timestamp: number, ssrc: number,
): number {
  buf[offset] = RTP_VERSION << 6;
  buf[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  buf[offset + 2] = (sequenceNumber >> 8) & 0xff;
  buf[offset + 3] = sequenceNumber & 0xff;
  buf[offset + 4] = (timestamp >>> 24) & 0xff;
  buf[offset + 5] = (timestamp >>> 16) & 0xff;
  buf[offset + 6] = (timestamp >>> 8) & 0xff;
  buf[offset + 7] = timestamp & 0xff;
  buf[offset + 8] = (ssrc >>> 24) & 0xff;
  buf[offset + 9] = (ssrc >>> 16) & 0xff;
  buf[offset + 10] = (ssrc >>> 8) & 0xff;
  buf[offset + 11] = ssrc & 0xff;
  return RTP_HEADER_SIZE;
}
