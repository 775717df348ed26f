import { GatewayError } from '../../kernel/errors.js';

/** A message could not be delivered (connect refused, socket closed, no route). */
export class SipTransportError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SIP_TRANSPORT', message, options);
  }
}

/**
 * RFC 3261 §26.2.2: a sips: URI (or `transport=tls`) must be reached over TLS on every hop; when
 * TLS is not configured (VGW_TLS_CERT, VGW_TLS_KEY) such a target is refused rather than sent in
 * the clear.
 */
export class SipTlsRequiredError extends GatewayError {
  constructor(readonly target: string) {
    super('SIP_TLS_REQUIRED', `${target} must be reached over TLS (RFC 3261 §26.2.2), and TLS is not configured (VGW_TLS_CERT, VGW_TLS_KEY)`);
  }
}
