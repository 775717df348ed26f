import { GatewayError } from '../../kernel/errors.js';
import type { SipHeader, Via } from './types.js';

/**
 * What could be read of a malformed request: enough for the transport to answer 400 (RFC 3261
 * §8.2.6 needs the Via, From, To, Call-ID and CSeq header fields, here as raw headers).
 */
export interface PartialRequest {
  readonly method: string;
  readonly via: readonly Via[];
  readonly headers: readonly SipHeader[];
}

/** Everything malformed on the wire, whatever the cause. `reason` is fit for a 400 reason phrase. */
export class SipParseError extends GatewayError {
  readonly reason: string;
  readonly partial?: PartialRequest;
  constructor(reason: string, partial?: PartialRequest) {
    super('SIP_PARSE', `malformed SIP message: ${reason}`);
    this.reason = reason;
    if (partial !== undefined) this.partial = partial;
  }
}
