/**
 * The narrow view of a live call that verbs and the API get (DESIGN.md §3: verbs import call
 * *interfaces*, never SIP or media). `Call` implements it.
 */

/** jambonz `call_status` values (contract §2.4). */
export type CallStatus = 'trying' | 'ringing' | 'early-media' | 'in-progress' | 'completed' | 'failed' | 'busy' | 'no-answer';

export type CallDirection = 'inbound' | 'outbound';

/** Who ended an answered call (contract §2.4): the far end, or the gateway (verb, API, limit). */
export type TerminationBy = 'caller' | 'jambonz';

/** The base call info of every webhook, already snake_cased (contract §2.1). */
export interface CallInfo {
  readonly call_sid: string;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly call_id: string;
  readonly sip_status: number;
  readonly sip_reason?: string;
  readonly call_status: CallStatus;
  readonly account_sid: string;
  readonly application_sid?: string;
  readonly trace_id: string;
  readonly fs_sip_address: string;
  readonly caller_name?: string;
  readonly parent_call_sid?: string;
  readonly call_termination_by?: TerminationBy;
  readonly duration?: number;
  /** Our addition: why the call ended (e.g. `webhook-failure: POST … answered 500`), on final statuses. */
  readonly termination_reason?: string;
  readonly customerData?: Readonly<Record<string, unknown>>;
}

export interface SynthesizerSpec {
  readonly vendor: string;
  readonly language?: string;
  readonly voice?: string;
  readonly label?: string;
}

export interface SipRequestInit {
  readonly body?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface PlayOutcome {
  readonly playbackMs: number;
  /** True when the signal stopped it early (barge-in, hangup, replaced verb list). */
  readonly interrupted: boolean;
}

export interface CallControl {
  readonly sid: string;
  readonly accountSid: string;
  readonly direction: CallDirection;
  /** Aborted when the call ends, for any reason. */
  readonly endedSignal: AbortSignal;
  readonly answered: boolean;
  info(): CallInfo;
  /** Answers an inbound call (no-op when already answered; outbound calls are answered by the callee). */
  answer(opts?: { readonly earlyMedia?: boolean }): Promise<void>;
  /** Speaks `text` (plain or the SSML subset) through the TTS vendor; resolves when played or aborted. */
  say(text: string, synth: SynthesizerSpec, signal: AbortSignal): Promise<PlayOutcome>;
  /** Plays a WAV (or MP3 with ffmpeg) from an http(s) URL or a file path. */
  play(url: string, signal: AbortSignal): Promise<PlayOutcome>;
  /** DTMF from any source (RFC 4733, SIP INFO, in-band). Returns an unsubscribe function. */
  onDtmf(listener: (digit: string) => void): () => void;
  /** Sends RFC 4733 digits. */
  sendDtmf(digits: string, durationMs: number): Promise<void>;
  /** BYE (answered) or CANCEL/reject (not yet answered); `completed` with call_termination_by jambonz. */
  hangup(headers?: Readonly<Record<string, string>>): Promise<void>;
  /** An in-dialog request; resolves with the final response status. */
  sipRequest(method: string, init: SipRequestInit): Promise<{ readonly status: number; readonly reason: string }>;
  /** Replaces customerData (the `tag` verb and PUT tag; contract §2.5). */
  setCustomerData(data: Readonly<Record<string, unknown>>): void;
  /** Adds a step to the call's timeline, e.g. `webhook` with `{ url, status, latency_ms }`. */
  note?(event: string, detail?: Readonly<Record<string, unknown>>): void;
  /** Records an alert for the call's account (webhook failures, bad verbs, missing credentials). */
  alert(alertType: string, message: string, detail?: string): void;
}
