/**
 * Amazon Transcribe streaming speech to text (`StartStreamTranscription` with the official
 * `@aws-sdk/client-transcribe-streaming`): HTTP/2, the session parameters as
 * `x-amzn-transcribe-*` headers (LanguageCode, MediaEncoding pcm, MediaSampleRateHertz,
 * partial-results stabilization, vocabulary, vocabulary filter, custom language model), audio as
 * SigV4-signed `AudioEvent` messages of the AWS event-stream encoding, results as
 * `TranscriptEvent`s (`IsPartial` → interim; the confidence of an alternative is the mean of its
 * words' `Confidence`). Transcribe sends no speech-start or end-of-utterance events of its own:
 * the first result of an utterance is reported as `speech-start`, each final result is followed by
 * `utterance-end`. Hints have no per-request form in Transcribe (vocabularies are created in
 * advance) and are not sent.
 */
import { TranscribeStreamingClient, StartStreamTranscriptionCommand, type AudioStream, type LanguageCode, type Result, type StartStreamTranscriptionCommandInput, type TranscriptResultStream, type VocabularyFilterMethod } from '@aws-sdk/client-transcribe-streaming';
import type { UrlPolicy } from '../../../kernel/net-policy.js';
import { SttError, type RecognizeRequest, type RecognizerStream, type SpeechVendorErrorCode, type SttAlternative, type SttEvent, type SttVendor } from '../../vendor.js';
import { checkEndpoint } from '../shared/connect.js';
import { AudioQueue } from './audio-queue.js';
import { awsAccess, awsFailure, ClientCache, SDK_LOGGER, scrub, serviceUrl, VENDOR, type AwsAccess } from './config.js';

export interface TranscribeOptions {
  /** The Transcribe streaming endpoint (tests point it at a local server). Default: the credential's region. */
  readonly endpoint?: string;
  /** Connect plus the service's answer to the request. Default 10000. */
  readonly startTimeoutMs?: number;
  /** Audio per AudioEvent (AWS recommends 50 to 200 ms). Default 50. */
  readonly chunkMs?: number;
}

const sttError = (code: SpeechVendorErrorCode, message: string, opts?: { cause?: unknown; status?: number }): SttError => new SttError(code, message, VENDOR, opts);

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function record(v: unknown): Readonly<Record<string, unknown>> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The request's session parameters (without the audio), as jambonz maps the recognizer. */
export function transcribeParams(req: RecognizeRequest): Omit<StartStreamTranscriptionCommandInput, 'AudioStream'> {
  const r = req.recognizer;
  const aws = record(r.awsOptions);
  const vocabulary = str(aws.vocabularyName) ?? str(r.vocabularyName);
  const filter = str(aws.vocabularyFilterName) ?? str(r.vocabularyFilterName);
  const method = str(aws.vocabularyFilterMethod) ?? str(r.filterMethod);
  const model = str(aws.languageModelName);
  const pii = aws.piiIdentifyEntities === true;
  const piiTypes = Array.isArray(aws.piiEntityTypes) ? aws.piiEntityTypes.filter((t): t is string => typeof t === 'string') : [];
  return {
    LanguageCode: req.language as LanguageCode,
    MediaEncoding: 'pcm',
    MediaSampleRateHertz: req.sampleRate,
    ...(req.interim ? { EnablePartialResultsStabilization: true, PartialResultsStability: 'high' as const } : {}),
    ...(vocabulary === undefined ? {} : { VocabularyName: vocabulary }),
    ...(filter === undefined ? {} : { VocabularyFilterName: filter }),
    ...(filter === undefined || method === undefined ? {} : { VocabularyFilterMethod: method as VocabularyFilterMethod }),
    ...(model === undefined ? {} : { LanguageModelName: model }),
    ...(pii ? { ContentIdentificationType: 'PII' as const, ...(piiTypes.length > 0 ? { PiiEntityTypes: piiTypes.join(',') } : {}) } : {}),
  };
}

/** An alternative with the mean confidence of its words, when the service gave any. */
function alternative(a: NonNullable<Result['Alternatives']>[number]): SttAlternative {
  const scores = (a.Items ?? []).map((i) => i.Confidence).filter((c): c is number => typeof c === 'number');
  const transcript = a.Transcript ?? '';
  return scores.length === 0 ? { transcript } : { transcript, confidence: Math.round((scores.reduce((x, y) => x + y, 0) / scores.length) * 1000) / 1000 };
}

export class AwsStt implements SttVendor {
  readonly vendor = VENDOR;
  readonly #clients = new ClientCache<TranscribeStreamingClient>();

  constructor(private readonly opts: TranscribeOptions = {}) {}

  #client(url: string, access: AwsAccess, policy: UrlPolicy): TranscribeStreamingClient {
    return this.#clients.get(url, access, policy, () =>
      new TranscribeStreamingClient({
        region: access.region,
        credentials: access.credentials,
        maxAttempts: 1,
        logger: SDK_LOGGER,
        ...(this.opts.endpoint === undefined ? {} : { endpoint: this.opts.endpoint }),
        // One HTTP/2 session per recognition, closed with it (the SDK's default for this service).
        requestHandler: { disableConcurrentStreams: true },
      }),
    );
  }

  async start(req: RecognizeRequest, onEvent: (e: SttEvent) => void, signal: AbortSignal): Promise<RecognizerStream> {
    const access = awsAccess(req.credential, record(req.recognizer.awsOptions), sttError);
    const url = serviceUrl(this.opts.endpoint, 'transcribestreaming', access.region);
    const where = `aws transcribe at ${new URL(url).host}`;
    if (signal.aborted) throw sttError('SPEECH_ABORTED', `${where}: aborted before connecting`);
    await checkEndpoint(url, req.urlPolicy, sttError);
    const session = new TranscribeSession(req, onEvent, where, access, (this.opts.chunkMs ?? 50) * (req.sampleRate / 1000));
    const command = new StartStreamTranscriptionCommand({ ...transcribeParams(req), AudioStream: session.audio });
    // The SDK resolves `send` only with the first result event, which needs audio: the HTTP
    // status of the service's answer (its response headers) is what says the stream is open.
    let answered: (status: number) => void = () => undefined;
    const status = new Promise<number>((resolve) => (answered = resolve));
    command.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const code = (out.response as { statusCode?: unknown }).statusCode;
        answered(typeof code === 'number' ? code : 0);
        return out;
      },
      { step: 'deserialize', priority: 'low', name: 'vgwTranscribeAnswered' },
    );
    const started = this.#client(url, access, req.urlPolicy).send(command, { abortSignal: session.abort.signal });
    return session.begin(started, status, signal, this.opts.startTimeoutMs ?? 10_000);
  }
}

type StartOutput = { readonly TranscriptResultStream?: AsyncIterable<TranscriptResultStream> };

/** One recognition: the audio queue, the result pump and the close/finalize state. */
class TranscribeSession implements RecognizerStream {
  readonly audio: AudioQueue<AudioStream>;
  readonly abort = new AbortController();
  #closed = false;
  #finalized = false;
  #inUtterance = false;
  #unlisten: (() => void) | undefined;

  constructor(
    private readonly req: RecognizeRequest,
    private readonly onEvent: (e: SttEvent) => void,
    private readonly where: string,
    private readonly access: AwsAccess,
    samplesPerEvent: number,
  ) {
    this.audio = new AudioQueue(samplesPerEvent, (bytes) => ({ AudioEvent: { AudioChunk: bytes } }));
  }

  /** Waits for the service's answer (its status), then pumps results in the background. */
  async begin(started: Promise<StartOutput>, status: Promise<number>, signal: AbortSignal, timeoutMs: number): Promise<RecognizerStream> {
    const onAbort = (): void => this.close();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#unlisten = () => signal.removeEventListener('abort', onAbort);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.abort.abort();
    }, timeoutMs);
    try {
      // A 2xx opens the stream; any other status is followed by `send` rejecting with the service's error.
      const code = await Promise.race([status, started.then(() => 200)]);
      if (code < 200 || code > 299) await started;
      if (this.#closed) throw sttError('SPEECH_ABORTED', `${this.where}: closed while starting`);
      void this.#pump(started);
      return this;
    } catch (e) {
      this.close();
      if (timedOut) throw sttError('SPEECH_UNREACHABLE', `${this.where} did not answer within ${timeoutMs} ms`, { cause: e });
      throw awsFailure(e, this.where, signal, sttError, this.access);
    } finally {
      clearTimeout(timer);
    }
  }

  write(frame: Int16Array): void {
    if (!this.#closed && !this.#finalized) this.audio.push(frame);
  }

  finalize(): void {
    if (this.#closed || this.#finalized) return;
    this.#finalized = true;
    this.audio.end();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unlisten?.();
    this.audio.end();
    this.abort.abort();
  }

  #fail(message: string, cause?: unknown): void {
    if (this.#closed) return;
    this.onEvent({ type: 'error', error: sttError('SPEECH_CLOSED', scrub(message, this.access), { cause }) });
    this.close();
  }

  async #pump(started: Promise<StartOutput>): Promise<void> {
    try {
      const { TranscriptResultStream: results } = await started;
      if (!results) return this.#fail(`${this.where} answered without a result stream`);
      for await (const ev of results) {
        if (this.#closed) return;
        if (ev.TranscriptEvent) this.#results(ev.TranscriptEvent.Transcript?.Results ?? []);
        else {
          const [name, body] = Object.entries(ev).find(([, v]) => v !== undefined) ?? ['unknown event', undefined];
          return this.#fail(`${this.where} ended the stream: ${name}: ${String(record(body).Message ?? '')}`);
        }
      }
      if (!this.#finalized) this.#fail(`${this.where} ended the stream before the audio did`);
      else this.close();
    } catch (e) {
      const shape = record(e);
      this.#fail(`${this.where} broke the stream: ${String(shape.name ?? 'Error')}: ${String(shape.message ?? e)}`, e);
    }
  }

  #results(results: readonly Result[]): void {
    for (const r of results) {
      const alternatives = (r.Alternatives ?? []).map(alternative).filter((a) => a.transcript !== '');
      if (alternatives.length === 0 || this.#closed) continue;
      if (!this.#inUtterance) {
        this.#inUtterance = true;
        this.onEvent({ type: 'speech-start' });
      }
      const channel = /^ch_(\d+)$/.exec(r.ChannelId ?? '');
      const base = { type: 'transcript' as const, alternatives, language: r.LanguageCode ?? this.req.language, ...(channel ? { channel: Number(channel[1]) } : {}) };
      if (r.IsPartial) {
        if (this.req.interim) this.onEvent({ ...base, isFinal: false });
        continue;
      }
      this.onEvent({ ...base, isFinal: true });
      this.#inUtterance = false;
      if (!this.#closed) this.onEvent({ type: 'utterance-end' });
    }
  }
}
