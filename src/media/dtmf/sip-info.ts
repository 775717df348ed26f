/**
 * DTMF carried in SIP INFO bodies: `application/dtmf-relay` (`Signal=5` / `Duration=160`, the
 * de-facto Cisco format) and `application/dtmf` (the bare key or its RFC 4733 event code).
 */
import { eventToDigit, isDtmfDigit, type DtmfDigit } from './digits.js';

export interface InfoDigit {
  readonly digit: DtmfDigit;
  /** Duration in ms when the body gave one. */
  readonly durationMs: number | null;
}

function toDigit(v: string): DtmfDigit | null {
  const s = v.trim().toUpperCase();
  if (isDtmfDigit(s)) return s;
  if (/^\d{2}$/.test(s)) return eventToDigit(Number(s)) ?? null;
  return null;
}

/** Parses an INFO body by content type; null when it is not a DTMF body or is unreadable. */
export function parseDtmfInfo(contentType: string, body: string): InfoDigit | null {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/dtmf-relay') {
    let digit: DtmfDigit | null = null;
    let durationMs: number | null = null;
    for (const line of body.split(/\r?\n/)) {
      const i = line.indexOf('=');
      if (i < 0) continue;
      const key = line.slice(0, i).trim().toLowerCase();
      const value = line.slice(i + 1).trim();
      if (key === 'signal') digit = toDigit(value);
      else if (key === 'duration' && /^\d+$/.test(value)) durationMs = Number(value);
    }
    return digit ? { digit, durationMs } : null;
  }
  if (type === 'application/dtmf') {
    const digit = toDigit(body);
    return digit ? { digit, durationMs: null } : null;
  }
  return null;
}
