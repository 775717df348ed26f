import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi, type ApiDeps } from '../api/app.js';
import type { Clock } from '../kernel/clock.js';
import { createLogger, type Logger } from '../kernel/logger.js';
import { bootstrapAdminKey, openStore, type Store } from '../store/index.js';

/** An API over a fresh SQLite store in a temp dir, with an admin key and captured log lines. */
export interface ApiHarness {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly dataDir: string;
  readonly adminToken: string;
  readonly logLines: string[];
  readonly logger: Logger;
  call(method: string, url: string, opts?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: unknown; raw: string; headers: Record<string, unknown> }>;
  /** POSTs as admin and returns the new sid (asserting 201). */
  create(url: string, body: unknown, token?: string): Promise<string>;
  /** An account key for `accountSid`. */
  accountKey(accountSid: string, expiresAt?: string): Promise<{ sid: string; token: string }>;
  close(): Promise<void>;
}

export async function startApiHarness(opts: { clock?: Clock; rateLimit?: ApiDeps['rateLimit']; bodyLimit?: number; plugins?: ApiDeps['plugins'] } = {}): Promise<ApiHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-api-'));
  const logLines: string[] = [];
  const logger = createLogger('trace', { write: (l: string) => logLines.push(l) });
  const store = await openStore({ dataDir: join(dir, 'data'), logger, clock: opts.clock });
  const boot = await bootstrapAdminKey(store, undefined, logger);
  if (!boot.token) throw new Error('bootstrap did not create an admin key');
  const adminToken = boot.token;
  const app = buildApi({ logger, isReady: () => true, store, clock: opts.clock, rateLimit: opts.rateLimit, bodyLimit: opts.bodyLimit, plugins: opts.plugins });
  const call: ApiHarness['call'] = async (method, url, o = {}) => {
    const token = o.token === undefined ? adminToken : o.token;
    const headers: Record<string, string> = { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...o.headers };
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(o.body === undefined ? {} : typeof o.body === 'string' ? { payload: o.body } : { payload: JSON.stringify(o.body), headers: { ...headers, 'content-type': 'application/json' } }),
    });
    let body: unknown = undefined;
    try {
      body = res.body ? (JSON.parse(res.body) as unknown) : undefined;
    } catch {
      body = res.body;
    }
    return { status: res.statusCode, body, raw: res.body, headers: res.headers };
  };
  const create: ApiHarness['create'] = async (url, body, token) => {
    const r = await call('POST', url, { body, token });
    if (r.status !== 201) throw new Error(`POST ${url} → ${r.status} ${r.raw}`);
    return (r.body as { sid: string }).sid;
  };
  return {
    app, store, dataDir: join(dir, 'data'), adminToken, logLines, logger, call, create,
    async accountKey(accountSid, expiresAt) {
      const r = await call('POST', '/v1/ApiKeys', { body: { account_sid: accountSid, ...(expiresAt ? { expires_at: expiresAt } : {}) } });
      if (r.status !== 201) throw new Error(`key → ${r.status} ${r.raw}`);
      return r.body as { sid: string; token: string };
    },
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
