import { headersSchema, num, opt, req, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { defineVerb } from '../types.js';

interface DeclineProps {
  readonly status: number;
  readonly reason?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The specification's `sip:decline`: a final non-2xx status (RFC 3261 §21.3–21.6), our header rules. */
export const sipDeclineSchema: ObjectSchema = fromSpec('sip:decline', { status: req(num({ min: 300, max: 699, integer: true })), headers: opt(headersSchema()) });

/** `sip:decline`: rejects an unanswered inbound call (adds `X-Reason: SIP Decline Verb`, contract §4.5). */
export const sipDecline = defineVerb<DeclineProps>({
  name: 'sip:decline',
  schema: sipDeclineSchema,
  async run(ctx, p) {
    if (!ctx.call.decline) throw new Error('sip:decline applies to inbound calls only');
    ctx.call.decline(p.status, p.reason ?? '', { 'X-Reason': 'SIP Decline Verb', ...p.headers });
    return { end: true };
  },
});
