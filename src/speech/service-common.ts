/** Types and helpers the speech service's parts share (issue 14). */
import { SpeechVendorError, SttError, TtsVendorError, type SpeechUse } from './vendor.js';

/** A recognizer or synthesizer as a verb (or the session default) gives it. */
export interface SpeechSpec {
  readonly vendor: string;
  readonly label?: string;
  readonly language?: string;
  readonly voice?: string;
  readonly fallbackVendor?: string;
  readonly fallbackLanguage?: string;
  readonly fallbackLabel?: string;
  readonly fallbackVoice?: string;
  /** The `recognizer` / `synthesizer` object as the application wrote it (vendor options …). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** One vendor that failed; `fallingBack` says whether another vendor takes over. */
export interface SpeechFailure {
  readonly use: SpeechUse;
  readonly vendor: string;
  readonly error: SpeechVendorError;
  readonly fallingBack: boolean;
}

/** One vendor to try: the primary, then the fallback. */
export interface SpeechAttempt {
  readonly vendor: string;
  readonly label?: string;
  readonly language?: string;
  readonly voice?: string;
}

/** The primary, then the fallback when the spec names one. */
export function attemptsOf(spec: SpeechSpec): SpeechAttempt[] {
  const primary: SpeechAttempt = { vendor: spec.vendor, label: spec.label, language: spec.language, voice: spec.voice };
  if (!spec.fallbackVendor) return [primary];
  return [primary, { vendor: spec.fallbackVendor, label: spec.fallbackLabel, language: spec.fallbackLanguage ?? spec.language, voice: spec.fallbackVoice }];
}

/** Any thrown value as a vendor error of the right kind (adapters should throw them; a bug may not). */
export function asVendorError(e: unknown, use: SpeechUse, vendor: string): SpeechVendorError {
  if (e instanceof SpeechVendorError) return e;
  const Err = use === 'stt' ? SttError : TtsVendorError;
  const aborted = e instanceof Error && e.name === 'AbortError';
  return new Err(aborted ? 'SPEECH_ABORTED' : 'SPEECH_PROTOCOL', e instanceof Error ? e.message : String(e), vendor, { cause: e });
}
