import { Type } from '@sinclair/typebox';
import { DateTime, Flag, HookIn, HookOut, HookRequired, Nullable, NullableSid, NullableText, Sid } from './common.js';

/** Request and response schemas of the provisioning resources, with jambonz's field names (contract §7.2). */
const strict = { additionalProperties: false } as const;

const accountFields = {
  name: Type.String({ minLength: 1, maxLength: 64 }),
  sip_realm: NullableText(132),
  service_provider_sid: NullableSid,
  registration_hook: HookIn,
  queue_event_hook: HookIn,
  is_active: Flag,
  webhook_secret: Type.String({ minLength: 1, maxLength: 128 }),
  disable_cdrs: Flag,
  record_all_calls: Flag,
  record_format: Type.Union([Type.Literal('mp3'), Type.Literal('wav')]),
  enable_debug_log: Flag,
  allow_any_caller_id: Type.Boolean({ description: 'admin only: may outbound calls use any caller id (default false)' }),
  max_concurrent_calls: Nullable(Type.Integer({ minimum: 0, description: 'admin only; null = unlimited' })),
  max_calls_per_second: Nullable(Type.Number({ exclusiveMinimum: 0, description: 'admin only; null = unlimited' })),
};
/** Fields only an admin key may set. */
export const ADMIN_ACCOUNT_FIELDS = ['service_provider_sid', 'is_active', 'allow_any_caller_id', 'max_concurrent_calls', 'max_calls_per_second'] as const;

export const AccountCreate = Type.Composite([Type.Object({ name: accountFields.name }), Type.Partial(Type.Object(accountFields))], strict);
export const AccountUpdate = Type.Partial(Type.Object(accountFields), strict);
export const AccountOut = Type.Object({
  account_sid: Type.String(),
  name: Type.String(),
  sip_realm: Nullable(Type.String()),
  service_provider_sid: Nullable(Type.String()),
  registration_hook: HookOut,
  queue_event_hook: HookOut,
  is_active: Type.Boolean(),
  webhook_secret: Type.String(),
  disable_cdrs: Type.Boolean(),
  record_all_calls: Type.Boolean(),
  record_format: Type.String(),
  enable_debug_log: Type.Boolean(),
  allow_any_caller_id: Type.Boolean(),
  max_concurrent_calls: Nullable(Type.Integer()),
  max_calls_per_second: Nullable(Type.Number()),
  created_at: Type.String(),
});

const speech = NullableText(128);
const speechFields = {
  speech_synthesis_vendor: speech,
  speech_synthesis_language: speech,
  speech_synthesis_voice: speech,
  speech_synthesis_label: speech,
  speech_recognizer_vendor: speech,
  speech_recognizer_language: speech,
  speech_recognizer_label: speech,
  fallback_speech_synthesis_vendor: speech,
  fallback_speech_synthesis_language: speech,
  fallback_speech_synthesis_voice: speech,
  fallback_speech_synthesis_label: speech,
  fallback_speech_recognizer_vendor: speech,
  fallback_speech_recognizer_language: speech,
  fallback_speech_recognizer_label: speech,
};
const applicationFields = {
  name: Type.String({ minLength: 1, maxLength: 64 }),
  account_sid: Sid,
  call_hook: HookIn,
  call_status_hook: HookIn,
  messaging_hook: HookIn,
  app_json: Nullable(Type.String({ maxLength: 65_536, description: 'a JSON-encoded array of verbs' })),
  use_for_fallback_speech: Flag,
  env_vars: Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'], description: 'free-form values handed to the application' }),
  record_all_calls: Flag,
  ...speechFields,
};
export const ApplicationCreate = Type.Composite([Type.Object({ name: applicationFields.name, call_hook: HookRequired }), Type.Partial(Type.Object(applicationFields))], strict);
export const ApplicationUpdate = Type.Partial(Type.Object(applicationFields), strict);
export const ApplicationOut = Type.Object({
  application_sid: Type.String(),
  name: Type.String(),
  account_sid: Type.String(),
  call_hook: HookOut,
  call_status_hook: HookOut,
  messaging_hook: HookOut,
  app_json: Nullable(Type.String()),
  ...speechFields,
  use_for_fallback_speech: Type.Boolean(),
  env_vars: Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'], additionalProperties: true }),
  record_all_calls: Type.Boolean(),
  created_at: Type.String(),
});

export const ApiKeyCreate = Type.Object(
  {
    account_sid: Type.Optional(NullableSid),
    expires_at: Type.Optional(Nullable(DateTime)),
  },
  strict,
);
export const ApiKeyCreated = Type.Object({ sid: Type.String(), token: Type.String({ description: 'the secret: shown only in this response' }) });
export const ApiKeyOut = Type.Object({
  api_key_sid: Type.String(),
  account_sid: Nullable(Type.String()),
  scope: Type.Union([Type.Literal('admin'), Type.Literal('account')]),
  token_hint: Type.String({ description: 'last four characters of the token' }),
  expires_at: Nullable(Type.String()),
  last_used: Nullable(Type.String()),
  created_at: Type.String(),
});

const NUMBER = Type.String({ minLength: 1, maxLength: 132, pattern: '^\\+?[^\\s+]+$', description: 'stored without its leading +' });
export const PhoneNumberCreate = Type.Object(
  { number: NUMBER, account_sid: Type.Optional(NullableSid), application_sid: Type.Optional(NullableSid), voip_carrier_sid: Type.Optional(NullableSid) },
  strict,
);
export const PhoneNumberUpdate = Type.Partial(PhoneNumberCreate, strict);
export const PhoneNumberOut = Type.Object({
  phone_number_sid: Type.String(),
  number: Type.String(),
  account_sid: Nullable(Type.String()),
  application_sid: Nullable(Type.String()),
  voip_carrier_sid: Nullable(Type.String()),
  created_at: Type.String(),
});

const carrierFields = {
  name: Type.String({ minLength: 1, maxLength: 64 }),
  description: NullableText(255),
  account_sid: NullableSid,
  application_sid: NullableSid,
  e164_leading_plus: Flag,
  requires_register: Flag,
  register_username: NullableText(64),
  register_password: NullableText(64),
  register_sip_realm: NullableText(64),
  register_from_user: NullableText(128),
  register_from_domain: NullableText(255),
  register_public_ip_in_contact: Flag,
  tech_prefix: NullableText(16),
  inbound_auth_username: NullableText(64),
  inbound_auth_password: NullableText(64),
  diversion: Nullable(Type.String({ maxLength: 32, description: 'not supported yet: only null or ""' })),
  is_active: Flag,
  dtmf_type: Type.Union([Type.Literal('rfc2833'), Type.Literal('tones'), Type.Literal('info')], { description: 'only rfc2833 is supported yet' }),
  outbound_sip_proxy: NullableText(255),
  trunk_type: Type.Union([Type.Literal('static_ip'), Type.Literal('auth'), Type.Literal('reg')]),
  is_default: Type.Boolean({ description: "the account's default trunk for calls that name none" }),
};
/** Clients that PUT back what they read send `register_status` too: accepted and ignored. */
const carrierWritable = { ...carrierFields, register_status: Type.Unknown({ description: 'read-only: ignored on write' }) };
export const CarrierCreate = Type.Composite([Type.Object({ name: carrierFields.name }), Type.Partial(Type.Object(carrierWritable))], strict);
export const CarrierUpdate = Type.Partial(Type.Object(carrierWritable), strict);
/** Read-only: the carrier's registration (null when it does not require one). */
export const RegisterStatusOut = Nullable(Type.Object({
  status: Type.Union([Type.Literal('unregistered'), Type.Literal('registering'), Type.Literal('registered'), Type.Literal('failed')]),
  sip_status: Nullable(Type.Integer({ description: 'status of the last final response to REGISTER (408/503 when none came)' })),
  reason: Nullable(Type.String()),
  expires_at: Nullable(Type.String({ description: 'when the registrar drops the binding unless refreshed (ISO 8601)' })),
  last_registered_at: Nullable(Type.String({ description: 'last successful REGISTER (ISO 8601)' })),
}, { description: 'read-only registration status; null when requires_register is false' }));
const CARRIER_FLAGS = ['e164_leading_plus', 'requires_register', 'register_public_ip_in_contact', 'is_active', 'is_default'];
export const CarrierOut = Type.Object({
  voip_carrier_sid: Type.String(),
  name: Type.String(),
  ...Object.fromEntries(
    Object.keys(carrierFields)
      .filter((k) => k !== 'name')
      .map((k) => [k, CARRIER_FLAGS.includes(k) ? Type.Boolean() : Nullable(Type.String())]),
  ),
  dtmf_type: Type.String(),
  trunk_type: Type.String(),
  register_password: Nullable(Type.String({ description: 'masked: never returned after creation' })),
  inbound_auth_password: Nullable(Type.String({ description: 'masked: never returned after creation' })),
  register_status: RegisterStatusOut,
  created_at: Type.String(),
});

const HOST = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$', description: 'an IPv4 address or a DNS name' });
const gatewayFields = {
  voip_carrier_sid: Sid,
  ipv4: HOST,
  netmask: Type.Integer({ minimum: 1, maximum: 32, description: 'an account key may not go below 24 on an inbound gateway' }),
  port: Nullable(Type.Integer({ minimum: 1, maximum: 65535 })),
  inbound: Flag,
  outbound: Flag,
  is_active: Flag,
  protocol: Type.Union([Type.Literal('udp'), Type.Literal('tcp'), Type.Literal('tls'), Type.Literal('tls/srtp')], { description: 'udp, tcp, tls (SIP over TLS, RFC 3261 §26.2), or tls/srtp (TLS and SRTP with SDES keys, RFC 4568)' }),
  priority: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'outbound gateways are tried in ascending priority' }),
  send_options_ping: Type.Boolean({ description: 'not supported yet: only false' }),
  use_sips_scheme: Type.Boolean({ description: 'dial sips: URIs (TLS end to end, RFC 3261 §26.2.2)' }),
  pad_crypto: Type.Boolean({ description: 'keep the base64 = padding of SDES keys in a=crypto (RFC 4568 §6.1)' }),
  mutual_tls: Type.Boolean({ description: 'mutual TLS: TLS connections from this gateway must present a client certificate that verifies, and its server certificate is verified (not a jambonz field)' }),
};
export const GatewayCreate = Type.Composite([Type.Object({ voip_carrier_sid: Sid, ipv4: HOST }), Type.Partial(Type.Object(gatewayFields))], strict);
export const GatewayUpdate = Type.Partial(Type.Object(gatewayFields), strict);
export const GatewayOut = Type.Object({
  sip_gateway_sid: Type.String(),
  voip_carrier_sid: Type.String(),
  ipv4: Type.String(),
  netmask: Type.Integer(),
  port: Nullable(Type.Integer()),
  inbound: Type.Boolean(),
  outbound: Type.Boolean(),
  is_active: Type.Boolean(),
  protocol: Type.String(),
  priority: Type.Integer(),
  send_options_ping: Type.Boolean(),
  use_sips_scheme: Type.Boolean(),
  pad_crypto: Type.Boolean(),
  mutual_tls: Type.Boolean(),
  created_at: Type.String(),
});
export const GatewayListQuery = Type.Object({ voip_carrier_sid: Type.Optional(Sid) }, strict);
