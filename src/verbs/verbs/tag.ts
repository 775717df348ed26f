import { anyValue, obj, req, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb } from '../types.js';

/** The specification's `tag`; `data` is a plain object (it becomes customerData), never an array or null. */
export const tagSchema: ObjectSchema = fromSpec('tag', { data: req(obj({}, { test: /.*/, schema: anyValue() })) });

/** Replaces customerData (contract §2.5: replace, not merge); later hooks carry it. */
export const tag = defineVerb<{ readonly data: Readonly<Record<string, unknown>> }>({
  name: 'tag',
  schema: tagSchema,
  async run(ctx, p) {
    ctx.call.setCustomerData(p.data);
  },
});
