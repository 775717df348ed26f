export { digitToEvent, eventToDigit, isDtmfDigit, type DtmfDigit } from './digits.js';
export {
  DTMF_GAP_MS, DTMF_TONE_MS, DTMF_VOLUME, END_PACKET_COUNT, RFC4733_PAYLOAD_SIZE, Rfc4733Receiver, Rfc4733Sender, writeRfc4733Payload,
  type ReceivedDigit, type Rfc4733SenderOptions, type Rfc4733Step,
} from './rfc4733.js';
export { InbandDtmfDetector, type InbandDigit, type InbandDtmfOptions } from './inband.js';
export { parseDtmfInfo, type InfoDigit } from './sip-info.js';
export { dtmfTonesPcm } from './tones.js';
