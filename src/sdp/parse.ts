import { SdpParseError } from './errors.js';
import type { SdpAttribute, SdpConnection, SdpLine, SdpMedia, SdpOrigin, SessionDescription } from './types.js';

interface MutableMedia {
  type: string;
  port: number;
  portCount?: number;
  proto: string;
  formats: string[];
  connection?: SdpConnection;
  bandwidths: string[];
  attributes: SdpAttribute[];
  extra: SdpLine[];
}

function parseOrigin(v: string): SdpOrigin {
  const p = v.split(/\s+/);
  if (p.length < 6) throw new SdpParseError(`bad o= line: ${v}`);
  return { username: p[0], sessionId: p[1], sessionVersion: p[2], netType: p[3], addrType: p[4], address: p[5] };
}

function parseConnection(v: string): SdpConnection {
  const p = v.split(/\s+/);
  if (p.length < 3) throw new SdpParseError(`bad c= line: ${v}`);
  // RFC 4566 §5.7: a multicast address may carry /ttl/count; we keep the address part only.
  return { netType: p[0], addrType: p[1], address: p[2].split('/')[0] };
}

function parseAttribute(v: string): SdpAttribute {
  const i = v.indexOf(':');
  return i < 0 ? { name: v } : { name: v.slice(0, i), value: v.slice(i + 1) };
}

function parseMediaLine(v: string): MutableMedia {
  const p = v.split(/\s+/);
  if (p.length < 3) throw new SdpParseError(`bad m= line: ${v}`);
  const [portStr, countStr] = p[1].split('/');
  const port = Number(portStr);
  if (!/^\d+$/.test(portStr) || port > 65535) throw new SdpParseError(`bad m= port: ${v}`);
  const m: MutableMedia = { type: p[0], port, proto: p[2], formats: p.slice(3), bandwidths: [], attributes: [], extra: [] };
  if (countStr !== undefined) m.portCount = Number(countStr);
  return m;
}

/** The session-level part (RFC 4566 §5: the lines before the first m=) as it is read. */
interface MutableSession {
  version: number;
  origin?: SdpOrigin;
  sessionName: string;
  connection?: SdpConnection;
  bandwidths: string[];
  times: string[];
  attributes: SdpAttribute[];
  extra: SdpLine[];
}

/** A line of a media description (RFC 4566 §5.14): c=, a= and b= are read, the rest kept. */
function addMediaLine(m: MutableMedia, type: string, value: string): void {
  if (type === 'c') m.connection = parseConnection(value);
  else if (type === 'a') m.attributes.push(parseAttribute(value));
  else if (type === 'b') m.bandwidths.push(value);
  else m.extra.push({ type, value });
}

/** A session-level line: v=, o=, s=, c=, b=, t= and a= are read, the rest kept. */
function addSessionLine(s: MutableSession, type: string, value: string): void {
  if (type === 'c') s.connection = parseConnection(value);
  else if (type === 'a') s.attributes.push(parseAttribute(value));
  else if (type === 'b') s.bandwidths.push(value);
  else if (type === 'v') s.version = Number(value);
  else if (type === 'o') s.origin = parseOrigin(value);
  else if (type === 's') s.sessionName = value;
  else if (type === 't') s.times.push(value);
  else s.extra.push({ type, value });
}

/**
 * Parses an SDP body (RFC 4566 §5). Tolerant of LF-only line ends, blank lines and unknown
 * line types (kept in `extra`); throws {@link SdpParseError} for lines it cannot read.
 */
export function parseSdp(text: string): SessionDescription {
  const s: MutableSession = { version: -1, sessionName: '', bandwidths: [], times: [], attributes: [], extra: [] };
  const media: MutableMedia[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line === '') continue;
    if (line.length < 2 || line[1] !== '=') throw new SdpParseError(`bad SDP line: ${line}`);
    const type = line[0];
    const value = line.slice(2);
    const m = media.length > 0 ? media[media.length - 1] : undefined;
    if (type === 'm') media.push(parseMediaLine(value));
    else if (m) addMediaLine(m, type, value);
    else addSessionLine(s, type, value);
  }
  const { version, origin, sessionName, connection, bandwidths, times, attributes, extra } = s;
  if (version !== 0) throw new SdpParseError('SDP must start with v=0');
  if (!origin) throw new SdpParseError('SDP has no o= line');
  const base = { version, origin, sessionName, bandwidths, times, attributes, extra, media: media as readonly SdpMedia[] };
  return connection ? { ...base, connection } : base;
}
