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

/** `workerData` of the media worker: the engine's settings. */
export interface WorkerInit {
  readonly portRange: PortRange;
  readonly bindAddress?: string;
  readonly latch?: boolean;
  readonly reorderDepth?: number;
  readonly rtcpIntervalMs?: number;
  /** The main thread logger's level: less severe messages are not sent over. */
  readonly logLevel: LogLevel;
  /** How often session statistics are sent to the main thread. */
  readonly statsIntervalMs: number;
}

export type Command =
  | { readonly op: 'create'; readonly req: number; readonly opts: CreateSessionOptions }
  | { readonly op: 'setRemote'; readonly id: string; readonly remote: RemoteMedia }
  | { readonly op: 'setDirection'; readonly id: string; readonly direction: Direction }
  | { readonly op: 'tap'; readonly id: string; readonly on: boolean }
  /** Starts playback `play` with its first samples; `end` when that is all of it. */
  | { readonly op: 'play'; readonly id: string; readonly play: number; readonly description: string; readonly samples: Int16Array; readonly end: boolean }
  | { readonly op: 'feed'; readonly id: string; readonly play: number; readonly samples: Int16Array; readonly end: boolean }
  | { readonly op: 'stopPlay'; readonly id: string; readonly play: number }
  | { readonly op: 'dtmf'; readonly req: number; readonly id: string; readonly digits: string; readonly opts: Rfc4733SenderOptions }
  | { readonly op: 'record'; readonly req: number; readonly id: string; readonly target: RecordingTarget }
  | { readonly op: 'stopRecord'; readonly req: number; readonly id: string }
  | { readonly op: 'bridge'; readonly id: string; readonly other: string }
  | { readonly op: 'unbridge'; readonly id: string }
  | { readonly op: 'close'; readonly req: number; readonly id: string }
  | { readonly op: 'shutdown'; readonly req: number };

/** One received frame of a tapped session, copied out of the session's reused array. */
export interface TappedFrame {
  readonly id: string;
  readonly pcm: Int16Array;
  readonly sequenceNumber: number;
  readonly timestamp: number;
}

export type WorkerEvent =
  | { readonly ev: 'reply'; readonly req: number; readonly value?: unknown; readonly error?: { readonly code: string; readonly message: string } }
  | { readonly ev: 'dtmf'; readonly id: string; readonly event: DtmfEvent }
  /** Every frame tapped sessions received since the last batch (one message per loop turn). */
  | { readonly ev: 'audio'; readonly frames: readonly TappedFrame[] }
  /** Playback `play` has less than half a second queued: send more. */
  | { readonly ev: 'need'; readonly id: string; readonly play: number }
  | { readonly ev: 'played'; readonly id: string; readonly play: number; readonly result: PlayResult }
  | { readonly ev: 'stats'; readonly sessions: ReadonlyArray<readonly [string, SessionStats]>; readonly scheduler: SchedulerStats }
  | { readonly ev: 'log'; readonly level: 'debug' | 'info' | 'warn' | 'error'; readonly msg: string; readonly fields: LogFields };

/** Samples per `play`/`feed` message (1 s), and the queue level under which the worker asks for more. */
export const FEED_SAMPLES = 8000;
export const FEED_LOW_WATER = 4000;
