/**
 * The receive side of an RTP session, from a packet that has authenticated and latched onward:
 * RFC 3550 statistics and SSRC changes, the reorder buffer, RFC 4733 and in-band DTMF, G.711
 * decoding into a reused frame that listeners and the recorder tap, and the bridge's forward of
 * what was received. Per packet, nothing is allocated. The session owns the socket, SRTP and the
 * latch (RFC 7362), and hands over each packet they admit.
 */
import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import { decodeG711, decodeTable, type G711Law } from '../codec/g711.js';
import { InbandDtmfDetector } from '../dtmf/inband.js';
import { Rfc4733Receiver } from '../dtmf/rfc4733.js';
import type { RtpHeader } from '../rtp/rtp-header.js';
import { RtpReceiveStats } from '../rtp/receive-stats.js';
import type { BridgeLink } from './bridge-link.js';
import { Listeners } from './listeners.js';
import { ReorderBuffer, type ReorderSink } from './reorder.js';
import type { SessionRecording } from './session-recording.js';
import type { AudioFrameInfo, AudioListener, DtmfEvent, DtmfListener } from './types.js';

const FRAME = 160;
const MAX_FRAME = 480;
const PT_PCMU = 0;
const PT_PCMA = 8;

export const lawOf = (pt: number): G711Law => (pt === PT_PCMA ? 'PCMA' : 'PCMU');

export interface RtpReceiverOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly reorderDepth: number;
  /** Where received audio is recorded (the inbound side). */
  readonly recording: SessionRecording;
  /** The bridged peer, if any, which gets what was received. */
  readonly bridge: BridgeLink;
}

export class RtpReceiver implements ReorderSink {
  readonly stats = new RtpReceiveStats();
  readonly #o: RtpReceiverOptions;
  readonly #reorder: ReorderBuffer;
  readonly #dtmfRx = new Rfc4733Receiver();
  readonly #pcmIn = new Int16Array(MAX_FRAME);
  readonly #info = { sequenceNumber: 0, timestamp: 0, samples: 0 };
  readonly #audioListeners: Listeners<Int16Array, AudioFrameInfo>;
  readonly #dtmfListeners: Listeners<DtmfEvent>;
  #inband: InbandDtmfDetector | null = null;
  #inbandDetector: InbandDtmfDetector | null = null;
  packetsReceived = 0;
  remoteSsrc: number | null = null;
  /** The remote's telephone-event payload type (RFC 4733), null when it has none. */
  dtmfPayloadType: number | null = null;

  constructor(opts: RtpReceiverOptions) {
    this.#o = opts;
    this.#reorder = new ReorderBuffer(this, opts.reorderDepth);
    this.#audioListeners = new Listeners((e) => opts.logger.error('audio listener failed', { err: e instanceof Error ? e : String(e) }));
    this.#dtmfListeners = new Listeners((e) => opts.logger.error('dtmf listener failed', { err: e instanceof Error ? e : String(e) }));
  }

  /** Packets dropped as late or duplicate by the reorder buffer. */
  get late(): number {
    return this.#reorder.late;
  }

  onAudio(l: AudioListener): () => void { return this.#audioListeners.add(l); }
  onDtmf(l: DtmfListener): () => void { return this.#dtmfListeners.add(l); }

  /** Listens for in-band DTMF tones in the received audio, or stops. */
  setInband(on: boolean): void {
    this.#inband = on ? (this.#inbandDetector ??= new InbandDtmfDetector()) : null;
  }

  /** A new stream follows: forget the old one's sequence space, SSRC, timing and last event. */
  restart(): void {
    this.#reorder.reset();
    this.stats.reset();
    this.#dtmfRx.reset();
    this.#o.recording.restartInbound();
    this.remoteSsrc = null;
  }

  /** One admitted packet, its header parsed into `h`, received at `now`. */
  accept(h: RtpHeader, msg: Buffer, now: number): void {
    // RFC 3550 §8.2: a new SSRC is a new source with its own sequence space and timing.
    if (h.ssrc !== this.remoteSsrc && this.remoteSsrc !== null) this.restart();
    this.packetsReceived++;
    this.remoteSsrc = h.ssrc;
    this.stats.update(h.sequenceNumber);
    this.stats.updateJitter(Math.round(now * 8), h.timestamp);
    if (this.dtmfPayloadType !== null && h.payloadType === this.dtmfPayloadType) this.#onTelephoneEvent(h, msg, now);
    else if (h.payloadType === PT_PCMU || h.payloadType === PT_PCMA) {
      this.#reorder.push(h.sequenceNumber, h.timestamp, h.payloadType, msg, h.payloadOffset, h.payloadLength);
    }
  }

  #onTelephoneEvent(h: RtpHeader, msg: Buffer, now: number): void {
    const d = this.#dtmfRx.receive(h.sequenceNumber, h.timestamp, msg, h.payloadOffset, h.payloadLength, now);
    if (d) this.#emitDtmf({ digit: d.digit, source: 'rfc4733', atMs: d.at });
    this.#o.bridge.port?.forwardEvent(msg, h.payloadOffset, h.payloadLength, h.marker, h.timestamp);
  }

  /** Reorder-buffer output: one in-order G.711 payload. */
  deliver(seq: number, timestamp: number, payloadType: number, buf: Uint8Array, offset: number, length: number): void {
    const n = Math.min(length, MAX_FRAME);
    const port = this.#o.bridge.port;
    const rec = this.#o.recording;
    if (this.#audioListeners.size === 0 && !rec.active && !this.#inband) {
      // Nobody taps the decoded audio: a bridge forwards the G.711 bytes as they are.
      if (port) port.forwardAudio(payloadType, buf, offset, n, timestamp);
      return;
    }
    decodeG711(decodeTable(lawOf(payloadType)), buf, offset, n, this.#pcmIn);
    rec.inbound(timestamp, this.#pcmIn, n);
    if (this.#inband && n >= FRAME) {
      const d = this.#inband.push(this.#pcmIn, this.#o.clock.now(), FRAME);
      if (d) this.#emitDtmf({ digit: d.digit, source: 'inband', atMs: d.startMs });
    }
    this.#info.sequenceNumber = seq;
    this.#info.timestamp = timestamp;
    this.#info.samples = n;
    this.#audioListeners.emit(this.#pcmIn, this.#info);
    if (port) port.forwardAudio(payloadType, buf, offset, n, timestamp);
  }

  #emitDtmf(e: DtmfEvent): void {
    this.#dtmfListeners.emit(e, undefined);
  }
}
