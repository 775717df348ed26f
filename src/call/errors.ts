import { GatewayError } from '../kernel/errors.js';

export type CallErrorCode =
  | 'CALL_NO_CARRIER' // no trunk to place the call through
  | 'CALL_UNKNOWN_TRUNK' // to.trunk names no carrier of the account
  | 'CALL_NO_GATEWAY' // the carrier has no active outbound gateway
  | 'CALL_BAD_TARGET' // the `to` cannot be turned into a SIP URI
  | 'CALL_BAD_URL' // play was given something other than an http(s) URL
  | 'CALL_LIMIT' // a per-account concurrency or rate limit
  | 'CALL_SHUTTING_DOWN' // the gateway is draining
  | 'CALL_NOT_FOUND'
  | 'CALL_WRONG_STATE'; // e.g. hang up a call that is not answered

/** A call could not be placed or controlled; `field` names the request field at fault, when one is. */
export class CallError extends GatewayError {
  constructor(
    code: CallErrorCode,
    message: string,
    readonly field?: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message);
  }
}
