/** RFC 3261 §20.16 CSeq and §20.22 Max-Forwards. */
import { SipParseError } from './errors.js';
import { isToken, isWs, parseDigits, skipWs } from './scan.js';
import type { CSeq } from './types.js';

/** §8.1.1.5: the sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 0x7fffffff;

/** `1*DIGIT LWS Method`. */
export function parseCSeq(value: string): CSeq {
  const end = value.length;
  const a = skipWs(value, 0, end);
  let b = a;
  while (b < end && !isWs(value.charCodeAt(b))) b++;
  const seq = parseDigits(value, a, b, MAX_CSEQ);
  if (Number.isNaN(seq)) throw new SipParseError('bad CSeq number');
  const c = skipWs(value, b, end);
  let d = end;
  while (d > c && isWs(value.charCodeAt(d - 1))) d--;
  const method = value.slice(c, d);
  if (c === b || !isToken(method)) throw new SipParseError('bad CSeq method');
  return { seq, method };
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}

/** §20.22: Max-Forwards = 1*DIGIT, 0–255 (RFC 4475 §3.1.2.4 rejects 300). */
export function parseMaxForwards(value: string): number {
  const n = parseDigits(value, 0, value.length, 255);
  if (Number.isNaN(n)) throw new SipParseError('bad Max-Forwards');
  return n;
}

/** §20.14 Content-Length = 1*DIGIT; bounded by the message size limit. */
export function parseContentLength(value: string, max: number): number {
  const n = parseDigits(value, 0, value.length, max);
  if (Number.isNaN(n)) throw new SipParseError(value.length > 0 && value.length < 12 && /^[0-9]+$/.test(value) ? 'Content-Length too large' : 'bad Content-Length');
  return n;
}
