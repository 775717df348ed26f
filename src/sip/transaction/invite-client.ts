import { createRequest } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { Transaction, type ClientTransactionUser, type TransactionEnv } from './transaction.js';

export type InviteClientState = 'Calling' | 'Proceeding' | 'Completed' | 'Accepted' | 'Terminated';

/**
 * INVITE client transaction: RFC 3261 §17.1.1 as updated by RFC 6026 §7.2 (the Accepted state
 * absorbs 2xx retransmissions and 2xx from other forks, which go to the TU, for Timer M).
 */
export class InviteClientTransaction extends Transaction<InviteClientState> {
  readonly kind = 'invite-client' as const;
  private ack: SipRequest | undefined;

  constructor(
    readonly request: SipRequest,
    env: TransactionEnv,
    private readonly tu: ClientTransactionUser,
    onTerminated: () => void,
  ) {
    super('Calling', env, onTerminated);
  }

  /** §17.1.1.2: send the INVITE, start Timer A (unreliable transports only) and Timer B. */
  start(): void {
    this.transmit(this.request, (e) => this.failTransport(e));
    if (!this.env.reliable) this.armTimerA(this.env.timers.A);
    this.startTimer('B', this.env.timers.B, () => {
      if (this.state !== 'Calling') return;
      this.terminate('Terminated');
      this.tu.timeout();
    });
  }

  private armTimerA(interval: number): void {
    this.startTimer('A', interval, () => {
      if (this.state !== 'Calling') return;
      this.transmit(this.request, (e) => this.failTransport(e));
      this.armTimerA(interval * 2);
    });
  }

  receiveResponse(res: SipResponse): void {
    const s = res.status;
    switch (this.state) {
      case 'Calling':
      case 'Proceeding':
        if (s < 200) {
          this.state = 'Proceeding';
          this.stopTimer('A');
          this.stopTimer('B');
          this.tu.receiveResponse(res);
        } else if (s < 300) {
          this.enterAccepted(res);
        } else {
          this.enterCompleted(res);
        }
        return;
      case 'Accepted':
        // RFC 6026 §7.2: 2xx retransmissions and 2xx from other branches go to the TU.
        if (s >= 200 && s < 300) this.tu.receiveResponse(res);
        return;
      case 'Completed':
        // §17.1.1.2: a retransmitted final response is answered with the same ACK, not passed up.
        if (s >= 300 && this.ack) this.transmit(this.ack, () => undefined);
        return;
      default:
        return;
    }
  }

  private enterAccepted(res: SipResponse): void {
    this.state = 'Accepted';
    this.stopTimer('A');
    this.stopTimer('B');
    this.startTimer('M', this.env.timers.M, () => this.terminate('Terminated'));
    this.tu.receiveResponse(res);
  }

  private enterCompleted(res: SipResponse): void {
    this.state = 'Completed';
    this.stopTimer('A');
    this.stopTimer('B');
    this.ack = buildNon2xxAck(this.request, res);
    this.transmit(this.ack, (e) => this.failTransport(e));
    this.tu.receiveResponse(res);
    this.startTimer('D', this.env.timers.D, () => this.terminate('Terminated'));
  }

  private failTransport(e: Error): void {
    if (this.terminated || this.state === 'Completed' || this.state === 'Accepted') return;
    this.terminate('Terminated');
    this.tu.transportError(e);
  }
}

/**
 * §17.1.1.3: the ACK for a non-2xx final response is built by the transaction: same Request-URI,
 * Call-ID, From and CSeq number as the INVITE, the To of the response, only the top Via, and the
 * INVITE's Route headers.
 */
export function buildNon2xxAck(invite: SipRequest, res: SipResponse): SipRequest {
  return createRequest({
    method: 'ACK',
    uri: invite.uri,
    via: invite.via.slice(0, 1),
    from: invite.from,
    to: res.to,
    callId: invite.callId,
    cseq: { seq: invite.cseq.seq, method: 'ACK' },
    route: invite.route,
  });
}
