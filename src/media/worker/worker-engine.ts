/**
 * The media engine on a worker thread: `WorkerMediaEngine` starts host.ts in a worker and hands
 * out `WorkerSession`s, which implement `MediaSession` by sending commands (protocol.ts). Audio
 * sources are opened here, on the main thread, and fed to the worker a second at a time;
 * received audio reaches `onAudio` listeners in one batch per worker loop turn. If the worker
 * dies, its sessions close and the next `createSession` starts a new one.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../../kernel/logger.js';
import type { Rfc4733SenderOptions } from '../dtmf/rfc4733.js';
import type { SchedulerStats } from '../playout/scheduler.js';
import { FRAME_SAMPLES, type AudioSource, type FrameReader } from '../playout/source.js';
import { MediaSessionError, type MediaSessionErrorCode } from '../session/errors.js';
import { checkRemote, type CreateSessionOptions, type MediaService, type MediaSession } from '../session/media-session.js';
import type { PortRange } from '../session/port-allocator.js';
import type { RecordingResult, RecordingTarget } from '../session/recorder.js';
import type { AudioFrameInfo, AudioListener, Direction, DtmfEvent, DtmfListener, PlayResult, RemoteMedia, SessionStats } from '../session/types.js';
import { forEachPacked, PackedBuilder } from './packed.js';
import { FEED_SAMPLES, type Command, type WorkerEvent, type WorkerInit } from './protocol.js';

export interface WorkerMediaEngineOptions {
  readonly logger: Logger;
  readonly portRange: PortRange;
  readonly bindAddress?: string;
  readonly latch?: boolean;
  readonly reorderDepth?: number;
  readonly rtcpIntervalMs?: number;
  /** How often the worker reports `schedulerStats` (default 1 s). */
  readonly statsIntervalMs?: number;
}

const NO_STATS: SessionStats = { packetsSent: 0, octetsSent: 0, packetsReceived: 0, packetsLost: 0, jitterMs: 0, lateOrDuplicate: 0, remoteSsrc: null, latchedTo: null };
const NO_SCHEDULER: SchedulerStats = { ticks: 0, skippedTicks: 0, targets: 0, maxLateMs: 0 };

/** Reads up to one feed's worth of whole frames; `end` once the reader is exhausted. */
function readFeed(reader: FrameReader): { samples: Int16Array; end: boolean } {
  const out = new Int16Array(FEED_SAMPLES);
  const frame = new Int16Array(FRAME_SAMPLES);
  let n = 0;
  while (n + FRAME_SAMPLES <= out.length) {
    if (reader.read(frame) === 0) return { samples: out.slice(0, n), end: true };
    out.set(frame, n);
    n += FRAME_SAMPLES;
  }
  return { samples: out, end: false };
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

interface Playback {
  readonly reader: FrameReader;
  readonly resolve: (r: PlayResult) => void;
  readonly description: string;
  readonly cleanup: () => void;
}

export class WorkerSession implements MediaSession {
  readonly #audio: AudioListener[] = [];
  readonly #dtmf: DtmfListener[] = [];
  readonly #plays = new Map<number, Playback>();
  readonly #info = { sequenceNumber: 0, timestamp: 0, samples: 0 };
  readonly #frame = new Int16Array(480);
  #playTail: Promise<unknown> = Promise.resolve();
  #direction: Direction = 'sendrecv';
  #remote: RemoteMedia | null = null;
  #peer: WorkerSession | null = null;
  #closed: Promise<void> | null = null;
  #ended = false;
  #stats: SessionStats = NO_STATS;

  constructor(readonly id: string, readonly localPort: number, readonly handle: number, private readonly engine: WorkerMediaEngine) {}

  get closed(): boolean {
    return this.#closed !== null || this.#ended;
  }
  get direction(): Direction {
    return this.#direction;
  }
  get remote(): RemoteMedia | null {
    return this.#remote;
  }
  get bridgedTo(): WorkerSession | null {
    return this.#peer;
  }
  /** As of the worker's last answer: reading asks for a fresh one, which arrives within a loop turn or two. */
  get stats(): SessionStats {
    if (!this.closed) this.engine.wantStats(this.handle);
    return this.#stats;
  }

  setRemote(r: RemoteMedia): void {
    if (this.closed) throw new MediaSessionError('MEDIA_SESSION_CLOSED', 'session is closed');
    checkRemote(r);
    this.#remote = r;
    this.engine.send({ op: 'setRemote', id: this.id, remote: r });
  }

  setDirection(d: Direction): void {
    this.#direction = d;
    if (!this.closed) this.engine.send({ op: 'setDirection', id: this.id, direction: d });
  }

  onAudio(l: AudioListener): () => void {
    this.#audio.push(l);
    if (this.#audio.length === 1 && !this.closed) this.engine.send({ op: 'tap', id: this.id, on: true });
    return () => {
      const i = this.#audio.indexOf(l);
      if (i < 0) return;
      this.#audio.splice(i, 1);
      if (this.#audio.length === 0 && !this.closed) this.engine.send({ op: 'tap', id: this.id, on: false });
    };
  }

  onDtmf(l: DtmfListener): () => void {
    this.#dtmf.push(l);
    return () => { const i = this.#dtmf.indexOf(l); if (i >= 0) this.#dtmf.splice(i, 1); };
  }

  play(source: AudioSource, signal?: AbortSignal): Promise<PlayResult> {
    const run = (): Promise<PlayResult> => this.#runPlayback(source, signal ?? new AbortController().signal);
    const p = this.#playTail.then(run, run);
    this.#playTail = p.catch(() => undefined);
    return p;
  }

  async #runPlayback(source: AudioSource, signal: AbortSignal): Promise<PlayResult> {
    const result = (reason: PlayResult['reason']): PlayResult => ({ reason, playedMs: 0, source: source.description });
    if (this.closed) return result('closed');
    if (signal.aborted) return result('aborted');
    const reader = await source.open(signal);
    if (signal.aborted) return result('aborted');
    if (this.closed) return result('closed');
    const play = this.engine.nextPlayId();
    return new Promise<PlayResult>((resolve) => {
      const onAbort = (): void => this.engine.send({ op: 'stopPlay', id: this.id, play });
      signal.addEventListener('abort', onAbort, { once: true });
      this.#plays.set(play, { reader, resolve, description: source.description, cleanup: () => signal.removeEventListener('abort', onAbort) });
      const first = readFeed(reader);
      this.engine.send({ op: 'play', id: this.id, play, description: source.description, samples: first.samples, end: first.end }, [first.samples.buffer as ArrayBuffer]);
    });
  }

  sendDtmf(digits: string, opts: Rfc4733SenderOptions = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.engine.request({ op: 'dtmf', req: 0, id: this.id, digits, opts }).then(() => undefined);
  }

  async startRecording(target: RecordingTarget): Promise<void> {
    if (this.closed) throw new MediaSessionError('MEDIA_SESSION_CLOSED', 'session is closed');
    await this.engine.request({ op: 'record', req: 0, id: this.id, target });
  }

  async stopRecording(): Promise<RecordingResult | null> {
    if (this.closed) return null;
    return (await this.engine.request({ op: 'stopRecord', req: 0, id: this.id })) as RecordingResult | null;
  }

  bridge(other: MediaSession): void {
    if (other === this) return;
    if (!(other instanceof WorkerSession) || other.engine !== this.engine) throw new MediaSessionError('MEDIA_BAD_BRIDGE', 'can only bridge sessions of the same media engine');
    this.unbridge();
    other.unbridge();
    this.#peer = other;
    other.#peer = this;
    this.engine.send({ op: 'bridge', id: this.id, other: other.id });
  }

  unbridge(): void {
    const p = this.#peer;
    if (!p) return;
    this.#peer = null;
    if (p.#peer === this) p.#peer = null;
    this.engine.send({ op: 'unbridge', id: this.id });
  }

  close(): Promise<void> {
    this.#closed ??= this.#doClose();
    return this.#closed;
  }

  async #doClose(): Promise<void> {
    const p = this.#peer;
    if (p && p.#peer === this) p.#peer = null;
    this.#peer = null;
    try {
      if (!this.#ended) await this.engine.request({ op: 'close', req: 0, id: this.id });
    } finally {
      this.ended();
    }
  }

  // ---- events from the worker (called by WorkerMediaEngine) ----

  /** The session is gone (closed, or the worker died): pending playbacks end as 'closed'. */
  ended(): void {
    this.#ended = true;
    for (const [play, p] of this.#plays) this.played(play, { reason: 'closed', playedMs: 0, source: p.description });
    this.engine.forget(this);
  }

  played(play: number, result: PlayResult): void {
    const p = this.#plays.get(play);
    if (!p) return;
    this.#plays.delete(play);
    p.cleanup();
    p.resolve(result);
  }

  /** The next second of playback `play`, if it is still running. */
  nextFeed(play: number): { samples: Int16Array; end: boolean } | null {
    const p = this.#plays.get(play);
    return p ? readFeed(p.reader) : null;
  }

  updateStats(stats: SessionStats): void {
    this.#stats = stats;
  }

  /** A received frame: `n` samples at `at` in a batch from the worker. */
  audio(batch: Int16Array, at: number, n: number, sequenceNumber: number, timestamp: number): void {
    // Like RtpSession: one reused array (listeners copy what they keep), no view per frame.
    const frame = this.#frame;
    const k = Math.min(n, frame.length);
    for (let i = 0; i < k; i++) frame[i] = batch[at + i];
    const info: AudioFrameInfo = this.#info;
    this.#info.sequenceNumber = sequenceNumber;
    this.#info.timestamp = timestamp;
    this.#info.samples = k;
    for (const l of this.#audio) {
      try {
        l(frame, info);
      } catch (e) {
        this.engine.logger.error('audio listener failed', { err: e instanceof Error ? e : String(e) });
      }
    }
  }

  dtmf(e: DtmfEvent): void {
    for (const l of [...this.#dtmf]) {
      try {
        l(e);
      } catch (err) {
        this.engine.logger.error('dtmf listener failed', { err: err instanceof Error ? err : String(err) });
      }
    }
  }
}

export class WorkerMediaEngine implements MediaService {
  readonly logger: Logger;
  readonly #init: WorkerInit;
  readonly #sessions = new Map<string, WorkerSession>();
  readonly #byHandle = new Map<number, WorkerSession>();
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | null = null;
  #req = 0;
  #play = 0;
  #scheduler: SchedulerStats = NO_SCHEDULER;
  #statsWanted = new Set<number>();
  #closed = false;

  constructor(opts: WorkerMediaEngineOptions) {
    this.logger = opts.logger;
    this.#init = {
      portRange: opts.portRange, bindAddress: opts.bindAddress, latch: opts.latch, reorderDepth: opts.reorderDepth, rtcpIntervalMs: opts.rtcpIntervalMs,
      logLevel: opts.logger.level, statsIntervalMs: opts.statsIntervalMs ?? 1000,
    };
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The worker thread while one runs (for diagnostics and tests). */
  get worker(): Worker | null {
    return this.#worker;
  }

  /** As of the worker's last report (every `statsIntervalMs`). */
  get schedulerStats(): SchedulerStats {
    return this.#scheduler;
  }

  async createSession(opts: CreateSessionOptions = {}): Promise<WorkerSession> {
    if (this.#closed) throw new Error('media engine is closed');
    const { id, port, handle } = (await this.request({ op: 'create', req: 0, opts })) as { id: string; port: number; handle: number };
    const s = new WorkerSession(id, port, handle, this);
    this.#sessions.set(id, s);
    this.#byHandle.set(handle, s);
    return s;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const w = this.#worker;
    if (!w) return;
    try {
      await this.request({ op: 'shutdown', req: 0 });
    } catch (e) {
      this.logger.warn('media worker shutdown failed', { err: e instanceof Error ? e : String(e) });
    }
    this.#worker = null;
    for (const s of [...this.#sessions.values()]) s.ended();
    await w.terminate();
  }

  // ---- used by WorkerSession ----

  wantStats(handle: number): void {
    if (this.#statsWanted.size === 0) {
      setImmediate(() => {
        const handles = [...this.#statsWanted];
        this.#statsWanted.clear();
        this.send({ op: 'stats', handles });
      });
    }
    this.#statsWanted.add(handle);
  }

  nextPlayId(): number {
    return ++this.#play;
  }

  forget(s: WorkerSession): void {
    if (this.#sessions.get(s.id) === s) this.#sessions.delete(s.id);
    if (this.#byHandle.get(s.handle) === s) this.#byHandle.delete(s.handle);
  }

  send(cmd: Command, transfer?: ArrayBuffer[]): void {
    this.#worker?.postMessage(cmd, transfer);
  }

  request(cmd: Command & { req: number }): Promise<unknown> {
    if (!this.#worker && this.#closed) return Promise.reject(new MediaSessionError('MEDIA_SESSION_CLOSED', 'media engine is closed'));
    const w = this.#worker ?? this.#start();
    const req = ++this.#req;
    return new Promise((resolve, reject) => {
      this.#pending.set(req, { resolve, reject });
      w.postMessage({ ...cmd, req });
    });
  }

  // ---- the worker ----

  #start(): Worker {
    const w = new Worker(new URL('./host.js', import.meta.url), { workerData: this.#init });
    this.#worker = w;
    w.on('message', (e: WorkerEvent) => this.#onEvent(e));
    w.on('error', (e) => this.#failed(w, e));
    w.on('exit', (code) => this.#failed(w, new Error(`media worker exited with code ${code}`)));
    return w;
  }

  /** The worker died: its sessions are gone; a later createSession starts another. */
  #failed(w: Worker, e: Error): void {
    if (this.#worker !== w) return;
    this.#worker = null;
    this.logger.error('media worker failed; its calls lose their media', { err: e, sessions: this.#sessions.size });
    for (const p of this.#pending.values()) p.reject(new MediaSessionError('MEDIA_WORKER_FAILED', `media worker failed: ${e.message}`));
    this.#pending.clear();
    for (const s of [...this.#sessions.values()]) s.ended();
  }

  #onEvent(e: WorkerEvent): void {
    switch (e.ev) {
      case 'reply': {
        const p = this.#pending.get(e.req);
        if (!p) return;
        this.#pending.delete(e.req);
        if (e.error) p.reject(new MediaSessionError(e.error.code as MediaSessionErrorCode, e.error.message));
        else p.resolve(e.value);
        return;
      }
      case 'audio':
        forEachPacked(e.frames, (handle, seq, ts, at, n) => this.#byHandle.get(handle)?.audio(e.frames.pcm, at, n, seq, ts));
        return;
      case 'dtmf':
        this.#sessions.get(e.id)?.dtmf(e.event);
        return;
      case 'need': {
        const feeds = new PackedBuilder();
        for (let i = 0; i < e.wants.length; i += 2) {
          const next = this.#byHandle.get(e.wants[i])?.nextFeed(e.wants[i + 1]);
          if (next) feeds.add(e.wants[i], e.wants[i + 1], next.end ? 1 : 0, next.samples);
        }
        const packed = feeds.take();
        if (packed.meta.length > 0) this.send({ op: 'feed', feeds: packed }, [packed.meta.buffer, packed.pcm.buffer]);
        return;
      }
      case 'played':
        this.#sessions.get(e.id)?.played(e.play, e.result);
        return;
      case 'stats':
        for (const [handle, stats] of e.sessions) this.#byHandle.get(handle)?.updateStats(stats);
        return;
      case 'scheduler':
        this.#scheduler = e.stats;
        return;
      case 'log':
        this.logger[e.level](e.msg, e.fields);
        return;
    }
  }
}
