/**
 * Messages between the media sessions (main thread) and the media I/O thread (io-worker.ts).
 * Data only. Datagrams travel packed: one ArrayBuffer of bytes per batch, and per datagram a
 * row of `ROW` numbers in a Float64Array.
 *
 * Out (to the thread), per datagram: socket id, due time (ms on the monotonic clock shared by
 * all threads, `monotonicMs()`), byte offset, length, and `REPLACES` when it is a rebuilt packet:
 * it takes the place of the queued packet with the same RTP sequence number (and its due time,
 * when that is earlier: a playback that starts goes a frame ahead), or is dropped when that one
 * has already left. Commands ride in the same batch and apply
 * before the datagram at their index, so a close never overtakes the packets sent before it.
 * In (from the thread), per datagram (`RX_ROW`): socket id, source port, byte offset, length; the source
 * address is in `addresses` at the same index.
 */

/** Numbers per datagram sent (socket, due, offset, length, flags). */
export const ROW = 5;
export const REPLACES = 1;
/** Numbers per datagram received (socket, source port, offset, length). */
export const RX_ROW = 4;

export type IoCommand =
  | { readonly k: 'bind'; readonly at: number; readonly id: number; readonly port: number; readonly address: string }
  | { readonly k: 'dest'; readonly at: number; readonly id: number; readonly port: number; readonly address: string }
  | { readonly k: 'connect'; readonly at: number; readonly id: number; readonly port: number; readonly address: string; readonly req: number }
  | { readonly k: 'disconnect'; readonly at: number; readonly id: number }
  | { readonly k: 'close'; readonly at: number; readonly id: number };

export interface OutBatch {
  readonly k: 'out';
  readonly data: ArrayBuffer;
  readonly rows: Float64Array;
  readonly commands: readonly IoCommand[];
}

export type IoEvent =
  | { readonly k: 'rx'; readonly data: ArrayBuffer; readonly rows: Float64Array; readonly addresses: readonly string[] }
  | { readonly k: 'bound'; readonly id: number; readonly error?: string; readonly code?: string }
  | { readonly k: 'connected'; readonly id: number; readonly req: number; readonly error?: string }
  | { readonly k: 'error'; readonly id: number; readonly message: string; readonly code?: string };

/** A due time of 0 or less: send at once (after what the socket has queued). */
export const NOW = 0;

/** Milliseconds on CLOCK_MONOTONIC: the same in every thread of the process (unlike `performance.now()`). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
