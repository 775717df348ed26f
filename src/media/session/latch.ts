/**
 * Which source a session takes RTP from, and where it sends: latching (RFC 7362 §4, "symmetric
 * RTP" of RFC 4961 behind a NAT) with the guard RFC 7362 §5 asks for against media hijacking
 * ("RTP bleed"). A pure state machine: time and packet sources are inputs.
 *
 * - Until a source latches, media goes to the SDP address.
 * - A packet from the SDP address:port latches at once, even over another latched source: the
 *   negotiated address is preferred.
 * - Any other source latches only after `packets` consecutive packets from one address:port
 *   with one SSRC, and, once something is latched, only if the latched source has been quiet for
 *   `quietMs` (a NAT rebinding or a move without re-INVITE).
 * - Everything else is a stray: dropped and counted.
 *
 * With latching off, only the SDP address:port is accepted.
 */

/** The packet is from the source media is taken from. */
export const ADMIT = 0;
/** The packet is from another source: drop it. */
export const STRAY = 1;
/** The packet is accepted and its source is newly latched: a new stream starts here. */
export const LATCHED = 2;
export type LatchVerdict = typeof ADMIT | typeof STRAY | typeof LATCHED;

/** Consecutive packets (one address:port, one SSRC) a source other than the SDP address needs. */
export const LATCH_PACKETS = 4;
/** How long the latched source must have been silent before another may take over. */
export const LATCH_QUIET_MS = 1000;

export interface LatchOptions {
  readonly enabled?: boolean;
  readonly packets?: number;
  readonly quietMs?: number;
}

export class RtpLatch {
  /** Where to send now: the latched source, or the SDP address. */
  address = '';
  port = 0;
  latched = false;
  strays = 0;
  readonly #enabled: boolean;
  readonly #packets: number;
  readonly #quietMs: number;
  #sdpAddress = '';
  #sdpPort = 0;
  #lastRx = 0;
  #idle = false;
  #candAddress = '';
  #candPort = 0;
  #candSsrc = 0;
  #candCount = 0;

  constructor(opts: LatchOptions = {}) {
    this.#enabled = opts.enabled ?? true;
    this.#packets = opts.packets ?? LATCH_PACKETS;
    this.#quietMs = opts.quietMs ?? LATCH_QUIET_MS;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** True when media goes to the SDP address:port (latched there, or nothing latched yet). */
  get onSdpAddress(): boolean {
    return this.address === this.#sdpAddress && this.port === this.#sdpPort;
  }

  /**
   * Media is taken from the send destination only, so the socket may be `connect()`ed to it: the
   * SDP address once latched (until it goes quiet), or always with latching off. Latched elsewhere
   * (behind a NAT) it is not: the SDP address may still take over.
   */
  get final(): boolean {
    if (!this.#enabled) return this.#sdpPort !== 0;
    return this.latched && !this.#idle && this.onSdpAddress;
  }

  /** A new SDP destination (first answer, or a re-INVITE that moved): latching starts over. */
  reset(address: string, port: number): void {
    this.#sdpAddress = address;
    this.#sdpPort = port;
    this.address = address;
    this.port = port;
    this.latched = false;
    this.#idle = false;
    this.#candCount = 0;
  }

  /** True when the latched source has sent nothing for `quietMs`. */
  quiet(now: number): boolean {
    return this.latched && now - this.#lastRx >= this.#quietMs;
  }

  /** Ends `final` once the latched source is quiet, so a source that moved can be heard. True when it just did. */
  idleIfQuiet(now: number): boolean {
    if (!this.#enabled || this.#idle || !this.quiet(now)) return false;
    this.#idle = true;
    return true;
  }

  /** The verdict on one received packet. Allocates nothing. */
  admit(address: string, port: number, ssrc: number, now: number): LatchVerdict {
    const fromSdp = port === this.#sdpPort && address === this.#sdpAddress && this.#sdpPort !== 0;
    if (!this.#enabled) return fromSdp ? ADMIT : this.#stray();
    if (this.latched && port === this.port && address === this.address) {
      this.#lastRx = now;
      this.#idle = false;
      this.#candCount = 0;
      return ADMIT;
    }
    if (fromSdp) return this.#latch(address, port, now);
    if (this.#sdpPort === 0) return this.#stray();
    if (this.#candCount > 0 && port === this.#candPort && ssrc === this.#candSsrc && address === this.#candAddress) {
      this.#candCount++;
    } else {
      this.#candAddress = address;
      this.#candPort = port;
      this.#candSsrc = ssrc;
      this.#candCount = 1;
    }
    if (this.#candCount >= this.#packets && (!this.latched || this.quiet(now))) return this.#latch(address, port, now);
    return this.#stray();
  }

  #latch(address: string, port: number, now: number): LatchVerdict {
    this.latched = true;
    this.address = address;
    this.port = port;
    this.#lastRx = now;
    this.#idle = false;
    this.#candCount = 0;
    return LATCHED;
  }

  #stray(): LatchVerdict {
    this.strays++;
    return STRAY;
  }
}
