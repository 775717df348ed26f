/**
 * Records what each side hears to 16-bit 8 kHz WAV: one stereo file (left = what the peer sent
 * us, right = what we sent the peer) or one mono file per side. Frames are placed by sample
 * position, so jitter does not shift them; the file is written in the background every ~1.5 s
 * and its header patched on stop.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { wavHeader } from '../playout/wav.js';
import { MediaSessionError } from './errors.js';

export type RecordingTarget = { readonly stereo: string } | { readonly inbound?: string; readonly outbound?: string };

export interface RecordingResult {
  readonly files: readonly string[];
  readonly durationMs: number;
}

const WINDOW = 24_000;
const FLUSH = WINDOW / 2;
/** One second of samples: how far received audio may drift from the clock before re-anchoring. */
const REANCHOR = 8000;

class Track {
  readonly buf = new Int16Array(WINDOW);
  maxPos = 0;
}

interface Output {
  readonly path: string;
  readonly handle: FileHandle;
  readonly tracks: readonly Track[];
  bytes: number;
}

export class Recorder {
  readonly inbound = new Track();
  readonly outbound = new Track();
  #windowStart = 0;
  #inBase = -1;
  #inTs0 = 0;
  #outputs: Output[] = [];
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown = null;
  #stopped = false;

  static async create(target: RecordingTarget): Promise<Recorder> {
    const r = new Recorder();
    const specs: Array<[string, Track[]]> = 'stereo' in target
      ? [[target.stereo, [r.inbound, r.outbound]]]
      : [[target.inbound ?? '', [r.inbound]], [target.outbound ?? '', [r.outbound]]];
    for (const [path, tracks] of specs) {
      if (!path) continue;
      const handle = await open(path, 'w').catch((e: unknown) => {
        throw new MediaSessionError('MEDIA_RECORD_FAILED', `cannot open ${path} for recording`, { cause: e });
      });
      await handle.write(wavHeader(8000, tracks.length, 0), 0, 44, 0);
      r.#outputs.push({ path, handle, tracks, bytes: 0 });
    }
    return r;
  }

  /** Writes a frame of one side at absolute sample position `pos` (since recording start). */
  write(track: Track, pos: number, pcm: Int16Array, n: number): void {
    // Too late for the window, or an implausible jump (over 10 minutes ahead): dropped.
    if (this.#stopped || pos < this.#windowStart || pos - this.#windowStart > 4_800_000) return;
    while (pos + n > this.#windowStart + WINDOW) this.#flush(FLUSH);
    const o = pos - this.#windowStart;
    track.buf.set(n === pcm.length ? pcm : pcm.subarray(0, n), o);
    if (pos + n > track.maxPos) track.maxPos = pos + n;
  }

  /**
   * Writes a received frame by its RTP timestamp, anchored to `nowPos` (the outbound position)
   * at its first frame. A timestamp that lands over a second away from `nowPos` (a restarted
   * stream, a peer resuming with stale timestamps) is anchored afresh.
   */
  writeInbound(timestamp: number, nowPos: number, pcm: Int16Array, n: number): void {
    let pos = this.#inBase + ((timestamp - this.#inTs0) | 0);
    if (this.#inBase < 0 || pos < nowPos - REANCHOR || pos > nowPos + REANCHOR) {
      this.#inBase = nowPos;
      this.#inTs0 = timestamp;
      pos = nowPos;
    }
    this.write(this.inbound, pos, pcm, n);
  }

  /** The received stream restarted: its next frame is anchored afresh. */
  restartInbound(): void {
    this.#inBase = -1;
  }

  /** Moves the first `count` samples of the window to the files. */
  #flush(count: number): void {
    for (const out of this.#outputs) {
      const ch = out.tracks.length;
      const bytes = Buffer.alloc(count * ch * 2);
      for (let i = 0; i < count; i++) for (let c = 0; c < ch; c++) bytes.writeInt16LE(out.tracks[c].buf[i], 2 * (i * ch + c));
      const at = 44 + out.bytes;
      out.bytes += bytes.length;
      this.#chain = this.#chain.then(async () => { await out.handle.write(bytes, 0, bytes.length, at); }).catch((e: unknown) => { this.#failure ??= e; });
    }
    for (const t of [this.inbound, this.outbound]) {
      t.buf.copyWithin(0, count);
      t.buf.fill(0, WINDOW - count);
    }
    this.#windowStart += count;
  }

  /** Flushes everything, patches the WAV headers and closes the files. Idempotent. */
  async stop(): Promise<RecordingResult> {
    if (!this.#stopped) {
      this.#stopped = true;
      const end = Math.max(this.inbound.maxPos, this.outbound.maxPos);
      if (end > this.#windowStart) this.#flush(end - this.#windowStart);
      for (const out of this.#outputs) {
        this.#chain = this.#chain.then(async () => {
          await out.handle.write(wavHeader(8000, out.tracks.length, out.bytes), 0, 44, 0);
          await out.handle.close();
        });
      }
    }
    await this.#chain;
    if (this.#failure) throw new MediaSessionError('MEDIA_RECORD_FAILED', 'writing the recording failed', { cause: this.#failure });
    return { files: this.#outputs.map((o) => o.path), durationMs: Math.round(this.#windowStart / 8) };
  }
}

export type { Track as RecorderTrack };
