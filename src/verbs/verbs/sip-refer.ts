import { headersSchema, hookSchema, opt, req, str, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb } from '../types.js';
import type { HookSpec } from '../webhook/hook.js';
import { describe } from './media.js';

interface ReferProps {
  readonly referTo: string;
  readonly referredBy?: string;
  readonly referredByDisplayName?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly actionHook?: HookSpec;
  readonly eventHook?: HookSpec;
}

/** The specification's `sip:refer`, with our header rules. */
export const sipReferSchema: ObjectSchema = fromSpec('sip:refer', {
  referTo: req(str({ nonEmpty: true })),
  headers: opt(headersSchema()),
  actionHook: opt(hookSchema()),
  eventHook: opt(hookSchema()),
});

/** A number or user becomes `sip:x@<host of the call's peer>`; a full URI is kept (contract §4.2). */
function referUri(referTo: string, host: string): string {
  return /^sips?:/i.test(referTo) ? referTo : `sip:${referTo}@${host}`;
}

/**
 * `sip:refer` (RFC 3515): REFER in the dialog, NOTIFY sipfrags to `eventHook`
 * (`{event:"transfer-status", call_status:<code>}`), and `{refer_status, final_referred_call_status}`
 * to `actionHook`; TRANSFER_REFER_SUCCESS / _ERROR to notifyUrl.
 */
export const sipRefer = defineVerb<ReferProps>({
  name: 'sip:refer',
  schema: sipReferSchema,
  async run(ctx, p, signal) {
    const call = ctx.call;
    if (!call.refer) throw new Error('this call cannot send REFER');
    const host = call.info().fs_sip_address;
    const notifies: Promise<unknown>[] = [];
    let fields: Record<string, unknown>;
    try {
      const r = await call.refer(referUri(p.referTo, host), { referredBy: p.referredBy, headers: p.headers }, (code) => {
        if (p.eventHook) notifies.push(ctx.actionHook(p.eventHook, { event: 'transfer-status', call_status: code }).catch(() => undefined));
      }, signal);
      fields = { refer_status: r.referStatus, ...(r.finalStatus !== undefined ? { final_referred_call_status: r.finalStatus } : {}) };
      const ok = r.referStatus === 202 && (r.finalStatus === undefined || (r.finalStatus >= 200 && r.finalStatus < 300));
      call.notifyEvent?.(ok ? 'TRANSFER_REFER_SUCCESS' : 'TRANSFER_REFER_ERROR', fields);
    } catch (e) {
      fields = { refer_status: 500, error: describe(e) };
      call.notifyEvent?.('TRANSFER_REFER_ERROR', fields);
    }
    await Promise.all(notifies);
    if (signal.aborted || !p.actionHook) return;
    return { replace: await ctx.actionHook(p.actionHook, fields) };
  },
});
