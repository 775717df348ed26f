/**
 * Back-pressure on a stream socket (issue 15): the media tick hands over a frame and returns at
 * once. A frame goes to the socket only while what the socket still holds (`bufferedAmount`) is
 * under a bound; past it the frame is dropped and counted, so a slow or stuck consumer costs its
 * own call some audio and never delays another call's RTP. Before the socket opens, a few frames
 * wait in a bounded queue (the oldest are dropped first).
 */

/** The part of a `ws` WebSocket the sender uses (a fake in tests). */
export interface FrameSocket {
  readonly bufferedAmount: number;
  send(data: Buffer | string): void;
}

export interface FrameSenderOptions {
  /** Bytes the socket may hold unsent before frames are dropped (default 64 KiB ≈ 1 s of 16 kHz stereo). */
  readonly maxBufferedBytes?: number;
  /** Frames kept while the socket connects (default 50 = 1 s). */
  readonly maxPendingFrames?: number;
  /** Told of each frame sent or dropped (process-wide metrics). */
  readonly onFrame?: (sent: boolean) => void;
}

export class FrameSender {
  #socket: FrameSocket | null = null;
  readonly #pending: Buffer[] = [];
  readonly #maxBuffered: number;
  readonly #maxPending: number;
  sent = 0;
  dropped = 0;

  constructor(private readonly o: FrameSenderOptions = {}) {
    this.#maxBuffered = o.maxBufferedBytes ?? 64 * 1024;
    this.#maxPending = o.maxPendingFrames ?? 50;
  }

  /** The socket is open: the text message goes first, then what waited. */
  open(socket: FrameSocket, first: string): void {
    this.#socket = socket;
    socket.send(first);
    for (const f of this.#pending.splice(0)) this.push(f);
  }

  /** Sends or drops one frame; never waits. */
  push(frame: Buffer): void {
    const s = this.#socket;
    if (!s) {
      this.#pending.push(frame);
      if (this.#pending.length > this.#maxPending) {
        this.#pending.shift();
        this.#count(false);
      }
      return;
    }
    if (s.bufferedAmount + frame.length > this.#maxBuffered) {
      this.#count(false);
      return;
    }
    s.send(frame);
    this.#count(true);
  }

  /** A JSON event (dtmf, mark); never dropped, it is small and rare. */
  text(message: string): void {
    this.#socket?.send(message);
  }

  #count(sent: boolean): void {
    if (sent) this.sent++;
    else this.dropped++;
    this.o.onFrame?.(sent);
  }
}
