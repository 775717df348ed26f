import { MediaSessionError } from './errors.js';
import { Listeners } from './listeners.js';
import { Recorder, type RecordingResult, type RecordingTarget } from './recorder.js';
import type { SentAudioListener } from './types.js';

/**
 * What one RTP session records, and where in the recording the current tick writes: the
 * position moves one frame per scheduler tick, so both directions line up in time. Live taps of
 * what the session sends (SIPREC, `onSentAudio`) get the same frames as the recording.
 */
export class SessionRecording {
  #recorder: Recorder | null = null;
  #pos = 0;
  readonly #sent: Listeners<Int16Array, number>;

  constructor(private readonly frame: number, onError: (e: unknown) => void) {
    this.#sent = new Listeners(onError);
  }

  /** Whether the audio we send is wanted decoded (a recording or a tap). */
  get active(): boolean {
    return this.#recorder !== null || this.#sent.size > 0;
  }

  /** Taps what we send: `(pcm, n)`, the array reused after the call. */
  onSent(l: SentAudioListener): () => void {
    return this.#sent.add(l);
  }

  /** Replaces any recording under way; rejects when the session closed while the files opened. */
  async start(target: RecordingTarget, isClosed: () => boolean): Promise<void> {
    await this.stop();
    const rec = await Recorder.create(target);
    if (isClosed()) {
      await rec.stop();
      throw new MediaSessionError('MEDIA_SESSION_CLOSED', 'session closed while the recording was being opened');
    }
    this.#recorder = rec;
    this.#pos = 0;
  }

  stop(): Promise<RecordingResult | null> {
    const r = this.#recorder;
    this.#recorder = null;
    return r ? r.stop() : Promise.resolve(null);
  }

  /** A scheduler tick went by. */
  tick(): void {
    if (this.#recorder) this.#pos += this.frame;
  }

  /** What we send, `framesBack` ticks before the current position (the tick's own frame: 1). */
  outbound(pcm: Int16Array, n: number, framesBack: number): void {
    this.#recorder?.write(this.#recorder.outbound, this.#pos - framesBack * this.frame, pcm, n);
    if (this.#sent.size > 0) this.#sent.emit(pcm, n);
  }

  /** What we received, placed by its RTP timestamp. */
  inbound(timestamp: number, pcm: Int16Array, n: number): void {
    this.#recorder?.writeInbound(timestamp, this.#pos, pcm, n);
  }

  /** A new inbound stream follows (its timestamps start afresh). */
  restartInbound(): void {
    this.#recorder?.restartInbound();
  }
}
