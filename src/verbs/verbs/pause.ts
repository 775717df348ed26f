import { delay } from '../abort.js';
import { LIMITS, num, req, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb } from '../types.js';

export const pauseSchema: ObjectSchema = fromSpec('pause', { length: req(num({ min: 0, max: LIMITS.waitSeconds })) });

/** Waits `length` seconds on the clock (contract §4.2). */
export const pause = defineVerb<{ readonly length: number }>({
  name: 'pause',
  schema: pauseSchema,
  async run(ctx, p, signal) {
    await delay(ctx.clock, p.length * 1000, signal);
  },
});
