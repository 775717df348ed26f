/**
 * Offer/answer results as the call's RTP session sees them (RFC 3264): where to send, what to do
 * while muted, and the answer to a re-INVITE (RFC 3261 §14.2).
 */
import type { RemoteMedia } from '../media/index.js';
import {
  createAnswer, cryptoLines, isSecureProto, newSdesKey, parseSdp, serializeSdp, type MediaDirection, type NegotiatedMedia, type SessionDescription,
} from '../sdp/index.js';

/** The RTP session's destination from a negotiation, with its SRTP keys when it is RTP/SAVP (RFC 4568). */
export function remoteOf(m: NegotiatedMedia): RemoteMedia {
  const base = { address: m.remoteAddress, port: m.remotePort, codec: m.codec, payloadType: m.payloadType, dtmfPayloadType: m.dtmfPayloadType };
  return m.srtp ? { ...base, srtp: { suite: m.srtp.suite, localKey: m.srtp.localKey, remoteKey: m.srtp.remoteKey } } : base;
}

/**
 * The SDES key we answer RTP/SAVP offers with: the one in our current SDP when it has one
 * (RFC 4568 §7.1.4: a re-INVITE keeps the crypto context), else a fresh one.
 */
export function localSrtpKey(localSdp: SessionDescription | undefined): Buffer {
  const m = localSdp?.media.find((x) => x.type === 'audio' && isSecureProto(x.proto));
  return (m && cryptoLines(m)[0]?.keySalt) ?? newSdesKey();
}

/** `d` without our sending (mute): sendrecv → recvonly, sendonly → inactive. */
export function withoutSending(d: MediaDirection): MediaDirection {
  return d === 'sendrecv' ? 'recvonly' : d === 'sendonly' ? 'inactive' : d;
}

export type ReinviteAnswer =
  /** `media` is absent for an offerless re-INVITE: our current SDP is the offer, nothing changes. */
  | { readonly status: 200; readonly sdp: string; readonly media?: NegotiatedMedia }
  | { readonly status: 400 | 488; readonly reason: string; readonly detail: string };

/**
 * The answer to a re-INVITE's `body` (RFC 3264 §8): the same o= session as `localSdp` with the
 * next version. 400 for SDP that does not parse, 488 for an offer we cannot accept (the call
 * then goes on as it was).
 */
export function answerReinvite(body: string, localSdp: string, port: number, publicAddress: string): ReinviteAnswer {
  if (body.trim() === '') return { status: 200, sdp: localSdp };
  let offer: SessionDescription;
  try {
    offer = parseSdp(body);
  } catch (e) {
    return { status: 400, reason: 'Bad SDP', detail: e instanceof Error ? e.message : String(e) };
  }
  const previous = parseSdp(localSdp);
  const res = createAnswer(offer, { publicAddress, port, previous, srtp: { key: localSrtpKey(previous) } });
  if (!res.ok) return { status: 488, reason: 'Not Acceptable Here', detail: res.error.message };
  return { status: 200, sdp: serializeSdp(res.answer), media: res.media };
}
