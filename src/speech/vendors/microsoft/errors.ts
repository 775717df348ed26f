/**
 * Turns what the Speech SDK reports (`canceled` error details, `openConnection` failures) into
 * typed errors. The SDK gives text only: a refused upgrade reads "Unexpected server response: 401",
 * a failed connect carries the socket error (ECONNREFUSED, ENOTFOUND …).
 */
import { SttError, type SpeechVendorErrorCode } from '../../vendor.js';
import { VENDOR } from './endpoint.js';

const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ECONNRESET|certificate|self[- ]signed|socket hang up|Unable to contact server/i;

/** The code for a vendor message; `fallback` when nothing in it says more. */
export function classify(details: string, fallback: SpeechVendorErrorCode): { code: SpeechVendorErrorCode; status?: number } {
  const m = /Unexpected server response: (\d{3})/.exec(details) ?? /\b(401|403)\b.*(?:Unauthorized|Forbidden|authenticat)/i.exec(details);
  if (m) {
    const status = Number(m[1]);
    return { code: status === 401 || status === 403 ? 'SPEECH_AUTH' : 'SPEECH_PROTOCOL', status };
  }
  if (/AuthenticationFailure|Forbidden|Unauthorized|invalid subscription key/i.test(details)) return { code: 'SPEECH_AUTH' };
  if (UNREACHABLE.test(details)) return { code: 'SPEECH_UNREACHABLE' };
  return { code: fallback };
}

/** An SttError for a vendor message (already scrubbed of secrets). */
export function sttErrorFrom(details: string, fallback: SpeechVendorErrorCode): SttError {
  const { code, status } = classify(details, fallback);
  return new SttError(code, `microsoft speech: ${details}`, VENDOR, status === undefined ? undefined : { status });
}
