import { Type, type Static } from '@sinclair/typebox';
import { Flag, Nullable, NullableSid, NullableText } from './common.js';

/**
 * `/Accounts/{sid}/SpeechCredentials` (contract §7.2), jambonz's field names. The vendor fields
 * are checked per vendor by the route (which ones a vendor needs, which it does not use); null
 * means "not given", as jambonz clients send unused fields as null.
 */
const secretText = (max: number, description: string) => Nullable(Type.String({ maxLength: max, description }));
const textOrObject = (max: number, description: string) =>
  Type.Unsafe<string | Record<string, unknown> | null>({ anyOf: [{ type: ['string', 'null'], maxLength: max }, { type: 'object' }], description });

export const vendorFields = {
  api_key: secretText(2048, 'microsoft, deepgram, elevenlabs (returned obscured)'),
  region: NullableText(64),
  service_key: textOrObject(16384, 'google: the service account key JSON (client_email, private_key); returned with private_key obscured'),
  access_key_id: secretText(256, 'aws (returned obscured)'),
  secret_access_key: secretText(256, 'aws (returned obscured)'),
  aws_region: NullableText(64),
  role_arn: NullableText(2048),
  deepgram_stt_uri: NullableText(255),
  deepgram_stt_use_tls: Nullable(Flag),
  deepgram_tts_uri: NullableText(255),
  deepgram_tts_use_tls: Nullable(Flag),
  use_custom_stt: Nullable(Flag),
  custom_stt_endpoint_url: NullableText(2048),
  use_custom_tts: Nullable(Flag),
  custom_tts_endpoint_url: NullableText(2048),
  custom_stt_url: NullableText(2048),
  custom_tts_url: NullableText(2048),
  auth_token: secretText(2048, 'custom vendors (returned obscured)'),
  model_id: NullableText(128),
  options: textOrObject(16384, 'elevenlabs: vendor options (a JSON object, or its text)'),
};
export type VendorFieldName = keyof typeof vendorFields;
export const VENDOR_FIELD_NAMES = Object.keys(vendorFields) as VendorFieldName[];

const common = {
  label: NullableText(64),
  use_for_tts: Flag,
  use_for_stt: Flag,
  account_sid: NullableSid,
  service_provider_sid: NullableSid,
};

export const SpeechCredentialCreate = Type.Object(
  { vendor: Type.String({ minLength: 1, maxLength: 80, description: 'google | aws | microsoft | deepgram | elevenlabs | custom:<name>' }), ...Type.Partial(Type.Object(common)).properties, ...Type.Partial(Type.Object(vendorFields)).properties },
  { additionalProperties: false },
);
export type SpeechCredentialCreateBody = Static<typeof SpeechCredentialCreate>;

/** A PUT may repeat what a GET returned; read-only fields are accepted and ignored, vendor and label must not change. */
export const SpeechCredentialUpdate = Type.Partial(
  Type.Object({
    vendor: Type.String({ maxLength: 80 }),
    ...common,
    ...vendorFields,
    speech_credential_sid: Type.String(),
    created_at: Nullable(Type.String()),
    last_used: Nullable(Type.String()),
    last_tested: Nullable(Type.String()),
    tts_tested_ok: Nullable(Type.Boolean()),
    stt_tested_ok: Nullable(Type.Boolean()),
  }),
  { additionalProperties: false },
);
export type SpeechCredentialUpdateBody = Static<typeof SpeechCredentialUpdate>;

export const SpeechCredentialOut = Type.Object({
  speech_credential_sid: Type.String(),
  account_sid: Type.String(),
  service_provider_sid: Type.Null(),
  vendor: Type.String(),
  label: Nullable(Type.String()),
  use_for_tts: Type.Boolean(),
  use_for_stt: Type.Boolean(),
  created_at: Type.String(),
  last_used: Nullable(Type.String()),
  last_tested: Nullable(Type.String()),
  tts_tested_ok: Nullable(Type.Boolean()),
  stt_tested_ok: Nullable(Type.Boolean()),
  ...Type.Partial(Type.Object(vendorFields)).properties,
});

const TestSide = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('fail'), Type.Literal('not tested')]),
  reason: Type.Optional(Type.String()),
});
export const SpeechCredentialTestOut = Type.Object({ tts: TestSide, stt: TestSide }, { description: 'jambonz: the result per use' });
