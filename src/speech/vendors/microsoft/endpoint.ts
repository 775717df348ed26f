/**
 * Where the Microsoft adapters connect, and the fields they read from a credential (jambonz
 * names: `api_key`, `region`, `use_custom_stt`/`custom_stt_endpoint_url`/`custom_stt_endpoint`,
 * `use_custom_tts`/`custom_tts_endpoint_url`). Tenant-given URLs pass the URL policy before any
 * connection is made.
 */
import { checkUrlAllowed, UrlForbiddenError, UrlPolicyError, type UrlPolicy } from '../../../kernel/net-policy.js';
import { errorMessage } from '../../../kernel/errors.js';
import { SttError, TtsVendorError, type SpeechCredential, type SpeechVendorError, type SpeechVendorErrorCode } from '../../vendor.js';

export const VENDOR = 'microsoft';

type ErrorClass = new (code: SpeechVendorErrorCode, message: string, vendor: string, options?: { cause?: unknown; status?: number }) => SpeechVendorError;

/** Azure region names are lower-case words and digits (`westeurope`, `eastus2`). */
const REGION = /^[a-z][a-z0-9-]{1,40}$/;

/** What the adapters need from a credential. */
export interface MicrosoftAuth {
  readonly key: string;
  readonly region: string | undefined;
}

function text(v: string | boolean | undefined): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function flag(v: string | boolean | undefined): boolean {
  return v === true || v === 'true' || v === '1';
}

export function authOf(credential: SpeechCredential | undefined, Err: ErrorClass): MicrosoftAuth {
  const key = text(credential?.fields.api_key);
  if (!credential || !key) throw new Err('SPEECH_NO_CREDENTIAL', 'no microsoft speech credential with an api_key', VENDOR);
  const region = text(credential.fields.region)?.toLowerCase();
  if (region !== undefined && !REGION.test(region)) throw new Err('SPEECH_NO_CREDENTIAL', `the microsoft credential's region "${region}" is not an Azure region name`, VENDOR);
  return { key, region };
}

/** `speech.microsoft.com`, or `speech.azure.cn` for the China regions. */
function hostSuffix(region: string): string {
  return region.startsWith('china') ? 'speech.azure.cn' : 'speech.microsoft.com';
}

export type SttMode = 'conversation' | 'interactive' | 'dictation';

/** A resolved endpoint: `tenant` when it came from the application or the credential (policy applies). */
export interface ResolvedEndpoint {
  readonly url: string;
  readonly tenant: boolean;
}

/**
 * The recognition endpoint, as jambonz picks it: the recognizer's `azureServiceEndpoint`, else the
 * credential's `custom_stt_endpoint_url` when `use_custom_stt`, else the region's endpoint.
 */
export function resolveSttEndpoint(recognizer: Readonly<Record<string, unknown>>, credential: SpeechCredential | undefined, mode: SttMode): ResolvedEndpoint {
  const fromApp = typeof recognizer.azureServiceEndpoint === 'string' ? recognizer.azureServiceEndpoint.trim() : '';
  if (fromApp !== '') return { url: fromApp, tenant: true };
  const fields = credential?.fields ?? {};
  const custom = text(fields.custom_stt_endpoint_url);
  if (flag(fields.use_custom_stt) && custom) return { url: custom, tenant: true };
  const { region } = authOf(credential, SttError);
  if (!region) throw new SttError('SPEECH_NO_CREDENTIAL', 'the microsoft credential has neither a region nor a custom STT endpoint', VENDOR);
  return { url: `wss://${region}.stt.${hostSuffix(region)}/speech/recognition/${mode}/cognitiveservices/v1`, tenant: false };
}

/** The credential's custom speech model (deployment) id, when `use_custom_stt`. */
export function customSttEndpointId(credential: SpeechCredential | undefined): string | undefined {
  const fields = credential?.fields ?? {};
  return flag(fields.use_custom_stt) ? text(fields.custom_stt_endpoint) : undefined;
}

/** The synthesis endpoint: the credential's `custom_tts_endpoint_url` when `use_custom_tts`, else the region's. */
export function resolveTtsEndpoint(credential: SpeechCredential | undefined): ResolvedEndpoint {
  const fields = credential?.fields ?? {};
  const custom = text(fields.custom_tts_endpoint_url);
  if (flag(fields.use_custom_tts) && custom) return { url: custom, tenant: true };
  const { region } = authOf(credential, TtsVendorError);
  if (!region) throw new TtsVendorError('SPEECH_NO_CREDENTIAL', 'the microsoft credential has neither a region nor a custom TTS endpoint', VENDOR);
  return { url: `https://${region}.tts.${hostSuffix(region)}/cognitiveservices/v1`, tenant: false };
}

/**
 * Checks a tenant-given endpoint against the URL policy and normalises it for the SDK: `https`
 * becomes `wss` (`http` → `ws`) and an empty path gets the recognition path, so the SDK never
 * makes its own redirect look-up to an unchecked place.
 */
export async function checkSttEndpoint(ep: ResolvedEndpoint, policy: UrlPolicy, mode: SttMode): Promise<URL> {
  const url = await checkEndpoint(ep, policy, SttError);
  if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.pathname === '' || url.pathname === '/') url.pathname = `/speech/recognition/${mode}/cognitiveservices/v1`;
  return url;
}

/** Parses `ep` and, when tenant-given, checks it under `policy`; failures become `Err` (SPEECH_UNREACHABLE). */
export async function checkEndpoint(ep: ResolvedEndpoint, policy: UrlPolicy, Err: ErrorClass): Promise<URL> {
  let url: URL;
  try {
    url = new URL(ep.url);
  } catch (e) {
    throw new Err('SPEECH_UNREACHABLE', `the microsoft endpoint "${ep.url}" is not an absolute URL`, VENDOR, { cause: e });
  }
  if (!ep.tenant) return url;
  try {
    await checkUrlAllowed(url, policy);
  } catch (e) {
    if (e instanceof UrlForbiddenError || e instanceof UrlPolicyError) throw new Err('SPEECH_UNREACHABLE', `microsoft endpoint ${url.host}: ${e.message}`, VENDOR, { cause: e });
    throw new Err('SPEECH_UNREACHABLE', `microsoft endpoint ${url.host}: ${errorMessage(e)}`, VENDOR, { cause: e });
  }
  return url;
}

/** Removes the key from a vendor's message before it reaches an error, a log or an alert. */
export function scrub(message: string, key: string): string {
  return key === '' ? message : message.split(key).join('***');
}
