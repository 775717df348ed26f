import { LIMITS, num, opt, req, str, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb } from '../types.js';
import { ensureMedia } from './media.js';

export const dtmfSchema: ObjectSchema = fromSpec('dtmf', { dtmf: req(str({ nonEmpty: true })), duration: opt(num({ min: 1, max: LIMITS.dtmfMs })) });

/** Sends RFC 4733 digits; `duration` in ms, default 500 (contract §4.2). */
export const dtmf = defineVerb<{ readonly dtmf: string; readonly duration?: number }>({
  name: 'dtmf',
  schema: dtmfSchema,
  async run(ctx, p, signal) {
    await ensureMedia(ctx, false);
    if (signal.aborted) return;
    await ctx.call.sendDtmf(p.dtmf, p.duration ?? 500);
  },
});
