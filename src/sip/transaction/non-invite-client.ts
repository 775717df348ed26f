import type { SipRequest, SipResponse } from '../message/types.js';
import { Transaction, type ClientTransactionUser, type TransactionEnv } from './transaction.js';

export type NonInviteClientState = 'Trying' | 'Proceeding' | 'Completed' | 'Terminated';

/** Non-INVITE client transaction: RFC 3261 §17.1.2 (Timers E, F and K). */
export class NonInviteClientTransaction extends Transaction<NonInviteClientState> {
  readonly kind = 'non-invite-client' as const;

  constructor(
    readonly request: SipRequest,
    env: TransactionEnv,
    private readonly tu: ClientTransactionUser,
    onTerminated: () => void,
  ) {
    super('Trying', env, onTerminated);
  }

  /** §17.1.2.2: send the request, start Timer F and, on unreliable transports, Timer E. */
  start(): void {
    this.transmit(this.request, (e) => this.failTransport(e));
    if (!this.env.reliable) this.armTimerE(this.env.timers.E);
    this.startTimer('F', this.env.timers.F, () => {
      if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
      this.terminate('Terminated');
      this.tu.timeout();
    });
  }

  /** Timer E doubles up to T2 in Trying; in Proceeding it fires every T2. */
  private armTimerE(interval: number): void {
    this.startTimer('E', interval, () => {
      if (this.state !== 'Trying' && this.state !== 'Proceeding') return;
      this.transmit(this.request, (e) => this.failTransport(e));
      const next = this.state === 'Proceeding' ? this.env.T2 : Math.min(interval * 2, this.env.T2);
      this.armTimerE(next);
    });
  }

  receiveResponse(res: SipResponse): void {
    if (this.state !== 'Trying' && this.state !== 'Proceeding') return; // Completed absorbs retransmissions
    if (res.status < 200) {
      this.state = 'Proceeding';
      this.tu.receiveResponse(res);
      return;
    }
    this.state = 'Completed';
    this.stopTimer('E');
    this.stopTimer('F');
    this.tu.receiveResponse(res);
    this.startTimer('K', this.env.timers.K, () => this.terminate('Terminated'));
  }

  private failTransport(e: Error): void {
    if (this.terminated || this.state === 'Completed') return;
    this.terminate('Terminated');
    this.tu.transportError(e);
  }
}
