/**
 * Connecting to a speech vendor's WebSocket or HTTP endpoint under the URL policy, with the
 * failures mapped to the vendor error codes of `vendor.ts`. Shared by the vendor adapters
 * (Deepgram, `custom:`, ElevenLabs, AWS …). Tenant-given endpoints (on-prem URIs, custom URLs) pass `checkUrlAllowed` first (IP
 * literals), and every host name is resolved again through `policyLookup` at connect time, so a
 * DNS answer that changes in between cannot get around the policy.
 */
import type { IncomingMessage } from 'node:http';
import { Agent, buildConnector } from 'undici';
import WebSocket from 'ws';
import { errorMessage, GatewayError } from '../../../kernel/errors.js';
import { checkUrlAllowed, guardConnector, policyLookup, UrlForbiddenError, UrlPolicyError, type UrlPolicy } from '../../../kernel/net-policy.js';
import { SpeechVendorError, type SpeechVendorErrorCode } from '../../vendor.js';

/** Builds the error class of the caller's side (SttError or TtsVendorError). */
export type VendorErrorFactory = (code: SpeechVendorErrorCode, message: string, opts?: { cause?: unknown; status?: number }) => SpeechVendorError;

export interface OpenSocketOptions {
  readonly vendor: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly policy: UrlPolicy;
  /** Connect plus opening handshake. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly fail: VendorErrorFactory;
}

/** The most of an error response body kept for the alert (the vendor's own words). */
const MAX_ERROR_BODY = 2048;

/** The URL without its query (which may carry options, never secrets) for messages. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * Checks `url` under the policy. Refusals and resolver failures become SPEECH_UNREACHABLE, as the
 * vendor contract says (`vendor.ts`: "or the URL policy forbids the endpoint").
 */
export async function checkEndpoint(url: string, policy: UrlPolicy, fail: VendorErrorFactory): Promise<void> {
  try {
    await checkUrlAllowed(url, policy);
  } catch (e) {
    if (e instanceof UrlForbiddenError || e instanceof UrlPolicyError) throw fail('SPEECH_UNREACHABLE', `cannot connect to ${safeUrl(url)}: ${e.message}`, { cause: e });
    throw fail('SPEECH_UNREACHABLE', `cannot resolve ${safeUrl(url)}: ${errorMessage(e)}`, { cause: e });
  }
}

function safeUrl(url: string): string {
  try {
    return describeUrl(url);
  } catch {
    return 'the endpoint';
  }
}

/** Reads at most MAX_ERROR_BODY characters of an error response (the vendor's explanation). */
export function readErrorBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (s: string) => {
      if (text.length < MAX_ERROR_BODY) text += s;
    });
    res.on('end', () => resolve(text.slice(0, MAX_ERROR_BODY)));
    res.on('error', () => resolve(text.slice(0, MAX_ERROR_BODY)));
  });
}

/** 401/403 → SPEECH_AUTH; any other status → SPEECH_PROTOCOL; `said` is the vendor's words. */
export function statusError(fail: VendorErrorFactory, what: string, status: number, said: string): SpeechVendorError {
  const detail = said.trim() === '' ? '' : `: ${said.trim()}`;
  if (status === 401 || status === 403) return fail('SPEECH_AUTH', `${what} refused the credential (HTTP ${status})${detail}`, { status });
  return fail('SPEECH_PROTOCOL', `${what} answered HTTP ${status}${detail}`, { status });
}

/**
 * Opens a WebSocket and resolves once the opening handshake (RFC 6455 §4.1) has succeeded.
 * Rejects with SPEECH_AUTH (401/403), SPEECH_PROTOCOL (another status), SPEECH_UNREACHABLE
 * (refused, DNS, TLS, timeout, URL policy) or SPEECH_ABORTED.
 */
export async function openWebSocket(url: string, opts: OpenSocketOptions): Promise<WebSocket> {
  const { fail } = opts;
  if (opts.signal.aborted) throw fail('SPEECH_ABORTED', `${opts.vendor}: aborted before connecting`);
  await checkEndpoint(url, opts.policy, fail);
  const ws = new WebSocket(url, {
    headers: { ...opts.headers },
    handshakeTimeout: opts.timeoutMs,
    perMessageDeflate: false,
    followRedirects: false,
    ...(opts.policy.mode === 'open' ? {} : { lookup: policyLookup(opts.policy) }),
  });
  const where = describeUrl(url);
  return new Promise<WebSocket>((resolve, reject) => {
    let settled = false;
    const settle = (err: SpeechVendorError | undefined): void => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      if (err) {
        reject(err);
        if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
      } else resolve(ws);
    };
    const onAbort = (): void => settle(fail('SPEECH_ABORTED', `${opts.vendor}: aborted while connecting to ${where}`));
    opts.signal.addEventListener('abort', onAbort, { once: true });
    ws.once('open', () => settle(undefined));
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      readErrorBody(res).then((said) => settle(statusError(fail, `${opts.vendor} at ${where}`, res.statusCode ?? 0, said)), (e: unknown) => settle(fail('SPEECH_PROTOCOL', errorMessage(e))));
    });
    // After settling, errors of the aborted handshake are expected and already reported.
    ws.on('error', (e: Error) => {
      if (!settled) settle(fail('SPEECH_UNREACHABLE', `cannot connect to ${opts.vendor} at ${where}: ${connectReason(e)}`, { cause: e }));
    });
  });
}

function connectReason(e: unknown): string {
  const code = e instanceof GatewayError || (e instanceof Error && 'code' in e) ? String((e as { code?: unknown }).code ?? '') : '';
  const msg = errorMessage(e);
  return code !== '' && !msg.includes(code) ? `${code} ${msg}` : msg;
}

/** An undici agent whose every connection goes to an address the policy allows. */
export function policyAgent(policy: UrlPolicy, connectTimeoutMs: number): Agent {
  return new Agent({ connect: guardConnector(policy, buildConnector({ timeout: connectTimeoutMs })) });
}

/** One keep-alive pool per URL policy (each connection checked by it), so repeated requests reuse their connection. */
export class PolicyAgents {
  readonly #agents = new WeakMap<UrlPolicy, Agent>();

  constructor(private readonly connectTimeoutMs = 5000) {}

  get(policy: UrlPolicy): Agent {
    let agent = this.#agents.get(policy);
    if (!agent) {
      agent = policyAgent(policy, this.connectTimeoutMs);
      this.#agents.set(policy, agent);
    }
    return agent;
  }
}

/** Maps a failed HTTP request (before any response) to SPEECH_UNREACHABLE or SPEECH_ABORTED. */
export function requestError(e: unknown, what: string, signal: AbortSignal, fail: VendorErrorFactory): SpeechVendorError {
  if (e instanceof SpeechVendorError) return e;
  if (signal.aborted) return fail('SPEECH_ABORTED', `${what}: aborted`, { cause: e });
  return fail('SPEECH_UNREACHABLE', `cannot reach ${what}: ${connectReason(e)}`, { cause: e });
}

/**
 * Closes an open stream when `signal` aborts; the listener goes when the socket closes, so one
 * long-lived signal (a call's) does not collect a listener per recognition.
 */
export function closeOnAbort(ws: WebSocket, signal: AbortSignal, close: () => void): void {
  if (signal.aborted) {
    close();
    return;
  }
  signal.addEventListener('abort', close, { once: true });
  ws.once('close', () => signal.removeEventListener('abort', close));
}
