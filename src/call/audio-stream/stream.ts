/**
 * One `listen` stream of a call (issue 15; jambonz's audio fork): the call's audio to a WebSocket
 * server, and with bidirectional audio the server's audio back to the caller. The media tick only
 * copies a frame and hands it to the stream's link (link.ts): the stream worker's batch by
 * default, which never waits on the socket.
 */
import type WebSocket from 'ws';
import type { Clock, TimerHandle } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';
import type { UrlPolicy } from '../../kernel/net-policy.js';
import { decodeWavNative, type AudioSource, type MediaSession } from '../../media/index.js';
import { RateConverter, StreamingRateConverter } from '../../speech/index.js';
import type { AudioStreamEnd, AudioStreamHandle, AudioStreamRequest, CallInfo, ListenStatus } from '../control.js';
import type { Timeline } from '../timeline.js';
import { fromL16le, metadataMessage, parseServerMessage } from './framing.js';
import { directLink, pooledLink, type LinkEvents, type StreamLink } from './link.js';
import { StreamPlayer } from './player.js';
import type { OpenStreamSocket } from './socket.js';
import { StreamTap } from './tap.js';
import { STREAM_TOTALS, type StreamTotals } from './totals.js';
import { STREAM_WORKER_FAILED, type StreamSocketPool } from './socket-pool.js';

export interface AudioStreamDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly urlPolicy?: UrlPolicy;
  readonly totals?: StreamTotals;
  /** Socket bound (see FrameSender). */
  readonly maxBufferedBytes?: number;
  /** Opens the socket on this thread; `openStreamSocket` when absent (tests stand a stuck consumer in). Not used with `streamSockets`. */
  readonly openSocket?: (o: OpenStreamSocket) => Promise<WebSocket>;
  /** The stream worker that owns the sockets (the gateway's); without it the socket lives on this thread. */
  readonly streamSockets?: StreamSocketPool;
}

export interface AudioStreamHost {
  readonly timeline: Timeline;
  info(): CallInfo;
  onDtmf(listener: (digit: string) => void): () => void;
  /** Plays on the call (its playout: stops at hang-up and at the call's barge-in). */
  play(source: AudioSource, signal: AbortSignal): Promise<{ readonly interrupted: boolean }>;
  /** Stops whatever the call plays (killAudio, as jambonz's uuid_break). */
  interrupt(): void;
  /** Records an alert for the call (the stream worker died). */
  alert?(alertType: string, message: string): void;
}

/** Caller audio louder than this (peak, 16-bit) counts as sound for `silenceTimeoutMs` (≈ −40 dBFS). */
const SOUND_PEAK = 330;
const CONNECT_TIMEOUT_MS = 5000;

export class AudioStream implements AudioStreamHandle {
  readonly ended: Promise<AudioStreamEnd>;
  #resolve!: (e: AudioStreamEnd) => void;
  #status: ListenStatus = 'resume';
  #link: StreamLink | null = null;
  #openedAt: number | null = null;
  #done = false;
  readonly #tap: StreamTap;
  readonly #player: StreamPlayer | null;
  /** bidirectionalAudio.streaming: binary frames from the server are played. */
  readonly #streaming: boolean;
  /** Their resampler to 8 kHz (none when they already are). */
  readonly #back: StreamingRateConverter | null;
  /** The converter of the last playAudio clip's rate (its filter is built once, not per clip). */
  #clipConverter: RateConverter | null = null;
  readonly #offs: Array<() => void> = [];
  #lastSound: number;
  #silenceTimer: TimerHandle | undefined;

  constructor(private readonly deps: AudioStreamDeps, private readonly host: AudioStreamHost, private readonly media: MediaSession, private readonly req: AudioStreamRequest) {
    this.ended = new Promise((r) => (this.#resolve = r));
    const totals = deps.totals ?? STREAM_TOTALS;
    this.#tap = new StreamTap(req.mixType, req.sampleRate);
    const bi = req.bidirectional;
    this.#player = bi.enabled ? new StreamPlayer({
      play: (s, sig) => host.play(s, sig),
      onMark: (name, event) => this.#link?.text(JSON.stringify({ type: 'mark', data: { name, event } })),
      onPlayDone: (id) => this.#link?.text(JSON.stringify({ type: 'playDone', data: { id } })),
    }) : null;
    const backRate = bi.sampleRate ?? 8000;
    this.#streaming = bi.enabled && bi.streaming;
    this.#back = this.#streaming && backRate !== 8000 ? new StreamingRateConverter(backRate, 8000) : null;
    this.#lastSound = deps.clock.now();
    totals.opened();
    void this.ended.then(() => totals.closed());
  }

  /** Connects and starts sending; `signal` (or the call's end, folded into it) stops it. */
  start(signal: AbortSignal): this {
    this.#tapMedia();
    if (signal.aborted) this.#finish('call-ended');
    else signal.addEventListener('abort', () => this.#finish('call-ended'), { once: true });
    if (!this.#done) this.#connect();
    return this;
  }

  stop(): void {
    this.#finish('stopped');
  }

  /** `listen_status`: pause stops sending, silence sends silence in place of audio, resume sends audio again. */
  setStatus(status: ListenStatus): void {
    this.#status = status;
    this.host.timeline.add('listen-status', { status });
  }

  #connect(): void {
    const events: LinkEvents = {
      opened: () => {
        this.#openedAt = this.deps.clock.now();
        this.host.timeline.add('listen-connected', { url: redact(this.req.url), sample_rate: this.req.sampleRate, mix_type: this.req.mixType });
        return metadataMessage(this.host.info(), this.req);
      },
      text: (t) => this.#text(t),
      binary: (b) => this.#binary(b),
      ended: (reason, error) => this.#ended(reason, error),
    };
    const req = { url: this.req.url, auth: this.req.auth, policy: this.deps.urlPolicy, timeoutMs: CONNECT_TIMEOUT_MS, maxBufferedBytes: this.deps.maxBufferedBytes };
    const pool = this.deps.streamSockets;
    this.#link = pool ? pooledLink(pool, req, events) : directLink(req, events, { totals: this.deps.totals ?? STREAM_TOTALS, openSocket: this.deps.openSocket });
  }

  #ended(reason: 'connect-failed' | 'closed', error?: string): void {
    if (!this.#done && error?.startsWith(STREAM_WORKER_FAILED)) this.host.alert?.('listen-failed', `listen stream ended: ${error}`);
    this.#finish(reason, error);
  }

  #tapMedia(): void {
    let peer: MediaSession | null = null;
    let offPeer: () => void = () => undefined;
    this.#offs.push(this.media.onAudio((pcm, info) => {
      const frame = pcm.subarray(0, info.samples);
      // The bridged party may come and go (dial.listen, config.listen before a dial).
      if (this.req.mixType !== 'mono' && this.media.bridgedTo !== peer) {
        offPeer();
        peer = this.media.bridgedTo;
        offPeer = peer ? peer.onAudio((p, i) => this.#tap.party(p.subarray(0, i.samples))) : () => undefined;
      }
      this.#caller(frame);
    }));
    this.#offs.push(() => offPeer());
    if (this.req.passDtmf) {
      this.#offs.push(this.host.onDtmf((digit) => this.#link?.text(JSON.stringify({ event: 'dtmf', dtmf: digit, duration: 0 }))));
    }
    const limit = this.req.silenceTimeoutMs;
    if (limit !== undefined && limit > 0) this.#watchSilence(limit);
  }

  /** One caller frame, on the media tick: copy, resample, frame, hand over. Never waits. */
  #caller(frame: Int16Array): void {
    if (this.#done) return;
    if (this.req.silenceTimeoutMs && peak(frame) > SOUND_PEAK) this.#lastSound = this.deps.clock.now();
    if (this.#status === 'pause') return;
    const out = this.#tap.caller(this.#status === 'silence' ? new Int16Array(frame.length) : frame);
    if (out.length > 0) this.#link?.push(out);
  }

  #watchSilence(limitMs: number): void {
    const check = (): void => {
      if (this.#done) return;
      const quiet = this.deps.clock.now() - this.#lastSound;
      if (quiet >= limitMs) this.#finish('silence');
      else this.#silenceTimer = this.deps.clock.setTimer(limitMs - quiet, check);
    };
    this.#silenceTimer = this.deps.clock.setTimer(limitMs, check);
  }

  #binary(data: Uint8Array): void {
    const player = this.#player;
    // Streamed audio is played only with bidirectionalAudio.streaming (as jambonz).
    if (player && this.#streaming) player.enqueue(this.#back ? this.#back.push(fromL16le(data)) : fromL16le(data));
  }

  #clipTo8k(audio: Int16Array, rate: number): Int16Array {
    if (this.#clipConverter?.from !== rate) this.#clipConverter = new RateConverter(rate, 8000);
    return this.#clipConverter.convert(audio);
  }

  #text(text: string): void {
    const player = this.#player;
    const m = parseServerMessage(text, (b) => decodeWavNative(b));
    switch (m.type) {
      case 'playAudio':
        // jambonz plays playAudio clips only when not streaming.
        if (player && !this.#streaming) player.enqueue(this.#clipTo8k(m.audio, m.sampleRate), m.id ?? null);
        break;
      case 'killAudio':
        player?.kill();
        this.host.interrupt();
        this.host.timeline.add('listen-kill-audio');
        break;
      case 'mark':
        player?.mark(m.name);
        break;
      case 'clearMarks':
        player?.clearMarks();
        break;
      case 'disconnect':
        this.#finish('disconnect');
        break;
      default:
        this.deps.logger.debug('listen: ignored a server message', { why: m.why });
    }
  }

  #finish(reason: AudioStreamEnd['reason'], error?: string): void {
    if (this.#done) return;
    this.#done = true;
    for (const off of this.#offs.splice(0)) off();
    this.#silenceTimer?.cancel();
    this.#player?.close();
    this.#link?.close();
    const durationMs = this.#openedAt === null ? 0 : this.deps.clock.now() - this.#openedAt;
    const end: AudioStreamEnd = { reason, durationMs, framesSent: this.#link?.sent ?? 0, framesDropped: this.#link?.dropped ?? 0, ...(error ? { error } : {}) };
    this.host.timeline.add('listen-ended', { reason, duration_ms: durationMs, frames_sent: end.framesSent, frames_dropped: end.framesDropped, ...(error ? { error } : {}) });
    this.#resolve(end);
  }
}

function peak(frame: Int16Array): number {
  let p = 0;
  for (let i = 0; i < frame.length; i++) {
    const v = frame[i] < 0 ? -frame[i] : frame[i];
    if (v > p) p = v;
  }
  return p;
}

/** A URL for the timeline: no credentials, no query (tokens often ride there). */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(bad url)';
  }
}

/** Starts a stream on `media` (see AudioStream). */
export function startAudioStream(deps: AudioStreamDeps, host: AudioStreamHost, media: MediaSession, req: AudioStreamRequest, signal: AbortSignal): AudioStream {
  return new AudioStream(deps, host, media, req).start(signal);
}
