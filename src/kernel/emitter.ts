/**
 * A small typed event emitter. Listeners run synchronously in registration order; a throwing
 * listener does not stop the others (its error goes to `onListenerError`).
 */
export type EventMap = Record<string, readonly unknown[]>;
type Listener<A extends readonly unknown[]> = (...args: A) => void;

export class Emitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Array<Listener<E[keyof E]>>>();
  constructor(private readonly onListenerError: (e: unknown) => void = (e) => { throw e; }) {}

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as Listener<E[keyof E]>);
    this.listeners.set(event, list);
    return () => this.off(event, fn);
  }

  once<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    const off = this.on(event, ((...args: E[K]) => {
      off();
      fn(...args);
    }) as Listener<E[K]>);
    return off;
  }

  off<K extends keyof E>(event: K, fn: Listener<E[K]>): void {
    const list = this.listeners.get(event);
    if (!list) return;
    const i = list.indexOf(fn as Listener<E[keyof E]>);
    if (i >= 0) list.splice(i, 1);
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const fn of [...list]) {
      try {
        (fn as Listener<E[K]>)(...args);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  listenerCount<K extends keyof E>(event: K): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
