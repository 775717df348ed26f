/**
 * With the media I/O thread, a session builds its packets `leadMs` ahead of their media time. It
 * notes, per tick, where its RTP sequence and timestamp stood and whether the tick sent a packet,
 * so that the packets still queued can be built again from what should be heard now (a prompt
 * that starts, a barge-in) with the same sequence numbers and timestamps (`RtpSession`). The
 * slots are a ring of reused objects: noting one per tick allocates nothing.
 */
export interface FutureSlot {
  /** Media time of the tick (ms on the session's clock). */
  due: number;
  /** How long before its media time the packet goes (a playback ahead of the grid: one frame). */
  early: number;
  /** Sequence number and timestamp before the tick built its packet, and whether it was marked. */
  seq: number;
  ts: number;
  marker: boolean;
  /** The tick sent an audio packet (not an RFC 4733 event): it can be built again. */
  sent: boolean;
}

const KEEP = 16;

export class FutureSlots {
  readonly #ring: FutureSlot[] = Array.from({ length: KEEP }, () => ({ due: NaN, early: 0, seq: 0, ts: 0, marker: false, sent: false }));
  /** Slots noted so far (the newest is at (count − 1) % KEEP). */
  #count = 0;

  note(due: number, early: number, seq: number, ts: number, marker: boolean): FutureSlot {
    const slot = this.#ring[this.#count++ % KEEP];
    slot.due = due;
    slot.early = early;
    slot.seq = seq;
    slot.ts = ts;
    slot.marker = marker;
    slot.sent = false;
    return slot;
  }

  /** The slots whose packets go after `limit`, oldest first, if each of them sent one; else null. */
  after(limit: number): FutureSlot[] | null {
    const out: FutureSlot[] = [];
    for (let i = Math.max(0, this.#count - KEEP); i < this.#count; i++) {
      const s = this.#ring[i % KEEP];
      if (s.due - s.early > limit) out.push({ ...s });
    }
    return out.length > 0 && out.every((s) => s.sent) ? out : null;
  }

  /** The packets of the slots that go after `limit` now go `ms` earlier. */
  advance(limit: number, ms: number): void {
    for (let i = Math.max(0, this.#count - KEEP); i < this.#count; i++) {
      const s = this.#ring[i % KEEP];
      if (s.due - s.early > limit) s.early += ms;
    }
  }
}
