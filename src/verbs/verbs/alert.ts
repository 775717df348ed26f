import type { ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb } from '../types.js';

export const alertSchema: ObjectSchema = fromSpec('alert');

/** Writes an `alert-from-application` alert for the account. */
export const alert = defineVerb<{ readonly message: string }>({
  name: 'alert',
  schema: alertSchema,
  async run(ctx, p) {
    ctx.call.alert('alert-from-application', p.message);
  },
});
