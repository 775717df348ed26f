import { randomInt } from 'node:crypto';
import { cryptoLines, formatCrypto, isSecureProto, type SdesCrypto, type SdesSuite } from './crypto.js';
import { SdpNegotiationError } from './errors.js';
import {
  connectionAddress, directionOf, isNullAddress, mediaDirection, ptime, receivesMedia, reverseDirection, rtpMaps, sendsMedia,
} from './media-info.js';
import type { MediaDirection, RtpMap, SdpAttribute, SdpMedia, SessionDescription } from './types.js';

export type G711Codec = 'PCMU' | 'PCMA';

/** What the media session needs from a finished offer/answer exchange. */
export interface NegotiatedMedia {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly codec: G711Codec;
  readonly payloadType: number;
  /** RFC 4733 telephone-event payload type, or null when the peer did not agree to it. */
  readonly dtmfPayloadType: number | null;
  /** Our direction: `sendonly` means we send and do not expect to receive. */
  readonly direction: MediaDirection;
  readonly ptime: number;
  /** True when the peer used the RFC 2543 `c=0.0.0.0` hold. */
  readonly remoteHold: boolean;
  /** SRTP keys agreed with SDES (RFC 4568), when the stream is RTP/SAVP. */
  readonly srtp?: NegotiatedSrtp;
}

/** One SDES agreement: we protect what we send with `localKey`, and unprotect what we receive with `remoteKey`. */
export interface NegotiatedSrtp {
  readonly suite: SdesSuite;
  readonly localKey: Buffer;
  readonly remoteKey: Buffer;
}

export interface LocalMediaOptions {
  /** The address the peer sends RTP to (VGW_PUBLIC_ADDRESS). */
  readonly publicAddress: string;
  readonly port: number;
  /** Codecs we accept, in our order of preference. Default PCMU, PCMA. */
  readonly codecs?: readonly G711Codec[];
  /** Offer/accept RFC 4733 telephone-event. Default true. */
  readonly telephoneEvent?: boolean;
  /** Payload type for telephone-event in our offers. Default 101. */
  readonly telephoneEventPayloadType?: number;
  /** What we want: `sendonly` puts the peer on hold (RFC 3264 §8.4). Default sendrecv. */
  readonly direction?: MediaDirection;
  /** Our previous description in this dialog: keeps o= session id and increments its version (RFC 3264 §8). */
  readonly previous?: SessionDescription;
  readonly username?: string;
  /**
   * SRTP with SDES (RFC 4568): our offers are RTP/SAVP with an a=crypto for `key`, and RTP/SAVP
   * offers are answered with `key`. Without it we offer RTP/AVP and refuse RTP/SAVP streams.
   * `pad` keeps the base64 padding of keys (a gateway's `pad_crypto`).
   */
  readonly srtp?: { readonly key: Buffer; readonly pad?: boolean };
}

export type AnswerResult =
  | { readonly ok: true; readonly answer: SessionDescription; readonly media: NegotiatedMedia }
  | { readonly ok: false; readonly error: SdpNegotiationError };

export type ApplyResult =
  | { readonly ok: true; readonly media: NegotiatedMedia }
  | { readonly ok: false; readonly error: SdpNegotiationError };

export const PTIME_MS = 20;
const STATIC_PT: Readonly<Record<G711Codec, number>> = { PCMU: 0, PCMA: 8 };
const DEFAULT_CODECS: readonly G711Codec[] = ['PCMU', 'PCMA'];

function origin(opts: LocalMediaOptions): SessionDescription['origin'] {
  const prev = opts.previous?.origin;
  const addrType = opts.publicAddress.includes(':') ? 'IP6' : 'IP4';
  const sessionId = prev?.sessionId ?? String(randomInt(1, 2 ** 47));
  // RFC 3264 §8: each new offer or answer in the session increments the o= version by one.
  const sessionVersion = prev ? (BigInt(prev.sessionVersion) + 1n).toString() : sessionId;
  return { username: opts.username ?? 'vgw', sessionId, sessionVersion, netType: 'IN', addrType, address: opts.publicAddress };
}

function session(opts: LocalMediaOptions, media: SdpMedia[]): SessionDescription {
  const addrType = opts.publicAddress.includes(':') ? 'IP6' : 'IP4';
  return {
    version: 0, origin: origin(opts), sessionName: 'vgw', bandwidths: [], times: ['0 0'], attributes: [], extra: [], media,
    connection: { netType: 'IN', addrType, address: opts.publicAddress },
  };
}

/** Our a=crypto for a stream, and whether its key keeps base64 padding. */
interface LocalCrypto {
  readonly crypto: SdesCrypto;
  readonly pad: boolean;
}

function audioMedia(port: number, maps: readonly RtpMap[], dtmf: RtpMap | undefined, direction: MediaDirection, local?: LocalCrypto): SdpMedia {
  const attributes: SdpAttribute[] = maps.map((c) => ({ name: 'rtpmap', value: `${c.payloadType} ${c.encoding}/${c.clockRate}` }));
  if (dtmf) {
    attributes.push({ name: 'rtpmap', value: `${dtmf.payloadType} telephone-event/8000` });
    attributes.push({ name: 'fmtp', value: `${dtmf.payloadType} 0-16` });
  }
  attributes.push({ name: 'ptime', value: String(PTIME_MS) }, { name: direction });
  if (local) attributes.push({ name: 'crypto', value: formatCrypto(local.crypto, local.pad) });
  const formats = [...maps, ...(dtmf ? [dtmf] : [])].map((c) => String(c.payloadType));
  return { type: 'audio', port, proto: local ? 'RTP/SAVP' : 'RTP/AVP', formats, bandwidths: [], attributes, extra: [] };
}

/**
 * Builds our offer (RFC 3264 §5): one audio stream, G.711 in preference order, telephone-event;
 * with `srtp`, RTP/SAVP and one AES_CM_128_HMAC_SHA1_80 key (RFC 4568 §7.1.1, tag 1).
 */
export function createOffer(opts: LocalMediaOptions): SessionDescription {
  const codecs = opts.codecs ?? DEFAULT_CODECS;
  const maps = codecs.map((c) => ({ payloadType: STATIC_PT[c], encoding: c, clockRate: 8000, channels: 1 }));
  const dtmf = opts.telephoneEvent === false ? undefined
    : { payloadType: opts.telephoneEventPayloadType ?? 101, encoding: 'telephone-event', clockRate: 8000, channels: 1 };
  const local = opts.srtp ? { crypto: { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80' as const, keySalt: opts.srtp.key }, pad: opts.srtp.pad === true } : undefined;
  return session(opts, [audioMedia(opts.port, maps, dtmf, opts.direction ?? 'sendrecv', local)]);
}

function g711(map: RtpMap): G711Codec | undefined {
  const e = map.encoding.toUpperCase();
  return (e === 'PCMU' || e === 'PCMA') && map.clockRate === 8000 && map.channels === 1 ? e : undefined;
}

function telephoneEvent(maps: readonly RtpMap[]): RtpMap | undefined {
  return maps.find((m) => m.encoding.toLowerCase() === 'telephone-event' && m.clockRate === 8000);
}

/** RFC 3264 §6: a stream we do not take is answered with port 0 and the offered formats. */
function rejected(m: SdpMedia): SdpMedia {
  return { type: m.type, port: 0, proto: m.proto, formats: m.formats.length > 0 ? m.formats : ['0'], bandwidths: [], attributes: [], extra: [] };
}

/** An audio stream over RTP, plain (RTP/AVP, AVPF) or secure (RTP/SAVP, SAVPF: RFC 3711). */
function isRtpAudio(m: SdpMedia): boolean {
  return m.type === 'audio' && m.port !== 0 && (m.proto === 'RTP/AVP' || m.proto === 'RTP/AVPF' || isSecureProto(m.proto));
}

interface Pick {
  readonly index: number;
  readonly codec: RtpMap;
  readonly name: G711Codec;
  readonly dtmf: RtpMap | undefined;
  /** The offer's crypto line we take, for an RTP/SAVP stream (RFC 4568 §7.1.2: the first we support). */
  readonly crypto?: SdesCrypto;
}

/**
 * The first audio stream we can take carrying a codec we accept; the offerer's codec order wins.
 * An RTP/SAVP stream needs `opts.srtp` and a crypto line we support.
 */
function pickStream(offer: SessionDescription, opts: LocalMediaOptions): Pick | SdpNegotiationError {
  const ours = new Set(opts.codecs ?? DEFAULT_CODECS);
  let sawAudio = false;
  let sawKeyless = false;
  for (let i = 0; i < offer.media.length; i++) {
    const m = offer.media[i];
    const secure = isSecureProto(m.proto);
    if (!isRtpAudio(m) || (secure && !opts.srtp)) continue;
    const crypto = secure ? cryptoLines(m)[0] : undefined;
    if (secure && !crypto) {
      sawKeyless = true;
      continue;
    }
    sawAudio = true;
    const maps = rtpMaps(m);
    const codec = maps.find((c) => { const n = g711(c); return n !== undefined && ours.has(n); });
    if (!codec) continue;
    const dtmf = opts.telephoneEvent === false ? undefined : telephoneEvent(maps);
    return { index: i, codec, name: g711(codec) as G711Codec, dtmf, ...(crypto ? { crypto } : {}) };
  }
  if (sawAudio) return new SdpNegotiationError('SDP_NO_COMMON_CODEC', 'no audio codec in common (we accept PCMU, PCMA)');
  if (sawKeyless) return new SdpNegotiationError('SDP_NO_CRYPTO', 'the RTP/SAVP stream has no a=crypto we support (AES_CM_128_HMAC_SHA1_80 or _32, one inline key, no MKI)');
  return new SdpNegotiationError('SDP_NO_AUDIO', 'the offer has no RTP/AVP audio stream');
}

/** RFC 3264 §6.1 direction rules, with `c=0.0.0.0` read as "do not send to me" (§8.4). */
function answerDirection(offered: MediaDirection, nullAddress: boolean, local: MediaDirection): MediaDirection {
  const theySend = sendsMedia(offered);
  const theyReceive = receivesMedia(offered) && !nullAddress;
  return directionOf(sendsMedia(local) && theyReceive, receivesMedia(local) && theySend);
}

/**
 * Answers a remote offer (RFC 3264 §6): the chosen audio stream gets one G.711 codec (with the
 * offer's payload type) plus telephone-event when offered; every other stream gets port 0.
 */
export function createAnswer(offer: SessionDescription, opts: LocalMediaOptions): AnswerResult {
  const pick = pickStream(offer, opts);
  if (pick instanceof SdpNegotiationError) return { ok: false, error: pick };
  const m = offer.media[pick.index];
  const address = connectionAddress(offer, m) ?? '';
  const nullAddress = isNullAddress(address);
  const direction = answerDirection(mediaDirection(offer, m), nullAddress, opts.direction ?? 'sendrecv');
  // RFC 4568 §7.1.2: one crypto line in the answer, with the offer's tag and suite and our key.
  const key = pick.crypto && opts.srtp ? opts.srtp.key : undefined;
  const local = pick.crypto && key ? { crypto: { ...pick.crypto, keySalt: key }, pad: opts.srtp?.pad === true } : undefined;
  const media = offer.media.map((x, i) => (i === pick.index ? audioMedia(opts.port, [pick.codec], pick.dtmf, direction, local) : rejected(x)));
  return {
    ok: true,
    answer: session(opts, media),
    media: {
      remoteAddress: address, remotePort: m.port, codec: pick.name, payloadType: pick.codec.payloadType,
      dtmfPayloadType: pick.dtmf?.payloadType ?? null, direction, ptime: ptime(m) ?? PTIME_MS, remoteHold: nullAddress,
      ...(pick.crypto && key ? { srtp: { suite: pick.crypto.suite, localKey: key, remoteKey: pick.crypto.keySalt } } : {}),
    },
  };
}

/**
 * RFC 4568 §7.1.3: the answer to our RTP/SAVP offer must be RTP/SAVP with one crypto line whose
 * tag and suite are one of ours; its key is the peer's, the offered line's is ours.
 */
function answeredCrypto(ours: SdpMedia, m: SdpMedia): NegotiatedSrtp | SdpNegotiationError | undefined {
  if (!isSecureProto(ours.proto)) return undefined;
  const offered = cryptoLines(ours);
  const theirs = isSecureProto(m.proto) ? cryptoLines(m) : [];
  for (const t of theirs) {
    const o = offered.find((x) => x.tag === t.tag && x.suite === t.suite);
    if (o) return { suite: t.suite, localKey: o.keySalt, remoteKey: t.keySalt };
  }
  return new SdpNegotiationError('SDP_NO_CRYPTO', 'the answer to our RTP/SAVP offer has no matching a=crypto');
}

/**
 * Reads the answer to our offer (RFC 3264 §5, §6): the first audio stream with a G.711 codec we
 * offered; direction is the reverse of the answerer's.
 */
export function applyAnswer(offer: SessionDescription, answer: SessionDescription): ApplyResult {
  const ours = offer.media.find(isRtpAudio);
  const offered = new Set((ours ? rtpMaps(ours) : []).map(g711).filter((c): c is G711Codec => c !== undefined));
  const idx = offer.media.findIndex(isRtpAudio);
  const m = idx >= 0 ? answer.media[idx] : undefined;
  if (!m || m.port === 0) return { ok: false, error: new SdpNegotiationError('SDP_MEDIA_REJECTED', 'the answer rejected the audio stream') };
  const maps = rtpMaps(m);
  const codec = maps.find((c) => { const n = g711(c); return n !== undefined && offered.has(n); });
  if (!codec) return { ok: false, error: new SdpNegotiationError('SDP_NO_COMMON_CODEC', 'the answer has no codec we offered') };
  const srtp = ours ? answeredCrypto(ours, m) : undefined;
  if (srtp instanceof SdpNegotiationError) return { ok: false, error: srtp };
  const address = connectionAddress(answer, m) ?? '';
  const nullAddress = isNullAddress(address);
  let direction = reverseDirection(mediaDirection(answer, m));
  if (nullAddress) direction = directionOf(false, receivesMedia(direction));
  const dtmf = ours && telephoneEvent(rtpMaps(ours)) ? telephoneEvent(maps) : undefined;
  return {
    ok: true,
    media: {
      remoteAddress: address, remotePort: m.port, codec: g711(codec) as G711Codec, payloadType: codec.payloadType,
      dtmfPayloadType: dtmf?.payloadType ?? null, direction, ptime: ptime(m) ?? PTIME_MS, remoteHold: nullAddress,
      ...(srtp ? { srtp } : {}),
    },
  };
}
