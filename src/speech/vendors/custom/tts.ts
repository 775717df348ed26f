/**
 * `custom:<name>` text to speech: jambonz's custom TTS HTTP API ("Text-to-speech API", jambonz
 * docs `guides/features/custom-tts-providers`; example server github.com/jambonz/
 * custom-speech-example `lib/tts/`). `POST <custom_tts_url>` with `Authorization: Bearer
 * <auth_token>` and JSON `{language, voice, type: "text"|"ssml", text}`; a 200 carries the audio,
 * its format in `Content-Type`: `audio/l16;rate=N` (raw linear16 at N Hz) or `audio/wav`
 * (`audio/x-wav`) are streamed as they arrive. `audio/mpeg` is refused with SPEECH_PROTOCOL:
 * the speech layer has no MP3 decoder (see docs/speech.md).
 */
import { request } from 'undici';
import { errorMessage } from '../../../kernel/errors.js';
import { isSsml } from '../../ssml.js';
import { TtsVendorError, type SpeechVendorErrorCode, type SynthesizeRequest, type SynthesizedAudio, type TtsVendor } from '../../vendor.js';
import { checkEndpoint, describeUrl, PolicyAgents, requestError, statusError } from '../shared/connect.js';
import { l16Chunks } from '../shared/l16.js';
import { customFail } from './stt.js';
import { readWavHeader, WavStreamError } from './wav.js';

export interface CustomTtsOptions {
  /** TCP (and TLS) connect. Default 5000. */
  readonly connectTimeoutMs?: number;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** The request body of the custom TTS API. */
export function synthesizeBody(req: SynthesizeRequest): Record<string, unknown> {
  return {
    language: req.language ?? 'en-US',
    ...(req.voice === undefined ? {} : { voice: req.voice }),
    type: isSsml(req.text) ? 'ssml' : 'text',
    text: req.text,
  };
}

/** `audio/l16;rate=16000` → 16000; other types → undefined. */
function l16Rate(contentType: string): number | undefined {
  if (!/^audio\/l16\b/i.test(contentType)) return undefined;
  const m = /rate\s*=\s*(\d+)/i.exec(contentType);
  return m ? Number(m[1]) : 8000;
}

async function* prefixed(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (first.length > 0) yield first;
  for (;;) {
    const r = await rest.next();
    if (r.done) return;
    yield r.value;
  }
}

export class CustomTts implements TtsVendor {
  readonly vendor = 'custom';
  readonly #agents: PolicyAgents;

  constructor(opts: CustomTtsOptions = {}) {
    this.#agents = new PolicyAgents(opts.connectTimeoutMs);
  }


  async synthesize(req: SynthesizeRequest, signal: AbortSignal): Promise<SynthesizedAudio> {
    const vendor = req.credential?.vendor ?? 'custom';
    const fail = customFail(vendor, TtsVendorError);
    const url = text(req.credential?.fields.custom_tts_url);
    if (url === undefined) throw fail('SPEECH_NO_CREDENTIAL', `${vendor}: no credential with a custom_tts_url`);
    const token = text(req.credential?.fields.auth_token);
    const where = `${vendor} at ${describeUrl(url)}`;
    await checkEndpoint(url, req.urlPolicy, fail);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: 'POST',
        dispatcher: this.#agents.get(req.urlPolicy),
        headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        body: JSON.stringify(synthesizeBody(req)),
        signal,
      });
    } catch (e) {
      throw requestError(e, where, signal, fail);
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const said = await res.body.text().catch((e: unknown) => errorMessage(e));
      throw statusError(fail, where, res.statusCode, said.slice(0, 2048));
    }
    return this.#audio(res, where, signal, fail);
  }

  async #audio(res: Awaited<ReturnType<typeof request>>, where: string, signal: AbortSignal, fail: (code: SpeechVendorErrorCode, message: string, opts?: { cause?: unknown }) => TtsVendorError): Promise<SynthesizedAudio> {
    const header = res.headers['content-type'];
    const contentType = (Array.isArray(header) ? header[0] : header) ?? '';
    const broke = (e: unknown): Error =>
      e instanceof TtsVendorError ? e : signal.aborted ? fail('SPEECH_ABORTED', `${where}: aborted`, { cause: e }) : fail('SPEECH_CLOSED', `${where} broke off the audio: ${errorMessage(e)}`, { cause: e });
    const rate = l16Rate(contentType);
    if (rate !== undefined) return { sampleRate: rate, chunks: l16Chunks(res.body, broke) };
    if (/^audio\/(x-)?wav(e)?\b/i.test(contentType)) {
      const it = res.body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
      let wav: Awaited<ReturnType<typeof readWavHeader>>;
      try {
        wav = await readWavHeader(it);
      } catch (e) {
        await it.return?.();
        throw e instanceof WavStreamError ? fail('SPEECH_PROTOCOL', `${where}: ${e.message}`, { cause: e }) : broke(e);
      }
      return { sampleRate: wav.sampleRate, chunks: l16Chunks(prefixed(wav.rest, it), broke) };
    }
    // Drained (undici's `dump`), not destroyed: a destroyed body emits an unhandled AbortError.
    await res.body.dump();
    const what = /^audio\/(mpeg|mp3)\b/i.test(contentType) ? 'MP3 audio, which this gateway cannot decode (return audio/wav or audio/l16;rate=N)' : `"${contentType}"`;
    throw fail('SPEECH_PROTOCOL', `${where} answered ${what}`);
  }
}
