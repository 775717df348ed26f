import type { SipRequest, SipResponse } from '../message/types.js';
import { Transaction, type ServerTransactionUser, type TransactionEnv } from './transaction.js';

export type NonInviteServerState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

/** Non-INVITE server transaction: RFC 3261 §17.2.2 (Timer J). */
export class NonInviteServerTransaction extends Transaction<NonInviteServerState> {
  readonly kind = 'non-invite-server' as const;
  private last: SipResponse | undefined;

  constructor(
    readonly request: SipRequest,
    env: TransactionEnv,
    private readonly tu: ServerTransactionUser,
    onTerminated: () => void,
  ) {
    super('Trying', env, onTerminated);
  }

  get lastResponse(): SipResponse | undefined {
    return this.last;
  }

  /** A retransmission: discarded in Trying, answered with the last response afterwards. */
  receiveRequest(_req: SipRequest): void {
    if ((this.state === 'Proceeding' || this.state === 'Completed') && this.last) this.send(this.last);
  }

  respond(res: SipResponse): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
    this.last = res;
    this.send(res);
    if (res.status < 200) {
      this.state = 'Proceeding';
      return;
    }
    this.state = 'Completed';
    this.startTimer('J', this.env.timers.J, () => this.terminate('Terminated'));
  }

  private send(res: SipResponse): void {
    this.transmit(res, (e) => {
      if (this.terminated) return;
      this.terminate('Terminated');
      this.tu.transportError?.(e);
    });
  }
}
