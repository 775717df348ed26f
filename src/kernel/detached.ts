import type { Logger } from './logger.js';

/**
 * The one place detached promises go (DESIGN.md §4.5): a rejection is logged with what was
 * being done, never swallowed silently.
 */
export function detach(logger: Logger, what: string, p: Promise<unknown>): void {
  p.catch((e: unknown) => logger.error(`${what} failed`, { err: e instanceof Error ? e : String(e) }));
}
