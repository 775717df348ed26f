import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { RegistrationStatusProvider } from '../call/registrations.js';
import type { Store } from '../store/index.js';
import { createAuthenticator } from './auth.js';
import { errorHandler } from './errors.js';
import type { RateLimitOptions } from './rate-limit.js';
import { ClusterForwarder, type ClusterPeers } from './cluster-peers.js';
import { accountRoutes } from './routes/accounts.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { applicationRoutes } from './routes/applications.js';
import { carrierRoutes } from './routes/carriers.js';
import { gatewayRoutes } from './routes/gateways.js';
import { phoneNumberRoutes } from './routes/phone-numbers.js';
import type { ApiPlugin, RouteDeps } from './types.js';

export interface ApiDeps {
  readonly logger: Logger;
  /** True once every listener (SIP and HTTP) is up; `/health` answers 503 until then. */
  readonly isReady: () => boolean;
  readonly store: Store;
  readonly clock?: Clock;
  /** Further `/v1` plugins behind the same authentication, e.g. the Calls routes. */
  readonly plugins?: readonly ApiPlugin[];
  /** Opt-in per-key request limit; there is none by default (issue 4, acceptance 6). */
  readonly rateLimit?: RateLimitOptions;
  /** Largest accepted request body in bytes (default 1 MiB); larger ones get 413. */
  readonly bodyLimit?: number;
  /** Carrier registrations, shown as `register_status` on carrier reads (optional). */
  readonly registrations?: RegistrationStatusProvider;
  /** Called after every carrier or SIP gateway write (the inbound gateway index re-reads at once). */
  readonly trunksChanged?: () => void;
  /** Issue 16: the other nodes of a cluster (requests for their calls are forwarded; limits are shared). */
  readonly cluster?: ClusterPeers;
}

const RESOURCES: readonly ApiPlugin[] = [accountRoutes, apiKeyRoutes, applicationRoutes, phoneNumberRoutes, carrierRoutes, gatewayRoutes];

function registerDocs(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Voice gateway REST API', version: '1', description: 'jambonz-compatible provisioning API. Authenticate with `Authorization: Bearer <api key>`.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** The Fastify app factory (DESIGN.md §3 api/). Resources are added as one plugin each under `/v1`. */
export function buildApi(deps: ApiDeps): FastifyInstance {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger.child({ component: 'api' });
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
  });
  app.setErrorHandler(errorHandler(log));
  const json = app.getDefaultJsonParser('error', 'error');
  // Clients often send `Content-Type: application/json` on a DELETE without a body.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => (body === '' ? done(null, undefined) : json(req, String(body), done)));
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ msg: 'not found' }));
  app.decorateRequest('auth', undefined);
  app.decorateRequest('forwardedBy', undefined);
  if (log.level === 'debug' || log.level === 'trace') {
    app.addHook('onResponse', async (req, reply) => {
      log.debug('request', { method: req.method, url: req.routeOptions.url ?? req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) });
    });
  }
  registerDocs(app);
  app.get('/health', { schema: { hide: true } }, async (_req, reply) => {
    const ok = deps.isReady();
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'starting' });
  });
  const forwarder = deps.cluster ? new ClusterForwarder(deps.cluster, () => clock.wallNow()) : undefined;
  if (forwarder) app.addHook('onClose', async () => forwarder.close());
  const routeDeps: RouteDeps = {
    store: deps.store, clock, logger: log,
    ...(deps.registrations ? { registrations: deps.registrations } : {}),
    ...(deps.trunksChanged ? { trunksChanged: deps.trunksChanged } : {}),
    ...(deps.cluster && forwarder ? { cluster: { peers: deps.cluster, forwarder } } : {}),
  };
  app.register(
    async (scope) => {
      scope.addHook('onRequest', createAuthenticator({ store: deps.store, clock, logger: log, rateLimit: deps.rateLimit, cluster: deps.cluster }));
      for (const plugin of [...RESOURCES, ...(deps.plugins ?? [])]) {
        scope.register(async (child) => plugin(child.withTypeProvider<TypeBoxTypeProvider>(), routeDeps));
      }
    },
    { prefix: '/v1' },
  );
  return app;
}
