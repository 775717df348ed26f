import type { AudioSource, MediaSession } from '../media/index.js';
import type { PlayOutcome } from './control.js';
import type { Timeline } from './timeline.js';

/**
 * What a call plays (say, play, cloud TTS): every playback stops when the call ends, when its
 * own signal aborts, or at `interrupt` (barge-in from outside the playing verb, `config.bargeIn`).
 * The first playback marks `first-rtp-out` on the timeline.
 */
export class CallPlayout {
  /** Aborted by `interrupt` (then replaced): every playback running at that moment stops. */
  #cut = new AbortController();
  #started = false;

  constructor(private readonly timeline: Timeline, private readonly ended: AbortSignal) {}

  interrupt(): void {
    this.#cut.abort();
    this.#cut = new AbortController();
  }

  async play(media: MediaSession, source: AudioSource, signal: AbortSignal): Promise<PlayOutcome> {
    const stop = AbortSignal.any([signal, this.ended, this.#cut.signal]);
    if (!this.#started) {
      this.#started = true;
      this.timeline.add('first-rtp-out', { source: source.description });
    }
    const r = await media.play(source, stop);
    return { playbackMs: r.playedMs, interrupted: r.reason !== 'finished' };
  }
}
