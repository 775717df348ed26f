/**
 * Checks a microsoft credential with real requests (`GET …/SpeechCredentials/{sid}/test`): a short
 * synthesis when it is used for TTS, opening a recognition connection when it is used for STT.
 */
import { errorMessage } from '../../../kernel/errors.js';
import type { CredentialTester, CredentialTestResult, SpeechCredential, VendorContext } from '../../vendor.js';
import { VENDOR } from './endpoint.js';
import { MicrosoftStt } from './stt.js';
import { MicrosoftTts } from './tts.js';

type Outcome = NonNullable<CredentialTestResult['tts']>;

async function outcome(run: () => Promise<void>): Promise<Outcome> {
  try {
    await run();
    return { status: 'ok' };
  } catch (e) {
    // Adapter errors carry the vendor's message with secrets removed.
    return { status: 'fail', reason: errorMessage(e) };
  }
}

export class MicrosoftCredentialTester implements CredentialTester {
  readonly vendor = VENDOR;

  constructor(
    private readonly tts = new MicrosoftTts(),
    private readonly stt = new MicrosoftStt(),
  ) {}

  async test(ctx: VendorContext & { readonly credential: SpeechCredential }, signal: AbortSignal): Promise<CredentialTestResult> {
    const notTested: Outcome = { status: 'not tested' };
    const tts = ctx.credential.useForTts ? await outcome(() => this.#synthesize(ctx, signal)) : notTested;
    const stt = ctx.credential.useForStt ? await outcome(() => this.#recognize(ctx, signal)) : notTested;
    return { tts, stt };
  }

  async #synthesize(ctx: VendorContext, signal: AbortSignal): Promise<void> {
    const audio = await this.tts.synthesize({ ...ctx, text: 'This is a test of the speech credential.', language: 'en-US', synthesizer: { vendor: VENDOR } }, signal);
    for await (const chunk of audio.chunks) void chunk;
  }

  async #recognize(ctx: VendorContext, signal: AbortSignal): Promise<void> {
    const req = { ...ctx, language: 'en-US', sampleRate: 8000 as const, interim: false, hints: [], recognizer: { vendor: VENDOR } };
    const stream = await this.stt.start(req, () => undefined, signal);
    stream.close();
  }
}
