import { linkedController } from '../abort.js';
import { hookSchema, httpUrlOrList, LIMITS, loopSchema, num, oneOf, opt, refine, req, str, type ObjectSchema, type Schema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb, type VerbContext } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { describe, ensureMedia, loopCount } from './media.js';

export interface PlayProps {
  readonly url: string | readonly string[];
  readonly loop?: number | 'forever';
  readonly earlyMedia?: boolean;
  readonly timeoutSecs?: number | string;
  readonly actionHook?: HookSpec;
}

/** Seconds as a number or a numeric string (jambonz sends both), bounded like every other wait. */
const secondsLike = (): Schema => oneOf(
  `a number of seconds from 0 to ${LIMITS.waitSeconds}`,
  num({ min: 0, max: LIMITS.waitSeconds }),
  refine(str(), (v) => {
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 && n <= LIMITS.waitSeconds ? undefined : { message: `must be a number of seconds from 0 to ${LIMITS.waitSeconds}` };
  }),
);

/**
 * The specification's `play`; `url` is http(s) only (a tenant's app must not play files from the
 * gateway's disk). `seekOffset` is typed as the specification types it (it is not acted on).
 */
export const playSchema: ObjectSchema = fromSpec('play', {
  url: req(httpUrlOrList()),
  loop: opt(loopSchema()),
  timeoutSecs: opt(secondsLike()),
  actionHook: opt(hookSchema()),
});

export interface PlayResult {
  readonly playbackMs: number;
  /** The URL that could not be played, when one failed. */
  readonly failedUrl?: string;
  readonly error?: string;
}

/**
 * Plays every URL one after another, `loop` times, for at most `timeoutSecs`. Stops at the first
 * URL that fails. Returns how long audio played.
 */
export async function playUrls(ctx: VerbContext, p: PlayProps, signal: AbortSignal): Promise<PlayResult> {
  await ensureMedia(ctx, p.earlyMedia);
  const urls = typeof p.url === 'string' ? [p.url] : p.url;
  const rounds = loopCount(p.loop);
  const limit = linkedController(signal);
  const limitSecs = Number(p.timeoutSecs);
  const timer = limitSecs > 0 ? ctx.clock.setTimer(limitSecs * 1000, () => limit.controller.abort()) : undefined;
  const stop = limit.controller.signal;
  let playbackMs = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const before = playbackMs;
      for (const url of urls) {
        if (stop.aborted) return { playbackMs };
        try {
          const r = await ctx.call.play(url, stop);
          playbackMs += r.playbackMs;
          if (r.interrupted) return { playbackMs };
        } catch (e) {
          if (stop.aborted) return { playbackMs };
          return { playbackMs, failedUrl: url, error: describe(e) };
        }
      }
      // Nothing audible came out: looping again (e.g. "forever") would only spin.
      if (playbackMs === before) break;
    }
    return { playbackMs };
  } finally {
    timer?.cancel();
    limit.dispose();
  }
}

/** contract §4.2 play: `playCompleted` with the playback time, or `playFailed` and an alert. */
export const play = defineVerb<PlayProps>({
  name: 'play',
  schema: playSchema,
  async run(ctx, p, signal) {
    const r = await playUrls(ctx, p, signal);
    if (signal.aborted) return;
    if (r.failedUrl !== undefined) {
      ctx.call.alert('play-url-notfound', `play: cannot play ${r.failedUrl}`, r.error);
      if (p.actionHook) return { replace: await ctx.actionHook(p.actionHook, { status: 'fail', reason: 'playFailed' }) };
      return;
    }
    if (!p.actionHook) return;
    const fields = { reason: 'playCompleted', playback_seconds: Math.floor(r.playbackMs / 1000), playback_milliseconds: Math.round(r.playbackMs) };
    return { replace: await ctx.actionHook(p.actionHook, fields) };
  },
});
