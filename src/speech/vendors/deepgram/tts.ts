/**
 * Deepgram Aura text to speech: `POST /v1/speak?model=<voice>&encoding=linear16&sample_rate=8000
 * &container=none` with JSON `{"text": …}` and `Authorization: Token <key>` (Deepgram API
 * reference, "Text to Speech"). The body streams raw L16 as Deepgram produces it; each piece
 * becomes a chunk at once, so playback starts with the first bytes.
 */
import { request } from 'undici';
import { errorMessage } from '../../../kernel/errors.js';
import { TtsVendorError, type SpeechVendorErrorCode, type SynthesizeRequest, type SynthesizedAudio, type TtsVendor } from '../../vendor.js';
import { checkEndpoint, describeUrl, PolicyAgents, requestError, statusError } from '../shared/connect.js';
import { l16Chunks } from '../shared/l16.js';
import { plainText } from '../shared/text.js';
import { SPEAK_SAMPLE_RATE, speakTarget } from './options.js';

export interface DeepgramTtsOptions {
  /** TCP (and TLS) connect. Default 5000. */
  readonly connectTimeoutMs?: number;
}

export const ttsError = (code: SpeechVendorErrorCode, message: string, opts?: { cause?: unknown; status?: number }): TtsVendorError =>
  new TtsVendorError(code, message, 'deepgram', opts);

export class DeepgramTts implements TtsVendor {
  readonly vendor = 'deepgram';
  readonly #agents: PolicyAgents;

  constructor(opts: DeepgramTtsOptions = {}) {
    this.#agents = new PolicyAgents(opts.connectTimeoutMs);
  }


  async synthesize(req: SynthesizeRequest, signal: AbortSignal): Promise<SynthesizedAudio> {
    const { url, apiKey } = speakTarget(req);
    if (apiKey === undefined && !req.credential?.fields.deepgram_tts_uri) throw ttsError('SPEECH_NO_CREDENTIAL', 'deepgram: no api_key for speech synthesis');
    const text = plainText(req.text, (msg, cause) => ttsError('SPEECH_PROTOCOL', `deepgram: ${msg}`, { cause }));
    const where = `deepgram at ${describeUrl(url)}`;
    await checkEndpoint(url, req.urlPolicy, ttsError);
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: 'POST',
        dispatcher: this.#agents.get(req.urlPolicy),
        headers: { 'content-type': 'application/json', accept: 'audio/*', ...(apiKey === undefined ? {} : { authorization: `Token ${apiKey}` }) },
        body: JSON.stringify({ text }),
        signal,
      });
    } catch (e) {
      throw requestError(e, where, signal, ttsError);
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const said = await res.body.text().catch((e: unknown) => errorMessage(e));
      throw statusError(ttsError, where, res.statusCode, said.slice(0, 2048));
    }
    const chunks = l16Chunks(res.body, (e) =>
      signal.aborted ? ttsError('SPEECH_ABORTED', `${where}: aborted`, { cause: e }) : ttsError('SPEECH_CLOSED', `${where} broke off the audio: ${errorMessage(e)}`, { cause: e }),
    );
    return { sampleRate: SPEAK_SAMPLE_RATE, chunks };
  }
}
