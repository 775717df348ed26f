import { render } from '@testing-library/preact';
import type { ComponentChildren } from 'preact';
import { createApi, type Fetch } from './lib/api.js';
import type { Account } from './lib/types.js';
import { PortalContext, type Ctx } from './ui/common.js';

export interface Seen {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

type Handler = (body: unknown) => { status: number; body?: unknown };

/** A fetch that answers `"METHOD /path"` from a table (prefix match on the path) and records requests. */
export function fakeFetch(routes: Record<string, Handler>): { fetch: Fetch; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: Fetch = async (input, init) => {
    const method = init?.method ?? 'GET';
    const type = (init?.headers as Record<string, string> | undefined)?.['content-type'] ?? '';
    const body = typeof init?.body === 'string' ? (type.includes('json') ? (JSON.parse(init.body) as unknown) : init.body) : undefined;
    seen.push({ method, path: input, body });
    const key = Object.keys(routes).find((k) => `${method} ${input}`.startsWith(k));
    const r = key ? routes[key](body) : { status: 404, body: { msg: 'not found' } };
    if (typeof r.body === 'string') return new Response(r.body, { status: r.status, headers: { 'content-type': 'text/csv' } });
    return new Response(r.body === undefined ? null : JSON.stringify(r.body), { status: r.status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch, seen };
}

export const ACCOUNT: Account = { account_sid: 'acc-1', name: 'demo', allow_any_caller_id: false };

export function renderWithPortal(ui: ComponentChildren, fetch: Fetch, admin = true) {
  const ctx: Ctx = { api: createApi('vgw_test', fetch), admin, account: ACCOUNT, accounts: [ACCOUNT], base: '/v1/Accounts/acc-1', navigate: () => undefined };
  return render(<PortalContext.Provider value={ctx}>{ui}</PortalContext.Provider>);
}
