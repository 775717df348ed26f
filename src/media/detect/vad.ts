/**
 * Energy voice-activity detector with an adaptive noise floor: a state machine of 20 ms frames
 * and their timestamps. The floor is the quietest frame of the last `floorWindowFrames` (minimum
 * statistics): speech always has pauses that dip to it, steady noise lifts it. Speech starts when the frame level stays `onsetDb` above the floor
 * for `onsetFrames`; it ends after `hangoverFrames` frames back near the floor.
 */
import { frameDbfs, frameEnergy } from '../dsp/goertzel.js';

export type VadEvent =
  | { readonly type: 'speech-start'; readonly atMs: number; readonly silenceMs: number; readonly levelDb: number }
  | { readonly type: 'speech-end'; readonly atMs: number; readonly speechMs: number };

export interface VadOptions {
  readonly frameMs?: number;
  /** Level above the noise floor that counts as voice. */
  readonly onsetDb?: number;
  /** Level above the floor under which a frame counts as silence again. */
  readonly releaseDb?: number;
  /** Absolute level a frame must exceed to count as voice (dBFS). */
  readonly minSpeechDbfs?: number;
  readonly onsetFrames?: number;
  readonly hangoverFrames?: number;
  /** Frames over which the floor is the minimum level (100 = 2 s). */
  readonly floorWindowFrames?: number;
  /** Floor assumed until the window has filled once. */
  readonly initialFloorDbfs?: number;
}

export class EnergyVad {
  readonly #o: Required<VadOptions>;
  #floor: number;
  readonly #levels: Float32Array;
  #count = 0;
  #inSpeech = false;
  #run = 0;
  #runStart = 0;
  #segmentStart: number;
  #started = false;
  levelDb = -120;

  constructor(opts: VadOptions = {}) {
    this.#o = {
      frameMs: 20, onsetDb: 12, releaseDb: 7, minSpeechDbfs: -50, onsetFrames: 3, hangoverFrames: 15, floorWindowFrames: 100,
      initialFloorDbfs: -70, ...opts,
    };
    this.#floor = this.#o.initialFloorDbfs;
    this.#levels = new Float32Array(this.#o.floorWindowFrames);
    this.#segmentStart = 0;
  }

  /** The current noise-floor estimate in dBFS. */
  get noiseFloorDb(): number {
    return this.#floor;
  }

  get speaking(): boolean {
    return this.#inSpeech;
  }

  /** Feeds one frame taken at `nowMs` (its start); returns an event on a transition. */
  push(frame: Int16Array, nowMs: number, n = frame.length): VadEvent | null {
    if (!this.#started) {
      this.#started = true;
      this.#segmentStart = nowMs;
    }
    const db = frameDbfs(frameEnergy(frame, n), n);
    this.levelDb = db;
    this.#trackFloor(db);
    return this.#inSpeech ? this.#whileSpeech(db, nowMs) : this.#whileSilence(db, nowMs);
  }

  #trackFloor(db: number): void {
    const w = this.#levels.length;
    this.#levels[this.#count++ % w] = db;
    let min = this.#count < w ? this.#o.initialFloorDbfs : Infinity;
    for (let i = 0; i < Math.min(this.#count, w); i++) if (this.#levels[i] < min) min = this.#levels[i];
    this.#floor = min;
  }

  #whileSilence(db: number, nowMs: number): VadEvent | null {
    const voiced = db > this.#floor + this.#o.onsetDb && db > this.#o.minSpeechDbfs;
    if (!voiced) {
      this.#run = 0;
      return null;
    }
    if (this.#run++ === 0) this.#runStart = nowMs;
    if (this.#run < this.#o.onsetFrames) return null;
    this.#inSpeech = true;
    this.#run = 0;
    const silenceMs = this.#runStart - this.#segmentStart;
    this.#segmentStart = this.#runStart;
    return { type: 'speech-start', atMs: this.#runStart, silenceMs, levelDb: db };
  }

  #whileSpeech(db: number, nowMs: number): VadEvent | null {
    const quiet = db < this.#floor + this.#o.releaseDb || db < this.#o.minSpeechDbfs;
    if (!quiet) {
      this.#run = 0;
      return null;
    }
    if (this.#run++ === 0) this.#runStart = nowMs;
    if (this.#run < this.#o.hangoverFrames) return null;
    this.#inSpeech = false;
    this.#run = 0;
    const speechMs = this.#runStart - this.#segmentStart;
    this.#segmentStart = this.#runStart;
    return { type: 'speech-end', atMs: this.#runStart, speechMs };
  }
}
