/**
 * `GET …/SpeechCredentials/{sid}/test` for any vendor with a TtsVendor and/or an SttVendor: one
 * tiny synthesis when the credential is for TTS, one recognition stream opened and closed at once
 * when it is for STT. A refusal or an unreachable endpoint is a `fail` with the reason (never the key).
 */
import { errorMessage } from '../../../kernel/errors.js';
import type { CredentialTester, CredentialTestResult, SpeechCredential, SttVendor, TtsVendor, VendorContext } from '../../vendor.js';

type Outcome = NonNullable<CredentialTestResult['tts']>;

async function outcome(check: () => Promise<void>): Promise<Outcome> {
  try {
    await check();
    return { status: 'ok' };
  } catch (e) {
    return { status: 'fail', reason: errorMessage(e) };
  }
}

/** Works for any vendor whose adapters speak English with their default voice and model. */
export class SpeechCredentialTester implements CredentialTester {
  constructor(
    readonly vendor: string,
    private readonly stt: SttVendor,
    private readonly tts: TtsVendor,
  ) {}

  async test(ctx: VendorContext & { readonly credential: SpeechCredential }, signal: AbortSignal): Promise<CredentialTestResult> {
    const { credential, urlPolicy } = ctx;
    const tts: Outcome = credential.useForTts
      ? await outcome(async () => {
          const audio = await this.tts.synthesize({ credential, urlPolicy, text: 'Hi.', language: 'en-US', synthesizer: {} }, signal);
          let samples = 0;
          for await (const chunk of audio.chunks) samples += chunk.length;
          if (samples === 0) throw new Error(`${this.vendor} returned no audio`);
        })
      : { status: 'not tested' };
    const stt: Outcome = credential.useForStt
      ? await outcome(async () => {
          const stream = await this.stt.start({ credential, urlPolicy, language: 'en-US', sampleRate: 8000, interim: false, hints: [], recognizer: {} }, () => undefined, signal);
          stream.close();
        })
      : { status: 'not tested' };
    return { tts, stt };
  }
}
