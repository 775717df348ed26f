/** SRTP (RFC 3711) with SDES master keys (RFC 4568): the transform the RTP session applies per packet. */
export {
  SrtpContext, SrtpKeyError, SRTP_AUTH_FAILED, SRTP_MALFORMED, SRTP_MAX_OVERHEAD, SRTP_REPLAYED, SRTP_SUITES, SRTCP_OVERHEAD,
  type SrtpSuite,
} from './context.js';
export { deriveSessionKeys, prf, MASTER_KEY_LENGTH, MASTER_SALT_LENGTH, type SessionKeys } from './kdf.js';
export { ReplayWindow } from './replay.js';
