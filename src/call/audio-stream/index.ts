export { AudioStream, startAudioStream, type AudioStreamDeps, type AudioStreamHost } from './stream.js';
export { CallStreams } from './streams.js';
export { STREAM_TOTALS, StreamTotals } from './totals.js';
export { STREAM_WORKER_FAILED, StreamSocketPool, type StreamSocketPoolOptions } from './socket-pool.js';
