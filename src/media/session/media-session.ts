/**
 * What the call layer holds: one call's media (`RtpSession`), and the engine that makes them
 * (`MediaEngine`). The call layer depends on these interfaces only, so an engine elsewhere (a
 * worker thread, another process) can stand in without it changing.
 */
import type { Rfc4733SenderOptions } from '../dtmf/rfc4733.js';
import type { SchedulerStats } from '../playout/scheduler.js';
import type { AudioSource } from '../playout/source.js';
import { MediaSessionError } from './errors.js';
import type { RecordingResult, RecordingTarget } from './recorder.js';
import type { AudioListener, Direction, DtmfListener, PlayResult, RemoteMedia, SentAudioListener, SessionStats } from './types.js';

/**
 * The half of a bridge every session exposes to its peer, whatever engine made either: the peer
 * hands over what it received, and this session sends it on. Called once per packet: an
 * implementation must not allocate, and must not keep `buf` (it is reused after the call).
 */
export interface BridgePort {
  /** A received G.711 payload (PT 0 PCMU or 8 PCMA) with the sender's RTP timestamp. */
  forwardAudio(payloadType: number, buf: Uint8Array, offset: number, length: number, timestamp: number): void;
  /** A received RFC 4733 telephone-event payload (§2.3, 4 bytes at `offset`). */
  forwardEvent(buf: Uint8Array, offset: number, length: number, marker: boolean, timestamp: number): void;
  /** One direction of a bridge: from now on forward what this session receives to `peer` (null: to nobody). */
  link(peer: MediaSession | null): void;
}

export interface MediaSession {
  readonly id: string;
  readonly localPort: number;
  readonly closed: boolean;
  readonly direction: Direction;
  readonly remote: RemoteMedia | null;
  readonly stats: SessionStats;
  readonly bridgedTo: MediaSession | null;
  /** Sets (or changes, on re-INVITE) where and how to send. Starts the media clock. */
  setRemote(r: RemoteMedia): void;
  /** RFC 3264 §8.4 hold and resume, from our side's perspective. */
  setDirection(d: Direction): void;
  /** Taps decoded received audio; the frame array is reused, copy it to keep it. */
  onAudio(l: AudioListener): () => void;
  onDtmf(l: DtmfListener): () => void;
  /** Taps the audio we send the peer (playback, bridged audio, silence when idle), decoded. */
  onSentAudio(l: SentAudioListener): () => void;
  /** Plays after any playback already queued; `signal` stops it at once (barge-in). */
  play(source: AudioSource, signal?: AbortSignal): Promise<PlayResult>;
  sendDtmf(digits: string, opts?: Rfc4733SenderOptions): Promise<void>;
  startRecording(target: RecordingTarget): Promise<void>;
  stopRecording(): Promise<RecordingResult | null>;
  /** What a bridged peer feeds (see `BridgePort`); `bridge` and `unbridge` link through it. */
  readonly bridgePort: BridgePort;
  /** Forwards received audio and DTMF both ways between two sessions (`linkBridge`). */
  bridge(other: MediaSession): void;
  /** Ends the bridge on both sides (`unlinkBridge`). */
  unbridge(): void;
  /** Stops everything and frees the ports. Safe to call more than once. */
  close(): Promise<void>;
}

export interface CreateSessionOptions {
  readonly id?: string;
  readonly latch?: boolean;
  /** Default: on exactly when the remote has no telephone-event (see `RtpSessionOptions`). */
  readonly inbandDtmf?: boolean;
}

export interface MediaService {
  readonly sessionCount: number;
  readonly schedulerStats: SchedulerStats;
  /** Binds an RTP/RTCP port pair and returns a session ready for `setRemote`. */
  createSession(opts?: CreateSessionOptions): Promise<MediaSession>;
  /** Closes every session. Idempotent. */
  close(): Promise<void>;
}

/** How any `MediaSession.bridge` links two sessions: each ends its old bridge, then each forwards to the other. */
export function linkBridge(a: MediaSession, b: MediaSession): void {
  if (a === b) return;
  a.unbridge();
  b.unbridge();
  a.bridgePort.link(b);
  b.bridgePort.link(a);
}

/** How any `MediaSession.unbridge` ends a bridge on both sides. */
export function unlinkBridge(a: MediaSession): void {
  const peer = a.bridgedTo;
  a.bridgePort.link(null);
  if (peer && peer.bridgedTo === a) peer.bridgePort.link(null);
}

/** MEDIA_BAD_REMOTE unless `r` is a usable G.711 destination. */
export function checkRemote(r: RemoteMedia): void {
  if (!(Number.isInteger(r.port) && r.port > 0 && r.port < 65536) || (r.codec !== 'PCMU' && r.codec !== 'PCMA')) {
    throw new MediaSessionError('MEDIA_BAD_REMOTE', 'bad remote media');
  }
}
