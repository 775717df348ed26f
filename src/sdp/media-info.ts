import type { MediaDirection, RtpMap, SdpAttribute, SdpMedia, SessionDescription } from './types.js';

/** RFC 3551 §6 table 4: the static audio payload types we may meet without an rtpmap. */
const STATIC: Readonly<Record<number, RtpMap>> = {
  0: { payloadType: 0, encoding: 'PCMU', clockRate: 8000, channels: 1 },
  3: { payloadType: 3, encoding: 'GSM', clockRate: 8000, channels: 1 },
  4: { payloadType: 4, encoding: 'G723', clockRate: 8000, channels: 1 },
  8: { payloadType: 8, encoding: 'PCMA', clockRate: 8000, channels: 1 },
  9: { payloadType: 9, encoding: 'G722', clockRate: 8000, channels: 1 },
  18: { payloadType: 18, encoding: 'G729', clockRate: 8000, channels: 1 },
};

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

export function findAttribute(attrs: readonly SdpAttribute[], name: string): SdpAttribute | undefined {
  const lower = name.toLowerCase();
  return attrs.find((a) => a.name.toLowerCase() === lower);
}

/** The rtpmap of each format of an m= line, in the offerer's order (RFC 4566 §6 `a=rtpmap`). */
export function rtpMaps(m: SdpMedia): RtpMap[] {
  const out: RtpMap[] = [];
  for (const f of m.formats) {
    if (!/^\d+$/.test(f)) continue;
    const pt = Number(f);
    const a = m.attributes.find((x) => x.name.toLowerCase() === 'rtpmap' && x.value !== undefined && x.value.split(/\s+/)[0] === f);
    if (a?.value) {
      const [enc = '', rate = '0', ch = '1'] = (a.value.split(/\s+/)[1] ?? '').split('/');
      out.push({ payloadType: pt, encoding: enc, clockRate: Number(rate), channels: Number(ch) || 1 });
    } else if (STATIC[pt]) out.push(STATIC[pt]);
  }
  return out;
}

/** The `a=fmtp:` value for a payload type, if any. */
export function fmtp(m: SdpMedia, payloadType: number): string | undefined {
  const prefix = `${payloadType} `;
  const a = m.attributes.find((x) => x.name.toLowerCase() === 'fmtp' && x.value?.startsWith(prefix) === true);
  return a?.value?.slice(prefix.length).trim();
}

/** RFC 3264 §5.1: the media-level direction wins over the session-level one; default sendrecv. */
export function mediaDirection(s: SessionDescription, m: SdpMedia): MediaDirection {
  const own = m.attributes.find((a) => DIRECTIONS.has(a.name));
  if (own) return own.name as MediaDirection;
  const sess = s.attributes.find((a) => DIRECTIONS.has(a.name));
  return sess ? (sess.name as MediaDirection) : 'sendrecv';
}

/** `a=ptime` in ms, if present (RFC 4566 §6). */
export function ptime(m: SdpMedia): number | undefined {
  const v = findAttribute(m.attributes, 'ptime')?.value;
  const n = v === undefined ? NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** The connection address that applies to an m= section (media-level c= wins, RFC 4566 §5.7). */
export function connectionAddress(s: SessionDescription, m: SdpMedia): string | undefined {
  return m.connection?.address ?? s.connection?.address;
}

/** RFC 3264 §8.4 / RFC 2543: `c=0.0.0.0` is the old way to put a stream on hold. */
export function isNullAddress(address: string | undefined): boolean {
  return address === '0.0.0.0' || address === '::';
}

export function sendsMedia(d: MediaDirection): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

export function receivesMedia(d: MediaDirection): boolean {
  return d === 'sendrecv' || d === 'recvonly';
}

export function directionOf(send: boolean, recv: boolean): MediaDirection {
  if (send && recv) return 'sendrecv';
  if (send) return 'sendonly';
  if (recv) return 'recvonly';
  return 'inactive';
}

/** The direction as seen from the other side (sendonly ↔ recvonly). */
export function reverseDirection(d: MediaDirection): MediaDirection {
  return directionOf(receivesMedia(d), sendsMedia(d));
}
