import { Type } from '@sinclair/typebox';
import { DateTime, Nullable } from './common.js';

/** RecentCalls (CDRs) and Alerts, with the query parameters of contract §7.2. */
const NStr = Nullable(Type.String());
const NInt = Nullable(Type.Integer());

export const CdrOut = Type.Object({
  call_sid: Type.String(),
  account_sid: Type.String(),
  application_sid: NStr,
  direction: Type.String(),
  from: Type.String(),
  to: Type.String(),
  trunk: NStr,
  sip_callid: NStr,
  sip_parent_callid: NStr,
  attempted_at: Type.String(),
  answered_at: NStr,
  terminated_at: NStr,
  duration: Type.Integer(),
  answered: Type.Boolean(),
  sip_status: NInt,
  termination_reason: NStr,
  termination_cause: NStr,
  post_dial_delay_ms: NInt,
  webhook_latency_ms: NInt,
  host: NStr,
  remote_host: NStr,
  trace_id: NStr,
  recording_url: NStr,
  timeline: Type.Array(Type.Object({}, { additionalProperties: true }), { description: 'what happened to the call, in order' }),
});

export const AlertOut = Type.Object({
  alert_sid: Type.String(),
  time: Type.String(),
  account_sid: NStr,
  alert_type: Type.String(),
  message: Type.String(),
  detail: NStr,
  call_sid: NStr,
  vendor: NStr,
  target_sid: NStr,
  url: NStr,
  status: NInt,
  count: NInt,
});

const range = {
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  start: Type.Optional(DateTime),
  end: Type.Optional(DateTime),
};

export const RecentCallsQuery = Type.Object({
  ...range,
  answered: Type.Optional(Type.Boolean()),
  direction: Type.Optional(Type.Union([Type.Literal('inbound'), Type.Literal('outbound')])),
  trunk: Type.Optional(Type.String({ maxLength: 255 })),
  filter: Type.Optional(Type.String({ maxLength: 255, description: 'part of from, to or call_sid' })),
});

export const AlertsQuery = Type.Object({ ...range, alert_type: Type.Optional(Type.String({ maxLength: 64 })) });
