import type { Clock } from '../../kernel/clock.js';
import { Emitter } from '../../kernel/emitter.js';
import { newBranch } from '../../kernel/ids.js';
import type { Logger } from '../../kernel/logger.js';
import type { DnsResolver } from '../dns/resolve.js';
import { dialogKey, type DialogState } from '../dialog/dialog-state.js';
import { createResponse, getHeaders } from '../message/index.js';
import type { NameAddr, SipHeader, SipRequest, SipResponse, Uri, Via } from '../message/types.js';
import { InviteServerTransaction } from '../transaction/invite-server.js';
import type { IncomingRequest, TransactionLayer } from '../transaction/layer.js';
import { viaTransport, type MessageTransport, type Peer, type TransportName } from '../transport/types.js';
import { SipRequestError, type UaContext } from './context.js';
import { ALLOW, Dialog } from './dialog.js';
import { IncomingInvite } from './incoming-invite.js';
import { OutgoingInvite, type InviteOptions } from './outgoing-invite.js';
import { uriToPeers } from './targets.js';

/**
 * Option tags (RFC 3261 §19.2) we implement and so accept in Require: none yet — no 100rel
 * (RFC 3262), timer (RFC 4028) or replaces (RFC 3891).
 */
const SUPPORTED_OPTIONS: ReadonlySet<string> = new Set<string>();

export interface UserAgentOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly transport: MessageTransport;
  readonly transactions: TransactionLayer;
  readonly resolver?: DnsResolver;
  /** Product token for User-Agent / Server (RFC 3261 §20.41). */
  readonly product?: string;
}

export type UserAgentEvents = {
  /** A new INVITE outside any dialog. Nobody listening → 480. */
  invite: [invite: IncomingInvite];
  /** Any other out-of-dialog request except OPTIONS and CANCEL; the listener must respond. */
  request: [incoming: IncomingRequest];
};

/**
 * The user-agent core (RFC 3261 §8, §12–§15): dispatches requests to dialogs or to the
 * application, answers OPTIONS, matches CANCEL (§9.2), and is the facade the call layer uses.
 */
export class UserAgent extends Emitter<UserAgentEvents> {
  private readonly dialogs = new Map<string, Dialog>();
  /** §9.2: CANCEL matching needs the INVITE for as long as its server transaction lives. */
  private readonly invitesByTxn = new Map<InviteServerTransaction, IncomingInvite>();
  private readonly ctx: UaContext;
  /** Set while the node drains: out-of-dialog OPTIONS get 503 with this Retry-After (seconds). */
  private drainingRetryAfter: number | undefined;

  constructor(private readonly opts: UserAgentOptions) {
    super((e) => opts.logger.error('user agent listener failed', { err: e instanceof Error ? e : String(e) }));
    const product = opts.product ?? 'vgw';
    this.ctx = {
      clock: opts.clock,
      logger: opts.logger,
      transactions: opts.transactions,
      commonHeaders: [{ name: 'User-Agent', value: product }],
      via: (t) => this.via(t),
      contact: (t, user, secure) => this.contact(t, user, secure),
      resolve: (uri, fallback) => uriToPeers(uri, fallback, opts.resolver),
      report: (what, e) => opts.logger.warn(`${what} failed`, { err: e instanceof Error ? e : String(e) }),
    };
    opts.transactions.setUser({
      receiveRequest: (incoming) => this.receiveRequest(incoming),
      receiveAck: (ack) => this.receiveAck(ack),
      receiveStray2xx: (res) => this.receiveStray2xx(res),
    });
  }

  get activeDialogs(): number {
    return this.dialogs.size;
  }

  /** INVITEs whose server transaction has not terminated yet (ringing, or answered < Timer L ago). */
  get pendingInvites(): number {
    return this.invitesByTxn.size;
  }

  get context(): UaContext {
    return this.ctx;
  }

  private via(transport: TransportName): Via {
    return this.opts.transport.localVia(transport, newBranch());
  }

  /**
   * `sip:user@host:port[;transport=tcp|tls]`, or over TLS for a sips: request
   * `sips:user@host:tlsport` (RFC 3261 §8.1.1.8; RFC 5630 §3.1.3: no transport=tls with sips:).
   */
  private contact(transport: TransportName, user = 'vgw', secure = false): NameAddr {
    const t = this.opts.transport;
    const port = t.portFor ? t.portFor(transport) : t.port;
    const sips = secure && transport === 'tls';
    const params: Record<string, string | null> = transport === 'udp' || sips ? {} : { transport };
    const uri: Uri = { scheme: sips ? 'sips' : 'sip', user, host: t.publicAddress, port, params, headers: {} };
    return { uri, params: {} };
  }

  /** Places an INVITE. Listen for `progress`, `answered` and `failed` on the result. */
  invite(options: InviteOptions): OutgoingInvite {
    const inv = new OutgoingInvite(this.ctx, options, (d) => this.adopt(d), (d) => this.forget(d));
    queueMicrotask(() => {
      inv.start().catch((e: unknown) => this.ctx.report('INVITE', e));
    });
    return inv;
  }

  private adopt(d: Dialog): void {
    this.dialogs.set(d.key, d);
  }

  private forget(d: Dialog): void {
    if (this.dialogs.get(d.key) === d) this.dialogs.delete(d.key);
  }

  private receiveRequest(incoming: IncomingRequest): void {
    const req = incoming.request;
    if (this.rejectUnsupported(incoming)) return;
    const toTag = req.to.params.tag;
    if (toTag) {
      const dialog = this.dialogs.get(dialogKey({ callId: req.callId, localTag: toTag, remoteTag: req.from.params.tag ?? '' }));
      if (dialog) dialog.receiveRequest(incoming);
      else incoming.transaction.respond(createResponse(req, 481, { headers: this.ctx.commonHeaders }));
      return;
    }
    switch (req.method) {
      case 'INVITE':
        this.receiveInvite(incoming);
        return;
      case 'CANCEL':
        this.receiveCancel(incoming);
        return;
      case 'OPTIONS':
        incoming.transaction.respond(this.optionsResponse(req));
        return;
      default:
        if (this.listenerCount('request') > 0) this.emit('request', incoming);
        else incoming.transaction.respond(createResponse(req, 405, { headers: [...this.ctx.commonHeaders, { name: 'Allow', value: ALLOW }] }));
    }
  }

  /**
   * §8.2.2.3: a request (other than ACK and CANCEL) whose Require names an option tag we do not
   * support is answered 420 with those tags in Unsupported. Returns true when it was.
   */
  private rejectUnsupported(incoming: IncomingRequest): boolean {
    const req = incoming.request;
    if (req.method === 'ACK' || req.method === 'CANCEL') return false;
    const unsupported = getHeaders(req, 'Require').filter((tag) => !SUPPORTED_OPTIONS.has(tag.toLowerCase()));
    if (unsupported.length === 0) return false;
    incoming.transaction.respond(createResponse(req, 420, { headers: [...this.ctx.commonHeaders, { name: 'Unsupported', value: unsupported.join(', ') }] }));
    return true;
  }

  private receiveInvite(incoming: IncomingRequest): void {
    const txn = incoming.transaction;
    if (!(txn instanceof InviteServerTransaction)) return;
    const inv = new IncomingInvite(incoming.request, incoming.source, txn, this.ctx, (d) => this.adopt(d), (d) => this.forget(d));
    if (this.listenerCount('invite') === 0) {
      inv.reject(480, { reason: 'Temporarily Unavailable' });
      return;
    }
    // Kept until the transaction terminates (a call may ring for minutes); the dialog, if any,
    // lives on in `dialogs`.
    this.invitesByTxn.set(txn, inv);
    txn.whenTerminated(() => this.invitesByTxn.delete(txn));
    this.emit('invite', inv);
  }

  /** §9.2: CANCEL matches the INVITE server transaction with the same branch. */
  private receiveCancel(incoming: IncomingRequest): void {
    const req = incoming.request;
    const inviteTxn = this.opts.transactions.findInviteServer(req);
    const inv = inviteTxn ? this.invitesByTxn.get(inviteTxn) : undefined;
    if (!inv) {
      incoming.transaction.respond(createResponse(req, 481, { headers: this.ctx.commonHeaders }));
      return;
    }
    incoming.transaction.respond(createResponse(req, 200, { headers: this.ctx.commonHeaders }));
    inv.cancelledBy(req);
  }

  private receiveAck(ack: SipRequest): void {
    const d = this.dialogs.get(dialogKey({ callId: ack.callId, localTag: ack.to.params.tag ?? '', remoteTag: ack.from.params.tag ?? '' }));
    d?.receiveAck(ack);
  }

  /** §13.2.2.4: a 2xx whose transaction is gone: re-ACK a known dialog, or ACK + BYE an unknown fork. */
  private receiveStray2xx(res: SipResponse): void {
    const id = { callId: res.callId, localTag: res.from.params.tag ?? '', remoteTag: res.to.params.tag ?? '' };
    const d = this.dialogs.get(dialogKey(id));
    if (d) {
      d.receive2xxRetransmission();
      return;
    }
    const state: DialogState = {
      id, local: res.from, remote: res.to, localSeq: res.cseq.seq,
      remoteTarget: res.contact[0]?.uri ?? { scheme: 'sip', host: res.via[0]?.host ?? '', params: {}, headers: {} },
      routeSet: [...res.recordRoute].reverse(), secure: false,
    };
    const transport = viaTransport(res.via[0]?.transport ?? 'UDP');
    const fork = new Dialog(state, 'uac', transport, this.ctx, (x) => this.forget(x));
    this.adopt(fork);
    void fork.ack2xx(res).then(() => fork.bye()).then((r) => {
      if (r instanceof SipRequestError) this.ctx.report('ending stray 2xx dialog', r);
    });
  }

  /**
   * Draining (issue 16): from now on an out-of-dialog OPTIONS — a load balancer's health probe —
   * is answered 503 with Retry-After (RFC 3261 §21.5.4), so the node leaves the dispatcher set
   * while its live dialogs go on. Refusing new INVITEs is the application's decision.
   */
  drain(retryAfterSeconds: number): void {
    this.drainingRetryAfter = retryAfterSeconds;
  }

  /** §11.2: 200 with what we allow and accept; 503 while draining. */
  private optionsResponse(req: SipRequest): SipResponse {
    if (this.drainingRetryAfter !== undefined) {
      return createResponse(req, 503, { reason: 'Draining', headers: [...this.ctx.commonHeaders, { name: 'Retry-After', value: String(this.drainingRetryAfter) }] });
    }
    return createResponse(req, 200, { headers: [...this.ctx.commonHeaders, { name: 'Allow', value: ALLOW }, { name: 'Accept', value: 'application/sdp' }] });
  }

  /** Ends every dialog with BYE (used on shutdown) and waits for the answers (bounded by Timer F). */
  async byeAll(headers: readonly SipHeader[] = []): Promise<void> {
    await Promise.all([...this.dialogs.values()].map((d) => d.bye(headers)));
  }

  /** Forgets every dialog and pending INVITE without signalling (the stack is closing). */
  close(): void {
    for (const d of [...this.dialogs.values()]) d.end('closed');
    this.invitesByTxn.clear();
  }

  /** The peers a URI resolves to, for callers that want to try several gateways themselves. */
  resolve(uri: Uri, fallback: TransportName): Promise<Peer[]> {
    return this.ctx.resolve(uri, fallback);
  }
}
