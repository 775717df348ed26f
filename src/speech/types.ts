import { GatewayError } from '../kernel/errors.js';

export interface TtsRequest {
  /** Plain text, or SSML when it starts with `<speak` (or `ssml` is true). */
  readonly text: string;
  readonly ssml?: boolean;
  readonly voice?: string;
  readonly language?: string;
}

/** Synthesised speech: 8 kHz mono Int16, as the media layer plays it. */
export interface TtsResult {
  readonly samples: Int16Array;
  readonly sampleRate: 8000;
  readonly vendor: string;
  /** Milliseconds from the request to the first audio bytes (or to the cache read). */
  readonly firstAudioMs: number;
  readonly cached: boolean;
}

/** One TTS vendor. Adapters never read the environment; credentials come in their options. */
export interface TtsAdapter {
  readonly vendor: string;
  synthesize(req: TtsRequest, signal: AbortSignal): Promise<TtsResult>;
}

export type TtsErrorCode = 'TTS_UNKNOWN_VENDOR' | 'TTS_FAILED' | 'TTS_BAD_SSML' | 'TTS_ABORTED';

export class TtsError extends GatewayError {
  declare readonly code: TtsErrorCode;
  constructor(code: TtsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
