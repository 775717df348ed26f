import { anyValue, obj, req, type ObjectSchema } from '../schema.js';
import { defineVerb } from '../types.js';

export const tagSchema: ObjectSchema = obj({ data: req(obj({}, { test: /.*/, schema: anyValue() })) });

/** Replaces customerData (contract §2.5: replace, not merge); later hooks carry it. */
export const tag = defineVerb<{ readonly data: Readonly<Record<string, unknown>> }>({
  name: 'tag',
  schema: tagSchema,
  async run(ctx, p) {
    ctx.call.setCustomerData(p.data);
  },
});
