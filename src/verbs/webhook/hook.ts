import { GatewayError } from '../../kernel/errors.js';

/** A webhook as the jambonz contract writes it: a URL string or `{url, method, username, password}`. */
export type HookSpec = string | { readonly url: string; readonly method?: string; readonly username?: string; readonly password?: string };

export type RetryOn = 'ct' | 'rt' | '4xx' | '5xx' | 'all';

/**
 * A `ws:`/`wss:` hook (or `method: "WS"`, contract §6): a jambonz WebSocket application
 * (`ws.jambonz.org`), one socket per call.
 */
export function isWebSocketHook(spec: HookSpec | undefined): boolean {
  const url = typeof spec === 'string' ? spec : spec?.url;
  return typeof url === 'string' && /^wss?:\/\/[^/\s]+/i.test(url);
}

/** A URL with a scheme (`http:`, `ws:` …); anything else is relative to the application's base. */
export function isAbsoluteHookUrl(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(url);
}

/**
 * Resolves a `ws:`/`wss:` hook: the URL without its fragment, its credentials, and `#rc=N` as the
 * number of connection retries (contract §6.1: 5 by default, at most 5).
 */
export function resolveWsHook(spec: HookSpec): Hook {
  const raw = typeof spec === 'string' ? { url: spec } : spec;
  let url: URL;
  try {
    url = new URL(raw.url);
  } catch {
    throw new HookSpecError(`hook url "${raw.url}" is not an absolute URL`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new HookSpecError(`hook url "${raw.url}" must be ws(s)`);
  const rc = Number(new URLSearchParams(url.hash.replace(/^#/, '')).get('rc') ?? 5);
  url.hash = '';
  return { url: url.toString(), method: 'POST', username: raw.username, password: raw.password, retries: Math.min(5, Math.max(0, Number.isFinite(rc) ? Math.trunc(rc) : 5)), retryOn: new Set(['ct']) };
}

/** A hook of a WebSocket application named relative (`/gather-done`): sent as is, never made a URL (contract §6.2). */
export function relativeWsHook(spec: HookSpec): Hook {
  const raw = typeof spec === 'string' ? { url: spec } : spec;
  if (typeof raw.url !== 'string' || raw.url.length === 0) throw new HookSpecError('hook url must be a non-empty string');
  return { url: raw.url, method: 'POST', retries: 0, retryOn: new Set(['ct']) };
}

/** A resolved hook: absolute URL without fragment, method, credentials, retry policy. */
export interface Hook {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly username?: string;
  readonly password?: string;
  /** Retries after the first attempt (the `#rc=` fragment, at most 5). */
  readonly retries: number;
  /** What may be retried (the `#rp=` fragment; default `ct`, connection errors). */
  readonly retryOn: ReadonlySet<RetryOn>;
}

export class HookSpecError extends GatewayError {
  constructor(message: string) {
    super('HOOK_INVALID', message);
  }
}

const RETRY_KEYS: readonly RetryOn[] = ['ct', 'rt', '4xx', '5xx', 'all'];

/**
 * Resolves a hook spec (contract §2.6–2.8): relative URLs against `base` (the call_hook), which
 * also lends its credentials when the hook names none; `#rc=N&rp=…` becomes the retry policy.
 */
export function resolveHook(spec: HookSpec, base?: Hook): Hook {
  const raw = typeof spec === 'string' ? { url: spec } : spec;
  const url = hookUrl(raw.url, base);
  const method = hookMethod(raw.method);
  const retry = retryPolicy(url.hash);
  url.hash = '';
  const sameOrigin = base !== undefined && new URL(base.url).origin === url.origin;
  const inherit = raw.username === undefined && sameOrigin;
  return {
    url: url.toString(),
    method,
    username: inherit ? base?.username : raw.username,
    password: inherit ? base?.password : raw.password,
    ...retry,
  };
}

/** An http(s) URL: absolute, or relative to the base hook's. */
function hookUrl(spec: unknown, base: Hook | undefined): URL {
  if (typeof spec !== 'string' || spec.length === 0) throw new HookSpecError('hook url must be a non-empty string');
  let url: URL;
  try {
    url = base ? new URL(spec, base.url) : new URL(spec);
  } catch {
    throw new HookSpecError(`hook url "${spec}" is not ${base ? 'a valid URL' : 'an absolute URL'}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new HookSpecError(`hook url "${spec}" must be http(s)`);
  return url;
}

function hookMethod(spec: string | undefined): Hook['method'] {
  const method = (spec ?? 'POST').toUpperCase();
  if (method !== 'GET' && method !== 'POST') throw new HookSpecError(`hook method must be GET or POST, got "${spec}"`);
  return method;
}

/** The `#rc=N&rp=ct,rt,4xx,5xx,all` fragment: at most 5 retries, of connection errors by default. */
function retryPolicy(hash: string): Pick<Hook, 'retries' | 'retryOn'> {
  const frag = new URLSearchParams(hash.replace(/^#/, ''));
  const rc = Math.min(5, Math.max(0, Number(frag.get('rc') ?? 0) || 0));
  const rp = (frag.get('rp') ?? 'ct').split(',').map((s) => s.trim()).filter((s): s is RetryOn => (RETRY_KEYS as readonly string[]).includes(s));
  return { retries: rc, retryOn: new Set(rp.length ? rp : ['ct']) };
}
