import type { BridgePort, MediaSession } from './media-session.js';

/**
 * The session this one is bridged to, and how the peer's RTP timestamps map onto ours: the
 * first forwarded packet fixes the offset, so forwarded audio continues our timestamp line
 * (RFC 3550 §5.1: one clock per stream, whatever the packets' origin).
 */
export class BridgeLink {
  peer: MediaSession | null = null;
  port: BridgePort | null = null;
  #offset: number | null = null;

  link(peer: MediaSession | null): void {
    this.peer = peer;
    this.port = peer ? peer.bridgePort : null;
    this.#offset = null;
  }

  /** The peer's timestamp `ts` on our line, where we stand at `ours` now. */
  timestamp(ts: number, ours: number): number {
    if (this.#offset === null) this.#offset = (ours - ts) | 0;
    return (ts + this.#offset) >>> 0;
  }
}
