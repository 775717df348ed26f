import { mkdirSync } from 'node:fs';
import type { Config } from './config/config.js';
import type { Logger } from './kernel/logger.js';
import { buildApi } from './api/app.js';

export interface Gateway {
  readonly httpPort: number;
  close(): Promise<void>;
}

/** Composition root: the only module that knows every layer (DESIGN.md §3). */
export async function startGateway(config: Config, logger: Logger): Promise<Gateway> {
  mkdirSync(config.dataDir, { recursive: true });
  let ready = false;
  const api = buildApi({ logger, isReady: () => ready });
  await api.listen({ host: config.httpAddress, port: config.httpPort });
  const addr = api.server.address();
  const httpPort = typeof addr === 'object' && addr ? addr.port : config.httpPort;
  ready = true;
  logger.info('gateway listening', { http: httpPort });
  let closed: Promise<void> | undefined;
  return {
    httpPort,
    close() {
      closed ??= (async () => {
        ready = false;
        await api.close();
      })();
      return closed;
    },
  };
}
