/**
 * The SRTP/SRTCP transform of RFC 3711 for AES_CM_128_HMAC_SHA1_80 and _32 (RFC 4568 §6.2):
 * AES-128 in counter mode (§4.1.1) from node:crypto's `aes-128-ctr`, HMAC-SHA1 (§4.2.1) from
 * `createHmac`. One context holds one master key — one direction of a call: ours protects what
 * we send, the peer's unprotects what we receive. Packets are transformed in place in the
 * caller's buffer (which must have room for the tag); the IV and ROC buffers are reused, so the
 * only allocations per packet are node:crypto's own cipher, HMAC and output objects.
 */
import { createCipheriv, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { GatewayError } from '../../kernel/errors.js';
import { deriveSessionKeys, MASTER_KEY_LENGTH, MASTER_SALT_LENGTH, type SessionKeys } from './kdf.js';
import { ReplayWindow } from './replay.js';

export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';
export const SRTP_SUITES: readonly SrtpSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

/** Bytes SRTCP adds (E flag + index, 80-bit tag); SRTP adds at most 10. */
export const SRTCP_OVERHEAD = 4 + 10;
export const SRTP_MAX_OVERHEAD = 10;

/** `unprotect*` results below zero: why the packet was dropped. */
export const SRTP_MALFORMED = -1;
export const SRTP_AUTH_FAILED = -2;
export const SRTP_REPLAYED = -3;

/** A master key of the wrong size, or a suite we do not implement. */
export class SrtpKeyError extends GatewayError {
  constructor(message: string) {
    super('MEDIA_SRTP_KEY', message);
  }
}

const HMAC_SHA1 = 'sha1';
const AES_CTR = 'aes-128-ctr';
const SRTCP_TAG = 10;

/** Session keys ready for node:crypto, with the IV this stream builds each packet's counter in. */
class StreamKeys {
  readonly encryption: KeyObject;
  readonly auth: KeyObject;
  readonly salt: Buffer;
  readonly iv = Buffer.alloc(16);

  constructor(k: SessionKeys) {
    this.encryption = createSecretKey(k.encryption);
    this.auth = createSecretKey(k.auth);
    this.salt = k.salt;
  }

  /** §4.1.1: IV = (k_s · 2^16) XOR (SSRC · 2^64) XOR (i · 2^16), i the 48-bit packet index as `high32:low16`. */
  setIv(ssrc: number, high32: number, low16: number): Buffer {
    const iv = this.iv;
    this.salt.copy(iv, 0, 0, MASTER_SALT_LENGTH);
    iv[14] = 0;
    iv[15] = 0;
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    iv.writeUInt32BE((iv.readUInt32BE(8) ^ high32) >>> 0, 8);
    iv.writeUInt16BE(iv.readUInt16BE(12) ^ low16, 12);
    return iv;
  }

  /** XORs the keystream for the current IV over `buf[start, end)`, in place. */
  crypt(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    createCipheriv(AES_CTR, this.encryption, this.iv).update(buf.subarray(start, end)).copy(buf, start);
  }

  /** HMAC-SHA1 over `buf[0, end)` followed by `tail` (the ROC for SRTP, §4.2). */
  mac(buf: Buffer, end: number, tail?: Buffer): Buffer {
    const h = createHmac(HMAC_SHA1, this.auth).update(buf.subarray(0, end));
    if (tail) h.update(tail);
    return h.digest();
  }
}

/** RFC 3550 §5.1: fixed header, CSRCs, and the extension when X is set; -1 when it does not fit. */
function rtpHeaderLength(buf: Buffer, length: number): number {
  if (length < 12 || (buf[0] & 0xc0) !== 0x80) return -1;
  let h = 12 + 4 * (buf[0] & 0x0f);
  if (buf[0] & 0x10) {
    if (length < h + 4) return -1;
    h += 4 + 4 * buf.readUInt16BE(h + 2);
  }
  return h <= length ? h : -1;
}

export class SrtpContext {
  readonly tagLength: number;
  readonly #rtp: StreamKeys;
  readonly #rtcp: StreamKeys;
  readonly #roc = Buffer.alloc(4);
  /** Sender state (§3.3.1): SSRC, last sequence number sent, rollover counter. */
  #sendSsrc = -1;
  #sendSeq = -1;
  #sendRoc = 0;
  #rtcpIndex = 0;
  /** Receiver state (Appendix A): SSRC, highest sequence number s_l, ROC, replay lists. */
  #recvSsrc = -1;
  #recvSeq = 0;
  #recvRoc = 0;
  readonly #replay = new ReplayWindow();
  #rtcpRecvSsrc = -1;
  readonly #rtcpReplay = new ReplayWindow();

  constructor(readonly suite: SrtpSuite, keys: { readonly rtp: SessionKeys; readonly rtcp: SessionKeys }) {
    if (!SRTP_SUITES.includes(suite)) throw new SrtpKeyError(`unsupported SRTP suite ${String(suite)}`);
    this.tagLength = suite === 'AES_CM_128_HMAC_SHA1_32' ? 4 : 10;
    this.#rtp = new StreamKeys(keys.rtp);
    this.#rtcp = new StreamKeys(keys.rtcp);
  }

  /** From an SDES inline key: the 16-byte master key followed by the 14-byte master salt (RFC 4568 §6.1). */
  static fromMaster(suite: SrtpSuite, keySalt: Uint8Array): SrtpContext {
    if (keySalt.length !== MASTER_KEY_LENGTH + MASTER_SALT_LENGTH) throw new SrtpKeyError(`an ${suite} key is 30 bytes (key and salt), got ${keySalt.length}`);
    return new SrtpContext(suite, deriveSessionKeys(keySalt.subarray(0, MASTER_KEY_LENGTH), keySalt.subarray(MASTER_KEY_LENGTH)));
  }

  /**
   * §3.3: encrypts the payload of the RTP packet in `buf[0, length)` and appends the tag; returns
   * the new length (`buf` needs `tagLength` more bytes), or SRTP_MALFORMED.
   */
  protectRtp(buf: Buffer, length: number): number {
    const h = rtpHeaderLength(buf, length);
    if (h < 0) return SRTP_MALFORMED;
    const seq = buf.readUInt16BE(2);
    const ssrc = buf.readUInt32BE(8);
    if (ssrc !== this.#sendSsrc) {
      this.#sendSsrc = ssrc;
      this.#sendRoc = 0;
    } else if (seq < this.#sendSeq && this.#sendSeq - seq > 0x8000) {
      this.#sendRoc = (this.#sendRoc + 1) >>> 0; // §3.3.1: the sequence number wrapped
    }
    this.#sendSeq = seq;
    this.#rtp.setIv(ssrc, this.#sendRoc, seq);
    this.#rtp.crypt(buf, h, length);
    this.#roc.writeUInt32BE(this.#sendRoc, 0);
    this.#rtp.mac(buf, length, this.#roc).copy(buf, length, 0, this.tagLength);
    return length + this.tagLength;
  }

  /**
   * §3.3 in reverse: authenticates (§3.3.1 index estimate, §3.3.2 replay check) and decrypts in
   * place; returns the RTP packet's length, or SRTP_MALFORMED / SRTP_AUTH_FAILED / SRTP_REPLAYED.
   */
  unprotectRtp(buf: Buffer, length: number): number {
    const end = length - this.tagLength;
    const h = rtpHeaderLength(buf, end);
    if (h < 0) return SRTP_MALFORMED;
    const seq = buf.readUInt16BE(2);
    const ssrc = buf.readUInt32BE(8);
    const fresh = ssrc !== this.#recvSsrc;
    const roc = fresh ? 0 : this.#estimateRoc(seq);
    const index = roc * 0x10000 + seq;
    if (!fresh && !this.#replay.accepts(index)) return SRTP_REPLAYED;
    this.#roc.writeUInt32BE(roc >>> 0, 0);
    const tag = this.#rtp.mac(buf, end, this.#roc);
    if (!timingSafeEqual(tag.subarray(0, this.tagLength), buf.subarray(end, length))) return SRTP_AUTH_FAILED;
    if (fresh) {
      this.#recvSsrc = ssrc;
      this.#recvSeq = seq;
      this.#recvRoc = 0;
      this.#replay.reset();
    } else if (roc > this.#recvRoc || (roc === this.#recvRoc && seq > this.#recvSeq)) {
      this.#recvRoc = roc;
      this.#recvSeq = seq;
    }
    this.#replay.mark(index);
    this.#rtp.setIv(ssrc, roc >>> 0, seq);
    this.#rtp.crypt(buf, h, end);
    return end;
  }

  /** Appendix A: the ROC v for `seq` given the highest sequence number s_l seen. */
  #estimateRoc(seq: number): number {
    const sl = this.#recvSeq;
    const roc = this.#recvRoc;
    if (sl < 0x8000) return seq - sl > 0x8000 && roc > 0 ? roc - 1 : roc;
    return sl - 0x8000 > seq ? roc + 1 : roc;
  }

  /** §3.4: SRTCP — encrypts after the first 8 bytes, appends E || index and the 80-bit tag; returns the new length. */
  protectRtcp(buf: Buffer, length: number): number {
    if (length < 8) return SRTP_MALFORMED;
    const index = this.#rtcpIndex;
    this.#rtcpIndex = (index + 1) & 0x7fffffff;
    this.#rtcp.setIv(buf.readUInt32BE(4), 0, 0);
    this.#rtcp.iv.writeUInt32BE((this.#rtcp.iv.readUInt32BE(10) ^ index) >>> 0, 10);
    this.#rtcp.crypt(buf, 8, length);
    buf.writeUInt32BE((0x80000000 | index) >>> 0, length);
    this.#rtcp.mac(buf, length + 4).copy(buf, length + 4, 0, SRTCP_TAG);
    return length + SRTCP_OVERHEAD;
  }

  /** §3.4 in reverse; returns the RTCP compound packet's length or a negative verdict. */
  unprotectRtcp(buf: Buffer, length: number): number {
    const end = length - SRTCP_OVERHEAD;
    if (end < 8) return SRTP_MALFORMED;
    const word = buf.readUInt32BE(end);
    const index = word & 0x7fffffff;
    const ssrc = buf.readUInt32BE(4);
    const fresh = ssrc !== this.#rtcpRecvSsrc;
    if (!fresh && !this.#rtcpReplay.accepts(index)) return SRTP_REPLAYED;
    const tag = this.#rtcp.mac(buf, end + 4);
    if (!timingSafeEqual(tag.subarray(0, SRTCP_TAG), buf.subarray(end + 4, length))) return SRTP_AUTH_FAILED;
    if (fresh) {
      this.#rtcpRecvSsrc = ssrc;
      this.#rtcpReplay.reset();
    }
    this.#rtcpReplay.mark(index);
    if (word & 0x80000000) {
      this.#rtcp.setIv(ssrc, 0, 0);
      this.#rtcp.iv.writeUInt32BE((this.#rtcp.iv.readUInt32BE(10) ^ index) >>> 0, 10);
      this.#rtcp.crypt(buf, 8, end);
    }
    return end;
  }
}
