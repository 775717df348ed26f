/**
 * One call's RTP session: the only socket code in media/. It sends a 20 ms frame on every tick of
 * the shared scheduler (playback, RFC 4733 events, or silence), receives through the latch
 * (RFC 7362, strays dropped) into its receiver (`rtp-receiver.ts`: reorder, DTMF, decoding into a
 * reused frame that listeners tap), and runs RTCP (`rtcp-reporter.ts`). Per packet, nothing is
 * allocated by this code. With SDES keys in the remote (RFC 4568) every RTP and RTCP packet is
 * protected before it is sent and must authenticate before it is looked at (RFC 3711), in place
 * in the same buffers.
 */
import type { RemoteInfo } from 'node:dgram';
import { decodeG711, decodeTable, encodeTable } from '../codec/g711.js';
import type { Rfc4733SenderOptions } from '../dtmf/rfc4733.js';
import { DtmfSendQueue } from '../dtmf/send-queue.js';
import { dtmfTonesPcm } from '../dtmf/tones.js';
import { pcmSource, type AudioSource } from '../playout/source.js';
import type { TickTarget } from '../playout/scheduler.js';
import { looksLikeRtcp, parseRtpHeader, RtpHeader, RTP_HEADER_SIZE } from '../rtp/rtp-header.js';
import type { RtpReceiveStats } from '../rtp/receive-stats.js';
import { MediaSessionError } from './errors.js';
import { LATCHED, RtpLatch, STRAY } from './latch.js';
import { checkRemote, linkBridge, unlinkBridge, type BridgePort, type MediaSession } from './media-session.js';
import { RtpSender } from './rtp-sender.js';
import { PlaybackQueue } from './playback.js';
import type { RecordingResult, RecordingTarget } from './recorder.js';
import { SessionRecording } from './session-recording.js';
import { BridgeLink } from './bridge-link.js';
import { lawOf, RtpReceiver } from './rtp-receiver.js';
import { RtcpReporter, type RtcpSource } from './rtcp-reporter.js';
import { SessionCrypto } from './session-crypto.js';
import { FutureSlots } from './future-slots.js';
import { SocketLink } from './socket-link.js';
import { receives, sends, type AudioListener, type Direction, type DtmfListener, type PlayResult, type RemoteMedia, type RtpSessionOptions, type SentAudioListener, type SessionStats } from './types.js';

export type { AudioListener, DtmfListener, RtpSessionOptions } from './types.js';

const FRAME = 160;
const FRAME_MS = 20;
/** A queued packet due this soon may be on its way already: it is not built again. */
const REBUILD_MARGIN_MS = 3;
const MAX_FRAME = 480;

export class RtpSession implements MediaSession, TickTarget, RtcpSource {
  readonly id: string;
  readonly localPort: number;
  readonly cname: string;
  readonly #o: RtpSessionOptions;
  readonly #tx = new RtpSender((d) => this.#link.send(d, this.#latch.port, this.#latch.address), () => !this.#o.scheduler.replacing);
  readonly ssrc = this.#tx.ssrc;
  readonly #seq = this.#tx.seq;
  readonly #pcmOut = new Int16Array(FRAME);
  readonly #hdr = new RtpHeader();
  readonly #rx: RtpReceiver;
  readonly #latch: RtpLatch;
  readonly #link: SocketLink;
  readonly #rtcpReporter: RtcpReporter;
  #remote: RemoteMedia | null = null;
  #srtp: SessionCrypto | null = null;
  #encode: Uint8Array = encodeTable('PCMU');
  #receiveErrors = 0;
  #droppedBefore = 0;
  #direction: Direction = 'sendrecv';
  readonly #playback = new PlaybackQueue(() => this.closed, () => this.#sendFirstFrame(), () => this.#rebuildAhead(false));
  /** Lead mode: where each tick left the sequence, to build queued packets again (`#rebuildAhead`). */
  readonly #future = new FutureSlots();
  /** A playback's first frame went out ahead of the tick grid: the first idle tick repays it. */
  #ahead = false;
  /** Media time of the last tick this session had (NaN before the first). */
  #lastTickDue = NaN;
  readonly #dtmfOut = new DtmfSendQueue();
  readonly #recording = new SessionRecording(FRAME, (e) => this.#o.logger.error('sent-audio listener failed', { err: e instanceof Error ? e : String(e) }));
  readonly #bridge = new BridgeLink();
  #closed: Promise<void> | null = null;
  readonly bridgePort: BridgePort = {
    forwardAudio: (payloadType, buf, offset, length, timestamp) => this.#forwardAudio(payloadType, buf, offset, length, timestamp),
    forwardEvent: (buf, offset, length, marker, timestamp) => this.#forwardEvent(buf, offset, length, marker, timestamp),
    link: (peer) => {
      this.#bridge.link(peer);
      this.#tx.marker = true;
    },
  };

  constructor(opts: RtpSessionOptions) {
    this.#o = opts;
    this.id = opts.id;
    this.localPort = opts.port;
    this.cname = `vgw-${opts.id}`;
    this.#rx = new RtpReceiver({ clock: opts.clock, logger: opts.logger, reorderDepth: opts.reorderDepth ?? 4, recording: this.#recording, bridge: this.#bridge });
    this.#latch = new RtpLatch({ enabled: opts.latch !== false });
    this.#link = new SocketLink(opts.rtp, opts.logger);
    this.#rx.setInband(opts.inbandDtmf === true);
    this.#rtcpReporter = new RtcpReporter(opts.rtcp, opts.clock, this, opts.logger, opts.rtcpIntervalMs);
    opts.rtp.on('message', this.#onMessage);
    opts.rtcp.on('message', this.#onRtcp);
    opts.rtp.on('error', this.#onSocketError);
    opts.rtcp.on('error', this.#onSocketError);
  }

  get packetsSent(): number {
    return this.#tx.packetsSent;
  }
  get octetsSent(): number {
    return this.#tx.octetsSent;
  }
  get receiveStats(): RtpReceiveStats {
    return this.#rx.stats;
  }
  get remoteSsrc(): number | null {
    return this.#rx.remoteSsrc;
  }
  get rtpTimestamp(): number {
    return this.#seq.timestamp;
  }
  get closed(): boolean {
    return this.#closed !== null;
  }
  get direction(): Direction {
    return this.#direction;
  }
  get remote(): RemoteMedia | null {
    return this.#remote;
  }

  /**
   * Sets (or changes, on re-INVITE) where and how to send, and starts the media clock. The
   * receive side starts afresh (a new stream may follow); a new address restarts latching.
   * In-band DTMF detection follows the remote unless the session was told otherwise.
   */
  setRemote(r: RemoteMedia): void {
    if (this.closed) throw new MediaSessionError('MEDIA_SESSION_CLOSED', 'session is closed');
    checkRemote(r);
    const moved = this.#remote === null || this.#remote.address !== r.address || this.#remote.port !== r.port;
    this.#remote = r;
    this.#setSrtp(r);
    this.#encode = encodeTable(r.codec);
    this.#rx.dtmfPayloadType = r.dtmfPayloadType;
    this.#rx.setInband(this.#o.inbandDtmf ?? r.dtmfPayloadType === null);
    this.#rx.restart();
    if (moved) {
      this.#latch.reset(r.address, r.port);
      this.#tx.marker = true;
      this.#syncLink();
    }
    this.#o.scheduler.add(this);
    this.#rtcpReporter.start();
  }

  /** RFC 4568 §7.1.4: new keys, new contexts; the same keys keep theirs (ROC, replay window). */
  #setSrtp(r: RemoteMedia): void {
    const before = this.#srtp;
    const next = SessionCrypto.follow(before, r.srtp);
    this.#srtp = next;
    this.#tx.srtp = next;
    this.#rtcpReporter.protect = next ? (buf, n) => next.protectRtcp(buf, n) : null;
    this.#rtcpReporter.unprotect = next ? (buf, n) => next.unprotectRtcp(buf, n) : null;
    if (before && next !== before) this.#droppedBefore += before.authFailures + before.replays;
  }

  /** Connected (the kernel then drops strays) only while the destination is final (RFC 7362 §5). */
  #syncLink(): void {
    this.#link.connectTo(this.#latch.address, this.#latch.final ? this.#latch.port : 0);
  }

  /** RFC 3264 §8.4 hold and resume, from our side's perspective. */
  setDirection(d: Direction): void {
    if (sends(d) && !sends(this.#direction)) this.#tx.marker = true;
    this.#direction = d;
  }

  onAudio(l: AudioListener): () => void { return this.#rx.onAudio(l); }
  onDtmf(l: DtmfListener): () => void { return this.#rx.onDtmf(l); }
  onSentAudio(l: SentAudioListener): () => void { return this.#recording.onSent(l); }

  /**
   * Plays a source to the peer, after any playback already queued. Resolves when it ends, is
   * aborted through `signal` (barge-in: the next packet is already silence) or the session
   * closes; rejects with the source's typed error if it cannot be opened.
   */
  play(source: AudioSource, signal?: AbortSignal): Promise<PlayResult> {
    return this.#afterLead(this.#playback.play(source, signal), (r) => r.reason === 'finished');
  }

  /**
   * With a scheduler that runs ahead of media time (`leadMs`, the media I/O thread), the last
   * frame of a playback or a digit is built `leadMs` before it goes out: say it is done then.
   */
  #afterLead<T>(p: Promise<T>, delays: (r: T) => boolean): Promise<T> {
    const lead = this.#o.scheduler.leadMs;
    if (lead <= 0) return p;
    return p.then((r) => (delays(r) && !this.closed ? new Promise<T>((resolve) => this.#o.clock.setTimer(lead, () => resolve(r))) : r));
  }

  /**
   * Sends digits as RFC 4733 events when the peer accepted telephone-event, otherwise as
   * in-band tones. Resolves when the last end packet (or tone) has gone out.
   */
  sendDtmf(digits: string, opts: Rfc4733SenderOptions = {}): Promise<void> {
    if (this.#remote?.dtmfPayloadType === null) {
      return this.play(pcmSource(dtmfTonesPcm(digits, opts.toneMs ?? 100, opts.gapMs ?? 100), `dtmf:${digits}`)).then(() => undefined);
    }
    return this.#afterLead(this.#dtmfOut.enqueue(digits, opts, () => this.closed), () => true);
  }

  /** Starts recording what each side hears. */
  async startRecording(target: RecordingTarget): Promise<void> {
    if (this.closed) throw new MediaSessionError('MEDIA_SESSION_CLOSED', 'session is closed');
    await this.#recording.start(target, () => this.closed);
  }

  stopRecording(): Promise<RecordingResult | null> {
    return this.#recording.stop();
  }

  /**
   * Forwards received audio (and DTMF events) both ways between this and any other
   * `MediaSession`, through each one's `bridgePort`, transcoding G.711.
   */
  bridge(other: MediaSession): void {
    linkBridge(this, other);
  }

  unbridge(): void {
    unlinkBridge(this);
  }

  get bridgedTo(): MediaSession | null {
    return this.#bridge.peer;
  }

  get stats(): SessionStats {
    return {
      packetsSent: this.packetsSent, octetsSent: this.octetsSent, packetsReceived: this.#rx.packetsReceived,
      packetsLost: Math.max(0, this.#rx.stats.cumulativeLost), jitterMs: this.#rx.stats.jitter / 8,
      lateOrDuplicate: this.#rx.late, strays: this.#latch.strays, remoteSsrc: this.#rx.remoteSsrc,
      srtpDropped: this.#droppedBefore + (this.#srtp ? this.#srtp.authFailures + this.#srtp.replays : 0),
      latchedTo: this.#latch.latched ? `${this.#latch.address}:${this.#latch.port}` : null,
    };
  }

  rtcpTarget(): { address: string; port: number } | null {
    const r = this.#remote;
    if (!r || this.closed) return null;
    const l = this.#latch;
    return { address: l.address, port: l.latched && !l.onSdpAddress ? l.port + 1 : (r.rtcpPort ?? r.port + 1) };
  }

  #canSend(): boolean {
    return sends(this.#direction) && this.#latch.port !== 0 && this.#latch.address !== '0.0.0.0';
  }

  /**
   * Issue 14: a playback starting on an idle session (nothing playing or queued, no digits, not
   * bridged) sends its first frame now, not at the next tick; the ticks carry on from it with
   * continuous timestamps, so the next packet is up to 20 ms early, never late (marked when it
   * opens the stream or follows a pause, RFC 3551 §4.1). That puts the stream one frame ahead of
   * the tick grid: the first tick with nothing to play repays it, so prompts never add up to drift.
   *
   * When the ticks run ahead of media time (`leadMs`, the media I/O thread), see `#rebuildAhead`
   * and `#fillAhead`.
   */
  #sendFirstFrame(): void {
    if (this.closed || this.#dtmfOut.active || this.#bridge.peer || !this.#remote || !this.#canSend()) return;
    try {
      const s = this.#o.scheduler;
      if (s.leadMs > 0 && Number.isFinite(s.nextDueMs)) {
        if (!this.#rebuildAhead(true)) this.#fillAhead(s.nextDueMs);
        return;
      }
      if (this.#ahead || this.#playback.read(this.#pcmOut) === 0) return;
      this.#ahead = true;
      // Recorded in the slot of the tick period it is heard in (the ticks write the next ones).
      this.#recording.outbound(this.#pcmOut, FRAME, 1);
      this.#sendAudio();
      this.#seq.advanceTimestamp(FRAME);
    } catch (e) {
      this.#o.logger.warn('first frame of a playback not sent', { err: e instanceof Error ? e : String(e), session: this.id });
    }
  }

  /**
   * With a lead, the ticks already built reach up to the next tick's media time `next`. The
   * playback's frames go in the 20 ms slots from now up to it that this session has had no tick
   * for (a session that has just started), each due at its slot, so the next tick's frame follows
   * without a gap and the stream stays on the grid. A session whose ticks already fill those slots
   * (silence queued on the I/O thread) starts the playback at the next tick.
   */
  #fillAhead(next: number): void {
    const now = this.#o.clock.now();
    let due = next - FRAME_MS * Math.ceil((next - now) / FRAME_MS);
    if (Number.isFinite(this.#lastTickDue) && due <= this.#lastTickDue) due = this.#lastTickDue + FRAME_MS;
    const s = this.#o.scheduler;
    for (; due < next; due += FRAME_MS) {
      if (this.#playback.read(this.#pcmOut) === 0) return;
      this.#recording.outbound(this.#pcmOut, FRAME, Math.round((next - due) / FRAME_MS));
      s.sendAt(due, () => this.#sendAudio());
      this.#seq.advanceTimestamp(FRAME);
    }
  }

  /**
   * Lead mode: what is heard from now on changed (a prompt starts on a session sending silence, a
   * barge-in stopped the prompt). The packets built for media times still ahead, queued on the I/O
   * thread, are built again from what plays now, with the same sequence numbers and timestamps,
   * and take the place of the queued ones; one that has already left keeps its place, so the
   * stream stays continuous either way. Not with SRTP (a rebuilt packet would reuse its key
   * stream), bridged audio or digits being sent. True when it rebuilt.
   *
   * A playback that `starts` goes one frame ahead of the grid, as without a lead: its first frame
   * takes the place of the first queued packet not yet on its way and goes at once (with the one
   * before it, at most 3 ms from now), the rest each a frame early, until the first idle tick.
   */
  #rebuildAhead(starts: boolean): boolean {
    const s = this.#o.scheduler;
    if (s.leadMs <= 0 || this.closed || this.#srtp || this.#bridge.peer || this.#dtmfOut.active || !this.#canSend()) return false;
    const limit = this.#o.clock.now() + REBUILD_MARGIN_MS;
    const slots = this.#future.after(limit);
    if (!slots) return false;
    const shift = starts && !this.#ahead ? FRAME_MS : 0;
    const seq = this.#seq.sequenceNumber;
    const ts = this.#seq.timestamp;
    const marker = this.#tx.marker;
    this.#seq.rewind(slots[0].seq, slots[0].ts);
    for (const slot of slots) {
      // A packet that opened a talkspurt (RFC 3551 §4.1) still does.
      this.#tx.marker = slot.marker;
      s.sendAt(slot.due - slot.early - shift, () => this.#produce(1 + Math.round((this.#lastTickDue - slot.due) / FRAME_MS)), true);
    }
    // Each slot built one packet again, so the sequence is back where it was; if not, it goes on from there.
    this.#seq.rewind(seq, ts);
    this.#tx.marker = marker;
    if (shift > 0) {
      this.#future.advance(limit, shift);
      this.#ahead = true;
    }
    return true;
  }

  /** Scheduler tick: one packet (or none) per session. */
  onTick(_tick: number, nowMs: number): void {
    const s = this.#o.scheduler;
    this.#lastTickDue = s.dueMs;
    this.#recording.tick();
    // RFC 7362 §5: the latched source went quiet; let the socket hear a source that moved.
    if (this.#link.connected && this.#latch.idleIfQuiet(nowMs)) this.#syncLink();
    if (s.leadMs <= 0) {
      this.#produce(1);
      return;
    }
    const early = this.#ahead ? FRAME_MS : 0;
    const slot = this.#future.note(s.dueMs, early, this.#seq.sequenceNumber, this.#seq.timestamp, this.#tx.marker);
    const sent = this.packetsSent;
    const digits = this.#dtmfOut.active;
    if (early > 0) s.sendAt(s.dueMs - early, this.#produceOne);
    else this.#produce(1);
    slot.sent = this.packetsSent !== sent && !digits;
  }

  readonly #produceOne = (): void => this.#produce(1);

  /** One tick's packet (or none); its frame is recorded `framesBack` slots before the current position. */
  #produce(framesBack: number): void {
    const canSend = this.#canSend();
    if (this.#dtmfOut.active && this.#tickDtmf(canSend)) return;
    const n = this.#playback.read(this.#pcmOut);
    if (n === 0) {
      // (A packet built again in place of a queued one is always sent: silence, if nothing plays.)
      const s = this.#o.scheduler;
      if (this.#ahead && !s.replacing) {
        // Back on the grid: one tick without a packet; the next one opens a talkspurt (RFC 3551 §4.1).
        // Without a lead the timestamps ran a frame ahead, and this tick's frame is the one sent
        // early; with a lead only the sending ran early, and this tick's frame is not sent.
        this.#ahead = false;
        this.#tx.marker = true;
        if (s.leadMs > 0) this.#seq.advanceTimestamp(FRAME);
        return;
      }
      if (this.#bridge.peer) {
        // Bridged and idle: the peer's forwarded audio is what goes out.
        this.#seq.advanceTimestamp(FRAME);
        return;
      }
      this.#pcmOut.fill(0);
    }
    this.#recording.outbound(this.#pcmOut, FRAME, framesBack);
    if (canSend) this.#sendAudio();
    this.#seq.advanceTimestamp(FRAME);
  }

  #sendAudio(): void {
    this.#tx.audio((this.#remote as RemoteMedia).payloadType, this.#encode, this.#pcmOut, FRAME);
  }

  /** True when this tick carried a telephone-event packet. */
  #tickDtmf(canSend: boolean): boolean {
    const step = this.#dtmfOut.step(this.#seq.timestamp);
    if (step.kind !== 'event') return false;
    // The playback goes on under the event: its audio for this tick is not sent.
    this.#playback.read(this.#pcmOut);
    const pt = this.#remote?.dtmfPayloadType;
    if (canSend && pt !== null && pt !== undefined) {
      this.#tx.event(pt, step.marker, step.timestamp, step.event, step.end, step.volume, step.duration);
    }
    this.#seq.advanceTimestamp(FRAME);
    return true;
  }

  readonly #onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    try {
      this.#receive(msg, rinfo);
    } catch (e) {
      this.#receiveFailed(e);
    }
  };

  #receive(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closed || looksLikeRtcp(msg, msg.length)) return;
    // RFC 3711 §3.3: only what authenticates is RTP at all — it may not latch, count or play.
    const length = this.#srtp ? this.#srtp.unprotectRtp(msg, msg.length) : msg.length;
    if (length < 0 || !parseRtpHeader(msg, length, this.#hdr)) return;
    const h = this.#hdr;
    const now = this.#o.clock.now();
    const verdict = this.#latch.admit(rinfo.address, rinfo.port, h.ssrc, now);
    // Strays reach nothing: not the stats, listeners, recorder, DTMF or the bridge.
    if (verdict === STRAY) return;
    if (verdict === LATCHED) {
      this.#rx.restart();
      this.#tx.marker = true;
      this.#syncLink();
    } else if (!this.#link.connected && this.#latch.final) {
      this.#syncLink();
    }
    if (receives(this.#direction)) this.#rx.accept(h, msg, now);
  }

  /** Logged at the 1st, 2nd, 4th, 8th… failure, so a flood of bad packets cannot flood the log. */
  #receiveFailed(e: unknown): void {
    const n = ++this.#receiveErrors;
    if ((n & (n - 1)) === 0) this.#o.logger.error('RTP receive failed', { err: e instanceof Error ? e : String(e), count: n, session: this.id });
  }

  /** Sends audio the bridged peer received, in our codec, unless we are playing something. */
  #forwardAudio(payloadType: number, buf: Uint8Array, offset: number, length: number, ts: number): void {
    const r = this.#remote;
    if (!r || this.closed || this.#playback.active || this.#dtmfOut.active || !sends(this.#direction) || this.#latch.address === '0.0.0.0') return;
    const n = Math.min(length, MAX_FRAME);
    this.#tx.forwardAudio(r.payloadType, lawOf(payloadType), r.codec, buf, offset, n, this.#bridge.timestamp(ts, this.#seq.timestamp), this.#recording.active ? this.#recordForwarded : undefined);
  }

  /** What goes out of a bridge is what this side hears: recorded (decoded) like a prompt. */
  readonly #recordForwarded = (payload: Buffer, n: number): void => {
    const samples = Math.min(n, FRAME);
    decodeG711(decodeTable((this.#remote as RemoteMedia).codec), payload, RTP_HEADER_SIZE, samples, this.#pcmOut);
    this.#recording.outbound(this.#pcmOut, samples, 0);
  };

  #forwardEvent(buf: Uint8Array, offset: number, length: number, marker: boolean, ts: number): void {
    const pt = this.#remote?.dtmfPayloadType;
    if (pt === null || pt === undefined || this.closed || !sends(this.#direction) || length < 4) return;
    this.#tx.forwardEvent(pt, marker, this.#bridge.timestamp(ts, this.#seq.timestamp), buf, offset);
  }

  readonly #onRtcp = (msg: Buffer): void => {
    try {
      this.#rtcpReporter.receive(msg);
    } catch (e) {
      this.#receiveFailed(e);
    }
  };

  readonly #onSocketError = (e: Error): void => {
    // ECONNREFUSED is the ICMP "port unreachable" of a peer that has already closed its ports
    // (common for a moment around a hang-up): not worth a warning per packet.
    const refused = (e as NodeJS.ErrnoException).code === 'ECONNREFUSED';
    this.#o.logger[refused ? 'debug' : 'warn']('RTP socket error', { err: e, session: this.id });
  };

  /** Stops everything and frees the ports. Safe to call more than once. */
  close(): Promise<void> {
    this.#closed ??= this.#doClose();
    return this.#closed;
  }

  async #doClose(): Promise<void> {
    this.#o.scheduler.remove(this);
    this.#playback.finish('closed');
    this.#dtmfOut.finish();
    this.unbridge();
    try {
      if (this.#remote) this.#rtcpReporter.send(true);
    } catch (e) {
      this.#o.logger.debug('RTCP BYE not sent', { err: e instanceof Error ? e : String(e) });
    }
    this.#rtcpReporter.stop();
    const rec = this.stopRecording();
    this.#link.close();
    this.#o.rtp.close();
    this.#o.rtcp.close();
    this.#o.onClose?.(this);
    await rec;
  }
}
