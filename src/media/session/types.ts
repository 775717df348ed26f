import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { PlayoutScheduler } from '../playout/scheduler.js';
import type { RtpSession } from './rtp-session.js';
import type { G711Law } from '../codec/g711.js';
import type { DtmfDigit } from '../dtmf/digits.js';
import type { SrtpSuite } from '../srtp/index.js';
import type { MediaSocket } from './media-socket.js';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** RFC 3264 §6.1: whether a session in direction `d` sends, and whether it receives. */
export const sends = (d: Direction): boolean => d === 'sendrecv' || d === 'sendonly';
export const receives = (d: Direction): boolean => d === 'sendrecv' || d === 'recvonly';

/** Where and how to send: the negotiated SDP, as the call layer hands it over. */
export interface RemoteMedia {
  readonly address: string;
  readonly port: number;
  readonly codec: G711Law;
  readonly payloadType: number;
  readonly dtmfPayloadType: number | null;
  /** Default port + 1 (RFC 3550 §11). */
  readonly rtcpPort?: number;
  /** SRTP and SRTCP (RFC 3711) with these SDES keys (RFC 4568); plain RTP when absent. */
  readonly srtp?: SrtpParams;
}

/** The SDES agreement of a call: one suite, our key and the peer's (16-byte master key + 14-byte salt each). */
export interface SrtpParams {
  readonly suite: SrtpSuite;
  /** Protects what we send. */
  readonly localKey: Uint8Array;
  /** Unprotects what we receive. */
  readonly remoteKey: Uint8Array;
}

export interface PlayResult {
  readonly reason: 'finished' | 'aborted' | 'closed';
  readonly playedMs: number;
  readonly source: string;
}

export interface DtmfEvent {
  readonly digit: DtmfDigit;
  readonly source: 'rfc4733' | 'inband';
  readonly atMs: number;
}

/** Metadata of a decoded received frame. The frame array is reused: copy it to keep it. */
export interface AudioFrameInfo {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly samples: number;
}

export interface SessionStats {
  readonly packetsSent: number;
  readonly octetsSent: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly jitterMs: number;
  readonly lateOrDuplicate: number;
  /** Packets dropped because they came from a source media is not taken from (RFC 7362 §5). */
  readonly strays: number;
  /** SRTP/SRTCP packets dropped: failed authentication or replayed (RFC 3711 §3.3). */
  readonly srtpDropped: number;
  readonly remoteSsrc: number | null;
  readonly latchedTo: string | null;
}

export interface RtpSessionOptions {
  readonly id: string;
  readonly port: number;
  readonly rtp: MediaSocket;
  readonly rtcp: MediaSocket;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly scheduler: PlayoutScheduler;
  /**
   * Latching (RFC 7362): send to where the peer's packets come from, guarded against strays
   * (default true). Off: send to and accept from the SDP address only.
   */
  readonly latch?: boolean;
  readonly reorderDepth?: number;
  /**
   * Run the Goertzel DTMF detector on received audio. Default: on exactly when the negotiated
   * remote has no telephone-event payload type (`RemoteMedia.dtmfPayloadType === null`).
   */
  readonly inbandDtmf?: boolean;
  readonly rtcpIntervalMs?: number;
  readonly onClose?: (s: RtpSession) => void;
}

export type AudioListener = (frame: Int16Array, info: AudioFrameInfo) => void;
export type DtmfListener = (e: DtmfEvent) => void;
/** Audio a session sends, decoded: `n` samples of `pcm` (reused after the call). */
export type SentAudioListener = (pcm: Int16Array, n: number) => void;
