/**
 * A local server that speaks ElevenLabs' published "Stream speech" API (API reference, Text to
 * Speech: `POST /v1/text-to-speech/{voice_id}/stream?output_format=…`, header `xi-api-key`, JSON
 * body `text`, `model_id`, `voice_settings`), for the adapter tests. A wrong key gets the 401 the
 * service gives (`detail.status: "invalid_api_key"`); a good one gets a synthetic tone as raw
 * little-endian PCM (`pcm_<rate>` formats only) in chunks, so a test can see the first chunk
 * arrive before the last is sent, or the stream break off.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tones } from '../audio.js';

export interface ElevenLabsServerOptions {
  /** The key `xi-api-key` must carry. */
  readonly apiKey: string;
  /** Audio length per request (default 600 ms), chunk length (100 ms), pause between chunks (20 ms). */
  readonly speakMs?: number;
  readonly chunkMs?: number;
  readonly gapMs?: number;
  /** Hold the last chunk until `release()`. */
  readonly holdLast?: boolean;
  /** Destroy the response after this many chunks (the service failing mid-stream). */
  readonly breakAfterChunks?: number;
}

export interface ElevenLabsRequest {
  readonly voiceId: string;
  readonly query: URLSearchParams;
  readonly apiKey: string | undefined;
  readonly body: Record<string, unknown>;
  chunksSent: number;
  chunksTotal: number;
}

export interface ElevenLabsServer {
  /** `http://127.0.0.1:<port>`: the adapter's `baseUrl`. */
  readonly url: string;
  readonly requests: ElevenLabsRequest[];
  release(): void;
  close(): Promise<void>;
}

const PATH = /^\/v1\/text-to-speech\/([^/]+)\/stream$/;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of req) parts.push(p as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the server on a free loopback port. */
export async function startElevenLabsServer(opts: ElevenLabsServerOptions): Promise<ElevenLabsServer> {
  const requests: ElevenLabsRequest[] = [];
  let release: (() => void) | undefined;
  const released = new Promise<void>((r) => (release = r));
  const server: Server = createServer((req, res) => {
    handle(req, res, opts, requests, released).catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { detail: { status: 'error', message: String(e) } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    release: () => release?.(),
    close: async () => {
      release?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ElevenLabsServerOptions, requests: ElevenLabsRequest[], released: Promise<void>): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const text = await readBody(req);
  const m = PATH.exec(url.pathname);
  if (req.method !== 'POST' || !m) return json(res, 404, { detail: 'Not Found' });
  const key = req.headers['xi-api-key'];
  if (key !== opts.apiKey) return json(res, 401, { detail: { status: 'invalid_api_key', message: 'Invalid API key' } });
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return json(res, 400, { detail: { status: 'invalid_json', message: 'Body is not JSON' } });
  }
  if (typeof body.text !== 'string' || body.text === '') return json(res, 422, { detail: [{ loc: ['body', 'text'], msg: 'field required' }] });
  const fmt = /^pcm_(\d+)$/.exec(url.searchParams.get('output_format') ?? 'mp3_44100_128');
  if (!fmt) return json(res, 400, { detail: { status: 'unsupported_format', message: 'the test server streams pcm_<rate> only' } });
  const rate = Number(fmt[1]);
  const ms = opts.speakMs ?? 600;
  // tones() counts at 8 kHz; build enough and cut to the requested rate's sample count.
  const audio = tones([440], (ms * rate) / 8000, 6000).subarray(0, Math.round((ms * rate) / 1000));
  const chunk = Math.max(1, Math.round(((opts.chunkMs ?? 100) * rate) / 1000));
  const record: ElevenLabsRequest = { voiceId: decodeURIComponent(m[1]), query: url.searchParams, apiKey: typeof key === 'string' ? key : undefined, body, chunksSent: 0, chunksTotal: Math.ceil(audio.length / chunk) };
  requests.push(record);
  res.writeHead(200, { 'content-type': 'audio/pcm', 'transfer-encoding': 'chunked' });
  for (let off = 0; off < audio.length; off += chunk) {
    if (opts.breakAfterChunks !== undefined && record.chunksSent >= opts.breakAfterChunks) {
      res.destroy();
      return;
    }
    if (off + chunk >= audio.length && opts.holdLast) await released;
    else if (off > 0) await delay(opts.gapMs ?? 20);
    if (res.destroyed) return;
    const piece = audio.subarray(off, off + chunk);
    res.write(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    record.chunksSent++;
  }
  res.end();
}
