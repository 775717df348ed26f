export { CallRecorder, parseRecordRequest, RecordError, RECORD_ACTIONS, type RecordAction, type RecordRequest, type CallRecorderOptions } from './recorder.js';
export { RecordingSession, SiprecError, FAR_END_LABEL, NEAR_END_LABEL } from './recording-session.js';
