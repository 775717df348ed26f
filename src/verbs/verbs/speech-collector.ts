/**
 * The speech half of gather (contract §4.3, issue 14) as a state machine fed recognition
 * updates, with time as an input: a final transcript ends it (`speechDetected`, or
 * `stt-low-confidence` under `recognizer.minConfidence`); with `asrTimeout` (continuous ASR)
 * finals accumulate until that much silence or `asrDtmfTerminationDigit`; a vendor failure with
 * no fallback left is `error`.
 */
import type { RecognitionUpdate } from '../../call/control.js';
import type { Clock, TimerHandle } from '../../kernel/clock.js';

/** `speech` exactly as jambonz shapes it (contract §4.3). */
export interface SpeechPayload {
  readonly language_code: string;
  readonly channel_tag: number;
  readonly is_final: boolean;
  readonly alternatives: ReadonlyArray<{ readonly transcript: string; readonly confidence?: number }>;
  readonly vendor: { readonly name: string; readonly evt: unknown };
}

export type SpeechResult =
  | { readonly reason: 'speechDetected' | 'stt-low-confidence'; readonly speech: SpeechPayload }
  | { readonly reason: 'error'; readonly details: string };

export interface SpeechRules {
  readonly language: string;
  readonly minConfidence?: number;
  /** Continuous ASR: silence after the last final that ends the gather (0/undefined: off). */
  readonly asrTimeoutMs?: number;
  readonly asrDtmfTerminationDigit?: string;
  /** Silence after an interim result before the vendor is asked to finalize. */
  readonly speechTimeoutMs?: number;
  /** Speech barge-in: onset (our VAD), or this many words heard when > 1. */
  readonly bargein: boolean;
  readonly minBargeinWordCount: number;
}

export interface SpeechCallbacks {
  readonly done: (r: SpeechResult) => void;
  /** The prompt should stop (barge-in). */
  readonly bargein: () => void;
  /** An interim transcript (partialResultHook). */
  readonly partial: (speech: SpeechPayload) => void;
  /** The caller is active: the main timer starts over. */
  readonly activity: () => void;
  /** Ask the vendor for its final result now (speechTimeout). */
  readonly finalize: () => void;
}

type Transcript = Extract<RecognitionUpdate, { type: 'transcript' }>;

const words = (s: string): number => s.trim().split(/\s+/).filter((w) => w.length > 0).length;

export class SpeechCollector {
  #done = false;
  #bargedIn = false;
  #pending: Transcript | undefined;
  readonly #finals: Transcript[] = [];
  #asrTimer: TimerHandle | undefined;
  #speechTimer: TimerHandle | undefined;

  constructor(private readonly clock: Clock, private readonly rules: SpeechRules, private readonly cb: SpeechCallbacks) {}

  get done(): boolean {
    return this.#done;
  }

  update(u: RecognitionUpdate): void {
    if (this.#done) return;
    if (u.type === 'onset') {
      this.cb.activity();
      if (this.rules.minBargeinWordCount <= 1) this.#bargein();
    } else if (u.type === 'transcript') this.#transcript(u);
    else if (u.type === 'utterance-end') {
      // A vendor that ends the utterance without a final: its last interim result is the answer.
      const p = this.#pending;
      if (p) this.#transcript({ ...p, isFinal: true });
    } else if (u.type === 'failed') this.#finish({ reason: 'error', details: `${u.vendor}: ${u.message}` });
  }

  /** A digit during continuous ASR: the termination digit ends it with what was heard. Returns true when consumed. */
  dtmf(d: string): boolean {
    if (this.#done || !this.rules.asrTimeoutMs || d !== this.rules.asrDtmfTerminationDigit) return false;
    this.#endContinuous();
    return true;
  }

  stop(): void {
    this.#done = true;
    this.#clear();
  }

  #transcript(t: Transcript): void {
    const text = t.alternatives[0]?.transcript ?? '';
    if (text.trim() === '') return;
    this.cb.activity();
    if (words(text) >= this.rules.minBargeinWordCount) this.#bargein();
    if (!t.isFinal) {
      this.#pending = t;
      this.cb.partial(payload(t, this.rules.language));
      this.#armSpeechTimer();
      return;
    }
    this.#pending = undefined;
    this.#speechTimer?.cancel();
    if (!this.rules.asrTimeoutMs) {
      this.#finalResult(t);
      return;
    }
    this.#finals.push(t);
    this.#asrTimer?.cancel();
    this.#asrTimer = this.clock.setTimer(this.rules.asrTimeoutMs, () => this.#endContinuous());
  }

  #finalResult(t: Transcript): void {
    const speech = payload(t, this.rules.language);
    const c = t.alternatives[0]?.confidence;
    const low = this.rules.minConfidence !== undefined && c !== undefined && c < this.rules.minConfidence;
    this.#finish({ reason: low ? 'stt-low-confidence' : 'speechDetected', speech });
  }

  /** Continuous ASR ends: the finals heard so far, joined, as one result. */
  #endContinuous(): void {
    if (this.#finals.length === 0) {
      this.#finish({ reason: 'speechDetected', speech: payload({ type: 'transcript', vendor: '', isFinal: true, alternatives: [{ transcript: '' }] }, this.rules.language) });
      return;
    }
    const last = this.#finals[this.#finals.length - 1];
    const transcript = this.#finals.map((f) => f.alternatives[0]?.transcript ?? '').join(' ');
    const confidences = this.#finals.map((f) => f.alternatives[0]?.confidence).filter((c): c is number => c !== undefined);
    const confidence = confidences.length > 0 ? Math.min(...confidences) : undefined;
    this.#finalResult({ ...last, alternatives: [{ transcript, ...(confidence === undefined ? {} : { confidence }) }] });
  }

  #armSpeechTimer(): void {
    const ms = this.rules.speechTimeoutMs;
    if (!ms) return;
    this.#speechTimer?.cancel();
    this.#speechTimer = this.clock.setTimer(ms, () => this.cb.finalize());
  }

  #bargein(): void {
    if (!this.rules.bargein || this.#bargedIn) return;
    this.#bargedIn = true;
    this.cb.bargein();
  }

  #finish(r: SpeechResult): void {
    if (this.#done) return;
    this.#done = true;
    this.#clear();
    this.cb.done(r);
  }

  #clear(): void {
    this.#asrTimer?.cancel();
    this.#speechTimer?.cancel();
  }
}

/** A transcript as the `speech` object of the hooks (contract §4.3). */
export function payload(t: Transcript, language: string): SpeechPayload {
  return {
    language_code: t.language ?? language,
    channel_tag: t.channel ?? 1,
    is_final: t.isFinal,
    alternatives: t.alternatives.map((a) => (a.confidence === undefined ? { transcript: a.transcript } : { transcript: a.transcript, confidence: a.confidence })),
    vendor: { name: t.vendor, evt: t.vendorEvent ?? {} },
  };
}
