import { Type } from '@sinclair/typebox';
import { accountForRequest, getAuth, requireAdmin } from '../auth.js';
import { forbidden, notFound } from '../errors.js';
import { AccountParams, Created, errorResponses, paged, Sid } from '../schemas/common.js';
import { AlertOut, AlertsQuery, CdrOut, RecentCallsQuery } from '../schemas/calls.js';
import { AccountCreate, AccountOut, AccountUpdate, ADMIN_ACCOUNT_FIELDS } from '../schemas/resources.js';
import type { Store } from '../../store/index.js';
import type { Api, RouteDeps } from '../types.js';

const tags = ['Accounts'];

/** Accounts, and the per-account WebhookSecret, RecentCalls and Alerts (contract §7.2). */
export async function accountRoutes(app: Api, { store }: RouteDeps): Promise<void> {
  accountResourceRoutes(app, store);
  accountSubresourceRoutes(app, store);
}

/** The Accounts resource itself: create, list, read, update, delete. */
function accountResourceRoutes(app: Api, store: Store): void {
  app.post('/Accounts', { schema: { tags, summary: 'Create an account (admin)', body: AccountCreate, response: { 201: Created, ...errorResponses } } }, async (req, reply) => {
    requireAdmin(getAuth(req));
    const a = await store.accounts.create(req.body);
    return reply.code(201).send({ sid: a.account_sid });
  });
  app.get('/Accounts', { schema: { tags, summary: 'List accounts (an account key sees its own)', response: { 200: Type.Array(AccountOut), ...errorResponses } } }, async (req) => {
    const auth = getAuth(req);
    if (auth.scope === 'admin') return store.accounts.list();
    const own = await store.accounts.get(auth.accountSid ?? '');
    return own ? [own] : [];
  });
  app.get('/Accounts/:account_sid', { schema: { tags, summary: 'Read an account', params: AccountParams, response: { 200: AccountOut, ...errorResponses } } }, async (req) =>
    accountForRequest(req, store, req.params.account_sid),
  );
  app.put('/Accounts/:account_sid', { schema: { tags, summary: 'Update an account (limits and caller-id policy: admin only)', params: AccountParams, body: AccountUpdate, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    const a = await accountForRequest(req, store, req.params.account_sid);
    if (getAuth(req).scope !== 'admin') {
      const adminOnly = ADMIN_ACCOUNT_FIELDS.filter((f) => req.body[f] !== undefined);
      if (adminOnly.length > 0) throw forbidden(`only an admin key may change ${adminOnly.join(', ')}`);
    }
    await store.accounts.update(a.account_sid, req.body);
    return reply.code(204).send(null);
  });
  app.delete('/Accounts/:account_sid', { schema: { tags, summary: 'Delete an account and everything it owns (admin)', params: AccountParams, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    requireAdmin(getAuth(req));
    if (!(await store.accounts.delete(req.params.account_sid))) throw notFound('account');
    return reply.code(204).send(null);
  });
}

/** What hangs under one account: its WebhookSecret, RecentCalls (CDRs) and Alerts. */
function accountSubresourceRoutes(app: Api, store: Store): void {
  app.get('/Accounts/:account_sid/WebhookSecret', {
    schema: {
      tags, summary: 'Read (or regenerate) the secret that signs webhooks', params: AccountParams,
      querystring: Type.Object({ regenerate: Type.Optional(Type.Boolean()) }), response: { 200: Type.Object({ webhook_secret: Type.String() }), ...errorResponses },
    },
  }, async (req) => {
    const a = await accountForRequest(req, store, req.params.account_sid);
    const secret = req.query.regenerate ? await store.webhookSecrets.regenerate(a.account_sid) : a.webhook_secret;
    if (secret === undefined) throw notFound('account');
    return { webhook_secret: secret };
  });
  app.get('/Accounts/:account_sid/RecentCalls', {
    schema: { tags: ['RecentCalls'], summary: 'Recent calls (CDRs), newest first', params: AccountParams, querystring: RecentCallsQuery, response: { 200: paged(CdrOut), ...errorResponses } },
  }, async (req) => {
    const a = await accountForRequest(req, store, req.params.account_sid);
    return store.cdrs.list(a.account_sid, req.query);
  });
  app.get('/Accounts/:account_sid/RecentCalls/:call_sid', {
    schema: { tags: ['RecentCalls'], summary: 'One call record with its timeline', params: Type.Object({ account_sid: Sid, call_sid: Sid }), response: { 200: CdrOut, ...errorResponses } },
  }, async (req) => {
    const a = await accountForRequest(req, store, req.params.account_sid);
    const cdr = await store.cdrs.get(req.params.call_sid);
    // A record without its end is a live call's (RecentCalls lists ended calls only, as its list does).
    if (!cdr || cdr.account_sid !== a.account_sid || cdr.terminated_at === null) throw notFound('call');
    return cdr;
  });
  app.get('/Accounts/:account_sid/Alerts', {
    schema: { tags: ['Alerts'], summary: 'Alerts, newest first', params: AccountParams, querystring: AlertsQuery, response: { 200: paged(AlertOut), ...errorResponses } },
  }, async (req) => {
    const a = await accountForRequest(req, store, req.params.account_sid);
    return store.alerts.list(a.account_sid, req.query);
  });
}
