export type { MediaDirection, RtpMap, SdpAttribute, SdpConnection, SdpLine, SdpMedia, SdpOrigin, SessionDescription } from './types.js';
export { SdpParseError, SdpNegotiationError, type SdpNegotiationCode } from './errors.js';
export { parseSdp } from './parse.js';
export { serializeSdp } from './serialize.js';
export { cryptoLines, formatCrypto, isSecureProto, newSdesKey, parseCrypto, SDES_KEY_LENGTH, type SdesCrypto, type SdesSuite } from './crypto.js';
export { connectionAddress, fmtp, mediaDirection, ptime, rtpMaps } from './media-info.js';
export {
  applyAnswer, createAnswer, createOffer, PTIME_MS,
  type AnswerResult, type ApplyResult, type G711Codec, type LocalMediaOptions, type NegotiatedMedia, type NegotiatedSrtp,
} from './offer-answer.js';
