/**
 * The SDP of a SIPREC recording session (RFC 7866 §8): one `m=audio` per recorded stream, each
 * `a=sendonly` with its `a=label` (RFC 4574) for the metadata to name, and the multipart/mixed
 * body (RFC 5621) that carries it beside the metadata on the INVITE.
 */
import { randomBytes } from 'node:crypto';
import { applyAnswer, createOffer, parseSdp, type MediaDirection, type NegotiatedMedia, type SessionDescription } from '../../sdp/index.js';
import { SdpNegotiationError } from '../../sdp/index.js';

export interface RecordingStreamPort {
  readonly label: string;
  readonly port: number;
}

/**
 * Our offer: one G.711 stream per port, in order, `direction` (sendonly while recording, inactive
 * while paused); `previous` keeps the o= line and bumps its version (a re-INVITE, RFC 3264 §8).
 */
export function recordingOffer(publicAddress: string, streams: readonly RecordingStreamPort[], direction: MediaDirection, previous?: SessionDescription): SessionDescription {
  const base = createOffer({ publicAddress, port: streams[0]?.port ?? 0, direction, telephoneEvent: false, ...(previous ? { previous } : {}) });
  const m = base.media[0];
  // The streams differ only in their port and label.
  return { ...base, media: streams.map((s) => ({ ...m, port: s.port, attributes: [...m.attributes, { name: 'label', value: s.label }] })) };
}

/** What the recording server agreed to for each stream of `offer`, in order; throws SdpNegotiationError. */
export function applyRecordingAnswer(offer: SessionDescription, answer: SessionDescription): NegotiatedMedia[] {
  if (answer.media.length < offer.media.length) throw new SdpNegotiationError('SDP_MEDIA_REJECTED', `the recording server answered ${answer.media.length} of ${offer.media.length} streams`);
  return offer.media.map((m, i) => {
    const r = applyAnswer({ ...offer, media: [m] }, { ...answer, media: [answer.media[i]] });
    if (!r.ok) throw r.error;
    return r.media;
  });
}

export interface BodyPart {
  readonly contentType: string;
  readonly disposition?: string;
  readonly body: string;
}

/** A multipart/mixed body (RFC 2046 §5.1, RFC 5621) and its Content-Type header value. */
export function multipartBody(parts: readonly BodyPart[]): { contentType: string; body: string } {
  const boundary = `vgw-${randomBytes(9).toString('base64url')}`;
  const chunks = parts.map((p) => [
    `--${boundary}`,
    `Content-Type: ${p.contentType}`,
    ...(p.disposition ? [`Content-Disposition: ${p.disposition}`] : []),
    '',
    p.body.replace(/\r?\n$/, ''),
  ].join('\r\n'));
  return { contentType: `multipart/mixed;boundary=${boundary}`, body: `${chunks.join('\r\n')}\r\n--${boundary}--\r\n` };
}

/** The parts of a multipart body (headers lower-cased), or undefined when `contentType` is not multipart. */
export function multipartParts(contentType: string, body: string): BodyPart[] | undefined {
  const m = /^multipart\/[a-z]+\s*;(?:.*;)?\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!m) return undefined;
  const boundary = m[1] ?? m[2];
  const parts: BodyPart[] = [];
  for (const chunk of body.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const text = chunk.replace(/^\r?\n/, '');
    const split = text.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const headers = new Map<string, string>();
    for (const line of text.slice(0, split).split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const content = text.slice(split).replace(/^\r?\n\r?\n/, '').replace(/\r?\n$/, '');
    parts.push({ contentType: headers.get('content-type') ?? 'text/plain', disposition: headers.get('content-disposition'), body: content });
  }
  return parts;
}

/** The SDP of a response body: the body itself, or its application/sdp part when multipart. */
export function answerSdp(contentType: string | undefined, body: string): SessionDescription {
  const parts = contentType ? multipartParts(contentType, body) : undefined;
  const sdp = parts ? parts.find((p) => p.contentType.toLowerCase().startsWith('application/sdp'))?.body : body;
  if (!sdp) throw new SdpNegotiationError('SDP_NO_AUDIO', 'the recording server answered without SDP');
  return parseSdp(sdp);
}
