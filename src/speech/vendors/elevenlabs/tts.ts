/**
 * ElevenLabs text to speech, streamed (API reference, Text to Speech "Stream speech"):
 * `POST /v1/text-to-speech/{voice_id}/stream?output_format=pcm_16000` with the key in
 * `xi-api-key` and JSON `{text, model_id, voice_settings?}`. `pcm_16000` (S16LE, 16 kHz) is the
 * lowest-rate raw PCM format every version of the reference lists; the body is handed on chunk
 * by chunk as it arrives. Options come from the credential (`model_id`, `options` — JSON, as
 * jambonz stores it) and the synthesizer's `options`, the latter winning.
 */
import { request } from 'undici';
import { errorMessage } from '../../../kernel/errors.js';
import { TtsVendorError, type SpeechVendorErrorCode, type SynthesizeRequest, type SynthesizedAudio, type TtsVendor } from '../../vendor.js';
import { checkEndpoint, PolicyAgents, requestError, statusError } from '../shared/connect.js';
import { l16Chunks } from '../shared/l16.js';
import { plainText } from '../shared/text.js';

export const VENDOR = 'elevenlabs';
const CLOUD = 'https://api.elevenlabs.io';
/** The model the reference names as the default of its examples. */
export const DEFAULT_MODEL = 'eleven_multilingual_v2';
/** A premade voice (the reference's examples use it) for requests that name none. */
export const DEFAULT_VOICE = 'JBFqnCBsd6RMkjVDRZzb';
const SAMPLE_RATE = 16000;
/** Request body fields of the reference that options may set (besides `model_id`). */
const BODY_KEYS = ['voice_settings', 'language_code', 'seed', 'previous_text', 'next_text', 'apply_text_normalization', 'pronunciation_dictionary_locators'] as const;
/** Query parameters of the reference that options may set. */
const QUERY_KEYS = ['optimize_streaming_latency', 'enable_logging'] as const;

export interface ElevenLabsTtsOptions {
  /** The service's base URL (tests point it at a local server). Default https://api.elevenlabs.io. */
  readonly baseUrl?: string;
  /** TCP (and TLS) connect. Default 5000. */
  readonly connectTimeoutMs?: number;
}

export const ttsError = (code: SpeechVendorErrorCode, message: string, opts?: { cause?: unknown; status?: number }): TtsVendorError =>
  new TtsVendorError(code, message, VENDOR, opts);

function record(v: unknown): Record<string, unknown> {
  if (typeof v === 'string' && v.trim() !== '') {
    try {
      return record(JSON.parse(v));
    } catch (e) {
      throw ttsError('SPEECH_PROTOCOL', `elevenlabs: the credential options are not JSON: ${errorMessage(e)}`);
    }
  }
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** The request URL and JSON body for `req` (exported for tests and the docs). */
export function streamRequest(req: SynthesizeRequest, baseUrl = CLOUD): { url: string; body: Record<string, unknown> } {
  const fields = req.credential?.fields ?? {};
  const opts = { ...record(fields.options), ...record(req.synthesizer.options) };
  const modelId = str(record(req.synthesizer.options).model_id) ?? str(fields.model_id) ?? str(opts.model_id) ?? DEFAULT_MODEL;
  const text = plainText(req.text, (msg, cause) => ttsError('SPEECH_PROTOCOL', `elevenlabs: ${msg}`, { cause }));
  const body: Record<string, unknown> = { text, model_id: modelId };
  for (const k of BODY_KEYS) if (opts[k] !== undefined) body[k] = opts[k];
  const url = new URL(`/v1/text-to-speech/${encodeURIComponent(req.voice ?? DEFAULT_VOICE)}/stream`, baseUrl);
  url.searchParams.set('output_format', `pcm_${SAMPLE_RATE}`);
  for (const k of QUERY_KEYS) if (opts[k] !== undefined) url.searchParams.set(k, String(opts[k]));
  return { url: url.toString(), body };
}

export class ElevenLabsTts implements TtsVendor {
  readonly vendor = VENDOR;
  readonly #baseUrl: string;
  readonly #agents: PolicyAgents;

  constructor(opts: ElevenLabsTtsOptions = {}) {
    this.#baseUrl = opts.baseUrl ?? CLOUD;
    this.#agents = new PolicyAgents(opts.connectTimeoutMs);
  }


  async synthesize(req: SynthesizeRequest, signal: AbortSignal): Promise<SynthesizedAudio> {
    const apiKey = str(req.credential?.fields.api_key);
    if (apiKey === undefined) throw ttsError('SPEECH_NO_CREDENTIAL', 'elevenlabs: no api_key for speech synthesis');
    const { url, body } = streamRequest(req, this.#baseUrl);
    const where = `elevenlabs at ${new URL(url).host}`;
    await checkEndpoint(url, req.urlPolicy, ttsError);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: 'POST',
        dispatcher: this.#agents.get(req.urlPolicy),
        headers: { 'content-type': 'application/json', accept: 'audio/*', 'xi-api-key': apiKey },
        body: JSON.stringify(body),
        signal,
        headersTimeout: 15_000,
        bodyTimeout: 15_000,
      });
    } catch (e) {
      throw requestError(e, where, signal, ttsError);
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const said = await res.body.text().catch((e: unknown) => errorMessage(e));
      throw statusError(ttsError, where, res.statusCode, said.split(apiKey).join('***').slice(0, 2048));
    }
    const chunks = l16Chunks(res.body, (e) =>
      signal.aborted ? ttsError('SPEECH_ABORTED', `${where}: aborted`, { cause: e }) : ttsError('SPEECH_CLOSED', `${where} broke off the audio: ${errorMessage(e)}`, { cause: e }),
    );
    return { sampleRate: SAMPLE_RATE, chunks };
  }
}
