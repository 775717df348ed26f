/**
 * The media worker thread: a `MediaEngine` of its own, driven by commands from the main thread
 * (protocol.ts). Sockets, the playout scheduler, decoding and recording all live here, so the
 * 20 ms ticks never wait for control-plane work (SIP, HTTP, webhooks, the store) on the main
 * thread. Entry point of `new Worker(…/host.js)`; started only by WorkerMediaEngine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../../kernel/clock.js';
import type { LogFields, Logger, LogLevel } from '../../kernel/logger.js';
import type { AudioSource, FrameReader } from '../playout/source.js';
import { MediaEngine } from '../session/engine.js';
import type { RtpSession } from '../session/rtp-session.js';
import type { SessionStats } from '../session/types.js';
import { forEachPacked, PackedBuilder } from './packed.js';
import { FEED_LOW_WATER, type Command, type WorkerEvent, type WorkerInit } from './protocol.js';

if (!parentPort) throw new Error('media/worker/host.js runs only as a worker thread');
const port = parentPort;
const init = workerData as WorkerInit;
const post = (e: WorkerEvent, transfer?: ArrayBuffer[]): void => port.postMessage(e, transfer);

const SEVERITY: Readonly<Record<LogLevel, number>> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, silent: 5 };

/** Sends log records to the main thread, whose logger writes (and redacts) them. */
function postingLogger(level: LogLevel, bindings: LogFields): Logger {
  const at = (l: 'debug' | 'info' | 'warn' | 'error') => (SEVERITY[l] < SEVERITY[level]
    ? (): void => undefined
    : (msg: string, fields?: LogFields): void => post({ ev: 'log', level: l, msg, fields: { ...bindings, ...fields } }));
  return { level, trace: () => undefined, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (b) => postingLogger(level, { ...bindings, ...b }) };
}

/** Samples the main thread has sent for one playback, read a frame per tick. */
class FeedReader implements FrameReader {
  readonly #chunks: Int16Array[] = [];
  #offset = 0;
  #queued = 0;
  #ended = false;
  #asked = false;
  readonly #lowWater = FEED_LOW_WATER * (1 + Math.random());
  underruns = 0;

  constructor(private readonly onLow: () => void) {}

  push(samples: Int16Array, end: boolean): void {
    if (samples.length > 0) this.#chunks.push(samples);
    this.#queued += samples.length;
    this.#ended ||= end;
    this.#asked = false;
  }

  read(out: Int16Array): number {
    if (this.#queued === 0) {
      if (this.#ended) return 0;
      // The main thread is late: keep time with silence rather than end the playback.
      this.underruns++;
      this.#askIfLow();
      out.fill(0);
      return out.length;
    }
    let n = 0;
    while (n < out.length && this.#chunks.length > 0) {
      const c = this.#chunks[0];
      const k = Math.min(out.length - n, c.length - this.#offset);
      out.set(c.subarray(this.#offset, this.#offset + k), n);
      n += k;
      this.#offset += k;
      if (this.#offset === c.length) {
        this.#chunks.shift();
        this.#offset = 0;
      }
    }
    this.#queued -= n;
    if (n < out.length) out.fill(0, n);
    this.#askIfLow();
    return n;
  }

  #askIfLow(): void {
    if (!this.#ended && !this.#asked && this.#queued < this.#lowWater) {
      this.#asked = true;
      this.onLow();
    }
  }
}

interface Entry {
  readonly s: RtpSession;
  readonly handle: number;
  readonly plays: Map<number, { readonly reader: FeedReader; readonly abort: AbortController }>;
  untap: (() => void) | null;
}

const log = postingLogger(init.logLevel, { thread: 'media' });
const engine = new MediaEngine({ ...init, clock: systemClock, logger: log });
const sessions = new Map<string, Entry>();

const byHandle = new Map<number, Entry>();
let nextHandle = 0;

/** Runs `flush` once after the current loop turn, however often it is asked for during it. */
function afterTurn(flush: () => void): () => void {
  let queued = false;
  const run = (): void => {
    queued = false;
    flush();
  };
  return () => {
    if (queued) return;
    queued = true;
    setImmediate(run);
  };
}

// Tapped frames and playbacks running low, each sent as one message per loop turn.
const taps = new PackedBuilder();
const flushTaps = afterTurn(() => {
  const frames = taps.take();
  post({ ev: 'audio', frames }, [frames.meta.buffer, frames.pcm.buffer]);
});
let wants: number[] = [];
const flushWants = afterTurn(() => {
  post({ ev: 'need', wants });
  wants = [];
});

function reply(req: number, work: () => unknown): void {
  Promise.resolve()
    .then(work)
    .then(
      (value) => post({ ev: 'reply', req, value }),
      (e: unknown) => post({ ev: 'reply', req, error: { code: (e as { code?: unknown }).code === undefined ? 'MEDIA_WORKER_FAILED' : String((e as { code: unknown }).code), message: e instanceof Error ? e.message : String(e) } }),
    );
}

function entry(id: string): Entry | undefined {
  const e = sessions.get(id);
  if (!e) log.debug('command for an unknown media session', { id });
  return e;
}

async function create(req: Extract<Command, { op: 'create' }>): Promise<{ id: string; port: number; handle: number }> {
  const s = await engine.createSession(req.opts);
  const e: Entry = { s, handle: nextHandle = (nextHandle + 1) >>> 0, plays: new Map(), untap: null };
  sessions.set(s.id, e);
  byHandle.set(e.handle, e);
  s.onDtmf((event) => post({ ev: 'dtmf', id: s.id, event }));
  return { id: s.id, port: s.localPort, handle: e.handle };
}

function play(cmd: Extract<Command, { op: 'play' }>): void {
  const e = entry(cmd.id);
  if (!e) {
    post({ ev: 'played', id: cmd.id, play: cmd.play, result: { reason: 'closed', playedMs: 0, source: cmd.description } });
    return;
  }
  const reader = new FeedReader(() => {
    wants.push(e.handle, cmd.play);
    flushWants();
  });
  reader.push(cmd.samples, cmd.end);
  const abort = new AbortController();
  e.plays.set(cmd.play, { reader, abort });
  const source: AudioSource = { description: cmd.description, open: () => Promise.resolve(reader) };
  e.s.play(source, abort.signal).then(
    (result) => {
      e.plays.delete(cmd.play);
      if (reader.underruns > 0) log.warn('playback ran dry: the main thread fed it late', { session: cmd.id, frames: reader.underruns });
      post({ ev: 'played', id: cmd.id, play: cmd.play, result });
    },
    (err: unknown) => {
      e.plays.delete(cmd.play);
      log.error('playback failed', { session: cmd.id, err: err instanceof Error ? err : String(err) });
      post({ ev: 'played', id: cmd.id, play: cmd.play, result: { reason: 'closed', playedMs: 0, source: cmd.description } });
    },
  );
}

function handle(cmd: Command): void {
  switch (cmd.op) {
    case 'create':
      reply(cmd.req, () => create(cmd));
      return;
    case 'setRemote':
      entry(cmd.id)?.s.setRemote(cmd.remote);
      return;
    case 'setDirection':
      entry(cmd.id)?.s.setDirection(cmd.direction);
      return;
    case 'tap': {
      const e = entry(cmd.id);
      if (!e) return;
      e.untap?.();
      e.untap = cmd.on
        ? e.s.onAudio((pcm, info) => {
          taps.add(e.handle, info.sequenceNumber, info.timestamp, pcm, info.samples);
          flushTaps();
        })
        : null;
      return;
    }
    case 'play':
      play(cmd);
      return;
    case 'feed':
      forEachPacked(cmd.feeds, (handle, play, end, at, n) => byHandle.get(handle)?.plays.get(play)?.reader.push(cmd.feeds.pcm.subarray(at, at + n), end === 1));
      return;
    case 'stats': {
      const out: Array<readonly [number, SessionStats]> = [];
      for (const h of cmd.handles) {
        const e = byHandle.get(h);
        if (e) out.push([h, e.s.stats]);
      }
      post({ ev: 'stats', sessions: out });
      return;
    }
    case 'stopPlay':
      sessions.get(cmd.id)?.plays.get(cmd.play)?.abort.abort();
      return;
    case 'dtmf':
      reply(cmd.req, () => entry(cmd.id)?.s.sendDtmf(cmd.digits, cmd.opts));
      return;
    case 'record':
      reply(cmd.req, () => entry(cmd.id)?.s.startRecording(cmd.target));
      return;
    case 'stopRecord':
      reply(cmd.req, () => entry(cmd.id)?.s.stopRecording() ?? null);
      return;
    case 'bridge': {
      const a = entry(cmd.id);
      const b = entry(cmd.other);
      if (a && b) a.s.bridge(b.s);
      return;
    }
    case 'unbridge':
      entry(cmd.id)?.s.unbridge();
      return;
    case 'close':
      reply(cmd.req, async () => {
        const e = sessions.get(cmd.id);
        sessions.delete(cmd.id);
        if (e) byHandle.delete(e.handle);
        await e?.s.close();
      });
      return;
    case 'shutdown':
      reply(cmd.req, async () => {
        clearInterval(statsTimer);
        sessions.clear();
        byHandle.clear();
        await engine.close();
      });
      return;
  }
}

port.on('message', (cmd: Command) => {
  try {
    handle(cmd);
  } catch (e) {
    log.error('media command failed', { op: cmd.op, err: e instanceof Error ? e : String(e) });
  }
});

const statsTimer = setInterval(() => post({ ev: 'scheduler', stats: engine.schedulerStats }), init.statsIntervalMs);

