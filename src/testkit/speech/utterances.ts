/**
 * For the local vendor servers of the tests (issue 14): finds where speech starts and ends in the
 * L16 audio a recognizer client streams, by frame energy. A server that "recognizes" answers
 * each utterance it found with the next scripted transcript, so a test proves the audio really
 * arrived (silence gets no transcript) without a speech model.
 */

export type UtteranceEvent = { readonly type: 'start'; readonly atMs: number } | { readonly type: 'end'; readonly atMs: number; readonly speechMs: number };

export interface UtteranceDetectorOptions {
  readonly sampleRate: number;
  /** Frames louder than this (dBFS RMS) count as speech. Default −48. */
  readonly thresholdDbfs?: number;
  /** Speech this long starts an utterance. Default 60 ms. */
  readonly onsetMs?: number;
  /** Quiet this long ends one. Default 500 ms. */
  readonly hangoverMs?: number;
}

const FRAME_MS = 10;

/** Feed it samples in any chunking; it calls `onEvent` at each utterance start and end. */
export class UtteranceDetector {
  readonly #frame: number;
  readonly #threshold: number;
  readonly #onset: number;
  readonly #hangover: number;
  #pending = new Int16Array(0);
  #atMs = 0;
  #loudRun = 0;
  #quietRun = 0;
  #inSpeech = false;
  #startMs = 0;
  /** Utterances completed so far. */
  count = 0;

  constructor(
    opts: UtteranceDetectorOptions,
    private readonly onEvent: (e: UtteranceEvent) => void,
  ) {
    this.#frame = (opts.sampleRate * FRAME_MS) / 1000;
    this.#threshold = opts.thresholdDbfs ?? -48;
    this.#onset = Math.ceil((opts.onsetMs ?? 60) / FRAME_MS);
    this.#hangover = Math.ceil((opts.hangoverMs ?? 500) / FRAME_MS);
  }

  get inSpeech(): boolean {
    return this.#inSpeech;
  }

  push(samples: Int16Array): void {
    const all = new Int16Array(this.#pending.length + samples.length);
    all.set(this.#pending);
    all.set(samples, this.#pending.length);
    let off = 0;
    for (; off + this.#frame <= all.length; off += this.#frame) this.#step(all.subarray(off, off + this.#frame));
    this.#pending = all.slice(off);
  }

  /** End of audio: an utterance still open ends now. */
  flush(): void {
    if (this.#inSpeech) this.#end();
  }

  #step(frame: Int16Array): void {
    this.#atMs += FRAME_MS;
    const loud = dbfs(frame) > this.#threshold;
    if (!this.#inSpeech) {
      this.#loudRun = loud ? this.#loudRun + 1 : 0;
      if (this.#loudRun >= this.#onset) {
        this.#inSpeech = true;
        this.#quietRun = 0;
        this.#startMs = this.#atMs - this.#loudRun * FRAME_MS;
        this.onEvent({ type: 'start', atMs: this.#startMs });
      }
      return;
    }
    this.#quietRun = loud ? 0 : this.#quietRun + 1;
    if (this.#quietRun >= this.#hangover) this.#end();
  }

  #end(): void {
    this.#inSpeech = false;
    this.#loudRun = 0;
    this.count++;
    const endMs = this.#atMs - this.#quietRun * FRAME_MS;
    this.onEvent({ type: 'end', atMs: endMs, speechMs: endMs - this.#startMs });
  }
}

/** RMS level of a frame in dBFS (−Infinity for digital silence). */
export function dbfs(frame: Int16Array): number {
  let sum = 0;
  for (const s of frame) sum += s * s;
  const rms = Math.sqrt(sum / Math.max(1, frame.length)) / 32768;
  return 20 * Math.log10(rms);
}
