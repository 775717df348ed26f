/**
 * A call's SRTP (RFC 3711 with SDES keys, RFC 4568): the context of our key protects what we
 * send, the context of the peer's key unprotects what we receive. A re-INVITE that keeps both
 * keys keeps both contexts, so the rollover counters and replay windows go on (RFC 4568 §7.1.4).
 */
import { SrtpContext, SRTP_AUTH_FAILED, SRTP_REPLAYED } from '../srtp/index.js';
import type { SrtpParams } from './types.js';

export class SessionCrypto {
  /** Packets dropped because they did not authenticate (wrong key, forged, damaged). */
  authFailures = 0;
  /** Packets dropped as replays (RFC 3711 §3.3.2). */
  replays = 0;
  readonly #out: SrtpContext;
  readonly #in: SrtpContext;

  private constructor(readonly params: SrtpParams) {
    this.#out = SrtpContext.fromMaster(params.suite, params.localKey);
    this.#in = SrtpContext.fromMaster(params.suite, params.remoteKey);
  }

  /** The crypto for `p`: `current` when its suite and keys are the same, none without `p`. */
  static follow(current: SessionCrypto | null, p: SrtpParams | undefined): SessionCrypto | null {
    if (!p) return null;
    const c = current?.params;
    if (c && c.suite === p.suite && Buffer.compare(c.localKey, p.localKey) === 0 && Buffer.compare(c.remoteKey, p.remoteKey) === 0) return current;
    return new SessionCrypto(p);
  }

  /** Protects the RTP packet `buf[0, length)` in place; returns its new length (≤ length + 10). */
  protectRtp(buf: Buffer, length: number): number {
    return this.#out.protectRtp(buf, length);
  }

  /** Unprotects in place; returns the RTP length, or -1 when the packet must be dropped (counted). */
  unprotectRtp(buf: Buffer, length: number): number {
    return this.#verdict(this.#in.unprotectRtp(buf, length));
  }

  protectRtcp(buf: Buffer, length: number): number {
    return this.#out.protectRtcp(buf, length);
  }

  unprotectRtcp(buf: Buffer, length: number): number {
    return this.#verdict(this.#in.unprotectRtcp(buf, length));
  }

  #verdict(n: number): number {
    if (n >= 0) return n;
    if (n === SRTP_AUTH_FAILED) this.authFailures++;
    else if (n === SRTP_REPLAYED) this.replays++;
    return -1;
  }
}
