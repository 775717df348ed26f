/**
 * Messages between the main thread's `WorkerMediaEngine` and the media worker (host.ts), as
 * plain data. Commands carry a `req` number when the main thread waits for a `reply`.
 */
import type { LogFields, LogLevel } from '../../kernel/logger.js';
import type { Rfc4733SenderOptions } from '../dtmf/rfc4733.js';
import type { SchedulerStats } from '../playout/scheduler.js';
import type { CreateSessionOptions } from '../session/media-session.js';
import type { PortRange } from '../session/port-allocator.js';
import type { RecordingTarget } from '../session/recorder.js';
import type { Direction, DtmfEvent, PlayResult, RemoteMedia, SessionStats } from '../session/types.js';
import type { Packed } from './packed.js';

/** `workerData` of the media worker: the engine's settings. */
export interface WorkerInit {
  readonly portRange: PortRange;
  readonly bindAddress?: string;
  readonly latch?: boolean;
  readonly reorderDepth?: number;
  readonly rtcpIntervalMs?: number;
  /** The main thread logger's level: less severe messages are not sent over. */
  readonly logLevel: LogLevel;
  /** How often the scheduler's statistics are sent to the main thread. */
  readonly statsIntervalMs: number;
}

export type Command =
  | { readonly op: 'create'; readonly req: number; readonly opts: CreateSessionOptions }
  | { readonly op: 'setRemote'; readonly id: string; readonly remote: RemoteMedia }
  | { readonly op: 'setDirection'; readonly id: string; readonly direction: Direction }
  | { readonly op: 'tap'; readonly id: string; readonly on: boolean }
  /** Starts playback `play` with its first samples; `end` when that is all of it. */
  | { readonly op: 'play'; readonly id: string; readonly play: number; readonly description: string; readonly samples: Int16Array; readonly end: boolean }
  /** More samples for running playbacks, one message for all of them (answers a `need`):
   *  per item session handle, playback number, 1 at the end of the source. */
  | { readonly op: 'feed'; readonly feeds: Packed }
  /** Asks for the statistics of these sessions (answered by a `stats` event). */
  | { readonly op: 'stats'; readonly handles: readonly number[] }
  | { readonly op: 'stopPlay'; readonly id: string; readonly play: number }
  | { readonly op: 'dtmf'; readonly req: number; readonly id: string; readonly digits: string; readonly opts: Rfc4733SenderOptions }
  | { readonly op: 'record'; readonly req: number; readonly id: string; readonly target: RecordingTarget }
  | { readonly op: 'stopRecord'; readonly req: number; readonly id: string }
  | { readonly op: 'bridge'; readonly id: string; readonly other: string }
  | { readonly op: 'unbridge'; readonly id: string }
  | { readonly op: 'close'; readonly req: number; readonly id: string }
  | { readonly op: 'shutdown'; readonly req: number };

export type WorkerEvent =
  | { readonly ev: 'reply'; readonly req: number; readonly value?: unknown; readonly error?: { readonly code: string; readonly message: string } }
  | { readonly ev: 'dtmf'; readonly id: string; readonly event: DtmfEvent }
  /** Every frame tapped sessions received this loop turn: per item session handle, RTP
   *  sequence number, RTP timestamp. */
  | { readonly ev: 'audio'; readonly frames: Packed }
  /** These playbacks have less than half a second queued: send more. Pairs of handle, playback. */
  | { readonly ev: 'need'; readonly wants: readonly number[] }
  | { readonly ev: 'played'; readonly id: string; readonly play: number; readonly result: PlayResult }
  | { readonly ev: 'stats'; readonly sessions: ReadonlyArray<readonly [number, SessionStats]> }
  | { readonly ev: 'scheduler'; readonly stats: SchedulerStats }
  | { readonly ev: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly msg: string; readonly fields: LogFields };

/**
 * Playback feeding: the worker keeps between FEED_LOW_WATER and twice that queued per playback
 * (each reader draws its own threshold in that range, so a thousand prompts started together do
 * not all ask in the same tick) and the main thread answers with FEED_SAMPLES more.
 */
export const FEED_SAMPLES = 1600;
export const FEED_LOW_WATER = 1600;
