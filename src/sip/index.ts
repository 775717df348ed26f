/** The SIP stack's public surface for the call layer. */
export * from './message/index.js';
export type { Peer, TransportName, Inbound, MessageTransport, TlsVerification } from './transport/types.js';
export { SipTransportLayer, type TransportLayerOptions } from './transport/layer.js';
export { TransactionLayer, type IncomingRequest } from './transaction/layer.js';
export { DEFAULT_TIMERS, type TimerBase } from './transaction/timers.js';
export { UserAgent, type UserAgentOptions, type UserAgentEvents } from './ua/user-agent.js';
export { OutgoingInvite, type InviteOptions, type InviteFailure, type Credentials } from './ua/outgoing-invite.js';
export { IncomingInvite } from './ua/incoming-invite.js';
export { Dialog, type DialogEndReason, type IncomingReinvite, type BodyInit } from './ua/dialog.js';
export { SipRequestError } from './ua/context.js';
export {
  Registerer, registrarContext, refreshDelayMs, DEFAULT_EXPIRES, DEFAULT_RETRY_DELAYS_MS,
  type RegistererOptions, type RegistererEvents, type RegistrarContext, type RegistrationState, type RegistrationStatus,
} from './ua/registerer.js';
export { createSipStack, type SipStack, type SipStackOptions } from './stack.js';
export {
  buildAuthorization, createChallenge, parseChallenge, verifyAuthorization, verifyDigest,
  type DigestChallenge, type DigestVerdict, type DigestRefusal, type VerifyOptions,
} from './auth/digest.js';
export { NonceStore, type NonceStoreOptions, type NonceChecker, type NonceVerdict } from './auth/nonces.js';
export { SipTlsRequiredError, SipTransportError } from './transport/errors.js';
export { loadTlsCredentials, SipTlsConfigError, type TlsCredentials, type TlsOptions } from './transport/tls.js';
