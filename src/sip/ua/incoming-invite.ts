import { Emitter } from '../../kernel/emitter.js';
import { newTag } from '../../kernel/ids.js';
import { uasDialogState } from '../dialog/dialog-state.js';
import { createResponse } from '../message/index.js';
import type { NameAddr, SipHeader, SipRequest } from '../message/types.js';
import type { InviteServerTransaction } from '../transaction/invite-server.js';
import type { Peer } from '../transport/types.js';
import type { UaContext } from './context.js';
import { Dialog, type BodyInit } from './dialog.js';

export type IncomingInviteEvents = {
  /** The caller sent CANCEL before we answered (§9.2); we already replied 487. */
  cancelled: [cancel: SipRequest];
};

/**
 * A UAS INVITE (RFC 3261 §13.3): provisional responses with one To tag, a 2xx that creates the
 * dialog and is retransmitted until ACK (§13.3.1.4), or a final rejection.
 */
export class IncomingInvite extends Emitter<IncomingInviteEvents> {
  readonly localTag = newTag();
  private finalSent = false;
  private dialog: Dialog | undefined;

  constructor(
    readonly request: SipRequest,
    readonly source: Peer,
    private readonly txn: InviteServerTransaction,
    private readonly ctx: UaContext,
    private readonly adoptDialog: (d: Dialog) => void,
    private readonly forgetDialog: (d: Dialog) => void,
  ) {
    super((e) => ctx.report('incoming invite listener', e));
  }

  get answered(): boolean {
    return this.dialog !== undefined;
  }

  get done(): boolean {
    return this.finalSent;
  }

  /** 180 Ringing by default; 183 with an SDP body for early media. */
  progress(status = 180, init: BodyInit & { reason?: string } = {}): void {
    if (this.finalSent || status <= 100 || status >= 200) return;
    this.txn.respond(createResponse(this.request, status, {
      reason: init.reason,
      toTag: this.localTag,
      copyRecordRoute: true,
      contact: [this.contact()],
      headers: [...this.ctx.commonHeaders, ...(init.headers ?? [])],
      body: init.body,
      contentType: init.contentType,
    }));
  }

  /** Sends the 2xx and returns the dialog; it emits `confirmed` when the ACK arrives. */
  accept(init: BodyInit = {}): Dialog {
    if (this.dialog) return this.dialog;
    if (this.finalSent) throw new Error('INVITE already answered');
    this.finalSent = true;
    const res = createResponse(this.request, 200, {
      toTag: this.localTag,
      copyRecordRoute: true,
      contact: [this.contact()],
      headers: [...this.ctx.commonHeaders, ...(init.headers ?? [])],
      body: init.body,
      contentType: init.contentType ?? (init.body ? 'application/sdp' : undefined),
    });
    const dialog = new Dialog(uasDialogState(this.request, this.localTag), 'uas', this.source.transport, this.ctx, this.forgetDialog);
    this.dialog = dialog;
    this.adoptDialog(dialog);
    this.txn.respond(res);
    dialog.startRetransmitting2xx(this.txn, res);
    return dialog;
  }

  /** §12.1.1 / §8.1.1.8: a sips: Request-URI is answered with a sips: Contact. */
  private contact(): NameAddr {
    return this.ctx.contact(this.source.transport, undefined, this.request.uri.scheme === 'sips');
  }

  reject(status: number, init: { reason?: string; headers?: readonly SipHeader[] } = {}): void {
    if (this.finalSent || status < 300) return;
    this.finalSent = true;
    this.txn.respond(createResponse(this.request, status, {
      reason: init.reason,
      toTag: this.localTag,
      headers: [...this.ctx.commonHeaders, ...(init.headers ?? [])],
    }));
  }

  /** §9.2: called by the UA core when a CANCEL matches this INVITE. Returns false if too late. */
  cancelledBy(cancel: SipRequest): boolean {
    if (this.finalSent) return false;
    this.finalSent = true;
    this.txn.respond(createResponse(this.request, 487, { toTag: this.localTag, headers: this.ctx.commonHeaders }));
    this.emit('cancelled', cancel);
    return true;
  }
}
