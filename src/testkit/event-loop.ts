/**
 * How many times other work got a turn of the event loop while `work` ran: a task that re-queues
 * itself with setImmediate counts its runs. Work done in one piece gives it none; work that lets
 * the event loop through between slices gives it about one per pause.
 */
export async function turnsWhile<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const spin = (): void => {
    turns++;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  try {
    const result = await work();
    return { result, turns };
  } finally {
    running = false;
  }
}
