import type { SdpAttribute, SdpConnection, SdpMedia, SessionDescription } from './types.js';

const conn = (c: SdpConnection): string => `c=${c.netType} ${c.addrType} ${c.address}`;
const attr = (a: SdpAttribute): string => (a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`);

function mediaLines(m: SdpMedia, out: string[]): void {
  const port = m.portCount === undefined ? `${m.port}` : `${m.port}/${m.portCount}`;
  out.push(`m=${m.type} ${port} ${m.proto}${m.formats.map((f) => ` ${f}`).join('')}`);
  for (const l of m.extra) if (l.type === 'i') out.push(`i=${l.value}`);
  if (m.connection) out.push(conn(m.connection));
  for (const b of m.bandwidths) out.push(`b=${b}`);
  for (const l of m.extra) if (l.type !== 'i') out.push(`${l.type}=${l.value}`);
  for (const a of m.attributes) out.push(attr(a));
}

/** Serialises in the order RFC 4566 §5 requires, CRLF line ends, trailing CRLF. */
export function serializeSdp(s: SessionDescription): string {
  const o = s.origin;
  const out: string[] = [
    `v=${s.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${s.sessionName === '' ? '-' : s.sessionName}`,
  ];
  const before = new Set(['i', 'u', 'e', 'p']);
  for (const l of s.extra) if (before.has(l.type)) out.push(`${l.type}=${l.value}`);
  if (s.connection) out.push(conn(s.connection));
  for (const b of s.bandwidths) out.push(`b=${b}`);
  for (const t of s.times.length > 0 ? s.times : ['0 0']) out.push(`t=${t}`);
  for (const l of s.extra) if (!before.has(l.type)) out.push(`${l.type}=${l.value}`);
  for (const a of s.attributes) out.push(attr(a));
  for (const m of s.media) mediaLines(m, out);
  return `${out.join('\r\n')}\r\n`;
}
