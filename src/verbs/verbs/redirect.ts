import { hookSchema, opt, req, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';

export const redirectSchema: ObjectSchema = fromSpec('redirect', { actionHook: req(hookSchema()), statusHook: opt(hookSchema()) });

/**
 * `session:redirect` (the call info only) to `actionHook`; its verbs replace the application. An
 * empty reply goes on with the current list. `statusHook` becomes the call_status_hook.
 */
export const redirect = defineVerb<{ readonly actionHook: HookSpec; readonly statusHook?: HookSpec }>({
  name: 'redirect',
  schema: redirectSchema,
  async run(ctx, p, signal) {
    if (p.statusHook !== undefined) ctx.setStatusHook(p.statusHook);
    const verbs = await ctx.redirect(p.actionHook);
    return signal.aborted ? undefined : { replace: verbs };
  },
});
