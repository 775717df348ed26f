/**
 * Amazon Polly text to speech (`SynthesizeSpeech`, `POST /v1/speech`, with the official
 * `@aws-sdk/client-polly`): `OutputFormat: pcm` (signed 16-bit little-endian mono), `SampleRate:
 * 8000`, `VoiceId` from the request (default Joanna), `Engine` from `synthesizer.engine`
 * (standard, neural, long-form, generative), `TextType: ssml` when the text is SSML. The response
 * body streams: each piece is handed on as it arrives, so playback starts with the first bytes.
 */
import { PollyClient, SynthesizeSpeechCommand, type Engine, type VoiceId } from '@aws-sdk/client-polly';
import { errorMessage } from '../../../kernel/errors.js';
import type { UrlPolicy } from '../../../kernel/net-policy.js';
import { isSsml } from '../../ssml.js';
import { TtsVendorError, type SpeechVendorErrorCode, type SynthesizeRequest, type SynthesizedAudio, type TtsVendor } from '../../vendor.js';
import { checkEndpoint } from '../shared/connect.js';
import { l16Chunks } from '../shared/l16.js';
import { awsAccess, awsFailure, ClientCache, SDK_LOGGER, serviceUrl, VENDOR, type AwsAccess } from './config.js';

export const POLLY_SAMPLE_RATE = 8000;
export const DEFAULT_POLLY_VOICE = 'Joanna';

export interface PollyOptions {
  /** The Polly endpoint (tests point it at a local server). Default: the credential's region. */
  readonly endpoint?: string;
  /** A request (or its body stream) idle this long fails. Default 15000. */
  readonly requestTimeoutMs?: number;
}

const ttsError = (code: SpeechVendorErrorCode, message: string, opts?: { cause?: unknown; status?: number }): TtsVendorError => new TtsVendorError(code, message, VENDOR, opts);

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** The SynthesizeSpeech input for `req` (exported for tests). */
export function synthesizeInput(req: SynthesizeRequest): ConstructorParameters<typeof SynthesizeSpeechCommand>[0] {
  const engine = str(req.synthesizer.engine);
  return {
    OutputFormat: 'pcm',
    SampleRate: String(POLLY_SAMPLE_RATE),
    Text: req.text,
    TextType: isSsml(req.text) ? 'ssml' : 'text',
    VoiceId: (req.voice ?? DEFAULT_POLLY_VOICE) as VoiceId,
    ...(engine === undefined ? {} : { Engine: engine as Engine }),
  };
}

export class AwsTts implements TtsVendor {
  readonly vendor = VENDOR;
  readonly #clients = new ClientCache<PollyClient>();

  constructor(private readonly opts: PollyOptions = {}) {}

  #client(url: string, access: AwsAccess, policy: UrlPolicy): PollyClient {
    return this.#clients.get(url, access, policy, () =>
      new PollyClient({
        region: access.region,
        credentials: access.credentials,
        maxAttempts: 1,
        logger: SDK_LOGGER,
        ...(this.opts.endpoint === undefined ? {} : { endpoint: this.opts.endpoint }),
        // The SDK's HTTP/2 handler: a stream idle this long fails (the prompt stalled).
        requestHandler: { requestTimeout: this.opts.requestTimeoutMs ?? 15_000 },
      }),
    );
  }

  async synthesize(req: SynthesizeRequest, signal: AbortSignal): Promise<SynthesizedAudio> {
    const access = awsAccess(req.credential, {}, ttsError);
    const url = serviceUrl(this.opts.endpoint, 'polly', access.region);
    const where = `aws polly at ${new URL(url).host}`;
    await checkEndpoint(url, req.urlPolicy, ttsError);
    let stream: unknown;
    try {
      const out = await this.#client(url, access, req.urlPolicy).send(new SynthesizeSpeechCommand(synthesizeInput(req)), { abortSignal: signal });
      stream = out.AudioStream;
    } catch (e) {
      throw awsFailure(e, where, signal, ttsError, access);
    }
    if (stream === undefined || stream === null || typeof (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function') {
      throw ttsError('SPEECH_PROTOCOL', `${where} answered without an audio stream`);
    }
    const chunks = l16Chunks(stream as AsyncIterable<Uint8Array>, (e) =>
      signal.aborted ? ttsError('SPEECH_ABORTED', `${where}: aborted`, { cause: e }) : ttsError('SPEECH_CLOSED', `${where} broke off the audio: ${errorMessage(e)}`, { cause: e }),
    );
    return { sampleRate: POLLY_SAMPLE_RATE, chunks };
  }
}
