import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../kernel/logger.js';

export interface ApiDeps {
  readonly logger: Logger;
  /** True once every listener (SIP and HTTP) is up; `/health` answers 503 until then. */
  readonly isReady: () => boolean;
}

/** The Fastify app factory (DESIGN.md §3 api/). Resources are added as one plugin each. */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024, ignoreTrailingSlash: true });
  app.get('/health', async (_req, reply) => {
    const ok = deps.isReady();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'starting' });
  });
  return app;
}
