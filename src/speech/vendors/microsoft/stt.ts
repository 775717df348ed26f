/**
 * Microsoft (Azure) speech to text through the official `microsoft-cognitiveservices-speech-sdk`:
 * L16 frames go into a push stream, continuous recognition runs on one WebSocket, and the SDK's
 * events become SttEvents (`recognizing` → interim, `recognized` → final with the detailed
 * output's confidence, `speechStartDetected`/`speechEndDetected` → speech-start/utterance-end,
 * `canceled` and a dropped connection → a typed error).
 */
import {
  AudioConfig,
  AudioInputStream,
  AudioStreamFormat,
  AutoDetectSourceLanguageConfig,
  CancellationReason,
  Connection,
  OutputFormat,
  PhraseListGrammar,
  ProfanityOption,
  PropertyId,
  ResultReason,
  SpeechConfig,
  SpeechRecognizer,
  type PushAudioInputStream,
  type SpeechRecognitionCanceledEventArgs,
  type SpeechRecognitionEventArgs,
} from 'microsoft-cognitiveservices-speech-sdk';
import { SttError, type RecognizeRequest, type RecognizerStream, type SttAlternative, type SttEvent, type SttVendor } from '../../vendor.js';
import { authOf, checkSttEndpoint, customSttEndpointId, resolveSttEndpoint, scrub, VENDOR, type SttMode } from './endpoint.js';
import { sttErrorFrom } from './errors.js';

type Options = Readonly<Record<string, unknown>>;

function options(recognizer: Options): Options {
  const o = recognizer.azureOptions;
  return o !== null && typeof o === 'object' ? (o as Options) : {};
}

function modeOf(recognizer: Options): SttMode {
  const m = options(recognizer).speechRecognitionMode;
  return m === 'DICTATION' ? 'dictation' : m === 'INTERACTIVE' ? 'interactive' : 'conversation';
}

const PROFANITY: Readonly<Record<string, ProfanityOption>> = { masked: ProfanityOption.Masked, removed: ProfanityOption.Removed, raw: ProfanityOption.Raw };

/** Applies the recognizer fields the SDK supports (jambonz's azure mapping). */
export function applyRecognizerFields(cfg: SpeechConfig, req: RecognizeRequest): void {
  const r = req.recognizer;
  const az = options(r);
  cfg.speechRecognitionLanguage = req.language;
  cfg.outputFormat = r.outputFormat === 'simple' ? OutputFormat.Simple : OutputFormat.Detailed;
  const profanity = typeof r.profanityOption === 'string' ? PROFANITY[r.profanityOption] : undefined;
  if (profanity !== undefined) cfg.setProfanity(profanity);
  else if (typeof r.profanityFilter === 'boolean') cfg.setProfanity(r.profanityFilter ? ProfanityOption.Masked : ProfanityOption.Raw);
  if (typeof r.initialSpeechTimeoutMs === 'number' && r.initialSpeechTimeoutMs > 0) {
    cfg.setProperty(PropertyId.SpeechServiceConnection_InitialSilenceTimeoutMs, String(Math.round(r.initialSpeechTimeoutMs)));
  }
  if (typeof az.speechSegmentationSilenceTimeoutMs === 'number' && az.speechSegmentationSilenceTimeoutMs > 0) {
    cfg.setProperty(PropertyId.Speech_SegmentationSilenceTimeoutMs, String(Math.round(az.speechSegmentationSilenceTimeoutMs)));
  }
  if (typeof az.postProcessing === 'string' && az.postProcessing !== '') cfg.setProperty(PropertyId.SpeechServiceResponse_PostProcessingOption, az.postProcessing);
  if (az.audioLogging === true || r.audioLogging === true) cfg.enableAudioLogging();
  if (typeof az.languageIdMode === 'string') cfg.setProperty(PropertyId.SpeechServiceConnection_LanguageIdMode, az.languageIdMode);
  const endpointId = typeof r.azureSttEndpointId === 'string' && r.azureSttEndpointId !== '' ? r.azureSttEndpointId : customSttEndpointId(req.credential);
  if (endpointId) cfg.endpointId = endpointId;
  // One connection attempt: a refused or failed connect is reported at once, not retried silently.
  cfg.setProperty('SPEECH-Error-MaxRetryCount', '0');
}

function createRecognizer(cfg: SpeechConfig, audio: AudioConfig, req: RecognizeRequest): SpeechRecognizer {
  const alt = (req.altLanguages ?? []).filter((l) => l !== req.language);
  if (alt.length === 0) return new SpeechRecognizer(cfg, audio);
  // Azure's language identification takes up to 4 candidates at start, 10 in continuous mode.
  const langs = AutoDetectSourceLanguageConfig.fromLanguages([req.language, ...new Set(alt)].slice(0, 10));
  return SpeechRecognizer.FromConfig(cfg, langs, audio);
}

/** The alternatives of a final result: the detailed output's NBest with confidences, else the text. */
export function alternativesOf(text: string, json: string | undefined): SttAlternative[] {
  if (json) {
    try {
      const parsed = JSON.parse(json) as { NBest?: { Display?: unknown; Confidence?: unknown }[] };
      const nbest = (parsed.NBest ?? []).filter((n) => typeof n.Display === 'string');
      if (nbest.length > 0) {
        return nbest.map((n) => (typeof n.Confidence === 'number' ? { transcript: n.Display as string, confidence: n.Confidence } : { transcript: n.Display as string }));
      }
    } catch {
      // Not JSON: fall back to the result's text, which the SDK always fills.
      return [{ transcript: text }];
    }
  }
  return [{ transcript: text }];
}

/** One recognition: owns the recognizer, the push stream and the connection. */
class MicrosoftRecognition implements RecognizerStream {
  #done = false;
  #finalizing = false;
  /** Called once when the stream closes (drops the caller's abort listener). */
  onClose: () => void = () => undefined;

  constructor(
    private readonly recognizer: SpeechRecognizer,
    private readonly push: PushAudioInputStream,
    private readonly connection: Connection,
    private readonly req: RecognizeRequest,
    private readonly key: string,
    private readonly onEvent: (e: SttEvent) => void,
  ) {
    this.#wire();
  }

  #emit(e: SttEvent): void {
    if (!this.#done) this.onEvent(e);
  }

  #wire(): void {
    const rec = this.recognizer;
    rec.speechStartDetected = () => this.#emit({ type: 'speech-start' });
    rec.speechEndDetected = () => this.#emit({ type: 'utterance-end' });
    rec.recognizing = (_s, e: SpeechRecognitionEventArgs) => {
      if (this.req.interim && e.result.text) this.#emit({ type: 'transcript', isFinal: false, alternatives: [{ transcript: e.result.text }], ...lang(e) });
    };
    rec.recognized = (_s, e: SpeechRecognitionEventArgs) => {
      if (e.result.reason !== ResultReason.RecognizedSpeech || !e.result.text) return;
      this.#emit({ type: 'transcript', isFinal: true, alternatives: alternativesOf(e.result.text, e.result.json), ...lang(e) });
    };
    rec.canceled = (_s, e: SpeechRecognitionCanceledEventArgs) => {
      if (e.reason === CancellationReason.EndOfStream) this.#finish();
      else this.fail(midStream(sttErrorFrom(scrub(e.errorDetails ?? 'recognition canceled', this.key), 'SPEECH_CLOSED')));
    };
    this.connection.disconnected = () => {
      if (this.#done) return;
      this.fail(new SttError('SPEECH_CLOSED', 'the microsoft speech service closed the connection mid-stream', VENDOR));
    };
  }

  /** Reports a failure once, then closes. */
  fail(error: SttError): void {
    if (this.#done) return;
    this.#emit({ type: 'error', error });
    this.close();
  }

  #finish(): void {
    this.close();
  }

  write(frame: Int16Array): void {
    if (this.#done || this.#finalizing) return;
    // The push stream keeps the buffer: give it a copy in little-endian L16.
    this.push.write(frame.slice().buffer);
  }

  finalize(): void {
    if (this.#done || this.#finalizing) return;
    this.#finalizing = true;
    this.push.close();
  }

  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.connection.close();
    this.recognizer.close();
    this.onClose();
  }
}

/** Once the stream has started, losing the service is a close, whatever the socket said. */
function midStream(e: SttError): SttError {
  return e.code === 'SPEECH_UNREACHABLE' ? new SttError('SPEECH_CLOSED', e.message, VENDOR, { cause: e }) : e;
}

function lang(e: SpeechRecognitionEventArgs): { language?: string } {
  const l = e.result.language;
  return typeof l === 'string' && l !== '' ? { language: l } : {};
}

/** Opens the SDK's connection; resolves once the WebSocket is up, rejects with a typed SttError. */
function open(connection: Connection, key: string, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(new SttError('SPEECH_ABORTED', 'recognition aborted before it started', VENDOR));
    signal.addEventListener('abort', onAbort, { once: true });
    connection.openConnection(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (err: string) => {
        signal.removeEventListener('abort', onAbort);
        reject(sttErrorFrom(scrub(err, key), 'SPEECH_UNREACHABLE'));
      },
    );
  });
}

/** The `microsoft` speech-to-text vendor. */
export class MicrosoftStt implements SttVendor {
  readonly vendor = VENDOR;

  async start(req: RecognizeRequest, onEvent: (e: SttEvent) => void, signal: AbortSignal): Promise<RecognizerStream> {
    if (signal.aborted) throw new SttError('SPEECH_ABORTED', 'recognition aborted before it started', VENDOR);
    const { key } = authOf(req.credential, SttError);
    const mode = modeOf(req.recognizer);
    const endpoint = await checkSttEndpoint(resolveSttEndpoint(req.recognizer, req.credential, mode), req.urlPolicy, mode);
    const cfg = SpeechConfig.fromEndpoint(endpoint, key);
    applyRecognizerFields(cfg, req);
    const push = AudioInputStream.createPushStream(AudioStreamFormat.getWaveFormatPCM(req.sampleRate, 16, 1));
    const recognizer = createRecognizer(cfg, AudioConfig.fromStreamInput(push), req);
    if (req.hints.length > 0) PhraseListGrammar.fromRecognizer(recognizer).addPhrases(req.hints.map((h) => h.trim()).filter((h) => h !== ''));
    const connection = Connection.fromRecognizer(recognizer);
    try {
      await open(connection, key, signal);
    } catch (e) {
      connection.close();
      recognizer.close();
      throw e;
    }
    const stream = new MicrosoftRecognition(recognizer, push, connection, req, key, onEvent);
    recognizer.startContinuousRecognitionAsync(
      () => undefined,
      (err: string) => stream.fail(midStream(sttErrorFrom(scrub(err, key), 'SPEECH_CLOSED'))),
    );
    const onAbort = (): void => stream.close();
    signal.addEventListener('abort', onAbort, { once: true });
    stream.onClose = () => signal.removeEventListener('abort', onAbort);
    return stream;
  }
}
