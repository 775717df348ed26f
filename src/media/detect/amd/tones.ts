/**
 * Tone classification for AMD on top of `ToneDetector`: a single tone after speech is the beep;
 * before any speech a tone may instead be fax (CNG: 1100 Hz, 0.5 s on / 3 s off — ITU-T T.30;
 * CED: 2100 Hz for 2.6–4 s), a Special Information Tone (three rising segments, ITU-T E.180 /
 * ANSI T1.401: 913.8|985.2, 1370.6|1428.5, 1776.7 Hz, 274 or 380 ms each) or a single-frequency
 * ringback (425 Hz); dual tones (ringback, dial tone, DTMF) never reach here. Times are ms since
 * answer.
 */
import { ToneDetector } from '../tone.js';
import type { AmdToneEvidence, AmdToneKind } from './events.js';
import type { AmdTuning } from './params.js';

export type ToneFinding =
  /** A tone after speech is confirmed (160 ms in): enough to call a machine. */
  | { readonly kind: 'beep-start'; readonly hz: number; readonly startMs: number }
  /** A beep has ended. */
  | { readonly kind: 'beep'; readonly hz: number; readonly startMs: number; readonly endMs: number }
  | { readonly kind: 'fax' | 'sit'; readonly hz: number; readonly startMs: number };

interface ToneRecord {
  kind: AmdToneKind;
  hz: number;
  startMs: number;
  endMs?: number;
}

const SIT_1 = [913.8, 985.2];
const SIT_2 = [1370.6, 1428.5];
const SIT_3 = [1776.7];
const SIT_TOLERANCE_HZ = 25;
const SIT_MAX_GAP_MS = 120;
const CNG_HZ = 1100;
const CED_HZ = 2100;
const FAX_TOLERANCE_HZ = 30;
const CED_MIN_MS = 1500;
/** Before speech, a possible first SIT segment or CNG burst is held this long for its sequel. */
const SIT_HOLD_MS = 300;
const CNG_HOLD_MS = 4800;
const MIN_PURITY = 0.85;
const MIN_TONE_DBFS = -45;

const near = (hz: number, set: readonly number[], tol: number): boolean => set.some((f) => Math.abs(hz - f) <= tol);

export class ToneTracker {
  readonly #t: AmdTuning;
  readonly #det: ToneDetector;
  readonly #tones: ToneRecord[] = [];
  #active: ToneRecord | undefined;
  #held: { rec: ToneRecord; until: number } | undefined;
  #faxReported = false;
  /** Whether the last frame was part of a steady single tone (so not speech). */
  tonal = false;

  constructor(tuning: AmdTuning) {
    this.#t = tuning;
    this.#det = new ToneDetector({ minHz: Math.min(tuning.beepMinHz, 900), maxHz: Math.max(tuning.beepMaxHz, 2150), minToneMs: tuning.beepMinMs });
  }

  get evidence(): AmdToneEvidence[] {
    return this.#tones.map((r) => (r.endMs === undefined ? { kind: r.kind, hz: r.hz, start_ms: r.startMs } : { kind: r.kind, hz: r.hz, start_ms: r.startMs, end_ms: r.endMs }));
  }

  /** True while a tone is going on (a verdict of "silence" must wait for it). */
  get busy(): boolean {
    return this.#active !== undefined;
  }

  /** True while a tone is held for its sequel (a CNG burst, a first SIT segment). */
  get pending(): boolean {
    return this.#held !== undefined;
  }

  push(frame: Int16Array, levelDb: number, atMs: number, frameMs: number, speechHeard: boolean): ToneFinding[] {
    const ev = this.#det.push(frame, atMs);
    const d = this.#det;
    this.tonal = levelDb >= MIN_TONE_DBFS && d.lastPurity >= MIN_PURITY && d.lastHz >= 350 && d.lastHz <= 2200;
    const out: ToneFinding[] = [];
    if (ev?.type === 'tone-start') this.#onStart(ev.hz, ev.startMs, speechHeard, out);
    else if (ev?.type === 'tone-end') this.#onEnd(ev.startMs + ev.durationMs, speechHeard, out);
    this.#checkCed(atMs + frameMs, speechHeard, out);
    this.tick(atMs + frameMs, out);
    return out;
  }

  /** Releases a held tone whose sequel did not come (no tone going on): it was a beep after all. */
  tick(nowMs: number, out: ToneFinding[]): void {
    const h = this.#held;
    if (!h || nowMs < h.until || this.#active !== undefined) return;
    this.#held = undefined;
    h.rec.kind = 'beep';
    if (h.rec.endMs !== undefined) out.push({ kind: 'beep', hz: h.rec.hz, startMs: h.rec.startMs, endMs: h.rec.endMs });
  }

  #onStart(hz: number, startMs: number, speechHeard: boolean, out: ToneFinding[]): void {
    const rec: ToneRecord = { kind: 'other', hz, startMs };
    this.#active = rec;
    if (this.#tones.length < 50) this.#tones.push(rec);
    if (this.#isSit(rec)) {
      this.#held = undefined;
      out.push({ kind: 'sit', hz, startMs });
      return;
    }
    if (speechHeard && this.#inBeepBand(hz)) {
      rec.kind = 'beep';
      out.push({ kind: 'beep-start', hz, startMs });
    }
  }

  #onEnd(endMs: number, speechHeard: boolean, out: ToneFinding[]): void {
    const rec = this.#active;
    this.#active = undefined;
    if (!rec) return;
    rec.endMs = endMs;
    const dur = endMs - rec.startMs;
    if (rec.kind === 'sit' || rec.kind === 'fax-ced') return;
    const t = this.#t;
    const isBeep = this.#inBeepBand(rec.hz) && dur >= t.beepMinMs && dur <= t.beepMaxMs;
    if (speechHeard) {
      if (isBeep) {
        rec.kind = 'beep';
        out.push({ kind: 'beep', hz: rec.hz, startMs: rec.startMs, endMs });
      }
      return;
    }
    this.#beforeSpeech(rec, dur, isBeep, out);
  }

  #beforeSpeech(rec: ToneRecord, dur: number, isBeep: boolean, out: ToneFinding[]): void {
    const t = this.#t;
    const end = rec.endMs ?? rec.startMs + dur;
    if (t.detectFax && Math.abs(rec.hz - CNG_HZ) <= FAX_TOLERANCE_HZ && dur >= 350 && dur <= 800) {
      const prev = this.#held?.rec;
      rec.kind = 'fax-cng';
      if (prev?.kind === 'fax-cng' && rec.startMs - prev.startMs >= 2500 && rec.startMs - prev.startMs <= 4500) {
        this.#held = undefined;
        if (!this.#faxReported) out.push({ kind: 'fax', hz: rec.hz, startMs: prev.startMs });
        this.#faxReported = true;
        return;
      }
      this.#held = { rec, until: rec.startMs + CNG_HOLD_MS };
      return;
    }
    if (rec.hz >= 400 && rec.hz <= 450 && dur >= 700) {
      rec.kind = 'ringback';
      return;
    }
    if (t.detectSit && near(rec.hz, [...SIT_1, ...SIT_2], SIT_TOLERANCE_HZ) && dur <= 450) {
      rec.kind = 'sit';
      this.#held = { rec, until: end + SIT_HOLD_MS };
      return;
    }
    if (isBeep) {
      rec.kind = 'beep';
      out.push({ kind: 'beep', hz: rec.hz, startMs: rec.startMs, endMs: end });
    }
  }

  #checkCed(nowMs: number, speechHeard: boolean, out: ToneFinding[]): void {
    const a = this.#active;
    if (!a || speechHeard || this.#faxReported || !this.#t.detectFax) return;
    if (Math.abs(a.hz - CED_HZ) > FAX_TOLERANCE_HZ || nowMs - a.startMs < CED_MIN_MS) return;
    a.kind = 'fax-ced';
    this.#faxReported = true;
    out.push({ kind: 'fax', hz: a.hz, startMs: a.startMs });
  }

  /** Third SIT segment starting right after two matching ones. */
  #isSit(rec: ToneRecord): boolean {
    if (!this.#t.detectSit || !near(rec.hz, SIT_3, SIT_TOLERANCE_HZ)) return false;
    const n = this.#tones.length;
    const s2 = this.#tones[n - 2];
    const s1 = this.#tones[n - 3];
    if (!s1 || !s2 || s1.endMs === undefined || s2.endMs === undefined) return false;
    const ok = near(s1.hz, SIT_1, SIT_TOLERANCE_HZ) && near(s2.hz, SIT_2, SIT_TOLERANCE_HZ)
      && s2.startMs - s1.endMs <= SIT_MAX_GAP_MS && rec.startMs - s2.endMs <= SIT_MAX_GAP_MS;
    if (ok) s1.kind = s2.kind = rec.kind = 'sit';
    return ok;
  }

  #inBeepBand(hz: number): boolean {
    return hz >= this.#t.beepMinHz && hz <= this.#t.beepMaxHz;
  }
}
