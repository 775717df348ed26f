/**
 * Headers callers may add to the requests the stack builds. The stack owns the ones that make
 * up the transaction and dialog (RFC 3261 §8.1.1: Via, Max-Forwards, From, To, Call-ID, CSeq,
 * Contact) and the body framing (§20.14 Content-Length, §20.15 Content-Type); a copy from the
 * caller would contradict them.
 */
import { GatewayError } from '../../kernel/errors.js';
import { canonicalName } from './header-names.js';
import { isToken } from './scan.js';
import type { SipHeader } from './types.js';

const STACK_OWNED: ReadonlySet<string> = new Set([
  'Call-ID', 'CSeq', 'From', 'To', 'Via', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Contact',
]);

/** A caller-supplied header the stack cannot send: SIP_RESERVED_HEADER or SIP_BAD_HEADER. */
export class SipHeaderError extends GatewayError {
  constructor(
    code: 'SIP_RESERVED_HEADER' | 'SIP_BAD_HEADER',
    /** The header name as the caller wrote it. */
    readonly header: string,
    message: string,
  ) {
    super(code, message);
  }
}

/** True for header names the SIP stack sets itself (compact forms and any case included). */
export function isStackOwnedHeader(name: string): boolean {
  return STACK_OWNED.has(canonicalName(name.trim()));
}

/** A value must stay on its header line: no CR, LF or NUL (which would forge headers or a body). */
function isSafeValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0) return false;
  }
  return true;
}

/**
 * Throws SipHeaderError for the first header that is malformed or, unless `reserved` is false,
 * stack-owned. (In-dialog requests let the caller set Content-Type as a header, so they check
 * the syntax only; a header that clashes there fails when the request is built.)
 */
export function checkExtraHeaders(headers: readonly SipHeader[] | undefined, o: { reserved?: boolean } = {}): void {
  for (const h of headers ?? []) {
    // §7.3.1 / §25.1: field-name = token.
    if (!isToken(h.name)) throw new SipHeaderError('SIP_BAD_HEADER', h.name, `header name ${JSON.stringify(h.name)} is not a token (RFC 3261 §25.1)`);
    if (o.reserved !== false && isStackOwnedHeader(h.name)) throw new SipHeaderError('SIP_RESERVED_HEADER', h.name, `header ${h.name} is set by the SIP stack and cannot be supplied`);
    if (!isSafeValue(h.value)) throw new SipHeaderError('SIP_BAD_HEADER', h.name, `header ${h.name} has a line break or NUL in its value`);
  }
}
