/** What the tests of every speech-to-text adapter share: collecting events, waiting, feeding audio. */
import type { SttEvent } from '../../speech/vendor.js';

/** Collects events; `until` resolves when one matching arrives (or has already). */
export class SttEvents {
  readonly all: SttEvent[] = [];
  #waiters: { pred: (e: SttEvent) => boolean; resolve: (e: SttEvent) => void }[] = [];
  readonly push = (e: SttEvent): void => {
    this.all.push(e);
    for (const w of this.#waiters.filter((x) => x.pred(e))) w.resolve(e);
    this.#waiters = this.#waiters.filter((x) => !x.pred(e));
  };
  until(pred: (e: SttEvent) => boolean, ms = 10_000): Promise<SttEvent> {
    const seen = this.all.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event in ${ms} ms; got ${JSON.stringify(this.all)}`)), ms);
      this.#waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }
}

/** Polls `check` every 20 ms until it returns something (a state, not a sleep). */
export async function pollFor<T>(check: () => T | undefined | false, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Writes `pcm` to a recognizer stream in frames of `frame` samples (20 ms at 8 kHz by default); `onFrame` runs after each. */
export function writeFrames(stream: { write(f: Int16Array): void }, pcm: Int16Array, frame = 160, onFrame?: () => void): void {
  for (let i = 0; i < pcm.length; i += frame) {
    stream.write(pcm.subarray(i, i + frame));
    onFrame?.();
  }
}
