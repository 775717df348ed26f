import type { SipRequest, SipResponse } from '../message/types.js';
import { Transaction, type ServerTransactionUser, type TransactionEnv } from './transaction.js';

export type InviteServerState = 'Proceeding' | 'Completed' | 'Confirmed' | 'Accepted' | 'Terminated';

/**
 * INVITE server transaction: RFC 3261 §17.2.1 with RFC 6026 §7.1 (Accepted state, Timer L).
 * 2xx retransmissions are the UAS core's job (§13.3.1.4); they pass through `respond` while
 * the transaction is Accepted.
 */
export class InviteServerTransaction extends Transaction<InviteServerState> {
  readonly kind = 'invite-server' as const;
  private last: SipResponse | undefined;

  constructor(
    readonly request: SipRequest,
    env: TransactionEnv,
    private readonly tu: ServerTransactionUser,
    onTerminated: () => void,
  ) {
    super('Proceeding', env, onTerminated);
  }

  /** The most recent response sent, if any. */
  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** A retransmitted INVITE or an ACK (for a non-2xx final, or a 2xx in Accepted) arrived. */
  receiveRequest(req: SipRequest): void {
    if (req.method === 'ACK') {
      if (this.state === 'Completed') {
        this.state = 'Confirmed';
        this.stopTimer('G');
        this.stopTimer('H');
        this.startTimer('I', this.env.timers.I, () => this.terminate('Terminated'));
      } else if (this.state === 'Accepted') {
        this.tu.receiveAck?.(req);
      }
      return;
    }
    // §17.2.1: a retransmitted INVITE gets the last provisional or final response again;
    // RFC 6026 §7.1: in Accepted it is absorbed.
    if ((this.state === 'Proceeding' || this.state === 'Completed') && this.last) this.send(this.last);
  }

  respond(res: SipResponse): void {
    const s = res.status;
    if (this.state === 'Accepted') {
      if (s >= 200 && s < 300) this.send(res);
      return;
    }
    if (this.state !== 'Proceeding') return;
    this.last = res;
    this.send(res);
    if (s < 200) return;
    if (s < 300) {
      this.state = 'Accepted';
      this.startTimer('L', this.env.timers.L, () => this.terminate('Terminated'));
      return;
    }
    this.state = 'Completed';
    if (!this.env.reliable) this.armTimerG(this.env.timers.G);
    this.startTimer('H', this.env.timers.H, () => {
      if (this.state !== 'Completed') return;
      this.terminate('Terminated');
      this.tu.timeout?.();
    });
  }

  /** Timer G: retransmit the final response, doubling up to T2. */
  private armTimerG(interval: number): void {
    this.startTimer('G', interval, () => {
      if (this.state !== 'Completed' || !this.last) return;
      this.send(this.last);
      this.armTimerG(Math.min(interval * 2, this.env.T2));
    });
  }

  private send(res: SipResponse): void {
    this.transmit(res, (e) => {
      if (this.terminated) return;
      this.terminate('Terminated');
      this.tu.transportError?.(e);
    });
  }
}
