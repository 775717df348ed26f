/**
 * A local server speaking the Microsoft (Azure) Speech service protocols, for the adapter tests
 * (issue 14). Tests only.
 *
 * STT: the WebSocket protocol the official `microsoft-cognitiveservices-speech-sdk` speaks (learnt
 * from the SDK's own sources). Every message carries `Path:` and `X-RequestId:` headers; text
 * messages are `headers CRLF CRLF body`, binary ones a 2-byte big-endian header length, the
 * headers, then the payload. The client sends `speech.config`, `speech.context` and `audio`
 * (the first audio payload is a RIFF/WAV header, an empty payload ends the audio); the server
 * answers `turn.start`, `speech.startDetected`, `speech.hypothesis`, `speech.phrase` (simple or
 * detailed, as the `format` query parameter asks), `speech.endDetected` and `turn.end`.
 * Utterances are found by energy (`UtteranceDetector`) and each is answered with the next scripted
 * transcript, so silence gets none.
 *
 * TTS: `POST /cognitiveservices/v1` with `Ocp-Apim-Subscription-Key` and
 * `X-Microsoft-OutputFormat: raw-8khz-16bit-mono-pcm` (or `raw-16khz-…`), streaming raw PCM in
 * chunks; the last chunk waits for `releaseTts()` when `holdLastTtsChunk` is set.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { UtteranceDetector, type UtteranceEvent } from './utterances.js';

export interface MicrosoftServerOptions {
  /** The subscription key the server accepts; any other gets 401. */
  readonly key: string;
  /** Answers to the utterances, in order; an utterance past the script gets `NoMatch`. */
  readonly transcripts?: readonly string[];
  /** NBest confidence of the detailed format. Default 0.91. */
  readonly confidence?: number;
  /** Terminates the socket once this much audio (ms) has arrived on it. */
  readonly closeAfterAudioMs?: number;
  /** PCM the TTS endpoint answers with (at the requested rate). Default: 1 s of a 440 Hz tone. */
  readonly ttsAudio?: (sampleRate: number) => Int16Array;
  /** Chunks the TTS answer is cut into. Default 4. */
  readonly ttsChunks?: number;
  /** Hold the last TTS chunk until `releaseTts()`. */
  readonly holdLastTtsChunk?: boolean;
}

/** What one STT connection sent. */
export interface SttSession {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  /** Bodies of the text messages by path (`speech.config`, `speech.context` …), last one wins. */
  readonly messages: Map<string, string>;
  sampleRate: number;
  audioBytes: number;
  /** The client ended its audio (empty `audio` message); `turn.end` was sent. */
  ended: boolean;
  /** The socket has closed. */
  closed: boolean;
}

export interface TtsRequestSeen {
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const TEXT_SEP = '\r\n\r\n';

/** Parses `Name: value` lines (names lower-cased). */
function parseHeaders(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

function textMessage(path: string, requestId: string, body: unknown): string {
  const head = `Path: ${path}\r\nX-RequestId: ${requestId}\r\nX-Timestamp: ${new Date().toISOString()}\r\nContent-Type: application/json; charset=utf-8`;
  return `${head}${TEXT_SEP}${JSON.stringify(body)}`;
}

/** 100-ns ticks, the unit of the protocol's offsets and durations. */
const ticks = (ms: number): number => Math.round(ms * 10_000);

export class MicrosoftSpeechServer {
  readonly sessions: SttSession[] = [];
  readonly ttsRequests: TtsRequestSeen[] = [];
  /** Utterances answered so far (all connections). */
  answered = 0;
  /** True once the last TTS chunk has been written. */
  ttsLastSent = false;
  readonly #http: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sockets = new Set<WebSocket>();
  #release: () => void = () => undefined;
  readonly #released: Promise<void>;

  private constructor(readonly opts: MicrosoftServerOptions) {
    this.#released = new Promise((resolve) => (this.#release = resolve));
    this.#http = createServer((req, res) => this.#onHttp(req, res));
    this.#http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head));
  }

  static async start(opts: MicrosoftServerOptions): Promise<MicrosoftSpeechServer> {
    const s = new MicrosoftSpeechServer(opts);
    await new Promise<void>((resolve) => s.#http.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get port(): number {
    return (this.#http.address() as AddressInfo).port;
  }

  /** A speech-to-text endpoint URL for `SpeechConfig.fromEndpoint` (conversation mode). */
  get sttUrl(): string {
    return `ws://127.0.0.1:${this.port}/speech/recognition/conversation/cognitiveservices/v1`;
  }

  /** The TTS REST endpoint. */
  get ttsUrl(): string {
    return `http://127.0.0.1:${this.port}/cognitiveservices/v1`;
  }

  releaseTts(): void {
    this.#release();
  }

  /** Terminates every open STT socket at once (no close frame), as a dropped connection. */
  dropConnections(): void {
    for (const ws of this.#sockets) ws.terminate();
  }

  async close(): Promise<void> {
    this.#release();
    this.dropConnections();
    this.#wss.close();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  #keyOk(req: IncomingMessage, url: URL): boolean {
    const header = req.headers['ocp-apim-subscription-key'];
    const key = typeof header === 'string' ? header : url.searchParams.get('Ocp-Apim-Subscription-Key');
    return key === this.opts.key;
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!this.#keyOk(req, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onSocket(ws, req, url));
  }

  #onSocket(ws: WebSocket, req: IncomingMessage, url: URL): void {
    this.#sockets.add(ws);
    const session: SttSession = { url: url.toString(), headers: req.headers, messages: new Map(), sampleRate: 16000, audioBytes: 0, ended: false, closed: false };
    ws.on('close', () => {
      this.#sockets.delete(ws);
      session.closed = true;
    });
    this.sessions.push(session);
    new SttConnection(this, ws, session, url.searchParams.get('format') === 'detailed');
  }

  /** The next scripted transcript, or undefined when the script is used up. */
  nextTranscript(): string | undefined {
    return this.opts.transcripts?.[this.answered++];
  }

  async #onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || url.pathname !== '/cognitiveservices/v1') {
      res.writeHead(404).end();
      return;
    }
    if (!this.#keyOk(req, url)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"401","message":"Access denied due to invalid subscription key."}}');
      return;
    }
    this.ttsRequests.push({ url: url.toString(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    const format = String(req.headers['x-microsoft-outputformat'] ?? '');
    const m = /^raw-(8|16|24)khz-16bit-mono-pcm$/.exec(format);
    if (!m) {
      res.writeHead(400).end('unsupported output format');
      return;
    }
    await this.#streamPcm(res, Number(m[1]) * 1000);
  }

  async #streamPcm(res: ServerResponse, rate: number): Promise<void> {
    const pcm = this.opts.ttsAudio?.(rate) ?? tone(440, 1000, rate);
    const buf = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const n = this.opts.ttsChunks ?? 4;
    const size = Math.ceil(buf.length / n / 2) * 2;
    res.writeHead(200, { 'content-type': 'audio/basic', 'transfer-encoding': 'chunked' });
    for (let off = 0; off < buf.length; off += size) {
      const last = off + size >= buf.length;
      if (last && this.opts.holdLastTtsChunk) await this.#released;
      res.write(buf.subarray(off, off + size));
      if (last) this.ttsLastSent = true;
    }
    res.end();
  }
}

function tone(hz: number, ms: number, rate: number): Int16Array {
  const out = new Int16Array((rate * ms) / 1000);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/** One recognition WebSocket: the service side of the SDK's protocol. */
class SttConnection {
  #requestId = '';
  #inTurn = false;
  #detector: UtteranceDetector | undefined;
  #utteranceStartMs = 0;
  #pendingText: string | undefined;

  constructor(
    private readonly server: MicrosoftSpeechServer,
    private readonly ws: WebSocket,
    private readonly session: SttSession,
    private readonly detailed: boolean,
  ) {
    ws.on('message', (data: Buffer, isBinary: boolean) => (isBinary ? this.#onAudio(data) : this.#onText(data.toString('utf8'))));
  }

  #send(path: string, body: unknown): void {
    this.ws.send(textMessage(path, this.#requestId, body));
  }

  #onText(text: string): void {
    const sep = text.indexOf(TEXT_SEP);
    const headers = parseHeaders(sep < 0 ? text : text.slice(0, sep));
    const path = (headers.get('path') ?? '').toLowerCase();
    this.#requestId = headers.get('x-requestid') ?? this.#requestId;
    this.session.messages.set(path, sep < 0 ? '' : text.slice(sep + TEXT_SEP.length));
  }

  #onAudio(data: Buffer): void {
    const headLen = data.readUInt16BE(0);
    const headers = parseHeaders(data.subarray(2, 2 + headLen).toString('latin1'));
    this.#requestId = headers.get('x-requestid') ?? this.#requestId;
    let payload = data.subarray(2 + headLen);
    if (!this.#inTurn) {
      this.#inTurn = true;
      this.#send('turn.start', { context: { serviceTag: 'local' } });
    }
    if (payload.length === 0) {
      this.#endOfAudio();
      return;
    }
    if (payload.subarray(0, 4).toString('latin1') === 'RIFF') {
      this.session.sampleRate = payload.readUInt32LE(24);
      payload = payload.subarray(44);
    }
    this.#feed(payload);
  }

  #feed(payload: Buffer): void {
    if (payload.length < 2) return;
    this.#detector ??= new UtteranceDetector({ sampleRate: this.session.sampleRate }, (e) => this.#onUtterance(e));
    const samples = new Int16Array(payload.length >> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = payload.readInt16LE(i * 2);
    this.session.audioBytes += samples.length * 2;
    this.#detector.push(samples);
    const limit = this.server.opts.closeAfterAudioMs;
    if (limit !== undefined && (this.session.audioBytes / 2 / this.session.sampleRate) * 1000 >= limit) this.ws.terminate();
  }

  #onUtterance(e: UtteranceEvent): void {
    if (e.type === 'start') {
      this.#utteranceStartMs = e.atMs;
      this.#pendingText = this.server.nextTranscript();
      this.#send('speech.startDetected', { Offset: ticks(e.atMs) });
      if (this.#pendingText !== undefined) {
        const partial = this.#pendingText.split(' ')[0];
        this.#send('speech.hypothesis', { Text: partial, Offset: ticks(e.atMs), Duration: ticks(100) });
      }
      return;
    }
    this.#send('speech.phrase', this.#phrase(this.#pendingText, this.#utteranceStartMs, e.speechMs));
    this.#send('speech.endDetected', { Offset: ticks(e.atMs) });
    this.#pendingText = undefined;
  }

  #phrase(text: string | undefined, startMs: number, speechMs: number): Record<string, unknown> {
    const base = { Offset: ticks(startMs), Duration: ticks(speechMs) };
    if (text === undefined) return { RecognitionStatus: 'NoMatch', ...base };
    if (!this.detailed) return { RecognitionStatus: 'Success', DisplayText: text, ...base };
    const lexical = text.toLowerCase().replace(/[^\p{L}\p{N}' ]/gu, '');
    const best = { Confidence: this.server.opts.confidence ?? 0.91, Lexical: lexical, ITN: lexical, MaskedITN: lexical, Display: text };
    return { RecognitionStatus: 'Success', ...base, DisplayText: text, NBest: [best] };
  }

  #endOfAudio(): void {
    this.session.ended = true;
    this.#detector?.flush();
    this.#send('turn.end', {});
    this.#inTurn = false;
  }
}
