/**
 * Speech/silence segmentation and word counting for AMD, after Asterisk's `app_amd`: a frame is
 * voiced when its level is far enough above the noise floor; voiced runs of at least
 * `minWordMs`, separated by at least `betweenWordsSilenceMs` of silence, are words. The floor is
 * the quietest frame of the last 2 s, allowed to rise only slowly so that a long sound (music, a
 * greeting without pauses) is not taken for the floor. Times are ms since answer.
 */
import type { AmdSegment } from './events.js';
import type { AmdTuning } from './params.js';

const FLOOR_WINDOW = 100;
/** Words closer than this make one speech segment in the evidence. */
const SEGMENT_JOIN_MS = 250;
const MAX_SEGMENTS = 200;

export class Segmenter {
  readonly #t: AmdTuning;
  readonly #levels = new Float32Array(FLOOR_WINDOW);
  #count = 0;
  #floor = -120;
  #runStart = 0;
  #runMs = 0;
  #runCounted = false;
  #gapMs = Infinity;
  readonly #segments: AmdSegment[] = [];
  /** Start of the first word, once there is one. */
  onsetMs: number | undefined;
  /** End of the last frame of the last word. */
  lastSpeechEndMs: number | undefined;
  words = 0;
  longestWordMs = 0;
  speechMs = 0;
  /** Whether the last frame was voiced. */
  voiced = false;
  /** The current voiced run, once it counts as a word. */
  currentWordMs = 0;

  constructor(tuning: AmdTuning) {
    this.#t = tuning;
  }

  get noiseFloorDbfs(): number {
    return this.#floor;
  }

  /** Feeds one frame's level; `tonal` frames (a steady single tone) are never speech. */
  push(levelDb: number, atMs: number, frameMs: number, tonal: boolean): void {
    this.#trackFloor(levelDb, frameMs);
    const t = this.#t;
    const inRun = this.#runMs > 0 && this.#gapMs < t.betweenWordsSilenceMs;
    const margin = inRun ? t.releaseDb : t.onsetDb;
    this.voiced = !tonal && levelDb > t.minSpeechDbfs && levelDb > this.#floor + margin;
    if (!this.voiced) {
      this.#gapMs += frameMs;
      if (this.#gapMs >= t.betweenWordsSilenceMs) this.currentWordMs = 0;
      return;
    }
    const end = atMs + frameMs;
    if (!inRun) {
      this.#runStart = atMs;
      this.#runCounted = false;
    }
    this.#gapMs = 0;
    this.#runMs = end - this.#runStart;
    if (!this.#runCounted && this.#runMs >= t.minWordMs) {
      this.#runCounted = true;
      this.words++;
      this.onsetMs ??= this.#runStart;
      this.speechMs += this.#runMs - frameMs;
      this.#addSpeech(this.#runStart);
    }
    if (this.#runCounted) {
      this.speechMs += frameMs;
      this.lastSpeechEndMs = end;
      this.currentWordMs = this.#runMs;
      if (this.#runMs > this.longestWordMs) this.longestWordMs = this.#runMs;
      const last = this.#segments[this.#segments.length - 1];
      if (last?.kind === 'speech') this.#segments[this.#segments.length - 1] = { ...last, end_ms: end };
    }
  }

  /** Speech and silence segments up to `nowMs`. */
  segments(nowMs: number): AmdSegment[] {
    const out = this.#segments.slice();
    const lastEnd = out.length > 0 ? out[out.length - 1].end_ms : 0;
    if (nowMs > lastEnd) out.push({ kind: 'silence', start_ms: lastEnd, end_ms: nowMs });
    return out;
  }

  #addSpeech(startMs: number): void {
    const segs = this.#segments;
    const last = segs[segs.length - 1];
    if (last?.kind === 'speech' && startMs - last.end_ms < SEGMENT_JOIN_MS) return;
    if (segs.length >= MAX_SEGMENTS) return;
    const prevEnd = last?.end_ms ?? 0;
    if (startMs > prevEnd) segs.push({ kind: 'silence', start_ms: prevEnd, end_ms: startMs });
    segs.push({ kind: 'speech', start_ms: startMs, end_ms: startMs });
  }

  #trackFloor(db: number, frameMs: number): void {
    const w = FLOOR_WINDOW;
    this.#levels[this.#count++ % w] = db;
    let min = Infinity;
    for (let i = 0; i < Math.min(this.#count, w); i++) if (this.#levels[i] < min) min = this.#levels[i];
    if (this.#count === 1 || min <= this.#floor) this.#floor = min;
    else this.#floor = Math.min(min, this.#floor + (this.#t.floorRiseDbPerS * frameMs) / 1000);
  }
}
