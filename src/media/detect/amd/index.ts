export {
  AMD_EVENT_TYPES, type AmdEvent, type AmdEventType, type AmdEvidence, type AmdReason, type AmdSegment, type AmdToneEvidence,
  type AmdToneKind,
} from './events.js';
export {
  AMD_PRESETS, AmdParamsError, DEFAULT_TIMERS, DEFAULT_VOICEMAIL_PHRASES, PRESET_TUNING, resolveAmdParams, type AmdParams,
  type AmdParamsErrorCode, type AmdPreset, type AmdTimers, type AmdTuning,
} from './params.js';
export { AMD_FRAME_MS, AMD_FRAME_SAMPLES, AmdSession } from './session.js';
export { replayPcm, type ReplayOptions } from './offline.js';
export { countWords, longestDigitRun } from './transcript.js';
