export { MediaEngine, type MediaEngineOptions } from './engine.js';
export { checkRemote, linkBridge, unlinkBridge, type BridgePort, type CreateSessionOptions, type MediaService, type MediaSession } from './media-session.js';
export { RtpSession, type AudioListener, type DtmfListener, type RtpSessionOptions } from './rtp-session.js';
export { PortAllocator, type PortRange } from './port-allocator.js';
export { ReorderBuffer, type ReorderSink } from './reorder.js';
export { Recorder, type RecordingResult, type RecordingTarget } from './recorder.js';
export { MediaSessionError, type MediaSessionErrorCode } from './errors.js';
export type { AudioFrameInfo, Direction, DtmfEvent, PlayResult, RemoteMedia, SessionStats, SrtpParams } from './types.js';
