/**
 * In-process fake speech vendors for unit tests (issue 14): an STT vendor the test drives by
 * hand or that "recognizes" by energy (each utterance gets the next scripted transcript), STT
 * vendors that fail in each way a real one does, and a TTS vendor that streams chunks with
 * delays on a (fake) clock. The real adapters and their protocol servers live elsewhere.
 */
import type { Clock } from '../../kernel/clock.js';
import {
  SttError, TtsVendorError, type RecognizeRequest, type RecognizerStream, type SpeechCredential, type SpeechCredentialLookup, type SpeechUse,
  type SttEvent, type SttVendor, type SynthesizeRequest, type SynthesizedAudio, type TtsVendor,
} from '../../speech/vendor.js';
import { UtteranceDetector } from './utterances.js';

/** How a fake vendor fails: refuses the credential, cannot be reached, or closes after `afterFrames` frames. */
export type FakeFailure = { readonly kind: 'refuse401' } | { readonly kind: 'unreachable' } | { readonly kind: 'close-mid-stream'; readonly afterFrames: number };

/** One stream a FakeSttVendor opened; the test emits events on it and reads what was written. */
export class FakeSttStream implements RecognizerStream {
  readonly frames: Int16Array[] = [];
  finalized = false;
  closed = false;
  constructor(
    readonly request: RecognizeRequest,
    private readonly onEvent: (e: SttEvent) => void,
  ) {}

  write(frame: Int16Array): void {
    if (!this.closed) this.frames.push(frame.slice());
  }

  finalize(): void {
    this.finalized = true;
  }

  close(): void {
    this.closed = true;
  }

  get samples(): number {
    return this.frames.reduce((a, f) => a + f.length, 0);
  }

  /** Sends an event to the recognizer's client, unless the stream is closed. */
  emit(e: SttEvent): void {
    if (!this.closed) this.onEvent(e);
  }

  /** A transcript event with one alternative. */
  transcript(text: string, isFinal: boolean, confidence = 0.9): void {
    this.emit({ type: 'transcript', isFinal, alternatives: [{ transcript: text, confidence }] });
  }
}

export interface FakeSttOptions {
  readonly vendor?: string;
  readonly clock?: Clock;
  /** Fake-clock time before `start` resolves (needs `clock`). */
  readonly connectMs?: number;
  readonly failure?: FakeFailure;
  /**
   * Energy recognition: each utterance found in the written audio is answered with the next of
   * these transcripts (speech-start at its onset, then a final at its end).
   */
  readonly transcripts?: readonly string[];
}

function failureError(vendor: string, f: FakeFailure): SttError {
  if (f.kind === 'refuse401') return new SttError('SPEECH_AUTH', 'HTTP 401 Unauthorized: invalid subscription key', vendor, { status: 401 });
  if (f.kind === 'unreachable') return new SttError('SPEECH_UNREACHABLE', 'connect ECONNREFUSED 127.0.0.1:9', vendor);
  return new SttError('SPEECH_CLOSED', 'the vendor closed the stream (1011 internal error)', vendor, { status: 1011 });
}

export class FakeSttVendor implements SttVendor {
  readonly vendor: string;
  readonly streams: FakeSttStream[] = [];
  readonly requests: RecognizeRequest[] = [];
  constructor(private readonly o: FakeSttOptions = {}) {
    this.vendor = o.vendor ?? 'fakestt';
  }

  async start(req: RecognizeRequest, onEvent: (e: SttEvent) => void, signal: AbortSignal): Promise<RecognizerStream> {
    this.requests.push(req);
    if (this.o.clock && this.o.connectMs) await waitOn(this.o.clock, this.o.connectMs, signal);
    const f = this.o.failure;
    if (f && f.kind !== 'close-mid-stream') throw failureError(this.vendor, f);
    const stream = new FakeSttStream(req, onEvent);
    this.streams.push(stream);
    const script = this.o.transcripts;
    if (!f && !script) return stream;
    return this.#wrap(stream, f, script);
  }

  /** Adds the scripted behaviour (failure after N frames, energy recognition) to `write`. */
  #wrap(stream: FakeSttStream, f: FakeFailure | undefined, script: readonly string[] | undefined): RecognizerStream {
    let n = 0;
    const detector = script
      ? new UtteranceDetector({ sampleRate: stream.request.sampleRate }, (e) => {
          if (e.type === 'start') stream.emit({ type: 'speech-start' });
          else {
            const text = script[(detector?.count ?? 1) - 1];
            if (text !== undefined) stream.transcript(text, true, 0.93);
          }
        })
      : undefined;
    return {
      write: (frame) => {
        stream.write(frame);
        detector?.push(frame);
        if (f?.kind === 'close-mid-stream' && ++n === f.afterFrames) {
          stream.emit({ type: 'error', error: failureError(this.vendor, f) });
          stream.close();
        }
      },
      finalize: () => stream.finalize(),
      close: () => stream.close(),
    };
  }
}

function waitOn(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = clock.setTimer(ms, resolve);
    signal.addEventListener('abort', () => {
      t.cancel();
      reject(new SttError('SPEECH_ABORTED', 'aborted', 'fake'));
    }, { once: true });
  });
}

export interface FakeTtsOptions {
  readonly vendor?: string;
  readonly clock: Clock;
  readonly sampleRate?: number;
  /** Chunks to stream, each after `delayMs` of fake time (the first too). */
  readonly chunks: readonly Int16Array[];
  readonly delayMs?: number;
  /** Fails before any audio (refuse401, unreachable) or after this many chunks (close-mid-stream). */
  readonly failure?: FakeFailure;
}

/** A TTS vendor that streams `chunks` with delays on the clock. */
export class FakeTtsVendor implements TtsVendor {
  readonly vendor: string;
  readonly requests: SynthesizeRequest[] = [];
  constructor(private readonly o: FakeTtsOptions) {
    this.vendor = o.vendor ?? 'faketts';
  }

  async synthesize(req: SynthesizeRequest, signal: AbortSignal): Promise<SynthesizedAudio> {
    this.requests.push(req);
    const f = this.o.failure;
    if (f && f.kind !== 'close-mid-stream') {
      const e = failureError(this.vendor, f);
      throw new TtsVendorError(e.code, e.message, this.vendor, { status: e.status });
    }
    const { clock, chunks, delayMs = 0 } = this.o;
    const vendor = this.vendor;
    async function* stream(): AsyncGenerator<Int16Array> {
      for (let i = 0; i < chunks.length; i++) {
        if (f?.kind === 'close-mid-stream' && i === f.afterFrames) throw new TtsVendorError('SPEECH_CLOSED', 'the vendor closed the stream', vendor);
        if (delayMs > 0) await waitOn(clock, delayMs, signal);
        yield chunks[i];
      }
    }
    return { sampleRate: this.o.sampleRate ?? 8000, chunks: stream() };
  }
}

/** Credentials for the fakes: every vendor named in `vendors` has one for the account `accountSid`. */
export function fakeCredentials(accountSid: string, vendors: readonly string[]): SpeechCredentialLookup & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async find(acct: string, vendor: string, label: string | undefined, use: SpeechUse): Promise<SpeechCredential | undefined> {
      asked.push(`${acct}/${vendor}/${label ?? ''}/${use}`);
      if (acct !== accountSid || !vendors.includes(vendor)) return undefined;
      return { sid: `cred-${vendor}`, accountSid, vendor, label, useForStt: true, useForTts: true, fields: { api_key: 'secret-key' } };
    },
  };
}
