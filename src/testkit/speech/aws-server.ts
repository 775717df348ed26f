/**
 * A local server speaking the AWS protocols the `aws` adapters use, for their tests (issue 14).
 * Tests only. Wire formats learnt from the AWS SDK for JavaScript v3 sources and the service API
 * references.
 *
 * Authentication: every request must carry a SigV4 `Authorization` header
 * (`AWS4-HMAC-SHA256 Credential=<key id>/<date>/<region>/<service>/aws4_request, SignedHeaders=…,
 * Signature=…`). No header → 403 `MissingAuthenticationTokenException`; a key id other than the
 * expected one → 403 `UnrecognizedClientException` ("The security token included in the request
 * is invalid."), as the services answer. Errors are restJson1: `x-amzn-ErrorType` header and a
 * JSON body with the message. The signature itself is not recomputed.
 *
 * Both services are served on one HTTP/2 cleartext endpoint (the SDK clients of both speak
 * HTTP/2).
 *
 * Polly: `POST /v1/speech` with a JSON `SynthesizeSpeech` body; `OutputFormat: pcm`
 * is answered with a synthetic tone as raw L16 at `SampleRate`, streamed in chunks.
 *
 * Transcribe streaming: `POST /stream-transcription` with the session
 * parameters in `x-amzn-transcribe-*` headers and an `application/vnd.amazon.eventstream` body.
 * Each client message is a signed envelope (`:date`, `:chunk-signature` headers) whose payload is
 * the encoded `AudioEvent` (`:message-type: event`, `:event-type: AudioEvent`, raw PCM body); an
 * envelope with an empty payload ends the audio. The server answers 200 at once, then
 * `TranscriptEvent` messages (JSON `{Transcript: {Results: [...]}}`): for each utterance found by
 * energy (`UtteranceDetector`) a partial result with the first word, then the final one with
 * per-word `Items` carrying `Confidence`. It ends its stream after the client's end of audio.
 */
import { constants as h2, createServer as createH2Server, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { EventStreamCodec, type Message } from '@smithy/eventstream-codec';
import { tones } from '../audio.js';
import { UtteranceDetector } from './utterances.js';

export interface AwsServerOptions {
  /** The access key id the SigV4 header must name. */
  readonly accessKeyId: string;
  /** Answers to the utterances, in order (each stream starts from the first). */
  readonly transcripts?: readonly string[];
  /** Per-word confidence of the final results. Default 0.9. */
  readonly confidence?: number;
  /** Once this much audio (ms) has arrived on a stream, break it: an exception event or an HTTP/2 reset. */
  readonly breakAfterAudioMs?: number;
  readonly breakWith?: 'exception' | 'reset';
  /** Polly: audio length per request (default 600 ms), chunk length (100 ms), pause between chunks (20 ms). */
  readonly speakMs?: number;
  readonly chunkMs?: number;
  readonly gapMs?: number;
  /** Polly: hold the last chunk until `release()`. */
  readonly holdLast?: boolean;
  /** Polly: destroy the response after this many chunks (the service failing mid-stream). */
  readonly breakAfterChunks?: number;
}

export interface PollyRequest {
  readonly authorization: string;
  readonly body: Record<string, unknown>;
  chunksSent: number;
  chunksTotal: number;
}

export interface TranscribeSession {
  /** The request headers (`x-amzn-transcribe-*` …). */
  readonly headers: IncomingHttpHeaders;
  readonly sampleRate: number;
  audioBytes: number;
  /** Audio events received (each an encoded `AudioEvent` inside a signed envelope). */
  audioEvents: number;
  /** Every envelope carried `:date` and a 32-byte `:chunk-signature`. */
  signed: boolean;
  /** The client sent its end-of-audio envelope. */
  ended: boolean;
  /** The HTTP/2 stream has closed. */
  closed: boolean;
}

export interface AwsServer {
  /** `http://127.0.0.1:<port>`: the adapters' `endpoint` (HTTP/2 cleartext, both services). */
  readonly url: string;
  readonly speaks: PollyRequest[];
  readonly sessions: TranscribeSession[];
  release(): void;
  close(): Promise<void>;
}

const utf8 = {
  to: (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'),
  from: (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8')),
};

type AuthFailure = { status: number; type: string; message: string };

/** Checks the SigV4 `Authorization` header names the expected key id and service. */
export function checkSigV4(authorization: string | undefined, accessKeyId: string, service: string): AuthFailure | undefined {
  if (authorization === undefined) return { status: 403, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const m = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=[a-z0-9;:-]+, ?Signature=[0-9a-f]{64}$/.exec(authorization);
  if (!m) return { status: 403, type: 'IncompleteSignatureException', message: 'Authorization header requires a valid SigV4 Credential, SignedHeaders and Signature.' };
  if (m[1] !== accessKeyId) return { status: 403, type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  if (m[4] !== service) return { status: 403, type: 'InvalidSignatureException', message: `Credential should be scoped to correct service: '${service}'.` };
  return undefined;
}

function errorHeaders(type: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.coral.service/`, 'x-amzn-requestid': 'test-request' };
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts the server on a free loopback port. */
export async function startAwsServer(opts: AwsServerOptions): Promise<AwsServer> {
  const speaks: PollyRequest[] = [];
  const sessions: TranscribeSession[] = [];
  let release: (() => void) | undefined;
  const released = new Promise<void>((r) => (release = r));
  const server: Http2Server = createH2Server();
  const streams = new Set<ServerHttp2Stream>();
  const h2sessions = new Set<ServerHttp2Session>();
  server.on('session', (session) => {
    h2sessions.add(session);
    session.on('close', () => h2sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    streams.add(stream);
    stream.on('close', () => streams.delete(stream));
    stream.on('error', () => undefined);
    if (header(headers, ':path') === '/v1/speech') {
      handlePolly(stream, headers, opts, speaks, released).catch((e: unknown) => {
        if (!stream.headersSent) refuse(stream, 500, 'ServiceFailureException', String(e));
        else stream.close(h2.NGHTTP2_INTERNAL_ERROR);
      });
    } else handleTranscribe(stream, headers, opts, sessions);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    speaks,
    sessions,
    release: () => release?.(),
    close: async () => {
      release?.();
      for (const s of streams) s.close(h2.NGHTTP2_CANCEL);
      for (const s of h2sessions) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function refuse(stream: ServerHttp2Stream, status: number, type: string, message: string): void {
  if (stream.closed) return;
  stream.respond({ ':status': status, ...errorHeaders(type) });
  stream.end(JSON.stringify({ Message: message, message }));
}

/**
 * Breaks a stream as a failing service does: RST_STREAM INTERNAL_ERROR (RFC 9113 §6.4) without
 * ending it first (`close(code)` would send END_STREAM before the reset, a clean end).
 */
function breakStream(stream: ServerHttp2Stream): void {
  stream.destroy(new Error('the test server breaks the stream'));
}

// ---------------------------------------------------------------------------------------------
// Polly

async function readBody(stream: ServerHttp2Stream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of stream) parts.push(p as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function writeAsync(stream: ServerHttp2Stream, bytes: Buffer): Promise<void> {
  return new Promise((resolve) => stream.write(bytes, () => resolve()));
}

async function handlePolly(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, opts: AwsServerOptions, speaks: PollyRequest[], released: Promise<void>): Promise<void> {
  const text = await readBody(stream);
  if (header(headers, ':method') !== 'POST') return refuse(stream, 404, 'UnknownOperationException', 'Unknown operation');
  const authorization = header(headers, 'authorization');
  const denied = checkSigV4(authorization, opts.accessKeyId, 'polly');
  if (denied) return refuse(stream, denied.status, denied.type, denied.message);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return refuse(stream, 400, 'SerializationException', 'Body is not JSON');
  }
  if (typeof body.Text !== 'string' || typeof body.VoiceId !== 'string') return refuse(stream, 400, 'ValidationException', 'Text and VoiceId are required');
  if (body.OutputFormat !== 'pcm') return refuse(stream, 400, 'ValidationException', 'the test server produces OutputFormat pcm only');
  const rate = Number(body.SampleRate ?? '16000');
  if (rate !== 8000 && rate !== 16000) return refuse(stream, 400, 'InvalidSampleRateException', `Sample rate ${String(body.SampleRate)} is not valid for pcm`);
  const ms = opts.speakMs ?? 600;
  const audio = tones([440], (ms * rate) / 8000, 6000).subarray(0, Math.round((ms * rate) / 1000));
  const chunk = Math.max(1, Math.round(((opts.chunkMs ?? 100) * rate) / 1000));
  const record: PollyRequest = { authorization: authorization ?? '', body, chunksSent: 0, chunksTotal: Math.ceil(audio.length / chunk) };
  speaks.push(record);
  stream.respond({ ':status': 200, 'content-type': 'audio/pcm', 'x-amzn-requestcharacters': String(body.Text.length) });
  for (let off = 0; off < audio.length; off += chunk) {
    if (opts.breakAfterChunks !== undefined && record.chunksSent >= opts.breakAfterChunks) {
      breakStream(stream);
      return;
    }
    if (off + chunk >= audio.length && opts.holdLast) await released;
    else if (off > 0) await delay(opts.gapMs ?? 20);
    if (stream.closed) return;
    const piece = audio.subarray(off, off + chunk);
    await writeAsync(stream, Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
    record.chunksSent++;
  }
  stream.end();
}

// ---------------------------------------------------------------------------------------------
// Transcribe streaming

function handleTranscribe(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, opts: AwsServerOptions, sessions: TranscribeSession[]): void {
  if (header(headers, ':method') !== 'POST' || header(headers, ':path') !== '/stream-transcription') return refuse(stream, 404, 'UnknownOperationException', 'Unknown operation');
  const denied = checkSigV4(header(headers, 'authorization'), opts.accessKeyId, 'transcribe');
  if (denied) return refuse(stream, denied.status, denied.type, denied.message);
  const sampleRate = Number(header(headers, 'x-amzn-transcribe-sample-rate'));
  if (header(headers, 'x-amzn-transcribe-media-encoding') !== 'pcm' || !(sampleRate >= 8000 && sampleRate <= 48000)) {
    return refuse(stream, 400, 'BadRequestException', 'the test server takes pcm at 8000 to 48000 Hz');
  }
  const session: TranscribeSession = { headers, sampleRate, audioBytes: 0, audioEvents: 0, signed: true, ended: false, closed: false };
  sessions.push(session);
  stream.respond({
    ':status': 200,
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-request-id': `req-${sessions.length}`,
    'x-amzn-transcribe-session-id': `session-${sessions.length}`,
    'x-amzn-transcribe-language-code': header(headers, 'x-amzn-transcribe-language-code') ?? 'en-US',
    'x-amzn-transcribe-sample-rate': String(sampleRate),
    'x-amzn-transcribe-media-encoding': 'pcm',
  });
  new TranscribeStream(stream, session, opts);
}

class TranscribeStream {
  readonly #codec = new EventStreamCodec(utf8.to, utf8.from);
  readonly #detector: UtteranceDetector;
  #next = 0;
  #resultId = 0;
  #broken = false;
  #pending = Buffer.alloc(0);

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly session: TranscribeSession,
    private readonly opts: AwsServerOptions,
  ) {
    this.#detector = new UtteranceDetector({ sampleRate: session.sampleRate }, (e) => (e.type === 'start' ? this.#result(true) : this.#result(false)));
    stream.on('data', (b: Buffer) => this.#data(b));
    stream.on('close', () => {
      session.closed = true;
    });
  }

  #data(bytes: Buffer): void {
    if (this.#broken) return;
    try {
      // Each message starts with its total length (4 bytes, big-endian); DATA frames need not align with messages.
      this.#pending = this.#pending.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.#pending, bytes]);
      while (this.#pending.length >= 4 && this.#pending.length >= this.#pending.readUInt32BE(0)) {
        const total = this.#pending.readUInt32BE(0);
        const envelope = this.#codec.decode(new Uint8Array(this.#pending.subarray(0, total)));
        this.#pending = this.#pending.subarray(total);
        this.#envelope(envelope);
        if (this.#broken) return;
      }
    } catch (e) {
      this.#exception('BadRequestException', `could not decode the event stream: ${String(e)}`);
    }
  }

  #envelope(envelope: Message): void {
    const sig = envelope.headers[':chunk-signature'];
    if (envelope.headers[':date']?.type !== 'timestamp' || sig?.type !== 'binary' || sig.value.length !== 32) this.session.signed = false;
    if (envelope.body.length === 0) return this.#endOfAudio();
    const inner = this.#codec.decode(new Uint8Array(envelope.body));
    if (inner.headers[':event-type']?.value !== 'AudioEvent' || inner.headers[':message-type']?.value !== 'event') {
      return this.#exception('BadRequestException', 'expected an AudioEvent');
    }
    this.session.audioEvents++;
    this.session.audioBytes += inner.body.length;
    const pcm = new Int16Array(inner.body.length >> 1);
    Buffer.from(pcm.buffer).set(inner.body.subarray(0, pcm.length * 2));
    this.#detector.push(pcm);
    const limit = this.opts.breakAfterAudioMs;
    if (limit !== undefined && this.session.audioBytes >= (limit * this.session.sampleRate * 2) / 1000) this.#break();
  }

  #endOfAudio(): void {
    this.session.ended = true;
    this.#detector.flush();
    if (!this.stream.closed) this.stream.end();
  }

  #break(): void {
    if (this.opts.breakWith === 'reset') {
      this.#broken = true;
      breakStream(this.stream);
      return;
    }
    this.#exception('InternalFailureException', 'A problem occurred while processing the audio. Amazon Transcribe terminated processing.');
  }

  #send(msg: Message): void {
    if (!this.stream.closed && !this.stream.writableEnded) this.stream.write(this.#codec.encode(msg));
  }

  #exception(type: string, message: string): void {
    this.#broken = true;
    const s = (value: string) => ({ type: 'string' as const, value });
    this.#send({ headers: { ':message-type': s('exception'), ':exception-type': s(type), ':content-type': s('application/json') }, body: utf8.from(JSON.stringify({ Message: message })) });
    if (!this.stream.closed) this.stream.end();
  }

  #result(partial: boolean): void {
    const all = this.opts.transcripts ?? [];
    const text = all[this.#next] ?? '';
    if (!partial) this.#next++;
    else this.#resultId++;
    const words = (partial ? text.split(' ').slice(0, 1) : text.split(' ')).filter((w) => w !== '');
    const shown = partial ? words.join(' ') : text;
    const items = words.map((w, i) => ({
      Content: w.replace(/[.,!?]$/, ''),
      Type: 'pronunciation',
      StartTime: i * 0.3,
      EndTime: i * 0.3 + 0.25,
      VocabularyFilterMatch: false,
      ...(partial ? {} : { Confidence: this.opts.confidence ?? 0.9 }),
      Stable: !partial,
    }));
    const result = { ResultId: `result-${this.#resultId}`, StartTime: 0, EndTime: 1, IsPartial: partial, ChannelId: 'ch_0', Alternatives: [{ Transcript: shown, Items: items }] };
    const s = (value: string) => ({ type: 'string' as const, value });
    const body = JSON.stringify({ Transcript: { Results: [result] } });
    this.#send({ headers: { ':message-type': s('event'), ':event-type': s('TranscriptEvent'), ':content-type': s('application/json') }, body: utf8.from(body) });
  }
}
