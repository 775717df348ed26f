/**
 * A local gRPC server speaking Google Cloud Speech-to-Text v1 (`google.cloud.speech.v1.Speech/
 * StreamingRecognize`) and Text-to-Speech v1 (`google.cloud.texttospeech.v1.TextToSpeech/
 * SynthesizeSpeech`), for the adapter tests (issue 14). Tests only.
 *
 * The service definitions are loaded from the protos shipped inside the installed Google
 * packages (nothing is copied into the repo). Auth: the official client signs a self-signed
 * service-account JWT with the key's `private_key` and sends it as `authorization: Bearer <jwt>`
 * (google-auth-library's JWT access; no token endpoint is involved). The server verifies that
 * JWT's RS256 signature with the public half of the test key and checks `iss`; anything else is
 * refused with UNAUTHENTICATED.
 *
 * StreamingRecognize: the first request carries `streaming_config` (recorded), the others
 * `audio_content` (LINEAR16). Utterances are found by energy (`UtteranceDetector`); each gets
 * SPEECH_ACTIVITY_BEGIN (when voice activity events are on), an interim result (when
 * `interim_results`), then the next scripted transcript as the final result, then
 * SPEECH_ACTIVITY_END (or END_OF_SINGLE_UTTERANCE and the end of the call in single-utterance
 * mode). Silence gets no result.
 */
import { generateKeyPairSync, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { UtteranceDetector, type UtteranceEvent } from './utterances.js';

/** A service-account key as Google issues it (the fields the adapters read). */
export interface TestServiceKey {
  readonly type: 'service_account';
  readonly project_id: string;
  readonly private_key_id: string;
  readonly private_key: string;
  readonly client_email: string;
  readonly token_uri: string;
}

/** A fresh RSA service-account key (what `service_key` holds, parsed). */
export function makeServiceKey(email = 'vgw-test@test-project.iam.gserviceaccount.com'): TestServiceKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    type: 'service_account',
    project_id: 'test-project',
    private_key_id: 'test-key-id',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: email,
    // Never contacted: the client uses self-signed JWTs for these APIs.
    token_uri: 'https://oauth2.googleapis.com/token',
  };
}

export interface GoogleServerOptions {
  /** The key whose JWTs are accepted. */
  readonly serviceKey: TestServiceKey;
  /** Answers to the utterances, in order; an utterance past the script gets no result. */
  readonly transcripts?: readonly string[];
  /** Confidence of final alternatives. Default 0.92. */
  readonly confidence?: number;
  /** Fails every call at once with this status (after auth). */
  readonly refuse?: 'PERMISSION_DENIED' | 'UNAUTHENTICATED';
  /** Ends the stream with UNAVAILABLE once this much audio (ms) has arrived. */
  readonly breakAfterAudioMs?: number;
  /** PCM the TTS answers with, at the requested rate. Default: 1 s of a 440 Hz tone. */
  readonly ttsAudio?: (sampleRate: number) => Int16Array;
  /** Send no response headers until the first response (the client cannot tell the stream was accepted). */
  readonly holdHeaders?: boolean;
  /** Wrap the TTS LINEAR16 audio in a WAV header, as Google does. Default true. */
  readonly ttsWavHeader?: boolean;
}

/** The `streaming_config` of one call (proto-loader object, camelCase, enums as strings). */
export type StreamingConfigSeen = Record<string, unknown> & { config?: Record<string, unknown> };

export interface RecognizeSession {
  config: StreamingConfigSeen | undefined;
  readonly authorization: string | undefined;
  audioBytes: number;
  /** The client half-closed its side. */
  ended: boolean;
  /** The call is over (ended, cancelled or broken). */
  closed: boolean;
}

const LOADER: protoLoader.Options = { keepCase: false, longs: String, enums: String, defaults: false, oneofs: true };

function packageProtos(pkg: string): string {
  const main = createRequire(import.meta.url).resolve(pkg);
  // …/build/src/index.js → …/build/protos
  return join(dirname(dirname(main)), 'protos');
}

function loadServices(): { speech: grpc.ServiceDefinition; tts: grpc.ServiceDefinition } {
  const speechDir = packageProtos('@google-cloud/speech');
  const ttsDir = packageProtos('@google-cloud/text-to-speech');
  // google/api, google/rpc, google/longrunning … come with the SDKs' own gRPC layer (google-gax).
  const opts = { ...LOADER, includeDirs: [speechDir, ttsDir, packageProtos('google-gax')] };
  const def = protoLoader.loadSync(['google/cloud/speech/v1/cloud_speech.proto', 'google/cloud/texttospeech/v1/cloud_tts.proto'], opts);
  const root = grpc.loadPackageDefinition(def) as unknown as {
    google: { cloud: { speech: { v1: { Speech: grpc.ServiceClientConstructor } }; texttospeech: { v1: { TextToSpeech: grpc.ServiceClientConstructor } } } };
  };
  return { speech: root.google.cloud.speech.v1.Speech.service, tts: root.google.cloud.texttospeech.v1.TextToSpeech.service };
}

function b64url(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Checks a self-signed service-account JWT (RS256) against `key`. */
function jwtValid(authorization: string | undefined, key: KeyObject, email: string): boolean {
  const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(authorization ?? '');
  if (!m) return false;
  const [, head, body, sig] = m;
  if (!verify('RSA-SHA256', Buffer.from(`${head}.${body}`), key, b64url(sig))) return false;
  const header = JSON.parse(b64url(head).toString('utf8')) as { alg?: string };
  const claims = JSON.parse(b64url(body).toString('utf8')) as { iss?: string; exp?: number };
  return header.alg === 'RS256' && claims.iss === email && typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
}

function tone(hz: number, ms: number, rate: number): Int16Array {
  const out = new Int16Array((rate * ms) / 1000);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

function wav(pcm: Int16Array, rate: number): Buffer {
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

type Duplex = grpc.ServerDuplexStream<Record<string, unknown>, Record<string, unknown>>;
type Unary = grpc.ServerUnaryCall<Record<string, unknown>, Record<string, unknown>>;

export class GoogleSpeechServer {
  readonly sessions: RecognizeSession[] = [];
  /** SynthesizeSpeech requests as received. */
  readonly ttsRequests: Record<string, unknown>[] = [];
  readonly #publicKey: KeyObject;
  #next = 0;

  private constructor(
    readonly opts: GoogleServerOptions,
    private readonly server: grpc.Server,
    readonly port: number,
  ) {
    this.#publicKey = createPublicKey(opts.serviceKey.private_key);
  }

  /** The adapters' `local` option for this server (plain-text gRPC). */
  get local(): { readonly host: string; readonly port: number; readonly channelCredentials: grpc.ChannelCredentials } {
    return { host: '127.0.0.1', port: this.port, channelCredentials: grpc.credentials.createInsecure() };
  }

  static async start(opts: GoogleServerOptions): Promise<GoogleSpeechServer> {
    const { speech, tts } = loadServices();
    const server = new grpc.Server();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const s = new GoogleSpeechServer(opts, server, port);
    server.addService(speech, { streamingRecognize: (call: Duplex) => s.#recognize(call) });
    server.addService(tts, { synthesizeSpeech: (call: Unary, cb: grpc.sendUnaryData<Record<string, unknown>>) => s.#synthesize(call, cb) });
    return s;
  }

  nextTranscript(): string | undefined {
    return this.opts.transcripts?.[this.#next++];
  }

  /** Undefined when the call may go on, else the status it is refused with. */
  #refusal(metadata: grpc.Metadata): grpc.ServiceError | undefined {
    const authorization = metadata.get('authorization')[0]?.toString();
    const err = (code: grpc.status, details: string): grpc.ServiceError => Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
    if (!jwtValid(authorization, this.#publicKey, this.opts.serviceKey.client_email)) {
      return err(grpc.status.UNAUTHENTICATED, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
    if (this.opts.refuse === 'PERMISSION_DENIED') return err(grpc.status.PERMISSION_DENIED, 'The caller does not have permission');
    if (this.opts.refuse === 'UNAUTHENTICATED') return err(grpc.status.UNAUTHENTICATED, 'Request had invalid authentication credentials.');
    return undefined;
  }

  #recognize(call: Duplex): void {
    const refused = this.#refusal(call.metadata);
    if (refused) {
      call.emit('error', refused);
      return;
    }
    const session: RecognizeSession = { config: undefined, authorization: call.metadata.get('authorization')[0]?.toString(), audioBytes: 0, ended: false, closed: false };
    this.sessions.push(session);
    // Headers go out at once: the stream is accepted.
    if (this.opts.holdHeaders !== true) call.sendMetadata(new grpc.Metadata());
    new RecognizeCall(this, call, session).run();
  }

  #synthesize(call: Unary, cb: grpc.sendUnaryData<Record<string, unknown>>): void {
    const refused = this.#refusal(call.metadata);
    if (refused) {
      cb(refused);
      return;
    }
    this.ttsRequests.push(call.request);
    const audioConfig = (call.request.audioConfig ?? {}) as { sampleRateHertz?: number; audioEncoding?: string };
    const rate = audioConfig.sampleRateHertz && audioConfig.sampleRateHertz > 0 ? audioConfig.sampleRateHertz : 24000;
    const pcm = this.opts.ttsAudio?.(rate) ?? tone(440, 1000, rate);
    const raw = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    const withHeader = audioConfig.audioEncoding === 'LINEAR16' && this.opts.ttsWavHeader !== false;
    cb(null, { audioContent: withHeader ? wav(pcm, rate) : raw });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    this.server.forceShutdown();
  }
}

/** The service side of one StreamingRecognize call. */
class RecognizeCall {
  #detector: UtteranceDetector | undefined;
  #pending: string | undefined;
  #done = false;

  constructor(
    private readonly server: GoogleSpeechServer,
    private readonly call: Duplex,
    private readonly session: RecognizeSession,
  ) {}

  run(): void {
    this.call.on('data', (req: Record<string, unknown>) => this.#onRequest(req));
    this.call.on('end', () => {
      this.session.ended = true;
      this.#detector?.flush();
      this.#finish();
    });
    this.call.on('cancelled', () => (this.session.closed = true));
    this.call.on('error', () => (this.session.closed = true));
  }

  get #cfg(): Record<string, unknown> {
    return this.session.config ?? {};
  }

  #onRequest(req: Record<string, unknown>): void {
    if (this.#done) return;
    if (req.streamingConfig) {
      this.session.config = req.streamingConfig as StreamingConfigSeen;
      return;
    }
    const audio = req.audioContent;
    if (!(audio instanceof Buffer) || audio.length < 2) return;
    const rate = Number(this.session.config?.config?.sampleRateHertz ?? 16000);
    this.#detector ??= new UtteranceDetector({ sampleRate: rate }, (e) => this.#onUtterance(e));
    const samples = new Int16Array(audio.length >> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = audio.readInt16LE(i * 2);
    this.session.audioBytes += samples.length * 2;
    this.#detector.push(samples);
    const limit = this.server.opts.breakAfterAudioMs;
    if (limit !== undefined && (this.session.audioBytes / 2 / rate) * 1000 >= limit) this.#break();
  }

  #break(): void {
    this.#done = true;
    this.session.closed = true;
    const err = Object.assign(new Error('The service is currently unavailable.'), { code: grpc.status.UNAVAILABLE, details: 'The service is currently unavailable.', metadata: new grpc.Metadata() });
    this.call.emit('error', err);
  }

  #event(type: string): void {
    this.call.write({ speechEventType: type, results: [] });
  }

  #onUtterance(e: UtteranceEvent): void {
    if (this.#done) return;
    const lang = String(this.session.config?.config?.languageCode ?? 'en-US').toLowerCase();
    if (e.type === 'start') {
      this.#pending = this.server.nextTranscript();
      if (this.#cfg.enableVoiceActivityEvents === true) this.#event('SPEECH_ACTIVITY_BEGIN');
      if (this.#pending !== undefined && this.#cfg.interimResults === true) {
        const partial = this.#pending.split(' ')[0];
        this.call.write({ results: [{ alternatives: [{ transcript: partial }], isFinal: false, stability: 0.01, languageCode: lang }] });
      }
      return;
    }
    const single = this.#cfg.singleUtterance === true;
    if (single) this.#event('END_OF_SINGLE_UTTERANCE');
    if (this.#pending !== undefined) {
      const alt = { transcript: this.#pending, confidence: this.server.opts.confidence ?? 0.92 };
      this.call.write({ results: [{ alternatives: [alt], isFinal: true, channelTag: 0, languageCode: lang }] });
    }
    this.#pending = undefined;
    if (!single && this.#cfg.enableVoiceActivityEvents === true) this.#event('SPEECH_ACTIVITY_END');
    if (single) this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.session.closed = true;
    this.call.end();
  }
}
