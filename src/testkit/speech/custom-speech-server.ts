/**
 * A local server that speaks jambonz's custom speech API (docs `custom-stt-providers`,
 * `custom-tts-providers`; example github.com/jambonz/custom-speech-example), for the `custom:`
 * adapter tests. STT: a WebSocket on `/transcribe` after a `Bearer` check (403 otherwise, as the
 * example server answers); the first text frame must be `start`; binary L16 follows; each
 * utterance found (utterances.ts) is answered with the next scripted transcript, an interim with
 * its first word when `interimResults`, then a final; `stop` flushes and closes the socket.
 * TTS: `POST /synthesize` answers a tone as `audio/l16;rate=N`, `audio/wav` or `audio/mpeg`,
 * streamed in chunks.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { tones } from '../audio.js';
import { UtteranceDetector } from './utterances.js';

export interface CustomSpeechServerOptions {
  readonly token: string;
  readonly transcripts?: readonly string[];
  /** Send `{"type":"error"}` this long after `start`. */
  readonly errorAfterMs?: number;
  /** Close the socket this long after `start` (code 1011). */
  readonly closeAfterMs?: number;
  /** TTS answer format. Default `l16` at 8000 Hz. */
  readonly speakFormat?: 'l16' | 'wav' | 'mp3';
  readonly speakRate?: number;
  readonly speakMs?: number;
  readonly speakChunkBytes?: number;
  readonly holdLastSpeakChunk?: boolean;
}

export interface CustomListenRecord {
  readonly authorization: string | undefined;
  start: Record<string, unknown> | undefined;
  readonly controls: string[];
  readonly audio: Int16Array[];
  closed: boolean;
}

export interface CustomSpeakRecord {
  readonly authorization: string | undefined;
  readonly body: unknown;
  chunksSent: number;
  chunksTotal: number;
}

export interface CustomSpeechServer {
  readonly sttUrl: string;
  readonly ttsUrl: string;
  readonly listens: CustomListenRecord[];
  readonly speaks: CustomSpeakRecord[];
  releaseSpeak(): void;
  close(): Promise<void>;
}

function toInt16(data: RawData): Int16Array {
  const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  const out = new Int16Array(Math.floor(buf.length / 2));
  Buffer.from(out.buffer).set(buf.subarray(0, out.length * 2));
  return out;
}

class Session {
  #detector: UtteranceDetector | undefined;
  #next = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly record: CustomListenRecord,
    private readonly opts: CustomSpeechServerOptions,
  ) {
    ws.on('message', (data, isBinary) => (isBinary ? this.#audio(data) : this.#control(data.toString())));
    ws.on('close', () => {
      record.closed = true;
    });
  }

  #send(obj: unknown): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(obj));
  }

  #transcription(transcript: string, isFinal: boolean): void {
    this.#send({ type: 'transcription', is_final: isFinal, alternatives: [{ transcript, confidence: 0.88 }], channel: 1, language: this.record.start?.language });
  }

  #audio(data: RawData): void {
    if (!this.#detector) {
      this.ws.close(1008, 'audio before start');
      return;
    }
    const pcm = toInt16(data);
    this.record.audio.push(pcm);
    this.#detector.push(pcm);
  }

  #control(text: string): void {
    const msg = JSON.parse(text) as Record<string, unknown>;
    this.record.controls.push(String(msg.type));
    if (msg.type === 'start') this.#start(msg);
    else if (msg.type === 'stop') {
      this.#detector?.flush();
      this.ws.close(1000);
    }
  }

  #start(msg: Record<string, unknown>): void {
    this.record.start = msg;
    const rate = typeof msg.sampleRateHz === 'number' ? msg.sampleRateHz : 8000;
    this.#detector = new UtteranceDetector({ sampleRate: rate }, (e) => {
      const text = this.opts.transcripts?.[this.#next] ?? '';
      if (e.type === 'start') {
        if (msg.interimResults === true) this.#transcription(text.split(' ')[0] ?? '', false);
        return;
      }
      this.#next++;
      this.#transcription(text, true);
    });
    if (this.opts.errorAfterMs !== undefined) setTimeout(() => this.#send({ type: 'error', error: 'upstream recognizer unavailable' }), this.opts.errorAfterMs).unref();
    if (this.opts.closeAfterMs !== undefined) setTimeout(() => this.ws.close(1011, 'test server failure'), this.opts.closeAfterMs).unref();
  }
}

function wavHeader(rate: number, dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** The tone as bytes in the requested format, and its content type. */
function speakBytes(opts: CustomSpeechServerOptions): { type: string; bytes: Buffer } {
  const rate = opts.speakRate ?? 8000;
  const ms = opts.speakMs ?? 500;
  const base = tones([440], ms, 6000);
  // tones() is at 8 kHz: repeat samples for higher rates (a tone is all a test needs).
  const factor = Math.max(1, Math.round(rate / 8000));
  const pcm = new Int16Array(base.length * factor);
  for (let i = 0; i < pcm.length; i++) pcm[i] = base[Math.floor(i / factor)];
  const raw = Buffer.from(pcm.buffer);
  if (opts.speakFormat === 'wav') return { type: 'audio/wav', bytes: Buffer.concat([wavHeader(rate, raw.length), raw]) };
  if (opts.speakFormat === 'mp3') return { type: 'audio/mpeg', bytes: Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0]) };
  return { type: `audio/l16;rate=${rate}`, bytes: raw };
}

export async function startCustomSpeechServer(opts: CustomSpeechServerOptions): Promise<CustomSpeechServer> {
  const listens: CustomListenRecord[] = [];
  const speaks: CustomSpeakRecord[] = [];
  let release: (() => void) | undefined;
  const released = new Promise<void>((r) => (release = r));
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer((req, res) => {
    void synthesize(req, res, opts, speaks, released);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!(req.url ?? '').startsWith('/transcribe')) return void socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    if (req.headers.authorization !== `Bearer ${opts.token}`) {
      const body = '{"message":"Forbidden"}';
      return void socket.end(`HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const record: CustomListenRecord = { authorization: req.headers.authorization, start: undefined, controls: [], audio: [], closed: false };
      listens.push(record);
      new Session(ws, record, opts);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    sttUrl: `ws://127.0.0.1:${port}/transcribe`,
    ttsUrl: `http://127.0.0.1:${port}/synthesize`,
    listens,
    speaks,
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

async function synthesize(req: IncomingMessage, res: ServerResponse, opts: CustomSpeechServerOptions, speaks: CustomSpeakRecord[], released: Promise<void>): Promise<void> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  if (req.method !== 'POST' || !(req.url ?? '').startsWith('/synthesize')) {
    res.writeHead(404).end();
    return;
  }
  if (req.headers.authorization !== `Bearer ${opts.token}`) {
    res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Forbidden"}');
    return;
  }
  const { type, bytes } = speakBytes(opts);
  const step = opts.speakChunkBytes ?? 801;
  const record: CustomSpeakRecord = { authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(parts).toString('utf8')) as unknown, chunksSent: 0, chunksTotal: Math.ceil(bytes.length / step) };
  speaks.push(record);
  res.writeHead(200, { 'content-type': type });
  for (let off = 0; off < bytes.length; off += step) {
    if (off + step >= bytes.length && opts.holdLastSpeakChunk) await released;
    else if (off > 0) await new Promise((r) => setTimeout(r, 10));
    if (res.destroyed) return;
    res.write(bytes.subarray(off, off + step));
    record.chunksSent++;
  }
  res.end();
}
