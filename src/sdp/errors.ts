import { GatewayError } from '../kernel/errors.js';

/** Malformed SDP text. */
export class SdpParseError extends GatewayError {
  constructor(message: string) {
    super('SDP_PARSE_ERROR', message);
  }
}

export type SdpNegotiationCode = 'SDP_NO_COMMON_CODEC' | 'SDP_NO_AUDIO' | 'SDP_MEDIA_REJECTED' | 'SDP_NO_CRYPTO';

/**
 * Offer/answer failed. `SDP_NO_COMMON_CODEC`, `SDP_NO_AUDIO` and `SDP_NO_CRYPTO` (an RTP/SAVP
 * stream without SDES keys we can use, RFC 4568 §7) are what the call layer turns into 488 Not
 * Acceptable Here (RFC 3261 §21.4.26, RFC 3264 §6).
 */
export class SdpNegotiationError extends GatewayError {
  declare readonly code: SdpNegotiationCode;
  constructor(code: SdpNegotiationCode, message: string) {
    super(code, message);
  }
}
