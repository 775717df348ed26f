import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { DnsResolver } from './dns/resolve.js';
import { TransactionLayer } from './transaction/layer.js';
import type { TimerBase } from './transaction/timers.js';
import { SipTransportLayer, type TransportLayerOptions } from './transport/layer.js';
import { UserAgent } from './ua/user-agent.js';

export interface SipStackOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly bindAddress: string;
  readonly port: number;
  readonly publicAddress: string;
  readonly tcpIdleTimeoutMs?: number;
  readonly timers?: TimerBase;
  readonly resolver?: DnsResolver;
  readonly product?: string;
  /** SIP over TLS on its own port (RFC 3261 §26.2); none when absent. */
  readonly tls?: TransportLayerOptions['tls'];
}

export interface SipStack {
  readonly transport: SipTransportLayer;
  readonly transactions: TransactionLayer;
  readonly ua: UserAgent;
  close(): Promise<void>;
}

/** Builds transport → transaction → UA and starts listening on UDP and TCP (and TLS when configured). */
export async function createSipStack(o: SipStackOptions): Promise<SipStack> {
  const transport = new SipTransportLayer({
    clock: o.clock, logger: o.logger, bindAddress: o.bindAddress, port: o.port,
    publicAddress: o.publicAddress, tcpIdleTimeoutMs: o.tcpIdleTimeoutMs ?? 120_000, userAgent: o.product, tls: o.tls,
  });
  const transactions = new TransactionLayer({ clock: o.clock, logger: o.logger, transport, timers: o.timers });
  const ua = new UserAgent({ clock: o.clock, logger: o.logger, transport, transactions, resolver: o.resolver, product: o.product });
  await transport.listen();
  let closing: Promise<void> | undefined;
  return {
    transport, transactions, ua,
    close: () => (closing ??= (async () => {
      ua.close();
      transactions.close();
      await transport.close();
    })()),
  };
}
