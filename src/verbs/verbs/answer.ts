import { obj, type ObjectSchema } from '../schema.js';
import { defineVerb } from '../types.js';

export const answerSchema: ObjectSchema = obj({});

/** Answers an inbound call (a no-op on an answered call). */
export const answer = defineVerb<Record<string, never>>({
  name: 'answer',
  schema: answerSchema,
  async run(ctx) {
    await ctx.call.answer();
  },
});
