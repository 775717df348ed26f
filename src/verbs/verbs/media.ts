import type { VerbContext } from '../types.js';

/**
 * The "media endpoint" precondition (contract §4.1): an unanswered inbound call is answered, or
 * gets early media (183) when the verb asks for `earlyMedia`.
 */
export async function ensureMedia(ctx: VerbContext, earlyMedia: boolean | undefined): Promise<void> {
  if (ctx.call.answered) return;
  await ctx.call.answer(earlyMedia ? { earlyMedia: true } : undefined);
}

/** `loop` as a count; "forever" is Infinity. */
export function loopCount(loop: number | 'forever' | undefined): number {
  if (loop === 'forever') return Number.POSITIVE_INFINITY;
  return loop === undefined ? 1 : Math.floor(loop);
}

/** Words for an alert or a log line from any thrown value. */
export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
