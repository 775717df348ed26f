/**
 * The contracts every cloud speech vendor implements (issue 14). Callers never branch on a vendor
 * name (DESIGN.md §4.6): they look an adapter up in `SpeechVendors` and talk to these interfaces.
 * Adapters never read the environment: credentials and endpoints arrive in each request.
 */
import { GatewayError } from '../kernel/errors.js';
import type { UrlPolicy } from '../kernel/net-policy.js';

/** What a credential is used for. */
export type SpeechUse = 'tts' | 'stt';

/**
 * A speech credential as the adapters see it: decrypted, with the jambonz field names
 * (`api_key`, `region`, `service_key`, `access_key_id`, `secret_access_key`, `aws_region`,
 * `deepgram_stt_uri`, `deepgram_stt_use_tls`, `deepgram_tts_uri`, `use_custom_stt`,
 * `custom_stt_endpoint_url`, `use_custom_tts`, `custom_tts_endpoint_url`, `custom_stt_url`,
 * `custom_tts_url`, `auth_token` …). Never logged.
 */
export interface SpeechCredential {
  readonly sid: string;
  readonly accountSid: string;
  /** `microsoft`, `google`, `deepgram`, `aws`, `elevenlabs`, `custom:<name>` … (lower case). */
  readonly vendor: string;
  readonly label?: string;
  readonly useForTts: boolean;
  readonly useForStt: boolean;
  readonly fields: Readonly<Record<string, string | boolean | undefined>>;
}

/**
 * Finds an account's credential (jambonz rules): a `label` matches the credential with that label;
 * no label matches the vendor's unlabelled credential, or its only one.
 */
export interface SpeechCredentialLookup {
  find(accountSid: string, vendor: string, label: string | undefined, use: SpeechUse): Promise<SpeechCredential | undefined>;
}

/** What every vendor request carries besides its own fields. */
export interface VendorContext {
  /** Undefined only for vendors that need none (e.g. espeak). */
  readonly credential?: SpeechCredential;
  /** Applies to every tenant-given endpoint (custom URLs, on-prem URIs, azureServiceEndpoint). */
  readonly urlPolicy: UrlPolicy;
}

// ---------------------------------------------------------------------------------------------
// Speech to text

export interface RecognizeRequest extends VendorContext {
  /** BCP-47, e.g. `en-US`. */
  readonly language: string;
  readonly altLanguages?: readonly string[];
  /** Of the L16 frames `write` gets. */
  readonly sampleRate: 8000 | 16000;
  /** Send interim (non-final) transcripts. */
  readonly interim: boolean;
  readonly hints: readonly string[];
  readonly hintsBoost?: number;
  /**
   * The `recognizer` object as the application wrote it (validated against the jambonz verb
   * specification): each adapter reads its own `<vendor>Options` and fields such as
   * `azureServiceEndpoint`, `model`, `punctuation`, `profanityFilter`.
   */
  readonly recognizer: Readonly<Record<string, unknown>>;
}

export interface SttAlternative {
  readonly transcript: string;
  readonly confidence?: number;
}

export type SttEvent =
  /** The vendor heard speech start (Deepgram `SpeechStarted`, Microsoft `speech.startDetected` …). */
  | { readonly type: 'speech-start' }
  | {
      readonly type: 'transcript';
      readonly isFinal: boolean;
      readonly alternatives: readonly SttAlternative[];
      readonly language?: string;
      readonly channel?: number;
      /** The vendor's own message, for the `vendor.evt` of a gather's `speech` (optional). */
      readonly vendorEvent?: unknown;
    }
  /** The speaker finished an utterance (Deepgram `UtteranceEnd`, Microsoft `speech.endDetected` …). */
  | { readonly type: 'utterance-end' }
  /** The stream failed after it had started (closed mid-stream, protocol error …); no more events follow. */
  | { readonly type: 'error'; readonly error: SttError };

/** One open recognition stream. */
export interface RecognizerStream {
  /** One frame of mono L16 at the request's `sampleRate`; the adapter copies what it keeps. */
  write(frame: Int16Array): void;
  /** End of audio: ask the vendor for what it still holds (final results follow, then the stream closes). */
  finalize(): void;
  /** Closes at once; no events follow. Safe to call more than once. */
  close(): void;
}

export interface SttVendor {
  /** The name applications use (`deepgram`, `microsoft`, `custom`), lower case. */
  readonly vendor: string;
  /**
   * Opens a stream. Rejects with SttError (`STT_AUTH`, `STT_UNREACHABLE`, `STT_NO_CREDENTIAL` …)
   * when it cannot start; afterwards failures arrive as an `error` event.
   */
  start(req: RecognizeRequest, onEvent: (e: SttEvent) => void, signal: AbortSignal): Promise<RecognizerStream>;
}

// ---------------------------------------------------------------------------------------------
// Text to speech

export interface SynthesizeRequest extends VendorContext {
  /** Plain text, or SSML when it starts with `<speak`. */
  readonly text: string;
  readonly language?: string;
  readonly voice?: string;
  /** The `synthesizer` object as the application wrote it (`options`, `engine`, `gender` …). */
  readonly synthesizer: Readonly<Record<string, unknown>>;
}

/** Audio as it arrives from the vendor: mono L16 chunks at `sampleRate`. */
export interface SynthesizedAudio {
  readonly sampleRate: number;
  /** Ends when the vendor has sent everything; throws TtsVendorError when it fails mid-stream. */
  readonly chunks: AsyncIterable<Int16Array>;
}

export interface TtsVendor {
  readonly vendor: string;
  /**
   * Resolves as soon as the vendor has accepted the request (before or at its first bytes),
   * so playback can start while the rest streams in. Rejects with TtsVendorError.
   */
  synthesize(req: SynthesizeRequest, signal: AbortSignal): Promise<SynthesizedAudio>;
}

// ---------------------------------------------------------------------------------------------
// Credential checks (`GET …/SpeechCredentials/{sid}/test`)

export interface CredentialTestResult {
  readonly tts?: { readonly status: 'ok' | 'fail' | 'not tested'; readonly reason?: string };
  readonly stt?: { readonly status: 'ok' | 'fail' | 'not tested'; readonly reason?: string };
}

/** A vendor's way to check a credential with one real request. */
export interface CredentialTester {
  readonly vendor: string;
  test(ctx: VendorContext & { readonly credential: SpeechCredential }, signal: AbortSignal): Promise<CredentialTestResult>;
}

// ---------------------------------------------------------------------------------------------
// Errors

export type SpeechVendorErrorCode =
  | 'SPEECH_UNKNOWN_VENDOR'
  | 'SPEECH_NO_CREDENTIAL'
  /** The vendor refused the credential (401/403). */
  | 'SPEECH_AUTH'
  /** Could not connect (refused, DNS, TLS, timeout) or the URL policy forbids the endpoint. */
  | 'SPEECH_UNREACHABLE'
  /** The vendor closed or broke the stream after it had started. */
  | 'SPEECH_CLOSED'
  /** The vendor answered something we could not understand, or another 4xx/5xx. */
  | 'SPEECH_PROTOCOL'
  | 'SPEECH_ABORTED';

/** Base of STT and TTS vendor failures; `vendorMessage` is what the vendor said, for the alert. */
export class SpeechVendorError extends GatewayError {
  declare readonly code: SpeechVendorErrorCode;
  /** HTTP or WebSocket status when the vendor gave one. */
  readonly status: number | undefined;
  constructor(
    code: SpeechVendorErrorCode,
    message: string,
    readonly vendor: string,
    options?: { cause?: unknown; readonly status?: number },
  ) {
    super(code, message, options);
    this.status = options?.status;
  }
}

export class SttError extends SpeechVendorError {}
export class TtsVendorError extends SpeechVendorError {}

/**
 * Vendor name → adapters. Names are lower case; `custom:<name>` vendors resolve to the adapter
 * registered as `custom`.
 */
export class SpeechVendors {
  readonly #stt = new Map<string, SttVendor>();
  readonly #tts = new Map<string, TtsVendor>();
  readonly #testers = new Map<string, CredentialTester>();

  addStt(v: SttVendor): this {
    this.#stt.set(v.vendor, v);
    return this;
  }

  addTts(v: TtsVendor): this {
    this.#tts.set(v.vendor, v);
    return this;
  }

  addTester(t: CredentialTester): this {
    this.#testers.set(t.vendor, t);
    return this;
  }

  stt(vendor: string): SttVendor | undefined {
    return this.#stt.get(baseVendor(vendor));
  }

  tts(vendor: string): TtsVendor | undefined {
    return this.#tts.get(baseVendor(vendor));
  }

  tester(vendor: string): CredentialTester | undefined {
    return this.#testers.get(baseVendor(vendor));
  }

  sttVendors(): string[] {
    return [...this.#stt.keys()].sort();
  }

  ttsVendors(): string[] {
    return [...this.#tts.keys()].sort();
  }
}

/** `custom:acme` → `custom`; other names lower-cased. */
export function baseVendor(vendor: string): string {
  const v = vendor.toLowerCase();
  return v.startsWith('custom:') ? 'custom' : v;
}
