import { headersSchema, hookSchema, inDialogMethodSchema, opt, req, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { describe } from './media.js';

interface SipRequestProps {
  readonly method: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly actionHook?: HookSpec;
}

/** The specification's `sip:request`; only in-dialog methods that leave the dialog alone. */
export const sipRequestSchema: ObjectSchema = fromSpec('sip:request', {
  method: req(inDialogMethodSchema()),
  // Content-Type types the body (see run); the other stack headers are refused.
  headers: opt(headersSchema(['Content-Type'])),
  actionHook: opt(hookSchema()),
});

/**
 * An in-dialog request (INFO, MESSAGE, NOTIFY …). A `Content-Type` among `headers` types the
 * body. The actionHook gets `{result:"success", sip_status}` or `{result:"failed", err}`.
 */
export const sipRequest = defineVerb<SipRequestProps>({
  name: 'sip:request',
  schema: sipRequestSchema,
  async run(ctx, p, signal) {
    const headers = { ...p.headers };
    const typeKey = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type');
    const contentType = typeKey === undefined ? undefined : headers[typeKey];
    if (typeKey !== undefined) delete headers[typeKey];
    let fields: Record<string, unknown>;
    try {
      const r = await ctx.call.sipRequest(p.method.toUpperCase(), { body: p.body, contentType, headers });
      fields = { result: 'success', sip_status: r.status };
    } catch (e) {
      fields = { result: 'failed', err: describe(e) };
    }
    if (signal.aborted || !p.actionHook) return;
    return { replace: await ctx.actionHook(p.actionHook, fields) };
  },
});
