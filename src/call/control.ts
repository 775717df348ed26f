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
  /** Takes over when `vendor` fails before its first audio (issue 14). */
  readonly fallbackVendor?: string;
  readonly fallbackLanguage?: string;
  readonly fallbackVoice?: string;
  readonly fallbackLabel?: string;
  /** The `synthesizer` object as the application wrote it (options, engine, gender …), for the vendor adapter. */
  readonly raw?: Readonly<Record<string, unknown>>;
  /** Neither read nor write the TTS cache (`say.disableTtsCache`, `config.disableTtsCache`). */
  readonly disableTtsCache?: boolean;
}

/** What `CallControl.recognize` listens with (the effective `recognizer` of a verb, issue 14). */
export interface RecognizerRequest {
  readonly vendor: string;
  readonly language?: string;
  readonly label?: string;
  readonly fallbackVendor?: string;
  readonly fallbackLanguage?: string;
  readonly fallbackLabel?: string;
  readonly altLanguages?: readonly string[];
  readonly hints?: readonly string[];
  readonly hintsBoost?: number;
  /** Interim transcripts wanted (partialResultHook, barge-in by word count). */
  readonly interim: boolean;
  /** L16 rate the vendor gets (default 8000). */
  readonly sampleRate?: 8000 | 16000;
  /** Our own VAD's speech onset (`onset` events) for barge-in. */
  readonly vad?: boolean;
  /** The `recognizer` object as the application wrote it (vendor options …). */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface RecognizedAlternative {
  readonly transcript: string;
  readonly confidence?: number;
}

/** What a recognition reports; `failed` is the last event (no vendor left). */
export type RecognitionUpdate =
  /** Our VAD heard speech begin (before any vendor result). */
  | { readonly type: 'onset'; readonly atMs: number }
  | { readonly type: 'speech-start'; readonly vendor: string }
  | {
      readonly type: 'transcript';
      readonly vendor: string;
      readonly isFinal: boolean;
      readonly alternatives: readonly RecognizedAlternative[];
      readonly language?: string;
      readonly channel?: number;
      readonly vendorEvent?: unknown;
    }
  | { readonly type: 'utterance-end'; readonly vendor: string }
  | { readonly type: 'failed'; readonly vendor: string; readonly code: string; readonly message: string };

/** A running recognition on a call. */
export interface RecognitionHandle {
  /** The vendor in use (the fallback once it took over). */
  readonly vendor: string;
  /** Ask the vendor for what it still holds; final results follow. */
  finalize(): void;
  /** Stops listening now; no updates follow. Safe to call more than once. */
  stop(): void;
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

/** A `dial` target (contract §1.1 Target object). */
export interface DialTarget {
  readonly type: 'phone' | 'sip' | 'user';
  readonly number?: string;
  readonly sipUri?: string;
  readonly name?: string;
  readonly trunk?: string;
  readonly auth?: { readonly username: string; readonly password: string };
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ChildLegInit {
  readonly target: DialTarget;
  readonly callerId?: string;
  readonly callerName?: string;
  /** Ring timeout, seconds. */
  readonly timeout: number;
  readonly timeLimit?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly customerData?: Readonly<Record<string, unknown>>;
}

/** A call placed by `dial` on behalf of this call (its `parent_call_sid`). */
export interface ChildLeg {
  readonly sid: string;
  info(): CallInfo;
  /** Settles when the leg is answered, or with its failure. */
  readonly outcome: Promise<{ readonly answered: boolean; readonly status: CallStatus; readonly sipStatus: number }>;
  /** Aborted when the leg ends. */
  readonly endedSignal: AbortSignal;
  /** CANCEL while it rings, BYE once answered. */
  hangup(): Promise<void>;
  /**
   * Answering-machine detection on the leg's audio (`dial.amd`, contract §3.1), from now on;
   * each event is handed to `onEvent`. Returns a function that stops it.
   */
  startAmd?(amd: Readonly<Record<string, unknown>>, onEvent: (event: Readonly<Record<string, unknown>>) => void): () => void;
  /** Digits the leg sends (RFC 4733, in-band or SIP INFO); returns a function that stops listening. */
  onDtmf?(listener: (digit: string) => void): () => void;
  /** The leg as a call verbs can run on (a `dial` confirmHook application). */
  readonly control?: CallControl;
}

/** What a REFER led to (contract §4.2 sip:refer). */
export interface ReferOutcome {
  /** The response to the REFER (202 when accepted). */
  readonly referStatus: number;
  /** The last sipfrag status NOTIFYed (e.g. 200), when any arrived. */
  readonly finalStatus?: number;
}

/** How `listen` / `stream` send the call's audio (issue 15); `mixType` as jambonz names it. */
export type StreamMixType = 'mono' | 'stereo' | 'mixed';

/** `PUT /Calls/{sid}` `listen_status`: stop sending, send on, or send silence instead of audio. */
export type ListenStatus = 'pause' | 'resume' | 'silence';

/** One audio stream to a WebSocket server (the `listen` verb, jambonz's audio fork). */
export interface AudioStreamRequest {
  /** ws:// or wss:// (the URL policy applies). */
  readonly url: string;
  /** HTTP basic auth in the handshake (`wsAuth`). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** L16 rate on the socket. */
  readonly sampleRate: 8000 | 16000 | 24000;
  /** mono: the call's received audio; stereo: caller left, bridged party right; mixed: both summed. */
  readonly mixType: StreamMixType;
  /** Added to the first (text) message after the call info. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** DTMF goes to the server as `{event:"dtmf", dtmf, duration}`. */
  readonly passDtmf?: boolean;
  /** Audio the server sends back is played to the caller. */
  readonly bidirectional: { readonly enabled: boolean; readonly streaming: boolean; readonly sampleRate?: number };
  /** Ends the stream after this long without caller audio above the silence floor. */
  readonly silenceTimeoutMs?: number;
}

/** Why a stream ended and what it carried. */
export interface AudioStreamEnd {
  readonly reason: 'stopped' | 'call-ended' | 'disconnect' | 'closed' | 'connect-failed' | 'silence';
  /** From the socket's open to the end (0 when it never opened). */
  readonly durationMs: number;
  readonly framesSent: number;
  readonly framesDropped: number;
  readonly error?: string;
}

/** A running stream. */
export interface AudioStreamHandle {
  /** Settles (never rejects) when the stream ended. */
  readonly ended: Promise<AudioStreamEnd>;
  /** Closes the socket; `ended` settles with `stopped`. */
  stop(): void;
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
  /**
   * Speaks `text` (plain or the SSML subset) through the TTS vendor; resolves when played or
   * aborted. Vendor failures are alerted by the call itself (`tts-failure`, `no-tts`); when no
   * vendor is left it rejects with a SpeechVendorError.
   */
  say(text: string, synth: SynthesizerSpec, signal: AbortSignal): Promise<PlayOutcome>;
  /**
   * Listens to the caller (issue 14): the call's received audio goes to the recognizer's vendor
   * (its fallback when it fails; every failure is an `stt-failure` / `no-stt` alert). Stops when
   * `signal` aborts or the call ends.
   */
  recognize?(req: RecognizerRequest, onUpdate: (u: RecognitionUpdate) => void, signal: AbortSignal): RecognitionHandle;
  /** Plays a WAV (or MP3 with ffmpeg) from an http(s) URL or a file path. */
  play(url: string, signal: AbortSignal): Promise<PlayOutcome>;
  /**
   * Barge-in from outside the playing verb (`config.bargeIn`): stops what is playing now, as if
   * its signal had aborted (the say/play ends interrupted); later playbacks play normally.
   */
  interruptPlayback?(): void;
  /**
   * Streams the call's audio to a WebSocket server (issue 15, jambonz `listen`): binary L16
   * frames after one JSON text message with the call's metadata; with `bidirectional` the
   * server's audio is played back. Ends at `signal`, the call's end, or the server's close.
   */
  streamAudio?(req: AudioStreamRequest, signal: AbortSignal): AudioStreamHandle;
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
  /** Places a child leg (`dial`); the caller id is not checked. */
  placeChild?(init: ChildLegInit): Promise<ChildLeg>;
  /** Bridges this call's audio with an answered child leg (PCMU↔PCMA transcoding as needed). */
  bridgeTo?(leg: ChildLeg): void;
  /** Sends REFER in the dialog and follows the NOTIFY sipfrags (each passed to `onNotify`). */
  refer?(referTo: string, init: { referredBy?: string; headers?: Readonly<Record<string, string>> }, onNotify: (sipStatus: number) => void, signal: AbortSignal): Promise<ReferOutcome>;
  /** Rejects an unanswered inbound call (`sip:decline`). */
  decline?(status: number, reason: string, headers?: Readonly<Record<string, string>>): void;
  /**
   * Starts answering-machine detection (the `amd` object) now, or at the answer when the call is
   * not answered yet; each event is handed to `onEvent`. Throws for bad tuning. Returns a function
   * that stops it (`amd_stopped` goes out if it was running).
   */
  startAmd?(amd: Readonly<Record<string, unknown>>, onEvent: (event: Readonly<Record<string, unknown>>) => void): () => void;
  /** An event for notifyUrl (transfer results, AMD), same flat shape as status events. */
  notifyEvent?(event: string, fields: Readonly<Record<string, unknown>>): void;
  /** Records an alert for the call's account (webhook failures, bad verbs, missing credentials). */
  alert(alertType: string, message: string, detail?: string): void;
  /** An extra `call:status` to call_status_hook: the current status plus `fields` (contract §2.3). */
  statusNote?(fields: Readonly<Record<string, unknown>>): void;
}
