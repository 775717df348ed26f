/**
 * AMD parameters: the jambonz `amd` object (contract §3.2) plus our own tuning of the energy
 * detector, resolved from a named preset. `resolveAmdParams` validates an untrusted object and
 * returns complete parameters, or throws `AmdParamsError` naming the bad field.
 */
import { GatewayError } from '../../../kernel/errors.js';

export type AmdPreset = 'fast' | 'balanced' | 'conservative';
export const AMD_PRESETS: readonly AmdPreset[] = ['fast', 'balanced', 'conservative'];

/** jambonz timers (contract §3.2). A value of 0 turns that timer off. */
export interface AmdTimers {
  /** No speech (nor a tone verdict) this long after answer → `amd_no_speech_detected`. */
  readonly noSpeechTimeoutMs: number;
  /** No human/machine verdict this long after answer → `amd_decision_timeout`. */
  readonly decisionTimeoutMs: number;
  /** Still running and no beep this long after answer → `amd_tone_timeout`. */
  readonly toneTimeoutMs: number;
  /** After "machine", this much silence → `amd_machine_stopped_speaking`. */
  readonly greetingCompletionTimeoutMs: number;
}

/** Our own tuning of the energy detector (the Asterisk `app_amd` family, in ms and dB). */
export interface AmdTuning {
  /** Speech still going on this long after its onset → machine (`long greeting`). */
  readonly greetingMs: number;
  /** Silence after a greeting shorter than `greetingMs` → human (`short greeting`). */
  readonly afterGreetingSilenceMs: number;
  /** A voiced run at least this long counts as a word. */
  readonly minWordMs: number;
  /** Silence that separates two words. */
  readonly betweenWordsSilenceMs: number;
  /** More words than this → machine (`max words`); 0 = off. */
  readonly maxWords: number;
  /** One voiced run this long (music, a drone) → machine (`max word length`); 0 = off. */
  readonly maxWordLengthMs: number;
  /** A frame is voiced when its level exceeds the noise floor by this much … */
  readonly onsetDb: number;
  /** … and stays voiced while it exceeds the floor by this much. */
  readonly releaseDb: number;
  /** Frames under this absolute level are silence (Asterisk's silenceThreshold 256 ≈ −42). */
  readonly minSpeechDbfs: number;
  /** Frames this far under the greeting's loudest frame are silence (background talkers). */
  readonly speechRangeDb: number;
  /** A word this much louder than the greeting so far restarts it (the rest was background). */
  readonly greetingRestartDb: number;
  /** Fastest rise of the noise floor estimate, in dB per second. */
  readonly floorRiseDbPerS: number;
  /** Beep frequency band. */
  readonly beepMinHz: number;
  readonly beepMaxHz: number;
  /** Shortest and longest tone taken for a beep. */
  readonly beepMinMs: number;
  readonly beepMaxMs: number;
  /** After a beep, this much silence → `amd_machine_stopped_speaking` (jambonz: 1000). */
  readonly beepCompletionMs: number;
  /** Detect fax tones (CNG 1100 Hz cadence, CED 2100 Hz). */
  readonly detectFax: boolean;
  /** Detect Special Information Tones (913.8/985.2, 1370.6/1428.5, 1776.7 Hz). */
  readonly detectSit: boolean;
}

export interface AmdParams {
  readonly preset: AmdPreset;
  /** Transcript words ≥ this → machine (transcript rules only). */
  readonly thresholdWordCount: number;
  /** A transcript with this many digits in a row → machine; 0 = off. */
  readonly digitCount: number;
  readonly timers: AmdTimers;
  readonly tuning: AmdTuning;
  /** Lower-case phrases that make a transcript a voicemail greeting (`hint`). */
  readonly voicemailPhrases: readonly string[];
}

/** Our own short list of voicemail phrases (used only when a transcript is fed in). */
export const DEFAULT_VOICEMAIL_PHRASES: readonly string[] = [
  'leave a message', 'leave me a message', 'leave your message', 'after the tone', 'after the beep', 'at the tone',
  'at the beep', 'not available', 'unavailable', 'voicemail', 'voice mail', 'mailbox', 'record your message',
  "can't take your call", 'cannot take your call', "can't come to the phone", 'away from the phone',
  'get back to you', 'return your call', 'call you back', 'please leave', 'your call has been forwarded',
  'is not available', 'reached the voicemail', 'you have reached',
];

export const DEFAULT_TIMERS: AmdTimers = {
  noSpeechTimeoutMs: 5000, decisionTimeoutMs: 15000, toneTimeoutMs: 20000, greetingCompletionTimeoutMs: 2000,
};

const BALANCED: AmdTuning = {
  greetingMs: 2500, afterGreetingSilenceMs: 980, minWordMs: 60, betweenWordsSilenceMs: 50, maxWords: 0,
  maxWordLengthMs: 2000, onsetDb: 10, releaseDb: 6, minSpeechDbfs: -50, speechRangeDb: 20, greetingRestartDb: 8, floorRiseDbPerS: 2,
  beepMinHz: 400, beepMaxHz: 2100, beepMinMs: 160, beepMaxMs: 4000, beepCompletionMs: 1000,
  detectFax: true, detectSit: true,
};

/** Tuning of each preset: `balanced` is the default. */
export const PRESET_TUNING: Readonly<Record<AmdPreset, AmdTuning>> = {
  fast: { ...BALANCED, greetingMs: 2100, afterGreetingSilenceMs: 800, maxWordLengthMs: 1500, beepCompletionMs: 500 },
  balanced: BALANCED,
  conservative: { ...BALANCED, greetingMs: 3000, afterGreetingSilenceMs: 1000, maxWordLengthMs: 3000 },
};

export type AmdParamsErrorCode = 'AMD_INVALID_PARAMS';

/** A bad `amd` object: `path` names the field (e.g. `timers.decisionTimeoutMs`). */
export class AmdParamsError extends GatewayError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('AMD_INVALID_PARAMS', `amd.${path}: ${message}`);
    this.path = path;
  }
}

type Obj = Readonly<Record<string, unknown>>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(o: Obj, key: string, path: string, fallback: number, min = 0): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new AmdParamsError(path + key, 'must be a number');
  if (v < min) throw new AmdParamsError(path + key, `must be at least ${min}`);
  return v;
}

function bool(o: Obj, key: string, path: string, fallback: boolean): boolean {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new AmdParamsError(path + key, 'must be a boolean');
  return v;
}

function sub(o: Obj, key: string): Obj {
  const v = o[key];
  if (v === undefined) return {};
  if (!isObj(v)) throw new AmdParamsError(key, 'must be an object');
  return v;
}

const NUMERIC_TUNING = [
  'greetingMs', 'afterGreetingSilenceMs', 'minWordMs', 'betweenWordsSilenceMs', 'maxWords', 'maxWordLengthMs', 'onsetDb',
  'releaseDb', 'speechRangeDb', 'greetingRestartDb', 'floorRiseDbPerS', 'beepMinHz', 'beepMaxHz', 'beepMinMs', 'beepMaxMs', 'beepCompletionMs',
] as const;

function resolveTuning(base: AmdTuning, t: Obj): AmdTuning {
  const known = new Set<string>([...NUMERIC_TUNING, 'minSpeechDbfs', 'detectFax', 'detectSit']);
  for (const k of Object.keys(t)) if (!known.has(k)) throw new AmdParamsError(`tuning.${k}`, 'unknown property');
  const out: Record<string, number | boolean> = { ...base };
  for (const k of NUMERIC_TUNING) out[k] = num(t, k, 'tuning.', base[k]);
  out.minSpeechDbfs = num(t, 'minSpeechDbfs', 'tuning.', base.minSpeechDbfs, -120);
  out.detectFax = bool(t, 'detectFax', 'tuning.', base.detectFax);
  out.detectSit = bool(t, 'detectSit', 'tuning.', base.detectSit);
  const r = out as unknown as AmdTuning;
  if (r.minWordMs < 20) throw new AmdParamsError('tuning.minWordMs', 'must be at least 20');
  if (r.greetingMs < 200) throw new AmdParamsError('tuning.greetingMs', 'must be at least 200');
  if (r.afterGreetingSilenceMs < 100) throw new AmdParamsError('tuning.afterGreetingSilenceMs', 'must be at least 100');
  if (r.releaseDb > r.onsetDb) throw new AmdParamsError('tuning.releaseDb', 'must not exceed onsetDb');
  if (r.beepMaxHz <= r.beepMinHz) throw new AmdParamsError('tuning.beepMaxHz', 'must exceed beepMinHz');
  if (r.beepMaxMs < r.beepMinMs) throw new AmdParamsError('tuning.beepMaxMs', 'must not be less than beepMinMs');
  return r;
}

function resolvePreset(o: Obj): AmdPreset {
  const p = o.preset;
  if (p === undefined) return 'balanced';
  if (typeof p !== 'string' || !(AMD_PRESETS as readonly string[]).includes(p)) {
    throw new AmdParamsError('preset', `must be one of ${AMD_PRESETS.map((x) => `"${x}"`).join(', ')}`);
  }
  return p as AmdPreset;
}

function resolvePhrases(o: Obj): readonly string[] {
  const v = o.voicemailPhrases;
  if (v === undefined) return DEFAULT_VOICEMAIL_PHRASES;
  if (!Array.isArray(v) || !v.every((s): s is string => typeof s === 'string')) {
    throw new AmdParamsError('voicemailPhrases', 'must be an array of strings');
  }
  return v.map((s) => s.toLowerCase().trim()).filter((s) => s.length > 0);
}

/**
 * Complete parameters from an `amd` object: preset tuning, then the jambonz fields, then
 * `tuning` overrides. `actionHook` and `recognizer` belong to the call layer and are ignored.
 */
export function resolveAmdParams(amd: unknown = {}): AmdParams {
  if (!isObj(amd)) throw new AmdParamsError('', 'must be an object');
  const preset = resolvePreset(amd);
  const t = sub(amd, 'timers');
  const timers: AmdTimers = {
    noSpeechTimeoutMs: num(t, 'noSpeechTimeoutMs', 'timers.', DEFAULT_TIMERS.noSpeechTimeoutMs),
    decisionTimeoutMs: num(t, 'decisionTimeoutMs', 'timers.', DEFAULT_TIMERS.decisionTimeoutMs),
    toneTimeoutMs: num(t, 'toneTimeoutMs', 'timers.', DEFAULT_TIMERS.toneTimeoutMs),
    greetingCompletionTimeoutMs: num(t, 'greetingCompletionTimeoutMs', 'timers.', DEFAULT_TIMERS.greetingCompletionTimeoutMs),
  };
  const thresholdWordCount = num(amd, 'thresholdWordCount', '', 9, 1);
  const digitCount = num(amd, 'digitCount', '', 0);
  if (!Number.isInteger(thresholdWordCount)) throw new AmdParamsError('thresholdWordCount', 'must be an integer');
  if (!Number.isInteger(digitCount)) throw new AmdParamsError('digitCount', 'must be an integer');
  return {
    preset, thresholdWordCount, digitCount, timers,
    tuning: resolveTuning(PRESET_TUNING[preset], sub(amd, 'tuning')),
    voicemailPhrases: resolvePhrases(amd),
  };
}
