export { RtpHeader, RTP_HEADER_SIZE, looksLikeRtcp, parseRtpHeader, writeRtpHeader } from './rtp-header.js';
export { RtpSequencer, seqAfter, seqDelta, timestampDelta } from './sequence.js';
export { RtpReceiveStats, type ReportBlockValues } from './receive-stats.js';
export {
  ntpFromUnixMs, parseRtcp, writeBye, writeReceiverReport, writeSdesCname, writeSenderReport,
  RTCP_BYE, RTCP_RR, RTCP_SDES, RTCP_SR, type ReportBlock, type RtcpPacket, type SenderInfo,
} from './rtcp.js';
