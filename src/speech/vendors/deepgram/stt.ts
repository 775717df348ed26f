/**
 * Deepgram streaming speech to text: WebSocket `/v1/listen` (Deepgram API reference, "Live
 * Audio"). Binary frames carry mono L16; text frames carry the control messages `KeepAlive`
 * (while no audio flows: Deepgram closes an idle stream after 10 s, NET-0001), `Finalize` and
 * `CloseStream`. The server answers `Results` (`channel.alternatives[]`, `is_final`,
 * `speech_final`, `from_finalize`), `SpeechStarted`, `UtteranceEnd` and `Metadata`.
 *
 * Finals follow jambonz (feature server `normalizeDeepgram` and gather's buffering): a result is
 * final at `speech_final`; `is_final` segments before it are kept and joined into that final, or
 * into one given at `UtteranceEnd`, at `Finalize`, or when the stream ends after `CloseStream`.
 * With `deepgramOptions.shortUtterance` every `is_final` result is final.
 */
import WebSocket from 'ws';
import { createSystemClock, type Clock, type TimerHandle } from '../../../kernel/clock.js';
import {
  SttError,
  type RecognizeRequest,
  type RecognizerStream,
  type SpeechVendorErrorCode,
  type SttAlternative,
  type SttEvent,
  type SttVendor,
} from '../../vendor.js';
import { pcm16ToBytes } from '../../../kernel/pcm16.js';
import { closeOnAbort, openWebSocket, describeUrl } from '../shared/connect.js';
import { listenTarget, shortUtterance } from './options.js';

export interface DeepgramSttOptions {
  readonly clock?: Clock;
  /** A `KeepAlive` goes out after this long without audio (Deepgram asks for one every 3–5 s). Default 4000. */
  readonly keepAliveMs?: number;
  /** TCP connect plus WebSocket handshake. Default 5000. */
  readonly connectTimeoutMs?: number;
}

export const sttError = (code: SpeechVendorErrorCode, message: string, opts?: { cause?: unknown; status?: number }): SttError =>
  new SttError(code, message, 'deepgram', opts);

export class DeepgramStt implements SttVendor {
  readonly vendor = 'deepgram';
  readonly #clock: Clock;
  readonly #keepAliveMs: number;
  readonly #connectTimeoutMs: number;

  constructor(opts: DeepgramSttOptions = {}) {
    this.#clock = opts.clock ?? createSystemClock();
    this.#keepAliveMs = opts.keepAliveMs ?? 4000;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
  }

  async start(req: RecognizeRequest, onEvent: (e: SttEvent) => void, signal: AbortSignal): Promise<RecognizerStream> {
    const target = listenTarget(req);
    if (!req.credential && target.apiKey === undefined) throw sttError('SPEECH_NO_CREDENTIAL', 'deepgram: no speech credential for recognition');
    if (target.apiKey === undefined && !target.onPrem) throw sttError('SPEECH_NO_CREDENTIAL', 'deepgram: the credential has no api_key');
    const ws = await openWebSocket(target.url, {
      vendor: 'deepgram',
      headers: target.apiKey === undefined ? {} : { Authorization: `Token ${target.apiKey}` },
      policy: req.urlPolicy,
      timeoutMs: this.#connectTimeoutMs,
      signal,
      fail: sttError,
    });
    const stream = new DeepgramStream(ws, describeUrl(target.url), req, onEvent, this.#clock, this.#keepAliveMs);
    closeOnAbort(ws, signal, () => stream.close());
    return stream;
  }
}

interface DgAlternative {
  readonly transcript?: unknown;
  readonly confidence?: unknown;
  readonly languages?: unknown;
}
interface DgMessage {
  readonly type?: unknown;
  readonly is_final?: unknown;
  readonly speech_final?: unknown;
  readonly from_finalize?: unknown;
  readonly channel_index?: unknown;
  readonly channel?: { readonly alternatives?: readonly DgAlternative[] };
  readonly description?: unknown;
  readonly message?: unknown;
  readonly err_msg?: unknown;
}

function alternativesOf(m: DgMessage): SttAlternative[] {
  const alts = Array.isArray(m.channel?.alternatives) ? m.channel.alternatives : [];
  return alts.map((a) => ({
    transcript: typeof a.transcript === 'string' ? a.transcript.trim() : '',
    ...(typeof a.confidence === 'number' ? { confidence: a.confidence } : {}),
  }));
}

/** A segment finalised by Deepgram (`is_final`) but not yet given out as a final transcript. */
interface Segment {
  readonly transcript: string;
  readonly confidence?: number;
}

class DeepgramStream implements RecognizerStream {
  #closed = false;
  #finalizing = false;
  #segments: Segment[] = [];
  #lastAudio: number;
  #keepAlive: TimerHandle | undefined;
  #vendorSaid = '';
  readonly #short: boolean;

  constructor(
    private readonly ws: WebSocket,
    private readonly where: string,
    private readonly req: RecognizeRequest,
    private readonly onEvent: (e: SttEvent) => void,
    private readonly clock: Clock,
    private readonly keepAliveMs: number,
  ) {
    this.#short = shortUtterance(req);
    this.#lastAudio = clock.now();
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) this.#onText(data.toString());
    });
    ws.on('close', (code: number, reason: Buffer) => this.#onClose(code, reason.toString()));
    ws.on('error', (e: Error) => {
      this.#vendorSaid ||= e.message;
    });
    this.#armKeepAlive(keepAliveMs);
  }

  write(frame: Int16Array): void {
    if (this.#closed || this.#finalizing || this.ws.readyState !== WebSocket.OPEN) return;
    this.#lastAudio = this.clock.now();
    this.ws.send(pcm16ToBytes(frame));
  }

  finalize(): void {
    if (this.#closed || this.#finalizing) return;
    this.#finalizing = true;
    this.#sendControl('Finalize');
    this.#sendControl('CloseStream');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#keepAlive?.cancel();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    else this.ws.terminate();
  }

  #sendControl(type: 'KeepAlive' | 'Finalize' | 'CloseStream'): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type }));
  }

  /** KeepAlive only while no audio flows (Deepgram "Audio Keep Alive"). */
  #armKeepAlive(ms: number): void {
    this.#keepAlive = this.clock.setTimer(ms, () => {
      if (this.#closed) return;
      const idle = this.clock.now() - this.#lastAudio;
      if (idle >= this.keepAliveMs) {
        this.#sendControl('KeepAlive');
        this.#lastAudio = this.clock.now();
      }
      this.#armKeepAlive(Math.max(1, this.keepAliveMs - (this.clock.now() - this.#lastAudio)));
    });
  }

  #emit(e: SttEvent): void {
    if (!this.#closed) this.onEvent(e);
  }

  #onText(text: string): void {
    let m: DgMessage;
    try {
      m = JSON.parse(text) as DgMessage;
    } catch {
      this.#fail('SPEECH_PROTOCOL', `deepgram sent a text frame that is not JSON (${text.slice(0, 80)})`);
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    switch (m.type) {
      case 'Results':
        this.#onResults(m);
        break;
      case 'SpeechStarted':
        this.#emit({ type: 'speech-start' });
        break;
      case 'UtteranceEnd':
        this.#flushSegments();
        this.#emit({ type: 'utterance-end' });
        break;
      case 'Error':
        this.#vendorSaid = [m.description, m.message, m.err_msg].filter((s) => typeof s === 'string').join(' ');
        break;
      default:
        // Metadata and messages of later API versions carry nothing a caller needs.
        break;
    }
  }

  /** Channel and language of a result: Deepgram reports the detected language with `language=multi`. */
  #where(m: DgMessage): { channel?: number; language: string } {
    const channel = Array.isArray(m.channel_index) && typeof m.channel_index[0] === 'number' ? m.channel_index[0] : undefined;
    const detected = m.channel?.alternatives?.[0]?.languages;
    const language = Array.isArray(detected) && typeof detected[0] === 'string' ? detected[0] : this.req.language;
    return { language, ...(channel === undefined ? {} : { channel }) };
  }

  #onResults(m: DgMessage): void {
    const alts = alternativesOf(m);
    const top = alts[0];
    const { language, channel } = this.#where(m);
    const isFinal = m.is_final === true;
    const final = m.speech_final === true || (isFinal && (this.#short || m.from_finalize === true || this.#finalizing));
    if (!isFinal) {
      if (this.req.interim && top && top.transcript !== '') {
        this.#emit({ type: 'transcript', isFinal: false, alternatives: [{ ...top, transcript: this.#joined(top.transcript) }], language, channel });
      }
      return;
    }
    if (!final) {
      if (top && top.transcript !== '') this.#segments.push(top);
      return;
    }
    const had = this.#segments.length > 0;
    const text = this.#joined(top?.transcript ?? '');
    const confidence = this.#confidence(top);
    this.#segments = [];
    if (text === '') return;
    const first: SttAlternative = { transcript: text, ...(confidence === undefined ? {} : { confidence }) };
    this.#emit({ type: 'transcript', isFinal: true, alternatives: had ? [first] : [first, ...alts.slice(1)], language, channel });
  }

  #joined(last: string): string {
    return [...this.#segments.map((s) => s.transcript), last].filter((t) => t !== '').join(' ');
  }

  #confidence(last: SttAlternative | undefined): number | undefined {
    const all = [...this.#segments, ...(last && last.transcript !== '' ? [last] : [])].map((s) => s.confidence).filter((c): c is number => c !== undefined);
    return all.length === 0 ? undefined : all.reduce((a, b) => a + b, 0) / all.length;
  }

  /** Segments still held become one final transcript. */
  #flushSegments(): void {
    if (this.#segments.length === 0) return;
    const confidence = this.#confidence(undefined);
    const transcript = this.#joined('');
    this.#segments = [];
    this.#emit({ type: 'transcript', isFinal: true, alternatives: [{ transcript, ...(confidence === undefined ? {} : { confidence }) }], language: this.req.language });
  }

  #onClose(code: number, reason: string): void {
    this.#keepAlive?.cancel();
    if (this.#closed) return;
    if (this.#finalizing) {
      this.#flushSegments();
      this.#closed = true;
      return;
    }
    const said = [reason, this.#vendorSaid].filter((s) => s !== '').join(': ');
    this.#fail('SPEECH_CLOSED', `deepgram at ${this.where} closed the stream (code ${code}${said === '' ? '' : `, ${said}`})`);
  }

  #fail(code: SpeechVendorErrorCode, message: string): void {
    if (this.#closed) return;
    this.onEvent({ type: 'error', error: sttError(code, message) });
    this.close();
  }
}
