/**
 * AMD events with the jambonz `type` names (contract §3.3), each with a confidence, the time of
 * the decision since answer and the evidence it was taken on. Field names are the wire names.
 */

export type AmdEventType =
  | 'amd_human_detected'
  | 'amd_machine_detected'
  | 'amd_no_speech_detected'
  | 'amd_decision_timeout'
  | 'amd_tone_detected'
  | 'amd_machine_stopped_speaking'
  | 'amd_tone_timeout'
  | 'amd_error'
  | 'amd_stopped';

export const AMD_EVENT_TYPES: readonly AmdEventType[] = [
  'amd_human_detected', 'amd_machine_detected', 'amd_no_speech_detected', 'amd_decision_timeout', 'amd_tone_detected',
  'amd_machine_stopped_speaking', 'amd_tone_timeout', 'amd_error', 'amd_stopped',
];

/**
 * Why a verdict was given. Human: `short greeting`. Machine: `long greeting` (speech still going
 * on after `greetingMs`), `max words`, `max word length` (one continuous sound), `beep`, `fax`,
 * `sit` (Special Information Tone), and from a transcript `hint`, `digit count` and `long greeting` (word count).
 */
export type AmdReason =
  | 'short greeting'
  | 'long greeting'
  | 'max words'
  | 'max word length'
  | 'beep'
  | 'fax'
  | 'sit'
  | 'hint'
  | 'digit count';

export interface AmdSegment {
  readonly kind: 'speech' | 'silence';
  readonly start_ms: number;
  readonly end_ms: number;
}

export type AmdToneKind = 'beep' | 'fax-cng' | 'fax-ced' | 'sit' | 'ringback' | 'other';

export interface AmdToneEvidence {
  readonly kind: AmdToneKind;
  readonly hz: number;
  readonly start_ms: number;
  /** Absent while the tone is still going on. */
  readonly end_ms?: number;
}

/** What a decision was taken on; all times in ms since answer. */
export interface AmdEvidence {
  /** Speech and silence stretches (words less than 250 ms apart are one speech stretch). */
  readonly segments: readonly AmdSegment[];
  readonly initial_silence_ms: number;
  /** From the first word to the end of the last one (or to now while speaking). */
  readonly greeting_ms: number;
  readonly speech_ms: number;
  readonly word_count: number;
  readonly longest_word_ms: number;
  /** Silence since the last word. */
  readonly silence_ms: number;
  readonly tones: readonly AmdToneEvidence[];
  readonly noise_floor_dbfs: number;
  /** Transcript words, when a transcript was fed in. */
  readonly transcript_words?: number;
}

export interface AmdEvent {
  readonly type: AmdEventType;
  readonly reason?: AmdReason | string;
  /** 0–1: a heuristic score of how sure the detector is (see docs/amd.md), not a probability. */
  readonly confidence: number;
  /** Milliseconds since answer when the event was decided. */
  readonly decision_ms: number;
  readonly evidence: AmdEvidence;
  /** `amd_tone_detected`: the beep frequency (whole Hz) and length. */
  readonly frequency?: number;
  readonly duration_ms?: number;
  /** The transcript that decided, when one did (jambonz `greeting`). */
  readonly greeting?: string;
  /** `amd_machine_detected` with reason `hint`: the phrase found. */
  readonly hint?: string;
  /** `amd_error`: what went wrong. */
  readonly error?: string;
}
