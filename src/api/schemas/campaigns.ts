import { Type } from '@sinclair/typebox';
import { HookRequired, Nullable, Sid } from './common.js';

/** Issue 17, "The exact shapes". */
const E164ish = Type.String({ minLength: 2, maxLength: 32 });
const HHMM = Type.String({ pattern: '^(([01]\\d|2[0-3]):[0-5]\\d|24:00)$', description: '"HH:MM", local time; an end may be "24:00"' });
const Day = Type.Union(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)));
const Retry = Type.Object({ delay: Type.Integer({ minimum: 0, description: 'seconds' }), max_attempts: Type.Integer({ minimum: 1, description: 'attempts in all' }) }, { additionalProperties: false });

export const Pacing = Type.Object({
  cps: Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'call starts per second' }),
  max_concurrent: Type.Optional(Type.Integer({ minimum: 1, description: 'default: the account\'s concurrent-call limit' })),
}, { additionalProperties: false });

export const CampaignCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  application_sid: Type.Optional(Sid),
  call_hook: Type.Optional(HookRequired),
  // The array first: Ajv's coerceTypes 'array' would otherwise turn a one-number pool into a string.
  from: Type.Union([Type.Array(E164ish, { minItems: 1, maxItems: 100 }), E164ish], { description: 'a number or a pool of the account\'s numbers, rotated' }),
  trunk: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  timeout: Type.Optional(Type.Integer({ minimum: 1, maximum: 600, description: 'ring seconds (default 60)' })),
  amd: Type.Optional(Type.Object({ actionHook: HookRequired }, { additionalProperties: true, description: 'answering-machine detection, as in POST /Calls' })),
  tag: Type.Optional(Type.Object({}, { additionalProperties: true })),
  notifyUrl: Type.Optional(HookRequired),
  statusHook: Type.Optional(HookRequired),
  pacing: Pacing,
  schedule: Type.Optional(Type.Object({
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    windows: Type.Optional(Type.Array(Type.Object({ days: Type.Array(Day, { minItems: 1 }), start: HHMM, end: HHMM }, { additionalProperties: false }))),
    start_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
    end_at: Type.Optional(Nullable(Type.String({ format: 'date-time' }))),
  }, { additionalProperties: false })),
  retry: Type.Optional(Type.Object({ busy: Type.Optional(Retry), 'no-answer': Type.Optional(Retry), failed: Type.Optional(Retry), machine: Type.Optional(Retry) }, { additionalProperties: false })),
  voicemail: Type.Optional(Type.Object({
    action: Type.Optional(Type.Union([Type.Literal('hangup'), Type.Literal('drop')])),
    verbs: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
  }, { additionalProperties: false })),
}, { additionalProperties: false });

export const CampaignUpdate = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('running'), Type.Literal('paused'), Type.Literal('stopped')])),
  pacing: Type.Optional(Type.Partial(Pacing, { additionalProperties: false })),
}, { additionalProperties: false, minProperties: 1 });

export const ContactsQuery = Type.Object({
  state: Type.Optional(Type.Union(['pending', 'dialing', 'scheduled', 'done'].map((s) => Type.Literal(s)))),
  outcome: Type.Optional(Type.Union(['human', 'machine', 'answered', 'busy', 'no-answer', 'failed', 'dnc', 'expired'].map((s) => Type.Literal(s)))),
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
  format: Type.Optional(Type.Literal('csv', { description: 'the results as CSV (RFC 4180), every matching contact' })),
});

export const CampaignParams = Type.Object({ account_sid: Sid, campaign_sid: Sid });
export const DncParams = Type.Object({ account_sid: Sid, number: Type.String({ minLength: 1, maxLength: 32 }) });
