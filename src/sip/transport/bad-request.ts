import type { SipHeader } from '../message/types.js';

const COPY = new Set(['via', 'from', 'to', 'call-id', 'cseq']);

/**
 * Builds the bytes of a `400 Bad Request` for a request that failed to parse but whose start
 * line and Via did (RFC 3261 §8.2.2 / §16.3): the mandatory headers are echoed as received and
 * the reason is given in the reason phrase and a Warning (RFC 3261 §20.43, code 399).
 */
export function badRequestBytes(headers: readonly SipHeader[], reason: string, agent: string): Buffer {
  const clean = reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
  const lines = [`SIP/2.0 400 Bad Request - ${clean}`];
  for (const h of headers) if (COPY.has(h.name.toLowerCase())) lines.push(`${h.name}: ${h.value}`);
  lines.push(`Warning: 399 ${agent} "${clean.replace(/"/g, "'")}"`, 'Content-Length: 0', '', '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}
