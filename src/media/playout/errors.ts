import { GatewayError } from '../../kernel/errors.js';

export type MediaSourceErrorCode =
  | 'MEDIA_BAD_WAV'
  | 'MEDIA_UNSUPPORTED_FORMAT'
  | 'MEDIA_FETCH_FAILED'
  | 'MEDIA_FETCH_TIMEOUT'
  | 'MEDIA_TOO_LARGE'
  /** The URL policy refused the address (kernel/net-policy.ts). */
  | 'URL_FORBIDDEN'
  | 'MEDIA_MP3_NEEDS_FFMPEG'
  | 'MEDIA_DECODE_FAILED'
  | 'MEDIA_SOURCE_FAILED';

/** An audio source could not be opened or decoded. */
export class MediaSourceError extends GatewayError {
  declare readonly code: MediaSourceErrorCode;
  constructor(code: MediaSourceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
