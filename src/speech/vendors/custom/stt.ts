/**
 * `custom:<name>` speech to text: jambonz's custom speech API ("Speech-to-text API", jambonz
 * docs `guides/features/custom-stt-providers`, and the example server in
 * github.com/jambonz/custom-speech-example `lib/stt/`). The gateway opens a WebSocket to the
 * credential's `custom_stt_url` with `Authorization: Bearer <auth_token>`, sends a JSON `start`
 * message (`language`, `format: "raw"`, `encoding: "LINEAR16"`, `sampleRateHz`,
 * `interimResults`, `options`), then binary L16 frames, then a JSON `stop`. The server answers
 * `{"type":"transcription","is_final",…,"alternatives":[{transcript,confidence}],"channel",
 * "language"}` and `{"type":"error","error":…}`, and closes the socket after `stop`.
 * `options` is what jambonz puts there (feature server `transcription-utils.js`):
 * `recognizer.customOptions.options` plus `hints` and `hintsBoost`.
 */
import WebSocket from 'ws';
import { pcm16ToBytes } from '../../../kernel/pcm16.js';
import {
  SttError,
  type SpeechVendorError,
  type RecognizeRequest,
  type RecognizerStream,
  type SpeechVendorErrorCode,
  type SttAlternative,
  type SttEvent,
  type SttVendor,
} from '../../vendor.js';
import { closeOnAbort, describeUrl, openWebSocket } from '../shared/connect.js';

export interface CustomSttOptions {
  /** TCP connect plus WebSocket handshake. Default 5000. */
  readonly connectTimeoutMs?: number;
}

type Options = Readonly<Record<string, unknown>>;

function obj(v: unknown): Options {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Options) : {};
}
function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** The error factory of one `custom:<name>` vendor. */
export function customFail<E extends SpeechVendorError>(vendor: string, make: new (code: SpeechVendorErrorCode, message: string, vendor: string, opts?: ErrorOpts) => E): (code: SpeechVendorErrorCode, message: string, opts?: ErrorOpts) => E {
  return (code, message, opts) => new make(code, message, vendor, opts);
}

type ErrorOpts = { cause?: unknown; status?: number };

/** The `start` message of the custom speech API. */
export function startMessage(req: RecognizeRequest): Record<string, unknown> {
  const custom = obj(req.recognizer.customOptions);
  const options: Record<string, unknown> = { ...obj(custom.options) };
  if (req.hints.length > 0) options.hints = [...req.hints];
  if (req.hintsBoost !== undefined) options.hintsBoost = req.hintsBoost;
  return {
    type: 'start',
    language: req.language,
    format: 'raw',
    encoding: 'LINEAR16',
    sampleRateHz: req.sampleRate,
    interimResults: req.interim,
    ...(Object.keys(options).length > 0 ? { options } : {}),
  };
}

export class CustomStt implements SttVendor {
  readonly vendor = 'custom';
  readonly #connectTimeoutMs: number;

  constructor(opts: CustomSttOptions = {}) {
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  }

  async start(req: RecognizeRequest, onEvent: (e: SttEvent) => void, signal: AbortSignal): Promise<RecognizerStream> {
    const vendor = req.credential?.vendor ?? 'custom';
    const fail = customFail(vendor, SttError);
    const custom = obj(req.recognizer.customOptions);
    const url = text(custom.uri) ?? text(req.credential?.fields.custom_stt_url);
    if (!req.credential && url === undefined) throw fail('SPEECH_NO_CREDENTIAL', `${vendor}: no speech credential for recognition`);
    if (url === undefined) throw fail('SPEECH_NO_CREDENTIAL', `${vendor}: the credential has no custom_stt_url`);
    const token = text(custom.authToken) ?? text(req.credential?.fields.auth_token);
    const ws = await openWebSocket(url, {
      vendor,
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
      policy: req.urlPolicy,
      timeoutMs: this.#connectTimeoutMs,
      signal,
      fail,
    });
    const stream = new CustomStream(ws, `${vendor} at ${describeUrl(url)}`, req, onEvent, fail);
    ws.send(JSON.stringify(startMessage(req)));
    closeOnAbort(ws, signal, () => stream.close());
    return stream;
  }
}

interface CustomMessage {
  readonly type?: unknown;
  readonly is_final?: unknown;
  readonly alternatives?: unknown;
  readonly channel?: unknown;
  readonly language?: unknown;
  readonly error?: unknown;
}

function alternativesOf(m: CustomMessage): SttAlternative[] {
  if (!Array.isArray(m.alternatives)) return [];
  return m.alternatives
    .map((a: unknown) => obj(a))
    .filter((a) => typeof a.transcript === 'string')
    .map((a) => ({ transcript: String(a.transcript), ...(typeof a.confidence === 'number' ? { confidence: a.confidence } : {}) }));
}

class CustomStream implements RecognizerStream {
  #closed = false;
  #stopped = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly where: string,
    private readonly req: RecognizeRequest,
    private readonly onEvent: (e: SttEvent) => void,
    private readonly fail: (code: SpeechVendorErrorCode, message: string) => SttError,
  ) {
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) this.#onText(data.toString());
    });
    ws.on('close', (code: number, reason: Buffer) => this.#onClose(code, reason.toString()));
    ws.on('error', () => {
      // A socket error is followed by `close`, which reports it.
    });
  }

  write(frame: Int16Array): void {
    if (this.#closed || this.#stopped || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(pcm16ToBytes(frame));
  }

  finalize(): void {
    if (this.#closed || this.#stopped) return;
    this.#stopped = true;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'stop' }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    else this.ws.terminate();
  }

  #onText(raw: string): void {
    let m: CustomMessage;
    try {
      m = JSON.parse(raw) as CustomMessage;
    } catch {
      this.#error('SPEECH_PROTOCOL', `${this.where} sent a text frame that is not JSON (${raw.slice(0, 80)})`);
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    if (m.type === 'transcription') {
      const alternatives = alternativesOf(m);
      if (alternatives.length === 0 || this.#closed) return;
      this.onEvent({
        type: 'transcript',
        isFinal: m.is_final === true,
        alternatives,
        language: typeof m.language === 'string' ? m.language : this.req.language,
        ...(typeof m.channel === 'number' ? { channel: m.channel } : {}),
      });
    } else if (m.type === 'error') {
      this.#error('SPEECH_PROTOCOL', `${this.where} reported an error: ${typeof m.error === 'string' ? m.error : JSON.stringify(m.error)}`);
    }
  }

  #onClose(code: number, reason: string): void {
    if (this.#closed) return;
    if (this.#stopped) {
      this.#closed = true;
      return;
    }
    this.#error('SPEECH_CLOSED', `${this.where} closed the stream (code ${code}${reason === '' ? '' : `, ${reason}`})`);
  }

  #error(code: SpeechVendorErrorCode, message: string): void {
    if (this.#closed) return;
    this.onEvent({ type: 'error', error: this.fail(code, message) });
    this.close();
  }
}
