/**
 * One AMD run, started at answer (200 OK): a pure state machine over 20 ms frames and their
 * timestamps. `push` feeds the callee's audio, `tick` lets the caller drive the timers when no
 * audio arrives (missing time counts as silence), `transcript` feeds optional recogniser text and
 * `stop` ends the run (hangup). Each returns the events it caused, in order.
 *
 * Verdicts (docs/amd.md): speech still going on `greetingMs` after its onset → machine (`long
 * greeting`); silence of `afterGreetingSilenceMs` after a shorter greeting → human (`short
 * greeting`); a beep, fax tones or a SIT → machine. After "machine" the run goes on until the
 * greeting ends (`amd_machine_stopped_speaking`), reporting the beep (`amd_tone_detected`).
 */
import { frameDbfs, frameEnergy } from '../../dsp/goertzel.js';
import type { AmdEvent, AmdEventType, AmdEvidence, AmdReason } from './events.js';
import { robustFrameDbfs } from './level.js';
import type { AmdParams } from './params.js';
import { Segmenter } from './segmenter.js';
import { ToneTracker, type ToneFinding } from './tones.js';
import { countWords, transcriptVerdict } from './transcript.js';

export const AMD_FRAME_SAMPLES = 160;
export const AMD_FRAME_MS = 20;
/** Speech needed before a tone counts as a beep after a greeting (rather than fax, SIT or a lone beep). */
const MIN_GREETING_SPEECH_MS = 120;

type Phase = 'listening' | 'machine' | 'stopped';

interface Extra {
  readonly reason?: string;
  readonly frequency?: number;
  readonly duration_ms?: number;
  readonly greeting?: string;
  readonly hint?: string;
  readonly error?: string;
}

export class AmdSession {
  readonly params: AmdParams;
  readonly #startMs: number;
  readonly #seg: Segmenter;
  readonly #tones: ToneTracker;
  #phase: Phase = 'listening';
  #nowMs = 0;
  #beepEndMs: number | undefined;
  /** End of the last tonal frame loud enough to start a beep. */
  #lastToneEndMs = -Infinity;
  #lastTranscriptMs: number | undefined;
  #transcriptWords: number | undefined;

  constructor(params: AmdParams, startMs: number) {
    this.params = params;
    this.#startMs = startMs;
    this.#seg = new Segmenter(params.tuning);
    this.#tones = new ToneTracker(params.tuning);
  }

  get stopped(): boolean {
    return this.#phase === 'stopped';
  }

  /** Feeds one 20 ms frame (160 samples at 8 kHz) that starts at `atMs`. */
  push(frame: Int16Array, atMs: number): AmdEvent[] {
    const out: AmdEvent[] = [];
    if (this.#phase === 'stopped') return out;
    if (frame.length !== AMD_FRAME_SAMPLES) {
      this.#emit(out, 'amd_error', 1, { error: `frame of ${frame.length} samples, expected ${AMD_FRAME_SAMPLES}` });
      this.#finish(out);
      return out;
    }
    const rel = atMs - this.#startMs;
    if (rel < this.#nowMs - AMD_FRAME_MS / 2) return out;
    const level = frameDbfs(frameEnergy(frame, AMD_FRAME_SAMPLES), AMD_FRAME_SAMPLES);
    // A click or two taken for a word must not turn a fax or SIT tone into a "beep after speech".
    const speechHeard = this.#seg.onsetMs !== undefined && this.#seg.speechMs >= MIN_GREETING_SPEECH_MS;
    const findings = this.#tones.push(frame, level, rel, AMD_FRAME_MS, speechHeard);
    // A tonal frame barely over the floor (a steady vowel in background babble) could not start a beep.
    if (this.#tones.tonal && this.#seg.canStart(level)) this.#lastToneEndMs = rel + AMD_FRAME_MS;
    this.#seg.push(robustFrameDbfs(frame), rel, AMD_FRAME_MS, this.#tones.tonal);
    this.#nowMs = rel + AMD_FRAME_MS;
    for (const f of findings) this.#onTone(f, out);
    this.#evaluate(this.#seg.voiced, out);
    return out;
  }

  /** Advances time to `atMs` without audio (the gap counts as silence) and fires due timers. */
  tick(atMs: number): AmdEvent[] {
    const out: AmdEvent[] = [];
    const rel = atMs - this.#startMs;
    if (this.#phase === 'stopped' || rel <= this.#nowMs) return out;
    // The gap is silence for the segmenter too: a word cut off by RTP that stopped ends here.
    this.#seg.silence(rel - this.#nowMs);
    this.#nowMs = rel;
    const findings: ToneFinding[] = [];
    this.#tones.tick(rel, findings);
    for (const f of findings) this.#onTone(f, out);
    this.#evaluate(false, out);
    return out;
  }

  /** Feeds recogniser text (interim or final) heard at `atMs`. */
  transcript(text: string, atMs: number): AmdEvent[] {
    const out: AmdEvent[] = [];
    if (this.#phase === 'stopped') return out;
    this.#nowMs = Math.max(this.#nowMs, atMs - this.#startMs);
    this.#lastTranscriptMs = this.#nowMs;
    this.#transcriptWords = countWords(text);
    if (this.#phase === 'listening') {
      const v = transcriptVerdict(text, this.params);
      if (v) this.#machine(out, v.reason, v.confidence, v.hint === undefined ? { greeting: text } : { greeting: text, hint: v.hint });
    }
    return out;
  }

  /** Ends the run (e.g. on hangup): `amd_stopped` unless it has stopped already. */
  stop(atMs: number): AmdEvent[] {
    const out: AmdEvent[] = [];
    if (this.#phase === 'stopped') return out;
    this.#nowMs = Math.max(this.#nowMs, atMs - this.#startMs);
    this.#finish(out);
    return out;
  }

  #onTone(f: ToneFinding, out: AmdEvent[]): void {
    if (this.#phase === 'stopped') return;
    if (f.kind === 'fax' || f.kind === 'sit') {
      if (this.#phase !== 'listening') return;
      this.#machine(out, f.kind, 0.95, {});
      this.#finish(out);
      return;
    }
    if (this.#phase === 'listening') this.#machine(out, 'beep', 0.95, {});
    if (f.kind === 'beep' && this.#beepEndMs === undefined) {
      this.#beepEndMs = f.endMs;
      this.#emit(out, 'amd_tone_detected', 0.9, { frequency: Math.round(f.hz), duration_ms: f.endMs - f.startMs });
    }
  }

  #evaluate(voiced: boolean, out: AmdEvent[]): void {
    if (this.#phase === 'listening') this.#decide(voiced, out);
    if (this.#phase === 'machine') this.#awaitGreetingEnd(out);
    if (this.#phase === 'stopped') return;
    const { toneTimeoutMs, decisionTimeoutMs } = this.params.timers;
    if (this.#phase === 'listening' && decisionTimeoutMs > 0 && this.#nowMs >= decisionTimeoutMs) {
      this.#emit(out, 'amd_decision_timeout', 0.5, {});
      this.#finish(out);
    } else if (toneTimeoutMs > 0 && this.#nowMs >= toneTimeoutMs && this.#beepEndMs === undefined) {
      this.#emit(out, 'amd_tone_timeout', 1, {});
      this.#finish(out);
    }
  }

  #decide(voiced: boolean, out: AmdEvent[]): void {
    const t = this.params.tuning;
    const seg = this.#seg;
    const now = this.#nowMs;
    if (seg.onsetMs === undefined) {
      const { noSpeechTimeoutMs } = this.params.timers;
      if (noSpeechTimeoutMs > 0 && now >= noSpeechTimeoutMs && this.#lastTranscriptMs === undefined && !this.#tones.busy) {
        this.#emit(out, 'amd_no_speech_detected', 0.9, {});
        this.#finish(out);
      }
      return;
    }
    const greeting = now - seg.onsetMs;
    if (voiced && seg.currentWordMs > 0 && greeting >= t.greetingMs) {
      this.#machine(out, 'long greeting', clamp(0.7 + 0.02 * seg.words, 0.7, 0.9), {});
    } else if (t.maxWords > 0 && seg.words > t.maxWords) {
      this.#machine(out, 'max words', 0.75, {});
    } else if (t.maxWordLengthMs > 0 && seg.currentWordMs >= t.maxWordLengthMs) {
      this.#machine(out, 'max word length', 0.8, {});
    } else if (!this.#tones.busy && !this.#tones.pending && !seg.loud && now - this.#lastActivityMs() >= t.afterGreetingSilenceMs) {
      // Not while a sound is starting (a beep is confirmed only 160 ms in, a word 60 ms in), nor
      // while a tone waits for its sequel (a fax CNG burst, a first SIT segment). A "greeting" of
      // a blip or two (clicks on the line) is no greeting: listen on as before any speech.
      if (seg.speechMs < MIN_GREETING_SPEECH_MS) {
        seg.forget();
        return;
      }
      const len = (seg.lastSpeechEndMs ?? now) - seg.onsetMs;
      this.#emit(out, 'amd_human_detected', clamp(0.5 + 0.45 * (1 - len / t.greetingMs), 0.5, 0.95), { reason: 'short greeting' });
      this.#finish(out);
    }
  }

  #awaitGreetingEnd(out: AmdEvent[]): void {
    const beep = this.#beepEndMs !== undefined;
    const wait = beep ? this.params.tuning.beepCompletionMs : this.params.timers.greetingCompletionTimeoutMs;
    if (this.#tones.busy || this.#nowMs - this.#lastActivityMs() < wait) return;
    this.#emit(out, 'amd_machine_stopped_speaking', beep ? 0.9 : 0.8, {});
    this.#finish(out);
  }

  /** End of the last word, tone frame or transcript. */
  #lastActivityMs(): number {
    return Math.max(this.#seg.tailEndMs ?? 0, this.#lastToneEndMs, this.#lastTranscriptMs ?? 0);
  }

  #machine(out: AmdEvent[], reason: AmdReason, confidence: number, extra: Extra): void {
    this.#phase = 'machine';
    this.#emit(out, 'amd_machine_detected', confidence, { ...extra, reason });
  }

  #finish(out: AmdEvent[]): void {
    this.#emit(out, 'amd_stopped', 1, {});
    this.#phase = 'stopped';
  }

  #emit(out: AmdEvent[], type: AmdEventType, confidence: number, extra: Extra): void {
    out.push({ type, ...extra, confidence: Math.round(confidence * 100) / 100, decision_ms: Math.round(this.#nowMs), evidence: this.#evidence() });
  }

  #evidence(): AmdEvidence {
    const seg = this.#seg;
    const now = this.#nowMs;
    const onset = seg.onsetMs;
    const lastEnd = seg.lastSpeechEndMs;
    const ev: AmdEvidence = {
      segments: seg.segments(now),
      initial_silence_ms: onset ?? now,
      greeting_ms: onset === undefined ? 0 : (seg.voiced ? now : lastEnd ?? now) - onset,
      speech_ms: seg.speechMs,
      word_count: seg.words,
      longest_word_ms: seg.longestWordMs,
      silence_ms: lastEnd === undefined ? now : seg.voiced ? 0 : now - lastEnd,
      tones: this.#tones.evidence,
      noise_floor_dbfs: Math.round(seg.noiseFloorDbfs * 10) / 10,
    };
    return this.#transcriptWords === undefined ? ev : { ...ev, transcript_words: this.#transcriptWords };
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
