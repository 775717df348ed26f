/**
 * The speech service (issue 14): what a call uses to reach a cloud vendor. Given an account and a
 * recognizer or synthesizer spec it finds the credential (`SpeechCredentialLookup`), picks the
 * adapter from `SpeechVendors` (never by branching on a vendor name), and opens the stream; when
 * the primary vendor fails, the spec's fallback takes over in the same request. Every failure is
 * reported to the caller, which writes the alert.
 */
import type { Clock } from '../kernel/clock.js';
import type { UrlPolicy } from '../kernel/net-policy.js';
import type { TtsRegistry } from './registry.js';
import { asVendorError, attemptsOf, type SpeechAttempt, type SpeechFailure, type SpeechSpec } from './service-common.js';
import { RecognitionSession, type RecognitionEvent, type RecognitionOptions } from './service-stt.js';
import {
  TtsVendorError, type SpeechCredential, type SpeechCredentialLookup, type SpeechUse, type SpeechVendorError, type SpeechVendors,
  type SynthesizedAudio, type TtsVendor, SttError,
} from './vendor.js';

export { asVendorError, attemptsOf, type SpeechAttempt, type SpeechFailure, type SpeechSpec };
export type { RecognitionEvent, RecognitionOptions, RecognitionSession };

export interface SpeechServiceOptions {
  readonly vendors: SpeechVendors;
  readonly credentials: SpeechCredentialLookup;
  readonly urlPolicy: UrlPolicy;
  readonly clock: Clock;
  /** Voices that need no credential (espeak), used when `vendors` has no adapter of that name. */
  readonly local?: TtsRegistry;
  /** Frames kept while a recognizer connects; later ones are dropped and counted (default 250: 5 s of 20 ms). */
  readonly sttQueueFrames?: number;
}

/** Audio that has begun to arrive (its first chunk is in), from the vendor that produced it. */
export interface SynthesisStream extends SynthesizedAudio {
  readonly vendor: string;
  readonly language?: string;
  readonly voice?: string;
  /** Request → first chunk, milliseconds. */
  readonly firstAudioMs: number;
  /** True when the vendor is a local voice that caches by itself (no call-level cache entry). */
  readonly selfCached: boolean;
}

export class SpeechService {
  readonly #o: SpeechServiceOptions;

  constructor(opts: SpeechServiceOptions) {
    this.#o = opts;
  }

  get clock(): Clock {
    return this.#o.clock;
  }

  /** The credential for `vendor`, or a SPEECH_NO_CREDENTIAL error naming vendor and label. */
  async credential(accountSid: string, attempt: SpeechAttempt, use: SpeechUse): Promise<SpeechCredential> {
    const c = await this.#o.credentials.find(accountSid, attempt.vendor.toLowerCase(), attempt.label, use);
    if (c) return c;
    const Err = use === 'stt' ? SttError : TtsVendorError;
    const label = attempt.label ? ` with label "${attempt.label}"` : '';
    throw new Err('SPEECH_NO_CREDENTIAL', `no ${use.toUpperCase()} credential for vendor "${attempt.vendor}"${label} in this account`, attempt.vendor);
  }

  /**
   * Starts recognition: returns at once with a session that queues audio while the vendor
   * connects. `onFailure` hears of every vendor that failed; `onEvent` gets the transcripts and,
   * when no vendor is left, one `error` event.
   */
  recognize(accountSid: string, opts: RecognitionOptions, onEvent: (e: RecognitionEvent) => void, onFailure: (f: SpeechFailure) => void, signal: AbortSignal): RecognitionSession {
    return new RecognitionSession({
      accountSid, opts, onEvent, onFailure, signal,
      clock: this.#o.clock,
      urlPolicy: this.#o.urlPolicy,
      queueFrames: this.#o.sttQueueFrames ?? 250,
      vendorFor: (v) => this.#o.vendors.stt(v),
      credential: (a) => this.credential(accountSid, a, 'stt'),
    });
  }

  /**
   * Synthesises `text`: resolves once the first chunk of audio is in, from the primary vendor or,
   * when it fails before that, the fallback. Rejects with the last vendor's error (or the abort).
   */
  async synthesize(accountSid: string, spec: SpeechSpec, text: string, onFailure: (f: SpeechFailure) => void, signal: AbortSignal): Promise<SynthesisStream> {
    const attempts = attemptsOf(spec);
    let last: SpeechVendorError | undefined;
    for (let i = 0; i < attempts.length; i++) {
      try {
        return await this.#synthesizeWith(accountSid, attempts[i], spec, text, signal);
      } catch (e) {
        if (signal.aborted) throw e;
        last = asVendorError(e, 'tts', attempts[i].vendor);
        onFailure({ use: 'tts', vendor: attempts[i].vendor, error: last, fallingBack: i + 1 < attempts.length });
      }
    }
    throw last ?? new TtsVendorError('SPEECH_UNKNOWN_VENDOR', 'no TTS vendor to try', spec.vendor);
  }

  async #synthesizeWith(accountSid: string, a: SpeechAttempt, spec: SpeechSpec, text: string, signal: AbortSignal): Promise<SynthesisStream> {
    const started = this.#o.clock.now();
    const local = this.#local(a.vendor);
    const adapter = this.#o.vendors.tts(a.vendor) ?? local;
    if (!adapter) throw new TtsVendorError('SPEECH_UNKNOWN_VENDOR', `no TTS vendor "${a.vendor}" (have: ${this.#o.vendors.ttsVendors().join(', ') || 'none'})`, a.vendor);
    const credential = adapter === local ? undefined : await this.credential(accountSid, a, 'tts');
    const audio = await adapter.synthesize(
      { text, language: a.language, voice: a.voice, synthesizer: spec.raw, credential, urlPolicy: this.#o.urlPolicy },
      signal,
    );
    const it = audio.chunks[Symbol.asyncIterator]();
    const first = await it.next();
    const firstAudioMs = this.#o.clock.now() - started;
    const chunks: AsyncIterable<Int16Array> = {
      [Symbol.asyncIterator]: () => {
        let pending: IteratorResult<Int16Array> | undefined = first;
        return {
          next: async () => {
            const r = pending ?? (await it.next());
            pending = undefined;
            return r;
          },
          return: async () => (await it.return?.()) ?? { done: true, value: undefined },
        };
      },
    };
    return { sampleRate: audio.sampleRate, chunks, vendor: a.vendor, language: a.language, voice: a.voice, firstAudioMs, selfCached: adapter === local };
  }

  /** A local voice (espeak) as a TtsVendor: one chunk, already 8 kHz. */
  #local(vendor: string): TtsVendor | undefined {
    const reg = this.#o.local;
    if (!reg?.has(vendor)) return undefined;
    return {
      vendor,
      synthesize: async (req, signal) => {
        const r = await reg.synthesize(vendor, { text: req.text, voice: req.voice, language: req.language }, signal).catch((e: unknown) => {
          throw new TtsVendorError('SPEECH_PROTOCOL', e instanceof Error ? e.message : String(e), vendor, { cause: e });
        });
        const chunks = (async function* one(): AsyncGenerator<Int16Array> {
          yield r.samples;
        })();
        return { sampleRate: r.sampleRate, chunks };
      },
    };
  }
}
