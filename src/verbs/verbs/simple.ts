import { delay } from '../abort.js';
import { anyValue, headersSchema, hookSchema, num, obj, opt, req, str } from '../schema.js';
import { defineVerb } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { describe, ensureMedia } from './media.js';

/** Verbs small enough to share a file: pause, hangup, redirect, tag, dtmf, answer, sip:request, alert. */

export const pause = defineVerb<{ readonly length: number }>({
  name: 'pause',
  schema: obj({ length: req(num({ min: 0 })) }),
  async run(ctx, p, signal) {
    await delay(ctx.clock, p.length * 1000, signal);
  },
});

/** Ends the call; `headers` go on the BYE (contract §4.2). */
export const hangup = defineVerb<{ readonly headers?: Readonly<Record<string, string>> }>({
  name: 'hangup',
  schema: obj({ headers: opt(headersSchema()) }),
  async run(ctx, p) {
    await ctx.call.hangup(p.headers);
  },
});

/** `session:redirect` to `actionHook`; its verbs replace the application. */
export const redirect = defineVerb<{ readonly actionHook: HookSpec; readonly statusHook?: HookSpec }>({
  name: 'redirect',
  schema: obj({ actionHook: req(hookSchema()), statusHook: opt(hookSchema()) }),
  async run(ctx, p, signal) {
    if (p.statusHook !== undefined) ctx.setStatusHook(p.statusHook);
    const verbs = await ctx.redirect(p.actionHook);
    return signal.aborted ? undefined : { replace: verbs };
  },
});

/** Replaces customerData (contract §2.5: replace, not merge). */
export const tag = defineVerb<{ readonly data: Readonly<Record<string, unknown>> }>({
  name: 'tag',
  schema: obj({ data: req(obj({}, { test: /.*/, schema: anyValue() })) }),
  async run(ctx, p) {
    ctx.call.setCustomerData(p.data);
  },
});

/** Sends RFC 4733 digits; `duration` in ms, default 500. */
export const dtmf = defineVerb<{ readonly dtmf: string; readonly duration?: number }>({
  name: 'dtmf',
  schema: obj({ dtmf: req(str({ nonEmpty: true })), duration: opt(num({ min: 1 })) }),
  async run(ctx, p, signal) {
    await ensureMedia(ctx, false);
    if (signal.aborted) return;
    await ctx.call.sendDtmf(p.dtmf, p.duration ?? 500);
  },
});

export const answer = defineVerb<Record<string, never>>({
  name: 'answer',
  schema: obj({}),
  async run(ctx) {
    await ctx.call.answer();
  },
});

/** Writes an `alert-from-application` alert for the account. */
export const alert = defineVerb<{ readonly message: string }>({
  name: 'alert',
  schema: obj({ message: req(str()) }),
  async run(ctx, p) {
    ctx.call.alert('alert-from-application', p.message);
  },
});

interface SipRequestProps {
  readonly method: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly actionHook?: HookSpec;
}

/** An in-dialog request; actionHook gets `{result:"success", sip_status}` or `{result:"failed", err}`. */
export const sipRequest = defineVerb<SipRequestProps>({
  name: 'sip:request',
  schema: obj({ method: req(str({ nonEmpty: true })), body: opt(str()), headers: opt(headersSchema()), actionHook: opt(hookSchema()) }),
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
