/**
 * What the Google adapters share: the credential (`service_key`, the service-account JSON as
 * jambonz stores it), the client options of the official SDKs, and gRPC failures mapped to the
 * vendor error codes.
 *
 * Auth: the SDKs sign a self-signed service-account JWT with the key's `private_key` and send it
 * as `authorization: Bearer …` on every call (google-auth-library's JWT access for these APIs);
 * the key's `token_uri` is never contacted, so a tenant's key cannot point the gateway elsewhere.
 * Production always uses Google's endpoints with TLS: only the adapters' `local` option (set by
 * tests, never from tenant input) reaches another endpoint, over an insecure channel, and as the
 * SDK does not attach its auth to insecure channels, the adapter then sends the same JWT itself.
 */
import { createPrivateKey } from 'node:crypto';
import type { SpeechClient } from '@google-cloud/speech';
import { errorMessage } from '../../../kernel/errors.js';
import type { SpeechCredential, SpeechVendorError, SpeechVendorErrorCode } from '../../vendor.js';

export const VENDOR = 'google';

type ErrorClass = new (code: SpeechVendorErrorCode, message: string, vendor: string, options?: { cause?: unknown; status?: number }) => SpeechVendorError;

/** The SDK's client options (both SDKs share google-gax's `ClientOptions`). */
export type GoogleClientOptions = NonNullable<ConstructorParameters<typeof SpeechClient>[0]>;

/** A local test server (tests only): plain-text gRPC at `host:port`. */
export interface GoogleLocalEndpoint {
  readonly host: string;
  readonly port: number;
  /** Insecure channel credentials (`grpc.credentials.createInsecure()` of the SDK's @grpc/grpc-js). */
  readonly channelCredentials: NonNullable<GoogleClientOptions['sslCreds']>;
}

/** The parts of a service-account key the SDKs need. */
export interface ServiceKey {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly projectId: string | undefined;
}

/** Parses and checks the credential's `service_key`; failures are SPEECH_NO_CREDENTIAL (never quoting the key). */
export function serviceKeyOf(credential: SpeechCredential | undefined, Err: ErrorClass): ServiceKey {
  const raw = credential?.fields.service_key;
  if (!credential || typeof raw !== 'string' || raw.trim() === '') throw new Err('SPEECH_NO_CREDENTIAL', 'no google speech credential with a service_key', VENDOR);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Err('SPEECH_NO_CREDENTIAL', 'the google service_key is not JSON', VENDOR);
  }
  const o = (json !== null && typeof json === 'object' ? json : {}) as Record<string, unknown>;
  const clientEmail = typeof o.client_email === 'string' ? o.client_email : '';
  const privateKey = typeof o.private_key === 'string' ? o.private_key : '';
  if (clientEmail === '' || privateKey === '') throw new Err('SPEECH_NO_CREDENTIAL', 'the google service_key lacks client_email or private_key', VENDOR);
  try {
    createPrivateKey(privateKey);
  } catch {
    throw new Err('SPEECH_NO_CREDENTIAL', `the google service_key's private_key (for ${clientEmail}) is not a usable PEM key`, VENDOR);
  }
  return { clientEmail, privateKey, projectId: typeof o.project_id === 'string' ? o.project_id : undefined };
}

/** Options for a new SDK client: Google's endpoint with TLS, or the local test server. */
export function clientOptions(key: ServiceKey, local: GoogleLocalEndpoint | undefined): GoogleClientOptions {
  const base: GoogleClientOptions = {
    // Only these fields: a `universe_domain` or `token_uri` in the tenant's key is not used.
    credentials: { client_email: key.clientEmail, private_key: key.privateKey },
    ...(key.projectId ? { projectId: key.projectId } : {}),
  };
  return local ? { ...base, apiEndpoint: local.host, port: local.port, sslCreds: local.channelCredentials } : base;
}

/** The auth header the SDK would send: needed only on the local (insecure) channel. */
export async function localAuthHeaders(auth: { getRequestHeaders(): Promise<Headers> }, local: GoogleLocalEndpoint | undefined): Promise<Record<string, string>> {
  if (!local) return {};
  const headers = await auth.getRequestHeaders();
  const authorization = headers.get('authorization');
  return authorization ? { authorization } : {};
}

/** gRPC status codes (grpc/status.h) the adapters tell apart. */
const GRPC = { CANCELLED: 1, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, OUT_OF_RANGE: 11, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

const NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(GRPC).map(([k, v]) => [v, k]));

/** The gRPC status code of an SDK error, if it has one. */
export function grpcCode(e: unknown): number | undefined {
  const code = e !== null && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Maps an SDK failure. Before the stream or request was accepted: UNAUTHENTICATED /
 * PERMISSION_DENIED → SPEECH_AUTH (HTTP 401/403 in google.rpc.Code's mapping), UNAVAILABLE /
 * DEADLINE_EXCEEDED → SPEECH_UNREACHABLE, CANCELLED → SPEECH_ABORTED, anything else
 * SPEECH_PROTOCOL. After it was accepted (`started`): SPEECH_CLOSED.
 */
export function vendorError(e: unknown, Err: ErrorClass, what: string, started: boolean): SpeechVendorError {
  const code = grpcCode(e);
  const name = code === undefined ? '' : (NAMES[code] ?? `gRPC ${code}`);
  const message = `${what}: ${errorMessage(e)}`;
  const opts = { cause: e };
  if (started) return new Err('SPEECH_CLOSED', message, VENDOR, opts);
  if (code === GRPC.UNAUTHENTICATED) return new Err('SPEECH_AUTH', message, VENDOR, { ...opts, status: 401 });
  if (code === GRPC.PERMISSION_DENIED) return new Err('SPEECH_AUTH', message, VENDOR, { ...opts, status: 403 });
  if (code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED) return new Err('SPEECH_UNREACHABLE', message, VENDOR, opts);
  if (code === GRPC.CANCELLED) return new Err('SPEECH_ABORTED', message, VENDOR, opts);
  return new Err('SPEECH_PROTOCOL', name === '' || message.includes(name) ? message : `${message} (${name})`, VENDOR, opts);
}
