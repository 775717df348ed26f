import { GatewayError } from '../../kernel/errors.js';

export type MediaSessionErrorCode = 'MEDIA_NO_PORTS' | 'MEDIA_SESSION_CLOSED' | 'MEDIA_NO_REMOTE' | 'MEDIA_BAD_REMOTE' | 'MEDIA_RECORD_FAILED';

export class MediaSessionError extends GatewayError {
  declare readonly code: MediaSessionErrorCode;
  constructor(code: MediaSessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
