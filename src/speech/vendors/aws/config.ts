/**
 * What the AWS adapters share: the credential as jambonz stores it (`access_key_id`,
 * `secret_access_key`, `aws_region`; an application may instead give `awsOptions.accessKey`,
 * `secretKey`, `securityToken`, `region` in its recognizer, as the jambonz verb specification
 * allows), the endpoint check under the URL policy, one SDK client per key (so repeated requests
 * reuse the connection), and the mapping of SDK failures to the vendor error codes. `role_arn`
 * (an assumed role) is not supported: it needs STS, which the gateway does not ship.
 */
import { createHash } from 'node:crypto';
import { errorMessage } from '../../../kernel/errors.js';
import type { UrlPolicy } from '../../../kernel/net-policy.js';
import { SpeechVendorError, type SpeechCredential } from '../../vendor.js';
import type { VendorErrorFactory } from '../shared/connect.js';

export const VENDOR = 'aws';

export interface AwsAccess {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

/**
 * The SDK clients' logger. With none, the SDK writes some notices to the console itself (e.g. "An
 * error was encountered in a non-retryable streaming request."); every failure already reaches
 * the caller as a typed error carrying the SDK's message, so these notices are dropped.
 */
export const SDK_LOGGER = { debug: (): void => undefined, info: (): void => undefined, warn: (): void => undefined, error: (): void => undefined };

/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1` … (it becomes part of a host name). */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Keys and region for one request; `appGiven` is the recognizer's `awsOptions` (may be empty). */
export function awsAccess(credential: SpeechCredential | undefined, appGiven: Readonly<Record<string, unknown>>, fail: VendorErrorFactory): AwsAccess {
  const f = credential?.fields ?? {};
  const fromApp = str(appGiven.accessKey) !== undefined && str(appGiven.secretKey) !== undefined;
  const accessKeyId = fromApp ? str(appGiven.accessKey) : str(f.access_key_id);
  const secretAccessKey = fromApp ? str(appGiven.secretKey) : str(f.secret_access_key);
  const sessionToken = fromApp ? str(appGiven.securityToken) : undefined;
  const region = str(appGiven.region) ?? str(f.aws_region);
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    const why = str(f.role_arn) !== undefined ? 'role_arn credentials (an assumed role) are not supported; give access_key_id and secret_access_key' : 'no access_key_id and secret_access_key';
    throw fail('SPEECH_NO_CREDENTIAL', `aws: ${why}`);
  }
  if (region === undefined) throw fail('SPEECH_NO_CREDENTIAL', 'aws: no aws_region');
  if (!REGION.test(region)) throw fail('SPEECH_PROTOCOL', `aws: "${region.slice(0, 40)}" is not an AWS region`);
  return { region, credentials: { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) } };
}

/** The service endpoint: the adapter's own (tests) or the regional AWS one. */
export function serviceUrl(override: string | undefined, service: string, region: string): string {
  return override ?? `https://${service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** Up to `max` SDK clients by endpoint and key; the oldest is destroyed when a new one comes. */
export class ClientCache<C extends { destroy(): void }> {
  readonly #clients = new Map<string, C>();
  constructor(private readonly max = 16) {}

  get(url: string, access: AwsAccess, policy: UrlPolicy, make: () => C): C {
    const c = access.credentials;
    const secret = createHash('sha256').update(`${c.secretAccessKey}\0${c.sessionToken ?? ''}`).digest('hex');
    const key = `${url}\0${access.region}\0${c.accessKeyId}\0${secret}\0${policy.mode}\0${policy.allowNets.join(',')}\0${policy.allowHosts.join(',')}`;
    let client = this.#clients.get(key);
    if (client) {
      this.#clients.delete(key);
      this.#clients.set(key, client);
      return client;
    }
    client = make();
    this.#clients.set(key, client);
    if (this.#clients.size > this.max) {
      const [oldKey, old] = this.#clients.entries().next().value as [string, C];
      this.#clients.delete(oldKey);
      old.destroy();
    }
    return client;
  }
}

/** Error names the AWS services use for a refused credential or signature. */
const AUTH = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'AccessDeniedException',
  'AccessDenied',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'NotAuthorized',
]);

const NETWORK = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|ERR_HTTP2|socket hang up|TimeoutError|certificate|self[- ]signed/i;

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $fault?: unknown;
}

/** Never a secret in a message: the SDK's texts do not carry them, but make sure. */
export function scrub(text: string, access: AwsAccess | undefined): string {
  if (!access) return text;
  let out = text;
  for (const secret of [access.credentials.secretAccessKey, access.credentials.sessionToken]) {
    // Real secrets are long; a short test value would blank out ordinary letters.
    if (secret !== undefined && secret.length >= 8) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * An SDK failure as a vendor error: a refused credential (by error name, or HTTP 401/403) →
 * SPEECH_AUTH; no HTTP answer (refused, DNS, TLS, timeout) → SPEECH_UNREACHABLE; our abort →
 * SPEECH_ABORTED; anything else → SPEECH_PROTOCOL.
 */
export function awsFailure(e: unknown, what: string, signal: AbortSignal, fail: VendorErrorFactory, access?: AwsAccess): SpeechVendorError {
  if (e instanceof SpeechVendorError) return e;
  if (signal.aborted) return fail('SPEECH_ABORTED', `${what}: aborted`, { cause: e });
  const shape = (typeof e === 'object' && e !== null ? e : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : undefined;
  const code = typeof shape.code === 'string' ? shape.code : '';
  const said = scrub(errorMessage(e), access);
  const detail = `${name}${code !== '' && code !== name ? ` ${code}` : ''}: ${said}`;
  const opts = { cause: e, ...(status === undefined ? {} : { status }) };
  if (AUTH.has(name) || status === 401 || status === 403) return fail('SPEECH_AUTH', `${what} refused the credential (${detail})`, opts);
  // Service errors carry `$fault` (client/server); a failure without it or a status never got an HTTP answer.
  if (status === undefined && (shape.$fault === undefined || NETWORK.test(`${name} ${code} ${said}`))) return fail('SPEECH_UNREACHABLE', `cannot reach ${what}: ${detail}`, opts);
  return fail('SPEECH_PROTOCOL', `${what} failed (${detail})`, opts);
}
