import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { RegistrationStatusProvider } from '../call/registrations.js';
import type { Store } from '../store/index.js';
import type { ClusterForwarder, ClusterPeers } from './cluster-peers.js';

/** The Fastify instance every resource plugin receives: TypeBox schemas type the handlers. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** What the resource plugins need. */
export interface RouteDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Carrier registration status for `register_status` (absent: always null). */
  readonly registrations?: RegistrationStatusProvider;
  /** Called after every carrier or SIP gateway write. */
  readonly trunksChanged?: () => void;
  /** Issue 16: a cluster's other nodes, and the forwarder that relays requests to them. */
  readonly cluster?: { readonly peers: ClusterPeers; readonly forwarder: ClusterForwarder };
}

/**
 * A plugin mounted under `/v1`, behind the authenticator (e.g. the Calls routes). Inside it,
 * `getAuth(req)` gives the caller and `accountForRequest(req, store, sid)` checks an account path.
 */
export type ApiPlugin = (v1: Api, deps: RouteDeps) => Promise<void>;
