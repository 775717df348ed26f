/**
 * A session's playback queue: sources play one after another, and the scheduler tick reads the
 * current one frame by frame. Aborting its signal (barge-in) or closing the session ends the
 * current playback at once: the very next frame is no longer read from it. A playback asked for
 * while nothing plays or waits is announced through `onIdleStart` the moment its source is
 * open, so the session can send its first frame without waiting for the tick; one queued
 * behind another starts on the tick, as it always did.
 */
import type { AudioSource, FrameReader } from '../playout/source.js';
import type { PlayResult } from './types.js';

export class PlaybackQueue {
  readonly #isClosed: () => boolean;
  #reader: FrameReader | null = null;
  #resolve: ((r: PlayResult) => void) | null = null;
  #abort: { signal: AbortSignal; fn: () => void } | null = null;
  #source = '';
  #playedSamples = 0;
  #tail: Promise<unknown> = Promise.resolve();
  /** Playbacks asked for and not yet ended (the current one and those queued). */
  #pending = 0;
  readonly #onIdleStart: () => void;
  readonly #onAborted: () => void;

  constructor(isClosed: () => boolean, onIdleStart: () => void = () => undefined, onAborted: () => void = () => undefined) {
    this.#isClosed = isClosed;
    this.#onIdleStart = onIdleStart;
    this.#onAborted = onAborted;
  }

  /** True while a source is being read. */
  get active(): boolean {
    return this.#reader !== null;
  }

  /** Queues `source`; see `MediaSession.play`. */
  play(source: AudioSource, signal?: AbortSignal): Promise<PlayResult> {
    const idle = this.#pending === 0;
    this.#pending++;
    const run = (): Promise<PlayResult> => this.#counted(source, signal ?? new AbortController().signal, idle);
    const p = this.#tail.then(run, run);
    // Only the order is kept here: the caller of play() receives the rejection itself.
    this.#tail = p.catch(() => undefined);
    return p;
  }

  /** Reads the next frame of the current playback into `out`; 0 when nothing (more) plays. */
  read(out: Int16Array): number {
    const r = this.#reader;
    if (!r) return 0;
    const n = r.read(out);
    if (n === 0) this.finish('finished');
    else this.#playedSamples += n;
    return n;
  }

  /** Ends the current playback (if any) with `reason`. */
  finish(reason: PlayResult['reason']): void {
    const resolve = this.#resolve;
    if (!resolve) return;
    this.#resolve = null;
    this.#reader = null;
    if (this.#abort) this.#abort.signal.removeEventListener('abort', this.#abort.fn);
    this.#abort = null;
    resolve({ reason, playedMs: Math.round(this.#playedSamples / 8), source: this.#source });
    // The current playback was stopped from outside (barge-in): nothing of it is read any more.
    if (reason === 'aborted') this.#onAborted();
  }

  async #counted(source: AudioSource, signal: AbortSignal, idle: boolean): Promise<PlayResult> {
    try {
      return await this.#run(source, signal, idle);
    } finally {
      // Before the caller hears the result: a play() it asks for next finds the queue idle.
      this.#pending--;
    }
  }

  async #run(source: AudioSource, signal: AbortSignal, idle: boolean): Promise<PlayResult> {
    const result = (reason: PlayResult['reason']): PlayResult => ({ reason, playedMs: 0, source: source.description });
    if (this.#isClosed()) return result('closed');
    if (signal.aborted) return result('aborted');
    const reader = await source.open(signal);
    if (signal.aborted) return result('aborted');
    if (this.#isClosed()) return result('closed');
    return new Promise<PlayResult>((resolve) => {
      this.#reader = reader;
      this.#resolve = resolve;
      this.#source = source.description;
      this.#playedSamples = 0;
      const fn = (): void => this.finish('aborted');
      this.#abort = { signal, fn };
      signal.addEventListener('abort', fn, { once: true });
      if (idle) this.#onIdleStart();
    });
  }
}
