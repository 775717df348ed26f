import type { Clock, TimerHandle } from '../../kernel/clock.js';

export type DigitResult = { readonly reason: 'dtmfDetected'; readonly digits: string } | { readonly reason: 'timeout' };

export interface DigitRules {
  readonly numDigits?: number;
  readonly minDigits?: number;
  readonly maxDigits?: number;
  readonly finishOnKey?: string;
  /** The main timer (0 = never); it starts with `start()`, after the prompt. */
  readonly timeoutMs: number;
  readonly interDigitTimeoutMs?: number;
}

/**
 * The DTMF half of gather (contract §4.3) as a state machine with time as an input:
 * - `finishOnKey` ends it, and is not part of `digits`;
 * - `numDigits` (which also sets min and max) or `maxDigits` ends it when reached;
 * - once `minDigits` are in, `interDigitTimeout` of silence ends it and the main timer stops;
 * - the main timer restarts with every digit; when it fires, ≥ minDigits digits are a result,
 *   anything less is `timeout`.
 */
export class DigitCollector {
  #buffer = '';
  #started = false;
  #done = false;
  #main: TimerHandle | undefined;
  #inter: TimerHandle | undefined;
  readonly #min: number;
  readonly #max: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly rules: DigitRules,
    private readonly onDone: (r: DigitResult) => void,
  ) {
    this.#min = Math.max(1, rules.minDigits ?? rules.numDigits ?? 1);
    this.#max = rules.numDigits ?? rules.maxDigits;
  }

  get done(): boolean {
    return this.#done;
  }

  get digits(): string {
    return this.#buffer;
  }

  /** The prompt finished (or there was none): the main timer starts now. */
  start(): void {
    if (this.#done || this.#started) return;
    this.#started = true;
    if (!this.#inter) this.#armMain();
  }

  digit(d: string): void {
    if (this.#done) return;
    if (d === this.rules.finishOnKey) {
      this.#finish({ reason: 'dtmfDetected', digits: this.#buffer });
      return;
    }
    this.#buffer += d;
    if (this.#max !== undefined && this.#buffer.length >= this.#max) {
      this.#finish({ reason: 'dtmfDetected', digits: this.#buffer });
      return;
    }
    const interMs = this.rules.interDigitTimeoutMs;
    if (interMs !== undefined && interMs > 0 && this.#buffer.length >= this.#min) {
      this.#main?.cancel();
      this.#main = undefined;
      this.#inter?.cancel();
      this.#inter = this.clock.setTimer(interMs, () => this.#finish({ reason: 'dtmfDetected', digits: this.#buffer }));
      return;
    }
    if (this.#started) this.#armMain();
  }

  /**
   * Other input arrived (a transcript, the caller's speech onset): the main timer starts over,
   * as a digit would restart it (contract §4.3), unless the inter-digit timer runs.
   */
  touch(): void {
    if (!this.#done && this.#started && !this.#inter) this.#armMain();
  }

  /** Cancels the timers without a result (the gather was killed). */
  stop(): void {
    this.#done = true;
    this.#clear();
  }

  #armMain(): void {
    this.#main?.cancel();
    this.#main = undefined;
    if (this.rules.timeoutMs <= 0) return;
    this.#main = this.clock.setTimer(this.rules.timeoutMs, () => {
      const enough = this.#buffer.length >= this.#min;
      this.#finish(enough ? { reason: 'dtmfDetected', digits: this.#buffer } : { reason: 'timeout' });
    });
  }

  #finish(r: DigitResult): void {
    if (this.#done) return;
    this.#done = true;
    this.#clear();
    this.onDone(r);
  }

  #clear(): void {
    this.#main?.cancel();
    this.#inter?.cancel();
    this.#main = undefined;
    this.#inter = undefined;
  }
}
