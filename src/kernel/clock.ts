import { GatewayError } from './errors.js';

/**
 * Time as an input. Protocol state machines never call `setTimeout` or `Date.now()` directly;
 * they are handed a Clock so that tests can drive them with a fake one (DESIGN.md §4.2).
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds (not wall time). */
  now(): number;
  /** Wall-clock milliseconds since the epoch, for timestamps in events and CDRs. */
  wallNow(): number;
  /**
   * Runs `fn` once after `ms` milliseconds. A negative delay is due at once; a delay that is
   * not a finite number throws `ClockError` (`CLOCK_BAD_DELAY`). Any finite delay is honoured,
   * however long.
   */
  setTimer(ms: number, fn: () => void): TimerHandle;
}

/** The longest delay one `setTimeout` holds; Node fires a longer one after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export class ClockError extends GatewayError {
  declare readonly code: 'CLOCK_BAD_DELAY';
  constructor(readonly delay: number) {
    super('CLOCK_BAD_DELAY', `a timer delay must be a finite number of milliseconds, not ${delay}`);
  }
}

/** The delay `setTimer` will wait: throws for NaN and ±Infinity, and makes a past deadline 0. */
export function timerDelay(ms: number): number {
  if (!Number.isFinite(ms)) throw new ClockError(ms);
  return Math.max(0, ms);
}

/**
 * The process clock. A delay longer than `maxTimerMs` (default and at most `MAX_TIMER_MS`) is
 * waited out as a chain of timers, each re-armed with what is left until the deadline.
 */
export function createSystemClock(opts: { readonly maxTimerMs?: number } = {}): Clock {
  const chunk = Math.min(opts.maxTimerMs ?? MAX_TIMER_MS, MAX_TIMER_MS);
  return {
    now: () => performance.now(),
    wallNow: () => Date.now(),
    setTimer(ms, fn) {
      const delay = timerDelay(ms);
      if (delay <= chunk) {
        const t = setTimeout(fn, delay);
        return { cancel: () => clearTimeout(t) };
      }
      const deadline = performance.now() + delay;
      let t: ReturnType<typeof setTimeout>;
      // Node times a timer from the loop's cached time, which may lag: a link can fire a little
      // early. Each wake-up re-checks the deadline, so `fn` never runs before it.
      const arm = (): void => {
        const left = deadline - performance.now();
        if (left <= 0) fn();
        else t = setTimeout(arm, Math.min(chunk, Math.ceil(left)));
      };
      arm();
      return { cancel: () => clearTimeout(t) };
    },
  };
}

export const systemClock: Clock = createSystemClock();
