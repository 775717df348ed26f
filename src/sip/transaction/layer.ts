import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { createResponse } from '../message/index.js';
import type { SipRequest, SipResponse } from '../message/types.js';
import { isReliable, type Inbound, type MessageTransport, type Peer } from '../transport/types.js';
import { InviteClientTransaction } from './invite-client.js';
import { InviteServerTransaction } from './invite-server.js';
import { NonInviteClientTransaction } from './non-invite-client.js';
import { NonInviteServerTransaction } from './non-invite-server.js';
import { DEFAULT_TIMERS, transactionTimers, type TimerBase } from './timers.js';
import type { ClientTransactionUser, ServerTransactionUser, TransactionEnv } from './transaction.js';

export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** A request that created a new server transaction, handed to the transaction user (UA core). */
export interface IncomingRequest {
  readonly request: SipRequest;
  readonly transaction: ServerTransaction;
  readonly source: Peer;
  readonly flowId?: string;
}

/** What the layer hands up that belongs to no transaction. */
export interface TransactionLayerUser {
  /** A request that starts a new server transaction (ACKs never do). */
  receiveRequest(incoming: IncomingRequest): void;
  /** An ACK matching no INVITE server transaction: the ACK for a 2xx (§13.3.1.4, §17.2.3). */
  receiveAck(ack: SipRequest, source: Peer): void;
  /** A 2xx to INVITE whose client transaction is gone: a retransmission or a late fork (§13.2.2.4). */
  receiveStray2xx(res: SipResponse, source: Peer): void;
}

export interface TransactionLayerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly transport: MessageTransport;
  readonly timers?: TimerBase;
}

/**
 * Matches messages to transactions (RFC 3261 §17.1.3 client, §17.2.3 server) and runs the
 * transactions' effects through the transport layer.
 */
export class TransactionLayer {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly base: TimerBase;
  private user: TransactionLayerUser | undefined;

  constructor(private readonly opts: TransactionLayerOptions) {
    this.base = opts.timers ?? DEFAULT_TIMERS;
    opts.transport.onInbound((inbound) => this.receive(inbound));
  }

  get timerBase(): TimerBase {
    return this.base;
  }

  setUser(user: TransactionLayerUser): void {
    this.user = user;
  }

  get counts(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }

  /** Starts a client transaction for `req` (its top Via carries the branch) towards `dest`. */
  sendRequest(req: SipRequest, dest: Peer, tu: ClientTransactionUser): ClientTransaction {
    const env = this.env(isReliable(dest.transport), (m) => this.opts.transport.sendRequest(m as SipRequest, dest));
    const key = clientKey(req.via[0]?.branch ?? '', req.method);
    const forget = (): void => {
      if (this.clients.get(key) === txn) this.clients.delete(key);
    };
    const txn: ClientTransaction = req.method === 'INVITE'
      ? new InviteClientTransaction(req, env, tu, forget)
      : new NonInviteClientTransaction(req, env, tu, forget);
    this.clients.set(key, txn);
    txn.start();
    return txn;
  }

  /** Sends an ACK for a 2xx, which is not a transaction (§13.2.2.4, §17.1.1.3). */
  sendAck(ack: SipRequest, dest: Peer): Promise<void> {
    return this.opts.transport.sendRequest(ack, dest);
  }

  /** Finds the INVITE server transaction a CANCEL targets (§9.2: same branch, method INVITE). */
  findInviteServer(cancel: SipRequest): InviteServerTransaction | undefined {
    const t = this.servers.get(serverKey(cancel, 'INVITE'));
    return t instanceof InviteServerTransaction ? t : undefined;
  }

  /** Terminates every transaction and cancels its timers (shutdown). */
  close(): void {
    for (const t of [...this.clients.values()]) t.terminate('Terminated');
    for (const t of [...this.servers.values()]) t.terminate('Terminated');
    this.clients.clear();
    this.servers.clear();
  }

  private env(reliable: boolean, send: TransactionEnv['send']): TransactionEnv {
    return { clock: this.opts.clock, timers: transactionTimers(this.base, reliable), T2: this.base.T2, reliable, send };
  }

  private receive(inbound: Inbound): void {
    const m = inbound.message;
    if (m.kind === 'response') this.receiveResponse(m, inbound.source);
    else this.receiveRequest(m, inbound);
  }

  private receiveResponse(res: SipResponse, source: Peer): void {
    const txn = this.clients.get(clientKey(res.via[0]?.branch ?? '', res.cseq.method));
    if (txn) {
      txn.receiveResponse(res);
      return;
    }
    if (res.cseq.method === 'INVITE' && res.status >= 200 && res.status < 300) this.user?.receiveStray2xx(res, source);
  }

  private receiveRequest(req: SipRequest, inbound: Inbound): void {
    const key = serverKey(req, req.method === 'ACK' ? 'INVITE' : req.method);
    const existing = this.servers.get(key);
    if (existing) {
      existing.receiveRequest(req);
      return;
    }
    if (req.method === 'ACK') {
      this.user?.receiveAck(req, inbound.source);
      return;
    }
    const reliable = isReliable(inbound.source.transport);
    const env = this.env(reliable, (m) => this.opts.transport.sendResponse(m as SipResponse, inbound.flowId));
    const forget = (): void => {
      if (this.servers.get(key) === txn) this.servers.delete(key);
    };
    const tu: ServerTransactionUser = {
      receiveAck: (ack) => this.user?.receiveAck(ack, inbound.source),
      transportError: (e) => this.opts.logger.debug('server transaction transport error', { err: e.message, callId: req.callId }),
      timeout: () => this.opts.logger.debug('no ACK for final response (Timer H)', { callId: req.callId }),
    };
    const txn: ServerTransaction = req.method === 'INVITE'
      ? new InviteServerTransaction(req, env, tu, forget)
      : new NonInviteServerTransaction(req, env, tu, forget);
    this.servers.set(key, txn);
    // §17.2.1: a 100 Trying at once, so the client stops retransmitting the INVITE.
    if (txn instanceof InviteServerTransaction) txn.respond(createResponse(req, 100));
    if (!this.user) {
      txn.respond(createResponse(req, 503));
      return;
    }
    this.user.receiveRequest({ request: req, transaction: txn, source: inbound.source, flowId: inbound.flowId });
  }
}

function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

/** §17.2.3: branch + sent-by + method (ACK matches INVITE). Pre-3261 requests fall back to dialog ids. */
function serverKey(req: SipRequest, method: string): string {
  const via = req.via[0];
  const branch = via?.branch ?? '';
  if (branch.startsWith('z9hG4bK')) return `${branch}|${via?.host}:${via?.port ?? ''}|${method}`;
  return `legacy|${req.callId}|${req.from.params.tag ?? ''}|${req.cseq.seq}|${method}`;
}
