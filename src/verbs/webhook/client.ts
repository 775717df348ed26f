import { Agent, buildConnector, request } from 'undici';
import { GatewayError } from '../../kernel/errors.js';
import type { Clock } from '../../kernel/clock.js';
import { guardConnector, OPEN_URL_POLICY, UrlForbiddenError, type UrlPolicy } from '../../kernel/net-policy.js';
import type { Hook } from './hook.js';
import { signatureHeader } from './signature.js';

/** `URL_FORBIDDEN`: the URL policy refused the hook's address (never retried). */
export type WebhookErrorCode = 'WEBHOOK_CONNECT' | 'WEBHOOK_TIMEOUT' | 'WEBHOOK_STATUS' | 'WEBHOOK_INVALID_JSON' | 'URL_FORBIDDEN';

/** A webhook that did not give a usable answer; `code` says why (contract §2.2, §2.8). */
export class WebhookError extends GatewayError {
  constructor(
    code: WebhookErrorCode,
    message: string,
    readonly url: string,
    readonly attempts: number,
    readonly status?: number,
  ) {
    super(code, message);
  }
}

export interface WebhookRequest {
  readonly hook: Hook;
  /** Already snake_cased; sent as compact JSON (POST) or query parameters (GET). */
  readonly payload: Readonly<Record<string, unknown>>;
  /** The account's webhook secret; signs the request when given. */
  readonly secret?: string;
  /** Identifies the event; retries reuse it (DESIGN.md §2). */
  readonly eventId: string;
  readonly sequence?: number;
}

export interface WebhookResult {
  readonly status: number;
  /** Parsed body when the reply was `application/json` and non-empty. */
  readonly json: unknown;
  readonly latencyMs: number;
  readonly attempts: number;
}

export interface WebhookClientOptions {
  readonly clock: Clock;
  readonly connectTimeoutMs?: number;
  readonly responseTimeoutMs?: number;
  readonly userAgent?: string;
  /** Which addresses hooks may reach (VGW_URL_POLICY); open by default. */
  readonly urlPolicy?: UrlPolicy;
  /** Back-off delay between retries; injectable for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const OK = new Set([200, 202, 204]);

/** Contract §2.8 back-off: 500 ms, 1 s, 2 s, then 2 s more for each further retry. */
export function backoffMs(attempt: number): number {
  return attempt === 1 ? 500 : attempt === 2 ? 1000 : 2000 * (attempt - 2);
}

/** HTTP webhooks with keep-alive, timeouts, signing and the `#rc/#rp` retry policy. */
export class WebhookClient {
  private readonly agent: Agent;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: WebhookClientOptions) {
    this.agent = new Agent({
      // Every connection (keep-alive pools are per origin) goes to an address the policy allows.
      connect: guardConnector(opts.urlPolicy ?? OPEN_URL_POLICY, buildConnector({ timeout: opts.connectTimeoutMs ?? 3000 })),
      headersTimeout: opts.responseTimeoutMs ?? 5000,
      bodyTimeout: opts.responseTimeoutMs ?? 5000,
      keepAliveTimeout: 10_000,
    });
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async send(req: WebhookRequest): Promise<WebhookResult> {
    const { hook } = req;
    const started = this.opts.clock.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await this.once(req);
        return { ...r, latencyMs: Math.round(this.opts.clock.now() - started), attempts: attempt };
      } catch (e) {
        const err = e instanceof WebhookError ? e : new WebhookError('WEBHOOK_CONNECT', String(e), hook.url, attempt);
        if (attempt > hook.retries || !retryable(err, hook)) {
          throw new WebhookError(err.code as WebhookErrorCode, err.message, hook.url, attempt, err.status);
        }
        await this.sleep(backoffMs(attempt));
      }
    }
  }

  private async once(req: WebhookRequest): Promise<{ status: number; json: unknown }> {
    const { hook } = req;
    const body = JSON.stringify(req.payload);
    const headers: Record<string, string> = {
      'user-agent': this.opts.userAgent ?? 'vgw',
      'x-vgw-event-id': req.eventId,
    };
    if (req.sequence !== undefined) headers['x-vgw-sequence'] = String(req.sequence);
    if (hook.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${hook.username}:${hook.password ?? ''}`).toString('base64')}`;
    if (req.secret) headers['jambonz-signature'] = signatureHeader(req.secret, body, Math.floor(this.opts.clock.wallNow() / 1000));
    let url = hook.url;
    if (hook.method === 'POST') headers['content-type'] = 'application/json';
    else url = withQuery(hook.url, req.payload);
    let res;
    try {
      res = await request(url, { method: hook.method, headers, body: hook.method === 'POST' ? body : undefined, dispatcher: this.agent });
    } catch (e) {
      if (e instanceof UrlForbiddenError) throw new WebhookError('URL_FORBIDDEN', `${hook.method} ${redact(hook.url)}: ${e.message}`, hook.url, 1);
      const code = (e as { code?: string }).code ?? '';
      const timeout = /TIMEOUT/.test(code);
      throw new WebhookError(timeout && code !== 'UND_ERR_CONNECT_TIMEOUT' ? 'WEBHOOK_TIMEOUT' : 'WEBHOOK_CONNECT', `${hook.method} ${redact(hook.url)}: ${(e as Error).message}`, hook.url, 1);
    }
    const text = await res.body.text().catch(() => '');
    if (!OK.has(res.statusCode)) throw new WebhookError('WEBHOOK_STATUS', `${hook.method} ${redact(hook.url)} answered ${res.statusCode}`, hook.url, 1, res.statusCode);
    const type = String(res.headers['content-type'] ?? '');
    if (!type.includes('application/json') || text.trim() === '') return { status: res.statusCode, json: undefined };
    try {
      return { status: res.statusCode, json: JSON.parse(text) as unknown };
    } catch {
      throw new WebhookError('WEBHOOK_INVALID_JSON', `${hook.method} ${redact(hook.url)} returned invalid JSON`, hook.url, 1, res.statusCode);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

function retryable(e: WebhookError, hook: Hook): boolean {
  const on = hook.retryOn;
  if (e.code === 'URL_FORBIDDEN') return false;
  if (on.has('all')) return e.code !== 'WEBHOOK_INVALID_JSON';
  if (e.code === 'WEBHOOK_CONNECT') return on.has('ct');
  if (e.code === 'WEBHOOK_TIMEOUT') return on.has('rt');
  if (e.code === 'WEBHOOK_STATUS' && e.status !== undefined) return (e.status < 500 && on.has('4xx')) || (e.status >= 500 && on.has('5xx'));
  return false;
}

/** DESIGN.md §2: GET hooks carry the call info as query parameters (objects as JSON). */
function withQuery(url: string, payload: Readonly<Record<string, unknown>>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(payload)) {
    if (v === undefined || k === 'sip') continue;
    u.searchParams.set(k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  }
  return u.toString();
}

/** Never log credentials embedded in a URL. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
