import { isIP } from 'node:net';
import { resolveAllowed, UrlForbiddenError, type UrlPolicy } from '../../kernel/net-policy.js';
import type { CredentialFields } from '../../speech/credentials-cipher.js';
import type { FieldError } from '../errors.js';
import { VENDOR_FIELD_NAMES, type VendorFieldName } from '../schemas/speech-credentials.js';

/**
 * The vendor fields of a speech credential (contract §7.2): which a vendor uses, which it needs,
 * their formats, and how secrets are shown (obscured like jambonz: all but the last 4 characters
 * become `X`). Checks return `{path, message}` pairs; the route refuses them with one 400.
 */
const BUILTIN: Readonly<Record<string, readonly VendorFieldName[]>> = {
  google: ['service_key'],
  aws: ['access_key_id', 'secret_access_key', 'aws_region', 'role_arn'],
  microsoft: ['api_key', 'region', 'use_custom_stt', 'custom_stt_endpoint_url', 'use_custom_tts', 'custom_tts_endpoint_url'],
  deepgram: ['api_key', 'deepgram_stt_uri', 'deepgram_stt_use_tls', 'deepgram_tts_uri', 'deepgram_tts_use_tls', 'model_id'],
  elevenlabs: ['api_key', 'model_id', 'options'],
};
const CUSTOM_FIELDS: readonly VendorFieldName[] = ['custom_stt_url', 'custom_tts_url', 'auth_token'];
const CUSTOM = /^custom:[A-Za-z0-9_.-]{1,64}$/;

/** Fields whose values are never returned in full. */
export const SECRET_FIELDS: readonly VendorFieldName[] = ['api_key', 'access_key_id', 'secret_access_key', 'auth_token'];

export const SUPPORTED_VENDORS = [...Object.keys(BUILTIN), 'custom:<name>'];

/** `Microsoft` → `microsoft`; `custom:` names are kept as written (they match exactly). */
export function normalizeVendor(v: string): string {
  const t = v.trim();
  return t.toLowerCase().startsWith('custom:') ? `custom:${t.slice(7)}` : t.toLowerCase();
}

export function vendorFieldsOf(vendor: string): readonly VendorFieldName[] | undefined {
  if (CUSTOM.test(vendor)) return CUSTOM_FIELDS;
  return BUILTIN[vendor];
}

/** jambonz's obscureKey: everything but the last 4 characters as `X` (short values entirely). */
export function obscure(v: string): string {
  return v.length <= 8 ? 'X'.repeat(v.length) : `${'X'.repeat(v.length - 4)}${v.slice(-4)}`;
}

type Body = Readonly<Partial<Record<VendorFieldName, unknown>>>;

/** The given vendor fields without nulls and empty strings; objects (service_key, options) as JSON text. */
export function givenFields(body: Body): CredentialFields {
  const out: CredentialFields = {};
  for (const name of VENDOR_FIELD_NAMES) {
    const v = body[name];
    if (v === null || v === undefined || v === '') continue;
    out[name] = typeof v === 'object' ? JSON.stringify(v) : (v as string | boolean);
  }
  return out;
}

const str = (f: CredentialFields, k: VendorFieldName): string | undefined => (typeof f[k] === 'string' ? (f[k] as string) : undefined);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function googleKey(f: CredentialFields): FieldError[] {
  const text = str(f, 'service_key');
  if (text === undefined) return [{ path: 'service_key', message: 'is required for google' }];
  const key = parseJson(text);
  if (typeof key !== 'object' || key === null) return [{ path: 'service_key', message: 'must be the service account key JSON' }];
  const k = key as Record<string, unknown>;
  return (['client_email', 'private_key'] as const).filter((p) => typeof k[p] !== 'string' || k[p] === '').map((p) => ({ path: 'service_key', message: `has no ${p}` }));
}

/** `host[:port]`, as jambonz stores an on-prem Deepgram; the scheme comes from `*_use_tls`. */
function hostPort(f: CredentialFields, k: VendorFieldName): FieldError[] {
  const v = str(f, k);
  if (v === undefined) return [];
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return [{ path: k, message: 'must be host[:port] without a scheme (e.g. 10.0.0.5:8080); deepgram_*_use_tls picks wss/https' }];
  if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(v)) return [{ path: k, message: 'must be host[:port] (e.g. 10.0.0.5:8080)' }];
  return [];
}

function url(f: CredentialFields, k: VendorFieldName, schemes: readonly string[]): FieldError[] {
  const v = str(f, k);
  if (v === undefined) return [];
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return [{ path: k, message: `must be an absolute ${schemes.join('/')} URL` }];
  }
  return schemes.includes(u.protocol.slice(0, -1)) && u.hostname !== '' ? [] : [{ path: k, message: `must be an absolute ${schemes.join('/')} URL` }];
}

const need = (f: CredentialFields, k: VendorFieldName, why: string): FieldError[] => (f[k] === undefined ? [{ path: k, message: `is required ${why}` }] : []);

function microsoft(f: CredentialFields): FieldError[] {
  const custom = f.use_custom_stt === true || f.use_custom_tts === true;
  return [
    ...(custom ? [] : [...need(f, 'api_key', 'for microsoft'), ...need(f, 'region', 'for microsoft')]),
    ...(f.use_custom_stt === true ? need(f, 'custom_stt_endpoint_url', 'when use_custom_stt is true') : []),
    ...(f.use_custom_tts === true ? need(f, 'custom_tts_endpoint_url', 'when use_custom_tts is true') : []),
    ...url(f, 'custom_stt_endpoint_url', ['https', 'wss', 'http', 'ws']),
    ...url(f, 'custom_tts_endpoint_url', ['https', 'http']),
  ];
}

function aws(f: CredentialFields): FieldError[] {
  const keys = f.role_arn === undefined ? [...need(f, 'access_key_id', 'for aws (or role_arn)'), ...need(f, 'secret_access_key', 'for aws (or role_arn)')] : [];
  return [...keys, ...need(f, 'aws_region', 'for aws')];
}

function deepgram(f: CredentialFields): FieldError[] {
  const onPrem = f.deepgram_stt_uri !== undefined || f.deepgram_tts_uri !== undefined;
  return [...(onPrem ? [] : need(f, 'api_key', 'for deepgram (unless deepgram_stt_uri or deepgram_tts_uri names an on-prem server)')), ...hostPort(f, 'deepgram_stt_uri'), ...hostPort(f, 'deepgram_tts_uri')];
}

function elevenlabs(f: CredentialFields): FieldError[] {
  const o = str(f, 'options');
  const options = o === undefined ? {} : parseJson(o);
  const bad = typeof options !== 'object' || options === null || Array.isArray(options);
  return [...need(f, 'api_key', 'for elevenlabs'), ...(bad ? [{ path: 'options', message: 'must be a JSON object' }] : [])];
}

function custom(f: CredentialFields, uses: { tts: boolean; stt: boolean }): FieldError[] {
  return [
    ...(uses.stt ? need(f, 'custom_stt_url', 'when use_for_stt is true') : []),
    ...(uses.tts ? need(f, 'custom_tts_url', 'when use_for_tts is true') : []),
    ...url(f, 'custom_stt_url', ['wss', 'ws']),
    ...url(f, 'custom_tts_url', ['https', 'http']),
  ];
}

/** Everything wrong with a credential's vendor fields (vendor already normalised). */
export function fieldErrors(vendor: string, f: CredentialFields, uses: { tts: boolean; stt: boolean }): FieldError[] {
  const allowed = vendorFieldsOf(vendor);
  if (!allowed) return [{ path: 'vendor', message: `must be one of ${SUPPORTED_VENDORS.join(', ')}` }];
  const unused = Object.keys(f).filter((k) => !allowed.includes(k as VendorFieldName)).map((path) => ({ path, message: `is not used by ${vendor}` }));
  if (!uses.tts && !uses.stt) unused.push({ path: 'use_for_tts', message: 'use_for_tts or use_for_stt must be true' });
  const own = vendor === 'google' ? googleKey(f) : vendor === 'aws' ? aws(f) : vendor === 'microsoft' ? microsoft(f) : vendor === 'deepgram' ? deepgram(f) : vendor === 'elevenlabs' ? elevenlabs(f) : custom(f, uses);
  return [...unused, ...own];
}

/** The tenant-given endpoints of a credential. */
export function endpointsOf(f: CredentialFields): [VendorFieldName, string][] {
  const keys: VendorFieldName[] = ['custom_stt_endpoint_url', 'custom_tts_endpoint_url', 'custom_stt_url', 'custom_tts_url', 'deepgram_stt_uri', 'deepgram_tts_uri'];
  return keys.flatMap((k) => (typeof f[k] === 'string' ? [[k, f[k] as string] as [VendorFieldName, string]] : []));
}

/**
 * Endpoints that name an address the URL policy refuses are refused at once. Host names are
 * checked when the adapter connects (their addresses may change); nothing is resolved here.
 */
export async function policyErrors(f: CredentialFields, policy: UrlPolicy): Promise<FieldError[]> {
  if (policy.mode === 'open') return [];
  const out: FieldError[] = [];
  for (const [k, v] of endpointsOf(f)) {
    const host = k.startsWith('deepgram_') ? v.replace(/:\d+$/, '').replace(/^\[|\]$/g, '') : new URL(v).hostname.replace(/^\[|\]$/g, '');
    if (!isIP(host)) continue;
    try {
      await resolveAllowed(host, policy);
    } catch (e) {
      if (!(e instanceof UrlForbiddenError)) throw e;
      out.push({ path: k, message: 'names an address the URL policy does not allow (VGW_URL_POLICY)' });
    }
  }
  return out;
}

/** The fields as returned: secrets obscured, the service key's private_key obscured. */
export function obscuredFields(f: CredentialFields): CredentialFields {
  const out: CredentialFields = { ...f };
  for (const k of SECRET_FIELDS) if (typeof out[k] === 'string') out[k] = obscure(out[k] as string);
  const sk = str(f, 'service_key');
  const key = sk === undefined ? undefined : parseJson(sk);
  if (typeof key === 'object' && key !== null) {
    const k = key as Record<string, unknown>;
    if (typeof k.private_key === 'string') out.service_key = JSON.stringify({ ...k, private_key: obscure(k.private_key) });
  } else if (sk !== undefined) out.service_key = obscure(sk);
  return out;
}

/**
 * A PUT's fields over the stored ones: a secret sent back as it was shown (obscured) keeps the
 * stored value; a field sent as null or '' is removed.
 */
export function mergeFields(cur: CredentialFields, body: Body): CredentialFields {
  const next: CredentialFields = { ...cur };
  const shown = obscuredFields(cur);
  for (const name of VENDOR_FIELD_NAMES) {
    const v = body[name];
    if (v === undefined) continue;
    if (v === null || v === '') {
      delete next[name];
      continue;
    }
    const given = typeof v === 'object' ? JSON.stringify(v) : (v as string | boolean);
    if (given === shown[name]) continue;
    if (name === 'service_key' && typeof given === 'string') {
      next.service_key = keepPrivateKey(given, cur.service_key, shown.service_key);
      continue;
    }
    next[name] = given;
  }
  return next;
}

/** A service key whose private_key is the obscured one gets the stored private_key back. */
function keepPrivateKey(given: string, cur: unknown, shown: unknown): string {
  const g = parseJson(given);
  const s = typeof shown === 'string' ? parseJson(shown) : undefined;
  const c = typeof cur === 'string' ? parseJson(cur) : undefined;
  if (typeof g !== 'object' || g === null || typeof s !== 'object' || s === null || typeof c !== 'object' || c === null) return given;
  const gk = g as Record<string, unknown>;
  if (gk.private_key !== (s as Record<string, unknown>).private_key) return given;
  return JSON.stringify({ ...gk, private_key: (c as Record<string, unknown>).private_key });
}

/** Every secret value of a credential, to be masked out of anything shown (e.g. a vendor's error text). */
export function secretValues(f: CredentialFields): string[] {
  const out = SECRET_FIELDS.map((k) => f[k]).filter((v): v is string => typeof v === 'string' && v.length >= 4);
  const sk = str(f, 'service_key');
  const key = sk === undefined ? undefined : parseJson(sk);
  if (typeof key === 'object' && key !== null && typeof (key as Record<string, unknown>).private_key === 'string') out.push((key as Record<string, string>).private_key);
  return out;
}
