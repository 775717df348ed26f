/**
 * The media engine: owns the RTP port allocator and the one playout scheduler, and creates
 * sessions. The call layer drives it as: createSession → (SDP via src/sdp, using localPort) →
 * setRemote → play / sendDtmf / onDtmf / onAudio / record → close.
 */
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { newSid } from '../../kernel/ids.js';
import { PlayoutScheduler, type SchedulerStats } from '../playout/scheduler.js';
import type { CreateSessionOptions, MediaService } from './media-session.js';
import { MediaIoThread } from './io-thread.js';
import { bindHere, PortAllocator, type PortRange } from './port-allocator.js';
import { RtpSession } from './rtp-session.js';

export interface MediaEngineOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** VGW_RTP_PORTS. */
  readonly portRange: PortRange;
  /** Address the RTP sockets bind to. Default 0.0.0.0. */
  readonly bindAddress?: string;
  /** Symmetric RTP latching default for new sessions (default true). */
  readonly latch?: boolean;
  readonly reorderDepth?: number;
  readonly rtcpIntervalMs?: number;
  /**
   * VGW_MEDIA_THREAD: send and receive RTP on the media I/O thread, the scheduler running
   * `leadMs` ahead of media time (default 40), so that a pause of this thread (a garbage
   * collection, a long task) shorter than the lead does not delay any packet. Needs the system
   * clock (its `now()` is `performance.now()`).
   */
  readonly ioThread?: boolean;
  readonly leadMs?: number;
}

/** How far ahead of media time the scheduler runs with the I/O thread. */
export const DEFAULT_LEAD_MS = 40;

export type { CreateSessionOptions } from './media-session.js';

export class MediaEngine implements MediaService {
  readonly scheduler: PlayoutScheduler;
  readonly #o: MediaEngineOptions;
  readonly #ports: PortAllocator;
  readonly #io: MediaIoThread | null;
  readonly #sessions = new Set<RtpSession>();
  #closed = false;

  constructor(opts: MediaEngineOptions) {
    this.#o = opts;
    this.scheduler = new PlayoutScheduler({
      clock: opts.clock, logger: opts.logger, leadMs: opts.ioThread ? (opts.leadMs ?? DEFAULT_LEAD_MS) : 0,
      onTargetError: (t, err) => opts.logger.error('media session tick failed; the session no longer sends', {
        session: t instanceof RtpSession ? t.id : 'unknown', err: err instanceof Error ? err : String(err),
      }),
    });
    const scheduler = this.scheduler;
    this.#io = opts.ioThread ? new MediaIoThread({ logger: opts.logger, timing: scheduler }) : null;
    const io = this.#io;
    this.#ports = new PortAllocator(opts.portRange, opts.bindAddress ?? '0.0.0.0', io ? (port, address) => io.bind(port, address) : bindHere);
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  get schedulerStats(): SchedulerStats {
    return this.scheduler.stats;
  }

  /** Binds an RTP/RTCP port pair and returns a session ready for `setRemote`. */
  async createSession(opts: CreateSessionOptions = {}): Promise<RtpSession> {
    if (this.#closed) throw new Error('media engine is closed');
    const pair = await this.#ports.allocate();
    const id = opts.id ?? newSid();
    const session = new RtpSession({
      id, port: pair.port, rtp: pair.rtp, rtcp: pair.rtcp, clock: this.#o.clock, scheduler: this.scheduler,
      logger: this.#o.logger.child({ media: id }), latch: opts.latch ?? this.#o.latch, inbandDtmf: opts.inbandDtmf,
      reorderDepth: this.#o.reorderDepth, rtcpIntervalMs: this.#o.rtcpIntervalMs,
      onClose: (s) => {
        this.#sessions.delete(s);
        this.#ports.release(s.localPort);
      },
    });
    this.#sessions.add(session);
    return session;
  }

  /** Closes every session. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#sessions].map((s) => s.close()));
    this.scheduler.stop();
    await this.#io?.close();
  }
}
