/**
 * Microsoft (Azure) text to speech over the REST API: `POST …/cognitiveservices/v1` with an SSML
 * body, `Ocp-Apim-Subscription-Key` and `X-Microsoft-OutputFormat: raw-8khz-16bit-mono-pcm` (or
 * `raw-16khz-…`). The service answers raw little-endian L16 as it synthesizes (chunked), so the
 * chunks are handed on as they arrive and playback starts with the first.
 */
import { request, type Dispatcher } from 'undici';
import { errorMessage } from '../../../kernel/errors.js';
import { UrlForbiddenError } from '../../../kernel/net-policy.js';
import { escapeXml } from '../../ssml.js';
import { TtsVendorError, type SpeechCredential, type SynthesizedAudio, type SynthesizeRequest, type TtsVendor } from '../../vendor.js';
import { PolicyAgents } from '../shared/connect.js';
import { authOf, checkEndpoint, resolveTtsEndpoint, scrub, VENDOR, type ResolvedEndpoint } from './endpoint.js';

/** A voice that speaks many languages: used when the application names none. */
export const DEFAULT_VOICE = 'en-US-AvaMultilingualNeural';

const OUTPUT_FORMAT: Readonly<Record<number, string>> = { 8000: 'raw-8khz-16bit-mono-pcm', 16000: 'raw-16khz-16bit-mono-pcm' };

function escapeAttr(s: string): string {
  return escapeXml(s).replace(/"/g, '&quot;');
}

function voiceOf(req: SynthesizeRequest): string {
  if (typeof req.voice === 'string' && req.voice !== '') return req.voice;
  const v = req.synthesizer.voice;
  if (typeof v === 'string' && v !== '') return v;
  if (v !== null && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') return (v as { name: string }).name;
  return DEFAULT_VOICE;
}

/**
 * The SSML body. Plain text is XML-escaped inside `<speak><voice>`. SSML (text starting with
 * `<speak`) is passed through; when it names no `<voice>`, its content is put in one and the
 * attributes Azure requires (`version`, `xmlns`, `xml:lang`) are added where missing.
 */
export function buildSsml(text: string, voice: string, language: string): string {
  const open = `version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${escapeAttr(language)}"`;
  const m = /^\s*<speak\b([^>]*)>([\s\S]*)<\/speak>\s*$/i.exec(text);
  if (!m) {
    if (/^\s*<speak\b/i.test(text)) return text;
    return `<speak ${open}><voice name="${escapeAttr(voice)}">${escapeXml(text)}</voice></speak>`;
  }
  const [, attrs, inner] = m;
  if (/<voice\b/i.test(inner)) return text;
  let a = attrs;
  if (!/\bversion\s*=/.test(a)) a += ' version="1.0"';
  if (!/\bxmlns\s*=/.test(a)) a += ' xmlns="http://www.w3.org/2001/10/synthesis"';
  if (!/\bxml:lang\s*=/.test(a)) a += ` xml:lang="${escapeAttr(language)}"`;
  return `<speak${a}><voice name="${escapeAttr(voice)}">${inner}</voice></speak>`;
}

/** The synthesis URL: a custom voice deployment (`custom_tts_endpoint`) goes to the region's voice host. */
function endpointFor(credential: SpeechCredential | undefined): ResolvedEndpoint {
  const ep = resolveTtsEndpoint(credential);
  const f = credential?.fields ?? {};
  const deployment = typeof f.custom_tts_endpoint === 'string' ? f.custom_tts_endpoint.trim() : '';
  const useCustom = f.use_custom_tts === true || f.use_custom_tts === 'true' || f.use_custom_tts === '1';
  if (ep.tenant || !useCustom || deployment === '') return ep;
  const url = new URL(ep.url.replace('.tts.', '.voice.'));
  url.searchParams.set('deploymentId', deployment);
  return { url: url.toString(), tenant: false };
}

/** Splits a byte stream into L16 samples, carrying an odd byte to the next chunk. */
async function* samples(body: Dispatcher.ResponseData['body'], signal: AbortSignal): AsyncGenerator<Int16Array> {
  let carry: Buffer | undefined;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const bytes = carry ? Buffer.concat([carry, chunk]) : chunk;
      const even = bytes.length & ~1;
      carry = even < bytes.length ? bytes.subarray(even) : undefined;
      if (even === 0) continue;
      const out = new Int16Array(even >> 1);
      for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
      yield out;
    }
  } catch (e) {
    if (signal.aborted) throw new TtsVendorError('SPEECH_ABORTED', 'synthesis aborted', VENDOR, { cause: e });
    throw new TtsVendorError('SPEECH_CLOSED', `microsoft tts: the stream broke: ${errorMessage(e)}`, VENDOR, { cause: e });
  } finally {
    // A consumer that stops early (barge-in) frees the connection at once.
    if (!body.destroyed) body.destroy();
  }
}

async function failure(res: Dispatcher.ResponseData, key: string): Promise<TtsVendorError> {
  const text = scrub((await res.body.text().catch((e: unknown) => errorMessage(e))).slice(0, 300), key);
  const status = res.statusCode;
  const code = status === 401 || status === 403 ? 'SPEECH_AUTH' : 'SPEECH_PROTOCOL';
  return new TtsVendorError(code, `microsoft tts: HTTP ${status}${text ? `: ${text}` : ''}`, VENDOR, { status });
}

export interface MicrosoftTtsOptions {
  /** 8000 (default, the telephone rate) or 16000. */
  readonly sampleRate?: 8000 | 16000;
  readonly connectTimeoutMs?: number;
}

/** The `microsoft` text-to-speech vendor. */
export class MicrosoftTts implements TtsVendor {
  readonly vendor = VENDOR;
  /** One keep-alive pool per URL policy, so repeated prompts reuse the TLS connection. */
  readonly #agents: PolicyAgents;

  constructor(private readonly opts: MicrosoftTtsOptions = {}) {
    this.#agents = new PolicyAgents(opts.connectTimeoutMs);
  }


  async synthesize(req: SynthesizeRequest, signal: AbortSignal): Promise<SynthesizedAudio> {
    const { key } = authOf(req.credential, TtsVendorError);
    const url = await checkEndpoint(endpointFor(req.credential), req.urlPolicy, TtsVendorError);
    const rate = this.opts.sampleRate ?? 8000;
    const body = buildSsml(req.text, voiceOf(req), req.language ?? 'en-US');
    const headers = { 'ocp-apim-subscription-key': key, 'content-type': 'application/ssml+xml', 'x-microsoft-outputformat': OUTPUT_FORMAT[rate], 'user-agent': 'voice-gateway' };
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method: 'POST', headers, body, dispatcher: this.#agents.get(req.urlPolicy), signal, headersTimeout: 15_000, bodyTimeout: 15_000 });
    } catch (e) {
      if (signal.aborted) throw new TtsVendorError('SPEECH_ABORTED', 'synthesis aborted', VENDOR, { cause: e });
      const why = e instanceof UrlForbiddenError ? e.message : scrub(errorMessage(e), key);
      throw new TtsVendorError('SPEECH_UNREACHABLE', `microsoft tts: cannot reach ${url.host}: ${why}`, VENDOR, { cause: e });
    }
    if (res.statusCode < 200 || res.statusCode > 299) throw await failure(res, key);
    return { sampleRate: rate, chunks: samples(res.body, signal) };
  }
}
