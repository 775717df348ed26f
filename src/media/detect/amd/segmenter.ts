/**
 * Speech/silence segmentation and word counting for AMD, after Asterisk's `app_amd`: a frame is
 * voiced when its level is far enough above the noise floor; voiced runs of at least
 * `minWordMs`, separated by at least `betweenWordsSilenceMs` of silence, are words. The floor is
 * the quietest frame of the last 2 s, allowed to rise only slowly so that a long sound (music, a
 * greeting without pauses) is not taken for the floor. Frames more than `speechRangeDb` under the
 * greeting's loudest frame are silence too, so that background talkers do not extend a greeting;
 * a word `greetingRestartDb` louder than everything before restarts the greeting (what came
 * before was background). Times are ms since answer.
 */
import type { AmdSegment } from './events.js';
import type { AmdTuning } from './params.js';

const FLOOR_WINDOW = 100;
/** Words closer than this make one speech segment in the evidence. */
const SEGMENT_JOIN_MS = 250;
const MAX_SEGMENTS = 200;
/**
 * A word's fading tail: frames this far over the floor right after it, for at most TAIL_MAX_MS
 * from the word's end. A final stop ("beep", "message") is a silent closure and then a release:
 * a burst of at least TAIL_BURST_FRAMES frames that starts within TAIL_BRIDGE_MS of the tail's
 * end belongs to the tail too (a single-frame click does not).
 */
const TAIL_DB = 4;
const TAIL_MAX_MS = 240;
const TAIL_MIN_DBFS = -62;
const TAIL_BRIDGE_MS = 80;
const TAIL_BURST_FRAMES = 2;

export class Segmenter {
  readonly #t: AmdTuning;
  readonly #levels = new Float32Array(FLOOR_WINDOW);
  #count = 0;
  #floor = -120;
  #minFloor = -120;
  readonly #quiet = new Float32Array(FLOOR_WINDOW);
  readonly #sorted = new Float32Array(FLOOR_WINDOW);
  #quietCount = 0;
  #runStart = 0;
  #runMs = 0;
  #runCounted = false;
  #gapMs = Infinity;
  #runPeakDb = -120;
  /** Start of a burst after the tail (a stop's release), while it is too short to count. */
  #burstFromMs: number | undefined;
  readonly #segments: Array<{ kind: AmdSegment['kind']; start_ms: number; end_ms: number }> = [];
  /** Start of the first word, once there is one. */
  onsetMs: number | undefined;
  /** End of the last frame of the last word. */
  lastSpeechEndMs: number | undefined;
  /** End of the last word's fading tail (quieter than a word, still over the floor): where the speech really stops. */
  tailEndMs: number | undefined;
  words = 0;
  longestWordMs = 0;
  speechMs = 0;
  /** The loudest frame of the greeting's words (dBFS). */
  peakDb = -120;
  /** How often the greeting was found to be background and restarted. */
  restarts = 0;
  /** Whether the last frame was voiced. */
  voiced = false;
  /** Whether the last frame was loud enough to start a word (voiced, or a sound not yet a word or a tone). */
  loud = false;
  /** The current voiced run, once it counts as a word. */
  currentWordMs = 0;

  constructor(tuning: AmdTuning) {
    this.#t = tuning;
  }

  get noiseFloorDbfs(): number {
    return this.#floor;
  }

  /** Whether a frame this loud could start a word (or a tone): `onsetDb` over the floor, and over `minSpeechDbfs`. */
  canStart(levelDb: number): boolean {
    return levelDb > Math.max(this.#t.minSpeechDbfs, this.#floor + this.#t.onsetDb);
  }

  /** Feeds one frame's level; `tonal` frames (a steady single tone) are never speech. */
  push(levelDb: number, atMs: number, frameMs: number, tonal: boolean): void {
    this.#trackFloor(levelDb, frameMs);
    const t = this.#t;
    const inRun = this.#runMs > 0 && this.#gapMs < t.betweenWordsSilenceMs;
    const margin = inRun ? t.releaseDb : t.onsetDb;
    const gate = Math.max(t.minSpeechDbfs, this.#floor + margin, this.peakDb - t.speechRangeDb);
    this.voiced = !tonal && levelDb > gate;
    this.loud = this.canStart(levelDb);
    if (!this.voiced) {
      if (!tonal) this.#noteUnvoiced(levelDb);
      this.#trackTail(levelDb, atMs, frameMs, tonal);
      this.#gapMs += frameMs;
      if (this.#gapMs >= t.betweenWordsSilenceMs) this.currentWordMs = 0;
      return;
    }
    const end = atMs + frameMs;
    if (!inRun) {
      this.#runStart = atMs;
      this.#runCounted = false;
      this.#runPeakDb = -120;
    }
    this.#gapMs = 0;
    this.#runMs = end - this.#runStart;
    if (levelDb > this.#runPeakDb) this.#runPeakDb = levelDb;
    if (!this.#runCounted && this.#runMs >= t.minWordMs) {
      this.#runCounted = true;
      // Much louder than all before: what came before was background (other talkers), not the greeting.
      if (this.words > 0 && this.#runPeakDb > this.peakDb + t.greetingRestartDb) this.#restart();
      this.words++;
      this.onsetMs ??= this.#runStart;
      this.speechMs += this.#runMs - frameMs;
      this.#addSpeech(this.#runStart);
    }
    if (!this.#runCounted) {
      // Too short to be a word (yet): a final consonant belongs to the last word's tail.
      this.#trackTail(levelDb, atMs, frameMs, tonal);
    } else {
      this.#burstFromMs = undefined;
      if (levelDb > this.peakDb) this.peakDb = levelDb;
      this.speechMs += frameMs;
      this.lastSpeechEndMs = end;
      this.tailEndMs = end;
      this.currentWordMs = this.#runMs;
      if (this.#runMs > this.longestWordMs) this.longestWordMs = this.#runMs;
      const last = this.#segments[this.#segments.length - 1];
      if (last?.kind === 'speech') last.end_ms = end;
    }
  }

  /**
   * No audio at all for `ms` (the callee's RTP stopped): silence from the end of the last frame,
   * which also ends a word cut off mid-way. The noise floor is left alone: nothing was heard.
   */
  silence(ms: number): void {
    this.voiced = false;
    this.loud = false;
    this.#burstFromMs = undefined;
    this.#gapMs += ms;
    if (this.#gapMs >= this.#t.betweenWordsSilenceMs) this.currentWordMs = 0;
  }

  /**
   * Extends the last word's tail by this frame: a frame over the floor right after the tail, or
   * the second frame of a burst that started within TAIL_BRIDGE_MS of it (a stop's release).
   */
  #trackTail(levelDb: number, atMs: number, frameMs: number, tonal: boolean): void {
    const last = this.lastSpeechEndMs;
    const tail = this.tailEndMs;
    const above = levelDb > Math.max(this.#floor + TAIL_DB, TAIL_MIN_DBFS);
    if (last === undefined || tail === undefined || tonal || !above || atMs + frameMs - last > TAIL_MAX_MS) {
      this.#burstFromMs = undefined;
      return;
    }
    if (tail === atMs) {
      this.tailEndMs = atMs + frameMs;
      return;
    }
    if (this.#burstFromMs === undefined) {
      if (atMs - tail > TAIL_BRIDGE_MS) return;
      this.#burstFromMs = atMs;
    }
    if (atMs + frameMs - this.#burstFromMs >= TAIL_BURST_FRAMES * frameMs) this.tailEndMs = atMs + frameMs;
  }

  /** Forgets a "greeting" that was only a blip (a click, a cough): listening starts over, as before any speech. */
  forget(): void {
    this.#restart();
    this.restarts--;
    this.peakDb = -120;
    this.lastSpeechEndMs = undefined;
    this.tailEndMs = undefined;
  }

  #restart(): void {
    this.words = 0;
    this.onsetMs = undefined;
    this.speechMs = 0;
    this.longestWordMs = 0;
    this.restarts++;
    this.#segments.length = 0;
  }

  /** Speech and silence segments up to `nowMs`. */
  segments(nowMs: number): AmdSegment[] {
    const out: AmdSegment[] = this.#segments.map((x) => ({ ...x }));
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

  /**
   * The floor is the median level of the last 2 s of unvoiced frames (babble and other
   * fluctuating noise sit around it, not 10 dB over it), but never under the quietest frame of
   * the last 2 s, which rises at most `floorRiseDbPerS` (so a sudden steady noise is learnt).
   */
  #trackFloor(db: number, frameMs: number): void {
    const w = FLOOR_WINDOW;
    this.#levels[this.#count++ % w] = db;
    let min = Infinity;
    for (let i = 0; i < Math.min(this.#count, w); i++) if (this.#levels[i] < min) min = this.#levels[i];
    if (this.#count === 1 || min <= this.#minFloor) this.#minFloor = min;
    else this.#minFloor = Math.min(min, this.#minFloor + (this.#t.floorRiseDbPerS * frameMs) / 1000);
    const n = Math.min(this.#quietCount, w);
    if (n === 0) {
      this.#floor = this.#minFloor;
      return;
    }
    this.#sorted.set(this.#quiet.subarray(0, n));
    const sorted = this.#sorted.subarray(0, n).sort();
    this.#floor = Math.max(this.#minFloor, sorted[n >> 1]);
  }

  #noteUnvoiced(db: number): void {
    this.#quiet[this.#quietCount++ % FLOOR_WINDOW] = db;
  }
}
