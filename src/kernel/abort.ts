/**
 * Resolves when the first of `signals` aborts, then drops its listeners from all of them: waiting
 * on a long-lived signal (a call's end) must not leave a listener behind per wait.
 */
export function anyAborted(...signals: readonly AbortSignal[]): Promise<void> {
  if (signals.some((s) => s.aborted)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      for (const s of signals) s.removeEventListener('abort', done);
      resolve();
    };
    for (const s of signals) s.addEventListener('abort', done, { once: true });
  });
}
