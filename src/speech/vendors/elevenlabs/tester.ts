/**
 * `GET …/SpeechCredentials/{sid}/test` for ElevenLabs: one short streamed synthesis with the
 * default voice (a key restricted to text to speech passes, where `/v1/user` would need the
 * user-read permission). ElevenLabs is a TTS vendor here: a credential marked for STT fails that
 * half with the reason.
 */
import { errorMessage } from '../../../kernel/errors.js';
import type { CredentialTester, CredentialTestResult, SpeechCredential, VendorContext } from '../../vendor.js';
import { ElevenLabsTts, VENDOR } from './tts.js';

type Outcome = NonNullable<CredentialTestResult['tts']>;

export class ElevenLabsCredentialTester implements CredentialTester {
  readonly vendor = VENDOR;

  constructor(private readonly tts = new ElevenLabsTts()) {}

  async test(ctx: VendorContext & { readonly credential: SpeechCredential }, signal: AbortSignal): Promise<CredentialTestResult> {
    const tts: Outcome = ctx.credential.useForTts ? await this.#synthesize(ctx, signal) : { status: 'not tested' };
    const stt: Outcome = ctx.credential.useForStt ? { status: 'fail', reason: 'elevenlabs: speech recognition is not supported by this gateway' } : { status: 'not tested' };
    return { tts, stt };
  }

  async #synthesize(ctx: VendorContext, signal: AbortSignal): Promise<Outcome> {
    try {
      const audio = await this.tts.synthesize({ ...ctx, text: 'Hi.', language: 'en-US', synthesizer: { vendor: VENDOR } }, signal);
      let samples = 0;
      for await (const chunk of audio.chunks) samples += chunk.length;
      return samples > 0 ? { status: 'ok' } : { status: 'fail', reason: 'elevenlabs returned no audio' };
    } catch (e) {
      return { status: 'fail', reason: errorMessage(e) };
    }
  }
}
