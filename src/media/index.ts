/** The media layer's public surface (DESIGN.md §3): the call layer imports from here. */
export * from './session/index.js';
export * from './playout/index.js';
export * from './dtmf/index.js';
export * from './detect/index.js';
export { SrtpContext, SrtpKeyError, SRTP_SUITES, type SrtpSuite } from './srtp/index.js';
export {
  ALAW_DECODE, ALAW_ENCODE, ALAW_TO_ULAW, decodeG711, encodeG711, transcodeG711, ULAW_DECODE, ULAW_ENCODE, ULAW_TO_ALAW, type G711Law,
} from './codec/g711.js';
