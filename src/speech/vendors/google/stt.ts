/**
 * Google Cloud speech to text through the official `@google-cloud/speech` SDK (v1 API,
 * bidirectional `StreamingRecognize` over gRPC). The first request carries the
 * `streaming_config`, the others mono LINEAR16 audio. Responses become SttEvents: results →
 * `transcript` (interim or final, alternatives with confidence, language, channel tag);
 * SPEECH_ACTIVITY_BEGIN → `speech-start`; SPEECH_ACTIVITY_END and END_OF_SINGLE_UTTERANCE →
 * `utterance-end`. Google ends a stream after about 5 minutes (OUT_OF_RANGE): that, like any
 * failure after the start, is an `error` event SPEECH_CLOSED.
 */
import { SpeechClient, type protos } from '@google-cloud/speech';
import { SttError, type RecognizeRequest, type RecognizerStream, type SttAlternative, type SttEvent, type SttVendor } from '../../vendor.js';
import { clientOptions, localAuthHeaders, serviceKeyOf, vendorError, VENDOR, type GoogleLocalEndpoint } from './client.js';
import { streamingConfig } from './config.js';

type Response = protos.google.cloud.speech.v1.IStreamingRecognizeResponse;
type Result = protos.google.cloud.speech.v1.IStreamingRecognitionResult;
type CallStream = ReturnType<SpeechClient['_streamingRecognize']>;

export interface GoogleSttOptions {
  /** Tests only: a local protocol server instead of Google (never from tenant input). */
  readonly local?: GoogleLocalEndpoint;
  /**
   * How long `start` waits for the service to accept the stream (its response headers) before
   * it resolves anyway; a refusal later is an `error` event. Default 1000 ms.
   */
  readonly acceptWaitMs?: number;
}

/** The alternatives of a result; the confidence only where Google gives one (finals). */
export function alternativesOf(result: Result): SttAlternative[] {
  const out: SttAlternative[] = [];
  for (const a of result.alternatives ?? []) {
    const transcript = a.transcript ?? '';
    if (transcript === '') continue;
    const confidence = typeof a.confidence === 'number' && a.confidence > 0 ? a.confidence : undefined;
    out.push(confidence === undefined ? { transcript } : { transcript, confidence });
  }
  return out;
}

/** The events one response gives. */
export function eventsOf(res: Response, req: RecognizeRequest): SttEvent[] {
  const out: SttEvent[] = [];
  const type = String(res.speechEventType ?? '');
  if (type === 'SPEECH_ACTIVITY_BEGIN') out.push({ type: 'speech-start' });
  for (const r of res.results ?? []) {
    const isFinal = r.isFinal === true;
    if (!isFinal && !req.interim) continue;
    const alternatives = alternativesOf(r);
    if (alternatives.length === 0) continue;
    const language = r.languageCode ? r.languageCode : req.language;
    out.push({ type: 'transcript', isFinal, alternatives, language, ...(typeof r.channelTag === 'number' && r.channelTag > 0 ? { channel: r.channelTag } : {}) });
  }
  if (type === 'SPEECH_ACTIVITY_END' || type === 'END_OF_SINGLE_UTTERANCE') out.push({ type: 'utterance-end' });
  return out;
}

/** One StreamingRecognize call. */
class GoogleRecognition implements RecognizerStream {
  #closed = false;
  #accepted = false;
  onClose: () => void = () => undefined;

  constructor(
    private readonly client: SpeechClient,
    private readonly call: CallStream,
    private readonly req: RecognizeRequest,
    private readonly onEvent: (e: SttEvent) => void,
  ) {}

  /** Hears once whether the stream was accepted; undefined once `start` has settled. */
  #settle: ((err: SttError | undefined) => void) | undefined;

  /** Wires the call's events; `settle` hears whether the stream was accepted (once). */
  wire(settle: (err: SttError | undefined) => void): void {
    this.#settle = settle;
    const accept = (): void => {
      this.#accepted = true;
      this.settled();
    };
    this.call.on('metadata', accept);
    this.call.on('data', (res: Response) => {
      accept();
      this.#onResponse(res);
    });
    this.call.on('error', (e: unknown) => {
      if (this.#closed) return;
      // Before the service said a word, a failure keeps its code (auth, unreachable …).
      const err = vendorError(e, SttError, 'google speech', this.#accepted) as SttError;
      const settle = this.#settle;
      if (settle) {
        this.#settle = undefined;
        this.#shutdown();
        settle(err);
        return;
      }
      this.#fail(err);
    });
    this.call.on('end', () => {
      this.settled();
      this.#shutdown();
    });
  }

  /** `start` has resolved (accepted, or the wait ended): failures are events from now on. */
  settled(): void {
    const settle = this.#settle;
    this.#settle = undefined;
    settle?.(undefined);
  }

  #onResponse(res: Response): void {
    if (this.#closed) return;
    if (res.error && typeof res.error.code === 'number' && res.error.code !== 0) {
      this.#fail(new SttError('SPEECH_CLOSED', `google speech: ${res.error.message ?? `error ${res.error.code}`}`, VENDOR));
      return;
    }
    for (const e of eventsOf(res, this.req)) {
      if (this.#closed) return;
      this.onEvent(e);
    }
  }

  #fail(err: SttError): void {
    if (this.#closed) return;
    this.onEvent({ type: 'error', error: err });
    this.close();
  }

  write(frame: Int16Array): void {
    if (this.#closed || this.call.writableEnded) return;
    // A copy: the caller may reuse its frame buffer. L16 little-endian, as the host stores it.
    this.call.write({ audioContent: Buffer.from(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength)) });
  }

  finalize(): void {
    if (this.#closed || this.call.writableEnded) return;
    // Half-close: Google answers what it still holds, then ends the call.
    this.call.end();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.call.cancel();
    this.#shutdown();
  }

  #shutdown(): void {
    this.#closed = true;
    this.onClose();
    this.onClose = () => undefined;
    this.client.close().catch((e: unknown) => void e);
  }
}

/** The `google` speech-to-text vendor. */
export class GoogleStt implements SttVendor {
  readonly vendor = VENDOR;

  constructor(private readonly opts: GoogleSttOptions = {}) {}

  async start(req: RecognizeRequest, onEvent: (e: SttEvent) => void, signal: AbortSignal): Promise<RecognizerStream> {
    const key = serviceKeyOf(req.credential, SttError);
    if (signal.aborted) throw new SttError('SPEECH_ABORTED', 'google speech: aborted before connecting', VENDOR);
    const client = new SpeechClient(clientOptions(key, this.opts.local));
    let headers: Record<string, string>;
    try {
      headers = await localAuthHeaders(client.auth, this.opts.local);
    } catch (e) {
      await client.close();
      throw vendorError(e, SttError, 'google speech', false);
    }
    const call = client._streamingRecognize({ otherArgs: { headers } });
    const stream = new GoogleRecognition(client, call, req, onEvent);
    await this.#accepted(stream, call, req, signal);
    const onAbort = (): void => stream.close();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.onClose = () => signal.removeEventListener('abort', onAbort);
    return stream;
  }

  /** Sends the config and waits until the service accepts the stream, refuses it, or the wait ends. */
  #accepted(stream: GoogleRecognition, call: CallStream, req: RecognizeRequest, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (err: SttError | undefined): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => stream.settled(), this.opts.acceptWaitMs ?? 1000);
      const onAbort = (): void => {
        stream.close();
        done(new SttError('SPEECH_ABORTED', 'google speech: aborted while connecting', VENDOR));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      stream.wire((err) => done(err));
      call.write({ streamingConfig: streamingConfig(req) });
    });
  }
}
