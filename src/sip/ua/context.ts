import type { Clock } from '../../kernel/clock.js';
import { GatewayError, errorMessage } from '../../kernel/errors.js';
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
  /** Our Contact for a request or response sent over `transport`; `secure`: a sips: URI (RFC 3261 §8.1.1.8). */
  contact(transport: TransportName, user?: string, secure?: boolean): NameAddr;
  resolve(uri: Uri, fallback: TransportName): Promise<Peer[]>;
  report(what: string, e: unknown): void;
}

/** Codes of errors that mean "the next hop cannot be reached" (a 503 in RFC 3261 §8.1.3.1 terms). */
const UNREACHABLE = new Set(['SIP_DNS', 'SIP_TRANSPORT', 'SIP_BAD_TARGET', 'SIP_TLS_REQUIRED', 'SIP_UNREACHABLE']);

/**
 * A request failed without a final response from the peer: timeout (408), DNS, transport or
 * routing (503), or it could not be built (500). `code` is SIP_TIMEOUT (408), SIP_UNREACHABLE,
 * SIP_TLS_REQUIRED, or for a request that could not be built the cause's code (SIP_PARSE,
 * SIP_RESERVED_HEADER …, else SIP_INTERNAL); `cause` holds the underlying error.
 */
export class SipRequestError extends GatewayError {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(options?.code ?? (status === 408 ? 'SIP_TIMEOUT' : 'SIP_UNREACHABLE'), message, options);
  }

  /** Any failure of `what` (e.g. "BYE") as a SipRequestError; one already is passes through. */
  static from(e: unknown, what: string): SipRequestError {
    if (e instanceof SipRequestError) return e;
    const code = e instanceof GatewayError ? e.code : undefined;
    const unreachable = code !== undefined && UNREACHABLE.has(code);
    if (unreachable) return new SipRequestError(503, `${what}: ${errorMessage(e)}`, { cause: e, code: code === 'SIP_TLS_REQUIRED' ? code : undefined });
    return new SipRequestError(500, `${what}: ${errorMessage(e)}`, { cause: e, code: code ?? 'SIP_INTERNAL' });
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
