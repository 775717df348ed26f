import type { TimerHandle } from '../../kernel/clock.js';
import { Emitter } from '../../kernel/emitter.js';
import { checkExtraHeaders, createResponse, formatUri } from '../message/index.js';
import type { NameAddr, Params, SipHeader, SipRequest, SipResponse } from '../message/types.js';
import {
  acceptRemoteSeq, buildInDialogRequest, dialogKey, nextHop, nextLocalSeq, refreshTarget, type DialogState,
} from '../dialog/dialog-state.js';
import type { IncomingRequest, ServerTransaction } from '../transaction/layer.js';
import { SipTlsRequiredError } from '../transport/errors.js';
import type { Peer, TransportName } from '../transport/types.js';
import { sendRequest, SipRequestError, type UaContext } from './context.js';

export type DialogEndReason = 'bye-received' | 'bye-sent' | 'ack-timeout' | 'closed';

export interface BodyInit {
  readonly body?: Buffer | string;
  readonly contentType?: string;
  readonly headers?: readonly SipHeader[];
}

/** An offer (or offerless re-INVITE) from the peer within the dialog; answer it once. */
export interface IncomingReinvite {
  readonly request: SipRequest;
  respond(status: number, init?: BodyInit & { reason?: string }): void;
}

/** `contact` with extra parameters (feature tags, RFC 3840). */
export function withContactParams(contact: NameAddr, params: Params | undefined): NameAddr {
  return params ? { ...contact, params: { ...contact.params, ...params } } : contact;
}

export type DialogEvents = {
  /**
   * The ACK for our 2xx arrived (UAS) — the dialog is confirmed. After a late-offer INVITE
   * (no SDP, our offer in the 2xx) the ACK's body is the answer (RFC 3264 §5, RFC 3261 §13.2.1).
   */
  confirmed: [ack: SipRequest];
  reinvite: [offer: IncomingReinvite];
  info: [req: SipRequest];
  refer: [req: SipRequest];
  notify: [req: SipRequest];
  message: [req: SipRequest];
  terminated: [reason: DialogEndReason, req?: SipRequest];
};

/**
 * One INVITE dialog usage (RFC 3261 §12–§15): in-dialog requests both ways, re-INVITE,
 * BYE, 2xx retransmission until ACK (§13.3.1.4) and ACK retransmission on 2xx (§13.2.2.4).
 */
export class Dialog extends Emitter<DialogEvents> {
  private ended = false;
  private retransmit: { timer?: TimerHandle; cancel(): void } | undefined;
  private lastAck: { ack: SipRequest; dest: Peer } | undefined;
  private reinviting = false;
  /** §15: our hang-up waits for the ACK of our 2xx; called with true to send the BYE, false when none may go. */
  private byeAfterAck: ((send: boolean) => void) | undefined;
  /** Parameters our Contact carries in this dialog's target-refresh requests (feature tags). */
  contactParams: Params | undefined;

  constructor(
    public state: DialogState,
    readonly role: 'uac' | 'uas',
    readonly transport: TransportName,
    private readonly ctx: UaContext,
    private readonly onForget: (d: Dialog) => void,
  ) {
    super((e) => ctx.report('dialog listener', e));
  }

  get key(): string {
    return dialogKey(this.state.id);
  }

  get callId(): string {
    return this.state.id.callId;
  }

  get terminated(): boolean {
    return this.ended;
  }

  /**
   * UAC: ACK a 2xx (initial INVITE or re-INVITE, §13.2.2.4) and remember it for retransmitted
   * 2xx. Never rejects: a failure to build, route or send it resolves to a SipRequestError.
   */
  async ack2xx(res: SipResponse): Promise<SipRequestError | undefined> {
    try {
      const ack = buildInDialogRequest(this.state, { method: 'ACK', via: this.ctx.via(this.transport), cseq: res.cseq.seq, headers: this.ctx.commonHeaders });
      const dest = await this.nextHopPeer();
      this.lastAck = { ack, dest };
      await this.ctx.transactions.sendAck(ack, dest);
      return undefined;
    } catch (e) {
      return SipRequestError.from(e, 'ACK');
    }
  }

  /** UAC: a 2xx arrived again (our ACK was lost); send the same ACK again. */
  receive2xxRetransmission(): void {
    if (this.lastAck) this.ctx.transactions.sendAck(this.lastAck.ack, this.lastAck.dest).catch((e: unknown) => this.ctx.report('ACK retransmission', e));
  }

  /** UAS: keep sending our 2xx until the ACK comes (§13.3.1.4); no ACK in 64·T1 → BYE. */
  startRetransmitting2xx(txn: ServerTransaction, res: SipResponse): void {
    const { T1, T2 } = this.ctx.transactions.timerBase;
    let interval = T1;
    let stopped = false;
    const giveUp = this.ctx.clock.setTimer(64 * T1, () => {
      if (stopped) return;
      stop();
      // §15: the server transaction timed out: a hang-up that waited for the ACK goes out now.
      if (this.releaseBye(true)) return;
      this.ctx.logger.warn('no ACK for 2xx; ending the dialog with BYE', { callId: this.callId });
      // The dialog ends as ack-timeout first, so listeners learn why; the BYE follows (§13.3.1.4).
      this.end('ack-timeout');
      void this.sendBye([]).then((r) => {
        if (r instanceof SipRequestError) this.ctx.report('BYE after ACK timeout', r);
      });
    });
    const state: { timer?: TimerHandle; cancel(): void } = { cancel: () => stop() };
    const stop = (): void => {
      stopped = true;
      state.timer?.cancel();
      giveUp.cancel();
    };
    const arm = (): void => {
      state.timer = this.ctx.clock.setTimer(interval, () => {
        if (stopped) return;
        txn.respond(res);
        interval = Math.min(interval * 2, T2);
        arm();
      });
    };
    // Over TCP the transport is reliable, but the 2xx is still retransmitted by the core (§13.3.1.4).
    arm();
    this.retransmit?.cancel();
    this.retransmit = state;
  }

  /** UAS: the ACK for our 2xx (initial or re-INVITE). */
  receiveAck(ack: SipRequest): void {
    if (!this.retransmit) return;
    this.retransmit.cancel();
    this.retransmit = undefined;
    if (this.releaseBye(true)) return;
    this.emit('confirmed', ack);
  }

  /** Lets a hang-up that waits for the ACK go on (`send`) or drop its BYE; false when none waits. */
  private releaseBye(send: boolean): boolean {
    const release = this.byeAfterAck;
    if (!release) return false;
    this.byeAfterAck = undefined;
    release(send);
    return true;
  }

  /** A request within this dialog, already matched by the UA core. */
  receiveRequest(incoming: IncomingRequest): void {
    const req = incoming.request;
    const txn = incoming.transaction;
    const next = acceptRemoteSeq(this.state, req.cseq.seq);
    if (!next) {
      txn.respond(createResponse(req, 500, { reason: 'Server Internal Error - CSeq out of order', headers: this.ctx.commonHeaders }));
      return;
    }
    this.state = next;
    switch (req.method) {
      case 'BYE':
        txn.respond(createResponse(req, 200, { headers: this.ctx.commonHeaders }));
        this.end('bye-received', req);
        return;
      case 'INVITE':
        this.receiveReinvite(req, txn);
        return;
      case 'UPDATE':
        // No offer/answer in UPDATE yet: accept a session refresh without a body only.
        txn.respond(createResponse(req, req.body.length ? 488 : 200, { headers: this.ctx.commonHeaders }));
        return;
      case 'INFO':
      case 'OPTIONS':
      case 'NOTIFY':
      case 'MESSAGE':
        txn.respond(createResponse(req, 200, { headers: this.ctx.commonHeaders }));
        if (req.method !== 'OPTIONS') this.emit(req.method.toLowerCase() as 'info' | 'notify' | 'message', req);
        return;
      case 'REFER':
        // RFC 3515 §2.4.2: 202 promises NOTIFYs; with nobody to act on the REFER, refuse it.
        if (this.listenerCount('refer') === 0) {
          txn.respond(createResponse(req, 403, { reason: 'Forbidden - REFER not handled', headers: this.ctx.commonHeaders }));
          return;
        }
        txn.respond(createResponse(req, 202, { headers: this.ctx.commonHeaders }));
        this.emit('refer', req);
        return;
      default:
        txn.respond(createResponse(req, 405, { headers: [...this.ctx.commonHeaders, { name: 'Allow', value: ALLOW }] }));
    }
  }

  private receiveReinvite(req: SipRequest, txn: ServerTransaction): void {
    if (this.reinviting) {
      txn.respond(createResponse(req, 491, { headers: this.ctx.commonHeaders })); // §14.2 glare
      return;
    }
    if (this.listenerCount('reinvite') === 0) {
      txn.respond(createResponse(req, 488, { headers: this.ctx.commonHeaders }));
      return;
    }
    let answered = false;
    this.emit('reinvite', {
      request: req,
      respond: (status, init) => {
        if (answered) return;
        answered = true;
        const res = createResponse(req, status, {
          reason: init?.reason,
          contact: status < 300 ? [this.ctx.contact(this.transport, undefined, this.state.secure)] : undefined,
          headers: [...this.ctx.commonHeaders, ...(init?.headers ?? [])],
          body: init?.body,
          contentType: init?.contentType,
        });
        txn.respond(res);
        if (status >= 200 && status < 300) {
          this.state = refreshTarget(this.state, req.contact);
          this.startRetransmitting2xx(txn, res);
        }
      },
    });
  }

  /**
   * Sends a non-INVITE request in the dialog (INFO, REFER, NOTIFY, OPTIONS, MESSAGE …).
   * Rejects only with SipRequestError (408 timeout, 503 unreachable, 500 cannot be built).
   */
  async request(method: string, init: BodyInit = {}): Promise<SipResponse> {
    if (this.ended && method !== 'BYE') throw new SipRequestError(481, 'dialog has ended');
    return this.send(method, init);
  }

  private async send(method: string, init: BodyInit): Promise<SipResponse> {
    let req: SipRequest;
    let dest: Peer;
    try {
      checkExtraHeaders(init.headers, { reserved: false });
      this.state = nextLocalSeq(this.state);
      req = buildInDialogRequest(this.state, {
        method,
        via: this.ctx.via(this.transport),
        headers: [...this.ctx.commonHeaders, ...(init.headers ?? [])],
        body: init.body,
        contentType: init.contentType,
        // §12.2.1.1 / RFC 3515 §2.4.1: a target-refresh request (re-INVITE) and REFER, NOTIFY carry our Contact.
        contact: method === 'INVITE' || method === 'REFER' || method === 'NOTIFY' ? withContactParams(this.ctx.contact(this.transport, undefined, this.state.secure), this.contactParams) : undefined,
      });
      dest = await this.nextHopPeer();
    } catch (e) {
      throw SipRequestError.from(e, `${method} to ${formatUri(nextHop(this.state))}`);
    }
    return sendRequest(this.ctx, req, dest).catch((e: unknown) => {
      throw SipRequestError.from(e, method);
    });
  }

  /** §14.1: a re-INVITE (hold/unhold/refresh); the 2xx is ACKed here. */
  async reinvite(init: BodyInit): Promise<SipResponse> {
    if (this.ended) throw new SipRequestError(481, 'dialog has ended');
    if (this.reinviting) throw new SipRequestError(491, 're-INVITE already in progress');
    this.reinviting = true;
    try {
      const res = await this.send('INVITE', {
        ...init,
        contentType: init.contentType ?? (init.body ? 'application/sdp' : undefined),
      });
      if (res.status >= 200 && res.status < 300) {
        this.state = refreshTarget(this.state, res.contact);
        const failed = await this.ack2xx(res);
        if (failed) this.ctx.report('ACK for re-INVITE 2xx', failed);
      }
      return res;
    } finally {
      this.reinviting = false;
    }
  }

  /**
   * §15.1.1: ends the dialog; resolves with the BYE's final response, or with a SipRequestError
   * when it could not be built, routed, sent or answered. Never rejects.
   */
  async bye(headers: readonly SipHeader[] = []): Promise<SipResponse | SipRequestError> {
    if (this.ended) return new SipRequestError(481, 'dialog already ended');
    if (this.role === 'uas' && this.retransmit) return this.byeWhenAcked(headers);
    this.end('bye-sent');
    return this.sendBye(headers);
  }

  /**
   * §15: "the callee's UA MUST NOT send a BYE on a confirmed dialog until it has received an ACK
   * for its 2xx response or until the server transaction times out". The dialog ends for its
   * users now; it stays known to the UA (the ACK must still match it, the 2xx is still
   * retransmitted) and the BYE goes out on the ACK, or when the 2xx gives up at 64·T1. A BYE from
   * the peer meanwhile ends it without ours.
   */
  private async byeWhenAcked(headers: readonly SipHeader[]): Promise<SipResponse | SipRequestError> {
    this.ended = true;
    this.emit('terminated', 'bye-sent');
    const send = await new Promise<boolean>((resolve) => { this.byeAfterAck = resolve; });
    this.retransmit?.cancel();
    this.retransmit = undefined;
    this.onForget(this);
    return send ? this.sendBye(headers) : new SipRequestError(481, 'dialog ended before our BYE could go');
  }

  private async sendBye(headers: readonly SipHeader[]): Promise<SipResponse | SipRequestError> {
    try {
      return await this.send('BYE', { headers });
    } catch (e) {
      return SipRequestError.from(e, 'BYE');
    }
  }

  /**
   * Where the next request goes: the first route, else the remote target (§12.2.1.1, §8.1.2),
   * over the dialog's transport unless the URI names another. §26.2.2: a dialog set up with a
   * sips: Request-URI keeps using TLS on every hop.
   */
  private async nextHopPeer(): Promise<Peer> {
    const hop = nextHop(this.state);
    const peers = await this.ctx.resolve(hop, this.state.secure ? 'tls' : this.transport);
    const first = peers[0];
    if (!first) throw new SipRequestError(503, `no address for ${formatUri(hop)}`);
    if (this.state.secure && first.transport !== 'tls') throw new SipTlsRequiredError(formatUri(hop));
    return first;
  }

  /** Marks the dialog ended without sending anything (idempotent). */
  end(reason: DialogEndReason, req?: SipRequest): void {
    // Ended already, its BYE waiting for the ACK: the peer's BYE, or closing, means none goes.
    if (this.ended) {
      this.releaseBye(false);
      return;
    }
    this.ended = true;
    this.retransmit?.cancel();
    this.retransmit = undefined;
    this.onForget(this);
    this.emit('terminated', reason, req);
  }
}

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, MESSAGE, UPDATE';
