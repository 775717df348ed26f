import { Rfc4733Sender, type Rfc4733SenderOptions, type Rfc4733Step } from './rfc4733.js';

/**
 * The RFC 4733 digits one session sends: one `Rfc4733Sender` at a time, in the order asked;
 * each `enqueue` resolves when its last end packet has gone out (or the session closed).
 */
export class DtmfSendQueue {
  #sender: Rfc4733Sender | null = null;
  #resolve: (() => void) | null = null;
  #tail: Promise<unknown> = Promise.resolve();

  /** Digits are being sent (the media tick sends their events, not audio). */
  get active(): boolean {
    return this.#sender !== null;
  }

  enqueue(digits: string, opts: Rfc4733SenderOptions, closed: () => boolean): Promise<void> {
    const run = (): Promise<void> => new Promise<void>((resolve) => {
      if (closed()) return resolve();
      this.#sender = new Rfc4733Sender(digits, opts);
      this.#resolve = resolve;
    });
    const p = this.#tail.then(run, run);
    this.#tail = p;
    return p;
  }

  /** This tick's step of the digits being sent (call only when `active`); the last one finishes them. */
  step(timestamp: number): Rfc4733Step {
    const sender = this.#sender as Rfc4733Sender;
    const step = sender.step(timestamp);
    if (sender.done) this.finish();
    return step;
  }

  /** Ends the digits being sent (done, or the session closed) and resolves their promise. */
  finish(): void {
    const r = this.#resolve;
    this.#sender = null;
    this.#resolve = null;
    r?.();
  }
}
