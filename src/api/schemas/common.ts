import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * Building blocks shared by the resource schemas. Requests are validated with type coercion on
 * (so query strings and jambonz's 0/1 booleans work); nullable scalars therefore use a JSON
 * Schema type list (`["string","null"]`), which Ajv never coerces a null through.
 */
type Scalar = TSchema & { type: string };

export function Nullable<T extends Scalar>(s: T) {
  return Type.Unsafe<Static<T> | null>({ ...s, type: [s.type, 'null'] });
}

export const Sid = Type.String({ minLength: 1, maxLength: 64, description: 'a resource sid (UUID)' });
export const NullableSid = Nullable(Sid);
export const Text = (max = 255) => Type.String({ maxLength: max });
export const NullableText = (max = 255) => Nullable(Type.String({ maxLength: max }));

const HOOK_URL = '^(https?|wss?)://[^\\s/?#]+[^\\s]*$';
const HOOK_METHOD = '^([gG][eE][tT]|[pP][oO][sS][tT]|[wW][sS])$';

/** Friendlier messages for pattern failures than Ajv's "must match pattern …". */
export const PATTERN_MESSAGES: Readonly<Record<string, string>> = {
  [HOOK_URL]: 'must be an absolute http(s):// or ws(s):// URL',
  [HOOK_METHOD]: 'must be GET, POST or WS',
};

type HookObject = { url: string; method?: string | null; username?: string | null; password?: string | null; webhook_sid?: string | null };

function hookSchema(nullable: boolean) {
  return {
  anyOf: [
    { type: nullable ? ['string', 'null'] : 'string', pattern: HOOK_URL, maxLength: 2048 },
    {
      type: 'object',
      required: ['url'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', pattern: HOOK_URL, maxLength: 2048 },
        method: { type: ['string', 'null'], pattern: HOOK_METHOD },
        username: { type: ['string', 'null'], maxLength: 255 },
        password: { type: ['string', 'null'], maxLength: 255 },
        webhook_sid: { type: ['string', 'null'], description: 'accepted (and ignored) so a GET result can be PUT back' },
      },
    },
  ],
  description: 'an absolute http(s)/ws(s) URL, or {url, method, username, password}',
  };
}

/** A webhook: a bare absolute URL (→ POST) or `{url, method, username, password}` (contract §1.1); null clears it. */
export const HookIn = Type.Unsafe<string | null | HookObject>(hookSchema(true));
/** The same, where a hook is required. */
export const HookRequired = Type.Unsafe<string | HookObject>(hookSchema(false));

export const HookOut = Type.Unsafe<{ webhook_sid: string; url: string; method: string; username: string | null; password: string | null } | null>({
  type: ['object', 'null'],
  properties: {
    webhook_sid: { type: 'string' },
    url: { type: 'string' },
    method: { type: 'string' },
    username: { type: ['string', 'null'] },
    password: { type: ['string', 'null'] },
  },
});

export const Flag = Type.Boolean({ description: 'true/false (1/0 accepted)' });
export const DateTime = Type.String({ format: 'date-time' });

export const ErrorBody = Type.Object(
  {
    msg: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { description: 'every error: a message, and for validation errors the field paths at fault' },
);

export const Created = Type.Object({ sid: Type.String() }, { description: 'the new resource' });

export const SidParams = Type.Object({ sid: Sid, account_sid: Type.Optional(Sid) });
export const AccountParams = Type.Object({ account_sid: Sid });

/** Responses shared by every route (documented in OpenAPI). */
export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  413: ErrorBody,
  422: ErrorBody,
};

export function paged<T extends TSchema>(item: T) {
  return Type.Object({ total: Type.Integer(), page: Type.Integer(), page_size: Type.Integer(), data: Type.Array(item) });
}
