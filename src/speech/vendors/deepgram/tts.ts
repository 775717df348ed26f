/**
 * Deepgram Aura text to speech: `POST /v1/speak?model=<voice>&encoding=linear16&sample_rate=8000
 * &container=none` with JSON `{"text": …}` and `Authorization: Token <key>` (Deepgram API
 * reference, "Text to Speech"). The body streams raw L16 as Deepgram produces it; each piece
 * becomes a chunk at once, so playback starts with the first bytes.
 */
import { request, type Agent } from 'undici';
import { errorMessage } from '../../../kernel/errors.js';
import type { UrlPolicy } from '../../../kernel/net-policy.js';
import { pcm16FromBytes } from '../../resample.js';
import { isSsml, parseSsml } from '../../ssml.js';
import { TtsVendorError, type SpeechVendorErrorCode, type SynthesizeRequest, type SynthesizedAudio, type TtsVendor } from '../../vendor.js';
import { checkEndpoint, describeUrl, policyAgent, requestError, statusError } from '../shared/connect.js';
import { SPEAK_SAMPLE_RATE, speakTarget } from './options.js';

export interface DeepgramTtsOptions {
  /** TCP (and TLS) connect. Default 5000. */
  readonly connectTimeoutMs?: number;
}

export const ttsError = (code: SpeechVendorErrorCode, message: string, opts?: { cause?: unknown; status?: number }): TtsVendorError =>
  new TtsVendorError(code, message, 'deepgram', opts);

/** Aura reads plain text: SSML is reduced to its words (Deepgram takes no SSML). */
export function plainText(text: string, fail: (msg: string, cause: unknown) => Error): string {
  if (!isSsml(text)) return text;
  try {
    return parseSsml(text)
      .map((p) => (p.kind === 'text' ? p.text : ' '))
      .join('')
      .replace(/\s+/g, ' ')
      .trim();
  } catch (e) {
    throw fail(`the SSML cannot be read: ${errorMessage(e)}`, e);
  }
}

/** Turns byte pieces of little-endian L16 into Int16Array chunks, carrying an odd byte over. */
export async function* l16Chunks(body: AsyncIterable<Uint8Array>, onError: (e: unknown) => Error): AsyncGenerator<Int16Array> {
  let carry: Uint8Array | undefined;
  try {
    for await (const piece of body) {
      const bytes = carry ? Buffer.concat([carry, piece]) : piece;
      const even = bytes.length & ~1;
      carry = even < bytes.length ? bytes.slice(even) : undefined;
      if (even === 0) continue;
      // A plain Uint8Array copy: pcm16FromBytes takes `.buffer` of its slice, which for a pooled Buffer is the pool.
      yield pcm16FromBytes(new Uint8Array(bytes.subarray(0, even)));
    }
  } catch (e) {
    throw onError(e);
  }
}

export class DeepgramTts implements TtsVendor {
  readonly vendor = 'deepgram';
  readonly #connectTimeoutMs: number;
  readonly #agents = new WeakMap<UrlPolicy, Agent>();

  constructor(opts: DeepgramTtsOptions = {}) {
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  }

  #agent(policy: UrlPolicy): Agent {
    let agent = this.#agents.get(policy);
    if (!agent) {
      agent = policyAgent(policy, this.#connectTimeoutMs);
      this.#agents.set(policy, agent);
    }
    return agent;
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
        dispatcher: this.#agent(req.urlPolicy),
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
