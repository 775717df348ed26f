import { headersSchema, opt, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb } from '../types.js';

export const hangupSchema: ObjectSchema = fromSpec('hangup', { headers: opt(headersSchema()) });

/** Ends the call; `headers` go on the BYE (contract §4.2). */
export const hangup = defineVerb<{ readonly headers?: Readonly<Record<string, string>> }>({
  name: 'hangup',
  schema: hangupSchema,
  async run(ctx, p) {
    await ctx.call.hangup(p.headers);
    return { end: true };
  },
});
