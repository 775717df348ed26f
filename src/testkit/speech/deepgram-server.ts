/**
 * A local server that speaks Deepgram's published protocol (API reference "Live Audio" and "Text
 * to Speech"), for the adapter tests: `GET /v1/listen` upgraded to a WebSocket after a
 * `Token` check (401 otherwise), binary L16 in, `Results` / `SpeechStarted` / `UtteranceEnd` /
 * `Metadata` out, `KeepAlive` / `Finalize` / `CloseStream` honoured; `POST /v1/speak` streams a
 * synthetic tone as raw L16 in chunks. Each utterance found in the audio (by energy, see
 * utterances.ts) is answered with the next scripted transcript: an interim result with its
 * first word, then a final one.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { tones } from '../audio.js';
import { UtteranceDetector } from './utterances.js';

export interface DeepgramServerOptions {
  /** The key `Authorization: Token <key>` must carry. */
  readonly apiKey: string;
  /** Answers to the utterances, in order (each stream starts from the first). */
  readonly transcripts?: readonly string[];
  /** Send finals with `speech_final: false` and let `UtteranceEnd` end the utterance. */
  readonly speechFinal?: boolean;
  /** Close each listen stream this long after it opened (code 1011, as a server failure). */
  readonly closeAfterMs?: number;
  /** TTS: audio length per request, chunk length, and the pause between chunks. */
  readonly speakMs?: number;
  readonly speakChunkMs?: number;
  readonly speakGapMs?: number;
  /** TTS: hold the last chunk until `releaseSpeak()`. */
  readonly holdLastSpeakChunk?: boolean;
}

/** What one `/v1/listen` connection received. */
export interface ListenRecord {
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  /** Types of the JSON control messages, in order. */
  readonly controls: string[];
  readonly audio: Int16Array[];
  closed: boolean;
}

export interface SpeakRecord {
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly body: unknown;
  chunksSent: number;
  chunksTotal: number;
}

export interface DeepgramServer {
  readonly port: number;
  /** `127.0.0.1:<port>`, as a credential's `deepgram_stt_uri` holds it. */
  readonly hostPort: string;
  readonly listens: ListenRecord[];
  readonly speaks: SpeakRecord[];
  /** Resolves when a listen stream has received a control message of `type`. */
  waitControl(type: string): Promise<ListenRecord>;
  releaseSpeak(): void;
  close(): Promise<void>;
}

function sampleRateOf(q: URLSearchParams): number {
  const r = Number(q.get('sample_rate') ?? '8000');
  return Number.isFinite(r) && r > 0 ? r : 8000;
}

function toInt16(data: RawData): Int16Array {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  const out = new Int16Array(Math.floor(buf.length / 2));
  Buffer.from(out.buffer).set(buf.subarray(0, out.length * 2));
  return out;
}

function results(transcript: string, flags: { isFinal: boolean; speechFinal: boolean; fromFinalize?: boolean }): string {
  return JSON.stringify({
    type: 'Results',
    channel_index: [0, 1],
    duration: 1,
    start: 0,
    is_final: flags.isFinal,
    speech_final: flags.speechFinal,
    ...(flags.fromFinalize ? { from_finalize: true } : {}),
    channel: { alternatives: [{ transcript, confidence: 0.93, words: [] }] },
  });
}

class ListenSession {
  readonly #detector: UtteranceDetector;
  #next = 0;
  #finalizing = false;

  constructor(
    private readonly ws: WebSocket,
    readonly record: ListenRecord,
    private readonly opts: DeepgramServerOptions,
    private readonly onControl: (r: ListenRecord, type: string) => void,
  ) {
    this.#detector = new UtteranceDetector({ sampleRate: sampleRateOf(record.query) }, (e) => (e.type === 'start' ? this.#started() : this.#ended()));
    ws.on('message', (data, isBinary) => (isBinary ? this.#audio(data) : this.#control(data.toString())));
    ws.on('close', () => {
      record.closed = true;
    });
    if (opts.closeAfterMs !== undefined) setTimeout(() => ws.close(1011, 'NET-0001 the test server closes the stream'), opts.closeAfterMs).unref();
  }

  #send(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  #transcript(): string {
    const all = this.opts.transcripts ?? [];
    return all[this.#next] ?? '';
  }

  #started(): void {
    if (this.record.query.get('vad_events') === 'true') this.#send(JSON.stringify({ type: 'SpeechStarted', channel: [0], timestamp: 0 }));
    const first = this.#transcript().split(' ')[0] ?? '';
    if (this.record.query.get('interim_results') === 'true') this.#send(results(first, { isFinal: false, speechFinal: false }));
  }

  #ended(): void {
    const text = this.#transcript();
    this.#next++;
    const speechFinal = (this.opts.speechFinal ?? true) && !this.#finalizing;
    this.#send(results(text, { isFinal: true, speechFinal, fromFinalize: this.#finalizing }));
    if (this.record.query.has('utterance_end_ms') && !this.#finalizing) this.#send(JSON.stringify({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: 1 }));
  }

  #audio(data: RawData): void {
    const pcm = toInt16(data);
    this.record.audio.push(pcm);
    if (!this.#finalizing) this.#detector.push(pcm);
  }

  #control(text: string): void {
    let type = '';
    try {
      type = String((JSON.parse(text) as { type?: unknown }).type ?? '');
    } catch {
      this.ws.close(1007, 'not JSON');
      return;
    }
    this.record.controls.push(type);
    this.onControl(this.record, type);
    if (type === 'Finalize' || type === 'CloseStream') {
      this.#finalizing = true;
      this.#detector.flush();
    }
    if (type === 'CloseStream') {
      this.#send(JSON.stringify({ type: 'Metadata', request_id: 'test', duration: 0, channels: 1 }));
      this.ws.close(1000);
    }
  }
}

function tokenOf(req: IncomingMessage): string | undefined {
  return req.headers.authorization;
}

/** Starts the server on a free loopback port. */
export async function startDeepgramServer(opts: DeepgramServerOptions): Promise<DeepgramServer> {
  const listens: ListenRecord[] = [];
  const speaks: SpeakRecord[] = [];
  const waiters: { type: string; resolve: (r: ListenRecord) => void }[] = [];
  let release: (() => void) | undefined;
  const released = new Promise<void>((r) => (release = r));
  const wss = new WebSocketServer({ noServer: true });
  const onControl = (r: ListenRecord, type: string): void => {
    for (const w of waiters.filter((x) => x.type === type)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(r);
    }
  };
  const server: Server = createServer((req, res) => {
    void handleHttp(req, res, opts, speaks, released);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/v1/listen') return refuseUpgrade(socket, 404, 'Not Found', '{"err_code":"NOT_FOUND"}');
    if (tokenOf(req) !== `Token ${opts.apiKey}`) return refuseUpgrade(socket, 401, 'Unauthorized', '{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials."}');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const record: ListenRecord = { query: url.searchParams, authorization: tokenOf(req), controls: [], audio: [], closed: false };
      listens.push(record);
      new ListenSession(ws, record, opts, onControl);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hostPort: `127.0.0.1:${port}`,
    listens,
    speaks,
    waitControl: (type) => {
      const seen = listens.find((l) => l.controls.includes(type));
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ type, resolve }));
    },
    releaseSpeak: () => release?.(),
    close: async () => {
      release?.();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function refuseUpgrade(socket: Duplex, status: number, text: string, body: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function handleHttp(req: IncomingMessage, res: ServerResponse, opts: DeepgramServerOptions, speaks: SpeakRecord[], released: Promise<void>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const body = await readBody(req);
  if (req.method !== 'POST' || url.pathname !== '/v1/speak') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"err_code":"NOT_FOUND"}');
    return;
  }
  if (tokenOf(req) !== `Token ${opts.apiKey}`) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials."}');
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"err_code":"INVALID_JSON"}');
    return;
  }
  const rate = sampleRateOf(url.searchParams);
  const audio = tones([440], opts.speakMs ?? 600, 6000).subarray(0, Math.round(((opts.speakMs ?? 600) * rate) / 1000));
  const chunk = Math.max(1, Math.round(((opts.speakChunkMs ?? 100) * rate) / 1000));
  const record: SpeakRecord = { query: url.searchParams, authorization: tokenOf(req), body: parsed, chunksSent: 0, chunksTotal: Math.ceil(audio.length / chunk) };
  speaks.push(record);
  res.writeHead(200, { 'content-type': `audio/l16;rate=${rate}`, 'transfer-encoding': 'chunked' });
  for (let off = 0; off < audio.length; off += chunk) {
    const last = off + chunk >= audio.length;
    if (last && opts.holdLastSpeakChunk) await released;
    else if (off > 0) await delay(opts.speakGapMs ?? 20);
    if (res.destroyed) return;
    const piece = audio.subarray(off, off + chunk);
    res.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    record.chunksSent++;
  }
  res.end();
}
