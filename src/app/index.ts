/** The application lifecycle layer (DESIGN.md §3 `app/`): what the REST API and the composition root use. */
export { ApplicationRunner, type AppAttachment, type ApplicationRunnerOptions } from './application-runner.js';
export { CallsService, CallRequestError, type CallsServiceOptions, type CreateCallBody, type CreateCallOptions } from './calls-service.js';
export type { CallObserver, ObservedCallControl } from './application-runner.js';
export { COGNIGY_EVENTS, StatusNotifier, type StatusNotifierOptions } from './status-notifier.js';
export { NODE_LOST_REASON, RESTART_REASON, settleAfterRestart, settleLostNode, type RecoveryOptions, type RecoveryResult } from './recovery.js';
export { applyLiveUpdate, runAppCommand, LiveControlError, type LiveUpdate, type SipRequestOutcome } from './live-control.js';
export { LostNodeSweeper, type LostNodeSource, type LostNodeSweeperOptions } from './lost-nodes.js';
