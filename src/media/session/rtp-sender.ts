/**
 * The sending half of one RTP stream (RFC 3550 §5.1): its SSRC, sequence numbers and timestamps,
 * the marker, the ring of packet buffers, SRTP protection (RFC 3711) and the sender counters an
 * RTCP SR reports. The session decides what goes out and when; this writes each packet and hands
 * it to `out`, allocating nothing.
 */
import { randomInt } from 'node:crypto';
import { ALAW_TO_ULAW, encodeG711, transcodeG711, ULAW_TO_ALAW, type G711Law } from '../codec/g711.js';
import { writeRfc4733Payload } from '../dtmf/rfc4733.js';
import { RTP_HEADER_SIZE, writeRtpHeader } from '../rtp/rtp-header.js';
import { RtpSequencer } from '../rtp/sequence.js';
import { SRTP_MAX_OVERHEAD } from '../srtp/index.js';
import { PacketRing } from './packet-ring.js';
import type { SessionCrypto } from './session-crypto.js';

const MAX_FRAME = 480;
const RING = 8;

export class RtpSender {
  readonly ssrc = randomInt(1, 0xffffffff) >>> 0;
  readonly seq = new RtpSequencer(randomInt(0, 0x10000), randomInt(0, 0xffffffff));
  readonly #ring = new PacketRing(RING, RTP_HEADER_SIZE + MAX_FRAME + SRTP_MAX_OVERHEAD);
  /** The next packet opens a talkspurt (RFC 3551 §4.1). */
  marker = true;
  packetsSent = 0;
  octetsSent = 0;
  /** Keys for SRTP, or null for clear RTP. */
  srtp: SessionCrypto | null = null;

  /**
   * `out` sends a finished datagram; `counted` says whether a packet counts as sent (one built
   * again in place of a queued one does not: it was counted the first time).
   */
  constructor(private readonly out: (datagram: Buffer) => void, private readonly counted: () => boolean) {}

  /** One frame of PCM, encoded with `table`, at the current timestamp; takes the marker. */
  audio(payloadType: number, table: Uint8Array, pcm: Int16Array, samples: number): void {
    const buf = this.#ring.next();
    writeRtpHeader(buf, 0, this.marker, payloadType, this.seq.nextSequence(), this.seq.timestamp, this.ssrc);
    this.marker = false;
    encodeG711(table, pcm, samples, buf, RTP_HEADER_SIZE);
    this.#send(RTP_HEADER_SIZE + samples);
  }

  /** One RFC 4733 telephone-event packet at `timestamp`. */
  event(payloadType: number, marker: boolean, timestamp: number, event: number, end: boolean, volume: number, duration: number): void {
    const buf = this.#ring.next();
    writeRtpHeader(buf, 0, marker, payloadType, this.seq.nextSequence(), timestamp, this.ssrc);
    writeRfc4733Payload(buf, RTP_HEADER_SIZE, event, end, volume, duration);
    this.#send(RTP_HEADER_SIZE + 4);
  }

  /**
   * G.711 bytes another stream received (a bridge), at `timestamp` on our line, transcoded from
   * `from` to `to` when they differ; takes the marker. `tap` sees the payload before it is sent.
   */
  forwardAudio(payloadType: number, from: G711Law, to: G711Law, buf: Uint8Array, offset: number, n: number, timestamp: number, tap?: (payload: Buffer, n: number) => void): void {
    const out = this.#ring.next();
    writeRtpHeader(out, 0, this.marker, payloadType, this.seq.nextSequence(), timestamp, this.ssrc);
    this.marker = false;
    out.set(buf.subarray(offset, offset + n), RTP_HEADER_SIZE);
    if (from !== to) transcodeG711(from === 'PCMU' ? ULAW_TO_ALAW : ALAW_TO_ULAW, out, RTP_HEADER_SIZE, n);
    tap?.(out, n);
    this.#send(RTP_HEADER_SIZE + n);
  }

  /** A telephone-event payload another stream received, at `timestamp` on our line. */
  forwardEvent(payloadType: number, marker: boolean, timestamp: number, buf: Uint8Array, offset: number): void {
    const out = this.#ring.next();
    writeRtpHeader(out, 0, marker, payloadType, this.seq.nextSequence(), timestamp, this.ssrc);
    out.set(buf.subarray(offset, offset + 4), RTP_HEADER_SIZE);
    this.#send(RTP_HEADER_SIZE + 4);
  }

  /** Sends the first `length` bytes of the buffer built last (as SRTP when keyed). */
  #send(length: number): void {
    if (this.counted()) {
      this.packetsSent++;
      this.octetsSent += length - RTP_HEADER_SIZE;
    }
    const n = this.srtp ? this.srtp.protectRtp(this.#ring.current(), length) : length;
    this.out(this.#ring.view(n));
  }
}
