/** A call's running streams (listen verb, config.listen, dial.listen), for `listen_status`. */
import type { MediaSession } from '../../media/index.js';
import type { AudioStreamHandle, AudioStreamRequest, ListenStatus } from '../control.js';
import { startAudioStream, type AudioStream, type AudioStreamDeps, type AudioStreamHost } from './stream.js';

export class CallStreams {
  readonly #live = new Set<AudioStream>();

  constructor(private readonly deps: AudioStreamDeps, private readonly host: AudioStreamHost) {}

  start(media: MediaSession, req: AudioStreamRequest, signal: AbortSignal): AudioStreamHandle {
    const s = startAudioStream(this.deps, this.host, media, req, signal);
    this.#live.add(s);
    void s.ended.then(() => this.#live.delete(s));
    return s;
  }

  /** Applies `status` to every running stream; how many there were. */
  setStatus(status: ListenStatus): number {
    for (const s of this.#live) s.setStatus(status);
    return this.#live.size;
  }
}
