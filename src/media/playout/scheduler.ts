/**
 * The one 20 ms playout clock of the process (DESIGN.md §4.4). Every tick is scheduled against
 * an absolute start time — tick n is due at start + n·20 ms on the monotonic clock — so timer
 * lateness never accumulates. When the event loop stalls, missed ticks are run back to back
 * up to `maxCatchUpTicks`; beyond that the schedule jumps forward and the skip is counted.
 *
 * Node timers run on a 1 ms grid (the loop clock is whole milliseconds), so a timer asked for
 * 19.4 ms may fire up to ~1 ms early. A firing within `earlyToleranceMs` of the due time runs the
 * tick at once: re-arming for the sub-millisecond remainder would hand the event loop a poll
 * phase first, and a burst of received RTP processed there (one datagram per call) delays the
 * tick — and every packet of it — by milliseconds.
 *
 * With `leadMs`, each tick runs that long before its media time (`dueMs` while it runs): the
 * packets it builds are sent at their media time by the media I/O thread (io-worker.ts), so a
 * stall of this thread shorter than the lead does not reach the wire.
 */
import type { Clock, TimerHandle } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/logger.js';

export const TICK_MS = 20;

/**
 * Something driven by the scheduler (a session). `onTick` must not throw and must not allocate;
 * one that throws anyway is removed and reported, and every other target keeps ticking.
 */
export interface TickTarget {
  onTick(tick: number, nowMs: number): void;
}

export interface PlayoutSchedulerOptions {
  readonly clock: Clock;
  readonly logger?: Logger;
  readonly tickMs?: number;
  readonly maxCatchUpTicks?: number;
  /** A timer firing this much before the due time still runs the tick (default 1.5 ms). */
  readonly earlyToleranceMs?: number;
  /** Run each tick this long before its media time (default 0: at it). */
  readonly leadMs?: number;
  /** Told about a target whose `onTick` threw (it is removed); without it the failure is logged. */
  readonly onTargetError?: (target: TickTarget, err: unknown) => void;
}

export interface SchedulerStats {
  readonly ticks: number;
  readonly skippedTicks: number;
  readonly targets: number;
  /** Largest observed lateness of a tick, in ms. */
  readonly maxLateMs: number;
}

export class PlayoutScheduler {
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #tickMs: number;
  readonly #maxCatchUp: number;
  readonly #early: number;
  readonly #lead: number;
  #dueMs = NaN;
  #replacing = false;
  readonly #onTargetError: ((target: TickTarget, err: unknown) => void) | undefined;
  readonly #targets: TickTarget[] = [];
  readonly #removals: TickTarget[] = [];
  #ticking = false;
  #timer: TimerHandle | null = null;
  #start = 0;
  #next = 0;
  #ticks = 0;
  #skipped = 0;
  #maxLate = 0;
  readonly #run = (): void => this.#onTimer();

  constructor(opts: PlayoutSchedulerOptions) {
    this.#clock = opts.clock;
    this.#logger = opts.logger;
    this.#tickMs = opts.tickMs ?? TICK_MS;
    this.#early = opts.earlyToleranceMs ?? 1.5;
    this.#lead = opts.leadMs ?? 0;
    // Ticks missed within the lead are not late on the wire: they are all still built.
    this.#maxCatchUp = opts.maxCatchUpTicks ?? 3 + Math.ceil(this.#lead / this.#tickMs);
    this.#onTargetError = opts.onTargetError;
  }

  get stats(): SchedulerStats {
    return { ticks: this.#ticks, skippedTicks: this.#skipped, targets: this.#targets.length, maxLateMs: this.#maxLate };
  }

  /** While a tick runs, the media time it is for (ms on the clock); NaN between ticks. */
  get dueMs(): number {
    return this.#dueMs;
  }

  /** The media time of the next tick to run; NaN while the clock is stopped. */
  get nextDueMs(): number {
    return this.#timer === null ? NaN : this.#start + this.#next * this.#tickMs;
  }

  /**
   * Runs `fn` as if in a tick of media time `dueMs` (what it sends is due then): for frames a
   * session sends between ticks, such as the first frames of a playback.
   */
  sendAt(dueMs: number, fn: () => void, replacing = false): void {
    const before = this.#dueMs;
    this.#dueMs = dueMs;
    this.#replacing = replacing;
    try {
      fn();
    } finally {
      this.#dueMs = before;
      this.#replacing = false;
    }
  }

  /** Inside `sendAt(…, true)`: what is sent rebuilds a packet already queued for that media time. */
  get replacing(): boolean {
    return this.#replacing;
  }

  /** How long before its media time a tick runs. */
  get leadMs(): number {
    return this.#lead;
  }

  /** Starts driving `t`; the clock runs while at least one target is registered. */
  add(t: TickTarget): void {
    if (this.#targets.includes(t)) return;
    this.#targets.push(t);
    if (this.#timer === null) {
      this.#start = this.#clock.now();
      this.#next = 0;
      this.#arm();
    }
  }

  remove(t: TickTarget): void {
    if (this.#ticking) {
      // Removing inside a tick would make the swapped-in target miss this tick.
      this.#removals.push(t);
      return;
    }
    const i = this.#targets.indexOf(t);
    if (i < 0) return;
    // Swap-remove: order of targets within a tick does not matter.
    this.#targets[i] = this.#targets[this.#targets.length - 1];
    this.#targets.pop();
    if (this.#targets.length === 0) this.stop();
  }

  has(t: TickTarget): boolean {
    return this.#targets.includes(t);
  }

  /** Stops the clock (targets stay registered only if re-added). */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = null;
    this.#targets.length = 0;
  }

  #arm(): void {
    const due = this.#start + this.#next * this.#tickMs - this.#lead;
    this.#timer = this.#clock.setTimer(due - this.#clock.now(), this.#run);
  }

  #onTimer(): void {
    const now = this.#clock.now();
    const due = Math.floor((now + this.#early + this.#lead - this.#start) / this.#tickMs);
    const late = now - (this.#start + this.#next * this.#tickMs - this.#lead);
    if (late > this.#maxLate) this.#maxLate = late;
    if (due - this.#next > this.#maxCatchUp) {
      const skip = due - this.#next - this.#maxCatchUp;
      this.#skipped += skip;
      this.#next += skip;
      this.#logger?.warn('playout scheduler fell behind; skipping ticks', { skipped: skip });
    }
    while (this.#next <= due && this.#targets.length > 0) {
      this.#tickAll(this.#next, now);
      this.#next++;
      this.#ticks++;
    }
    if (this.#targets.length > 0) this.#arm();
    else this.#timer = null;
  }

  #tickAll(tick: number, now: number): void {
    const ts = this.#targets;
    this.#ticking = true;
    this.#dueMs = this.#start + tick * this.#tickMs;
    for (let i = 0; i < ts.length; i++) {
      try {
        ts[i].onTick(tick, now);
      } catch (e) {
        // One broken target must not stop the clock of every call: it alone is dropped.
        this.#fail(ts[i], e);
      }
    }
    this.#ticking = false;
    this.#dueMs = NaN;
    while (this.#removals.length > 0) this.remove(this.#removals.pop() as TickTarget);
  }

  #fail(target: TickTarget, err: unknown): void {
    this.#removals.push(target);
    if (!this.#onTargetError) {
      this.#logger?.error('playout target failed; removed from the scheduler', { err: err instanceof Error ? err : String(err) });
      return;
    }
    try {
      this.#onTargetError(target, err);
    } catch (e) {
      this.#logger?.error('playout onTargetError callback failed', { err: e instanceof Error ? e : String(e) });
    }
  }
}
