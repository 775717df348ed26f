/**
 * One recognition as a call sees it (issue 14): audio goes in at once, whatever the vendor is
 * doing. While the vendor connects (or a fallback takes over) frames wait in a bounded queue;
 * past the bound they are dropped and counted, so the media path never waits on a vendor.
 */
import type { Clock } from '../kernel/clock.js';
import type { UrlPolicy } from '../kernel/net-policy.js';
import { asVendorError, attemptsOf, type SpeechAttempt, type SpeechFailure, type SpeechSpec } from './service-common.js';
import { SttError, type RecognizerStream, type SpeechCredential, type SpeechVendorError, type SttEvent, type SttVendor } from './vendor.js';

export interface RecognitionOptions {
  readonly spec: SpeechSpec;
  /** Of the frames `write` gets. */
  readonly sampleRate: 8000 | 16000;
  readonly interim: boolean;
  readonly hints: readonly string[];
  readonly hintsBoost?: number;
  readonly altLanguages?: readonly string[];
}

/** A vendor event, with the vendor that sent it. An `error` event is the last one: no vendor is left. */
export type RecognitionEvent = SttEvent & { readonly vendor: string };

export interface RecognitionInit {
  readonly accountSid: string;
  readonly opts: RecognitionOptions;
  readonly onEvent: (e: RecognitionEvent) => void;
  readonly onFailure: (f: SpeechFailure) => void;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly urlPolicy: UrlPolicy;
  readonly queueFrames: number;
  readonly vendorFor: (vendor: string) => SttVendor | undefined;
  readonly credential: (a: SpeechAttempt) => Promise<SpeechCredential>;
}

export class RecognitionSession {
  readonly #i: RecognitionInit;
  readonly #attempts: SpeechAttempt[];
  #index = 0;
  #state: 'connecting' | 'open' | 'closed' = 'connecting';
  #stream: RecognizerStream | undefined;
  #attemptCtl: AbortController | undefined;
  #queue: Int16Array[] = [];
  #dropped = 0;
  #finalizeAsked = false;
  #connectMs: number | undefined;
  readonly #onAbort = (): void => this.close();

  constructor(init: RecognitionInit) {
    this.#i = init;
    this.#attempts = attemptsOf(init.opts.spec);
    if (init.signal.aborted) {
      this.#state = 'closed';
      return;
    }
    init.signal.addEventListener('abort', this.#onAbort, { once: true });
    void this.#start(0);
  }

  /** The vendor in use (or being connected). */
  get vendor(): string {
    return this.#attempts[this.#index].vendor;
  }

  get language(): string | undefined {
    return this.#attempts[this.#index].language;
  }

  /** Frames dropped because the queue was full while a vendor connected. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Request → stream open for the vendor in use, once it is open. */
  get connectMs(): number | undefined {
    return this.#connectMs;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** One frame at the session's rate; kept only as a copy. */
  write(frame: Int16Array): void {
    if (this.#state === 'open') this.#stream?.write(frame);
    else if (this.#state === 'connecting') {
      if (this.#queue.length < this.#i.queueFrames) this.#queue.push(frame.slice());
      else this.#dropped++;
    }
  }

  /** No more audio: the vendor sends what it still holds. */
  finalize(): void {
    if (this.#state === 'open') this.#stream?.finalize();
    else this.#finalizeAsked = true;
  }

  /** Closes at once; no events follow. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#queue = [];
    this.#i.signal.removeEventListener('abort', this.#onAbort);
    this.#stream?.close();
    this.#stream = undefined;
    this.#attemptCtl?.abort();
  }

  async #start(index: number): Promise<void> {
    const a = this.#attempts[index];
    const started = this.#i.clock.now();
    const ctl = new AbortController();
    this.#attemptCtl = ctl;
    try {
      const adapter = this.#i.vendorFor(a.vendor);
      if (!adapter) throw new SttError('SPEECH_UNKNOWN_VENDOR', `no STT vendor "${a.vendor}"`, a.vendor);
      const credential = await this.#i.credential(a);
      if (this.closed) return;
      const o = this.#i.opts;
      const stream = await adapter.start(
        {
          language: a.language ?? 'en-US', altLanguages: o.altLanguages, sampleRate: o.sampleRate, interim: o.interim, hints: o.hints,
          hintsBoost: o.hintsBoost, recognizer: o.spec.raw, credential, urlPolicy: this.#i.urlPolicy,
        },
        (e) => this.#event(index, e),
        ctl.signal,
      );
      if (this.closed || index !== this.#index) {
        stream.close();
        return;
      }
      this.#opened(stream, this.#i.clock.now() - started);
    } catch (e) {
      if (this.closed || index !== this.#index) return;
      this.#failed(index, asVendorError(e, 'stt', a.vendor));
    }
  }

  #opened(stream: RecognizerStream, connectMs: number): void {
    this.#stream = stream;
    this.#state = 'open';
    this.#connectMs = connectMs;
    const queued = this.#queue;
    this.#queue = [];
    for (const f of queued) stream.write(f);
    if (this.#finalizeAsked) stream.finalize();
  }

  #event(index: number, e: SttEvent): void {
    if (this.#state === 'closed' || index !== this.#index) return;
    if (e.type !== 'error') {
      this.#i.onEvent({ ...e, vendor: this.vendor });
      return;
    }
    this.#stream?.close();
    this.#stream = undefined;
    this.#state = 'connecting';
    this.#failed(index, e.error);
  }

  #failed(index: number, error: SpeechVendorError): void {
    const vendor = this.#attempts[index].vendor;
    const next = index + 1 < this.#attempts.length;
    this.#i.onFailure({ use: 'stt', vendor, error, fallingBack: next });
    if (this.closed) return;
    if (next) {
      this.#index = index + 1;
      this.#state = 'connecting';
      void this.#start(index + 1);
      return;
    }
    this.close();
    this.#i.onEvent({ type: 'error', error: error instanceof SttError ? error : new SttError(error.code, error.message, vendor, { cause: error, status: error.status }), vendor });
  }
}
