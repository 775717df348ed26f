import type { TimerHandle } from '../../kernel/clock.js';
import { Emitter } from '../../kernel/emitter.js';
import { GatewayError } from '../../kernel/errors.js';
import { newBranch, newTag, randomHex } from '../../kernel/ids.js';
import { buildAuthorization, parseChallenge } from '../auth/digest.js';
import { uacDialogState } from '../dialog/dialog-state.js';
import { checkExtraHeaders, createRequest, formatUri, getHeader, isSipUri } from '../message/index.js';
import type { NameAddr, Params, SipHeader, SipRequest, SipResponse, Uri } from '../message/types.js';
import type { ClientTransaction } from '../transaction/layer.js';
import { SipTlsRequiredError } from '../transport/errors.js';
import type { Peer, TlsVerification } from '../transport/types.js';
import { SipRequestError, type UaContext } from './context.js';
import { Dialog, withContactParams } from './dialog.js';

export interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface InviteOptions {
  /** Request-URI. */
  readonly uri: Uri;
  /** Where to send it; resolved from `nextHop`, else the Request-URI (RFC 3263), when absent. */
  readonly destination?: Peer;
  /**
   * The hop to send it to when that is not the Request-URI's host: an outbound proxy, or a
   * registering carrier's gateway while the Request-URI names its realm. By default it is an
   * outbound proxy (RFC 3261 §8.1.2): pre-loaded as a loose Route (`Route: <nextHop;lr>`), and
   * in-dialog requests (ACK, BYE, INFO, re-INVITE …) go through it while the route set is empty.
   */
  readonly nextHop?: Uri;
  /** false: `nextHop` is only where this INVITE is sent — no Route header, no in-dialog use. Default true. */
  readonly preloadRoute?: boolean;
  readonly from: { readonly uri: Uri; readonly displayName?: string };
  readonly to?: { readonly uri: Uri; readonly displayName?: string };
  /** Extra headers. Stack-owned names (see `isStackOwnedHeader`) or malformed ones fail the INVITE. */
  readonly headers?: readonly SipHeader[];
  readonly body?: Buffer | string;
  readonly contentType?: string;
  readonly credentials?: Credentials;
  readonly callId?: string;
  /** User part of our Contact. */
  readonly contactUser?: string;
  /** Parameters of our Contact, here and in the dialog's requests (RFC 3840 feature tags such as `+sip.src`). */
  readonly contactParams?: Params;
  /** Over TLS: verify the next hop's certificate for this name (mutual TLS with a gateway). */
  readonly tlsVerify?: TlsVerification;
}

/**
 * Why an outgoing INVITE ended without a dialog. Without `response` the failure is synthetic:
 * 408 timeout, 503 DNS / transport / routing (SIP_TLS_REQUIRED …), 500 the request could not be
 * built (SIP_RESERVED_HEADER, SIP_BAD_HEADER …); `error` then holds the typed cause.
 */
export interface InviteFailure {
  readonly status: number;
  readonly reason: string;
  readonly response?: SipResponse;
  readonly cancelled: boolean;
  readonly error?: GatewayError;
}

export type OutgoingInviteEvents = {
  /** The INVITE is on the wire (first transmission). */
  sent: [req: SipRequest];
  /** 1xx; `response.body` non-empty for early media (183 with SDP). */
  progress: [res: SipResponse];
  answered: [dialog: Dialog, res: SipResponse];
  failed: [failure: InviteFailure];
};

/**
 * A UAC INVITE (RFC 3261 §13.2): sends it, retries once per challenge with digest credentials
 * (§22.2, same Call-ID, CSeq + 1), ACKs the 2xx (§13.2.2.4), CANCELs on request (§9.1, only
 * after a provisional response), and ACKs + BYEs extra 2xx from other forks (§13.2.2.4).
 */
export class OutgoingInvite extends Emitter<OutgoingInviteEvents> {
  readonly callId: string;
  private readonly fromTag = newTag();
  private cseq = 1;
  private current: SipRequest | undefined;
  private txn: ClientTransaction | undefined;
  private dest: Peer | undefined;
  private provisional = false;
  private cancelRequested = false;
  private cancelSent = false;
  private settled = false;
  private dialog: Dialog | undefined;
  private authTries = 0;
  private cancelReason: string | undefined;
  private cancelTimer: TimerHandle | undefined;

  constructor(
    private readonly ctx: UaContext,
    private readonly opts: InviteOptions,
    private readonly adoptDialog: (d: Dialog) => void,
    private readonly forgetDialog: (d: Dialog) => void,
  ) {
    super((e) => ctx.report('invite listener', e));
    this.callId = opts.callId ?? `${randomHex(12)}`;
  }

  /** The request as last sent (after any auth retry). */
  get request(): SipRequest | undefined {
    return this.current;
  }

  /**
   * Checks, routes and sends the INVITE. Never rejects: whatever goes wrong ends in `failed`
   * (RFC 3261 §8.1.3.1 for what never reached the peer).
   */
  async start(): Promise<void> {
    try {
      checkExtraHeaders(this.opts.headers);
    } catch (e) {
      this.failLocally(e, 'INVITE cannot be built');
      return;
    }
    try {
      this.dest = await this.firstHop();
    } catch (e) {
      this.failLocally(e, `cannot route to ${describe(this.opts.nextHop ?? this.opts.uri)}`);
      return;
    }
    this.send([]);
  }

  /**
   * Where the INVITE goes first. §26.2.2: a sips: Request-URI is sent over TLS whatever the next
   * hop, and a sips: or `transport=tls` hop resolves to TLS (targets.ts), never to UDP or TCP.
   */
  private async firstHop(): Promise<Peer> {
    const hop = this.opts.nextHop ?? this.opts.uri;
    const dest = this.opts.destination ?? (await this.ctx.resolve(hop, 'udp'))[0];
    if (!dest) throw new SipRequestError(503, 'no address');
    if (this.opts.uri.scheme === 'sips' && dest.transport !== 'tls') throw new SipTlsRequiredError(formatUri(hop));
    return dest.transport === 'tls' && this.opts.tlsVerify ? { ...dest, verify: this.opts.tlsVerify } : dest;
  }

  /** A failure before any response: 503 when the next hop is unreachable, 500 when the request is at fault. */
  private failLocally(e: unknown, what: string): void {
    const err = SipRequestError.from(e, what);
    const cause = err.cause instanceof GatewayError ? err.cause : err;
    this.fail({ status: err.status, reason: err.message, cancelled: false, error: cause });
  }

  /** §8.1.2: an outbound proxy is pre-loaded as a loose route. */
  private preloadedRoute(): NameAddr[] {
    const hop = this.opts.nextHop;
    if (!hop || this.opts.preloadRoute === false || !isSipUri(hop)) return [];
    return [{ uri: { ...hop, params: { ...hop.params, lr: null } }, params: {} }];
  }

  private send(authHeaders: readonly SipHeader[]): void {
    const dest = this.dest;
    if (!dest || this.settled) return;
    let req: SipRequest;
    try {
      req = this.build(dest, authHeaders);
    } catch (e) {
      this.failLocally(e, 'INVITE cannot be built');
      return;
    }
    this.current = req;
    this.provisional = false;
    try {
      this.txn = this.ctx.transactions.sendRequest(req, dest, {
        receiveResponse: (res) => this.receive(req, res),
        timeout: () => this.fail({ status: 408, reason: 'Request Timeout', cancelled: this.cancelRequested }),
        transportError: (e) => this.fail({
          status: 503, reason: `Service Unavailable (${e.message})`, cancelled: false,
          error: e instanceof GatewayError ? e : new SipRequestError(503, `INVITE to ${dest.address}:${dest.port}: ${e.message}`, { cause: e }),
        }),
      });
    } catch (e) {
      this.failLocally(e, 'INVITE cannot be sent');
      return;
    }
    if (authHeaders.length === 0) this.emit('sent', req);
  }

  private build(dest: Peer, authHeaders: readonly SipHeader[]): SipRequest {
    const from: NameAddr = { displayName: this.opts.from.displayName, uri: this.opts.from.uri, params: { tag: this.fromTag } };
    const to: NameAddr = { displayName: this.opts.to?.displayName, uri: this.opts.to?.uri ?? this.opts.uri, params: {} };
    return createRequest({
      method: 'INVITE',
      uri: this.opts.uri,
      via: [{ ...this.ctx.via(dest.transport), branch: newBranch() }],
      from,
      to,
      callId: this.callId,
      cseq: { seq: this.cseq, method: 'INVITE' },
      contact: [withContactParams(this.ctx.contact(dest.transport, this.opts.contactUser, this.opts.uri.scheme === 'sips'), this.opts.contactParams)],
      route: this.preloadedRoute(),
      headers: [...this.ctx.commonHeaders, ...authHeaders, ...(this.opts.headers ?? [])],
      body: this.opts.body,
      contentType: this.opts.contentType ?? (this.opts.body ? 'application/sdp' : undefined),
    });
  }

  private receive(req: SipRequest, res: SipResponse): void {
    if (req !== this.current) return; // a response to an INVITE we already replaced (auth retry)
    if (res.status < 200) {
      this.provisional = true;
      if (this.cancelRequested && !this.cancelSent) this.sendCancel();
      if (!this.settled && res.status > 100) this.emit('progress', res);
      return;
    }
    if (res.status < 300) {
      this.receive2xx(req, res);
      return;
    }
    if ((res.status === 401 || res.status === 407) && this.retryWithAuth(req, res)) return;
    this.fail({ status: res.status, reason: res.reason, response: res, cancelled: this.cancelRequested && res.status === 487 });
  }

  private receive2xx(req: SipRequest, res: SipResponse): void {
    const dialog = new Dialog(uacDialogState(req, res), 'uac', this.dest?.transport ?? 'udp', this.ctx, this.forgetDialog);
    dialog.contactParams = this.opts.contactParams;
    if (this.dialog) {
      if (this.dialog.state.id.remoteTag === dialog.state.id.remoteTag) {
        this.dialog.receive2xxRetransmission();
        return;
      }
      this.hangUpFork(dialog, res);
      return;
    }
    if (this.settled) {
      // A 2xx after we gave up (e.g. it crossed our CANCEL): confirm and end it at once.
      this.hangUpFork(dialog, res);
      return;
    }
    this.dialog = dialog;
    this.adoptDialog(dialog);
    this.settled = true;
    this.cancelTimer?.cancel();
    void dialog.ack2xx(res).then((failed) => {
      if (failed) this.ctx.report('ACK for 2xx', failed);
    });
    this.emit('answered', dialog, res);
  }

  /** §13.2.2.4: a second dialog from another fork is ACKed and then ended with BYE. */
  private hangUpFork(dialog: Dialog, res: SipResponse): void {
    this.adoptDialog(dialog);
    void dialog.ack2xx(res)
      .then(() => dialog.bye())
      .then((r) => {
        if (r instanceof SipRequestError) this.ctx.report('ending extra fork', r);
      });
  }

  /** §22.2: one retry per challenge; a second challenge means the credentials were refused. */
  private retryWithAuth(req: SipRequest, res: SipResponse): boolean {
    const creds = this.opts.credentials;
    if (!creds || this.cancelRequested || this.authTries >= 2) return false;
    const header = getHeader(res, res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
    if (!header) return false;
    let challenge;
    try {
      challenge = parseChallenge(header);
    } catch {
      return false;
    }
    if (this.authTries >= 1 && !challenge.stale) return false;
    this.authTries++;
    const value = buildAuthorization({
      challenge,
      method: 'INVITE',
      uri: formatUri(req.uri),
      username: creds.username,
      password: creds.password,
      cnonce: randomHex(8),
      nc: 1,
      body: req.body,
    });
    this.cseq++;
    this.send([{ name: res.status === 401 ? 'Authorization' : 'Proxy-Authorization', value }]);
    return true;
  }

  /** §9.1: CANCEL only once a provisional response has arrived; until then remember the wish. */
  cancel(reason?: string): void {
    if (this.settled || this.cancelRequested) return;
    this.cancelRequested = true;
    this.cancelReason = reason;
    if (this.provisional) this.sendCancel();
  }

  private sendCancel(): void {
    const req = this.current;
    const dest = this.dest;
    if (!req || !dest || this.cancelSent) return;
    this.cancelSent = true;
    const cancel = createRequest({
      method: 'CANCEL',
      uri: req.uri,
      via: req.via.slice(0, 1),
      from: req.from,
      to: req.to,
      callId: req.callId,
      cseq: { seq: req.cseq.seq, method: 'CANCEL' },
      route: req.route,
      headers: [...this.ctx.commonHeaders, ...(this.cancelReason ? [{ name: 'Reason', value: this.cancelReason }] : [])],
    });
    this.ctx.transactions.sendRequest(cancel, dest, { receiveResponse: () => undefined, timeout: () => undefined, transportError: () => undefined });
    // §9.1: no final response within 64·T1 of the CANCEL → treat the INVITE as cancelled.
    this.cancelTimer = this.ctx.clock.setTimer(64 * this.ctx.transactions.timerBase.T1, () => {
      if (!this.settled) this.fail({ status: 487, reason: 'Request Terminated (no answer to CANCEL)', cancelled: true });
    });
  }

  private fail(f: InviteFailure): void {
    this.cancelTimer?.cancel();
    if (this.settled) return;
    this.settled = true;
    this.emit('failed', f);
  }

  /** The client transaction currently carrying the INVITE, for diagnostics. */
  get transaction(): ClientTransaction | undefined {
    return this.txn;
  }
}

function describe(uri: Uri): string {
  return 'host' in uri ? `${uri.host}${uri.port ? `:${uri.port}` : ''}` : uri.scheme;
}

