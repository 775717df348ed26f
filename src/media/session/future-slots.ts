/**
 * With the media I/O thread, a session builds its packets `leadMs` ahead of their media time. It
 * notes, per tick, where its RTP sequence and timestamp stood and whether the tick sent a packet,
 * so that the packets still queued can be built again from what should be heard now (a prompt
 * that starts, a barge-in) with the same sequence numbers and timestamps (`RtpSession`).
 */
export interface FutureSlot {
  /** Media time of the tick (ms on the session's clock). */
  readonly due: number;
  /** Sequence number and timestamp before the tick built its packet. */
  readonly seq: number;
  readonly ts: number;
  sent: boolean;
}

const KEEP = 16;

export class FutureSlots {
  readonly #slots: FutureSlot[] = [];

  note(due: number, seq: number, ts: number): FutureSlot {
    const slot: FutureSlot = { due, seq, ts, sent: false };
    this.#slots.push(slot);
    if (this.#slots.length > KEEP) this.#slots.shift();
    return slot;
  }

  /** The slots due after `limit`, oldest first, if each of them sent a packet; else null. */
  after(limit: number): FutureSlot[] | null {
    const i = this.#slots.findIndex((s) => s.due > limit);
    if (i < 0) return null;
    const out = this.#slots.slice(i);
    return out.every((s) => s.sent) ? out : null;
  }
}
