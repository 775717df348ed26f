/**
 * Google Cloud text to speech through the official `@google-cloud/text-to-speech` SDK (v1
 * `SynthesizeSpeech`, unary): LINEAR16 at the telephone rate, which Google returns whole, wrapped
 * in a WAV header; the header is removed and the samples are handed on in chunks.
 *
 * Why not `StreamingSynthesize` (also in v1 and in this SDK): it takes plain text or Chirp 3 HD
 * markup only (no SSML), only some voices (Chirp 3 HD) support it, and it is a bidirectional
 * stream meant for text that arrives piecewise; the voices jambonz applications name
 * (`en-US-Standard-C`, WaveNet, Neural2 …) and SSML prompts need `SynthesizeSpeech`.
 */
import { TextToSpeechClient } from '@google-cloud/text-to-speech';
import type { protos } from '@google-cloud/text-to-speech';
import { TtsVendorError, type SynthesizedAudio, type SynthesizeRequest, type TtsVendor } from '../../vendor.js';
import { readWavHeader } from '../custom/wav.js';
import { clientOptions, localAuthHeaders, serviceKeyOf, vendorError, VENDOR, type GoogleLocalEndpoint } from './client.js';

type Request = protos.google.cloud.texttospeech.v1.ISynthesizeSpeechRequest;
type Gender = 'MALE' | 'FEMALE' | 'NEUTRAL';

/** jambonz's default Google voice. */
export const DEFAULT_VOICE = 'en-US-Standard-C';

/** Samples per chunk handed on (200 ms at 8 kHz). */
const CHUNK = 1600;

export interface GoogleTtsOptions {
  /** Tests only: a local protocol server instead of Google (never from tenant input). */
  readonly local?: GoogleLocalEndpoint;
  /** 8000 (default) or 16000. */
  readonly sampleRate?: 8000 | 16000;
  /** Whole request. Default 15 s. */
  readonly timeoutMs?: number;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Voice name and gender: `req.voice`, else `synthesizer.voice` (a name or `{name, gender}`), `synthesizer.gender`. */
function voiceOf(req: SynthesizeRequest): { name: string | undefined; gender: Gender | undefined } {
  const s = req.synthesizer;
  const v = s.voice;
  const obj = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const name = text(req.voice) ?? text(v) ?? text(obj.name);
  const g = (text(obj.ssmlGender) ?? text(obj.gender) ?? text(s.gender))?.toUpperCase();
  const gender = g === 'MALE' || g === 'FEMALE' || g === 'NEUTRAL' ? g : undefined;
  return { name, gender };
}

/** The SynthesizeSpeech request: SSML (text starting with `<speak`) goes as `ssml`. */
export function synthesizeRequest(req: SynthesizeRequest, sampleRate: number): Request {
  const { name, gender } = voiceOf(req);
  const voiceName = name ?? (gender ? undefined : DEFAULT_VOICE);
  // A voice name starts with its language (`de-DE-Wavenet-B`): use it when none was given.
  const fromName = voiceName ? /^([a-z]{2,3}-[A-Z]{2})-/.exec(voiceName)?.[1] : undefined;
  const languageCode = text(req.language) ?? text(req.synthesizer.language) ?? fromName ?? 'en-US';
  const ssml = /^\s*<speak\b/i.test(req.text);
  return {
    input: ssml ? { ssml: req.text } : { text: req.text },
    voice: { languageCode, ...(voiceName ? { name: voiceName } : {}), ...(gender ? { ssmlGender: gender } : {}) },
    audioConfig: { audioEncoding: 'LINEAR16', sampleRateHertz: sampleRate },
  };
}

/** Removes the WAV header Google puts on LINEAR16 (when there is one); the rate is the header's. */
export async function pcmOf(audio: Uint8Array, requestedRate: number): Promise<{ sampleRate: number; pcm: Int16Array }> {
  let rate = requestedRate;
  let bytes = audio;
  if (audio.length >= 12 && Buffer.from(audio.subarray(0, 4)).toString('latin1') === 'RIFF') {
    const it = [audio][Symbol.iterator]();
    const start = await readWavHeader({ next: () => Promise.resolve(it.next()) });
    rate = start.sampleRate;
    bytes = start.rest;
  }
  const n = bytes.length >> 1;
  const pcm = new Int16Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  for (let i = 0; i < n; i++) pcm[i] = view.getInt16(i * 2, true);
  return { sampleRate: rate, pcm };
}

async function* chunksOf(pcm: Int16Array): AsyncGenerator<Int16Array> {
  for (let off = 0; off < pcm.length; off += CHUNK) yield pcm.slice(off, off + CHUNK);
}

/** The `google` text-to-speech vendor. */
export class GoogleTts implements TtsVendor {
  readonly vendor = VENDOR;

  constructor(private readonly opts: GoogleTtsOptions = {}) {}

  async synthesize(req: SynthesizeRequest, signal: AbortSignal): Promise<SynthesizedAudio> {
    const key = serviceKeyOf(req.credential, TtsVendorError);
    const rate = this.opts.sampleRate ?? 8000;
    if (signal.aborted) throw new TtsVendorError('SPEECH_ABORTED', 'google tts: aborted', VENDOR);
    const client = new TextToSpeechClient(clientOptions(key, this.opts.local));
    // Closing the client ends its channel, which cancels the call.
    const onAbort = (): void => void client.close().catch((e: unknown) => void e);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const headers = await localAuthHeaders(client.auth, this.opts.local);
      // No retries: a failure goes to the fallback vendor at once.
      const [res] = await client.synthesizeSpeech(synthesizeRequest(req, rate), { otherArgs: { headers }, timeout: this.opts.timeoutMs ?? 15_000, maxRetries: 0 });
      const audio = res.audioContent;
      const bytes = typeof audio === 'string' ? Buffer.from(audio, 'base64') : (audio ?? new Uint8Array(0));
      const { sampleRate, pcm } = await pcmOf(bytes, rate);
      if (pcm.length === 0) throw new TtsVendorError('SPEECH_PROTOCOL', 'google tts: the response carried no audio', VENDOR);
      return { sampleRate, chunks: chunksOf(pcm) };
    } catch (e) {
      if (e instanceof TtsVendorError) throw e;
      if (signal.aborted) throw new TtsVendorError('SPEECH_ABORTED', 'google tts: aborted', VENDOR, { cause: e });
      throw vendorError(e, TtsVendorError, 'google tts', false);
    } finally {
      signal.removeEventListener('abort', onAbort);
      await client.close().catch((e: unknown) => void e);
    }
  }
}
