import { timerDelay, type Clock, type TimerHandle } from '../kernel/clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A Clock whose time only moves when a test calls `advance`. Timers fire in due order. */
export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private pending: Pending[] = [];
  constructor(private readonly wallBase = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.t;
  }
  wallNow(): number {
    return this.wallBase + this.t;
  }
  setTimer(ms: number, fn: () => void): TimerHandle {
    // Same contract as the real clock: non-finite delays throw, any finite delay is exact.
    const p: Pending = { at: this.t + timerDelay(ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(p);
    return { cancel: () => { p.cancelled = true; } };
  }
  /** Number of timers still due to fire. */
  get pendingCount(): number {
    return this.pending.filter((p) => !p.cancelled).length;
  }
  /** Moves time forward by `ms`, firing every timer that falls due, including ones they schedule. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      this.pending = this.pending.filter((p) => !p.cancelled);
      let next: Pending | undefined;
      for (const p of this.pending) {
        if (p.at <= end && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      }
      if (!next) break;
      this.t = next.at;
      next.cancelled = true;
      next.fn();
    }
    this.t = end;
  }
}
