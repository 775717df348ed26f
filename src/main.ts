import { mkdirSync } from 'node:fs';
import type { Config } from './config/config.js';
import { systemClock, type Clock } from './kernel/clock.js';
import type { Logger } from './kernel/logger.js';
import { buildApi } from './api/app.js';
import { createSipStack, type SipStack } from './sip/index.js';

export interface Gateway {
  readonly httpPort: number;
  readonly sipPort: number;
  readonly sip: SipStack;
  close(): Promise<void>;
}

/** Composition root: the only module that knows every layer (DESIGN.md §3). */
export async function startGateway(config: Config, logger: Logger, clock: Clock = systemClock): Promise<Gateway> {
  mkdirSync(config.dataDir, { recursive: true });
  let ready = false;
  const sip = await createSipStack({
    clock,
    logger: logger.child({ layer: 'sip' }),
    bindAddress: config.sipAddress,
    port: config.sipPort,
    publicAddress: config.publicAddress,
    tcpIdleTimeoutMs: config.tcpIdleTimeoutMs,
  });
  const api = buildApi({ logger, isReady: () => ready });
  try {
    await api.listen({ host: config.httpAddress, port: config.httpPort });
  } catch (e) {
    await sip.close();
    throw e;
  }
  const addr = api.server.address();
  const httpPort = typeof addr === 'object' && addr ? addr.port : config.httpPort;
  ready = true;
  logger.info('gateway listening', { http: httpPort, sip: sip.transport.port, publicAddress: config.publicAddress });
  let closed: Promise<void> | undefined;
  return {
    httpPort,
    sipPort: sip.transport.port,
    sip,
    close() {
      closed ??= (async () => {
        ready = false;
        await api.close();
        await sip.close();
      })();
      return closed;
    },
  };
}
