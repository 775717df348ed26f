/**
 * RTCP for one session. Out: periodic reports (RFC 3550 §6.2, §6.4), an SR while we send, an RR
 * otherwise, each with SDES CNAME, every `intervalMs` (randomised ×[0.5, 1.5] as §6.3.1 asks). In:
 * the peer's last SR, for our report blocks' LSR and DLSR (§6.4.1).
 */
import type { MediaSocket } from './media-socket.js';
import type { Clock, TimerHandle } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { ntpFromUnixMs, parseRtcp, writeBye, writeReceiverReport, writeSdesCname, writeSenderReport, type ReportBlock } from '../rtp/rtcp.js';
import type { RtpReceiveStats } from '../rtp/receive-stats.js';
import { SRTCP_OVERHEAD } from '../srtp/index.js';

export interface RtcpSource {
  readonly ssrc: number;
  readonly cname: string;
  readonly packetsSent: number;
  readonly octetsSent: number;
  readonly rtpTimestamp: number;
  readonly remoteSsrc: number | null;
  readonly receiveStats: RtpReceiveStats;
  rtcpTarget(): { address: string; port: number } | null;
}

export class RtcpReporter {
  readonly #buf = Buffer.alloc(256 + SRTCP_OVERHEAD);
  #timer: TimerHandle | null = null;
  #sentPackets = 0;
  /**
   * SRTCP (RFC 3711 §3.4): protects a compound packet in place and returns its new length; and
   * authenticates and decrypts one received, returning its length, or −1 when it must be dropped.
   */
  protect: ((buf: Buffer, length: number) => number) | null = null;
  unprotect: ((buf: Buffer, length: number) => number) | null = null;
  /** The middle 32 bits of the NTP timestamp of the peer's last SR, and when it came. */
  lastSr: { middle32: number; at: number } | null = null;

  constructor(
    private readonly socket: MediaSocket, private readonly clock: Clock, private readonly src: RtcpSource, private readonly logger: Logger,
    private readonly intervalMs = 5000,
  ) {}

  start(): void {
    if (this.#timer) return;
    const next = this.intervalMs * (0.5 + Math.random());
    this.#timer = this.clock.setTimer(next, () => {
      this.#timer = null;
      try {
        this.send();
      } catch (e) {
        // A report that cannot go out (socket closed under us, bad target) must not end the process.
        this.logger.warn('RTCP report not sent', { err: e instanceof Error ? e : String(e) });
      }
      this.start();
    });
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
  }

  #block(): ReportBlock[] {
    const s = this.src;
    if (s.remoteSsrc === null) return [];
    const v = s.receiveStats.reportBlock();
    const lsr = this.lastSr;
    const dlsr = lsr ? Math.round(((this.clock.now() - lsr.at) / 1000) * 65536) : 0;
    return [{ ssrc: s.remoteSsrc, ...v, lastSr: lsr?.middle32 ?? 0, delaySinceLastSr: dlsr }];
  }

  /** Builds and sends one compound report (plus BYE when `bye`). */
  send(bye = false): void {
    const target = this.src.rtcpTarget();
    if (!target) return;
    const s = this.src;
    const blocks = this.#block();
    let n: number;
    if (s.packetsSent > this.#sentPackets || bye) {
      const ntp = ntpFromUnixMs(this.clock.wallNow());
      n = writeSenderReport(this.#buf, 0, s.ssrc, { ntpSeconds: ntp.seconds, ntpFraction: ntp.fraction, rtpTimestamp: s.rtpTimestamp, packetCount: s.packetsSent, octetCount: s.octetsSent }, blocks);
    } else {
      n = writeReceiverReport(this.#buf, 0, s.ssrc, blocks);
    }
    this.#sentPackets = s.packetsSent;
    n += writeSdesCname(this.#buf, n, s.ssrc, s.cname);
    if (bye) n += writeBye(this.#buf, n, s.ssrc);
    if (this.protect) n = this.protect(this.#buf, n);
    this.socket.send(Buffer.from(this.#buf.subarray(0, n)), target.port, target.address);
  }

  /** One datagram from the RTCP socket (throws on a malformed compound packet). */
  receive(msg: Buffer): void {
    const length = this.unprotect ? this.unprotect(msg, msg.length) : msg.length;
    if (length < 0) return;
    for (const p of parseRtcp(length === msg.length ? msg : msg.subarray(0, length))) {
      if (p.type === 'sr') this.lastSr = { middle32: ((p.sender.ntpSeconds << 16) | (p.sender.ntpFraction >>> 16)) >>> 0, at: this.clock.now() };
    }
  }
}
