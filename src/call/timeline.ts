import type { Clock } from '../kernel/clock.js';

/** One step of a call, for `GET …/Calls/{sid}/Timeline` and the CDR. */
export interface TimelineEntry {
  /** ISO wall time. */
  readonly at: string;
  /** Milliseconds since the call was created (monotonic). */
  readonly t: number;
  readonly event: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Bounded, append-only list of what happened to a call. */
export class Timeline {
  private readonly entries: TimelineEntry[] = [];
  private readonly start: number;

  constructor(private readonly clock: Clock, private readonly max = 500) {
    this.start = clock.now();
  }

  add(event: string, detail?: Readonly<Record<string, unknown>>): void {
    if (this.entries.length >= this.max) return;
    this.entries.push({ at: new Date(this.clock.wallNow()).toISOString(), t: Math.round(this.clock.now() - this.start), event, ...(detail ? { detail } : {}) });
  }

  list(): readonly TimelineEntry[] {
    return this.entries;
  }
}
