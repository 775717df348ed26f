export { MediaSourceError, type MediaSourceErrorCode } from './errors.js';
export { decodeRaw, decodeRawYielding, decodeWav, decodeWavNative, decodeWavYielding, encodeWav, wavHeader, type DecodedAudio, type RawFormat } from './wav.js';
export {
  fileSource, lazyPcmSource, pcmSource, PcmReader, sequenceSource, silenceSource, FRAME_SAMPLES, SAMPLE_RATE,
  type AudioSource, type FileSourceOptions, type FrameReader,
} from './source.js';
export { ffmpegDecode, findExecutable, urlSource, type UrlSourceOptions } from './url.js';
export { PlayoutScheduler, TICK_MS, type PlayoutSchedulerOptions, type SchedulerStats, type TickTarget } from './scheduler.js';
