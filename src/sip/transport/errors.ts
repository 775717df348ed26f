import { GatewayError } from '../../kernel/errors.js';

/** A message could not be delivered (connect refused, socket closed, no route). */
export class SipTransportError extends GatewayError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SIP_TRANSPORT', message, options);
  }
}
