import type { Clock, TimerHandle } from '../../kernel/clock.js';
import type { SipMessage, SipRequest, SipResponse } from '../message/types.js';
import type { TransactionTimers } from './timers.js';

/** What a transaction needs from the world: time, timer values for its transport, and a way out. */
export interface TransactionEnv {
  readonly clock: Clock;
  readonly timers: TransactionTimers;
  /** T2 (RFC 3261 §17.1.2.2, §17.2.1): the cap for doubling retransmit intervals. */
  readonly T2: number;
  readonly reliable: boolean;
  /** Sends on the transaction's flow. A rejected promise is a transport error (§17.1.4, §17.2.4). */
  send(msg: SipMessage): Promise<void>;
}

/** The client transaction user (§17.1): the UAC core or a dialog usage. */
export interface ClientTransactionUser {
  receiveResponse(res: SipResponse): void;
  /** Timer B or F fired: no final response arrived in time. */
  timeout(): void;
  transportError(e: Error): void;
}

/** The server transaction user (§17.2). */
export interface ServerTransactionUser {
  /** Timer H fired (no ACK to a final non-2xx response), or a response could not be sent. */
  transportError?(e: Error): void;
  timeout?(): void;
  /** An ACK matched an INVITE server transaction in Accepted state (RFC 6026 §7.1). */
  receiveAck?(ack: SipRequest): void;
}

/** Common machinery: named timers on the injected clock and a once-only termination. */
export abstract class Transaction<S extends string> {
  abstract readonly kind: 'invite-client' | 'non-invite-client' | 'invite-server' | 'non-invite-server';
  private readonly running = new Map<string, TimerHandle>();
  private readonly onEnd: Array<() => void> = [];
  private done = false;
  protected constructor(
    public state: S,
    protected readonly env: TransactionEnv,
    private readonly onTerminated: () => void,
  ) {}

  get terminated(): boolean {
    return this.done;
  }

  /** Runs `fn` once the transaction is Terminated (at once when it already is). */
  whenTerminated(fn: () => void): void {
    if (this.done) fn();
    else this.onEnd.push(fn);
  }

  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    this.running.set(name, this.env.clock.setTimer(ms, () => {
      this.running.delete(name);
      fire();
    }));
  }

  protected stopTimer(name: string): void {
    this.running.get(name)?.cancel();
    this.running.delete(name);
  }

  /** Names of running timers, for tests and diagnostics. */
  get activeTimers(): string[] {
    return [...this.running.keys()].sort();
  }

  protected transmit(msg: SipMessage, onError: (e: Error) => void): void {
    this.env.send(msg).catch((e: unknown) => onError(e instanceof Error ? e : new Error(String(e))));
  }

  /** Moves to Terminated, cancels every timer and tells the transaction layer (idempotent). */
  terminate(terminatedState: S): void {
    if (this.done) return;
    this.done = true;
    this.state = terminatedState;
    for (const t of this.running.values()) t.cancel();
    this.running.clear();
    this.onTerminated();
    for (const fn of this.onEnd.splice(0)) fn();
  }
}
