import type { Clock } from '../../kernel/clock.js';
import { GatewayError } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/logger.js';
import type { NameAddr, SipHeader, SipRequest, SipResponse, Uri, Via } from '../message/types.js';
import type { TransactionLayer } from '../transaction/layer.js';
import type { Peer, TransportName } from '../transport/types.js';

/** What dialogs and invite sessions need from the user-agent core. */
export interface UaContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly transactions: TransactionLayer;
  /** Header lines added to every request and response we originate (User-Agent, Allow …). */
  readonly commonHeaders: readonly SipHeader[];
  via(transport: TransportName): Via;
  contact(transport: TransportName, user?: string): NameAddr;
  resolve(uri: Uri, fallback: TransportName): Promise<Peer[]>;
  report(what: string, e: unknown): void;
}

/** A request failed without a final response from the peer (timeout, transport, DNS). */
export class SipRequestError extends GatewayError {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(status === 408 ? 'SIP_TIMEOUT' : 'SIP_UNREACHABLE', message, options);
  }
}

/**
 * Runs one client transaction to its final response. Timeouts become a 408 and transport
 * failures a 503 (RFC 3261 §8.1.3.1), both as `SipRequestError`.
 */
export function sendRequest(ctx: UaContext, req: SipRequest, dest: Peer, onProvisional?: (r: SipResponse) => void): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    let done = false;
    ctx.transactions.sendRequest(req, dest, {
      receiveResponse(res) {
        if (res.status < 200) {
          onProvisional?.(res);
          return;
        }
        if (done) return;
        done = true;
        resolve(res);
      },
      timeout() {
        if (!done) reject(new SipRequestError(408, `${req.method} to ${dest.address}:${dest.port} timed out`));
        done = true;
      },
      transportError(e) {
        if (!done) reject(new SipRequestError(503, `${req.method} to ${dest.address}:${dest.port}: ${e.message}`, { cause: e }));
        done = true;
      },
    });
  });
}
