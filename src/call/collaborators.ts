import type { Call } from './call.js';
import type { ChildLegInit } from './control.js';

/** Why an unanswered outbound call is cancelled: ring timeout, the REST API, or a hang-up. */
export type CancelReason = 'timeout' | 'api' | 'hangup';

/**
 * What an inbound call does with its INVITE before there is a dialog (the inbound handler):
 * answer it (200, or 183 for early media) or reject it with a final status.
 */
export interface InboundSignalling {
  readonly direction: 'inbound';
  answer(call: Call, opts: { readonly earlyMedia?: boolean }): Promise<void>;
  reject(call: Call, status: number, reason: string, headers?: Readonly<Record<string, string>>): void;
}

/** What an outbound call does with its INVITE before the callee answers (the placement): CANCEL it. */
export interface OutboundSignalling {
  readonly direction: 'outbound';
  cancel(why: CancelReason): void;
}

/** A call's SIP side before answer, given at construction (one strategy per direction). */
export type PendingSignalling = InboundSignalling | OutboundSignalling;

/** Child legs for `dial` (the call manager): places them and finds them again by sid. */
export interface ChildLegs {
  place(parent: Call, init: ChildLegInit, onCall: (child: Call) => void): Promise<Call>;
  /** A live leg that `parent` placed, by sid; undefined for any other call. */
  find(parent: Call, sid: string): Call | undefined;
}

/** Everything a call drives but does not own, handed over when it is built. */
export interface CallCollaborators {
  readonly signalling: PendingSignalling;
  /** Absent for calls that cannot dial (child legs may, through their own parent's manager). */
  readonly legs?: ChildLegs;
}
