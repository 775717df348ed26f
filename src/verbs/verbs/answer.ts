import type { ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb } from '../types.js';

export const answerSchema: ObjectSchema = fromSpec('answer');

/** Answers an inbound call (a no-op on an answered call). */
export const answer = defineVerb<Record<string, never>>({
  name: 'answer',
  schema: answerSchema,
  async run(ctx) {
    await ctx.call.answer();
  },
});
